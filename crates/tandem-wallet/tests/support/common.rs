//! Shared helpers of the wallet tests: template stores (generated once per test binary,
//! with the public fixture primes), tree copies and snapshots, signature checks.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use sha2::Digest;
use tandem_protocol::ecdsa::EcdsaSignature;
use tandem_wallet::{BackupKey, FsStore, PublicKeys, Wallet};
use tempfile::TempDir;
use zeroize::Zeroizing;

pub(crate) const PASSWORD: &[u8] = b"correct horse battery staple";

pub(crate) fn password() -> BackupKey {
    BackupKey::Password(Zeroizing::new(PASSWORD.to_vec()))
}

pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `root` (relative path → SHA-256), for byte-for-byte comparisons.
pub(crate) fn snapshot(root: &Path) -> BTreeMap<PathBuf, [u8; 32]> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, [u8; 32]>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &entry.path(), out);
            } else {
                let bytes = std::fs::read(entry.path()).unwrap();
                out.insert(
                    entry.path().strip_prefix(root).unwrap().to_path_buf(),
                    sha2::Sha256::digest(&bytes).into(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn generated() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let wallet = Wallet::with_test_primes(FsStore::create(dir.path()).unwrap());
        wallet.generate(&mut |_| {}).unwrap();
        dir
    })
}

fn backed_up() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(generated().path(), dir.path());
        let wallet = Wallet::new(FsStore::open(dir.path()).unwrap());
        wallet.backup(&password(), &mut |_| {}).unwrap();
        dir
    })
}

/// A private copy of a freshly generated wallet's store.
pub(crate) fn fresh_store() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(generated().path(), dir.path());
    dir
}

/// A private copy of a wallet backed up under [`PASSWORD`].
pub(crate) fn backed_up_store() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(backed_up().path(), dir.path());
    dir
}

pub(crate) fn wallet(dir: &TempDir) -> Wallet<FsStore> {
    Wallet::with_test_primes(FsStore::open(dir.path()).unwrap())
}

/// Verifies with k256 and checks that `(r, s, v)` recovers the key.
pub(crate) fn check_ecdsa(keys: &PublicKeys, digest: &[u8; 32], sig: &EcdsaSignature) {
    let key = k256::ecdsa::VerifyingKey::from(&keys.secp256k1);
    let k = sig.to_k256().unwrap();
    key.verify_prehash(digest, &k).unwrap();
    assert!(k.normalize_s() == k, "high s");
    let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(
        digest,
        &k,
        sig.k256_recovery_id().unwrap(),
    )
    .unwrap();
    assert_eq!(recovered, key);
}
