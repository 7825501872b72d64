//! Curve backends and shared primitives for Tandem.
//!
//! - [`Curve`]: one trait, implemented for [`Secp256k1`] (over `k256`) and [`Ed25519`] (over
//!   `curve25519-dalek`), with canonical encodings and validating decoders.
//! - [`Scalar`], [`SecretScalar`], [`Point`]: typed values; decoding a [`Point`] refuses the
//!   identity, non-canonical encodings, off-curve and (Ed25519) non-prime-order points;
//!   decoding a scalar refuses values not below the group order.
//! - [`Transcript`]: unambiguous (length-prefixed) Fiat-Shamir transcript over SHAKE256,
//!   and [`hash_to_scalar`].
//! - [`Commitment`]: hash commitments with opening.
//! - [`SchnorrNonce`] / [`SchnorrProof`]: proof of knowledge of a discrete log bound to a
//!   transcript.
//!
//! Nothing in this crate performs I/O.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod commitment;
pub mod curve;
pub mod ed25519;
pub mod encoded_point;
pub mod encoding;
pub mod error;
pub mod point;
mod redact;
pub mod scalar;
pub mod schnorr;
pub mod secp256k1;
pub mod transcript;

pub use commitment::{Commitment, Opening};
pub use curve::{Curve, CurveId};
pub use ed25519::Ed25519;
pub use encoded_point::EncodedPoint;
pub use error::{PointError, ScalarError, VerifyError};
pub use point::Point;
pub use scalar::{Scalar, SecretScalar};
pub use schnorr::{SchnorrNonce, SchnorrProof};
pub use secp256k1::Secp256k1;
pub use transcript::{Transcript, hash_to_scalar};

/// Re-exported so that callers name the same RNG traits as the library.
pub use rand_core;
