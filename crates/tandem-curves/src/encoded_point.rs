//! [`EncodedPoint`]: a validated point together with its canonical encoding.
//!
//! Encoding a point costs a field inversion (the conversion to affine coordinates), and the
//! protocols hash the same points' encodings several times per signature (FROST's group
//! commitment and nonce commitments, ECDSA's `Γ` and `R'`). A value that is hashed or sent
//! more than once therefore carries its encoding, computed once. On the wire it is exactly a
//! [`Point`]: the same bytes, the same validating decoder.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::curve::Curve;
use crate::encoding;
use crate::error::PointError;
use crate::point::Point;

/// A point of the prime-order group, never the identity, with its canonical encoding.
///
/// Built from a point ([`EncodedPoint::new`], which encodes it) or from bytes
/// ([`EncodedPoint::from_bytes`], `Deserialize`: the checks of [`Point::from_bytes`], and the
/// bytes become the encoding). Either way `encoding` is the canonical encoding of `point`.
pub struct EncodedPoint<C: Curve> {
    point: Point<C>,
    encoding: C::PointBytes,
}

impl<C: Curve> EncodedPoint<C> {
    /// Encodes `point`. `None` for the identity, which has no encoding.
    #[must_use]
    pub fn new(point: Point<C>) -> Option<Self> {
        (!point.is_identity()).then(|| Self {
            point,
            encoding: C::point_to_bytes(point.inner()),
        })
    }

    /// Pairs a point with an encoding the caller computed from it earlier (for instance
    /// several at once, sharing one inversion). The caller guarantees that `encoding` is the
    /// canonical encoding of `point`; debug builds check it.
    #[must_use]
    pub fn from_trusted_parts(point: Point<C>, encoding: C::PointBytes) -> Self {
        debug_assert!(!point.is_identity() && C::point_to_bytes(point.inner()) == encoding);
        Self { point, encoding }
    }

    /// Decodes and validates a point (see [`Point`]); the bytes are kept as its encoding.
    ///
    /// # Errors
    /// The [`PointError`] of the failed check.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PointError> {
        let point = Point::<C>::from_bytes(bytes)?;
        let encoding = C::PointBytes::try_from(bytes).map_err(|_| PointError::Length {
            expected: C::POINT_LEN,
            got: bytes.len(),
        })?;
        Ok(Self { point, encoding })
    }

    /// The point.
    #[must_use]
    pub fn point(&self) -> &Point<C> {
        &self.point
    }

    /// The canonical encoding.
    #[must_use]
    pub fn encoding(&self) -> &C::PointBytes {
        &self.encoding
    }
}

impl<C: Curve> Clone for EncodedPoint<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C: Curve> Copy for EncodedPoint<C> {}

impl<C: Curve> PartialEq for EncodedPoint<C> {
    /// Equal points have equal canonical encodings, so the encodings decide.
    fn eq(&self, other: &Self) -> bool {
        self.encoding == other.encoding
    }
}
impl<C: Curve> Eq for EncodedPoint<C> {}

impl<C: Curve> fmt::Debug for EncodedPoint<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Point<{}>({})",
            C::ID,
            encoding::hex(self.encoding.as_ref())
        )
    }
}

impl<C: Curve> Serialize for EncodedPoint<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        encoding::serialize_bytes(self.encoding.as_ref(), serializer)
    }
}

impl<'de, C: Curve> Deserialize<'de> for EncodedPoint<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = encoding::deserialize_bytes(deserializer)?;
        Self::from_bytes(&bytes).map_err(de::Error::custom)
    }
}
