//! Validating decoders: every refusal of docs/security-checklist.md section 1 for points and
//! scalars, and the checks listed in `CHECKS.md` that no other test provoked (scalars of the
//! wrong length, fixed-width byte fields of another length).

#![allow(clippy::disallowed_methods)]
// test code: timing is not a secret here

// Helpers outside #[test] functions unwrap too: a panic in a test is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::CompressedEdwardsY;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{
    Commitment, Curve, Ed25519, Point, PointError, Scalar, ScalarError, Secp256k1, SecretScalar,
};

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7)
}

fn roundtrip<C: Curve>() {
    let mut rng = rng();
    for _ in 0..32 {
        let p = SecretScalar::<C>::random(&mut rng).public_point();
        let bytes = p.to_bytes().unwrap();
        assert_eq!(bytes.len(), C::POINT_LEN);
        assert_eq!(Point::<C>::from_bytes(&bytes).unwrap(), p);
        let s = Scalar::<C>::random(&mut rng);
        assert_eq!(Scalar::<C>::from_bytes(&s.to_bytes()).unwrap(), s);
    }
}

#[test]
fn points_and_scalars_roundtrip() {
    roundtrip::<Secp256k1>();
    roundtrip::<Ed25519>();
}

#[test]
fn identity_has_no_encoding_and_is_refused() {
    assert_eq!(
        Point::<Secp256k1>::identity().to_bytes(),
        Err(PointError::Identity)
    );
    assert_eq!(
        Point::<Ed25519>::identity().to_bytes(),
        Err(PointError::Identity)
    );
    assert_eq!(
        Point::<Secp256k1>::from_bytes(&[0u8; 33]),
        Err(PointError::Identity)
    );
    let mut ed_identity = [0u8; 32];
    ed_identity[0] = 1;
    assert_eq!(
        Point::<Ed25519>::from_bytes(&ed_identity),
        Err(PointError::Identity)
    );
}

#[test]
fn wrong_lengths_are_refused() {
    let g = Point::<Secp256k1>::generator().to_bytes().unwrap();
    for len in [0usize, 1, 32, 34, 65] {
        let mut v = g.clone();
        v.resize(len, 0);
        assert_eq!(
            Point::<Secp256k1>::from_bytes(&v),
            Err(PointError::Length {
                expected: 33,
                got: len
            })
        );
    }
    let e = Point::<Ed25519>::generator().to_bytes().unwrap();
    for len in [0usize, 31, 33] {
        let mut v = e.clone();
        v.resize(len, 0);
        assert_eq!(
            Point::<Ed25519>::from_bytes(&v),
            Err(PointError::Length {
                expected: 32,
                got: len
            })
        );
    }
    assert_eq!(
        Scalar::<Secp256k1>::from_bytes(&[1u8; 31]),
        Err(ScalarError::Length { got: 31 })
    );
}

#[test]
fn secp256k1_bad_tag_and_uncompressed_are_refused() {
    let mut g = Point::<Secp256k1>::generator().to_bytes().unwrap();
    for tag in [0x00u8, 0x01, 0x04, 0x05, 0x06, 0x07, 0xff] {
        g[0] = tag;
        assert_eq!(
            Point::<Secp256k1>::from_bytes(&g),
            Err(PointError::Invalid),
            "tag {tag:#x}"
        );
    }
}

#[test]
fn secp256k1_x_not_below_field_modulus_is_refused() {
    // p = 2^256 - 2^32 - 977; x = p and x = 2^256 - 1 are not canonical field elements.
    let p = base16ct::lower::decode_vec(
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
    )
    .unwrap();
    for x in [p, vec![0xff; 32]] {
        let mut enc = vec![0x02];
        enc.extend_from_slice(&x);
        assert_eq!(
            Point::<Secp256k1>::from_bytes(&enc),
            Err(PointError::Invalid)
        );
    }
}

#[test]
fn secp256k1_x_off_the_curve_is_refused() {
    // Roughly half of all x have no y; find small ones and check each is refused.
    let mut refused = 0;
    for x in 1u8..40 {
        let mut enc = [0u8; 33];
        enc[0] = 0x02;
        enc[32] = x;
        let k: Option<k256::AffinePoint> = {
            use k256::elliptic_curve::group::GroupEncoding;
            k256::AffinePoint::from_bytes(&enc.into()).into()
        };
        if k.is_none() {
            assert_eq!(
                Point::<Secp256k1>::from_bytes(&enc),
                Err(PointError::Invalid)
            );
            refused += 1;
        } else {
            assert!(Point::<Secp256k1>::from_bytes(&enc).is_ok());
        }
    }
    assert!(
        refused > 5,
        "expected several off-curve x values, found {refused}"
    );
}

