//! The server's presigning state between messages 2 and 3 in its one stored form,
//! `ecdsa::presign::spend_once`: saved and restored it finishes the run (the presignatures
//! sign); its header is checked; and, restored twice with two client messages 3, it makes two
//! presignatures under one nonce, which is why its store must take each copy once (the
//! server's transaction) and why it is no `SessionState`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_curves::CurveId;
use tandem_protocol::DecodeError;
use tandem_protocol::SessionId;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::presign::{self, spend_once};
use tandem_protocol::stored::{self, StoredKind};
use tandem_testkit::ecdsa::fixture_pair;
use tandem_testkit::message::rng;

#[test]
fn a_saved_state_finishes_the_run_and_its_header_is_checked() {
    let pair = fixture_pair();
    let (client, m1) =
        presign::client_start(&pair.client, SessionId([5; 32]), &mut rng(1)).unwrap();
    let (server, m2) = presign::server_respond(&pair.server, &m1, &mut rng(2)).unwrap();
    let saved = spend_once::save(server).unwrap();
    let header = stored::peek(&saved).unwrap();
    assert!(matches!(header.kind, StoredKind::SpendOnceSession { .. }));
    assert_eq!(header.curve, CurveId::Secp256k1);

    let (client, m3) = client.receive(&pair.client, &m2, &mut rng(3)).unwrap();
    let server = spend_once::restore(&saved).unwrap();
    let (server_presig, m4) = server.receive(&pair.server, &m3, &mut rng(4)).unwrap();
    let client_presig = client.receive(&pair.client, &m4).unwrap();
    assert_eq!(client_presig.id(), server_presig.id());
    let (a, b) = driver::ecdsa_sign(
        &pair.client,
        &pair.server,
        client_presig,
        server_presig,
        &[9; 32],
        &mut rng(5),
        &mut rng(6),
        &mut NoTap,
    )
    .unwrap();
    assert_eq!(a, b);

    // Refused: truncated, another version, another kind.
    assert!(spend_once::restore(&saved[..saved.len() - 1]).is_err());
    let mut other_version = saved.to_vec();
    other_version[0] ^= 0x7f;
    assert!(matches!(
        spend_once::restore(&other_version),
        Err(DecodeError::UnsupportedVersion(_))
    ));
    let share = pair.server.to_bytes().unwrap();
    assert_eq!(
        spend_once::restore(&share).err(),
        Some(DecodeError::WrongKind)
    );
}

#[test]
fn restored_twice_it_makes_twin_presignatures() {
    let pair = fixture_pair();
    // One client message 1 (same seed), two different messages 3 (other seeds).
    let start = || presign::client_start(&pair.client, SessionId([6; 32]), &mut rng(11)).unwrap();
    let (client_a, m1) = start();
    let (client_b, m1_again) = start();
    assert_eq!(m1, m1_again);
    let (server, m2) = presign::server_respond(&pair.server, &m1, &mut rng(12)).unwrap();
    let saved = spend_once::save(server).unwrap();
    let (_, m3_a) = client_a.receive(&pair.client, &m2, &mut rng(13)).unwrap();
    let (_, m3_b) = client_b.receive(&pair.client, &m2, &mut rng(14)).unwrap();
    assert_ne!(m3_a, m3_b);
    let (twin_a, _) = spend_once::restore(&saved)
        .unwrap()
        .receive(&pair.server, &m3_a, &mut rng(15))
        .unwrap();
    let (twin_b, _) = spend_once::restore(&saved)
        .unwrap()
        .receive(&pair.server, &m3_b, &mut rng(16))
        .unwrap();
    // Two presignatures with one id and one R: one signature with each reveals the key.
    // The server's store must therefore spend the saved bytes by one atomic take.
    assert_eq!(twin_a.id(), twin_b.id());
    assert_eq!(twin_a.r(), twin_b.r());
}
