//! Batch verification of the Paillier equations of several proofs under one key.
//!
//! The range proofs end with an equation under the *prover's* Paillier key `N`:
//! `(1+N)^m · w^N = A · C^e (mod N²)` (Πenc-elg Fig. 24: `enc(z1; z2) = D·C^e`; Πaff-g
//! Fig. 25: `enc_N1(z2; w_y) = B_y·Y^e`). The verifier does not know the factors of `N`, so
//! `w^N` is a full 3072-bit exponentiation modulo `N²`, the most expensive step of the
//! verification. In presigning each party checks four such equations under the peer's key.
//!
//! [`verify`] checks `k` of them at once with the small-exponent test of Bellare, Garay and
//! Rabin ("Fast batch verification for modular exponentiation and digital signatures",
//! EUROCRYPT 1998, Section 3.2): the verifier draws secret `c_i` uniform in `[0, 2^128)` after
//! it has received every proof, and checks
//!
//! `(1+N)^(Σ c_i·m_i) · (Π w_i^(c_i))^N = Π A_i^(c_i) · C_i^(c_i·e_i)  (mod N²)`
//!
//! which costs one `·^N` instead of `k`.
//!
//! **Soundness.** BGR prove the test for groups of prime order; `Z*_{N²}` is not one, so here is
//! the argument for what is used. For a Paillier-Blum modulus (proved by Πmod:
//! `gcd(N, φ(N)) = 1`) every `u ∈ Z*_{N²}` is uniquely `(1+N)^d · v^N` with `d ∈ Z_N`,
//! `v ∈ Z*_N`, and `u ↦ d` is a homomorphism onto `Z_N` (the plaintext). Let
//! `δ_i = lhs_i / rhs_i` and `d_i` its plaintext. If the batch equation holds then
//! `Σ c_i·d_i ≡ 0 (mod N)`. Suppose some `d_j ≢ 0 (mod N)`; then `d_j ≢ 0` modulo a prime
//! factor `p` of `N`, and `p > 2^128` (Πfac bounds both factors far above that). Fixing the
//! other `c_i`, at most one residue of `c_j` modulo `p` satisfies the equation, and `c_j` is
//! uniform on `2^128 < p` values: the batch accepts with probability at most `2^-128`. So an
//! accepted batch means that every equation holds in its plaintext component, exactly. What
//! the batch does not pin down is the `N`-th-residue component: an equation may hold only up
//! to a factor `v^N`, i.e. with some other nonce than `w_i`. That is harmless: every element
//! of `Z*_{N²}` is an encryption with *some* nonce, the proofs' soundness (CGGMP24, the
//! extraction of `x = (z1 - z1')/(e - e')`) uses only the plaintext equations, and the nonce
//! the prover knows is never used by the verifier. The `c_i` are drawn from the verifier's RNG
//! after the proofs are fixed, so a prover cannot adapt to them.
//!
//! If the batch fails, every equation is checked on its own to name the failing proof.

use crate::monty::MontyPow as _;
use crypto_bigint::modular::FixedMontyForm;
use crypto_bigint::{MultiExponentiateBoundedExp, RandomBits, Uint};
use rand_core::CryptoRng;

use super::ProofError;
use crate::bigint::{self, I1024, I2048, I4096, MontyN2, U3072};
use crate::paillier::{Ciphertext, PublicKey};

type U512 = Uint<8>;

/// Bits of the random batch coefficients.
const COEFFICIENT_BITS: u32 = 128;

/// One equation `(1+N)^m · w^N = A · C^e (mod N²)` of a verified proof, all other checks of
/// which have passed (membership of `w`, `A`, `C`; the range of `m`).
#[derive(Clone, Debug)]
pub struct EncCheck {
    key: PublicKey,
    m: I2048,
    w: U3072,
    a: Ciphertext,
    c: Ciphertext,
    e: I1024,
    name: &'static str,
}

