//! Two-party key generation on both curves: completeness and every check against a
//! dishonest peer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use curve25519_dalek::constants::EIGHT_TORSION;
use proptest::prelude::*;
use tandem_curves::{Curve, Ed25519, Point, Scalar, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::keygen::{self, ClientOpeningMsg, ServerProofMsg, ServerShareMsg};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Check, DecodeError, Error, KeyShare, Role, SessionId};
use tandem_testkit::message::{bytes_field, rng, tamper, with_payload};

fn complete<C: Curve>(seed: u64) {
    let (c, s) =
        driver::keygen::<C, _, _, _>(&mut rng(seed), &mut rng(seed ^ 0xff), &mut NoTap).unwrap();
    assert_eq!(c.role(), Role::Client);
    assert_eq!(s.role(), Role::Server);
    assert_eq!(c.public_key(), s.public_key());
    assert_eq!(c.public_shares(), s.public_shares());
    assert_eq!(c.sharing_id(), s.sharing_id());
    // x_c + x_s is the discrete log of X.
    let x =
        Scalar::<C>::new(*c.secret().expose_secret()) + Scalar::new(*s.secret().expose_secret());
    assert_eq!(x.mul_base(), c.public_key());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn keygen_completes_on_both_curves(seed in any::<u64>()) {
        complete::<Secp256k1>(seed);
        complete::<Ed25519>(seed);
    }
}

#[test]
fn different_seeds_give_different_keys() {
    let (a, _) = driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    let (b, _) = driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(3), &mut NoTap).unwrap();
    assert_ne!(
        a.public_key(),
        b.public_key(),
        "the server's contribution changes the key"
    );
}

/// Runs keygen with a tap that alters one message, returns the error.
fn attack<C: Curve>(victim_sees: Role, f: impl FnMut(Role, &mut Vec<u8>)) -> Error {
    let mut tap = f;
    let err = driver::keygen::<C, _, _, _>(&mut rng(5), &mut rng(6), &mut tap).unwrap_err();
    assert_eq!(err.culprit(), Some(victim_sees.peer()), "{err:?}");
    err
}

fn misbehaved(err: &Error) -> Check {
    match err {
        Error::Misbehaved { check, .. } => *check,
        other => panic!("expected misbehaviour, got {other:?}"),
    }
}

fn client_opening_attacks<C: Curve>() {
    // Tampered rid, public share or Schnorr commitment: the opening no longer matches V_c.
    let e = attack::<C>(Role::Server, |from, m| {
        if from == Role::Client && support_round(m) == 3 {
            *m = tamper::<ClientOpeningMsg<C>>(m, |p| p.rid[0] ^= 1);
        }
    });
    assert_eq!(misbehaved(&e), Check::CommitmentOpening);
    let e = attack::<C>(Role::Server, |from, m| {
        if from == Role::Client && support_round(m) == 3 {
            *m = tamper::<ClientOpeningMsg<C>>(m, |p| {
                p.public_share = p.public_share + Point::generator()
            });
        }
    });
    assert_eq!(misbehaved(&e), Check::CommitmentOpening);
    let e = attack::<C>(Role::Server, |from, m| {
        if from == Role::Client && support_round(m) == 3 {
            *m = tamper::<ClientOpeningMsg<C>>(m, |p| p.opening.0[5] ^= 0x10);
        }
    });
    assert_eq!(misbehaved(&e), Check::CommitmentOpening);
    let e = attack::<C>(Role::Server, |from, m| {
        if from == Role::Client && support_round(m) == 3 {
            *m = tamper::<ClientOpeningMsg<C>>(m, |p| {
                p.proof.commitment = p.proof.commitment + Point::generator()
            });
        }
    });
    assert_eq!(misbehaved(&e), Check::CommitmentOpening);
    // A tampered response: the opening matches but the proof does not verify.
    let e = attack::<C>(Role::Server, |from, m| {
        if from == Role::Client && support_round(m) == 3 {
            *m = tamper::<ClientOpeningMsg<C>>(m, |p| {
                p.proof.response = p.proof.response + Scalar::one()
            });
        }
    });
    assert_eq!(misbehaved(&e), Check::SchnorrProof);
}

