//! The message envelope: every header check, strict decoding, size limit, truncation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use tandem_curves::{CurveId, Ed25519, Secp256k1};
use tandem_protocol::codec::MAX_ENCODED_LEN;
use tandem_protocol::keygen;
use tandem_protocol::message::peek_header;
use tandem_protocol::{DecodeError, Error, Message, ProtocolId, Refusal, Role, SessionId};
use tandem_testkit::message::{rng, with_header};

/// The client's state after round 1 and the server's round 2. The state lives in memory (it
/// is not saveable: its Schnorr nonce is committed in V_c, CGGMP21 Fig. 5); each test builds
/// it afresh from the same seeds, and no test gets two proofs out of one such state.
fn round2() -> (keygen::ClientAwaitingServerShare<Ed25519>, Vec<u8>) {
    let mut crng = rng(1);
    let mut srng = rng(2);
    let (client, m1) =
        keygen::client_start::<Ed25519, _>(SessionId::random(&mut crng), &mut crng).unwrap();
    let (_server, m2) = keygen::server_respond::<Ed25519, _>(&m1, &mut srng).unwrap();
    (client, m2)
}

fn refused(r: Result<impl Sized, Error>) -> Refusal {
    match r {
        Err(Error::Refused { sender, reason }) => {
            assert_eq!(sender, Role::Server, "blame names the peer");
            reason
        }
        Err(e) => panic!("expected a refusal, got {e:?}"),
        Ok(_) => panic!("expected a refusal, got success"),
    }
}

fn malformed(r: Result<impl Sized, Error>) -> DecodeError {
    match r {
        Err(Error::Malformed { sender, reason }) => {
            assert_eq!(sender, Role::Server, "blame names the peer");
            reason
        }
        Err(e) => panic!("expected malformed, got {e:?}"),
        Ok(_) => panic!("expected malformed, got success"),
    }
}

#[test]
fn honest_message_is_accepted() {
    let (client, m2) = round2();
    assert!(client.receive(&m2).is_ok());
}

#[test]
fn message_from_another_session_is_refused() {
    let (client, _) = round2();
    let (_, other) = {
        let mut crng = rng(9);
        let mut srng = rng(10);
        let (c, m1) =
            keygen::client_start::<Ed25519, _>(SessionId::random(&mut crng), &mut crng).unwrap();
        let (_, m2) = keygen::server_respond::<Ed25519, _>(&m1, &mut srng).unwrap();
        (c, m2)
    };
    assert_eq!(refused(client.receive(&other)), Refusal::WrongSession);
}

#[test]
fn message_for_another_round_is_refused() {
    let (client, m2) = round2();
    let bumped = with_header(&m2, |h| h.round = 4);
    assert_eq!(
        refused(client.receive(&bumped)),
        Refusal::WrongRound {
            expected: 2,
            got: 4
        }
    );
    let (client, m2) = round2();
    let earlier = with_header(&m2, |h| h.round = 1);
    assert_eq!(
        refused(client.receive(&earlier)),
        Refusal::WrongRound {
            expected: 2,
            got: 1
        }
    );
}

#[test]
fn duplicate_message_is_refused_by_the_next_state() {
    // The client consumed round 2 and now waits for round 4; the same round 2 again is refused.
    let (client, m2) = round2();
    let (client, _m3) = client.receive(&m2).unwrap();
    match client.receive(&m2) {
        Err(Error::Refused {
            sender: Role::Server,
            reason:
                Refusal::WrongRound {
                    expected: 4,
                    got: 2,
                },
        }) => {}
        other => panic!("duplicate not refused: {:?}", other.map(|_| ())),
    }
}

#[test]
fn wrong_sender_protocol_curve_and_version_are_refused() {
    let (client, m2) = round2();
    let as_client = with_header(&m2, |h| h.sender = Role::Client);
    assert_eq!(
        refused(client.receive(&as_client)),
        Refusal::WrongSender { got: Role::Client }
    );

    let (client, m2) = round2();
    let other_protocol = with_header(&m2, |h| h.protocol = ProtocolId::EddsaSign);
    assert_eq!(
        refused(client.receive(&other_protocol)),
        Refusal::WrongProtocol {
            expected: ProtocolId::Keygen,
            got: ProtocolId::EddsaSign
        }
    );

    let (client, m2) = round2();
    let other_curve = with_header(&m2, |h| h.curve = CurveId::Secp256k1);
    assert_eq!(
        refused(client.receive(&other_curve)),
        Refusal::WrongCurve {
            expected: CurveId::Ed25519,
            got: CurveId::Secp256k1
        }
    );

    let (client, m2) = round2();
    let v2 = with_header(&m2, |h| h.version = 3);
    assert_eq!(refused(client.receive(&v2)), Refusal::UnsupportedVersion(3));
    // A peer of wire version 1 (before chain codes) is refused by version.
    let (client, m2) = round2();
    let v1 = with_header(&m2, |h| h.version = 1);
    assert_eq!(refused(client.receive(&v1)), Refusal::UnsupportedVersion(1));
}

#[test]
fn a_secp256k1_round1_is_refused_by_an_ed25519_server() {
    let mut r = rng(3);
    let (_, m1) = keygen::client_start::<Secp256k1, _>(SessionId::random(&mut r), &mut r).unwrap();
    match keygen::server_respond::<Ed25519, _>(&m1, &mut r) {
        Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::WrongCurve { .. },
        }) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn every_truncation_is_malformed_never_a_panic() {
    let (_, m2) = round2();
    for len in 0..m2.len() {
        let (client, _) = round2();
        let reason = malformed(client.receive(&m2[..len]));
        assert!(
            matches!(
                reason,
                DecodeError::Truncated | DecodeError::NonCanonical | DecodeError::InvalidValue
            ),
            "prefix {len}: {reason:?}"
        );
    }
}

#[test]
fn trailing_bytes_and_non_canonical_varints_are_malformed() {
    let (client, m2) = round2();
    let mut long = m2.clone();
    long.push(0);
    assert_eq!(malformed(client.receive(&long)), DecodeError::TrailingBytes);

    // Trailing bytes inside the payload.
    let (client, m2) = round2();
    let mut msg = Message::from_bytes(&m2).unwrap();
    msg.payload.push(0);
    assert_eq!(
        malformed(client.receive(&msg.to_bytes().unwrap())),
        DecodeError::TrailingBytes
    );

    // The version varint 2 written over-long as [0x82, 0x00] decodes to the same value but is
    // not canonical.
    let (client, m2) = round2();
    assert_eq!(m2[0], 2);
    let mut overlong = vec![0x82, 0x00];
    overlong.extend_from_slice(&m2[1..]);
    assert_eq!(
        malformed(client.receive(&overlong)),
        DecodeError::NonCanonical
    );
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let (client, m2) = round2();
    let mut huge = m2.clone();
    huge.resize(MAX_ENCODED_LEN + 1, 0);
    assert!(matches!(
        malformed(client.receive(&huge)),
        DecodeError::TooLarge { .. }
    ));
}

#[test]
fn peek_header_reads_the_session() {
    let mut r = rng(4);
    let sid = SessionId::random(&mut r);
    let (_, m1) = keygen::client_start::<Ed25519, _>(sid, &mut r).unwrap();
    let h = peek_header(&m1).unwrap();
    assert_eq!(h.session, sid);
    assert_eq!(h.round, 1);
    assert_eq!(h.sender, Role::Client);
    assert_eq!(h.curve, CurveId::Ed25519);
}
