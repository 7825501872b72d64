//! Πfac: the prover's modulus `N0 = pq` has no small factor, `p, q > 2^ℓ` (CGGMP24 Fig. 26,
//! Appendix A.4; CGGMP21 Fig. 28 had an extra value σ, removed in the 2024 revision).
//!
//! Made with the *verifier's* ring-Pedersen parameters `(N̂, s, t)`. With `√N0 = isqrt(N0)`
//! (computed identically by both sides):
//!
//! Prover: `α, β ← ±2^(ℓ+ε)·√N0`, `μ, ν ← ±2^ℓ·N̂`, `r ← ±2^(ℓ+ε)·N0·N̂`, `x, y ← ±2^(ℓ+ε)·N̂`;
//! `P = s^p t^μ`, `Q = s^q t^ν`, `A = s^α t^x`, `B = s^β t^y`, `T = Q^α t^r`; challenge
//! `e ∈ ±2^ℓ`; `z1 = α + e·p`, `z2 = β + e·q`, `w1 = x + e·μ`, `w2 = y + e·ν`,
//! `v = r - e·ν·p`.
//!
//! Verifier: `P, Q, A, B, T ∈ Z*_N̂`; `|z1|, |z2| <= 2^(ℓ+ε)·√N0` (the paper's range);
//! `|w1|, |w2| <= 2^(ℓ+ε+1)·N̂` and `|v| <= 2^(ℓ+ε+1)·N0·N̂` (not in the paper: bounds on every
//! exponent before use, which closes the verifier denial of service reported against
//! cggmp21, LFDT-Lockness/cggmp21#209); then, with `R = s^N0`:
//! `s^z1 t^w1 = A·P^e`, `s^z2 t^w2 = B·Q^e`, `Q^z1 t^v = T·R^e (mod N̂)`.

use crypto_bigint::Uint;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::Transcript;
use zeroize::Zeroizing;

use super::{ProofError, append_uint, challenge_pm_pow2, start};
use crate::bigint::{self, I1024, I4096, I8192, MontyN, SecretInt, U3072};
use crate::paillier::{PublicKey, SecretKey};
use crate::parallel;
use crate::params::{ELL, EPSILON};
use crate::ring_pedersen::{Params, Verifier};

const NAME: &str = "tandem/cggmp24/pi-fac/fig26/v1";
type U4096 = Uint<{ I4096::LIMBS }>;
type U8192 = Uint<{ I8192::LIMBS }>;

/// A Πfac proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacProof {
    /// `P = s^p t^μ`.
    #[serde(with = "bigint::serde_uint")]
    pub p_commitment: U3072,
    /// `Q = s^q t^ν`.
    #[serde(with = "bigint::serde_uint")]
    pub q_commitment: U3072,
    /// `A = s^α t^x`.
    #[serde(with = "bigint::serde_uint")]
    pub a: U3072,
    /// `B = s^β t^y`.
    #[serde(with = "bigint::serde_uint")]
    pub b: U3072,
    /// `T = Q^α t^r`.
    #[serde(with = "bigint::serde_uint")]
    pub t: U3072,
    /// `z1 = α + e·p`.
    #[serde(with = "bigint::serde_int")]
    pub z1: I4096,
    /// `z2 = β + e·q`.
    #[serde(with = "bigint::serde_int")]
    pub z2: I4096,
    /// `w1 = x + e·μ`.
    #[serde(with = "bigint::serde_int")]
    pub w1: I4096,
    /// `w2 = y + e·ν`.
    #[serde(with = "bigint::serde_int")]
    pub w2: I4096,
    /// `v = r - e·ν·p`.
    #[serde(with = "bigint::serde_int")]
    pub v: I8192,
}

/// Bounds shared by prover and verifier.
struct Bounds {
    /// `2^(ℓ+ε)·√N0`.
    alpha: U4096,
    /// `2^ℓ·N̂`.
    mu: U4096,
    /// `2^(ℓ+ε)·N0·N̂`.
    r: U8192,
    /// `2^(ℓ+ε)·N̂`.
    x: U4096,
}

// public: N0 and N̂ are public moduli
#[allow(clippy::disallowed_methods)]
fn bounds(n0: &U3072, n_hat: &U3072) -> Option<Bounds> {
    let sqrt_n0 = n0.floor_sqrt_vartime();
    let n0n: crypto_bigint::U6144 = n0.widening_mul(n_hat).into();
    Some(Bounds {
        alpha: bigint::pow2_times(ELL + EPSILON, &sqrt_n0)?,
        mu: bigint::pow2_times(ELL, n_hat)?,
        r: bigint::pow2_times(ELL + EPSILON, &n0n)?,
        x: bigint::pow2_times(ELL + EPSILON, n_hat)?,
    })
}

