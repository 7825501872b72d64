//! `EncodedPoint`: the same bytes and the same validating decoder as `Point`, with the
//! encoding computed once.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{Curve, Ed25519, EncodedPoint, Point, Secp256k1, SecretScalar};

fn random_points<C: Curve>(seed: u64, n: usize) -> Vec<Point<C>> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| SecretScalar::<C>::random(&mut rng).public_point())
        .collect()
}

fn same_encoding_and_wire_form<C: Curve>() {
    for p in random_points::<C>(1, 32) {
        let bytes = p.to_bytes().unwrap();
        let e = EncodedPoint::new(p).unwrap();
        assert_eq!(e.encoding().as_ref(), bytes.as_slice());
        assert_eq!(*e.point(), p);
        // On the wire and in files it is exactly a Point, in both serde formats.
        assert_eq!(
            postcard::to_allocvec(&e).unwrap(),
            postcard::to_allocvec(&p).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            serde_json::to_string(&p).unwrap()
        );
        let back: EncodedPoint<C> =
            postcard::from_bytes(&postcard::to_allocvec(&p).unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(*back.point(), p);
        assert_eq!(EncodedPoint::<C>::from_bytes(&bytes).unwrap(), e);
        // Equality is the points' equality.
        let other = EncodedPoint::new(p + Point::generator()).unwrap();
        assert_ne!(other, e);
        assert_eq!(EncodedPoint::from_trusted_parts(p, *e.encoding()), e);
    }
    assert!(EncodedPoint::new(Point::<C>::identity()).is_none());
}

#[test]
fn encoded_points_are_points_on_the_wire() {
    same_encoding_and_wire_form::<Secp256k1>();
    same_encoding_and_wire_form::<Ed25519>();
}

/// Whatever the bytes, `EncodedPoint::from_bytes` gives `Point::from_bytes`'s verdict, and on
/// success keeps exactly the bytes it was given.
fn decoders_agree<C: Curve>(bytes: &[u8]) {
    match (
        Point::<C>::from_bytes(bytes),
        EncodedPoint::<C>::from_bytes(bytes),
    ) {
        (Ok(p), Ok(e)) => {
            assert_eq!(*e.point(), p);
            assert_eq!(e.encoding().as_ref(), bytes);
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("decoders disagree: {a:?} / {b:?}"),
    }
}

proptest! {
    #[test]
    fn decoders_agree_on_mutated_encodings(
        seed in any::<u64>(),
        flips in proptest::collection::vec((0usize..34, any::<u8>()), 0..4),
        len_change in -2i32..2,
    ) {
        for mut bytes in [
            random_points::<Secp256k1>(seed, 1)[0].to_bytes().unwrap(),
            random_points::<Ed25519>(seed, 1)[0].to_bytes().unwrap(),
        ] {
            for (at, x) in &flips {
                if let Some(b) = bytes.get_mut(*at) {
                    *b ^= x;
                }
            }
            let len = usize::try_from(i32::try_from(bytes.len()).unwrap() + len_change).unwrap();
            bytes.resize(len, 0);
            decoders_agree::<Secp256k1>(&bytes);
            decoders_agree::<Ed25519>(&bytes);
        }
    }
}

#[test]
fn decoders_agree_on_refused_encodings() {
    let mut cases: Vec<Vec<u8>> = vec![vec![], vec![0; 32], vec![0; 33], vec![0xff; 33]];
    let g = Point::<Secp256k1>::generator().to_bytes().unwrap();
    for tag in [0x00u8, 0x01, 0x04, 0xff] {
        let mut v = g.clone();
        v[0] = tag;
        cases.push(v);
    }
    // Ed25519: the identity (y = 1) and the point of order 2 (y = -1).
    let mut identity = vec![0u8; 32];
    identity[0] = 1;
    cases.push(identity);
    let mut order_two = vec![0xff; 32];
    order_two[0] = 0xec;
    order_two[31] = 0x7f;
    assert!(Point::<Ed25519>::from_bytes(&order_two).is_err());
    cases.push(order_two);
    for c in &cases {
        decoders_agree::<Secp256k1>(c);
        decoders_agree::<Ed25519>(c);
    }
}
