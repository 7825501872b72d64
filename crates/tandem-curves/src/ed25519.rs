//! Ed25519 backend over `curve25519-dalek`.
//!
//! Points are encoded as RFC 8032 compressed Edwards-y (32 bytes); scalars little-endian.
//! The curve has cofactor 8: the decoder accepts only points of the prime-order subgroup, so
//! small-order and mixed-order points (torsion components) are refused, as are
//! non-canonical encodings (y not reduced, or a "negative zero" x). The one other decoder,
//! [`Point::from_eighth_bytes`](crate::Point::from_eighth_bytes), takes any canonical curve
//! point `P̄` and returns `[8]·P̄`, which is in the prime-order subgroup by construction (the
//! torsion of a mixed-order `P̄` is cleared, a small-order `P̄` refused).

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity};
use rand_core::CryptoRng;
use subtle::{ConstantTimeEq, CtOption};

use crate::curve::{Curve, CurveId};
use crate::error::PointError;

/// The Ed25519 group (EdDSA for Solana, Stellar).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ed25519;

impl Curve for Ed25519 {
    const ID: CurveId = CurveId::Ed25519;
    const POINT_LEN: usize = 32;
    type PointBytes = [u8; 32];

    type Scalar = Scalar;
    type Point = EdwardsPoint;

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
        Scalar::random(rng)
    }

    fn scalar_invert(s: &Scalar) -> CtOption<Scalar> {
        // dalek's inversion is constant time and maps 0 to 0; refuse zero explicitly.
        let nonzero = !s.ct_eq(&Scalar::ZERO);
        CtOption::new(s.invert(), nonzero)
    }

    fn scalar_to_bytes(s: &Scalar) -> [u8; 32] {
        s.to_bytes()
    }

    fn scalar_from_canonical_bytes(bytes: &[u8; 32]) -> CtOption<Scalar> {
        Scalar::from_canonical_bytes(*bytes)
    }

    fn scalar_from_wide_bytes(bytes: &[u8; 64]) -> Scalar {
        Scalar::from_bytes_mod_order_wide(bytes)
    }

    fn identity() -> EdwardsPoint {
        EdwardsPoint::identity()
    }

    fn generator() -> EdwardsPoint {
        curve25519_dalek::constants::ED25519_BASEPOINT_POINT
    }

    fn mul_base(s: &Scalar) -> EdwardsPoint {
        EdwardsPoint::mul_base(s)
    }

    fn mul(p: &EdwardsPoint, s: &Scalar) -> EdwardsPoint {
        p * s
    }

    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    fn mul_vartime(p: &EdwardsPoint, s: &Scalar) -> EdwardsPoint {
        // Variable time: only called on public values.
        EdwardsPoint::vartime_double_scalar_mul_basepoint(s, p, &Scalar::ZERO)
    }

    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    fn mul_base_add_vartime(a: &Scalar, b: &Scalar, p: &EdwardsPoint) -> EdwardsPoint {
        // Variable time: only called on public values (proof and signature verification).
        EdwardsPoint::vartime_double_scalar_mul_basepoint(b, p, a)
    }

    fn is_identity(p: &EdwardsPoint) -> bool {
        p.is_identity()
    }

    fn point_to_bytes(p: &EdwardsPoint) -> [u8; 32] {
        p.compress().to_bytes()
    }

    fn point_from_bytes(bytes: &[u8]) -> Result<EdwardsPoint, PointError> {
        let point = decode_curve_point(bytes)?;
        if point.is_identity() {
            return Err(PointError::Identity);
        }
        // Prime-order subgroup: refuses small-order points and mixed-order points alike.
        if !is_in_prime_order_subgroup(&point) {
            return Err(PointError::NotPrimeOrder);
        }
        Ok(point)
    }
}

/// Decodes a canonical encoding of any point of the curve (any order, the identity too).
fn decode_curve_point(bytes: &[u8]) -> Result<EdwardsPoint, PointError> {
    let compressed = CompressedEdwardsY::from_slice(bytes).map_err(|_| PointError::Length {
        expected: Ed25519::POINT_LEN,
        got: bytes.len(),
    })?;
    // `decompress` reduces y modulo p; a canonical encoding has y < p.
    if !y_is_canonical(&compressed.0) {
        return Err(PointError::Invalid);
    }
    let point = compressed.decompress().ok_or(PointError::Invalid)?;
    // The other non-canonical form is x = 0 with the sign bit set ("negative zero"); only
    // y = 1 and y = -1 have x = 0, i.e. the identity and the point of order 2.
    let sign_bit = compressed.0[31] >> 7;
    if sign_bit == 1 && (point + point).is_identity() {
        return Err(PointError::Invalid);
    }
    Ok(point)
}

