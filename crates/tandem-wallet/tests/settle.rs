//! What the first operation after an interruption does (`lifecycle`'s settle), beyond the
//! single kills of `crash.rs`: failures of the store around an operation's commit, a kill
//! during the settle that finishes an earlier kill, and stores written by the first format's
//! code (version 1 records) that its crash left in `STORED_DATABASE`. An external-style audit
//! found the cases of `a_backup_reported_failed_*`, `a_refresh_*` and `version_1_*`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use tandem_testkit::crash_states::{CrashStates, assert_settled, copy_of, signing_ids};
use tandem_testkit::wallet::*;
use tandem_wallet::store::names;
use tandem_wallet::{BackupKey, FsStore, Party, SigningStatus, Store, Wallet, WalletError};
use tempfile::TempDir;
use zeroize::Zeroizing;

fn record_json(store: &FsStore) -> Value {
    serde_json::from_slice(&store.read(Party::Server, names::WALLET).unwrap().unwrap()).unwrap()
}

fn write_record_json(store: &FsStore, json: &Value) {
    let bytes = serde_json::to_vec_pretty(json).unwrap();
    store.write(Party::Server, names::WALLET, &bytes).unwrap();
}

/// A store whose writes number `from..=to` (counting from 1) fail.
fn failing_between(inner: FsStore, from: usize, to: usize) -> HookedStore {
    let count = AtomicUsize::new(0);
    HookedStore::new(inner, move |moment| {
        if moment == Moment::Before {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            if (from..=to).contains(&n) {
                return Err(injected("unavailable"));
            }
        }
        Ok(())
    })
}

fn random_key() -> BackupKey {
    BackupKey::RandomKey(Zeroizing::new([0x77; 32]))
}

#[test]
fn a_backup_reported_failed_is_never_completed_later() {
    // The commit (write 6) fails, and so does the first write of the rollback the failed
    // backup attempts: it reports an error (and `tandem` deletes the key file it made). The
    // next operation must roll it back, not complete it under that deleted key.
    let dir = backed_up_store(); // under the password
    let w = fixture_wallet(failing_between(FsStore::open(dir.path()).unwrap(), 6, 7));
    let result = w.backup(&random_key(), &mut |_| {});
    assert!(matches!(result, Err(WalletError::Store(_))), "{result:?}");
    let w = wallet(&dir);
    w.sign_ed25519(b"next", &mut |_| {}).unwrap();
    w.eject(&password(), &mut |_| {}).unwrap();
    assert!(matches!(
        w.eject(&random_key(), &mut |_| {}),
        Err(WalletError::WrongKeyKind { .. })
    ));
}

#[test]
fn a_commit_whose_record_cannot_be_read_back_is_indeterminate() {
    // The commit write fails and every later read fails too (the store went away): the
    // backup cannot tell whether it took effect.
    let dir = backed_up_store();
    let count = AtomicUsize::new(0);
    let dead = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = dead.clone();
    let store = HookedStore::new(FsStore::open(dir.path()).unwrap(), move |moment| {
        if moment == Moment::Before && count.fetch_add(1, Ordering::SeqCst) + 1 >= 6 {
            flag.store(true, Ordering::SeqCst);
            return Err(injected("gone"));
        }
        Ok(())
    });
    let reading = ReadFailing { inner: store, dead };
    let result = fixture_wallet(reading).backup(&random_key(), &mut |_| {});
    assert!(
        matches!(result, Err(WalletError::Indeterminate(_))),
        "{result:?}"
    );
    // The stored record decides: the commit did not happen, the password backup stays.
    wallet(&dir).eject(&password(), &mut |_| {}).unwrap();
}

/// A store whose reads fail once `dead` is set.
struct ReadFailing {
    inner: HookedStore,
    dead: Arc<std::sync::atomic::AtomicBool>,
}

