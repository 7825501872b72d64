//! The Paillier secret key: CRT arithmetic modulo `N` and `N²`, decryption, and the owner's
//! fast encryption.

use crate::monty::MontyPow as _;
use core::fmt;
use std::sync::OnceLock;

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Int, NonZero, Odd, Uint};
use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::nonces::{NonceTables, half_nonce, half_nonce_exponent, prime_tables};
use super::{Ciphertext, Nonce, PaillierError, PublicKey, to_signed};
use crate::bigint::{I4096, MontyN2, MontyP, U1536, U3072, U6144};
use crate::params::{MODULUS_BITS, PRIME_BITS};

/// A Paillier secret key: the safe primes `p, q` and everything derived from them for CRT.
/// Wiped on drop; never printed.
pub struct SecretKey {
    public: PublicKey,
    p: U1536,
    q: U1536,
    /// `φ(N) = (p-1)(q-1)`.
    phi: U3072,
    params_p: FixedMontyParams<{ U1536::LIMBS }>,
    params_q: FixedMontyParams<{ U1536::LIMBS }>,
    params_p2: FixedMontyParams<{ U3072::LIMBS }>,
    params_q2: FixedMontyParams<{ U3072::LIMBS }>,
    /// `q^-1 mod p` (CRT modulo N).
    q_inv_p: U1536,
    /// `(q²)^-1 mod p²` (CRT modulo N²).
    q2_inv_p2: U3072,
    /// `h_p = L_p(g^(p-1) mod p²)^-1 mod p` and the same for q (CRT decryption).
    h_p: U1536,
    h_q: U1536,
    /// Generator tables for encryption nonces, built on the first encryption (see
    /// [`SecretKey::random_nonce`]).
    nonce_tables: OnceLock<NonceTables>,
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.p.zeroize();
        self.q.zeroize();
        self.phi.zeroize();
        self.params_p.zeroize();
        self.params_q.zeroize();
        self.params_p2.zeroize();
        self.params_q2.zeroize();
        self.q_inv_p.zeroize();
        self.q2_inv_p2.zeroize();
        self.h_p.zeroize();
        self.h_q.zeroize();
    }
}
impl ZeroizeOnDrop for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PaillierSecretKey({:?}, primes <redacted>)", self.public)
    }
}

fn odd_prime(p: &U1536) -> Result<Odd<U1536>, PaillierError> {
    Option::from(Odd::new(*p)).ok_or(PaillierError::InvalidPrime)
}

impl SecretKey {
    /// Builds a key from two safe primes, checking both (size, top bits, safe primality,
    /// `p != q`) — the checks cost two primality tests, run once per key.
    ///
    /// # Errors
    /// [`PaillierError::InvalidPrime`].
    pub fn from_primes(p: U1536, q: U1536) -> Result<Self, PaillierError> {
        if p == q
            || !crate::primes::is_valid_safe_prime(&p)
            || !crate::primes::is_valid_safe_prime(&q)
        {
            return Err(PaillierError::InvalidPrime);
        }
        Self::from_primes_unchecked(p, q)
    }

    /// As [`SecretKey::from_primes`] without the primality tests: for primes that were
    /// checked when they were generated or stored (a key share loaded from disk).
    ///
    /// # Errors
    /// [`PaillierError`] if the sizes or the modulus are wrong.
    pub fn from_primes_unchecked(p: U1536, q: U1536) -> Result<Self, PaillierError> {
        let (p_odd, q_odd) = (odd_prime(&p)?, odd_prime(&q)?);
        // The primes are secret: constant-time bit lengths (`bits`, not `bits_vartime`).
        if p == q || p.bits() != PRIME_BITS || q.bits() != PRIME_BITS {
            return Err(PaillierError::InvalidPrime);
        }
        let n: U3072 = p.widening_mul(&q).into();
        let public = PublicKey::from_modulus(n)?;
        let p_wide: U3072 = p.resize();
        let q_wide: U3072 = q.resize();
        let p2 = Odd::new(p_wide.wrapping_mul(&p_wide))
            .into_option()
            .ok_or(PaillierError::InvalidPrime)?;
        let q2 = Odd::new(q_wide.wrapping_mul(&q_wide))
            .into_option()
            .ok_or(PaillierError::InvalidPrime)?;
        let phi = p
            .wrapping_sub(&U1536::ONE)
            .widening_mul(&q.wrapping_sub(&U1536::ONE))
            .into();
        // Constant-time setup: the moduli are secret.
        let params_p = FixedMontyParams::new(p_odd);
        let params_q = FixedMontyParams::new(q_odd);
        let params_p2 = FixedMontyParams::new(p2);
        let params_q2 = FixedMontyParams::new(q2);
        let q_inv_p = q
            .rem(p_odd.as_nz_ref())
            .invert_odd_mod(&p_odd)
            .into_option()
            .ok_or(PaillierError::InvalidPrime)?;
        let q2_inv_p2 = q2
            .as_ref()
            .rem(p2.as_nz_ref())
            .invert_odd_mod(&p2)
            .into_option()
            .ok_or(PaillierError::InvalidPrime)?;
        let h_p = h_factor(&public, &p_odd, &p2, &params_p2)?;
        let h_q = h_factor(&public, &q_odd, &q2, &params_q2)?;
        Ok(Self {
            public,
            p,
            q,
            phi,
            params_p,
            params_q,
            params_p2,
            params_q2,
            q_inv_p,
            q2_inv_p2,
            h_p,
            h_q,
            nonce_tables: OnceLock::new(),
        })
    }