fn transcript(ctx: &Transcript, n0: &U3072, rp: &Params, commitments: [&U3072; 5]) -> Transcript {
    let mut t = start(ctx, NAME);
    append_uint(&mut t, "N0", n0);
    append_uint(&mut t, "N-hat", rp.n().as_ref());
    append_uint(&mut t, "s", rp.s());
    append_uint(&mut t, "t", rp.t());
    for (label, c) in ["P", "Q", "A", "B", "T"].into_iter().zip(commitments) {
        append_uint(&mut t, label, c);
    }
    t
}

// public: the bound is a public range bound
#[allow(clippy::disallowed_methods)]
fn bits_of<const L: usize>(bound: &Uint<L>) -> u32 {
    // |value| <= bound < 2^(bits+1): the exponent length bound for constant-time powering.
    bound.bits_vartime() + 1
}

/// Proves that the modulus of `sk` has no factor below `2^ℓ`, against the verifier's `rp`.
///
/// # Errors
/// [`ProofError::Statement`] if the moduli do not have the sizes this crate requires (never
/// for keys and parameters built by this crate).
pub fn prove<R: CryptoRng + ?Sized>(
    sk: &SecretKey,
    rp: &Params,
    ctx: &Transcript,
    rng: &mut R,
) -> Result<FacProof, ProofError> {
    // Copies of the secret primes, wiped on return.
    let p: Zeroizing<U3072> = Zeroizing::new(sk.p().resize());
    let q: Zeroizing<U3072> = Zeroizing::new(sk.q().resize());
    prove_with_factors(sk.public(), &p, &q, rp, ctx, rng)
}

/// The prover with explicit factors `N0 = p·q` of any sizes: the honest entry point is
/// [`prove`]; this one also lets tests play a prover whose modulus has small factors
/// (BitForge).
///
/// # Errors
/// As [`prove`].
#[doc(hidden)]
pub fn prove_with_factors<R: CryptoRng + ?Sized>(
    n0_key: &PublicKey,
    p: &U3072,
    q: &U3072,
    rp: &Params,
    ctx: &Transcript,
    rng: &mut R,
) -> Result<FacProof, ProofError> {
    let n0 = n0_key.n().as_ref();
    let b = bounds(n0, rp.n().as_ref()).ok_or(ProofError::Statement("Πfac: modulus sizes"))?;
    // The factors and every prover nonce are secret and wiped on drop (`SecretInt`): a
    // leaked α gives p from the public z1 = α + e·p, likewise β for q, and μ, ν, r, x, y
    // open the commitments P, Q, T, A, B.
    let p = SecretInt::<{ I4096::LIMBS }>(*p.resize().as_int());
    let q = SecretInt::<{ I4096::LIMBS }>(*q.resize().as_int());
    let alpha = SecretInt::<{ I4096::LIMBS }>(bigint::random_signed(rng, &b.alpha));
    let beta = SecretInt::<{ I4096::LIMBS }>(bigint::random_signed(rng, &b.alpha));
    let mu = SecretInt::<{ I4096::LIMBS }>(bigint::random_signed(rng, &b.mu));
    let nu = SecretInt::<{ I4096::LIMBS }>(bigint::random_signed(rng, &b.mu));
    let r = SecretInt::<{ I8192::LIMBS }>(bigint::random_signed(rng, &b.r));
    let x = SecretInt::<{ I4096::LIMBS }>(bigint::random_signed(rng, &b.x));
    let y = SecretInt::<{ I4096::LIMBS }>(bigint::random_signed(rng, &b.x));

    let (ab, mb, rb, xb) = (
        bits_of(&b.alpha),
        bits_of(&b.mu),
        bits_of(&b.r),
        bits_of(&b.x),
    );
    // The factors' exponent length: MODULUS_BITS covers any factor of N0.
    let fb = crate::params::MODULUS_BITS + 1;
    // T = Q^α t^r. The largest part, t^r (6913-bit exponent), runs beside the commitments and
    // Q^α (`crate::parallel`); the randomness is all drawn above.
    let ((p_c, q_c, a_c, b_c, q_alpha), t_r) = parallel::join(
        || {
            let p_c = rp.commit(&p.0, fb, &mu.0, mb);
            let q_c = rp.commit(&q.0, fb, &nu.0, mb);
            let a_c = rp.commit(&alpha.0, ab, &x.0, xb);
            let b_c = rp.commit(&beta.0, ab, &y.0, xb);
            // Q is computed here, its inverse in constant time.
            let q_inv = Option::<MontyN>::from(q_c.invert()).unwrap_or(q_c);
            let q_alpha = bigint::pow_secret(&q_c, &q_inv, &alpha.0, ab);
            (p_c, q_c, a_c, b_c, q_alpha)
        },
        || {
            let t_inv = Option::<MontyN>::from(rp.t_monty().invert()).unwrap_or(*rp.t_monty());
            bigint::pow_secret(rp.t_monty(), &t_inv, &r.0, rb)
        },
    );
    let t_c = q_alpha.mul(&t_r);

    let (p_c, q_c, a_c, b_c, t_c) = (
        p_c.retrieve(),
        q_c.retrieve(),
        a_c.retrieve(),
        b_c.retrieve(),
        t_c.retrieve(),
    );
    let mut tr = transcript(ctx, n0, rp, [&p_c, &q_c, &a_c, &b_c, &t_c]);
    let e: I1024 = challenge_pm_pow2(&mut tr, ELL);
    let e4: I4096 = e.resize();
    let e8: I8192 = e.resize();
    let nu8 = SecretInt::<{ I8192::LIMBS }>(nu.resize());
    let p8 = SecretInt::<{ I8192::LIMBS }>(p.resize());
    let nu_p = SecretInt(nu8.wrapping_mul(&p8.0));
    Ok(FacProof {
        p_commitment: p_c,
        q_commitment: q_c,
        a: a_c,
        b: b_c,
        t: t_c,
        z1: alpha.wrapping_add(&e4.wrapping_mul(&p.0)),
        z2: beta.wrapping_add(&e4.wrapping_mul(&q.0)),
        w1: x.wrapping_add(&e4.wrapping_mul(&mu.0)),
        w2: y.wrapping_add(&e4.wrapping_mul(&nu.0)),
        v: r.wrapping_sub(&e8.wrapping_mul(&nu_p.0)),
    })
}

