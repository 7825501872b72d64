//! Πenc-elg: a Paillier plaintext in range, equal to the exponent of an ElGamal commitment
//! (CGGMP24 Fig. 24, Appendix A.2). Used in presigning for `K_i` and `G_i`.
//!
//! Relation: `C = enc_N0(x; ρ)` with `x ∈ ±2^ℓ`, and points `A`, `B = b·G`,
//! `X = b·A + x·G` (an ElGamal commitment to `x` under the key `A` with randomness `b`).
//!
//! Prover: the range commitments of `range` (`proofs/range.rs`) (`S = s^x t^μ`, `T = s^α t^γ`,
//! `D = enc(α; r)`) plus `β ← Z_q`, `Y' = β·A + α·G`, `Z = β·G`; `e ∈ ±q`; the range
//! responses plus `w = β + e·b mod q`.
//! Verifier: the range checks, plus `w·A + z1·G = Y' + e·X` and `w·G = Z + e·B` on the curve
//! (with `z1`, `e` reduced modulo `q`).

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Point, Scalar, Secp256k1, SecretScalar, Transcript};

use super::batch::EncCheck;
use super::range::{self, CheckNames, Responses};
use super::{
    ProofError, append_point, append_uint, challenge_pm_q, scalar_from_int, secret_scalar_from_int,
    start,
};
use crate::bigint::{self, I1024, I4096, U3072};
use crate::paillier::{Ciphertext, Nonce, PublicKey, SecretKey};
use crate::ring_pedersen::{Params, Verifier};

const NAME: &str = "tandem/cggmp24/pi-enc-elg/fig24/v1";

const CHECKS: CheckNames = CheckNames {
    c: "Πenc-elg C ∈ Z*_N0² (Fig. 24)",
    d: "Πenc-elg D ∈ Z*_N0² (Fig. 24)",
    s_t: "Πenc-elg S, T ∈ Z*_N̂ (Fig. 24)",
    z2: "Πenc-elg z2 ∈ Z*_N0 (Fig. 24)",
    z1: "Πenc-elg z1 in ±2^(ℓ+ε) (Fig. 24)",
    z3: "Πenc-elg z3 in ±2^(ℓ+ε+1)·N̂",
    enc_eq: "Πenc-elg enc(z1; z2) = D·C^e (Fig. 24)",
    rp_eq: "Πenc-elg s^z1 t^z3 = T·S^e (Fig. 24)",
};

/// The statement: `C` under `N0`, and the ElGamal commitment `(A, B, X)`.
#[derive(Clone, Copy, Debug)]
pub struct Statement<'a> {
    /// The prover's Paillier key `N0`.
    pub key: &'a PublicKey,
    /// `C = enc_N0(x; ρ)`.
    pub ciphertext: &'a Ciphertext,
    /// `A` (the ElGamal public key).
    pub a: &'a Point<Secp256k1>,
    /// `B = b·G`.
    pub b: &'a Point<Secp256k1>,
    /// `X = b·A + x·G`.
    pub x: &'a Point<Secp256k1>,
}

/// A Πenc-elg proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncElgProof {
    /// `S = s^x t^μ`.
    #[serde(with = "bigint::serde_uint")]
    pub s: U3072,
    /// `T = s^α t^γ`.
    #[serde(with = "bigint::serde_uint")]
    pub t: U3072,
    /// `D = enc_N0(α; r)`.
    pub d: Ciphertext,
    /// `Y' = β·A + α·G`.
    pub y: Point<Secp256k1>,
    /// `Z = β·G`.
    pub z: Point<Secp256k1>,
    /// `z1 = α + e·x`.
    #[serde(with = "bigint::serde_int")]
    pub z1: I1024,
    /// `z2 = r·ρ^e mod N0`.
    #[serde(with = "bigint::serde_uint")]
    pub z2: U3072,
    /// `z3 = γ + e·μ`.
    #[serde(with = "bigint::serde_int")]
    pub z3: I4096,
    /// `w = β + e·b mod q`.
    pub w: Scalar<Secp256k1>,
}

#[allow(clippy::too_many_arguments)]
fn challenge(
    ctx: &Transcript,
    st: &Statement<'_>,
    rp: &Params,
    s: &U3072,
    t_c: &U3072,
    d: &Ciphertext,
    y: &Point<Secp256k1>,
    z: &Point<Secp256k1>,
) -> I1024 {
    let mut t = start(ctx, NAME);
    append_uint(&mut t, "N0", st.key.n().as_ref());
    append_uint(&mut t, "C", &st.ciphertext.0);
    append_point(&mut t, "A", st.a);
    append_point(&mut t, "B", st.b);
    append_point(&mut t, "X", st.x);
    append_uint(&mut t, "N-hat", rp.n().as_ref());
    append_uint(&mut t, "s", rp.s());
    append_uint(&mut t, "t", rp.t());
    append_uint(&mut t, "S", s);
    append_uint(&mut t, "T", t_c);
    append_uint(&mut t, "D", &d.0);
    append_point(&mut t, "Y", y);
    append_point(&mut t, "Z", z);
    challenge_pm_q(&mut t)
}

/// Proves the statement with witness `x` (the plaintext, `|x| <= 2^ℓ`), `rho` (its nonce) and
/// `b` (the ElGamal randomness), against the verifier's `rp`.
///
/// # Errors
/// [`ProofError::Statement`] if sizes are wrong; `Equation` if the ElGamal nonce is
/// degenerate (probability `2^-256`).
#[allow(clippy::too_many_arguments)]
pub fn prove<R: CryptoRng + ?Sized>(
    sk: &SecretKey,
    st: &Statement<'_>,
    x: &I1024,
    rho: &Nonce,
    b: &SecretScalar<Secp256k1>,
    rp: &Params,
    ctx: &Transcript,
    rng: &mut R,
) -> Result<EncElgProof, ProofError> {
    prove_drawn(sk, st, x, rho, b, rp, ctx, draw(sk, rp, rng)?)
}

