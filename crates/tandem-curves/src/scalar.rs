//! Scalars: [`Scalar`] for public values and [`SecretScalar`] for secrets.
//!
//! A [`SecretScalar`] is wiped on drop, prints as `<redacted>`, compares in constant time and
//! is deliberately not `Clone`: a copy of a secret has to be asked for by name
//! ([`SecretScalar::duplicate`]).

use core::fmt;
use core::ops::{Add, Mul, Neg, Sub};

use rand_core::CryptoRng;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::curve::Curve;
use crate::encoding;
use crate::error::ScalarError;
use crate::point::Point;

/// A public scalar (a proof response, a challenge, a Lagrange coefficient).
pub struct Scalar<C: Curve>(C::Scalar);

impl<C: Curve> Scalar<C> {
    /// Wraps a backend scalar.
    #[must_use]
    pub const fn new(s: C::Scalar) -> Self {
        Self(s)
    }

    /// The backend scalar.
    #[must_use]
    pub const fn inner(&self) -> &C::Scalar {
        &self.0
    }

    /// Zero.
    #[must_use]
    pub fn zero() -> Self {
        Self(C::scalar_zero())
    }

    /// One.
    #[must_use]
    pub fn one() -> Self {
        Self(C::scalar_one())
    }

    /// The scalar `v`.
    #[must_use]
    pub fn from_u64(v: u64) -> Self {
        Self(C::scalar_from_u64(v))
    }

    /// A uniformly random scalar.
    #[must_use]
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(C::scalar_random(rng))
    }

    /// Reduces 64 uniform bytes (a wide hash) modulo the group order.
    #[must_use]
    pub fn from_wide_bytes(bytes: &[u8; 64]) -> Self {
        Self(C::scalar_from_wide_bytes(bytes))
    }

    /// The multiplicative inverse, if the scalar is not zero.
    #[must_use]
    pub fn invert(&self) -> Option<Self> {
        Option::<C::Scalar>::from(C::scalar_invert(&self.0)).map(Self)
    }

    /// The multiplicative inverse in variable time, if the scalar is not zero. Only for
    /// public values (a verification, a public re-randomiser), never for a secret.
    #[must_use]
    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    pub fn invert_vartime(&self) -> Option<Self> {
        Option::<C::Scalar>::from(C::scalar_invert_vartime(&self.0)).map(Self)
    }

    /// Whether this is zero.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        bool::from(self.0.ct_eq(&C::scalar_zero()))
    }

    /// Canonical 32-byte encoding.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        C::scalar_to_bytes(&self.0)
    }

    /// Decodes a canonical scalar.
    ///
    /// # Errors
    /// [`ScalarError::Length`] or [`ScalarError::NonCanonical`] (never reduced silently).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ScalarError> {
        let arr: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| ScalarError::Length { got: bytes.len() })?;
        Option::<C::Scalar>::from(C::scalar_from_canonical_bytes(arr))
            .map(Self)
            .ok_or(ScalarError::NonCanonical)
    }

    /// `self * G`.
    #[must_use]
    pub fn mul_base(&self) -> Point<C> {
        Point::new(C::mul_base(&self.0))
    }
}

impl<C: Curve> Clone for Scalar<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C: Curve> Copy for Scalar<C> {}
impl<C: Curve> PartialEq for Scalar<C> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<C: Curve> Eq for Scalar<C> {}

impl<C: Curve> fmt::Debug for Scalar<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scalar<{}>({})", C::ID, encoding::hex(&self.to_bytes()))
    }
}

impl<C: Curve> Add for Scalar<C> {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        Self(self.0 + rhs.0)
    }
}
impl<C: Curve> Sub for Scalar<C> {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        Self(self.0 - rhs.0)
    }
}
impl<C: Curve> Mul for Scalar<C> {
    type Output = Self;
    fn mul(self, rhs: Self) -> Self {
        Self(self.0 * rhs.0)
    }
}
impl<C: Curve> Neg for Scalar<C> {
    type Output = Self;
    fn neg(self) -> Self {
        Self(-self.0)
    }
}

impl<C: Curve> Serialize for Scalar<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        encoding::serialize_bytes(&self.to_bytes(), serializer)
    }
}

impl<'de, C: Curve> Deserialize<'de> for Scalar<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = encoding::deserialize_bytes(deserializer)?;
        Self::from_bytes(&bytes).map_err(de::Error::custom)
    }
}

/// A secret scalar: a key share, a nonce, a mask.
///
/// Wiped on drop, redacted in `Debug`, compared in constant time, not `Clone`.
pub struct SecretScalar<C: Curve>(C::Scalar);

impl<C: Curve> SecretScalar<C> {
    /// Takes ownership of a backend scalar as a secret.
    #[must_use]
    pub fn new(s: C::Scalar) -> Self {
        Self(s)
    }

