//! A dishonest peer in backup, recovery and refresh: every field of every message tampered,
//! replays across sessions and operations. The honest party names the culprit and keeps its
//! previous shares (the protocol only borrows them; they still sign afterwards).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use tandem_curves::{Curve, Ed25519, Point, Scalar, Secp256k1};
use tandem_protocol::BackupShare;
use tandem_protocol::driver::reshare;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::reshare::{
    self, ClientConfirmMsg, CommitMsg, Seed, ServerConfirmMsg, ServerSeedMsg,
};
use tandem_protocol::reshare::{Backup, Operation, Recover, Refresh};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Check, Error, KeyShare, Misuse, ProtocolId, Refusal, Role, SessionId};
use tandem_testkit::message::{rng, signing_pair, tamper};

/// A named edit of a message payload and the check it must trip.
type Case<M> = (&'static str, Box<dyn Fn(&mut M)>, Check);

fn err<T>(r: Result<T, Error>) -> Error {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

fn misbehaved(culprit: Role, check: Check) -> impl Fn(&Error) -> bool {
    move |e| matches!(e, Error::Misbehaved { culprit: c, check: k } if *c == culprit && *k == check)
}

/// Runs `O` by hand with one message altered; returns the first error.
fn run_tampered<O: Operation, C: Curve>(
    client: &O::Source<C>,
    server: &O::Source<C>,
    alter: impl Fn(u8, Vec<u8>) -> Vec<u8>,
) -> Error {
    let mut tap = |role: Role, msg: &mut Vec<u8>| {
        let round = tandem_protocol::Message::from_bytes(msg)
            .unwrap()
            .header
            .round;
        let _ = role;
        *msg = alter(round, msg.clone());
    };
    match reshare::<O, C, _, _, _>(client, server, &mut rng(1), &mut rng(2), &mut tap) {
        Ok(_) => panic!("tampered run succeeded"),
        Err(e) => e,
    }
}

fn g<C: Curve>() -> Point<C> {
    Scalar::<C>::one().mul_base()
}

/// Every field of every message, for one operation on one curve.
fn every_field<O: Operation, C: Curve>(client: &O::Source<C>, server: &O::Source<C>) {
    // Message 1: the commitment (then the opening no longer matches) and the source id.
    let e = run_tampered::<O, C>(client, server, |r, m| {
        if r == reshare::round::COMMIT {
            tamper(&m, |p: &mut CommitMsg| p.commitment.0[0] ^= 1)
        } else {
            m
        }
    });
    assert!(
        misbehaved(Role::Client, Check::CommitmentOpening)(&e),
        "{e:?}"
    );
    let e = run_tampered::<O, C>(client, server, |r, m| {
        if r == reshare::round::COMMIT {
            tamper(&m, |p: &mut CommitMsg| p.source[0] ^= 1)
        } else {
            m
        }
    });
    assert!(
        matches!(
            e,
            Error::Refused {
                sender: Role::Client,
                reason: Refusal::KeyShareMismatch
            }
        ),
        "{e:?}"
    );
    // Message 2: a server that announces one seed but uses another. The client derives its
    // share from the announced seed; the server (dishonest) cannot get past the client's
    // confirmation, and the client stores nothing (it never receives message 4).
    let e = run_tampered::<O, C>(client, server, |r, m| {
        if r == reshare::round::SERVER_SEED {
            tamper(&m, |p: &mut ServerSeedMsg<C>| {
                let mut b = *p.seed.as_bytes();
                b[0] ^= 1;
                p.seed = Seed::from_bytes(b);
            })
        } else {
            m
        }
    });
    assert!(misbehaved(Role::Client, Check::NewPublicShare)(&e), "{e:?}");
    // ... or another ephemeral key than the one it uses.
    let e = run_tampered::<O, C>(client, server, |r, m| {
        if r == reshare::round::SERVER_SEED {
            tamper(&m, |p: &mut ServerSeedMsg<C>| {
                p.ephemeral = p.ephemeral + g::<C>()
            })
        } else {
            m
        }
    });
    assert!(misbehaved(Role::Client, Check::NewPublicShare)(&e), "{e:?}");
    // Message 3: seed, opening, new public share, proof commitment, proof response.
    let cases: [Case<ClientConfirmMsg<C>>; 6] = [
        (
            "ephemeral key",
            Box::new(|p| p.ephemeral = p.ephemeral + g::<C>()),
            Check::CommitmentOpening,
        ),
        (
            "seed",
            Box::new(|p| {
                let mut b = *p.seed.as_bytes();
                b[31] ^= 0x80;
                p.seed = Seed::from_bytes(b);
            }),
            Check::CommitmentOpening,
        ),
        (
            "opening",
            Box::new(|p| p.opening.0[5] ^= 1),
            Check::CommitmentOpening,
        ),
        (
            "new public share",
            Box::new(|p| p.new_public_share = p.new_public_share + g::<C>()),
            Check::NewPublicShare,
        ),
        (
            "proof commitment",
            Box::new(|p| p.proof.commitment = p.proof.commitment + g::<C>()),
            Check::SchnorrProof,
        ),
        (
            "proof response",
            Box::new(|p| p.proof.response = p.proof.response + Scalar::one()),
            Check::SchnorrProof,
        ),
    ];
    for (name, f, check) in cases {
        let e = run_tampered::<O, C>(client, server, |r, m| {
            if r == reshare::round::CLIENT_CONFIRM {
                tamper(&m, |p: &mut ClientConfirmMsg<C>| f(p))
            } else {
                m
            }
        });
        assert!(misbehaved(Role::Client, check)(&e), "{name}: {e:?}");
    }
    // Message 4: the server's new public share and proof.
    let cases: [Case<ServerConfirmMsg<C>>; 4] = [
        (
            "new public share",
            Box::new(|p| p.new_public_share = p.new_public_share - g::<C>()),
            Check::NewPublicShare,
        ),
        (
            "new public share = client's",
            Box::new(|p| p.new_public_share = -p.new_public_share),
            Check::NewPublicShare,
        ),
        (
            "proof commitment",
            Box::new(|p| p.proof.commitment = -p.proof.commitment),
            Check::SchnorrProof,
        ),
        (
            "proof response",
            Box::new(|p| p.proof.response = -p.proof.response),
            Check::SchnorrProof,
        ),
    ];
    for (name, f, check) in cases {
        let e = run_tampered::<O, C>(client, server, |r, m| {
            if r == reshare::round::SERVER_CONFIRM {
                tamper(&m, |p: &mut ServerConfirmMsg<C>| f(p))
            } else {
                m
            }
        });
        assert!(misbehaved(Role::Server, check)(&e), "{name}: {e:?}");
    }
}

#[test]
fn every_field_of_every_message_is_checked_ed25519() {
    let (c, s) = signing_pair::<Ed25519>(10);
    every_field::<Backup, Ed25519>(&c, &s);
    every_field::<Refresh, Ed25519>(&c, &s);
    let (bc, bk) =
        reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng(3), &mut rng(4), &mut NoTap).unwrap();
    every_field::<Recover, Ed25519>(&bc, &bk);
    // The honest parties kept their shares: they still sign, and still back up.
    driver::eddsa_sign(&c, &s, b"still here", &mut rng(5), &mut rng(6), &mut NoTap).unwrap();
    reshare::<Recover, Ed25519, _, _, _>(&bc, &bk, &mut rng(7), &mut rng(8), &mut NoTap).unwrap();
}

#[test]
fn every_field_of_every_message_is_checked_secp256k1() {
    let (c, s) = signing_pair::<Secp256k1>(20);
    every_field::<Backup, Secp256k1>(&c, &s);
    every_field::<Refresh, Secp256k1>(&c, &s);
    let (bc, bk) =
        reshare::<Backup, Secp256k1, _, _, _>(&c, &s, &mut rng(3), &mut rng(4), &mut NoTap)
            .unwrap();
    every_field::<Recover, Secp256k1>(&bc, &bk);
}

#[test]
fn shares_of_another_wallet_or_pair_are_refused() {
    let (c, s) = signing_pair::<Ed25519>(30);
    let (_, s_other) = signing_pair::<Ed25519>(40);
    let e = reshare::<Backup, Ed25519, _, _, _>(&c, &s_other, &mut rng(1), &mut rng(2), &mut NoTap)
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Refused {
                sender: Role::Client,
                reason: Refusal::KeyShareMismatch
            }
        ),
        "{e:?}"
    );
    // A backup pair and a signing share do not reshare together: a recovered client share
    // with the old custodian share of another backup.
    let (bc, bk) =
        reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng(3), &mut rng(4), &mut NoTap).unwrap();
    let (bc2, _bk2) =
        reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng(5), &mut rng(6), &mut NoTap).unwrap();
    let e = reshare::<Recover, Ed25519, _, _, _>(&bc2, &bk, &mut rng(7), &mut rng(8), &mut NoTap)
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Refused {
                sender: Role::Client,
                reason: Refusal::KeyShareMismatch
            }
        ),
        "{e:?}"
    );
    // The wrong side: a client starting with the server's share, a custodian share as client.
    let e = err(reshare::client_start::<Backup, Ed25519, _>(
        &s,
        SessionId::random(&mut rng(9)),
        &mut rng(9),
    ));
    assert!(
        matches!(e, Error::Misuse(Misuse::WrongRole { .. })),
        "{e:?}"
    );
    let e = err(reshare::client_start::<Recover, Ed25519, _>(
        &bk,
        SessionId::random(&mut rng(9)),
        &mut rng(9),
    ));
    assert!(
        matches!(e, Error::Misuse(Misuse::WrongRole { .. })),
        "{e:?}"
    );
    drop(bc);
}