fn server_attacks<C: Curve>() {
    let e = attack::<C>(Role::Client, |from, m| {
        if from == Role::Server && support_round(m) == 4 {
            *m = tamper::<ServerProofMsg<C>>(m, |p| {
                p.proof.response = p.proof.response + Scalar::one()
            });
        }
    });
    assert_eq!(misbehaved(&e), Check::SchnorrProof);
    let e = attack::<C>(Role::Client, |from, m| {
        if from == Role::Server && support_round(m) == 4 {
            *m = tamper::<ServerProofMsg<C>>(m, |p| {
                p.proof.commitment = p.proof.commitment + Point::generator()
            });
        }
    });
    assert_eq!(misbehaved(&e), Check::SchnorrProof);
    // X_s altered in transit: the client proves over a view the server does not share, so
    // the server's check of the client's proof fails and nobody outputs a key share.
    let e = attack::<C>(Role::Server, |from, m| {
        if from == Role::Server && support_round(m) == 2 {
            *m = tamper::<ServerShareMsg<C>>(m, |p| {
                p.public_share = p.public_share + Point::generator()
            });
        }
    });
    assert_eq!(misbehaved(&e), Check::SchnorrProof);
}

fn support_round(m: &[u8]) -> u8 {
    tandem_protocol::message::peek_header(m).unwrap().round
}

#[test]
fn dishonest_client_is_named() {
    client_opening_attacks::<Secp256k1>();
    client_opening_attacks::<Ed25519>();
}

#[test]
fn dishonest_server_is_named() {
    server_attacks::<Secp256k1>();
    server_attacks::<Ed25519>();
}

#[test]
fn server_echoing_the_clients_share_is_caught() {
    // Two identical client states (same seed): learn X_c from the first, attack the second.
    let sid = SessionId([7; 32]);
    let (probe, m1) = keygen::client_start::<Ed25519, _>(sid, &mut rng(8)).unwrap();
    let (victim, _) = keygen::client_start::<Ed25519, _>(sid, &mut rng(8)).unwrap();
    let (_server, m2) = keygen::server_respond::<Ed25519, _>(&m1, &mut rng(9)).unwrap();
    let (_, m3) = probe.receive(&m2).unwrap();
    let x_c = tandem_protocol::codec::decode::<ClientOpeningMsg<Ed25519>>(
        &tandem_protocol::Message::from_bytes(&m3).unwrap().payload,
    )
    .unwrap()
    .public_share;
    let echo = tamper::<ServerShareMsg<Ed25519>>(&m2, |p| p.public_share = x_c);
    match victim.receive(&echo) {
        Err(Error::Misbehaved {
            culprit: Role::Server,
            check: Check::EchoedValue,
        }) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn client_cancelling_the_key_is_caught() {
    // X_s = -X_c would make the key the identity; the server cannot know X_c in round 2,
    // but the client checks anyway (defence in depth).
    let sid = SessionId([3; 32]);
    let (probe, m1) = keygen::client_start::<Secp256k1, _>(sid, &mut rng(10)).unwrap();
    let (victim, _) = keygen::client_start::<Secp256k1, _>(sid, &mut rng(10)).unwrap();
    let (_server, m2) = keygen::server_respond::<Secp256k1, _>(&m1, &mut rng(11)).unwrap();
    let (_, m3) = probe.receive(&m2).unwrap();
    let x_c = tandem_protocol::codec::decode::<ClientOpeningMsg<Secp256k1>>(
        &tandem_protocol::Message::from_bytes(&m3).unwrap().payload,
    )
    .unwrap()
    .public_share;
    let cancel = tamper::<ServerShareMsg<Secp256k1>>(&m2, |p| p.public_share = -x_c);
    match victim.receive(&cancel) {
        Err(Error::Misbehaved {
            culprit: Role::Server,
            check: Check::DegenerateResult,
        }) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}

fn raw_server_share(rid: &[u8; 32], point: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    bytes_field(&mut p, rid);
    bytes_field(&mut p, point);
    p
}

#[test]
fn invalid_points_from_the_server_are_malformed() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "small order",
            EIGHT_TORSION[1].compress().to_bytes().to_vec(),
        ),
        (
            "mixed order",
            (curve25519_dalek::constants::ED25519_BASEPOINT_POINT + EIGHT_TORSION[3])
                .compress()
                .to_bytes()
                .to_vec(),
        ),
        ("identity", {
            let mut b = [0u8; 32];
            b[0] = 1;
            b.to_vec()
        }),
        ("non-canonical y", {
            let mut b = [0xffu8; 32];
            b[0] = 0xee;
            b[31] = 0x7f;
            b.to_vec()
        }),
        ("short", vec![9u8; 31]),
    ];
    for (name, point) in cases {
        let (client, m1) =
            keygen::client_start::<Ed25519, _>(SessionId([1; 32]), &mut rng(12)).unwrap();
        let (_s, m2) = keygen::server_respond::<Ed25519, _>(&m1, &mut rng(13)).unwrap();
        let bad = with_payload(&m2, raw_server_share(&[0; 32], &point));
        match client.receive(&bad) {
            Err(Error::Malformed {
                sender: Role::Server,
                reason: DecodeError::InvalidValue,
            }) => {}
            other => panic!("{name}: {:?}", other.map(|_| ())),
        }
    }
    // secp256k1: off-curve x and x >= p.
    for point in [
        {
            let mut b = vec![0x02];
            b.extend_from_slice(&[0xff; 32]);
            b
        },
        vec![0x04; 33],
    ] {
        let (client, m1) =
            keygen::client_start::<Secp256k1, _>(SessionId([1; 32]), &mut rng(12)).unwrap();
        let (_s, m2) = keygen::server_respond::<Secp256k1, _>(&m1, &mut rng(13)).unwrap();
        let bad = with_payload(&m2, raw_server_share(&[0; 32], &point));
        assert!(matches!(
            client.receive(&bad),
            Err(Error::Malformed {
                sender: Role::Server,
                reason: DecodeError::InvalidValue
            })
        ));
    }
}

