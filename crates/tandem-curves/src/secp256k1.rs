//! secp256k1 backend over the `k256` crate.
//!
//! Points are encoded SEC1-compressed (33 bytes, tag `0x02`/`0x03`); scalars big-endian.
//! secp256k1 has cofactor 1, so every point on the curve is in the prime-order group.

use k256::elliptic_curve::ff::{Field, FromUniformBytes, PrimeField};
use k256::elliptic_curve::group::{Group, GroupEncoding};
use k256::elliptic_curve::ops::MulByGeneratorVartime;
use k256::{AffinePoint, CompressedPoint, FieldBytes, ProjectivePoint, Scalar};
use rand_core::CryptoRng;
use subtle::CtOption;

use crate::curve::{Curve, CurveId};
use crate::error::PointError;

/// The secp256k1 curve (ECDSA for Ethereum, Bitcoin, Tron).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Secp256k1;

impl Curve for Secp256k1 {
    const ID: CurveId = CurveId::Secp256k1;
    const POINT_LEN: usize = 33;
    type PointBytes = [u8; 33];

    type Scalar = Scalar;
    type Point = ProjectivePoint;

    fn scalar_zero() -> Scalar {
        Scalar::ZERO
    }

    fn scalar_one() -> Scalar {
        Scalar::ONE
    }

    fn scalar_from_u64(v: u64) -> Scalar {
        Scalar::from(v)
    }

    fn scalar_random<R: CryptoRng + ?Sized>(rng: &mut R) -> Scalar {
        <Scalar as Field>::random(rng)
    }

    fn scalar_invert(s: &Scalar) -> CtOption<Scalar> {
        s.invert()
    }

    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    fn scalar_invert_vartime(s: &Scalar) -> CtOption<Scalar> {
        // Safegcd in variable time: only ever called on public scalars.
        s.invert_vartime()
    }

    fn scalar_to_bytes(s: &Scalar) -> [u8; 32] {
        s.to_bytes().into()
    }

    fn scalar_from_canonical_bytes(bytes: &[u8; 32]) -> CtOption<Scalar> {
        Scalar::from_repr(FieldBytes::from(*bytes))
    }

    fn scalar_from_wide_bytes(bytes: &[u8; 64]) -> Scalar {
        <Scalar as FromUniformBytes<64>>::from_uniform_bytes(bytes)
    }

    fn identity() -> ProjectivePoint {
        ProjectivePoint::IDENTITY
    }

    fn generator() -> ProjectivePoint {
        ProjectivePoint::GENERATOR
    }

    fn mul_base(s: &Scalar) -> ProjectivePoint {
        ProjectivePoint::mul_by_generator(s)
    }

    fn mul(p: &ProjectivePoint, s: &Scalar) -> ProjectivePoint {
        p * s
    }

    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    fn mul_vartime(p: &ProjectivePoint, s: &Scalar) -> ProjectivePoint {
        // Variable time: only called on public values.
        k256::elliptic_curve::ops::MulVartime::mul_vartime(*p, s)
    }

    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    fn mul_base_add_vartime(a: &Scalar, b: &Scalar, p: &ProjectivePoint) -> ProjectivePoint {
        // Variable time: only called on public values (proof and signature verification).
        ProjectivePoint::mul_by_generator_and_mul_add_vartime(a, b, p)
    }

    fn is_identity(p: &ProjectivePoint) -> bool {
        bool::from(p.is_identity())
    }

    fn point_to_bytes(p: &ProjectivePoint) -> [u8; 33] {
        p.to_affine().to_bytes().into()
    }

    fn point_from_bytes(bytes: &[u8]) -> Result<ProjectivePoint, PointError> {
        let repr = CompressedPoint::try_from(bytes).map_err(|_| PointError::Length {
            expected: Self::POINT_LEN,
            got: bytes.len(),
        })?;
        // SEC1 compressed only: the all-zero string is k256's fixed-width identity encoding.
        match repr.first() {
            Some(0x02 | 0x03) => {}
            Some(0x00) if repr.iter().all(|b| *b == 0) => return Err(PointError::Identity),
            _ => return Err(PointError::Invalid),
        }
        // `from_bytes` refuses x >= p and x with no square root (not on the curve).
        let affine: Option<AffinePoint> = AffinePoint::from_bytes(&repr).into();
        let point = ProjectivePoint::from(affine.ok_or(PointError::Invalid)?);
        if Self::is_identity(&point) {
            return Err(PointError::Identity);
        }
        Ok(point)
    }
}
