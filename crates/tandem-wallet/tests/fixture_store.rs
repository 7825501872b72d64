//! The frozen wallet stores, read back by every later version: keys, statuses, signing on
//! both curves, the pooled presignature, and eject with the fixture password.
//!
//! - `test-vectors/v1/wallet-store/`: wallet record version 1, the server's presignature pool
//!   without an epoch (written by the first release's format);
//! - `test-vectors/v2/wallet-store/`: wallet record version 2, the server's pool with its
//!   epoch and the rollback counter in `kms/` (one presignature spent, one held);
//! - `test-vectors/v2/wallet-store-refresh-interrupted/`: the v2 store with a refresh stopped
//!   before its commit, every part of the new pair stored pending: the first operation rolls
//!   it back (only a stored commit makes a pair current), and the old pair signs.
//!
//! Regenerate the current version's stores (only with a format version bump; old versions
//! stay and keep being read):
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
use tandem_wallet::{BackupStatus, FsStore, Party, SignMethod, SigningStatus, Store, Wallet};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

fn v1_dir() -> PathBuf {
    vectors().join("v1/wallet-store")
}

fn v2_dir() -> PathBuf {
    vectors().join("v2/wallet-store")
}

fn interrupted_dir() -> PathBuf {
    vectors().join("v2/wallet-store-refresh-interrupted")
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

/// Reads the store in `fixture` back against its `expected.json`, signs on both curves (the
/// secp256k1 signature from the pooled presignature) and checks the pool is then empty.
fn reads_back(fixture: PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture.join("store"), dir.path());
    let expected: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("expected.json")).unwrap()).unwrap();
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
fn reads_back_the_v1_store() {
    reads_back(v1_dir());
}

#[test]
fn reads_back_the_v2_store() {
    reads_back(v2_dir());
    // Its server pool is at epoch 1, as is its rollback counter (one presignature spent).
    let store = FsStore::open(v2_dir().join("store")).unwrap();
    let pool = store
        .read(Party::Server, tandem_wallet::store::record::PRESIGNATURES)
        .unwrap()
        .unwrap();
    assert_eq!(&pool[..16], b"TDMPOOL2\0\0\0\0\0\0\0\x01");
    assert_eq!(
        store
            .counter(tandem_wallet::store::counter::PRESIGNATURE_EPOCH)
            .unwrap(),
        1
    );
}

/// The record's signing sharing ids, current and pending.
fn signing_ids(store: &FsStore) -> Value {
    let record = store
        .read(Party::Server, tandem_wallet::store::record::WALLET)
        .unwrap()
        .unwrap();
    let record: Value = serde_json::from_slice(&record).unwrap();
    let ids = |field: &str| json!([record["secp256k1"][field], record["ed25519"][field]]);
    json!({
        "current": ids("signing_sharing_id"),
        "pending": ids("pending_signing_sharing_id"),
    })
}

#[test]
fn rolls_back_the_interrupted_refresh() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&interrupted_dir().join("store"), dir.path());
    let expected: Value =
        serde_json::from_slice(&std::fs::read(interrupted_dir().join("expected.json")).unwrap())
            .unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    let before = signing_ids(&store);
    assert_eq!(before, expected["signing_sharing_ids"]);
    assert_ne!(before["pending"], json!([null, null]));
    let wallet = Wallet::new(store.clone());
    // The first operation settles: no commit was stored, so the pending pair is removed and
    // the old pair, with its pooled presignature, signs.
    let info = wallet.info().unwrap();
    let sig = wallet.sign_ed25519(b"fixture", &mut |_| {}).unwrap();
    info.public_keys
        .ed25519
        .verify_strict(b"fixture", &sig)
        .unwrap();
    let after = signing_ids(&store);
    assert_eq!(after["current"], before["current"]);
    assert_eq!(after["pending"], json!([null, null]));
    for party in [Party::Client, Party::Server] {
        for name in [
            tandem_wallet::store::record::SECP256K1_SHARE_PENDING,
            tandem_wallet::store::record::ED25519_SHARE_PENDING,
        ] {
            assert!(store.read(party, name).unwrap().is_none());
        }
    }
    let digest = [0x5b; 32];
    let signed = wallet.sign_secp256k1(&digest, &mut |_| {}).unwrap();
    assert_eq!(signed.method, SignMethod::Presignature);
    check_ecdsa(&info.public_keys, &digest, &signed.signature);
    assert_eq!(
        hex(&info.public_keys.secp256k1_bytes()),
        expected["secp256k1_public_key"]
    );
}

fn freeze(dir: &std::path::Path, target: &std::path::Path, expected: &Value) {
    let _ = std::fs::remove_file(dir.join(".lock"));
    let _ = std::fs::remove_dir_all(target);
    copy_tree(dir, &target.join("store"));
    let mut text = serde_json::to_string_pretty(expected).unwrap();
    text.push('\n');
    std::fs::write(target.join("expected.json"), text).unwrap();
}

#[test]
#[ignore = "writes test-vectors/v2/wallet-store* (set TANDEM_WRITE_FIXTURES=1)"]
fn write_v2_stores() {
    if std::env::var_os("TANDEM_WRITE_FIXTURES").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::with_test_primes(FsStore::create(dir.path()).unwrap());
    wallet.generate(&mut |_| {}).unwrap();
    wallet.presign(2, &mut |_| {}).unwrap();
    wallet.sign_secp256k1(&[1; 32], &mut |_| {}).unwrap();
    wallet.backup(&password(), &mut |_| {}).unwrap();
    let expected = describe(&wallet);
    freeze(dir.path(), &v2_dir(), &expected);

    // A refresh that stops after its 5 writes before the commit: both parties' pending
    // shares and the record naming them are stored.
    let stopping = Wallet::with_test_primes(stopping_after(FsStore::open(dir.path()).unwrap(), 5));
    assert!(stopping.refresh(&mut |_| {}).is_err());
    let ids = signing_ids(&FsStore::open(dir.path()).unwrap());
    assert_ne!(ids["pending"], json!([null, null]));
    let expected = json!({
        "note": "TEST-ONLY wallet store stopped in a refresh before its commit (fixture primes, public KMS keys)",
        "secp256k1_public_key": expected["secp256k1_public_key"],
        "signing_sharing_ids": ids,
    });
    freeze(dir.path(), &interrupted_dir(), &expected);
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
    let store = FsStore::open(v2_dir().join("store")).unwrap();
    let record = Store::read(&store, Party::Server, "wallet.json")
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
