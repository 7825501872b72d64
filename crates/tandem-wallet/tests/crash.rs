//! Crash injection: generate, backup, recover, refresh, presign and sign killed at every
//! write.
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
//! (the new state from the write that commits it, never before), that no pending
//! record is left, that the public keys never change, that the wallet signs on both curves
//! (or, for a device without shares, recovers) to the same keys, and that the operation,
//! retried, succeeds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_testkit::crash_states::{CrashStates, assert_settled, copy_of, signing_ids};
use tandem_testkit::wallet::*;
use tandem_wallet::store::names;
use tandem_wallet::{
    BackupKey, BackupStatus, FsStore, Party, SignMethod, SigningStatus, Store, Wallet, WalletError,
    WalletInfo,
};
use tempfile::TempDir;
use zeroize::Zeroizing;

fn random_key() -> BackupKey {
    BackupKey::RandomKey(Zeroizing::new([0x5a; 32]))
}

type Operation = fn(&Wallet<HookedStore>) -> Result<(), WalletError>;

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

#[test]
fn generate_killed_at_every_write() {
    let empty = tempfile::tempdir().unwrap();
    let op: Operation = |w| w.generate(&mut |_| {}).map(|_| ());
    let states = CrashStates::of(empty.path(), |w| op(w).unwrap());
    // Server shares (2), record STORED_DATABASE, client shares (2), record STORED_CLIENT.
    assert_eq!(states.writes, 6);
    for k in 0..=states.writes {
        let (dir, wallet) = states.reboot(k);
        // Before its commit (write 6, STORED_CLIENT) the generation does not exist: `info`
        // says so, and the first operation removes it. From the commit on it is complete.
        if k < 6 {
            assert!(
                matches!(wallet.info(), Err(WalletError::NoWallet)),
                "k = {k}"
            );
        }
        match wallet.sign_ed25519(b"x", &mut |_| {}) {
            Err(WalletError::NoWallet) => {
                assert!(k < 6, "k = {k}: rolled back after its commit");
                assert_settled(dir.path());
                let store = FsStore::open(dir.path()).unwrap();
                for name in [names::SECP256K1_SHARE, names::ED25519_SHARE] {
                    assert!(
                        store.read(Party::Client, name).unwrap().is_none(),
                        "k = {k}"
                    );
                }
                // Retried (at the first and the last point before the commit).
                if k == 0 || k == 5 {
                    let info = wallet.generate(&mut |_| {}).unwrap();
                    signs(&wallet, &info);
                }
            }
            Ok(_) => {
                assert!(k >= 6, "k = {k}: completed without its commit");
                assert_settled(dir.path());
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
    let old_ids = signing_ids(template.path());
    let states = CrashStates::of(template.path(), |w| op(w).unwrap());
    // 2 server pending shares, the record, 2 client pending shares, then the commit (write
    // 6); then each party's pool removal and the promotion of its 2 shares (write and remove
    // each). Before the commit: the old pair.
    let commit = 6;
    assert_eq!(states.writes, commit + 2 + 8);
    for k in 0..=states.writes {
        let (dir, wallet) = states.reboot(k);
        // Settle by an operation that reads the current pair.
        let first = wallet.sign_ed25519(b"x", &mut |_| {});
        assert_settled(dir.path());
        let info = wallet.info().unwrap();
        assert_eq!(info.public_keys, before.public_keys, "k = {k}");
        assert_eq!(info.signing_status, SigningStatus::StoredClient, "k = {k}");
        if k < commit {
            assert_eq!(
                signing_ids(dir.path()),
                old_ids,
                "k = {k}: not the old pair"
            );
            if new_device {
                assert!(
                    matches!(first, Err(WalletError::NoDeviceShare)),
                    "k = {k}: {first:?}"
                );
            } else {
                first.unwrap();
                signs(&wallet, &info);
            }
            // Retried (at the first and the last point before the commit), the operation
            // succeeds and the wallet signs.
            if k == 0 || k == commit - 1 {
                let retry = failing_at(FsStore::open(dir.path()).unwrap(), usize::MAX);
                op(&Wallet::with_paillier_keys(retry, FixturePrimes::new())).unwrap();
                assert_ne!(
                    signing_ids(dir.path()),
                    old_ids,
                    "k = {k}: the retry changed nothing"
                );
                signs(&wallet, &info);
            }
        } else {
            assert_ne!(
                signing_ids(dir.path()),
                old_ids,
                "k = {k}: not the new pair"
            );
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
/// password) up to write 5, the new one (under the random key) from its commit, write 6; the
/// signing pair untouched either way.
fn check_backup(dir: &TempDir, wallet: &Wallet<FsStore>, k: usize, before: &WalletInfo) {
    wallet.sign_ed25519(b"x", &mut |_| {}).unwrap();
    assert_settled(dir.path());
    let info = wallet.info().unwrap();
    assert_eq!(info.public_keys, before.public_keys);
    assert_eq!(
        info.backup_status,
        Some(BackupStatus::StoredClientBackupShare)
    );
    let (current, other) = if k < 6 {
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
    if k == 5 || k == 6 {
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
    let states = CrashStates::of(template.path(), |w| op(w).unwrap());
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
        let dir = copy_of(template.path());
        let stopped = stopping_after(FsStore::open(dir.path()).unwrap(), k);
        let result = fixture_wallet(stopped).backup(&random_key(), &mut |_| {});
        // Success is reported only once the commit (write 6) is stored.
        assert_eq!(result.is_ok(), k >= 6, "k = {k}: {result:?}");
        check_backup(&dir, &wallet(&dir), k, &before);
    }
}

/// The ids each party's stored pool holds (after the wallet settled).
fn pool_ids(dir: &TempDir) -> [Vec<tandem_protocol::SessionId>; 2] {
    let store = FsStore::open(dir.path()).unwrap();
    [Party::Client, Party::Server].map(|party| {
        let share = tandem_protocol::ecdsa::EcdsaKeyShare::from_bytes(
            &store.read(party, names::SECP256K1_SHARE).unwrap().unwrap(),
        )
        .unwrap();
        match store.read(party, names::PRESIGNATURES).unwrap() {
            None => Vec::new(),
            Some(bytes) => {
                // The server's pool carries its epoch first (`TDMPOOL2` and 8 bytes).
                let body = if party == Party::Server {
                    &bytes[16..]
                } else {
                    &bytes[..]
                };
                tandem_protocol::ecdsa::PresignaturePool::from_bytes(body, &share)
                    .unwrap()
                    .held_ids()
            }
        }
    })
}

#[test]
fn presign_killed_at_every_write() {
    let template = fresh_store();
    wallet(&template).presign(1, &mut |_| {}).unwrap();
    let keys = wallet(&template).info().unwrap().public_keys;
    let op: Operation = |w| w.presign(2, &mut |_| {}).map(|_| ());
    let states = CrashStates::of(template.path(), |w| op(w).unwrap());
    // The server's pool, then the client's.
    assert_eq!(states.writes, 2);
    for k in 0..=states.writes {
        let (dir, wallet) = states.reboot(k);
        let [client, server] = pool_ids(&dir);
        assert_eq!(client.len(), if k < 2 { 1 } else { 3 }, "k = {k}");
        // The device never holds a half the server lacks: every one of them signs.
        assert!(client.iter().all(|id| server.contains(id)), "k = {k}");
        for i in 1..=u8::try_from(client.len()).unwrap() {
            let digest = [i; 32];
            let signed = wallet.sign_secp256k1(&digest, &mut |_| {}).unwrap();
            assert_eq!(signed.method, SignMethod::Presignature, "k = {k}");
            check_ecdsa(&keys, &digest, &signed.signature);
        }
        // Server halves the device never got (k = 1) are dropped by the next presign.
        wallet.presign(1, &mut |_| {}).unwrap();
        let [client, server] = pool_ids(&dir);
        assert_eq!(client, server, "k = {k}");
    }
}

#[test]
fn sign_killed_at_every_write() {
    let template = fresh_store();
    wallet(&template).presign(2, &mut |_| {}).unwrap();
    let keys = wallet(&template).info().unwrap().public_keys;
    let op: Operation = |w| w.sign_secp256k1(&[1; 32], &mut |_| {}).map(|_| ());
    let states = CrashStates::of(template.path(), |w| op(w).unwrap());
    // The client's pool, the counter (the next epoch reserved), the server's pool.
    assert_eq!(states.writes, 3);
    for k in 0..=states.writes {
        let (dir, wallet) = states.reboot(k);
        let digest = [2; 32];
        match wallet.sign_secp256k1(&digest, &mut |_| {}) {
            Ok(signed) => {
                // Nothing lost, or the spend completed: the next presignature signs.
                assert_ne!(k, 2, "k = {k}");
                assert_eq!(signed.method, SignMethod::Presignature, "k = {k}");
                check_ecdsa(&keys, &digest, &signed.signature);
            }
            // Killed between the counter and the server's pool: the stored pool is not the
            // one the counter names, so both pools are discarded (nothing was released).
            Err(WalletError::PresignaturesRolledBack {
                epoch: 0,
                anchor: 1,
            }) => {
                assert_eq!(k, 2);
                assert_eq!(pool_ids(&dir), [vec![], vec![]]);
            }
            Err(e) => panic!("k = {k}: {e}"),
        }
        // The spent presignature never signs again: whatever remains is in both pools, and
        // each remaining one signs once.
        let [client, server] = pool_ids(&dir);
        assert!(client.iter().all(|id| server.contains(id)), "k = {k}");
        let signed = wallet.sign_secp256k1(&[3; 32], &mut |_| {}).unwrap();
        check_ecdsa(&keys, &[3; 32], &signed.signature);
    }
}
