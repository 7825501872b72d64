//! Checks of FROST Ed25519 signing (RFC 9591) listed in `CHECKS.md` that no other test
//! provoked: each test crafts the bad input and asserts the exact error variant.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_curves::{Ed25519, Scalar, SecretScalar};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::eddsa::frost::{
    FrostError, Identifier, SigningNonces, SigningPackage, derive_interpolating_value,
};
use tandem_protocol::eddsa::sign as eddsa_sign;
use tandem_protocol::{Error, Misuse, SessionId};

use tandem_testkit::message::rng;

// ---------------------------------------------------------------------------------------
// FROST Ed25519.

#[test]
fn eddsa_server_state_only_accepts_its_own_key_share() {
    let (c, s) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(17), &mut rng(18), &mut NoTap).unwrap();
    let (_, s2) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(19), &mut rng(20), &mut NoTap).unwrap();
    let (client, m1) =
        eddsa_sign::client_start(&c, SessionId([6; 32]), b"m", &mut rng(21)).unwrap();
    let (server, m2) = eddsa_sign::server_receive_request(&s, &m1)
        .unwrap()
        .approve(&s, &mut rng(22))
        .unwrap();
    let (_, m3) = client.receive(&c, &m2).unwrap();
    assert_eq!(
        server.receive(&s2, &m3).err(),
        Some(Error::Misuse(Misuse::KeyShareChanged))
    );
    // The server state's role check comes first.
    let (client, m1) =
        eddsa_sign::client_start(&c, SessionId([7; 32]), b"m", &mut rng(23)).unwrap();
    let (server, m2) = eddsa_sign::server_receive_request(&s, &m1)
        .unwrap()
        .approve(&s, &mut rng(24))
        .unwrap();
    let (_, m3) = client.receive(&c, &m2).unwrap();
    assert!(matches!(
        server.receive(&c, &m3),
        Err(Error::Misuse(Misuse::WrongRole { .. }))
    ));
}

#[test]
fn frost_core_refusals_name_the_variant() {
    let id = |n| Identifier::new(n).unwrap();
    let sk = SecretScalar::<Ed25519>::random_nonzero(&mut rng(25));
    let group = tandem_protocol::eddsa::frost::Element::new(sk.public_point()).unwrap();
    let a = SigningNonces::from_randomness(&[1; 32], &[2; 32], &sk).unwrap();
    let b = SigningNonces::from_randomness(&[3; 32], &[4; 32], &sk).unwrap();
    let (ca, cb) = (a.commitments(), b.commitments());
    assert_eq!(
        SigningPackage::new(group, b"m", vec![]).err(),
        Some(FrostError::CommitmentList)
    );
    assert_eq!(
        SigningPackage::new(group, b"m", vec![(id(2), ca), (id(1), cb)]).err(),
        Some(FrostError::CommitmentList)
    );
    assert_eq!(
        SigningPackage::new(group, b"m", vec![(id(1), ca), (id(1), cb)]).err(),
        Some(FrostError::CommitmentList)
    );
    let pkg = SigningPackage::new(group, b"m", vec![(id(1), ca), (id(2), cb)]).unwrap();
    // Signer 1 with signer 2's nonces; a signer that is not in the package.
    assert_eq!(
        pkg.sign(id(1), &sk, b).err(),
        Some(FrostError::SignerCommitment)
    );
    assert_eq!(pkg.lambda(id(3)).err(), Some(FrostError::SignerCommitment));
    assert!(!pkg.verify_share(id(3), &sk.public_point(), &Scalar::one()));
    assert_eq!(
        derive_interpolating_value(&[id(1), id(2)], id(3)).err(),
        Some(FrostError::CommitmentList)
    );
    drop(a);
}

/// RFC 9591 Section 4.2: a participant list with a repeated identifier is refused by the
/// interpolation itself, not only by the signing package.
#[test]
fn interpolation_refuses_repeated_identifiers() {
    use tandem_protocol::eddsa::frost::{FrostError, Identifier, derive_interpolating_value};
    let id = |n: u16| Identifier::new(n).unwrap();
    for list in [
        vec![id(1), id(2), id(2)],
        vec![id(1), id(1), id(2)],
        vec![id(2), id(1), id(2)],
    ] {
        assert!(matches!(
            derive_interpolating_value(&list, id(1)),
            Err(FrostError::CommitmentList)
        ));
    }
    assert!(derive_interpolating_value(&[id(1), id(2)], id(1)).is_ok());
}
