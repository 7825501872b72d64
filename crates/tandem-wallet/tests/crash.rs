//! Crash injection: generate, backup, recover and refresh killed at every write.
//!
//! A process killed right after its `k`-th write leaves exactly the first `k` writes of the
//! operation in the store (each write is atomic, as the filesystem store makes it, and
//! nothing runs after the kill). `snapshotting` runs the operation once, uninterrupted,
//! and copies the whole store folder after every write (writes, removals and rollback counter
//! moves): copy `k` is the store the kill after write `k` leaves. (Killing a run per `k`
//! instead would give the same states but repeat the operation's protocols, seconds each.)
//!
//! `backup_with_all_io_stopped_after_every_write` also runs the literal form for backup (the
//! cheapest operation): a store that stops all writes after the `k`-th, one run per `k`.
//!
//! For every `k` from 0 to the number of writes, the test "reboots": a new wallet on copy
//! `k`, whose first operation settles what was left (`tandem_wallet`'s `lifecycle`). It
//! asserts that the wallet is in its old state or its new one, exactly where the design says
//! (the new state from the moment every part of the new pair is stored), that no pending
//! record is left, that the public keys never change, that the wallet signs on both curves
//! (or, for a device without shares, recovers) to the same keys, and that the operation,
//! retried, succeeds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/common.rs"]
mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use tandem_wallet::store::record;
use tandem_wallet::{
    BackupKey, BackupStatus, FsStore, Party, SigningStatus, Store, Wallet, WalletError, WalletInfo,
};
use tempfile::TempDir;
use zeroize::Zeroizing;

/// A filesystem store that keeps a copy of itself after every write, in `copies/<k>`.
fn snapshotting(root: &Path, copies: &Path, writes: Arc<AtomicUsize>) -> HookedStore {
    let inner = FsStore::open(root).unwrap();
    let (root, copies) = (root.to_path_buf(), copies.to_path_buf());
    HookedStore::new(inner, move |moment| {
        if moment == Moment::After {
            let k = writes.fetch_add(1, Ordering::SeqCst) + 1;
            copy_tree(&root, &copies.join(k.to_string()));
        }
        Ok(())
    })
}

/// The stores a kill after each write of `op` leaves, from `template`: `[0]` is the store
/// before the first write, the last one the store after an uninterrupted run.
struct CrashStates {
    copies: TempDir,
    writes: usize,
}

impl CrashStates {
    fn of(template: &TempDir, op: Operation) -> Self {
        let work = copy_of(template);
        let copies = tempfile::tempdir().unwrap();
        copy_tree(work.path(), &copies.path().join("0"));
        let count = Arc::new(AtomicUsize::new(0));
        let store = snapshotting(work.path(), copies.path(), count.clone());
        op(&Wallet::with_test_primes(store)).unwrap();
        let writes = count.load(Ordering::SeqCst);
        Self { copies, writes }
    }

    /// A wallet on a private copy of the store a kill after write `k` leaves ("reboot").
    fn reboot(&self, k: usize) -> (TempDir, Wallet<FsStore>) {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&self.copies.path().join(k.to_string()), dir.path());
        let wallet = wallet(&dir);
        (dir, wallet)
    }
}

fn random_key() -> BackupKey {
    BackupKey::RandomKey(Zeroizing::new([0x5a; 32]))
}

type Operation = fn(&Wallet<HookedStore>) -> Result<(), WalletError>;

fn copy_of(template: &TempDir) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(template.path(), dir.path());
    dir
}

/// After the first operation of the rebooted wallet (which settles): no pending record.
fn assert_settled(dir: &TempDir) {
    let store = FsStore::open(dir.path()).unwrap();
    for party in Party::ALL {
        for name in record::ALL.iter().filter(|n| n.ends_with(".pending")) {
            assert!(
                store.read(party, name).unwrap().is_none(),
                "{party}/{name} left"
            );
        }
    }
}

