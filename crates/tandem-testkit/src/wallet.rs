//! Wallet tests: the fixture-primes key source, template stores (generated once per
//! process with the public fixture primes), tree copies and snapshots, signature checks, and
//! stores that fail or stop at a chosen write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use rand_core::{Rng, UnwrapErr};
use sha2::Digest;
use tandem_paillier::paillier::SecretKey;
use tandem_protocol::ecdsa::EcdsaSignature;
use tandem_wallet::progress::Progress;
use tandem_wallet::{
    BackupKey, FsStore, PaillierKeys, Party, PublicKeys, Store, StoreError, StoreLock, Wallet,
    WalletError,
};
use tempfile::TempDir;
use zeroize::Zeroizing;

use crate::primes;

/// TEST-ONLY Paillier keys from the public fixture primes (`crate::primes`): instant, and
/// protecting nothing. Each call takes the next fixture key from a random start; the client
/// takes the even-numbered keys and the server (or custodian) the odd-numbered ones, so the
/// two parties of one operation never share a modulus (which the auxiliary information
/// refuses) even when each party runs its own source (a device and a server), and a
/// recovery mostly gets other keys than the generation before it.
#[derive(Debug)]
pub struct FixturePrimes {
    next: AtomicUsize,
}

impl FixturePrimes {
    /// A source starting at a random fixture key.
    #[must_use]
    pub fn new() -> Self {
        let start = UnwrapErr(getrandom::SysRng).next_u32() as usize;
        Self {
            next: AtomicUsize::new(start),
        }
    }
}

impl Default for FixturePrimes {
    fn default() -> Self {
        Self::new()
    }
}

impl PaillierKeys for FixturePrimes {
    fn paillier_key(
        &self,
        party: Party,
        _progress: &mut dyn FnMut(Progress),
    ) -> Result<SecretKey, WalletError> {
        let pairs = (primes::key_count() / 2).max(1);
        let parity = usize::from(party != Party::Client);
        let i = (self.next.fetch_add(1, Ordering::Relaxed) % pairs) * 2 + parity;
        primes::paillier_key(i).ok_or_else(|| WalletError::Internal("fixture key".into()))
    }
}

/// The backup password of the template stores and the fixture stores.
pub const PASSWORD: &[u8] = b"correct horse battery staple";

/// [`PASSWORD`] as a backup key.
pub fn password() -> BackupKey {
    BackupKey::Password(Zeroizing::new(PASSWORD.to_vec()))
}

/// Copies the folder `from` into `to` (created), recursively.
pub fn copy_tree(from: &Path, to: &Path) {
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
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, [u8; 32]> {
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
        let wallet =
            Wallet::with_paillier_keys(FsStore::create(dir.path()).unwrap(), FixturePrimes::new());
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
pub fn fresh_store() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(generated().path(), dir.path());
    dir
}

/// A private copy of a wallet backed up under [`PASSWORD`].
pub fn backed_up_store() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(backed_up().path(), dir.path());
    dir
}

/// The wallet on the store `dir`, with fixture primes.
pub fn wallet(dir: &TempDir) -> Wallet<FsStore> {
    fixture_wallet(FsStore::open(dir.path()).unwrap())
}

/// The wallet on `store`, with fixture primes.
pub fn fixture_wallet<S: Store>(store: S) -> Wallet<S> {
    Wallet::with_paillier_keys(store, FixturePrimes::new())
}

/// Verifies with k256 and checks that `(r, s, v)` recovers the key.
pub fn check_ecdsa(keys: &PublicKeys, digest: &[u8; 32], sig: &EcdsaSignature) {
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

/// When a [`HookedStore`] calls its hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// Before a write (a write, a removal or a counter move): an error stops it.
    Before,
    /// After it, with its result.
    After,
}

/// What a [`HookedStore`] calls around each write.
pub type Hook = Box<dyn Fn(Moment) -> Result<(), StoreError> + Send + Sync>;

/// A filesystem store whose writes go through a hook (failure and crash injection).
pub struct HookedStore {
    /// The wrapped store.
    pub inner: FsStore,
    /// The hook around each write.
    pub hook: Hook,
}

impl HookedStore {
    /// A store whose writes go through `hook`.
    pub fn new(
        inner: FsStore,
        hook: impl Fn(Moment) -> Result<(), StoreError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            inner,
            hook: Box::new(hook),
        }
    }

    fn around<T>(&self, write: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        (self.hook)(Moment::Before)?;
        let result = write();
        (self.hook)(Moment::After)?;
        result
    }
}

impl Store for HookedStore {
    fn read(&self, party: Party, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        self.inner.read(party, name)
    }
    fn write(&self, party: Party, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.around(|| self.inner.write(party, name, bytes))
    }
    fn remove(&self, party: Party, name: &str) -> Result<(), StoreError> {
        self.around(|| self.inner.remove(party, name))
    }
    fn lock(&self) -> Result<StoreLock, StoreError> {
        self.inner.lock()
    }
    fn counter(&self, name: &str) -> Result<u64, StoreError> {
        self.inner.counter(name)
    }
    fn advance_counter(&self, name: &str, value: u64) -> Result<(), StoreError> {
        self.around(|| self.inner.advance_counter(name, value))
    }
}

/// An injected store failure.
pub fn injected(what: &str) -> StoreError {
    StoreError::Io {
        party: Party::Server,
        record: what.to_owned(),
        source: std::io::Error::other("injected failure (test)"),
    }
}

/// A store that fails its `n`-th write (counting from 1) and performs the others.
pub fn failing_at(inner: FsStore, n: usize) -> HookedStore {
    let count = AtomicUsize::new(0);
    HookedStore::new(inner, move |moment| {
        if moment == Moment::Before && count.fetch_add(1, Ordering::SeqCst) + 1 == n {
            return Err(injected("disk full"));
        }
        Ok(())
    })
}

/// A store that performs its first `n` writes and fails every later one.
pub fn stopping_after(inner: FsStore, n: usize) -> HookedStore {
    let count = AtomicUsize::new(0);
    HookedStore::new(inner, move |moment| {
        if moment == Moment::Before && count.fetch_add(1, Ordering::SeqCst) >= n {
            return Err(injected("stopped"));
        }
        Ok(())
    })
}
