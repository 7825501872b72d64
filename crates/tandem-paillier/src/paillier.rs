//! Paillier encryption with `N = pq` for safe primes `p, q` and generator `g = N + 1`.
//!
//! - `enc(m; r) = (1 + m·N) · r^N mod N²` (`(1+N)^m = 1 + m·N mod N²` costs no
//!   exponentiation);
//! - `dec(c)` with CRT (Paillier 1999, Section 7): `m_p = L_p(c^(p-1) mod p²) · h_p mod p`,
//!   the same modulo `q`, recombined modulo `N`;
//! - the key owner computes every exponentiation modulo `N` or `N²` with CRT
//!   ([`SecretKey::pow_mod_n`], [`SecretKey::pow_mod_n2`]): two half-size exponentiations
//!   instead of one full-size one.
//!
//! Plaintexts are integers modulo `N`, read back as signed values in `(-N/2, N/2]` where the
//! protocol needs signs (CGGMP24 Section 2 convention). A ciphertext from a peer is only used
//! after [`PublicKey::validate_ciphertext`] (a unit of `Z_{N²}`).

use core::fmt;

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Int, NonZero, Odd, Uint};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

use std::sync::OnceLock;

use crate::bigint::{self, MontyN, MontyN2, U1536, U3072, U6144};
use crate::fixed_base::FixedBaseTable;
use crate::params::{MODULUS_BITS, PRIME_BITS};

/// Why a Paillier key or ciphertext was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PaillierError {
    /// The modulus does not have exactly [`MODULUS_BITS`] bits.
    #[error("modulus has {0} bits, expected exactly 3072")]
    ModulusSize(u32),
    /// The modulus is even.
    #[error("modulus is even")]
    ModulusEven,
    /// A prime is not a 1536-bit safe prime with its two top bits set, or `p == q`.
    #[error("invalid prime")]
    InvalidPrime,
    /// A ciphertext is not a unit of `Z_{N²}` (zero, not below `N²`, or sharing a factor with
    /// `N`).
    #[error("ciphertext is not a unit modulo N^2")]
    InvalidCiphertext,
    /// A nonce is not a unit of `Z_N`.
    #[error("nonce is not a unit modulo N")]
    InvalidNonce,
}

/// A Paillier ciphertext: an integer modulo `N²` (validated against a key before use).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ciphertext(#[serde(with = "bigint::serde_uint")] pub U6144);

impl fmt::Debug for Ciphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ciphertext({:x}..)",
            self.0.as_words().last().copied().unwrap_or(0)
        )
    }
}

/// A Paillier public key: the modulus `N` (exactly 3072 bits, odd) and derived values.
#[derive(Clone)]
pub struct PublicKey {
    n: Odd<U3072>,
    n2: Odd<U6144>,
    params_n: FixedMontyParams<{ U3072::LIMBS }>,
    params_n2: FixedMontyParams<{ U6144::LIMBS }>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PaillierPublicKey(N = {:x}...)",
            self.n.as_ref().as_words().last().copied().unwrap_or(0)
        )
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n
    }
}
impl Eq for PublicKey {}

impl PublicKey {
    /// A public key from a modulus, checking its size (exactly [`MODULUS_BITS`] bits) and that
    /// it is odd. That `N` is a product of two large primes is what Πmod and Πfac prove; a
    /// peer's key is used only after those proofs verified.
    ///
    /// # Errors
    /// [`PaillierError::ModulusSize`], [`PaillierError::ModulusEven`].
    pub fn from_modulus(n: U3072) -> Result<Self, PaillierError> {
        let bits = n.bits_vartime();
        if bits != MODULUS_BITS {
            return Err(PaillierError::ModulusSize(bits));
        }
        let n: Odd<U3072> = Option::from(Odd::new(n)).ok_or(PaillierError::ModulusEven)?;
        let n_wide: U6144 = n.as_ref().resize();
        let n2: Odd<U6144> = Option::from(Odd::new(n_wide.wrapping_mul(&n_wide)))
            .ok_or(PaillierError::ModulusEven)?;
        Ok(Self {
            params_n: bigint::public_params(&n),
            params_n2: bigint::public_params(&n2),
            n,
            n2,
        })
    }

