//! The [`Curve`] abstraction: one trait, implemented for secp256k1 and Ed25519.
//!
//! The trait exposes exactly what the protocols need: scalar and point arithmetic, canonical
//! encodings and *validating* decoders. Every decoder refuses what a peer must not be allowed
//! to send: non-canonical encodings, points off the curve, the identity, and (Ed25519) points
//! outside the prime-order subgroup.

use core::fmt::Debug;
use core::ops::{Add, Mul, Neg, Sub};

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::{ConditionallySelectable, ConstantTimeEq, CtOption};
use zeroize::Zeroize;

use crate::error::PointError;

/// Which curve a value belongs to. Carried in every wire message and stored format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CurveId {
    /// secp256k1 (ECDSA: Ethereum, Bitcoin, Tron).
    Secp256k1,
    /// Ed25519 (EdDSA: Solana, Stellar).
    Ed25519,
}

impl CurveId {
    /// The curve's name as used in the CLI and JSON (`secp256k1`, `ed25519`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Secp256k1 => "secp256k1",
            Self::Ed25519 => "ed25519",
        }
    }

    /// A one-byte code for transcripts and headers.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Secp256k1 => 1,
            Self::Ed25519 => 2,
        }
    }
}

impl core::fmt::Display for CurveId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A prime-order group with its scalar field, as the protocols use it.
///
/// All scalar operations and [`Curve::mul`] / [`Curve::mul_base`] are constant time (they are
/// the underlying crates' constant-time routines). Functions with `vartime` in their name are
/// only for public values (verification).
pub trait Curve: 'static + Copy + Clone + Debug + Default + PartialEq + Eq + Send + Sync {
    /// The curve's identifier.
    const ID: CurveId;
    /// Length of a canonical point encoding in bytes.
    const POINT_LEN: usize;
    /// A canonical point encoding: `[u8; POINT_LEN]`.
    type PointBytes: Copy
        + Clone
        + Debug
        + PartialEq
        + Eq
        + AsRef<[u8]>
        + for<'a> TryFrom<&'a [u8]>
        + Send
        + Sync
        + 'static;

    /// A scalar modulo the group order.
    type Scalar: Copy
        + Clone
        + Default
        + PartialEq
        + Eq
        + Zeroize
        + ConstantTimeEq
        + ConditionallySelectable
        + Add<Output = Self::Scalar>
        + Sub<Output = Self::Scalar>
        + Mul<Output = Self::Scalar>
        + Neg<Output = Self::Scalar>
        + Send
        + Sync;

    /// A group element (always in the prime-order group once decoded).
    type Point: Copy
        + Clone
        + PartialEq
        + Eq
        + Add<Output = Self::Point>
        + Sub<Output = Self::Point>
        + Neg<Output = Self::Point>
        + Send
        + Sync;

    /// The scalar `0`.
    fn scalar_zero() -> Self::Scalar;
    /// The scalar `1`.
    fn scalar_one() -> Self::Scalar;
    /// The scalar `v`.
    fn scalar_from_u64(v: u64) -> Self::Scalar;
    /// A uniformly random scalar from a cryptographic RNG.
    fn scalar_random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self::Scalar;
    /// The multiplicative inverse (none for zero). Constant time.
    fn scalar_invert(s: &Self::Scalar) -> CtOption<Self::Scalar>;
    /// The multiplicative inverse in variable time, for public scalars only (the default is
    /// the constant-time inverse).
    fn scalar_invert_vartime(s: &Self::Scalar) -> CtOption<Self::Scalar> {
        Self::scalar_invert(s)
    }
    /// Canonical 32-byte encoding (big-endian for secp256k1, little-endian for Ed25519).
    fn scalar_to_bytes(s: &Self::Scalar) -> [u8; 32];
    /// Decodes a canonical scalar; values `>=` the group order are refused, never reduced.
    fn scalar_from_canonical_bytes(bytes: &[u8; 32]) -> CtOption<Self::Scalar>;
    /// Reduces 64 uniform bytes modulo the group order (bias below 2^-250).
    fn scalar_from_wide_bytes(bytes: &[u8; 64]) -> Self::Scalar;

    /// The identity element.
    fn identity() -> Self::Point;
    /// The standard generator.
    fn generator() -> Self::Point;
    /// `s * G`, constant time.
    fn mul_base(s: &Self::Scalar) -> Self::Point;
    /// `s * P`, constant time.
    fn mul(p: &Self::Point, s: &Self::Scalar) -> Self::Point;
    /// `s * P` in variable time. Only for public values.
    fn mul_vartime(p: &Self::Point, s: &Self::Scalar) -> Self::Point;
    /// `a * G + b * P` in variable time. Only for public values (proof verification).
    fn mul_base_add_vartime(a: &Self::Scalar, b: &Self::Scalar, p: &Self::Point) -> Self::Point;
    /// Whether `p` is the identity.
    fn is_identity(p: &Self::Point) -> bool;
    /// Canonical encoding of `p` (`POINT_LEN` bytes). The identity has no encoding on the
    /// wire; encoders must refuse it before calling this.
    fn point_to_bytes(p: &Self::Point) -> Self::PointBytes;
    /// Decodes a point and validates it: exact length, canonical encoding, on the curve, in
    /// the prime-order group, not the identity.
    ///
    /// # Errors
    /// A [`PointError`] naming the first check that failed.
    fn point_from_bytes(bytes: &[u8]) -> Result<Self::Point, PointError>;
}
