//! Schnorr proof of knowledge of a discrete logarithm, made non-interactive with the
//! [`Transcript`] (CGGMP21 Fig. 22 "Πsch", with the prover's commitment `A` fixed before the
//! challenge).
//!
//! Statement `X = x * G`. The prover samples `a`, sends `A = a * G`; the challenge is
//! `e = H(transcript || X || A)` where the caller's transcript binds protocol, session, role
//! (and, in key generation, the joint random id); the response is `z = a + e * x`. The
//! verifier checks `z * G == A + e * X`. The nonce `a` is not `Clone` and is consumed by the
//! one response it can make.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::curve::Curve;
use crate::error::VerifyError;
use crate::point::Point;
use crate::scalar::{Scalar, SecretScalar};
use crate::transcript::Transcript;

/// The prover's secret nonce `a` and its commitment `A = a * G`. Used once.
///
/// Neither `Clone` nor serializable, and it cannot be rebuilt from its parts: a nonce lives
/// in one process and makes one proof. Two responses `z = a + e·x`, `z' = a + e'·x` under
/// one nonce reveal `x = (z - z') / (e - e')`, so a party state that would be saved and
/// restored cannot hold a nonce whose commitment is already fixed (Tandem's
/// `stored::SessionState` rule).
/// ```compile_fail,E0599
/// # fn f(nonce: tandem_curves::SchnorrNonce<tandem_curves::Secp256k1>) {
/// let copy = nonce.clone();
/// # }
/// ```
pub struct SchnorrNonce<C: Curve> {
    secret: SecretScalar<C>,
    commitment: Point<C>,
}

impl<C: Curve> core::fmt::Debug for SchnorrNonce<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SchnorrNonce")
            .field("secret", &self.secret)
            .field("commitment", &self.commitment)
            .finish()
    }
}

impl<C: Curve> SchnorrNonce<C> {
    /// Samples a fresh nonce.
    #[must_use]
    pub fn new<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let secret = SecretScalar::random_nonzero(rng);
        let commitment = secret.public_point();
        Self { secret, commitment }
    }

    /// The commitment `A`, sent (or committed to) before the challenge is known.
    #[must_use]
    pub fn commitment(&self) -> Point<C> {
        self.commitment
    }

    /// Produces the proof for `statement = witness * G`, consuming the nonce.
    #[must_use]
    pub fn prove(
        self,
        witness: &SecretScalar<C>,
        statement: &Point<C>,
        transcript: &mut Transcript,
    ) -> SchnorrProof<C> {
        let e = challenge(transcript, statement, &self.commitment);
        let z = &self.secret + &(witness * &e);
        SchnorrProof {
            commitment: self.commitment,
            response: z.reveal(),
        }
    }
}

fn challenge<C: Curve>(transcript: &mut Transcript, x: &Point<C>, a: &Point<C>) -> Scalar<C> {
    transcript.append_point("schnorr/statement", x);
    transcript.append_point("schnorr/commitment", a);
    transcript.challenge_scalar("schnorr/challenge")
}

/// A Schnorr proof `(A, z)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SchnorrProof<C: Curve> {
    /// The prover's commitment `A = a * G`.
    pub commitment: Point<C>,
    /// The response `z = a + e * x`.
    pub response: Scalar<C>,
}

impl<C: Curve> SchnorrProof<C> {
    /// Verifies the proof for `statement` against the verifier's copy of the transcript.
    ///
    /// # Errors
    /// [`VerifyError::SchnorrProof`] if `z * G != A + e * X`.
    pub fn verify(
        &self,
        statement: &Point<C>,
        transcript: &mut Transcript,
    ) -> Result<(), VerifyError> {
        let e = challenge(transcript, statement, &self.commitment);
        // z*G - e*X (variable time: all values are public).
        // public: the statement X, the response z and the challenge e are public
        #[allow(clippy::disallowed_methods)]
        let lhs = statement.mul_base_add_vartime(&self.response, &(-e));
        if !statement.is_identity() && lhs == self.commitment {
            Ok(())
        } else {
            Err(VerifyError::SchnorrProof)
        }
    }
}