    /// `N`.
    #[must_use]
    pub fn n(&self) -> &Odd<U3072> {
        &self.n
    }

    /// `N²`.
    #[must_use]
    pub fn n_squared(&self) -> &Odd<U6144> {
        &self.n2
    }

    /// Montgomery parameters modulo `N`.
    #[must_use]
    pub fn params_n(&self) -> &FixedMontyParams<{ U3072::LIMBS }> {
        &self.params_n
    }

    /// Montgomery parameters modulo `N²`.
    #[must_use]
    pub fn params_n2(&self) -> &FixedMontyParams<{ U6144::LIMBS }> {
        &self.params_n2
    }

    /// Checks that `c` is a unit of `Z_{N²}`: `0 < c < N²` and `gcd(c, N) = 1` (CGGMP24
    /// Section 2: ciphertexts are elements of `Z*_{N²}`).
    ///
    /// # Errors
    /// [`PaillierError::InvalidCiphertext`].
    pub fn validate_ciphertext(&self, c: &Ciphertext) -> Result<(), PaillierError> {
        // Public value: variable-time checks are fine.
        if bool::from(c.0.is_zero()) || c.0 >= *self.n2.as_ref() {
            return Err(PaillierError::InvalidCiphertext);
        }
        let c_mod_n: U3072 = c.0.rem_vartime(self.n.as_nz_ref());
        if !bigint::is_unit(&c_mod_n, &self.n) {
            return Err(PaillierError::InvalidCiphertext);
        }
        Ok(())
    }

    /// Checks that a nonce is a unit of `Z_N`.
    ///
    /// # Errors
    /// [`PaillierError::InvalidNonce`].
    pub fn validate_nonce(&self, r: &U3072) -> Result<(), PaillierError> {
        if bigint::is_unit(r, &self.n) {
            Ok(())
        } else {
            Err(PaillierError::InvalidNonce)
        }
    }

    /// `1 + (m mod N)·N mod N²`, i.e. `(1+N)^m`, for a signed `m`. Constant time.
    #[must_use]
    pub fn one_plus_n_pow<const L: usize>(&self, m: &Int<L>) -> MontyN2 {
        let m_mod_n = bigint::reduce_signed(m, self.n.as_nz_ref());
        let n_wide: U6144 = self.n.as_ref().resize();
        let product: U6144 = m_mod_n.resize::<{ U6144::LIMBS }>().wrapping_mul(&n_wide);
        // m < N, so m·N < N² and 1 + m·N <= N² - N + 1 < N²: no reduction needed.
        MontyN2::new(&product.wrapping_add(&U6144::ONE), &self.params_n2)
    }

    /// `enc(m; r) = (1+N)^m · r^N mod N²`, by anyone holding the public key. Constant time in
    /// `m` and `r`.
    #[must_use]
    pub fn encrypt_with<const L: usize>(&self, m: &Int<L>, r: &U3072) -> Ciphertext {
        // The exponent N is public; Montgomery multiplication is constant time in its
        // operands, so `pow_vartime` leaks only N.
        let r_n = MontyN2::new(&r.resize(), &self.params_n2).pow_vartime(self.n.as_ref());
        Ciphertext(self.one_plus_n_pow(m).mul(&r_n).retrieve())
    }