#[test]
fn replays_across_sessions_operations_and_curves_are_refused() {
    let (c, s) = signing_pair::<Ed25519>(50);
    let (ck, sk) = signing_pair::<Secp256k1>(60);
    let session = SessionId::random(&mut rng(1));
    let (client, m1) =
        reshare::client_start::<Backup, Ed25519, _>(&c, session, &mut rng(2)).unwrap();
    // Another operation: a backup request offered to a refresh server.
    let e = err(reshare::server_respond::<Refresh, Ed25519, _>(
        &s,
        &m1,
        &mut rng(3),
    ));
    assert!(
        matches!(
            e,
            Error::Refused {
                reason: Refusal::WrongProtocol {
                    expected: ProtocolId::Refresh,
                    got: ProtocolId::Backup
                },
                ..
            }
        ),
        "{e:?}"
    );
    // An unknown wire version (the envelope's first byte): refused, naming the client.
    let mut v2 = m1.clone();
    assert_eq!(v2[0], 2);
    v2[0] = 3;
    assert_eq!(
        err(reshare::server_respond::<Backup, Ed25519, _>(
            &s,
            &v2,
            &mut rng(3)
        )),
        Error::Refused {
            sender: Role::Client,
            reason: Refusal::UnsupportedVersion(3)
        }
    );
    // Another curve.
    let e = err(reshare::server_respond::<Backup, Secp256k1, _>(
        &sk,
        &m1,
        &mut rng(3),
    ));
    assert!(
        matches!(
            e,
            Error::Refused {
                reason: Refusal::WrongCurve { .. },
                ..
            }
        ),
        "{e:?}"
    );
    drop(ck);
    // Message 2 of another session.
    let (_other, m1b) = reshare::client_start::<Backup, Ed25519, _>(
        &c,
        SessionId::random(&mut rng(4)),
        &mut rng(5),
    )
    .unwrap();
    let (_s_other, m2_other) =
        reshare::server_respond::<Backup, Ed25519, _>(&s, &m1b, &mut rng(6)).unwrap();
    let e = client
        .receive(&c, &m2_other, &mut rng(7))
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Refused {
                reason: Refusal::WrongSession,
                ..
            }
        ),
        "{e:?}"
    );
    // The client's own message reflected back to it.
    let (client, m1) =
        reshare::client_start::<Backup, Ed25519, _>(&c, session, &mut rng(2)).unwrap();
    let e = client
        .receive(&c, &m1, &mut rng(7))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(e, Error::Refused { .. }), "{e:?}");
    // Message 3 replayed into a new run of the same operation (fresh server seed).
    let (client, m1) =
        reshare::client_start::<Backup, Ed25519, _>(&c, session, &mut rng(2)).unwrap();
    let (server, m2) = reshare::server_respond::<Backup, Ed25519, _>(&s, &m1, &mut rng(8)).unwrap();
    let (_client, m3) = client.receive(&c, &m2, &mut rng(9)).unwrap();
    let (_done, _m4) = server.receive(&s, &m3, &mut rng(10)).unwrap();
    let (server2, _) =
        reshare::server_respond::<Backup, Ed25519, _>(&s, &m1, &mut rng(11)).unwrap();
    let e = server2
        .receive(&s, &m3, &mut rng(12))
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Misbehaved {
                culprit: Role::Client,
                check: Check::NewPublicShare
            }
        ),
        "{e:?}"
    );
}