/// `8^-1 mod l`, little-endian.
const INV_EIGHT: [u8; 32] = [
    0x79, 0x2f, 0xdc, 0xe2, 0x29, 0xe5, 0x06, 0x61, 0xd0, 0xda, 0x1c, 0x7d, 0xb3, 0x9d, 0xd3, 0x07,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x06,
];

/// The scalar `8^-1 mod l`: for a point `P` of the prime-order subgroup,
/// `[8]·([8^-1]·P) = P`.
#[must_use]
pub fn inv_eight() -> crate::Scalar<Ed25519> {
    crate::Scalar::new(Scalar::from_bytes_mod_order(INV_EIGHT))
}

/// Prime-order points sent as their eighths ("cofactor-cleared on receipt").
///
/// A sender that would send a point `P` of the prime-order subgroup sends `P̄ = [8^-1]·P`
/// instead; the receiver decodes `P̄` as any curve point and takes `[8]·P̄`, which lies in the
/// prime-order subgroup whatever `P̄` was (the torsion component of `P̄`, of order dividing 8,
/// vanishes), and equals `P` for an honest sender. This is how Monero's Bulletproofs carry
/// proof points (scaled by `INV_EIGHT` before sending, multiplied by 8 on receipt). It
/// replaces the receiver's subgroup check, a scalar multiplication by `l`, with three
/// doublings; the identity is still refused (it is what a small-order `P̄` maps to).
impl crate::Point<Ed25519> {
    /// `[8]·P̄` for the canonical encoding of a curve point `P̄`: a point of the prime-order
    /// subgroup.
    ///
    /// # Errors
    /// [`PointError::Length`], [`PointError::Invalid`] for a non-canonical encoding or one
    /// that is not on the curve, [`PointError::Identity`] if `[8]·P̄` is the identity (`P̄` of
    /// small order).
    pub fn from_eighth_bytes(bytes: &[u8]) -> Result<Self, PointError> {
        let point = decode_curve_point(bytes)?.mul_by_cofactor();
        if point.is_identity() {
            return Err(PointError::Identity);
        }
        Ok(Self::new(point))
    }

    /// Encodings of several points, sharing one field inversion (Montgomery's trick).
    #[must_use]
    pub fn encode_batch<const N: usize>(points: &[Self; N]) -> [[u8; 32]; N] {
        EdwardsPoint::compress_batch(&points.each_ref().map(|p| *p.inner())).map(|c| c.to_bytes())
    }
}

/// Whether the 255-bit little-endian y of an encoding is below p = 2^255 - 19. The only
/// values that are not are p .. 2^255 - 1: top byte 0x7f (ignoring the sign bit), bytes 1..31
/// all 0xff, low byte at least 0xed.
fn y_is_canonical(bytes: &[u8; 32]) -> bool {
    let (low, rest) = bytes.split_at(1);
    let (middle, top) = rest.split_at(30);
    let top_is_max = top.iter().all(|b| b & 0x7f == 0x7f);
    let middle_is_max = middle.iter().all(|b| *b == 0xff);
    let low_is_large = low.iter().all(|b| *b >= 0xed);
    !(top_is_max && middle_is_max && low_is_large)
}

/// Whether `p` lies in the prime-order subgroup: `[l]P == O`, tested as `[l - 1]P == -P`
/// because `l - 1` is a canonical scalar (RFC 9591 Section 6.1, `DeserializeElement`).
///
/// Variable time: only ever called on public points decoded from the wire. It is exact (no
/// probabilistic shortcut) and about a third cheaper than dalek's constant-time
/// `is_torsion_free`. FROST signing avoids it altogether for the nonce commitments, which
/// travel as eighths ([`crate::Point::from_eighth_bytes`]).
// public: p is a point decoded from the wire, and l - 1 is a constant
#[allow(clippy::disallowed_methods)]
fn is_in_prime_order_subgroup(p: &EdwardsPoint) -> bool {
    let l_minus_one = Scalar::ZERO - Scalar::ONE;
    EdwardsPoint::vartime_double_scalar_mul_basepoint(&l_minus_one, p, &Scalar::ZERO) == -p
}
