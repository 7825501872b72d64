//! Presignature rollback: the server's records restored from an older copy (a database
//! backup, a replica that missed the last writes) must not make a spent presignature usable
//! again. The client here is malicious: it kept its half of a presignature it spent, and
//! asks again; two signatures from one presignature would give it the key.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use tandem_testkit::wallet::*;
use tandem_wallet::store::{counter, names};
use tandem_wallet::{FsStore, Party, SignMethod, Store, StoreError, WalletError};

fn client_pool(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("client").join(names::PRESIGNATURES)).unwrap()
}

/// Signs `digest` and returns how (after a successful signature).
fn sign(dir: &tempfile::TempDir, digest: u8) -> Result<SignMethod, WalletError> {
    let wallet = wallet(dir);
    let keys = wallet.info().unwrap().public_keys;
    let signed = wallet.sign_secp256k1(&[digest; 32], &mut |_| {})?;
    check_ecdsa(&keys, &[digest; 32], &signed.signature);
    Ok(signed.method)
}

/// Presign two, keep copies of the server folder and the client's pool, sign once; then
/// `restore` puts (some of) the old server records back and the client's pool as it was.
fn spend_then_restore(restore: impl Fn(&Path, &Path)) {
    let dir = fresh_store();
    wallet(&dir).presign(2, &mut |_| {}).unwrap();
    let old = tempfile::tempdir().unwrap();
    copy_tree(&dir.path().join("server"), old.path());
    let kept_client_half = client_pool(dir.path());

    assert_eq!(sign(&dir, 1).unwrap(), SignMethod::Presignature);

    restore(old.path(), &dir.path().join("server"));
    std::fs::write(
        dir.path().join("client").join(names::PRESIGNATURES),
        &kept_client_half,
    )
    .unwrap();
    // The client asks with the same presignature id (its pool hands out the lowest id, the
    // one it spent): refused, and both pools are discarded.
    let refused = sign(&dir, 2);
    assert!(
        matches!(
            refused,
            Err(WalletError::PresignaturesRolledBack {
                epoch: 0,
                anchor: 1
            })
        ),
        "{refused:?}"
    );
    let store = FsStore::open(dir.path()).unwrap();
    for party in [Party::Client, Party::Server] {
        assert!(store.read(party, names::PRESIGNATURES).unwrap().is_none());
    }
    assert_eq!(wallet(&dir).info().unwrap().presignatures, 0);
    // The wallet keeps signing (full signing), and a new pool works.
    assert_eq!(sign(&dir, 3).unwrap(), SignMethod::FullSigning);
    wallet(&dir).presign(1, &mut |_| {}).unwrap();
    assert_eq!(sign(&dir, 4).unwrap(), SignMethod::Presignature);
}

#[test]
fn a_restored_server_pool_cannot_spend_a_presignature_twice() {
    spend_then_restore(|old, server| {
        std::fs::copy(
            old.join(names::PRESIGNATURES),
            server.join(names::PRESIGNATURES),
        )
        .unwrap();
    });
}

#[test]
fn a_restored_server_database_cannot_spend_a_presignature_twice() {
    // The whole server folder (wallet record, shares, pool) from the older copy.
    spend_then_restore(|old, server| {
        std::fs::remove_dir_all(server).unwrap();
        copy_tree(old, server);
    });
}

#[test]
fn each_spend_raises_the_anchor_before_the_signature_leaves() {
    let dir = fresh_store();
    let store = FsStore::open(dir.path()).unwrap();
    wallet(&dir).presign(3, &mut |_| {}).unwrap();
    // Presigning adds without raising: losing an addition to a restore loses nothing spent.
    assert_eq!(store.counter(counter::PRESIGNATURE_EPOCH).unwrap(), 0);
    for spent in 1..=3u8 {
        assert_eq!(sign(&dir, 10 + spent).unwrap(), SignMethod::Presignature);
        assert_eq!(
            store.counter(counter::PRESIGNATURE_EPOCH).unwrap(),
            u64::from(spent)
        );
    }
    // Full signing spends no pooled presignature.
    assert_eq!(sign(&dir, 20).unwrap(), SignMethod::FullSigning);
    assert_eq!(store.counter(counter::PRESIGNATURE_EPOCH).unwrap(), 3);
}