    /// Encrypts `m` with a fresh nonce; returns the ciphertext and the nonce.
    #[must_use]
    pub fn encrypt<const L: usize, R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        m: &Int<L>,
    ) -> (Ciphertext, Nonce) {
        let r = bigint::random_unit(rng, &self.n);
        (self.encrypt_with(m, &r), Nonce(r))
    }

    /// `c1 · c2 mod N²`: an encryption of the sum of the plaintexts.
    #[must_use]
    pub fn add(&self, c1: &Ciphertext, c2: &Ciphertext) -> Ciphertext {
        let a = MontyN2::new(&c1.0, &self.params_n2);
        let b = MontyN2::new(&c2.0, &self.params_n2);
        Ciphertext(a.mul(&b).retrieve())
    }

    /// `c^k mod N²` for a secret signed `k` with `|k| < 2^bits`: an encryption of `k·m`.
    /// Constant time. `c` must be a validated ciphertext (so it is invertible).
    #[must_use]
    pub fn scalar_mul<const L: usize>(&self, c: &Ciphertext, k: &Int<L>, bits: u32) -> Ciphertext {
        let base = MontyN2::new(&c.0, &self.params_n2);
        let inv = Option::<MontyN2>::from(base.invert()).unwrap_or(base);
        Ciphertext(bigint::pow_secret(&base, &inv, k, bits).retrieve())
    }
}

/// A Paillier nonce `r ∈ Z*_N` (secret: it opens the ciphertext). Wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Nonce(pub U3072);

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nonce(<redacted>)")
    }
}

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

/// Per prime `p`: a table for a generator `h` of `Z*_p` and one for `H = h^p mod p²`, the
/// generator of the order-`(p-1)` subgroup of `Z*_{p²}` (the `p`-th powers).
struct PrimeTables {
    generator: FixedBaseTable<{ U1536::LIMBS }>,
    lifted: FixedBaseTable<{ U3072::LIMBS }>,
}

struct NonceTables {
    p: PrimeTables,
    q: PrimeTables,
}

impl Drop for NonceTables {
    fn drop(&mut self) {
        for t in [&mut self.p, &mut self.q] {
            t.generator.wipe();
            t.lifted.wipe();
        }
    }
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
        if p == q || p.bits_vartime() != PRIME_BITS || q.bits_vartime() != PRIME_BITS {
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
            .pow_bounded_exp(&e.rem(&p1), PRIME_BITS)
            .retrieve();
        let x_q = FixedMontyForm::new(&base.rem(q.as_nz_ref()), &self.params_q)
            .pow_bounded_exp(&e.rem(&q1), PRIME_BITS)
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
            .pow_bounded_exp(e_p, PRIME_BITS)
            .retrieve();
        let x_q = FixedMontyForm::new(&base.rem(q.as_nz_ref()), &self.params_q)
            .pow_bounded_exp(e_q, PRIME_BITS)
            .retrieve();
        self.crt_n(&x_p, &x_q)
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
            .pow_bounded_exp(&e.rem(&phi_p2), MODULUS_BITS)
            .retrieve();
        let x_q = FixedMontyForm::new(&base.rem(q2.as_nz_ref()), &self.params_q2)
            .pow_bounded_exp(&e.rem(&phi_q2), MODULUS_BITS)
            .retrieve();
        self.crt_n2(&x_p, &x_q)
    }

    /// `enc(m; r)` under our own key, with CRT for `r^N`. Constant time.
    #[must_use]
    pub fn encrypt_with<const L: usize>(&self, m: &Int<L>, r: &U3072) -> Ciphertext {
        let r_n = self.pow_mod_n2(&r.resize(), self.public.n.as_ref());
        let r_n = MontyN2::new(&r_n, &self.public.params_n2);
        Ciphertext(self.public.one_plus_n_pow(m).mul(&r_n).retrieve())
    }

