//! Nonce commitments as the signing messages carry them: `D̄_i = [8^-1]·D_i` and
//! `Ē_i = [8^-1]·E_i` instead of `D_i` and `E_i`.
//!
//! RFC 9591 requires every received element to be in the prime-order subgroup
//! (`DeserializeElement`, Section 6.1); tested directly, that is a scalar multiplication by the
//! group order for each of the peer's two commitments, about a third of a 2-of-2 signature's
//! cost. Sent as eighths, the receiver takes `D_i = [8]·D̄_i` instead: whatever curve point
//! `D̄_i` is, `[8]·D̄_i` lies in the prime-order subgroup (its torsion component, of order
//! dividing 8, vanishes), and for an honest sender it is exactly `D_i`. The identity is still
//! refused (a small-order `D̄_i` maps to it). Everything FROST computes (binding factors,
//! group commitment, challenge) uses `D_i`, `E_i` and their RFC encodings, so the signature
//! and the RFC's test vector are unchanged; only the transport encoding differs. See
//! [`tandem_curves::Point::from_eighth_bytes`] (the device Monero's Bulletproofs use for
//! proof points).
//!
//! A torsion component added to `D̄_i` on the way changes nothing the receiver computes, so it
//! is not an attack on the signature; it does make each commitment's wire form one of eight,
//! so these messages have several byte strings for one content (see [`crate::codec`]) and
//! nothing may be keyed on their raw bytes. The envelope still binds session, round and
//! sender.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tandem_curves::{Ed25519, Point, PointError};

use super::frost::{Element, SigningCommitments};

/// `(D̄_i, Ē_i)` as encoded on the wire, with the commitments `(D_i, E_i)` they stand for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireCommitments {
    /// Encodings of `D̄_i` and `Ē_i`.
    eighths: [[u8; 32]; 2],
    /// `D_i = [8]·D̄_i`, `E_i = [8]·Ē_i`, with their RFC encodings.
    commitments: SigningCommitments,
}

impl WireCommitments {
    /// From the sender's eighths and commitments, all computed by this crate from the nonces
    /// (`D̄ = [d/8]·G`, `D = [8]·D̄`).
    pub(crate) fn from_trusted_parts(
        eighths: [[u8; 32]; 2],
        commitments: SigningCommitments,
    ) -> Self {
        Self {
            eighths,
            commitments,
        }
    }

    /// Decodes the two eighths and multiplies each by 8.
    ///
    /// # Errors
    /// [`PointError`] for an encoding that is not a canonical curve point, or an eighth of
    /// small order (its multiple by 8 is the identity).
    pub fn from_bytes(hiding: &[u8], binding: &[u8]) -> Result<Self, PointError> {
        // RFC 9591 Section 6.1 (DeserializeElement): the elements used are [8]·D̄ and [8]·Ē,
        // in the prime-order subgroup by construction, and refused if the identity.
        let points = [
            Point::<Ed25519>::from_eighth_bytes(hiding)?,
            Point::<Ed25519>::from_eighth_bytes(binding)?,
        ];
        let [hiding_enc, binding_enc] = Point::encode_batch(&points);
        let [hiding_point, binding_point] = points;
        let eighths = [
            <[u8; 32]>::try_from(hiding).map_err(|_| length(hiding))?,
            <[u8; 32]>::try_from(binding).map_err(|_| length(binding))?,
        ];
        Ok(Self {
            eighths,
            commitments: SigningCommitments {
                hiding: Element::from_trusted_parts(hiding_point, hiding_enc),
                binding: Element::from_trusted_parts(binding_point, binding_enc),
            },
        })
    }

    /// The commitments `(D_i, E_i)` FROST uses.
    #[must_use]
    pub fn commitments(&self) -> SigningCommitments {
        self.commitments
    }

    /// The encodings of `D̄_i` and `Ē_i`, as sent.
    #[must_use]
    pub fn eighths(&self) -> &[[u8; 32]; 2] {
        &self.eighths
    }
}

fn length(bytes: &[u8]) -> PointError {
    PointError::Length {
        expected: 32,
        got: bytes.len(),
    }
}

#[derive(Serialize, Deserialize)]
struct Raw {
    #[serde(with = "tandem_curves::encoding::fixed")]
    hiding: [u8; 32],
    #[serde(with = "tandem_curves::encoding::fixed")]
    binding: [u8; 32],
}

impl Serialize for WireCommitments {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let [hiding, binding] = self.eighths;
        Raw { hiding, binding }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WireCommitments {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Raw::deserialize(deserializer)?;
        Self::from_bytes(&raw.hiding, &raw.binding).map_err(serde::de::Error::custom)
    }
}
