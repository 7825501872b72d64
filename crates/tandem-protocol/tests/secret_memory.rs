//! Stored forms of secrets are wiped from memory when dropped (docs/security-checklist.md, "Secrets
//! at rest and in memory"): every serializer of a secret-bearing type returns a `Zeroizing` buffer.
//! Type-level: each `assert_wiped_on_drop` below fails to compile if a plain `Vec<u8>` comes back
//! (as it did before). The buffers inside the codec are checked by a unit test in `src/codec.rs`;
//! the big-integer temporaries of presigning by reading (CHECKS.md, MEM).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use tandem_curves::{CurveId, Ed25519, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{Presignature, PresignaturePool};
use tandem_protocol::stored::{self, SessionState, StoredKind};
use tandem_protocol::{KeyShare, SessionId, codec, keygen};
use tandem_testkit::ecdsa::PAIR;
use tandem_testkit::message::rng;
use zeroize::ZeroizeOnDrop;

fn assert_wiped_on_drop<T: ZeroizeOnDrop>(_: &T) {}

#[test]
fn key_shares_presignatures_pools_and_saved_states_are_stored_in_wiped_buffers() {
    let (c, _) = driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    let bytes = c.to_bytes().unwrap();
    assert_wiped_on_drop(&bytes);
    assert!(KeyShare::<Ed25519>::from_bytes(&bytes).is_ok());
    assert_wiped_on_drop(&PAIR.client.core().to_bytes().unwrap());
    assert_wiped_on_drop(&PAIR.client.to_bytes().unwrap());

    let (cp, sp) = driver::presign(
        &PAIR.client,
        &PAIR.server,
        &mut rng(3),
        &mut rng(4),
        &mut NoTap,
    )
    .unwrap();
    let bytes = cp.to_bytes().unwrap();
    assert_wiped_on_drop(&bytes);
    let pool = PresignaturePool::new(&PAIR.server);
    pool.insert(sp).unwrap();
    assert_wiped_on_drop(&pool.to_bytes().unwrap());
    assert!(Presignature::from_bytes(&bytes).is_ok());

    // `SessionState::save`, for the two saveable keygen states (each holds a key share's
    // secret).
    let (c, m1) = keygen::client_start::<Secp256k1, _>(SessionId([1; 32]), &mut rng(5)).unwrap();
    let (s, m2) = keygen::server_respond::<Secp256k1, _>(&m1, &mut rng(6)).unwrap();
    let saved = s.save().unwrap();
    assert_wiped_on_drop(&saved);
    assert!(
        keygen::ServerAwaitingOpening::<Secp256k1>::restore(CurveId::Secp256k1, &saved).is_ok()
    );
    let (c, _) = c.receive(&m2).unwrap();
    let saved = c.save().unwrap();
    assert_wiped_on_drop(&saved);
}

#[test]
fn the_stored_and_secret_encoders_return_wiped_buffers_with_unchanged_bytes() {
    let value = (3u8, [0x5a_u8; 32], vec![0xa5_u8; 3000]);
    let secret = codec::encode_secret(&value).unwrap();
    assert_wiped_on_drop(&secret);
    assert_eq!(secret.as_slice(), codec::encode(&value).unwrap().as_slice());
    let stored = stored::encode(StoredKind::KeyShare, CurveId::Ed25519, &value).unwrap();
    assert_wiped_on_drop(&stored);
    let back: (u8, [u8; 32], Vec<u8>) =
        stored::decode(StoredKind::KeyShare, CurveId::Ed25519, &stored).unwrap();
    assert_eq!(back, value);
}