    /// The public key.
    #[must_use]
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// `p` (secret).
    #[must_use]
    pub fn p(&self) -> &U1536 {
        &self.p
    }

    /// `q` (secret).
    #[must_use]
    pub fn q(&self) -> &U1536 {
        &self.q
    }

    /// `φ(N)` (secret).
    #[must_use]
    pub fn phi(&self) -> &U3072 {
        &self.phi
    }

    fn crt_n(&self, x_p: &U1536, x_q: &U1536) -> U3072 {
        // Garner: x = x_q + q·((x_p - x_q)·q^-1 mod p). Constant time.
        let p = self.params_p.modulus();
        let diff = FixedMontyForm::new(x_p, &self.params_p).sub(&FixedMontyForm::new(
            &x_q.rem(p.as_nz_ref()),
            &self.params_p,
        ));
        let h = diff
            .mul(&FixedMontyForm::new(&self.q_inv_p, &self.params_p))
            .retrieve();
        let qh: U3072 = self.q.widening_mul(&h).into();
        qh.wrapping_add(&x_q.resize())
    }

    fn crt_n2(&self, x_p: &U3072, x_q: &U3072) -> U6144 {
        let p2 = self.params_p2.modulus();
        let diff = FixedMontyForm::new(x_p, &self.params_p2).sub(&FixedMontyForm::new(
            &x_q.rem(p2.as_nz_ref()),
            &self.params_p2,
        ));
        let h = diff
            .mul(&FixedMontyForm::new(&self.q2_inv_p2, &self.params_p2))
            .retrieve();
        let q2 = self.params_q2.modulus().as_ref();
        let q2h: U6144 = q2.widening_mul(&h).into();
        q2h.wrapping_add(&x_q.resize())
    }

    /// `base^e mod N` with CRT (exponents reduced modulo `p-1`, `q-1`). Constant time in
    /// `base` and `e`; `e` is non-negative.
    #[must_use]
    pub fn pow_mod_n<const E: usize>(&self, base: &U3072, e: &Uint<E>) -> U3072 {
        let p = self.params_p.modulus();
        let q = self.params_q.modulus();
        let p1 =
            NonZero::new(p.as_ref().wrapping_sub(&U1536::ONE)).unwrap_or(NonZero::<U1536>::ONE);
        let q1 =
            NonZero::new(q.as_ref().wrapping_sub(&U1536::ONE)).unwrap_or(NonZero::<U1536>::ONE);
        let x_p = FixedMontyForm::new(&base.rem(p.as_nz_ref()), &self.params_p)
            .pow_ct(&e.rem(&p1), PRIME_BITS)
            .retrieve();
        let x_q = FixedMontyForm::new(&base.rem(q.as_nz_ref()), &self.params_q)
            .pow_ct(&e.rem(&q1), PRIME_BITS)
            .retrieve();
        self.crt_n(&x_p, &x_q)
    }

    /// `base^(e_p) mod p` and `base^(e_q) mod q`, recombined modulo `N`: for exponents that
    /// are defined separately per prime (fourth roots, `N^-1 mod φ`). Constant time.
    #[must_use]
    pub fn pow_mod_n_split(&self, base: &U3072, e_p: &U1536, e_q: &U1536) -> U3072 {
        let p = self.params_p.modulus();
        let q = self.params_q.modulus();
        let x_p = FixedMontyForm::new(&base.rem(p.as_nz_ref()), &self.params_p)
            .pow_ct(e_p, PRIME_BITS)
            .retrieve();
        let x_q = FixedMontyForm::new(&base.rem(q.as_nz_ref()), &self.params_q)
            .pow_ct(e_q, PRIME_BITS)
            .retrieve();
        self.crt_n(&x_p, &x_q)
    }