#[test]
fn ed25519_small_order_points_are_refused() {
    for (i, t) in EIGHT_TORSION.iter().enumerate() {
        let bytes = t.compress().to_bytes();
        let err = Point::<Ed25519>::from_bytes(&bytes).unwrap_err();
        if i == 0 {
            assert_eq!(err, PointError::Identity);
        } else {
            assert_eq!(err, PointError::NotPrimeOrder, "torsion point {i}");
        }
    }
}

#[test]
fn ed25519_mixed_order_points_are_refused() {
    for t in EIGHT_TORSION.iter().skip(1) {
        let mixed = ED25519_BASEPOINT_POINT + t;
        let bytes = mixed.compress().to_bytes();
        assert_eq!(
            Point::<Ed25519>::from_bytes(&bytes),
            Err(PointError::NotPrimeOrder)
        );
    }
}

#[test]
fn ed25519_non_canonical_encodings_are_refused() {
    // y = p + 1 (a non-reduced encoding of the identity's y) and "negative zero" x.
    let mut y_p_plus_1 = [0xffu8; 32];
    y_p_plus_1[0] = 0xee;
    y_p_plus_1[31] = 0x7f;
    assert!(
        CompressedEdwardsY(y_p_plus_1).decompress().is_some(),
        "dalek accepts it"
    );
    assert_eq!(
        Point::<Ed25519>::from_bytes(&y_p_plus_1),
        Err(PointError::Invalid)
    );

    let mut neg_zero = [0u8; 32];
    neg_zero[0] = 1;
    neg_zero[31] = 0x80;
    assert_eq!(
        Point::<Ed25519>::from_bytes(&neg_zero),
        Err(PointError::Invalid)
    );

    // The basepoint with its y increased by p: same point, non-canonical bytes, whenever
    // y + p still fits in 255 bits (y < 19); otherwise take the sign-flipped zero-x case above.
    let g = ED25519_BASEPOINT_POINT.compress().to_bytes();
    assert!(Point::<Ed25519>::from_bytes(&g).is_ok());
}

#[test]
fn ed25519_y_off_the_curve_is_refused() {
    let mut refused = 0;
    for y in 2u8..60 {
        let mut enc = [0u8; 32];
        enc[0] = y;
        if CompressedEdwardsY(enc).decompress().is_none() {
            assert_eq!(Point::<Ed25519>::from_bytes(&enc), Err(PointError::Invalid));
            refused += 1;
        }
    }
    assert!(
        refused > 5,
        "expected several off-curve y values, found {refused}"
    );
}

#[test]
fn scalars_not_below_the_order_are_refused() {
    let n_secp = base16ct::lower::decode_vec(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
    )
    .unwrap();
    assert_eq!(
        Scalar::<Secp256k1>::from_bytes(&n_secp),
        Err(ScalarError::NonCanonical)
    );
    assert_eq!(
        SecretScalar::<Secp256k1>::from_bytes(&n_secp),
        Err(ScalarError::NonCanonical)
    );
    assert_eq!(
        Scalar::<Secp256k1>::from_bytes(&[0xff; 32]),
        Err(ScalarError::NonCanonical)
    );
    let mut n_minus_1 = n_secp.clone();
    n_minus_1[31] -= 1;
    assert!(Scalar::<Secp256k1>::from_bytes(&n_minus_1).is_ok());

    // l = 2^252 + 27742317777372353535851937790883648493, little-endian.
    let l_ed = base16ct::lower::decode_vec(
        "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010",
    )
    .unwrap();
    assert_eq!(
        Scalar::<Ed25519>::from_bytes(&l_ed),
        Err(ScalarError::NonCanonical)
    );
    assert_eq!(
        Scalar::<Ed25519>::from_bytes(&[0xff; 32]),
        Err(ScalarError::NonCanonical)
    );
    let mut l_minus_1 = l_ed.clone();
    l_minus_1[0] -= 1;
    assert!(Scalar::<Ed25519>::from_bytes(&l_minus_1).is_ok());
}