    /// Encrypts `m` under our own key with a fresh nonce from [`SecretKey::random_nonce`].
    #[must_use]
    pub fn encrypt<const L: usize, R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        m: &Int<L>,
    ) -> (Ciphertext, Nonce) {
        let (rho, rho_n) = self.random_nonce(rng);
        let rho_n = MontyN2::new(&rho_n, &self.public.params_n2);
        (
            Ciphertext(self.public.one_plus_n_pow(m).mul(&rho_n).retrieve()),
            rho,
        )
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
        let tables = self.nonce_tables.get_or_init(|| NonceTables {
            p: prime_tables(self.p_odd(), &self.params_p, &self.params_p2, rng),
            q: prime_tables(self.q_odd(), &self.params_q, &self.params_q2, rng),
        });
        let (rho_p, big_p) = half_nonce(&tables.p, self.p_odd(), &self.q, rng);
        let (rho_q, big_q) = half_nonce(&tables.q, self.q_odd(), &self.p, rng);
        (
            Nonce(self.crt_n(&rho_p, &rho_q)),
            self.crt_n2(&big_p, &big_q),
        )
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
            .pow_bounded_exp(&exponent, PRIME_BITS)
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

use crate::bigint::I4096;

/// The signed representative of `m mod n` in `(-n/2, n/2]`. Constant time.
#[must_use]
pub fn to_signed(m: &U3072, n: &U3072) -> I4096 {
    use subtle::ConditionallySelectable;
    let half = n.shr_vartime(1);
    let is_high = bigint::ct(crypto_bigint::CtGt::ct_gt(m, &half));
    let positive: crypto_bigint::U4096 = m.resize();
    let negative_mag: crypto_bigint::U4096 = n.wrapping_sub(m).resize();
    let negated = negative_mag.as_int().wrapping_neg();
    let positive = *positive.as_int();
    I4096::conditional_select(&positive, &negated, is_high)
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
        .pow_bounded_exp(&exponent, PRIME_BITS)
        .retrieve();
    let l: U3072 = u
        .wrapping_sub(&U3072::ONE)
        .wrapping_div(&NonZero::new(prime.as_ref().resize()).unwrap_or(NonZero::<U3072>::ONE));
    let l: U1536 = l.rem(prime.as_nz_ref());
    l.invert_odd_mod(prime)
        .into_option()
        .ok_or(PaillierError::InvalidPrime)
}

/// Re-exported for proofs that need Montgomery forms modulo N.
pub type NForm = MontyN;

/// The tables for one prime: a random generator `h` of `Z*_p` (for a safe prime `p = 2p'+1`,
/// exactly the quadratic non-residues other than `-1`) and `H = h^p mod p²`.
fn prime_tables<R: CryptoRng + ?Sized>(
    prime: &Odd<U1536>,
    params: &FixedMontyParams<{ U1536::LIMBS }>,
    params_sq: &FixedMontyParams<{ U3072::LIMBS }>,
    rng: &mut R,
) -> PrimeTables {
    let minus_one = prime.as_ref().wrapping_sub(&U1536::ONE);
    let h = loop {
        let h = bigint::random_unit(rng, prime);
        // Constant-time symbol (the prime is secret); only the accept/reject is observable.
        if matches!(
            h.jacobi_symbol(prime),
            crypto_bigint::JacobiSymbol::MinusOne
        ) && h != minus_one
        {
            break h;
        }
    };
    let lifted = FixedMontyForm::new(&h.resize::<{ U3072::LIMBS }>(), params_sq)
        .pow_bounded_exp(prime.as_ref(), PRIME_BITS);
    PrimeTables {
        generator: FixedBaseTable::new(&FixedMontyForm::new(&h, params), PRIME_BITS),
        lifted: FixedBaseTable::new(&lifted, PRIME_BITS),
    }
}

/// `(h^k mod p, H^(k·other mod (p-1)) mod p²)` for a fresh uniform `k`.
fn half_nonce<R: CryptoRng + ?Sized>(
    tables: &PrimeTables,
    prime: &Odd<U1536>,
    other: &U1536,
    rng: &mut R,
) -> (U1536, U3072) {
    let p1 =
        NonZero::new(prime.as_ref().wrapping_sub(&U1536::ONE)).unwrap_or(NonZero::<U1536>::ONE);
    let k = crypto_bigint::RandomMod::random_mod_vartime(rng, &p1);
    let kq: U3072 = k.widening_mul(other).into();
    let e = kq.rem(&p1);
    let rho = tables
        .generator
        .pow_secret(&k, PRIME_BITS)
        .map_or(U1536::ONE, |v| v.retrieve());
    let big = tables
        .lifted
        .pow_secret(&e, PRIME_BITS)
        .map_or(U3072::ONE, |v| v.retrieve());
    (rho, big)
}