impl FacProof {
    /// Verifies the proof for the prover's key `n0` against the verifier's parameters.
    ///
    /// # Errors
    /// A [`ProofError`] naming the first failed check.
    // public: the responses and the challenge e are public proof values
    #[allow(clippy::disallowed_methods)]
    pub fn verify(
        &self,
        n0: &PublicKey,
        verifier: &Verifier<'_>,
        ctx: &Transcript,
    ) -> Result<(), ProofError> {
        let rp = verifier.params();
        let n_hat = rp.n();
        let n0v = n0.n().as_ref();
        let b = bounds(n0v, n_hat.as_ref()).ok_or(ProofError::Statement("Πfac: modulus sizes"))?;
        for (c, name) in [
            (&self.p_commitment, "Πfac P"),
            (&self.q_commitment, "Πfac Q"),
            (&self.a, "Πfac A"),
            (&self.b, "Πfac B"),
            (&self.t, "Πfac T"),
        ] {
            if !bigint::is_unit(c, n_hat) {
                return Err(ProofError::NotInGroup(name));
            }
        }
        // Ranges before any exponentiation (Fig. 26, plus DoS bounds on w1, w2, v).
        if !bigint::abs_le_vartime(&self.z1, &b.alpha)
            || !bigint::abs_le_vartime(&self.z2, &b.alpha)
        {
            return Err(ProofError::OutOfRange(
                "Πfac z1, z2 in ±2^(ℓ+ε)·√N0 (Fig. 26)",
            ));
        }
        let x_bound = b.x.shl_vartime(1);
        if !bigint::abs_le_vartime(&self.w1, &x_bound)
            || !bigint::abs_le_vartime(&self.w2, &x_bound)
        {
            return Err(ProofError::OutOfRange("Πfac w1, w2 in ±2^(ℓ+ε+1)·N̂"));
        }
        if !bigint::abs_le_vartime(&self.v, &b.r.shl_vartime(1)) {
            return Err(ProofError::OutOfRange("Πfac v in ±2^(ℓ+ε+1)·N0·N̂"));
        }
        let mut tr = transcript(
            ctx,
            n0v,
            rp,
            [
                &self.p_commitment,
                &self.q_commitment,
                &self.a,
                &self.b,
                &self.t,
            ],
        );
        let e: I1024 = challenge_pm_pow2(&mut tr, ELL);
        let zero = I1024::ZERO;
        // R = s^N0.
        let n0_int: I4096 = *n0v.resize::<{ I4096::LIMBS }>().as_int();
        let r = verifier.commit(&n0_int, &zero);
        let pow_e = |base: &U3072| {
            let m = rp.to_monty(base);
            bigint::pow_signed_vartime(&m, &e).unwrap_or(m)
        };
        let lhs1 = verifier.commit(&self.z1, &self.w1);
        if lhs1 != rp.to_monty(&self.a).mul(&pow_e(&self.p_commitment)) {
            return Err(ProofError::Equation("Πfac s^z1 t^w1 = A P^e (Fig. 26)"));
        }
        let lhs2 = verifier.commit(&self.z2, &self.w2);
        if lhs2 != rp.to_monty(&self.b).mul(&pow_e(&self.q_commitment)) {
            return Err(ProofError::Equation("Πfac s^z2 t^w2 = B Q^e (Fig. 26)"));
        }
        let lhs3 = verifier
            .pow(&self.q_commitment, &self.z1)
            .mul(&verifier.commit(&zero, &self.v));
        let r_e = bigint::pow_signed_vartime(&r, &e).unwrap_or(r);
        if lhs3 != rp.to_monty(&self.t).mul(&r_e) {
            return Err(ProofError::Equation("Πfac Q^z1 t^v = T R^e (Fig. 26)"));
        }
        Ok(())
    }
}
