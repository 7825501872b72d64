//! Πelog: discrete logarithm with an ElGamal commitment (CGGMP24 Fig. 23, Appendix A.1).
//! Curve operations only; one proof serves every verifier.
//!
//! Relation: `L = λ·G`, `M = y·G + λ·X`, `Y = y·H` for public points `L, M, X, Y, H`.
//! Prover: `α, m ← Z_q`; `A = α·G`, `N = m·G + α·X`, `B = m·H`; `e ∈ Z_q`; `z = α + e·λ`,
//! `u = m + e·y`. Verifier: `z·G = A + e·L`, `u·G + z·X = N + e·M`, `u·H = B + e·Y`.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Point, Scalar, Secp256k1, SecretScalar, Transcript};

use super::{ProofError, append_point, start};

const NAME: &str = "tandem/cggmp24/pi-elog/fig23/v1";

/// The statement `(L, M, X, Y, H)`.
#[derive(Clone, Copy, Debug)]
pub struct Statement<'a> {
    /// `L = λ·G`.
    pub l: &'a Point<Secp256k1>,
    /// `M = y·G + λ·X`.
    pub m: &'a Point<Secp256k1>,
    /// `X`.
    pub x: &'a Point<Secp256k1>,
    /// `Y = y·H`.
    pub y: &'a Point<Secp256k1>,
    /// `H`.
    pub h: &'a Point<Secp256k1>,
}

/// A Πelog proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElogProof {
    /// `A = α·G`.
    pub a: Point<Secp256k1>,
    /// `N = m·G + α·X`.
    pub n: Point<Secp256k1>,
    /// `B = m·H`.
    pub b: Point<Secp256k1>,
    /// `z = α + e·λ`.
    pub z: Scalar<Secp256k1>,
    /// `u = m + e·y`.
    pub u: Scalar<Secp256k1>,
}

fn challenge(
    ctx: &Transcript,
    st: &Statement<'_>,
    a: &Point<Secp256k1>,
    n: &Point<Secp256k1>,
    b: &Point<Secp256k1>,
) -> Scalar<Secp256k1> {
    let mut t = start(ctx, NAME);
    for (label, p) in [
        ("L", st.l),
        ("M", st.m),
        ("X", st.x),
        ("Y", st.y),
        ("H", st.h),
        ("A", a),
        ("N", n),
        ("B", b),
    ] {
        append_point(&mut t, label, p);
    }
    t.challenge_scalar("challenge")
}

/// Proves the statement with witness `(λ, y)`.
#[must_use]
pub fn prove<R: CryptoRng + ?Sized>(
    st: &Statement<'_>,
    lambda: &SecretScalar<Secp256k1>,
    y: &SecretScalar<Secp256k1>,
    ctx: &Transcript,
    rng: &mut R,
) -> ElogProof {
    let alpha = SecretScalar::<Secp256k1>::random(rng);
    let m = SecretScalar::<Secp256k1>::random(rng);
    let a = alpha.public_point();
    let n = m.public_point() + st.x.mul_secret(&alpha);
    let b = st.h.mul_secret(&m);
    let e = challenge(ctx, st, &a, &n, &b);
    ElogProof {
        a,
        n,
        b,
        z: (&alpha + &(lambda * &e)).reveal(),
        u: (&m + &(y * &e)).reveal(),
    }
}

impl ElogProof {
    /// Verifies the proof (public values: variable time).
    ///
    /// # Errors
    /// A [`ProofError`] naming the failed equation.
    pub fn verify(&self, st: &Statement<'_>, ctx: &Transcript) -> Result<(), ProofError> {
        let e = challenge(ctx, st, &self.a, &self.n, &self.b);
        if self.z.mul_base() != self.a + st.l * &e {
            return Err(ProofError::Equation("Πelog z·G = A + e·L (Fig. 23)"));
        }
        // public: X is in the statement, u and z are proof responses
        #[allow(clippy::disallowed_methods)]
        if st.x.mul_base_add_vartime(&self.u, &self.z) != self.n + st.m * &e {
            return Err(ProofError::Equation("Πelog u·G + z·X = N + e·M (Fig. 23)"));
        }
        if st.h * &self.u != self.b + st.y * &e {
            return Err(ProofError::Equation("Πelog u·H = B + e·Y (Fig. 23)"));
        }
        Ok(())
    }
}