#[test]
fn serde_decoders_validate_too() {
    // Binary (postcard) and JSON paths both go through the validating decoders.
    let t = EIGHT_TORSION[1].compress().to_bytes();
    let bin = postcard::to_allocvec(&serde_bytes_wrapper(&t)).unwrap();
    assert!(postcard::from_bytes::<Point<Ed25519>>(&bin).is_err());
    let json = format!("\"{}\"", base16ct::lower::encode_string(&t));
    assert!(serde_json::from_str::<Point<Ed25519>>(&json).is_err());

    let g = Point::<Ed25519>::generator() + Point::generator();
    let json = serde_json::to_string(&g).unwrap();
    assert!(
        json.bytes().any(|b| b.is_ascii_lowercase()),
        "needs hex letters: {json}"
    );
    assert_eq!(serde_json::from_str::<Point<Ed25519>>(&json).unwrap(), g);
    let bin = postcard::to_allocvec(&g).unwrap();
    assert_eq!(postcard::from_bytes::<Point<Ed25519>>(&bin).unwrap(), g);
    // Upper-case hex is not the canonical text form.
    assert!(serde_json::from_str::<Point<Ed25519>>(&json.to_uppercase()).is_err());
}

fn serde_bytes_wrapper(b: &[u8]) -> Bytes<'_> {
    Bytes(b)
}

struct Bytes<'a>(&'a [u8]);
impl serde::Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[test]
fn ed25519_subgroup_check_agrees_with_dalek() {
    // The decoder's variable-time [l-1]P == -P test against dalek's constant-time
    // is_torsion_free, on prime-order, small-order and mixed-order points.
    let mut rng = rng();
    for _ in 0..16 {
        let p = *SecretScalar::<Ed25519>::random(&mut rng)
            .public_point()
            .inner();
        for t in EIGHT_TORSION.iter() {
            let q = p + t;
            let decoded = Point::<Ed25519>::from_bytes(&q.compress().to_bytes());
            assert_eq!(decoded.is_ok(), q.is_torsion_free(), "torsion {t:?}");
        }
    }
}

#[test]
fn ed25519_every_non_canonical_y_is_refused() {
    // y in [p, 2^255): the 19 values p + k, k = 0..18, each with both sign bits.
    for k in 0u8..19 {
        for sign in [0u8, 0x80] {
            let mut enc = [0xffu8; 32];
            enc[0] = 0xed + k;
            enc[31] = 0x7f | sign;
            assert_eq!(
                Point::<Ed25519>::from_bytes(&enc),
                Err(PointError::Invalid),
                "y = p + {k}, sign {sign}"
            );
        }
    }
    // Negative zero for the order-2 point (0, -1): y = p - 1 with the sign bit.
    let mut enc = [0xffu8; 32];
    enc[0] = 0xec;
    enc[31] = 0xff;
    assert_eq!(Point::<Ed25519>::from_bytes(&enc), Err(PointError::Invalid));
    enc[31] = 0x7f;
    assert_eq!(
        Point::<Ed25519>::from_bytes(&enc),
        Err(PointError::NotPrimeOrder)
    );
}

#[test]
fn ed25519_eighths_decode_to_prime_order_points() {
    let inv8 = tandem_curves::ed25519::inv_eight();
    assert_eq!(inv8 * Scalar::<Ed25519>::from_u64(8), Scalar::from_u64(1));
    let mut rng = rng();
    for _ in 0..16 {
        let p = SecretScalar::<Ed25519>::random(&mut rng).public_point();
        let eighth = p.mul_vartime(&inv8).to_bytes().unwrap();
        // An honest eighth gives the point back.
        assert_eq!(Point::<Ed25519>::from_eighth_bytes(&eighth), Ok(p));
        // Any torsion added to the eighth vanishes: [8](P/8 + T) = P.
        for t in EIGHT_TORSION {
            let moved = (*p.mul_vartime(&inv8).inner() + t).compress().to_bytes();
            let decoded = Point::<Ed25519>::from_eighth_bytes(&moved).unwrap();
            assert_eq!(decoded, p);
            assert!(decoded.inner().is_torsion_free());
        }
    }
    // A mixed-order eighth decodes to a prime-order point (which the plain decoder refuses
    // to take directly).
    let mixed = (ED25519_BASEPOINT_POINT + EIGHT_TORSION[3])
        .compress()
        .to_bytes();
    assert_eq!(
        Point::<Ed25519>::from_bytes(&mixed),
        Err(PointError::NotPrimeOrder)
    );
    let decoded = Point::<Ed25519>::from_eighth_bytes(&mixed).unwrap();
    assert_eq!(*decoded.inner(), ED25519_BASEPOINT_POINT.mul_by_cofactor());
}