#[test]
fn every_saveable_state_survives_save_and_restore() {
    // The client's state after round 1 stays in memory: its Schnorr nonce is committed in V_c
    // (CGGMP21 Fig. 5 round 1), so it is not saveable (`tests/restore_twice.rs`).
    let sid = SessionId([4; 32]);
    let (client, m1) = keygen::client_start::<Secp256k1, _>(sid, &mut rng(20)).unwrap();
    let (server, m2) = keygen::server_respond::<Secp256k1, _>(&m1, &mut rng(21)).unwrap();
    let saved = server.save().unwrap();
    // Restoring for the wrong curve or as the wrong state is refused.
    assert_eq!(
        keygen::ServerAwaitingOpening::<Ed25519>::restore(Ed25519::ID, &saved).err(),
        Some(DecodeError::WrongCurve {
            expected: Ed25519::ID,
            got: Secp256k1::ID
        })
    );
    assert_eq!(
        keygen::ClientAwaitingServerProof::<Secp256k1>::restore(Secp256k1::ID, &saved).err(),
        Some(DecodeError::WrongKind)
    );
    let server =
        keygen::ServerAwaitingOpening::<Secp256k1>::restore(Secp256k1::ID, &saved).unwrap();
    let (client, m3) = client.receive(&m2).unwrap();
    let client = keygen::ClientAwaitingServerProof::<Secp256k1>::restore(
        Secp256k1::ID,
        &client.save().unwrap(),
    )
    .unwrap();
    let (s, m4) = server.receive(&m3, &mut rng(22)).unwrap();
    let c = client.receive(&m4).unwrap();
    assert_eq!(c.public_key(), s.public_key());
}

#[test]
fn key_share_storage_roundtrip_and_refusals() {
    let (c, s) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(30), &mut rng(31), &mut NoTap).unwrap();
    let bytes = c.to_bytes().unwrap();
    let back = KeyShare::<Ed25519>::from_bytes(&bytes).unwrap();
    assert_eq!(back.public_key(), c.public_key());
    assert_eq!(back.secret(), c.secret());
    assert!(
        !format!("{back:?}").contains(&base16ct::lower::encode_string(
            c.secret().to_bytes().as_slice()
        ))
    );

    // Another curve, version, truncation, trailing byte.
    assert!(matches!(
        KeyShare::<Secp256k1>::from_bytes(&bytes),
        Err(Error::Storage(DecodeError::WrongCurve { .. }))
    ));
    let mut v3 = bytes.clone();
    v3[0] = 3;
    assert!(matches!(
        KeyShare::<Ed25519>::from_bytes(&v3),
        Err(Error::Storage(DecodeError::UnsupportedVersion(3)))
    ));
    for len in 0..bytes.len() {
        assert!(KeyShare::<Ed25519>::from_bytes(&bytes[..len]).is_err());
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        KeyShare::<Ed25519>::from_bytes(&long),
        Err(Error::Storage(DecodeError::TrailingBytes))
    ));

    // A secret that does not match its public share (the server's secret in the client's file).
    let s_bytes = s.to_bytes().unwrap();
    let secret_at = s_bytes
        .windows(32)
        .position(|w| w == s.secret().to_bytes().as_slice())
        .unwrap();
    let mut swapped = bytes.clone();
    swapped[secret_at..secret_at + 32].copy_from_slice(s.secret().to_bytes().as_slice());
    assert!(matches!(
        KeyShare::<Ed25519>::from_bytes(&swapped),
        Err(Error::Storage(DecodeError::Inconsistent))
    ));
}