impl Store for ReadFailing {
    fn read(
        &self,
        party: Party,
        name: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, tandem_wallet::StoreError> {
        if self.dead.load(Ordering::SeqCst) {
            return Err(injected("gone"));
        }
        self.inner.read(party, name)
    }
    fn write(
        &self,
        party: Party,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), tandem_wallet::StoreError> {
        self.inner.write(party, name, bytes)
    }
    fn remove(&self, party: Party, name: &str) -> Result<(), tandem_wallet::StoreError> {
        self.inner.remove(party, name)
    }
    fn lock(&self) -> Result<tandem_wallet::StoreLock, tandem_wallet::StoreError> {
        self.inner.lock()
    }
    fn counter(&self, name: &str) -> Result<u64, tandem_wallet::StoreError> {
        self.inner.counter(name)
    }
    fn advance_counter(&self, name: &str, value: u64) -> Result<(), tandem_wallet::StoreError> {
        self.inner.advance_counter(name, value)
    }
}

#[test]
fn a_refresh_whose_promotion_fails_reports_success() {
    let dir = fresh_store();
    wallet(&dir).presign(1, &mut |_| {}).unwrap();
    let before = signing_ids(dir.path());
    // Write 12 is the removal of the client's pool, after the commit (write 6).
    let w = fixture_wallet(failing_at(FsStore::open(dir.path()).unwrap(), 12));
    let info = w.refresh(&mut |_| {}).unwrap();
    assert_eq!(info.presignatures, 0);
    assert_ne!(signing_ids(dir.path()), before, "committed");
    // `info` (no lock, no settle) counts the old pair's pool as nothing, and the next
    // operation finishes the promotion.
    assert_eq!(wallet(&dir).info().unwrap().presignatures, 0);
    let keys = info.public_keys;
    let signed = wallet(&dir).sign_secp256k1(&[4; 32], &mut |_| {}).unwrap();
    check_ecdsa(&keys, &[4; 32], &signed.signature);
}

/// A refresh stopped after its 5 writes before the commit (both parties' new shares stored
/// pending), with both parties' pools of the old pair.
fn refresh_stopped_before_commit() -> TempDir {
    let dir = fresh_store();
    wallet(&dir).presign(1, &mut |_| {}).unwrap();
    let w = fixture_wallet(stopping_after(FsStore::open(dir.path()).unwrap(), 5));
    assert!(w.refresh(&mut |_| {}).is_err());
    dir
}

fn mv(store: &FsStore, party: Party, from: &str, to: &str) {
    let bytes = store.read(party, from).unwrap().unwrap();
    store.write(party, to, &bytes).unwrap();
    store.remove(party, from).unwrap();
}

/// The store the first format's code leaves when killed in a refresh after its record write
/// `STORED_DATABASE` (server shares replaced, server pool removed), the client having written
/// `client_shares` of its two new shares (secp256k1 first).
fn as_version_1_refresh_killed(dir: &Path, client_shares: usize) {
    let store = FsStore::open(dir).unwrap();
    let mut json = record_json(&store);
    for curve in ["secp256k1", "ed25519"] {
        let pending = json[curve]["pending_signing_sharing_id"].clone();
        json[curve]["signing_sharing_id"] = pending;
        json[curve]
            .as_object_mut()
            .unwrap()
            .remove("pending_signing_sharing_id");
    }
    json["version"] = 1.into();
    json["signing_status"] = "STORED_DATABASE".into();
    write_record_json(&store, &json);
    mv(
        &store,
        Party::Server,
        names::SECP256K1_SHARE_PENDING,
        names::SECP256K1_SHARE,
    );
    mv(
        &store,
        Party::Server,
        names::ED25519_SHARE_PENDING,
        names::ED25519_SHARE,
    );
    store.remove(Party::Server, names::PRESIGNATURES).unwrap();
    let client = [
        (names::SECP256K1_SHARE_PENDING, names::SECP256K1_SHARE),
        (names::ED25519_SHARE_PENDING, names::ED25519_SHARE),
    ];
    for (i, (pending, main)) in client.into_iter().enumerate() {
        if i < client_shares {
            mv(&store, Party::Client, pending, main);
        } else {
            store.remove(Party::Client, pending).unwrap();
        }
    }
}

#[test]
fn version_1_refresh_interrupted_between_the_client_shares_is_kept() {
    // The secp256k1 pair is whole, the Ed25519 one is not: nothing may be deleted.
    let base = refresh_stopped_before_commit();
    as_version_1_refresh_killed(base.path(), 1);
    let before = FsStore::open(base.path()).unwrap();
    let secp = before
        .read(Party::Client, names::SECP256K1_SHARE)
        .unwrap()
        .unwrap();
    let w = wallet(&base);
    assert!(matches!(
        w.sign_ed25519(b"first operation after the upgrade", &mut |_| {}),
        Err(WalletError::NotSignable(SigningStatus::StoredDatabase))
    ));
    let store = FsStore::open(base.path()).unwrap();
    assert!(store.read(Party::Server, names::WALLET).unwrap().is_some());
    assert!(
        store
            .read(Party::Server, names::SECP256K1_SHARE)
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .read(Party::Client, names::SECP256K1_SHARE)
            .unwrap()
            .unwrap(),
        secp
    );
}

#[test]
fn version_1_refresh_interrupted_before_its_last_status_is_completed() {
    // Both client shares were stored; only STORED_CLIENT is missing. The client's pool of the
    // old pair is still there: stale, it is dropped, and secp256k1 signs.
    let base = refresh_stopped_before_commit();
    as_version_1_refresh_killed(base.path(), 2);
    let w = wallet(&base);
    w.sign_ed25519(b"completed", &mut |_| {}).unwrap();
    let info = w.info().unwrap();
    assert_eq!(info.signing_status, SigningStatus::StoredClient);
    assert_eq!(info.presignatures, 0);
    let signed = w.sign_secp256k1(&[1; 32], &mut |_| {}).unwrap();
    check_ecdsa(&info.public_keys, &[1; 32], &signed.signature);
    w.presign(1, &mut |_| {}).unwrap();
}

/// Every kill `k` of `op` on `template`, then every kill `j` of the settle that the next
/// operation (an Ed25519 signature) runs on it: `check(dir, k, j)` on each store.
fn nested(
    template: &Path,
    op: impl FnOnce(&Wallet<HookedStore>),
    writes: usize,
    check: impl Fn(&Path, usize, usize),
) {
    let outer = CrashStates::of(template, op);
    assert_eq!(outer.writes, writes);
    for k in 0..writes {
        let inner = CrashStates::of(&outer.path(k), |w| {
            let _ = w.sign_ed25519(b"settle", &mut |_| {});
        });
        for j in 0..=inner.writes {
            let dir = copy_of(&inner.path(j));
            check(dir.path(), k, j);
        }
    }
}

#[test]
fn a_refresh_killed_then_its_settle_killed_at_every_write() {
    // The store settles to the old pair before the commit (write 6) and the new one after,
    // with both parties' shares of one pair (checked by FROST signing and by the secp256k1
    // shares' common public shares; `crash.rs` signs secp256k1 after each single kill).
    let template = fresh_store();
    wallet(&template).presign(1, &mut |_| {}).unwrap();
    let old = signing_ids(template.path());
    let keys = wallet(&template).info().unwrap().public_keys;
    let op = |w: &Wallet<HookedStore>| {
        w.refresh(&mut |_| {}).unwrap();
    };
    nested(template.path(), op, 16, |dir, k, j| {
        let w = fixture_wallet(FsStore::open(dir).unwrap());
        let sig = w.sign_ed25519(b"m", &mut |_| {}).unwrap();
        keys.ed25519.verify_strict(b"m", &sig).unwrap();
        assert_settled(dir);
        assert_eq!(signing_ids(dir) == old, k < 6, "k {k} j {j}");
        let store = FsStore::open(dir).unwrap();
        let [c, s] = [Party::Client, Party::Server].map(|p| {
            tandem_protocol::ecdsa::EcdsaKeyShare::from_bytes(
                &store.read(p, names::SECP256K1_SHARE).unwrap().unwrap(),
            )
            .unwrap()
        });
        assert_eq!(c.sharing_id(), s.sharing_id(), "k {k} j {j}");
        assert_eq!(c.core().public_shares(), s.core().public_shares());
    });
}

#[test]
fn a_backup_killed_then_its_settle_killed_at_every_write() {
    let template = backed_up_store();
    let op = |w: &Wallet<HookedStore>| {
        w.backup(&random_key(), &mut |_| {}).unwrap();
    };
    nested(template.path(), op, 14, |dir, k, j| {
        let w = fixture_wallet(FsStore::open(dir).unwrap());
        w.sign_ed25519(b"m", &mut |_| {}).unwrap();
        assert_settled(dir);
        let key = if k < 6 { password() } else { random_key() };
        w.eject(&key, &mut |_| {})
            .unwrap_or_else(|e| panic!("k {k} j {j}: {e}"));
    });
}
