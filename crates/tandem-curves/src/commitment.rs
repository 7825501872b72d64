//! Hash commitments with opening (commit-reveal).
//!
//! A commitment is `SHAKE256(transcript || nonce)` truncated to 32 bytes, where the caller's
//! transcript already binds the protocol, the session, the committing party's role and the
//! committed values, and `nonce` is 32 fresh random bytes (hiding). Because the sender's role
//! is inside, a peer echoing our own commitment back does not open as theirs.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::VerifyError;
use crate::transcript::Transcript;

/// A 32-byte hash commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment(#[serde(with = "crate::encoding::fixed")] pub [u8; 32]);

/// The random nonce that opens a [`Commitment`] together with the committed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening(#[serde(with = "crate::encoding::fixed")] pub [u8; 32]);

impl Commitment {
    /// Commits to everything absorbed in `transcript`, with a fresh random nonce.
    #[must_use]
    pub fn commit<R: CryptoRng + ?Sized>(transcript: Transcript, rng: &mut R) -> (Self, Opening) {
        let mut nonce = [0u8; 32];
        rng.fill_bytes(&mut nonce);
        let opening = Opening(nonce);
        (Self::compute(transcript, &opening), opening)
    }

    fn compute(mut transcript: Transcript, opening: &Opening) -> Self {
        transcript.append("commitment/nonce", &opening.0);
        let mut out = [0u8; 32];
        transcript.challenge_bytes("commitment/digest", &mut out);
        Self(out)
    }

    /// Checks that `transcript` (rebuilt by the verifier from the revealed values) and
    /// `opening` open this commitment. Constant-time comparison.
    ///
    /// # Errors
    /// [`VerifyError::CommitmentOpening`] if they do not.
    pub fn verify(&self, transcript: Transcript, opening: &Opening) -> Result<(), VerifyError> {
        let expected = Self::compute(transcript, opening);
        if bool::from(self.0.ct_eq(&expected.0)) {
            Ok(())
        } else {
            Err(VerifyError::CommitmentOpening)
        }
    }
}
