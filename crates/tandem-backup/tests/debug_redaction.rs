//! `Debug` of every secret-holding type of this crate shows none of its secrets
//! (docs/security-checklist.md, "Secrets at rest and in memory"): backup shares, resharing seeds
//! and states, envelope key sources, ejected keys. Built from known secrets; hex in both byte
//! orders and cases, limbs, byte lists and decimals are looked for; a state prints its name only
//! and no 8-byte window of its serde form shows. Also: stored backup shares come back in wiped
//! buffers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use tandem_backup::{Ed25519Key, KeySource, Secp256k1Key};
use tandem_curves::{Curve, Ed25519, Secp256k1, SecretScalar};
use tandem_protocol::hd::ChainCode;
use tandem_protocol::reshare::Backup;
use tandem_protocol::reshare::{self, ClientConfirmMsg, Seed, ServerSeedMsg};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{BackupKind, BackupShare};
use tandem_protocol::{Message, PublicShares, SessionId, codec};
use tandem_testkit::message::{rng, signing_pair};
use tandem_testkit::redaction::{assert_name_only, assert_redacted};

/// Two backup shares of one pair with the known secrets `a` and `b` (canonical encodings).
fn backup_pair<C: Curve>(a: [u8; 32], b: [u8; 32]) -> (BackupShare<C>, BackupShare<C>) {
    let (a, b) = (
        SecretScalar::<C>::from_bytes(&a).unwrap(),
        SecretScalar::<C>::from_bytes(&b).unwrap(),
    );
    let public = PublicShares {
        client: a.public_point(),
        server: b.public_point(),
    };
    (
        BackupShare::new(
            BackupKind::ClientBackup,
            a,
            public,
            ChainCode::from_bytes([3; 32]),
        )
        .unwrap(),
        BackupShare::new(
            BackupKind::CustodianBackup,
            b,
            public,
            ChainCode::from_bytes([3; 32]),
        )
        .unwrap(),
    )
}

/// Secrets below both group orders: `[x, 0x07, ...]` little or big endian alike.
fn secret(x: u8) -> [u8; 32] {
    let mut s = [0x07; 32];
    s[0] = x;
    s[31] = x;
    s
}

#[test]
fn backup_shares_and_ejected_keys_print_no_secret() {
    let (a, b) = (secret(0x0a), secret(0x0c));
    let (bc, bk) = backup_pair::<Secp256k1>(a, b);
    for share in [&bc, &bk] {
        let text = assert_redacted(share, &[&a, &b], &[]);
        assert!(text.contains("<redacted>"), "{text}");
        // Stored in a buffer wiped on drop (type-level: a `Vec<u8>` does not compile here).
        let stored = share.to_bytes().unwrap();
        assert_wiped_on_drop(&stored);
    }
    let key = Secp256k1Key::eject(&bc, &bk).unwrap();
    let x = key.to_bytes();
    assert_redacted(&key, &[&a, &b, &x[..]], &[]);
    let (ec, ek) = backup_pair::<Ed25519>(a, b);
    let key = Ed25519Key::eject(&ec, &ek).unwrap();
    let x = key.scalar_bytes();
    assert_redacted(&ec, &[&a, &b], &[]);
    assert_redacted(&key, &[&a, &b, &x[..]], &[]);
}

fn assert_wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}

#[test]
fn envelope_keys_print_no_secret() {
    let key = secret(0x0b);
    let password = b"987654321 correct horse";
    for source in [
        KeySource::RandomKey(&key),
        KeySource::Secret(&key),
        KeySource::Password(password),
    ] {
        let text = assert_redacted(&source, &[&key, &password[..]], &["987654321"]);
        assert!(text.ends_with("(<redacted>)"), "{text}");
    }
}

/// A state prints `name(<redacted>)`, and no window of its serde form shows.
fn state_is_redacted<T: std::fmt::Debug + serde::Serialize>(state: &T, name: &str) {
    assert_name_only(state, name, Some(&codec::encode_secret(state).unwrap()));
}

fn reshare_states_and_seeds_are_redacted<C: Curve>() {
    let (c, s) = signing_pair::<C>(10);
    let (cs, m1) =
        reshare::client_start::<Backup, C, _>(&c, SessionId([1; 32]), &mut rng(12)).unwrap();
    // Not serializable (not saveable): its name only.
    assert_name_only(&cs, "reshare::ClientAwaitingSeed", None);
    let (ss, m2) = reshare::server_respond::<Backup, C, _>(&s, &m1, &mut rng(13)).unwrap();
    state_is_redacted(&ss, "reshare::ServerAwaitingOpening");
    let (cs, m3) = cs.receive(&c, &m2, &mut rng(14)).unwrap();
    state_is_redacted(&cs, "reshare::ClientAwaitingConfirmation");
    // The seeds travel in messages 2 and 3; their `Debug` hides them all the same.
    let seed: ServerSeedMsg<C> = codec::decode(&Message::from_bytes(&m2).unwrap().payload).unwrap();
    assert_redacted(&seed, &[seed.seed.as_bytes()], &[]);
    let confirm: ClientConfirmMsg<C> =
        codec::decode(&Message::from_bytes(&m3).unwrap().payload).unwrap();
    assert_redacted(&confirm, &[confirm.seed.as_bytes()], &[]);
    let known = Seed::from_bytes(secret(0x0d));
    assert_eq!(
        assert_redacted(&known, &[&secret(0x0d)], &[]),
        "Seed(<redacted>)"
    );
    // Saved states come back in wiped buffers.
    assert_wiped_on_drop(&cs.save().unwrap());
    assert_wiped_on_drop(&ss.save().unwrap());
}

#[test]
fn resharing_states_and_seeds_print_no_secret() {
    reshare_states_and_seeds_are_redacted::<Secp256k1>();
    reshare_states_and_seeds_are_redacted::<Ed25519>();
}