/// The prover's randomness (`α, μ, γ`, the nonce of `D`, and `β`), drawn by [`draw`] before
/// any exponentiation, so that two proofs can be computed at once with the bytes of a seeded
/// run unchanged (see [`ForeignNonceDraw`](crate::paillier::ForeignNonceDraw)). Not `Clone`,
/// spent by [`prove_drawn`], wiped on drop.
pub struct ProverDraws<'k> {
    commitment: range::Draws<'k>,
    beta: SecretScalar<Secp256k1>,
}

impl core::fmt::Debug for ProverDraws<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ProverDraws(<redacted>)")
    }
}

/// Draws a proof's randomness under the prover's key `sk` and the verifier's `rp`, in the
/// order [`prove`] draws it.
///
/// # Errors
/// [`ProofError::Statement`] if the ring-Pedersen modulus has the wrong size.
pub fn draw<'k, R: CryptoRng + ?Sized>(
    sk: &'k SecretKey,
    rp: &Params,
    rng: &mut R,
) -> Result<ProverDraws<'k>, ProofError> {
    let commitment = range::draw(sk, rp, rng)?;
    let beta = SecretScalar::<Secp256k1>::random(rng);
    Ok(ProverDraws { commitment, beta })
}

/// [`prove`] with randomness drawn beforehand by [`draw`] (with the same `sk` and `rp`).
///
/// # Errors
/// [`ProofError::Statement`] if the ring-Pedersen modulus has the wrong size or the
/// randomness was drawn for another key or other parameters; `Equation` as [`prove`].
#[allow(clippy::too_many_arguments)]
pub fn prove_drawn(
    sk: &SecretKey,
    st: &Statement<'_>,
    x: &I1024,
    rho: &Nonce,
    b: &SecretScalar<Secp256k1>,
    rp: &Params,
    ctx: &Transcript,
    draws: ProverDraws<'_>,
) -> Result<EncElgProof, ProofError> {
    if draws.commitment.key().public() != sk.public() {
        return Err(ProofError::Statement(
            "Πenc-elg: randomness drawn for another key",
        ));
    }
    let ProverDraws { commitment, beta } = draws;
    let commitment = range::commit_drawn(rp, x, commitment)?;
    let alpha_scalar = commitment_alpha_scalar(&commitment);
    let y = st.a.mul_secret(&beta) + alpha_scalar.public_point();
    let z = beta.public_point();
    let (s, t_c, d) = (commitment.s, commitment.t, commitment.d);
    let e = challenge(ctx, st, rp, &s, &t_c, &d, &y, &z);
    let w = (&beta + &(b * &scalar_from_int(&e))).reveal();
    let Responses { z1, z2, z3 } = commitment.respond(sk, x, rho, &e);
    Ok(EncElgProof {
        s,
        t: t_c,
        d,
        y,
        z,
        z1,
        z2,
        z3,
        w,
    })
}

fn commitment_alpha_scalar(c: &range::Commitment) -> SecretScalar<Secp256k1> {
    secret_scalar_from_int(c.alpha())
}

impl EncElgProof {
    /// Verifies the proof.
    ///
    /// # Errors
    /// A [`ProofError`] naming the first failed check.
    pub fn verify(
        &self,
        st: &Statement<'_>,
        verifier: &Verifier<'_>,
        ctx: &Transcript,
    ) -> Result<(), ProofError> {
        self.verify_deferred(st, verifier, ctx)?.check()
    }

    /// Every check except the Paillier equation `enc_N0(z1; z2) = D·C^e` under the prover's
    /// key, which is returned for [`batch::verify`](super::batch::verify).
    ///
    /// # Errors
    /// A [`ProofError`] naming the first failed check.
    pub fn verify_deferred(
        &self,
        st: &Statement<'_>,
        verifier: &Verifier<'_>,
        ctx: &Transcript,
    ) -> Result<EncCheck, ProofError> {
        let responses = Responses {
            z1: self.z1,
            z2: self.z2,
            z3: self.z3,
        };
        let (e, check) = range::verify(
            &CHECKS,
            st.key,
            st.ciphertext,
            verifier,
            &self.s,
            &self.t,
            &self.d,
            &responses,
            || {
                challenge(
                    ctx,
                    st,
                    verifier.params(),
                    &self.s,
                    &self.t,
                    &self.d,
                    &self.y,
                    &self.z,
                )
            },
        )?;
        let e_s = scalar_from_int(&e);
        let z1_s = scalar_from_int(&self.z1);
        // w·A + z1·G = Y' + e·X (public values: variable time).
        // public: A is in the statement, z1 and w are proof responses
        #[allow(clippy::disallowed_methods)]
        let lhs = st.a.mul_base_add_vartime(&z1_s, &self.w);
        if lhs != self.y + st.x * &e_s {
            return Err(ProofError::Equation(
                "Πenc-elg w·A + z1·G = Y' + e·X (Fig. 24)",
            ));
        }
        // w·G = Z + e·B.
        if self.w.mul_base() != self.z + st.b * &e_s {
            return Err(ProofError::Equation("Πenc-elg w·G = Z + e·B (Fig. 24)"));
        }
        Ok(check)
    }
}