#[test]
fn saved_states_resume_and_check_the_share() {
    let (c, s) = signing_pair::<Secp256k1>(70);
    let session = SessionId::random(&mut rng(1));
    let (client, m1) =
        reshare::client_start::<Refresh, Secp256k1, _>(&c, session, &mut rng(2)).unwrap();
    let (server, m2) =
        reshare::server_respond::<Refresh, Secp256k1, _>(&s, &m1, &mut rng(3)).unwrap();
    // The server keeps its half-finished run between two requests.
    let saved = server.save().unwrap();
    // A state saved for one operation does not restore as another.
    assert!(
        reshare::ServerAwaitingOpening::<Backup, Secp256k1>::restore(
            tandem_curves::CurveId::Secp256k1,
            &saved
        )
        .is_err()
    );
    let server = reshare::ServerAwaitingOpening::<Refresh, Secp256k1>::restore(
        tandem_curves::CurveId::Secp256k1,
        &saved,
    )
    .unwrap();
    let (client, m3) = client.receive(&c, &m2, &mut rng(4)).unwrap();
    // Resuming with another share than the one the run started with is refused.
    let (_, s_other) = signing_pair::<Secp256k1>(80);
    let server_copy = reshare::ServerAwaitingOpening::<Refresh, Secp256k1>::restore(
        tandem_curves::CurveId::Secp256k1,
        &saved,
    )
    .unwrap();
    let e = server_copy
        .receive(&s_other, &m3, &mut rng(5))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(e, Error::Misuse(Misuse::KeyShareChanged)), "{e:?}");
    let (s1, m4) = server.receive(&s, &m3, &mut rng(5)).unwrap();
    let c1: KeyShare<Secp256k1> = client.receive(&m4).unwrap();
    assert_eq!(c1.sharing_id(), s1.sharing_id());
    assert_eq!(c1.public_key(), c.public_key());
}