    /// The Montgomery parameters modulo `p` and modulo `q` (secret), for provers that work
    /// modulo each prime separately (Πmod's fourth roots, Πprm's commitments).
    #[must_use]
    pub(crate) fn prime_params(
        &self,
    ) -> (
        &FixedMontyParams<{ U1536::LIMBS }>,
        &FixedMontyParams<{ U1536::LIMBS }>,
    ) {
        (&self.params_p, &self.params_q)
    }

    /// `x mod p` and `x mod q` in Montgomery form. Constant time.
    #[must_use]
    pub(crate) fn residues(&self, x: &U3072) -> (MontyP, MontyP) {
        let p = self.params_p.modulus();
        let q = self.params_q.modulus();
        (
            MontyP::new(&x.rem(p.as_nz_ref()), &self.params_p),
            MontyP::new(&x.rem(q.as_nz_ref()), &self.params_q),
        )
    }

    /// The value modulo `N` with the given residues modulo `p` and `q` (Garner). Constant
    /// time.
    #[must_use]
    pub(crate) fn combine(&self, x_p: &MontyP, x_q: &MontyP) -> U3072 {
        self.crt_n(&x_p.retrieve(), &x_q.retrieve())
    }

    /// `p` as an odd modulus (secret).
    #[must_use]
    pub fn p_odd(&self) -> &Odd<U1536> {
        self.params_p.modulus()
    }

    /// `q` as an odd modulus (secret).
    #[must_use]
    pub fn q_odd(&self) -> &Odd<U1536> {
        self.params_q.modulus()
    }

    /// `base^e mod N²` with CRT (exponents reduced modulo `φ(p²) = p(p-1)` and `q(q-1)`).
    /// Constant time; `e` is non-negative.
    #[must_use]
    pub fn pow_mod_n2<const E: usize>(&self, base: &U6144, e: &Uint<E>) -> U6144 {
        let p2 = self.params_p2.modulus();
        let q2 = self.params_q2.modulus();
        let phi_p2: U3072 = self
            .p
            .widening_mul(&self.p.wrapping_sub(&U1536::ONE))
            .into();
        let phi_q2: U3072 = self
            .q
            .widening_mul(&self.q.wrapping_sub(&U1536::ONE))
            .into();
        let phi_p2 = NonZero::new(phi_p2).unwrap_or(NonZero::<U3072>::ONE);
        let phi_q2 = NonZero::new(phi_q2).unwrap_or(NonZero::<U3072>::ONE);
        let x_p = FixedMontyForm::new(&base.rem(p2.as_nz_ref()), &self.params_p2)
            .pow_ct(&e.rem(&phi_p2), MODULUS_BITS)
            .retrieve();
        let x_q = FixedMontyForm::new(&base.rem(q2.as_nz_ref()), &self.params_q2)
            .pow_ct(&e.rem(&phi_q2), MODULUS_BITS)
            .retrieve();
        self.crt_n2(&x_p, &x_q)
    }

    /// `base^e mod N²` for a public signed exponent `e` and a base that is a unit: CRT with
    /// the exponent *not* reduced (reducing a public exponent modulo the secret `p(p-1)` would
    /// make it secret). Constant time in `base` and the factors; variable time in `e` only,
    /// which is public. For verifying proofs against our own key (CGGMP24 Fig. 25).
    #[must_use]
    pub fn pow_mod_n2_public<const E: usize>(&self, base: &U6144, e: &Int<E>) -> U6144 {
        let (magnitude, negative) = e.abs_sign();
        // The sign of a public exponent is public.
        let negative = bool::from(crate::bigint::ct(negative));
        // public: the exponent e is public (pow_vartime is variable time in e only, not in p, q)
        #[allow(clippy::disallowed_methods)]
        let half = |params: &FixedMontyParams<{ U3072::LIMBS }>| {
            let b = FixedMontyForm::new(&base.rem(params.modulus().as_nz_ref()), params);
            let b = if negative {
                // Constant-time inversion (the modulus is secret); a non-unit has no inverse
                // and the caller's equation then fails.
                Option::from(b.invert()).unwrap_or(b)
            } else {
                b
            };
            b.pow_public(&magnitude).retrieve()
        };
        let x_p = half(&self.params_p2);
        let x_q = half(&self.params_q2);
        self.crt_n2(&x_p, &x_q)
    }

