//! Signing with a derived (non-hardened) child key: each party derives its own child share
//! from public values, and FROST signs for the child's key (verified by ed25519-dalek);
//! parties that derive different children cannot produce a signature.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ed25519_dalek::VerifyingKey;
use tandem_curves::{Ed25519, Point, Secp256k1};
use tandem_protocol::Role;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::hd::{ChainCode, DerivationPath};
use tandem_testkit::message::rng;

fn vk(p: &Point<Ed25519>) -> VerifyingKey {
    VerifyingKey::from_bytes(&p.to_bytes().unwrap().try_into().unwrap()).unwrap()
}

#[test]
fn frost_signs_for_every_child_key() {
    let (c, s) = driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    let chain = ChainCode::from_bytes([42; 32]);
    for (i, text) in ["m", "m/0", "m/1", "m/501/0/7"].iter().enumerate() {
        let path: DerivationPath = text.parse().unwrap();
        let (cc, derived) = c.child(&chain, &path).unwrap();
        let (sc, other) = s.child(&chain, &path).unwrap();
        // Both parties arrive at the same child and the same sharing of it.
        assert_eq!(derived, other);
        assert_eq!(cc.public_key(), derived.public_key);
        assert_eq!(cc.sharing_id(), sc.sharing_id());
        assert_eq!(cc.role(), Role::Client);
        // The server's secret is untouched; the client's carries the tweak.
        assert_eq!(sc.secret().public_point(), s.secret().public_point());
        let message = format!("pay from {text}");
        let seed = 10 + i as u64;
        let (sig, _) = driver::eddsa_sign(
            &cc,
            &sc,
            message.as_bytes(),
            &mut rng(seed),
            &mut rng(seed + 100),
            &mut NoTap,
        )
        .unwrap();
        vk(&derived.public_key)
            .verify_strict(message.as_bytes(), &sig)
            .unwrap();
        if !path.is_master() {
            assert!(
                vk(&c.public_key())
                    .verify_strict(message.as_bytes(), &sig)
                    .is_err()
            );
        }
    }
}

#[test]
fn parties_on_different_children_cannot_sign() {
    let (c, s) = driver::keygen::<Ed25519, _, _, _>(&mut rng(3), &mut rng(4), &mut NoTap).unwrap();
    let chain = ChainCode::from_bytes([7; 32]);
    let (cc, _) = c.child(&chain, &"m/1".parse().unwrap()).unwrap();
    let (sc, _) = s.child(&chain, &"m/2".parse().unwrap()).unwrap();
    assert_ne!(cc.sharing_id(), sc.sharing_id());
    assert!(driver::eddsa_sign(&cc, &sc, b"x", &mut rng(5), &mut rng(6), &mut NoTap).is_err());
    // Another chain code is another tree.
    let (sc, _) = s
        .child(&ChainCode::from_bytes([8; 32]), &"m/1".parse().unwrap())
        .unwrap();
    assert!(driver::eddsa_sign(&cc, &sc, b"x", &mut rng(5), &mut rng(6), &mut NoTap).is_err());
}

#[test]
fn secp256k1_child_shares_add_up_to_the_child_key() {
    let (c, s) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(8), &mut rng(9), &mut NoTap).unwrap();
    let chain = ChainCode::from_bytes([1; 32]);
    let path: DerivationPath = "m/0/5".parse().unwrap();
    let (cc, derived) = c.child(&chain, &path).unwrap();
    let (sc, _) = s.child(&chain, &path).unwrap();
    let sum = cc.secret().public_point() + sc.secret().public_point();
    assert_eq!(sum, derived.public_key);
    assert_eq!(
        derived.public_key,
        c.public_key() + derived.tweak.mul_base()
    );
}
