//! Crash states shared by the wallet's `crash.rs` and `settle.rs`: an operation run once on a store that
//! copies itself after every write, so that copy `k` is the store a kill after write `k`
//! leaves; and the checks made after a "reboot" on such a copy.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tandem_wallet::store::names;
use tandem_wallet::{FsStore, Party, Store, Wallet};
use tempfile::TempDir;

use crate::wallet::{FixturePrimes, HookedStore, Moment, copy_tree, wallet};

/// A filesystem store on `root` that copies the whole folder to `copies/<k>` after its
/// `k`-th write (writes, removals and counter moves).
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

/// The stores a kill after each write of an operation leaves: copy 0 is the store before the
/// first write, copy `writes` the store after an uninterrupted run.
pub struct CrashStates {
    copies: TempDir,
    /// The number of writes the operation made (the last copy's index).
    pub writes: usize,
}

impl CrashStates {
    /// Runs `op` once on a copy of `from`, keeping a copy after each write.
    pub fn of(from: &Path, op: impl FnOnce(&Wallet<HookedStore>)) -> Self {
        let work = copy_of(from);
        let copies = tempfile::tempdir().unwrap();
        copy_tree(work.path(), &copies.path().join("0"));
        let count = Arc::new(AtomicUsize::new(0));
        op(&Wallet::with_paillier_keys(
            snapshotting(work.path(), copies.path(), count.clone()),
            FixturePrimes::new(),
        ));
        let writes = count.load(Ordering::SeqCst);
        Self { copies, writes }
    }

    /// The store a kill after write `k` leaves.
    pub fn path(&self, k: usize) -> std::path::PathBuf {
        self.copies.path().join(k.to_string())
    }

    /// A wallet on a private copy of the store a kill after write `k` leaves ("reboot").
    pub fn reboot(&self, k: usize) -> (TempDir, Wallet<FsStore>) {
        let dir = copy_of(&self.path(k));
        let wallet = wallet(&dir);
        (dir, wallet)
    }
}

/// A private copy of the folder `from`.
pub fn copy_of(from: &Path) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(from, dir.path());
    dir
}

/// After the first operation of a rebooted wallet (which settles): no pending record left.
pub fn assert_settled(dir: &Path) {
    let store = FsStore::open(dir).unwrap();
    for party in Party::ALL {
        for name in names::ALL.iter().filter(|n| n.ends_with(".pending")) {
            assert!(
                store.read(party, name).unwrap().is_none(),
                "{party}/{name} left"
            );
        }
    }
}

/// The record's per-curve signing sharing ids (public data), for old/new comparisons.
pub fn signing_ids(dir: &Path) -> String {
    let store = FsStore::open(dir).unwrap();
    let record = store.read(Party::Server, names::WALLET).unwrap().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&record).unwrap();
    format!(
        "{}{}",
        json["secp256k1"]["signing_sharing_id"], json["ed25519"]["signing_sharing_id"]
    )
}
