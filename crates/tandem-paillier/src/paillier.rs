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

use crate::monty::MontyPow as _;
use core::fmt;

use crypto_bigint::modular::FixedMontyParams;
use crypto_bigint::{Int, Odd};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

use std::sync::{Arc, OnceLock};

use crate::bigint::{self, MontyN, MontyN2, U3072, U6144};
use crate::params::MODULUS_BITS;

mod nonces;
mod secret_key;

pub use secret_key::{OwnNonceDraw, SecretKey};

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
    /// Tables for encryption nonces under this key, built on first use and shared by clones
    /// (see [`PublicKey::random_nonce`]).
    nonce_tables: Arc<OnceLock<nonces::KeyTables>>,
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
    // public: N and N² are the public modulus
    #[allow(clippy::disallowed_methods)]
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
            nonce_tables: Arc::new(OnceLock::new()),
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
        // public: c is a ciphertext being validated and N the public modulus
        #[allow(clippy::disallowed_methods)]
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
        // public: the exponent N is public (constant time in the secret base r)
        #[allow(clippy::disallowed_methods)]
        let r_n = MontyN2::new(&r.resize(), &self.params_n2).pow_public(self.n.as_ref());
        Ciphertext(self.one_plus_n_pow(m).mul(&r_n).retrieve())
    }

    /// Encrypts `m` with a fresh nonce from [`PublicKey::random_nonce`]; returns the
    /// ciphertext and the nonce. Constant time in `m` and the nonce.
    #[must_use]
    pub fn encrypt<const L: usize, R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        m: &Int<L>,
    ) -> (Ciphertext, Nonce) {
        self.draw_nonce(rng).encrypt(m)
    }

    /// `enc(m; r)` for a nonce `r` with `r^N mod N²` known.
    fn encrypt_with_power<const L: usize>(&self, m: &Int<L>, r_n: &U6144) -> Ciphertext {
        let r_n = MontyN2::new(r_n, &self.params_n2);
        Ciphertext(self.one_plus_n_pow(m).mul(&r_n).retrieve())
    }

    /// The randomness of one [`PublicKey::random_nonce`], drawn now and turned into the nonce
    /// later ([`ForeignNonceDraw`]). Builds the key's tables on the first call (drawing their
    /// base from `rng` first), as `random_nonce` does.
    #[must_use]
    pub fn draw_nonce<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> ForeignNonceDraw<'_> {
        let tables = self
            .nonce_tables
            .get_or_init(|| nonces::KeyTables::new(self, rng));
        ForeignNonceDraw {
            key: self,
            tables,
            a: nonces::KeyTables::exponent(rng),
        }
    }

    /// A fresh encryption nonce `r` and `r^N mod N²`, for encrypting under this key by someone
    /// who does not know its factors (the peer's key, in the protocol).
    ///
    /// `r = g^a mod N` and `r^N = G^a mod N²` where `g` is a uniform unit drawn when the
    /// tables are built (on the first call; about 14 MB, shared by clones of the key),
    /// `G = g^N mod N²`, and `a` is uniform below `2^(3072+128)`: `r` is then within
    /// statistical distance `2^-128` of uniform in the subgroup `<g>` of `Z*_N` (the order of
    /// `g` is below `N`), and both powers are fixed-base exponentiations (one multiplication
    /// per 4-bit window, no squarings), about four times cheaper than `r^N` for a uniform `r`.
    ///
    /// Why a subgroup is enough: every nonce this library encrypts with under one key comes
    /// from the same `<g>`, so the nonce responses of the proofs (`w = r·ρ^e`) are uniform in
    /// `<g>` whatever the witness nonce `ρ` is: the zero-knowledge simulation is unchanged.
    /// The ciphertexts go to the key's owner, who can open them anyway; against anyone else,
    /// restricting nonces to `<g>` (which contains all squares when `N` is a product of safe
    /// primes, index at most 4) keeps the usual semantic security argument under DCR.
    /// Constant time in `a` (table lookups by constant-time scan).
    #[must_use]
    pub fn random_nonce<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> (Nonce, U6144) {
        self.draw_nonce(rng).nonce()
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

/// The randomness of one encryption nonce under a key whose factors we do not know, drawn
/// by [`PublicKey::draw_nonce`] and not yet used.
///
/// Why draws are separate: a party that draws all of a message's randomness first, in a
/// fixed order, and only then computes, can run independent computations at once (the
/// [`parallel`](crate::parallel) feature) and still send the same bytes as one thread for a
/// given seed. Not `Clone` (one draw makes one nonce: two encryptions with one nonce reveal
/// the difference of their plaintexts to anyone); spent by value; wiped on drop.
pub struct ForeignNonceDraw<'k> {
    key: &'k PublicKey,
    tables: &'k nonces::KeyTables,
    a: crypto_bigint::U4096,
}

impl<'k> ForeignNonceDraw<'k> {
    /// The key it was drawn for.
    #[must_use]
    pub fn key(&self) -> &'k PublicKey {
        self.key
    }

    /// The nonce `r` and `r^N mod N²` (two fixed-base exponentiations; constant time).
    #[must_use]
    pub fn nonce(self) -> (Nonce, U6144) {
        self.tables.nonce(&self.a)
    }

    /// `enc(m; r)` under the key that drew it, and the nonce `r`. Constant time.
    #[must_use]
    pub fn encrypt<const L: usize>(self, m: &Int<L>) -> (Ciphertext, Nonce) {
        let key = self.key;
        let (r, r_n) = self.nonce();
        (key.encrypt_with_power(m, &r_n), r)
    }
}

impl Drop for ForeignNonceDraw<'_> {
    fn drop(&mut self) {
        self.a.zeroize();
    }
}

impl fmt::Debug for ForeignNonceDraw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ForeignNonceDraw(<redacted>)")
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

use crate::bigint::I4096;

/// The signed representative of `m mod n` in `(-n/2, n/2]`. Constant time.
#[must_use]
pub fn to_signed(m: &U3072, n: &U3072) -> I4096 {
    use subtle::ConditionallySelectable;
    // public: the shift 1 is fixed (variable time in the shift only)
    #[allow(clippy::disallowed_methods)]
    let half = n.shr_vartime(1);
    let is_high = bigint::ct(crypto_bigint::CtGt::ct_gt(m, &half));
    let positive: crypto_bigint::U4096 = m.resize();
    let negative_mag: crypto_bigint::U4096 = n.wrapping_sub(m).resize();
    let negated = negative_mag.as_int().wrapping_neg();
    let positive = *positive.as_int();
    I4096::conditional_select(&positive, &negated, is_high)
}

/// Re-exported for proofs that need Montgomery forms modulo N.
pub type NForm = MontyN;
