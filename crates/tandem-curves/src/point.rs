//! [`Point`]: a group element with a validating decoder.

use core::fmt;
use core::ops::{Add, Mul, Neg, Sub};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de, ser};

use crate::curve::Curve;
use crate::encoding;
use crate::error::PointError;
use crate::scalar::{Scalar, SecretScalar};

/// A point of the prime-order group of curve `C`.
///
/// Decoding ([`Point::from_bytes`], `Deserialize`) validates: exact length, canonical
/// encoding, on the curve, prime-order subgroup, not the identity. Arithmetic may produce the
/// identity; encoding the identity is refused (no protocol value is ever the identity).
pub struct Point<C: Curve>(C::Point);

impl<C: Curve> Point<C> {
    /// Wraps a backend point.
    #[must_use]
    pub const fn new(p: C::Point) -> Self {
        Self(p)
    }

    /// The backend point.
    #[must_use]
    pub const fn inner(&self) -> &C::Point {
        &self.0
    }

    /// The generator `G`.
    #[must_use]
    pub fn generator() -> Self {
        Self(C::generator())
    }

    /// The identity element.
    #[must_use]
    pub fn identity() -> Self {
        Self(C::identity())
    }

    /// Whether this is the identity.
    #[must_use]
    pub fn is_identity(&self) -> bool {
        C::is_identity(&self.0)
    }

    /// `a * G + b * self` in variable time: only for public scalars (verification).
    #[must_use]
    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    pub fn mul_base_add_vartime(&self, a: &Scalar<C>, b: &Scalar<C>) -> Self {
        Self(C::mul_base_add_vartime(a.inner(), b.inner(), &self.0))
    }

    /// `s * self` in variable time: only for public scalars and points.
    #[must_use]
    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    pub fn mul_vartime(&self, s: &Scalar<C>) -> Self {
        Self(C::mul_vartime(&self.0, s.inner()))
    }

    /// `s * self` with a secret scalar, in constant time.
    #[must_use]
    pub fn mul_secret(&self, s: &SecretScalar<C>) -> Self {
        Self(C::mul(&self.0, s.expose_secret()))
    }

    /// Canonical encoding (`C::POINT_LEN` bytes).
    ///
    /// # Errors
    /// [`PointError::Identity`]: the identity has no wire encoding.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PointError> {
        if self.is_identity() {
            return Err(PointError::Identity);
        }
        Ok(C::point_to_bytes(&self.0).as_ref().to_vec())
    }

    /// Decodes and validates a point (see the type documentation).
    ///
    /// # Errors
    /// A [`PointError`] naming the failed check.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PointError> {
        C::point_from_bytes(bytes).map(Self)
    }
}

impl<C: Curve> Clone for Point<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C: Curve> Copy for Point<C> {}
impl<C: Curve> PartialEq for Point<C> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<C: Curve> Eq for Point<C> {}

impl<C: Curve> fmt::Debug for Point<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_identity() {
            write!(f, "Point<{}>(identity)", C::ID)
        } else {
            write!(
                f,
                "Point<{}>({})",
                C::ID,
                encoding::hex(C::point_to_bytes(&self.0).as_ref())
            )
        }
    }
}

impl<C: Curve> Add for Point<C> {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        Self(self.0 + rhs.0)
    }
}
impl<C: Curve> Sub for Point<C> {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        Self(self.0 - rhs.0)
    }
}
impl<C: Curve> Neg for Point<C> {
    type Output = Self;
    fn neg(self) -> Self {
        Self(-self.0)
    }
}
impl<C: Curve> Mul<&Scalar<C>> for &Point<C> {
    type Output = Point<C>;
    fn mul(self, rhs: &Scalar<C>) -> Point<C> {
        Point(C::mul(&self.0, rhs.inner()))
    }
}

impl<C: Curve> Serialize for Point<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = self.to_bytes().map_err(ser::Error::custom)?;
        encoding::serialize_bytes(&bytes, serializer)
    }
}

impl<'de, C: Curve> Deserialize<'de> for Point<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = encoding::deserialize_bytes(deserializer)?;
        Self::from_bytes(&bytes).map_err(de::Error::custom)
    }
}
