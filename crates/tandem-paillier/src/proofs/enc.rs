//! Πenc: a Paillier ciphertext holds a plaintext in range (CGGMP24 Fig. 11; CGGMP21 Fig. 14).
//!
//! Relation: `K = enc_N0(k; ρ)` with `k ∈ ±2^ℓ`, under the prover's key `N0`, with
//! commitments under the verifier's `(N̂, s, t)`. The steps and checks are those of
//! `range` (`proofs/range.rs`): `S = s^k t^μ`, `A = enc_N0(α; r)`, `C = s^α t^γ`; `e ∈ ±q`;
//! `z1 = α + e·k`, `z2 = r·ρ^e`, `z3 = γ + e·μ`; the verifier checks `K, A ∈ Z*_N0²`,
//! `S, C ∈ Z*_N̂`, `z2 ∈ Z*_N0`, `|z1| <= 2^(ℓ+ε)`, `|z3| <= 2^(ℓ+ε+1)·N̂`, then
//! `enc(z1; z2) = A·K^e` and `s^z1 t^z3 = C·S^e`.
//!
//! CGGMP24 presigning uses Πenc-elg ([`super::enc_elg`]) instead; Πenc stands on its own for
//! callers that need a plain range proof.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::Transcript;

use super::range::{self, CheckNames, Responses};
use super::{ProofError, append_uint, challenge_pm_q, start};
use crate::bigint::{self, I1024, I4096, U3072};
use crate::paillier::{Ciphertext, Nonce, PublicKey, SecretKey};
use crate::ring_pedersen::{Params, Verifier};

const NAME: &str = "tandem/cggmp24/pi-enc/fig11/v1";

const CHECKS: CheckNames = CheckNames {
    c: "Πenc K ∈ Z*_N0² (Fig. 11)",
    d: "Πenc A ∈ Z*_N0² (Fig. 11)",
    s_t: "Πenc S, C ∈ Z*_N̂ (Fig. 11)",
    z2: "Πenc z2 ∈ Z*_N0 (Fig. 11)",
    z1: "Πenc z1 in ±2^(ℓ+ε) (Fig. 11)",
    z3: "Πenc z3 in ±2^(ℓ+ε+1)·N̂",
    enc_eq: "Πenc enc(z1; z2) = A·K^e (Fig. 11)",
    rp_eq: "Πenc s^z1 t^z3 = C·S^e (Fig. 11)",
};

/// A Πenc proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncProof {
    /// `S = s^k t^μ`.
    #[serde(with = "bigint::serde_uint")]
    pub s: U3072,
    /// `A = enc_N0(α; r)`.
    pub a: Ciphertext,
    /// `C = s^α t^γ`.
    #[serde(with = "bigint::serde_uint")]
    pub c: U3072,
    /// `z1 = α + e·k`.
    #[serde(with = "bigint::serde_int")]
    pub z1: I1024,
    /// `z2 = r·ρ^e mod N0`.
    #[serde(with = "bigint::serde_uint")]
    pub z2: U3072,
    /// `z3 = γ + e·μ`.
    #[serde(with = "bigint::serde_int")]
    pub z3: I4096,
}

fn challenge(
    ctx: &Transcript,
    pk0: &PublicKey,
    k: &Ciphertext,
    rp: &Params,
    s: &U3072,
    a: &Ciphertext,
    c: &U3072,
) -> I1024 {
    let mut t = start(ctx, NAME);
    append_uint(&mut t, "N0", pk0.n().as_ref());
    append_uint(&mut t, "K", &k.0);
    append_uint(&mut t, "N-hat", rp.n().as_ref());
    append_uint(&mut t, "s", rp.s());
    append_uint(&mut t, "t", rp.t());
    append_uint(&mut t, "S", s);
    append_uint(&mut t, "A", &a.0);
    append_uint(&mut t, "C", c);
    challenge_pm_q(&mut t)
}

/// Proves that `ciphertext = enc(k; rho)` under `sk`'s key holds `k ∈ ±2^ℓ`, against the
/// verifier's `rp`.
///
/// # Errors
/// [`ProofError::Statement`] if the parameters do not have this crate's sizes.
pub fn prove<R: CryptoRng + ?Sized>(
    sk: &SecretKey,
    k: &I1024,
    rho: &Nonce,
    ciphertext: &Ciphertext,
    rp: &Params,
    ctx: &Transcript,
    rng: &mut R,
) -> Result<EncProof, ProofError> {
    let commitment = range::commit(sk, rp, k, rng)?;
    let (s, a, c) = (commitment.s, commitment.d, commitment.t);
    let e = challenge(ctx, sk.public(), ciphertext, rp, &s, &a, &c);
    let Responses { z1, z2, z3 } = commitment.respond(sk, k, rho, &e);
    Ok(EncProof {
        s,
        a,
        c,
        z1,
        z2,
        z3,
    })
}

impl EncProof {
    /// Verifies the proof for `ciphertext` under the prover's `pk0`.
    ///
    /// # Errors
    /// A [`ProofError`] naming the first failed check.
    pub fn verify(
        &self,
        pk0: &PublicKey,
        ciphertext: &Ciphertext,
        verifier: &Verifier<'_>,
        ctx: &Transcript,
    ) -> Result<(), ProofError> {
        let responses = Responses {
            z1: self.z1,
            z2: self.z2,
            z3: self.z3,
        };
        range::verify(
            &CHECKS,
            pk0,
            ciphertext,
            verifier,
            &self.s,
            &self.c,
            &self.a,
            &responses,
            || {
                challenge(
                    ctx,
                    pk0,
                    ciphertext,
                    verifier.params(),
                    &self.s,
                    &self.a,
                    &self.c,
                )
            },
        )?
        .1
        .check()
    }
}
