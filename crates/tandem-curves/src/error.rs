//! Errors of this crate: what a decoder refused, or which verification failed.

use thiserror::Error;

/// Why bytes were refused as a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PointError {
    /// The encoding does not have the curve's point length.
    #[error("point encoding has {got} bytes, expected {expected}")]
    Length {
        /// Expected length.
        expected: usize,
        /// Length received.
        got: usize,
    },
    /// The bytes are not the canonical encoding of any point, or no curve point has them
    /// (bad SEC1 tag, coordinate not below the field modulus, x with no matching y).
    #[error("not a canonical encoding of a curve point")]
    Invalid,
    /// The identity element, which is never a valid protocol value.
    #[error("the identity element is not allowed")]
    Identity,
    /// Ed25519: a point with a small-order component (not in the prime-order subgroup).
    #[error("point is not in the prime-order subgroup")]
    NotPrimeOrder,
}

/// Why bytes were refused as a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ScalarError {
    /// The encoding is not 32 bytes.
    #[error("scalar encoding has {got} bytes, expected 32")]
    Length {
        /// Length received.
        got: usize,
    },
    /// The value is not below the group order (it is refused, never reduced).
    #[error("scalar is not canonical (not below the group order)")]
    NonCanonical,
}

/// A failed verification of a proof or an opening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A hash commitment does not open to the revealed values.
    #[error("commitment opening does not match the commitment")]
    CommitmentOpening,
    /// A Schnorr proof of knowledge does not verify.
    #[error("Schnorr proof of knowledge does not verify")]
    SchnorrProof,
}