    /// `r^N mod N²` for `r ∈ Z*_N`, in constant time, from half-size exponentiations:
    /// since `x^p mod p²` depends only on `x mod p`, `r^N = (r^q)^p ≡ v^p (mod p²)` with
    /// `v = (r mod p)^(q mod (p-1)) mod p`, and the same modulo `q²`.
    #[must_use]
    pub fn nonce_power(&self, r: &U3072) -> U6144 {
        let half = |params: &FixedMontyParams<{ U1536::LIMBS }>,
                    params_sq: &FixedMontyParams<{ U3072::LIMBS }>,
                    other: &U1536| {
            let prime = params.modulus();
            let p1 = NonZero::new(prime.as_ref().wrapping_sub(&U1536::ONE))
                .unwrap_or(NonZero::<U1536>::ONE);
            let v = FixedMontyForm::new(&r.rem(prime.as_nz_ref()), params)
                .pow_ct(&other.rem(&p1), PRIME_BITS)
                .retrieve();
            FixedMontyForm::new(&v.resize::<{ U3072::LIMBS }>(), params_sq)
                .pow_ct(prime.as_ref(), PRIME_BITS)
                .retrieve()
        };
        let x_p = half(&self.params_p, &self.params_p2, &self.q);
        let x_q = half(&self.params_q, &self.params_q2, &self.p);
        self.crt_n2(&x_p, &x_q)
    }

    /// `enc(m; r)` under our own key ([`SecretKey::nonce_power`] for `r^N`). Constant time.
    #[must_use]
    pub fn encrypt_with<const L: usize>(&self, m: &Int<L>, r: &U3072) -> Ciphertext {
        let r_n = MontyN2::new(&self.nonce_power(r), &self.public.params_n2);
        Ciphertext(self.public.one_plus_n_pow(m).mul(&r_n).retrieve())
    }

    /// Encrypts `m` under our own key with a fresh nonce from [`SecretKey::random_nonce`].
    #[must_use]
    pub fn encrypt<const L: usize, R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        m: &Int<L>,
    ) -> (Ciphertext, Nonce) {
        self.draw_nonce(rng).encrypt(m)
    }

    /// A uniform nonce `ρ ∈ Z*_N` together with `ρ^N mod N²`, from fixed generators.
    ///
    /// For each prime `p`: `ρ mod p = h^k` with `k` uniform in `[0, p-1)` and `h` a generator
    /// of `Z*_p`, so `ρ mod p` is uniform in `Z*_p`; and since `x^p mod p²` depends only on
    /// `x mod p`, `ρ^N mod p² = (h^p)^(k·q) = H^(k·q mod (p-1)) mod p²`. Both are fixed-base
    /// exponentiations with 1536-bit exponents (tables built on first use, about 6.6 MB per
    /// key), instead of a full `r^N` with CRT. Constant time in `k`.
    #[must_use]
    pub fn random_nonce<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> (Nonce, U6144) {
        self.draw_nonce(rng).nonce()
    }

    /// The randomness of one [`SecretKey::random_nonce`], drawn now and turned into the nonce
    /// later ([`OwnNonceDraw`]). Builds the key's tables on the first call (drawing their
    /// generators from `rng` first), as `random_nonce` does.
    #[must_use]
    pub fn draw_nonce<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> OwnNonceDraw<'_> {
        let tables = self.nonce_tables.get_or_init(|| NonceTables {
            p: prime_tables(self.p_odd(), &self.params_p, &self.params_p2, rng),
            q: prime_tables(self.q_odd(), &self.params_q, &self.params_q2, rng),
        });
        let k_p = half_nonce_exponent(self.p_odd(), rng);
        let k_q = half_nonce_exponent(self.q_odd(), rng);
        OwnNonceDraw {
            key: self,
            tables,
            k_p,
            k_q,
        }
    }

    /// Decrypts to `m ∈ [0, N)` with CRT. The ciphertext must be valid (checked by the caller
    /// for peer ciphertexts). Constant time.
    #[must_use]
    pub fn decrypt(&self, c: &Ciphertext) -> U3072 {
        let m_p = self.decrypt_half(&c.0, &self.params_p2, &self.params_p, &self.h_p);
        let m_q = self.decrypt_half(&c.0, &self.params_q2, &self.params_q, &self.h_q);
        self.crt_n(&m_p, &m_q)
    }

    fn decrypt_half(
        &self,
        c: &U6144,
        params_sq: &FixedMontyParams<{ U3072::LIMBS }>,
        params: &FixedMontyParams<{ U1536::LIMBS }>,
        h: &U1536,
    ) -> U1536 {
        let prime = params.modulus();
        let exponent = prime.as_ref().wrapping_sub(&U1536::ONE);
        let u = FixedMontyForm::new(&c.rem(params_sq.modulus().as_nz_ref()), params_sq)
            .pow_ct(&exponent, PRIME_BITS)
            .retrieve();
        // L_p(u) = (u - 1) / p, exact division (u ≡ 1 mod p).
        let l: U3072 = u
            .wrapping_sub(&U3072::ONE)
            .wrapping_div(&NonZero::new(prime.as_ref().resize()).unwrap_or(NonZero::<U3072>::ONE));
        let l_p: U1536 = l.rem(prime.as_nz_ref());
        FixedMontyForm::new(&l_p, params)
            .mul(&FixedMontyForm::new(h, params))
            .retrieve()
    }

    /// Decrypts to the signed representative in `(-N/2, N/2]` (CGGMP24 Section 2).
    #[must_use]
    pub fn decrypt_signed(&self, c: &Ciphertext) -> I4096 {
        let m = self.decrypt(c);
        to_signed(&m, self.public.n.as_ref())
    }
}

