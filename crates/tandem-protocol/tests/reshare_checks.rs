//! Checks listed in `CHECKS.md` that no other test provoked: each test crafts the bad input,
//! asserts the exact error variant and, where the error names one, the culprit.
//!
//! Checks on private fields of saved states, stored backup shares and envelopes are unit
//! tests next to the types (`src/reshare/tests.rs`, `src/share.rs`, `src/envelope/tests.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use curve25519_dalek::constants::EIGHT_TORSION;
use tandem_curves::Ed25519;
use tandem_protocol::reshare::Backup;
use tandem_protocol::reshare::{self as rs, ClientConfirmMsg, ServerSeedMsg};
use tandem_protocol::{DecodeError, Error, Message, Misuse, Role, SessionId};
use tandem_testkit::message::{payload, rng, signing_pair, with_payload};

/// `msg` with the 32-byte encoding `from` in its payload replaced by `to` (a value the typed
/// message cannot hold, so that the receiver's decoder is what refuses it).
fn substituted(msg: &[u8], from: &[u8], to: &[u8; 32]) -> Vec<u8> {
    let mut p = Message::from_bytes(msg).unwrap().payload;
    let at = p.windows(from.len()).position(|w| w == from).unwrap();
    assert_eq!(
        p.windows(from.len()).filter(|w| *w == from).count(),
        1,
        "one occurrence"
    );
    p[at..at + from.len()].copy_from_slice(to);
    with_payload(msg, p)
}

// ---------------------------------------------------------------------------------------
// Resharing (CGGMP21 Fig. 6 specialised; `reshare.rs`).

#[test]
fn client_state_only_accepts_its_own_source_share() {
    let (c, s) = signing_pair::<Ed25519>(1);
    let (c_other, _) = signing_pair::<Ed25519>(3);
    let sid = SessionId([1; 32]);
    let (client, m1) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(5)).unwrap();
    let (_, m2) = rs::server_respond::<Backup, Ed25519, _>(&s, &m1, &mut rng(6)).unwrap();
    assert_eq!(
        client.receive(&c_other, &m2, &mut rng(7)).map(|_| ()).err(),
        Some(Error::Misuse(Misuse::KeyShareChanged))
    );
    let (client, _) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(5)).unwrap();
    assert!(matches!(
        client.receive(&s, &m2, &mut rng(7)).map(|_| ()),
        Err(Error::Misuse(Misuse::WrongRole { .. }))
    ));
    // The server's side answered with the client's share.
    assert_eq!(
        rs::server_respond::<Backup, Ed25519, _>(&c, &m1, &mut rng(8))
            .map(|_| ())
            .err(),
        Some(Error::Misuse(Misuse::WrongRole {
            expected: Role::Server,
            got: Role::Client
        }))
    );
}

#[test]
fn invalid_ephemeral_keys_are_malformed() {
    let (c, s) = signing_pair::<Ed25519>(10);
    let sid = SessionId([2; 32]);
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let bad_points: [(&str, [u8; 32]); 3] = [
        ("identity", identity),
        ("small order", EIGHT_TORSION[1].compress().to_bytes()),
        (
            "mixed order",
            (curve25519_dalek::constants::ED25519_BASEPOINT_POINT + EIGHT_TORSION[2])
                .compress()
                .to_bytes(),
        ),
    ];
    for (name, point) in bad_points {
        // The server's E_s, seen by the client.
        let (client, m1) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(11)).unwrap();
        let (server, m2) = rs::server_respond::<Backup, Ed25519, _>(&s, &m1, &mut rng(12)).unwrap();
        let honest = payload::<ServerSeedMsg<Ed25519>>(&m2).ephemeral;
        let bad = substituted(&m2, &honest.to_bytes().unwrap(), &point);
        assert_eq!(
            client.receive(&c, &bad, &mut rng(13)).map(|_| ()).err(),
            Some(Error::Malformed {
                sender: Role::Server,
                reason: DecodeError::InvalidValue
            }),
            "{name}"
        );
        // The client's E_c, seen by the server.
        let (client, _) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(11)).unwrap();
        let (_, m3) = client.receive(&c, &m2, &mut rng(13)).unwrap();
        let honest = payload::<ClientConfirmMsg<Ed25519>>(&m3).ephemeral;
        let bad = substituted(&m3, &honest.to_bytes().unwrap(), &point);
        assert_eq!(
            server.receive(&s, &bad, &mut rng(14)).map(|_| ()).err(),
            Some(Error::Malformed {
                sender: Role::Client,
                reason: DecodeError::InvalidValue
            }),
            "{name}"
        );
    }
}