/// Signs on both curves and checks the signatures against `info`'s keys.
fn signs(wallet: &Wallet<FsStore>, info: &WalletInfo) {
    let digest = [0x42; 32];
    let signed = wallet.sign_secp256k1(&digest, &mut |_| {}).unwrap();
    check_ecdsa(&info.public_keys, &digest, &signed.signature);
    let sig = wallet
        .sign_ed25519(b"after the crash", &mut |_| {})
        .unwrap();
    info.public_keys
        .ed25519
        .verify_strict(b"after the crash", &sig)
        .unwrap();
}

fn signing_ids(dir: &TempDir) -> String {
    // The record's per-curve signing sharing ids (public data), for old/new comparisons.
    let store = FsStore::open(dir.path()).unwrap();
    let record = store.read(Party::Server, record::WALLET).unwrap().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&record).unwrap();
    format!(
        "{}{}",
        json["secp256k1"]["signing_sharing_id"], json["ed25519"]["signing_sharing_id"]
    )
}

#[test]
fn generate_killed_at_every_write() {
    let empty = tempfile::tempdir().unwrap();
    let op: Operation = |w| w.generate(&mut |_| {}).map(|_| ());
    let states = CrashStates::of(&empty, op);
    // Server shares (2), record STORED_DATABASE, client shares (2), record STORED_CLIENT.
    assert_eq!(states.writes, 6);
    for k in 0..=states.writes {
        let (dir, wallet) = states.reboot(k);
        // The first operation settles: before the client's shares are both stored the
        // generation is undone, from then on it is completed.
        match wallet.sign_ed25519(b"x", &mut |_| {}) {
            Err(WalletError::NoWallet) => {
                assert!(
                    k < 5,
                    "k = {k}: rolled back with the client's shares stored"
                );
                assert_settled(&dir);
                // Retried (at the first and the last point before completion).
                if k == 0 || k == 4 {
                    let info = wallet.generate(&mut |_| {}).unwrap();
                    signs(&wallet, &info);
                }
            }
            Ok(_) => {
                assert!(k >= 5, "k = {k}: completed without the client's shares");
                assert_settled(&dir);
                let info = wallet.info().unwrap();
                assert_eq!(info.signing_status, SigningStatus::StoredClient);
                signs(&wallet, &info);
                assert!(matches!(
                    wallet.generate(&mut |_| {}),
                    Err(WalletError::WalletExists { .. })
                ));
            }
            Err(e) => panic!("k = {k}: {e}"),
        }
    }
}

/// Recover or refresh, killed at every write: the old signing pair or the new one.
fn replace_signing_pair(template: &TempDir, op: Operation, new_device: bool) {
    let before = wallet(template).info().unwrap();
    let old_ids = signing_ids(template);
    let states = CrashStates::of(template, op);
    // 2 server pending shares, the record, 2 client pending shares, the commit; then each
    // party's pool removal and the promotion of its 2 shares (write and remove each).
    let prepared = 5;
    assert_eq!(states.writes, prepared + 1 + 2 + 8);
    for k in 0..=states.writes {
        let (dir, wallet) = states.reboot(k);
        // Settle by an operation that reads the current pair.
        let first = wallet.sign_ed25519(b"x", &mut |_| {});
        assert_settled(&dir);
        let info = wallet.info().unwrap();
        assert_eq!(info.public_keys, before.public_keys, "k = {k}");
        assert_eq!(info.signing_status, SigningStatus::StoredClient, "k = {k}");
        if k < prepared {
            assert_eq!(signing_ids(&dir), old_ids, "k = {k}: not the old pair");
            if new_device {
                assert!(
                    matches!(first, Err(WalletError::NoDeviceShare)),
                    "k = {k}: {first:?}"
                );
            } else {
                first.unwrap();
                signs(&wallet, &info);
            }
            // Retried (at the first and the last point before the new pair is complete),
            // the operation succeeds and the wallet signs.
            if k == 0 || k == prepared - 1 {
                let retry = failing_at(FsStore::open(dir.path()).unwrap(), usize::MAX);
                op(&Wallet::with_test_primes(retry)).unwrap();
                assert_ne!(
                    signing_ids(&dir),
                    old_ids,
                    "k = {k}: the retry changed nothing"
                );
                signs(&wallet, &info);
            }
        } else {
            assert_ne!(signing_ids(&dir), old_ids, "k = {k}: not the new pair");
            first.unwrap_or_else(|e| panic!("k = {k}: {e}"));
            signs(&wallet, &info);
        }
    }
}