fn h_factor(
    public: &PublicKey,
    prime: &Odd<U1536>,
    prime_sq: &Odd<U3072>,
    params_sq: &FixedMontyParams<{ U3072::LIMBS }>,
) -> Result<U1536, PaillierError> {
    // g = N + 1; h = L(g^(prime-1) mod prime²)^-1 mod prime.
    let g: U3072 = public
        .n
        .as_ref()
        .wrapping_add(&U3072::ONE)
        .rem(prime_sq.as_nz_ref());
    let exponent = prime.as_ref().wrapping_sub(&U1536::ONE);
    let u = FixedMontyForm::new(&g, params_sq)
        .pow_ct(&exponent, PRIME_BITS)
        .retrieve();
    let l: U3072 = u
        .wrapping_sub(&U3072::ONE)
        .wrapping_div(&NonZero::new(prime.as_ref().resize()).unwrap_or(NonZero::<U3072>::ONE));
    let l: U1536 = l.rem(prime.as_nz_ref());
    l.invert_odd_mod(prime)
        .into_option()
        .ok_or(PaillierError::InvalidPrime)
}

/// The randomness of one encryption nonce under our own key, drawn by
/// [`SecretKey::draw_nonce`] and not yet used (why draws are separate:
/// [`ForeignNonceDraw`](super::ForeignNonceDraw)). Not `Clone`, spent by value, wiped on drop.
pub struct OwnNonceDraw<'k> {
    key: &'k SecretKey,
    tables: &'k NonceTables,
    k_p: U1536,
    k_q: U1536,
}

impl<'k> OwnNonceDraw<'k> {
    /// The key it was drawn for.
    #[must_use]
    pub fn key(&self) -> &'k SecretKey {
        self.key
    }

    /// The nonce `ρ` and `ρ^N mod N²` (fixed-base exponentiations; constant time).
    #[must_use]
    pub fn nonce(self) -> (Nonce, U6144) {
        let key = self.key;
        let (rho_p, big_p) = half_nonce(&self.tables.p, key.p_odd(), &key.q, &self.k_p);
        let (rho_q, big_q) = half_nonce(&self.tables.q, key.q_odd(), &key.p, &self.k_q);
        (Nonce(key.crt_n(&rho_p, &rho_q)), key.crt_n2(&big_p, &big_q))
    }

    /// `enc(m; ρ)` under the key that drew it, and the nonce `ρ`. Constant time.
    #[must_use]
    pub fn encrypt<const L: usize>(self, m: &Int<L>) -> (Ciphertext, Nonce) {
        let key = self.key;
        let (rho, rho_n) = self.nonce();
        let rho_n = MontyN2::new(&rho_n, &key.public.params_n2);
        (
            Ciphertext(key.public.one_plus_n_pow(m).mul(&rho_n).retrieve()),
            rho,
        )
    }
}

impl Drop for OwnNonceDraw<'_> {
    fn drop(&mut self) {
        self.k_p.zeroize();
        self.k_q.zeroize();
    }
}

impl fmt::Debug for OwnNonceDraw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnNonceDraw(<redacted>)")
    }
}