#[test]
fn the_counter_only_moves_forward_and_is_read_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    let name = counter::PRESIGNATURE_EPOCH;
    assert_eq!(store.counter(name).unwrap(), 0);
    store.advance_counter(name, 7).unwrap();
    store.advance_counter(name, 7).unwrap();
    assert_eq!(store.counter(name).unwrap(), 7);
    assert!(matches!(
        store.advance_counter(name, 6),
        Err(StoreError::CounterBackwards {
            current: 7,
            requested: 6,
            ..
        })
    ));
    assert_eq!(store.counter(name).unwrap(), 7);
    assert!(matches!(
        store.counter("another"),
        Err(StoreError::UnknownCounter(_))
    ));
    let file = dir.path().join("kms").join(format!("{name}.counter"));
    for bad in [
        &b""[..],
        b"\n",
        b"07\n",
        b"-1\n",
        b" 7\n",
        b"7 \n",
        b"18446744073709551616\n",
        b"seven\n",
        &[b'9'; 40],
    ] {
        std::fs::write(&file, bad).unwrap();
        assert!(
            matches!(store.counter(name), Err(StoreError::CounterMalformed(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn an_interrupted_spend_and_two_restores_cannot_spend_a_presignature_twice() {
    // Found by an external-style audit of the first anchor (which wrote the pool at the next
    // epoch before raising the counter, and accepted a pool above it).
    let dir = fresh_store();
    let root = dir.path();
    let store = FsStore::open(root).unwrap();
    wallet(&dir).presign(2, &mut |_| {}).unwrap(); // ids a < b; the device names a first
    let server_pool = root.join("server").join(names::PRESIGNATURES);
    let client_pool = root.join("client").join(names::PRESIGNATURES);
    let copy_a = std::fs::read(&server_pool).unwrap(); // {a, b} at the counter's epoch, 0

    // 1. A spend of `a` that stops after reserving the next epoch (writes: client pool,
    //    counter; the server pool write fails): no partial signature leaves.
    let failing = fixture_wallet(failing_at(FsStore::open(root).unwrap(), 3));
    assert!(failing.sign_secp256k1(&[1; 32], &mut |_| {}).is_err());
    assert_eq!(store.counter(counter::PRESIGNATURE_EPOCH).unwrap(), 1);
    let client_keeps = std::fs::read(&client_pool).unwrap(); // {b}

    // 2. The pool of before step 1 is not the one the counter names: refused, discarded.
    std::fs::write(&server_pool, &copy_a).unwrap();
    assert!(matches!(
        sign(&dir, 2),
        Err(WalletError::PresignaturesRolledBack {
            epoch: 0,
            anchor: 1
        })
    ));
    // 3. The same with the device's kept half put back: still refused.
    std::fs::write(&server_pool, &copy_a).unwrap();
    std::fs::write(&client_pool, &client_keeps).unwrap();
    assert!(matches!(
        sign(&dir, 3),
        Err(WalletError::PresignaturesRolledBack { .. })
    ));
    assert_eq!(sign(&dir, 4).unwrap(), SignMethod::FullSigning);
}

#[test]
fn the_epoch_is_reserved_before_the_pool_is_written_and_the_signature_released() {
    // Writes of a spend: the client's pool (1), the counter (2), the server's pool (3).
    // Failing the counter write stops the spend: no signature, the server's pool untouched.
    let dir = fresh_store();
    wallet(&dir).presign(1, &mut |_| {}).unwrap();
    let server_pool = dir.path().join("server").join(names::PRESIGNATURES);
    let before = std::fs::read(&server_pool).unwrap();
    let failing = fixture_wallet(failing_at(FsStore::open(dir.path()).unwrap(), 2));
    assert!(matches!(
        failing.sign_secp256k1(&[1; 32], &mut |_| {}),
        Err(WalletError::Store(_))
    ));
    assert_eq!(std::fs::read(&server_pool).unwrap(), before);
    let store = FsStore::open(dir.path()).unwrap();
    assert_eq!(store.counter(counter::PRESIGNATURE_EPOCH).unwrap(), 0);
    // The order itself: the counter moves before the server's pool is written.
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = order.clone();
    let observed = FsStore::open(dir.path()).unwrap();
    let watching = HookedStore::new(FsStore::open(dir.path()).unwrap(), move |moment| {
        if moment == Moment::After {
            let counter = observed.counter(counter::PRESIGNATURE_EPOCH).unwrap();
            let pool = observed
                .read(Party::Server, names::PRESIGNATURES)
                .unwrap()
                .map(|b| u64::from_be_bytes(b[8..16].try_into().unwrap()));
            seen.lock().unwrap().push((counter, pool));
        }
        Ok(())
    });
    wallet(&dir).presign(1, &mut |_| {}).unwrap();
    order.lock().unwrap().clear();
    let keys = wallet(&dir).info().unwrap().public_keys;
    let signed = fixture_wallet(watching)
        .sign_secp256k1(&[2; 32], &mut |_| {})
        .unwrap();
    check_ecdsa(&keys, &[2; 32], &signed.signature);
    // After each write: (counter, server pool epoch). The counter is ahead of the pool
    // between the two, never behind.
    assert_eq!(
        *order.lock().unwrap(),
        vec![(0, Some(0)), (1, Some(0)), (1, Some(1))]
    );
}

#[test]
fn device_halves_the_server_lacks_fall_back_to_full_signing_at_once() {
    // The server's pool gone (removed, or its records restored from before it existed)
    // while the device still holds halves: the first signature drops them and signs in full.
    let dir = fresh_store();
    wallet(&dir).presign(3, &mut |_| {}).unwrap();
    FsStore::open(dir.path())
        .unwrap()
        .remove(Party::Server, names::PRESIGNATURES)
        .unwrap();
    assert_eq!(sign(&dir, 1).unwrap(), SignMethod::FullSigning);
    assert_eq!(wallet(&dir).info().unwrap().presignatures, 0);
    wallet(&dir).presign(1, &mut |_| {}).unwrap();
    assert_eq!(sign(&dir, 2).unwrap(), SignMethod::Presignature);
}