    /// A uniformly random secret scalar.
    #[must_use]
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(C::scalar_random(rng))
    }

    /// Reduces 64 uniform secret bytes (a wide hash of secrets) modulo the group order,
    /// straight into a secret scalar (no public `Scalar` in between).
    #[must_use]
    pub fn from_wide_bytes(bytes: &[u8; 64]) -> Self {
        Self(C::scalar_from_wide_bytes(bytes))
    }

    /// A uniformly random secret scalar that is not zero.
    #[must_use]
    pub fn random_nonzero<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        // Rejection sampling; a zero scalar has probability 2^-252 per draw.
        loop {
            let s = Self::random(rng);
            if !bool::from(s.0.ct_eq(&C::scalar_zero())) {
                return s;
            }
        }
    }

    /// Read access to the secret for arithmetic.
    #[must_use]
    pub fn expose_secret(&self) -> &C::Scalar {
        &self.0
    }

    /// An explicit copy of the secret (the type is not `Clone` on purpose).
    #[must_use]
    pub fn duplicate(&self) -> Self {
        Self(self.0)
    }

    /// Declassifies the value: for results that the protocol makes public (a Schnorr
    /// response `z = a + e x`, a signature share). The secret is consumed.
    #[must_use]
    pub fn reveal(self) -> Scalar<C> {
        Scalar::new(self.0)
    }

    /// `self * G`, in constant time.
    #[must_use]
    pub fn public_point(&self) -> Point<C> {
        Point::new(C::mul_base(&self.0))
    }

    /// Whether the secret is zero (constant time).
    #[must_use]
    pub fn is_zero(&self) -> Choice {
        self.0.ct_eq(&C::scalar_zero())
    }

    /// Canonical encoding, in a buffer that is wiped on drop.
    #[must_use]
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(C::scalar_to_bytes(&self.0))
    }

    /// Decodes a canonical secret scalar.
    ///
    /// # Errors
    /// [`ScalarError::Length`] or [`ScalarError::NonCanonical`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ScalarError> {
        let mut arr = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(ScalarError::Length { got: bytes.len() });
        }
        arr.copy_from_slice(bytes);
        Option::<C::Scalar>::from(C::scalar_from_canonical_bytes(&arr))
            .map(Self)
            .ok_or(ScalarError::NonCanonical)
    }
}

impl<C: Curve> Drop for SecretScalar<C> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}
impl<C: Curve> Zeroize for SecretScalar<C> {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}
impl<C: Curve> ZeroizeOnDrop for SecretScalar<C> {}

impl<C: Curve> fmt::Debug for SecretScalar<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretScalar<{}>(<redacted>)", C::ID)
    }
}

impl<C: Curve> ConstantTimeEq for SecretScalar<C> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}
impl<C: Curve> PartialEq for SecretScalar<C> {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}
impl<C: Curve> Eq for SecretScalar<C> {}

impl<C: Curve> Serialize for SecretScalar<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        encoding::serialize_bytes(self.to_bytes().as_slice(), serializer)
    }
}

impl<'de, C: Curve> Deserialize<'de> for SecretScalar<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = encoding::deserialize_bytes(deserializer)?;
        Self::from_bytes(&bytes).map_err(de::Error::custom)
    }
}

impl<C: Curve> Add<&SecretScalar<C>> for &SecretScalar<C> {
    type Output = SecretScalar<C>;
    fn add(self, rhs: &SecretScalar<C>) -> SecretScalar<C> {
        SecretScalar(self.0 + rhs.0)
    }
}
impl<C: Curve> Sub<&SecretScalar<C>> for &SecretScalar<C> {
    type Output = SecretScalar<C>;
    fn sub(self, rhs: &SecretScalar<C>) -> SecretScalar<C> {
        SecretScalar(self.0 - rhs.0)
    }
}
impl<C: Curve> Mul<&SecretScalar<C>> for &SecretScalar<C> {
    type Output = SecretScalar<C>;
    fn mul(self, rhs: &SecretScalar<C>) -> SecretScalar<C> {
        SecretScalar(self.0 * rhs.0)
    }
}
impl<C: Curve> Add<&Scalar<C>> for &SecretScalar<C> {
    type Output = SecretScalar<C>;
    fn add(self, rhs: &Scalar<C>) -> SecretScalar<C> {
        SecretScalar(self.0 + *rhs.inner())
    }
}
impl<C: Curve> Mul<&Scalar<C>> for &SecretScalar<C> {
    type Output = SecretScalar<C>;
    fn mul(self, rhs: &Scalar<C>) -> SecretScalar<C> {
        SecretScalar(self.0 * *rhs.inner())
    }
}
impl<C: Curve> Neg for &SecretScalar<C> {
    type Output = SecretScalar<C>;
    fn neg(self) -> SecretScalar<C> {
        SecretScalar(-self.0)
    }
}