#[test]
fn refresh_killed_at_every_write() {
    let template = backed_up_store();
    // A pooled presignature, so that the pools' removal is among the writes.
    wallet(&template).presign(1, &mut |_| {}).unwrap();
    replace_signing_pair(&template, |w| w.refresh(&mut |_| {}).map(|_| ()), false);
}

#[test]
fn recover_killed_at_every_write() {
    let template = backed_up_store();
    // A new device: no client records at all.
    std::fs::remove_dir_all(template.path().join("client")).unwrap();
    replace_signing_pair(
        &template,
        |w| w.recover(&password(), &mut |_| {}).map(|_| ()),
        true,
    );
}

/// After a backup killed after write `k` (of 14), rebooted: the old backup (under the
/// password) up to write 4, the new one (under the random key) from write 5, when both sealed
/// shares are stored; the signing pair untouched either way.
fn check_backup(dir: &TempDir, wallet: &Wallet<FsStore>, k: usize, before: &WalletInfo) {
    wallet.sign_ed25519(b"x", &mut |_| {}).unwrap();
    assert_settled(dir);
    let info = wallet.info().unwrap();
    assert_eq!(info.public_keys, before.public_keys);
    assert_eq!(
        info.backup_status,
        Some(BackupStatus::StoredClientBackupShare)
    );
    let (current, other) = if k < 5 {
        (password(), random_key())
    } else {
        (random_key(), password())
    };
    // The current backup ejects to the wallet's keys; the other kind of key is refused.
    wallet.eject(&current, &mut |_| {}).unwrap();
    assert!(
        matches!(
            wallet.eject(&other, &mut |_| {}),
            Err(WalletError::WrongKeyKind { .. })
        ),
        "k = {k}"
    );
    // And it recovers a new device to the same keys (at the boundary: the last crash that
    // keeps the old pair and the first that completes the new one).
    if k == 4 || k == 5 {
        std::fs::remove_dir_all(dir.path().join("client")).unwrap();
        let recovered = wallet.recover(&current, &mut |_| {}).unwrap();
        assert_eq!(recovered.public_keys, before.public_keys);
        signs(wallet, &recovered);
    }
}

#[test]
fn backup_killed_at_every_write() {
    // The wallet has a backup under the password; the new one is under a random key.
    let template = backed_up_store();
    let before = wallet(&template).info().unwrap();
    let op: Operation = |w| w.backup(&random_key(), &mut |_| {}).map(|_| ());
    let states = CrashStates::of(&template, op);
    // 2 custodian pending shares, the record, 2 sealed pending shares, the commit; then the
    // promotion of the 4 pending records (write and remove each).
    assert_eq!(states.writes, 6 + 8);
    for k in 0..=states.writes {
        let (dir, wallet) = states.reboot(k);
        check_backup(&dir, &wallet, k, &before);
    }
}

#[test]
fn backup_with_all_io_stopped_after_every_write() {
    // The literal form of the kill, for the cheapest operation (its protocols take
    // milliseconds): a store that performs `k` writes and then fails every further write,
    // one run per `k`; the failed run's own attempt to settle fails with it. The states
    // must check out exactly as the copies of `backup_killed_at_every_write` do.
    let template = backed_up_store();
    let before = wallet(&template).info().unwrap();
    for k in 0..=14 {
        let dir = copy_of(&template);
        let stopped = stopping_after(FsStore::open(dir.path()).unwrap(), k);
        let result = Wallet::with_test_primes(stopped).backup(&random_key(), &mut |_| {});
        // Success is reported only once the commit (write 6) is stored.
        assert_eq!(result.is_ok(), k >= 6, "k = {k}: {result:?}");
        check_backup(&dir, &wallet(&dir), k, &before);
    }
}