#[test]
fn backup_shares_round_trip_and_refuse_tampering() {
    let (c, s) = signing_pair::<Ed25519>(90);
    let (bc, bk) =
        reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    for share in [&bc, &bk] {
        let bytes = share.to_bytes().unwrap();
        let back = BackupShare::<Ed25519>::from_bytes(&bytes).unwrap();
        assert_eq!(back.kind(), share.kind());
        assert_eq!(back.sharing_id(), share.sharing_id());
        assert_eq!(back.to_bytes().unwrap(), bytes);
        // Another curve, every single-byte corruption, truncation, an unknown version.
        assert!(BackupShare::<Secp256k1>::from_bytes(&bytes).is_err());
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(
                BackupShare::<Ed25519>::from_bytes(&bad).is_err(),
                "byte {i} flipped"
            );
        }
        for n in 0..bytes.len() {
            assert!(BackupShare::<Ed25519>::from_bytes(&bytes[..n]).is_err());
        }
        let mut v3 = bytes.clone();
        v3[0] = 3;
        assert!(matches!(
            BackupShare::<Ed25519>::from_bytes(&v3),
            Err(Error::Storage(
                tandem_protocol::DecodeError::UnsupportedVersion(3)
            ))
        ));
        // A signing share is not a backup share, and the other way round.
        assert!(KeyShare::<Ed25519>::from_bytes(&bytes).is_err());
    }
    assert!(BackupShare::<Ed25519>::from_bytes(&c.to_bytes().unwrap()).is_err());
    // Debug never prints the secret.
    let dbg = format!("{bc:?}");
    assert!(dbg.contains("redacted"));
}
