//! The frozen v1 wallet store (`test-vectors/v1/wallet-store/`): a store written by this
//! version (wallet record, at-rest format, shares, presignature pools, sealed client backup,
//! custodian backup), read back by every later version: keys, statuses, signing on both
//! curves, the pooled presignature, and eject with the fixture password.
//!
//! Regenerate (only with a format version bump; old versions stay and keep being read):
//! `TANDEM_WRITE_FIXTURES=1 cargo test -p tandem-wallet --test fixture_store -- --ignored`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/common.rs"]
mod common;

use std::path::PathBuf;

use common::*;
use serde_json::{Value, json};
use tandem_wallet::{BackupStatus, FsStore, SignMethod, SigningStatus, Wallet};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/v1/wallet-store")
}

fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

fn describe(wallet: &Wallet<FsStore>) -> Value {
    let info = wallet.info().unwrap();
    let keys = wallet.eject(&password(), &mut |_| {}).unwrap();
    json!({
        "note": "TEST-ONLY wallet store (fixture primes, public KMS keys and password): protects nothing",
        "password": String::from_utf8(PASSWORD.to_vec()).unwrap(),
        "client_id": info.client_id,
        "secp256k1_public_key": hex(&info.public_keys.secp256k1_bytes()),
        "ed25519_public_key": hex(info.public_keys.ed25519.as_bytes()),
        "addresses": serde_json::to_value(&info.addresses).unwrap(),
        "signing_status": info.signing_status.name(),
        "backup_status": info.backup_status.map(|b| b.name()),
        "presignatures": info.presignatures,
        "secp256k1_private_key": hex(&keys.secp256k1.to_bytes()[..]),
        "ed25519_private_scalar": hex(&keys.ed25519.scalar_bytes()[..]),
    })
}

#[test]
fn reads_back_the_v1_store() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture_dir().join("store"), dir.path());
    let expected: Value =
        serde_json::from_slice(&std::fs::read(fixture_dir().join("expected.json")).unwrap())
            .unwrap();
    let wallet = Wallet::new(FsStore::open(dir.path()).unwrap());
    assert_eq!(describe(&wallet), expected);
    let info = wallet.info().unwrap();
    assert_eq!(info.signing_status, SigningStatus::StoredClient);
    assert_eq!(
        info.backup_status,
        Some(BackupStatus::StoredClientBackupShare)
    );

    let sig = wallet.sign_ed25519(b"fixture", &mut |_| {}).unwrap();
    info.public_keys
        .ed25519
        .verify_strict(b"fixture", &sig)
        .unwrap();
    let digest = [0x5a; 32];
    let signed = wallet.sign_secp256k1(&digest, &mut |_| {}).unwrap();
    assert_eq!(signed.method, SignMethod::Presignature);
    check_ecdsa(&info.public_keys, &digest, &signed.signature);
    assert_eq!(wallet.info().unwrap().presignatures, 0);
}

#[test]
#[ignore = "writes test-vectors/v1/wallet-store (set TANDEM_WRITE_FIXTURES=1)"]
fn write_v1_store() {
    if std::env::var_os("TANDEM_WRITE_FIXTURES").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::with_test_primes(FsStore::create(dir.path()).unwrap());
    wallet.generate(&mut |_| {}).unwrap();
    wallet.presign(1, &mut |_| {}).unwrap();
    wallet.backup(&password(), &mut |_| {}).unwrap();
    let _ = std::fs::remove_file(dir.path().join(".lock"));
    let target = fixture_dir();
    let _ = std::fs::remove_dir_all(&target);
    copy_tree(dir.path(), &target.join("store"));
    let mut text = serde_json::to_string_pretty(&describe(&wallet)).unwrap();
    text.push('\n');
    std::fs::write(target.join("expected.json"), text).unwrap();
}

fn corpus(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
        .join("seed-v1")
}

/// The committed fuzz seeds for the wallet formats are accepted by their targets (so the
/// fuzzer starts from valid records), and are regenerated with the fixture store.
#[test]
fn fuzz_seeds_are_valid_records() {
    use tandem_wallet::fuzzing;
    let record = std::fs::read(corpus("wallet_record")).unwrap();
    assert!(fuzzing::wallet_record(&record));
    let sealed = std::fs::read(corpus("at_rest_record")).unwrap();
    assert!(fuzzing::at_rest_record(&sealed));
    // One flipped byte in either is refused.
    let mut bad = sealed.clone();
    bad[20] ^= 1;
    assert!(!fuzzing::at_rest_record(&bad));
    let mut bad = record.clone();
    bad[10] ^= 0x20;
    assert!(!fuzzing::wallet_record(&bad));
}

#[test]
#[ignore = "writes fuzz/corpus seeds (set TANDEM_WRITE_FIXTURES=1)"]
fn write_fuzz_seeds() {
    if std::env::var_os("TANDEM_WRITE_FIXTURES").is_none() {
        return;
    }
    let store = FsStore::open(fixture_dir().join("store")).unwrap();
    let record = tandem_wallet::Store::read(&store, tandem_wallet::Party::Server, "wallet.json")
        .unwrap()
        .unwrap();
    for (target, bytes) in [
        ("wallet_record", record.to_vec()),
        (
            "at_rest_record",
            tandem_wallet::fuzzing::seal_wallet_record(&record).unwrap(),
        ),
    ] {
        let path = corpus(target);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}
