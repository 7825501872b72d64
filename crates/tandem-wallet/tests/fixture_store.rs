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
//! The stores and their loaders are `tandem_testkit::fixtures::wallet_store`; the current
//! version's stores are written (only when missing or unreadable: a format version bump) by
//! `cargo run -p tandem-testkit --bin fixtures -- --write`; old versions stay and keep being
//! read.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use serde_json::json;
use tandem_testkit::fixtures::wallet_store::{
    describe, expected, interrupted_dir, signing_ids, v1_dir, v2_dir,
};
use tandem_testkit::wallet::{check_ecdsa, copy_tree};
use tandem_wallet::{BackupStatus, FsStore, Party, SignMethod, SigningStatus, Store, Wallet};

fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

/// Reads the store in `fixture` back against its `expected.json`, signs on both curves (the
/// secp256k1 signature from the pooled presignature) and checks the pool is then empty.
fn reads_back(fixture: PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture.join("store"), dir.path());
    let wallet = Wallet::new(FsStore::open(dir.path()).unwrap());
    assert_eq!(describe(&wallet), expected(&fixture));
    let info = wallet.info().unwrap();
    // The Taproot address came after the store was frozen: BIP86's, of the stored key.
    assert_eq!(
        info.addresses.bitcoin_taproot,
        tandem_wallet::address::bitcoin_taproot(&info.public_keys.secp256k1)
    );
    let taproot = wallet.sign_bip340(&[0x5b; 32], &mut |_| {}).unwrap();
    assert_eq!(
        Some(taproot.output_key),
        tandem_wallet::address::taproot_output_key(&info.public_keys.secp256k1)
    );
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

    // Its shares are of stored format 1: the tree has the legacy chain code (a hash of the
    // public key), and a child signs.
    let tree = wallet.tree().unwrap();
    let key = tandem_curves::Point::<tandem_curves::Secp256k1>::from_bytes(
        &info.public_keys.secp256k1_bytes(),
    )
    .unwrap();
    assert_eq!(
        tree.xpub().chain_code(),
        tandem_protocol::hd::ChainCode::legacy(&key)
    );
    let account: tandem_wallet::DerivationPath = "m/3".parse().unwrap();
    let child = tree.derive(&account).unwrap();
    let sig = wallet
        .sign_ed25519_at(&account, b"child", &mut |_| {})
        .unwrap();
    child
        .public_keys
        .ed25519
        .verify_strict(b"child", &sig)
        .unwrap();
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
        .read(Party::Server, tandem_wallet::store::names::PRESIGNATURES)
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

#[test]
fn rolls_back_the_interrupted_refresh() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&interrupted_dir().join("store"), dir.path());
    let expected = expected(&interrupted_dir());
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
            tandem_wallet::store::names::SECP256K1_SHARE_PENDING,
            tandem_wallet::store::names::ED25519_SHARE_PENDING,
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