impl EncCheck {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        key: &PublicKey,
        m: I2048,
        w: U3072,
        a: Ciphertext,
        c: Ciphertext,
        e: I1024,
        name: &'static str,
    ) -> Self {
        Self {
            key: key.clone(),
            m,
            w,
            a,
            c,
            e,
            name,
        }
    }

    /// The key the equation is under.
    #[must_use]
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// Checks this equation on its own (variable time: public values).
    ///
    /// # Errors
    /// [`ProofError::Equation`] naming the proof's equation.
    pub fn check(&self) -> Result<(), ProofError> {
        let k = &self.key;
        let lhs = MontyN2::new(&k.encrypt_with(&self.m, &self.w).0, k.params_n2());
        let c = MontyN2::new(&self.c.0, k.params_n2());
        // public: C and the challenge e are public proof values
        #[allow(clippy::disallowed_methods)]
        let rhs = MontyN2::new(&self.a.0, k.params_n2())
            .mul(&bigint::pow_signed_vartime(&c, &self.e).unwrap_or(c));
        if lhs == rhs {
            Ok(())
        } else {
            Err(ProofError::Equation(self.name))
        }
    }
}

/// Checks every equation, batching those under the same key (see the module documentation).
/// The coefficients come from `rng`, which must be the verifier's own CSPRNG.
///
/// # Errors
/// The [`ProofError`] of the first equation that fails on its own.
pub fn verify<R: CryptoRng + ?Sized>(checks: &[EncCheck], rng: &mut R) -> Result<(), ProofError> {
    let Some(first) = checks.first() else {
        return Ok(());
    };
    if checks.len() == 1 || checks.iter().any(|c| c.key != first.key) {
        return checks.iter().try_for_each(EncCheck::check);
    }
    if batch_holds(&first.key, checks, rng) {
        return Ok(());
    }
    checks.iter().try_for_each(EncCheck::check)?;
    // Unreachable: if every equation holds, so does any combination of them.
    Err(ProofError::Equation("batched Paillier equations"))
}

/// The batch equation for checks that all use `key`. Variable time (public values; the
/// coefficients are secret only until the verdict).
// public: C, N and e are public; the verifier's coefficients matter only until the verdict
#[allow(clippy::disallowed_methods)]
fn batch_holds<R: CryptoRng + ?Sized>(key: &PublicKey, checks: &[EncCheck], rng: &mut R) -> bool {
    let params = key.params_n2();
    let mut m_sum = I4096::ZERO;
    let mut nonces: Vec<(MontyN2, U512)> = Vec::with_capacity(checks.len());
    let mut right: Vec<(MontyN2, U512)> = Vec::with_capacity(2 * checks.len());
    for check in checks {
        let c = U512::random_bits(rng, COEFFICIENT_BITS);
        let c_int: I4096 = *c.resize::<{ I4096::LIMBS }>().as_int();
        // |m| < 2^2047 and c < 2^128: the products and their sum fit in 4096 bits.
        m_sum = m_sum.wrapping_add(&c_int.wrapping_mul(&check.m.resize::<{ I4096::LIMBS }>()));
        nonces.push((MontyN2::new(&check.w.resize(), params), c));
        right.push((MontyN2::new(&check.a.0, params), c));
        // C^(c·e): the inverse of C for a negative challenge (C is a validated unit).
        let (e_abs, negative) = check.e.abs_sign();
        let base = MontyN2::new(&check.c.0, params);
        let Some(base) = (if bool::from(bigint::ct(negative)) {
            Option::<FixedMontyForm<_>>::from(base.invert_vartime())
        } else {
            Some(base)
        }) else {
            return false;
        };
        right.push((base, e_abs.resize::<8>().wrapping_mul(&c)));
    }
    let (Some(nonce_product), Some(rhs)) = (multi_exp(&nonces), multi_exp(&right)) else {
        return false;
    };
    let lhs = key
        .one_plus_n_pow(&m_sum)
        .mul(&nonce_product.pow_public(key.n().as_ref()));
    lhs == rhs
}

/// `Π b_i^(e_i)`; `None` for no terms.
fn multi_exp(terms: &[(MontyN2, U512)]) -> Option<MontyN2> {
    // public: the exponents are public challenges times the verifier's coefficients
    #[allow(clippy::disallowed_methods)]
    let bits = terms.iter().map(|(_, e)| e.bits_vartime()).max()?;
    Some(MontyN2::multi_exponentiate_bounded_exp(terms, bits))
}