#[test]
fn ed25519_eighths_refuse_small_order_and_bad_encodings() {
    // Every point of order dividing 8 (the identity included) maps to the identity.
    for t in EIGHT_TORSION {
        assert_eq!(
            Point::<Ed25519>::from_eighth_bytes(&t.compress().to_bytes()),
            Err(PointError::Identity)
        );
    }
    let mut y_p_plus_1 = [0xffu8; 32];
    y_p_plus_1[0] = 0xee;
    y_p_plus_1[31] = 0x7f;
    assert_eq!(
        Point::<Ed25519>::from_eighth_bytes(&y_p_plus_1),
        Err(PointError::Invalid)
    );
    let mut neg_zero = [0u8; 32];
    neg_zero[0] = 1;
    neg_zero[31] = 0x80;
    assert_eq!(
        Point::<Ed25519>::from_eighth_bytes(&neg_zero),
        Err(PointError::Invalid)
    );
    for y in 2u8..60 {
        let mut enc = [0u8; 32];
        enc[0] = y;
        if CompressedEdwardsY(enc).decompress().is_none() {
            assert_eq!(
                Point::<Ed25519>::from_eighth_bytes(&enc),
                Err(PointError::Invalid)
            );
        }
    }
    assert!(matches!(
        Point::<Ed25519>::from_eighth_bytes(&[1u8; 31]),
        Err(PointError::Length { .. })
    ));
}

#[test]
fn ed25519_batch_encoding_matches_single() {
    let mut rng = rng();
    let points: [Point<Ed25519>; 4] =
        core::array::from_fn(|_| SecretScalar::<Ed25519>::random(&mut rng).public_point());
    let batch = Point::encode_batch(&points);
    for (p, enc) in points.iter().zip(batch) {
        assert_eq!(p.to_bytes().unwrap(), enc.to_vec());
    }
}

// ---------------------------------------------------------------------------------------
// Checks listed in `CHECKS.md` that no other test provoked: each test feeds the bad input
// and asserts the exact refusal.

#[test]
fn scalars_of_the_wrong_length_are_refused() {
    for len in [0usize, 31, 33, 64] {
        let bytes = vec![1u8; len];
        assert_eq!(
            SecretScalar::<Secp256k1>::from_bytes(&bytes).err(),
            Some(ScalarError::Length { got: len })
        );
        assert_eq!(
            SecretScalar::<Ed25519>::from_bytes(&bytes).err(),
            Some(ScalarError::Length { got: len })
        );
        assert_eq!(
            Scalar::<Ed25519>::from_bytes(&bytes).err(),
            Some(ScalarError::Length { got: len })
        );
    }
    // Ed25519 secret scalars are refused at and above l as well (never reduced).
    assert_eq!(
        SecretScalar::<Ed25519>::from_bytes(&[0xff; 32]).err(),
        Some(ScalarError::NonCanonical)
    );
}

#[test]
fn fixed_width_byte_fields_refuse_other_lengths() {
    // A commitment is exactly 32 bytes, in binary (postcard) and text (hex) forms.
    let mut bin = vec![31u8];
    bin.extend_from_slice(&[7u8; 31]);
    assert!(postcard::from_bytes::<Commitment>(&bin).is_err());
    let mut bin = vec![32u8];
    bin.extend_from_slice(&[7u8; 32]);
    assert!(postcard::from_bytes::<Commitment>(&bin).is_ok());
    for text in [
        format!("\"{}\"", "07".repeat(31)),
        format!("\"{}\"", "07".repeat(33)),
        format!("\"{}0\"", "07".repeat(32)),
        format!("\"{}zz\"", "07".repeat(31)),
    ] {
        assert!(serde_json::from_str::<Commitment>(&text).is_err(), "{text}");
    }
    assert!(serde_json::from_str::<Commitment>(&format!("\"{}\"", "07".repeat(32))).is_ok());
}
