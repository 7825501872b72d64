//! The filesystem store: one folder per party under a root.
//!
//! ```text
//! <root>/client/      the device: client signing shares, client presignatures, wallet.json
//! <root>/server/      the provider's database, encrypted at rest: server signing shares,
//!                     server presignatures, wallet.json (statuses), sealed client backups
//! <root>/custodian/   the organization, encrypted at rest: custodian backup shares
//! <root>/kms/         server.key, custodian.key: the stand-ins for the two KMS keys;
//!                     presignature-epoch.counter: the rollback anchor (Store::counter)
//! ```
//!
//! `kms/` stands for what a deployment keeps outside the server's database: restoring
//! `server/` from an older copy must leave `kms/` as it is (the anchor that refuses
//! presignatures spent since the copy was made).
//!
//! Writes are atomic: a temporary file in the same folder, `fsync`, rename, `fsync` of the
//! folder. Key files and records are created with mode 0600 on Unix. The store lock is an
//! advisory exclusive lock on `<root>/.lock` (`flock` on Unix), which serialises threads and
//! processes alike.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use rand_core::UnwrapErr;
use zeroize::Zeroizing;

use super::{Party, Store, StoreError, StoreLock, at_rest, check_counter_name, check_name};

/// The filesystem [`Store`].
#[derive(Debug, Clone)]
pub struct FsStore {
    root: PathBuf,
}

const KMS_DIR: &str = "kms";
/// The name prefix of `atomic_write`'s temporary files.
const TEMP_PREFIX: &str = ".tmp-";
const LOCK_FILE: &str = ".lock";
/// The largest file read as a record: the biggest record, a full presignature pool, is at
/// most 40 MiB (`tandem_protocol::ecdsa::pool::MAX_STORED_LEN`) plus the at-rest overhead.
pub const MAX_RECORD_FILE_LEN: u64 = 48 << 20;
/// The largest key file read (64 hex digits and a newline, with room for a CRLF).
const MAX_KEY_FILE_LEN: u64 = 128;
/// The largest counter file read (20 decimal digits and a newline).
const MAX_COUNTER_FILE_LEN: u64 = 32;

/// Reads a file of at most `limit` bytes; `Ok(Err(len))` if it is larger. The size is
/// checked before anything is loaded, and the read itself is bounded (a file growing in
/// between is caught too).
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Result<Zeroizing<Vec<u8>>, u64>> {
    use std::io::Read;
    let file = fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > limit {
        return Ok(Err(len));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(usize::try_from(len).unwrap_or(0)));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > limit {
        return Ok(Err(read));
    }
    Ok(Ok(bytes))
}

fn io(party: Party, record: &str) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        party,
        record: record.to_owned(),
        source,
    }
}

impl FsStore {
    /// Opens the store at `root`, which must exist.
    ///
    /// # Errors
    /// [`StoreError::Missing`] if `root` is not a folder.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        if !root.is_dir() {
            return Err(StoreError::Missing(root.display().to_string()));
        }
        Ok(Self { root })
    }

    /// Opens the store at `root`, creating the folder if needed.
    ///
    /// # Errors
    /// [`StoreError::Io`] if the folder cannot be created.
    pub fn create(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|source| StoreError::Create {
            path: root.display().to_string(),
            source,
        })?;
        Self::open(root)
    }

    /// The root folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of `party`.
    #[must_use]
    pub fn party_dir(&self, party: Party) -> PathBuf {
        self.root.join(party.name())
    }

    fn encrypted(party: Party) -> bool {
        !matches!(party, Party::Client)
    }

    fn counter_path(&self, name: &str) -> PathBuf {
        self.root.join(KMS_DIR).join(format!("{name}.counter"))
    }

    fn key_path(&self, party: Party) -> PathBuf {
        self.root
            .join(KMS_DIR)
            .join(format!("{}.key", party.name()))
    }

    /// The party's at-rest key; with `create`, a fresh one is made if there is none.
    fn at_rest_key(&self, party: Party, create: bool) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        let path = self.key_path(party);
        match read_bounded(&path, MAX_KEY_FILE_LEN) {
            Ok(Err(_)) => Err(StoreError::AtRestKey(party)),
            Ok(Ok(bytes)) => {
                let hex = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
                let mut key = Zeroizing::new([0u8; 32]);
                match base16ct::mixed::decode(hex, &mut key[..]) {
                    Ok(k) if k.len() == 32 => Ok(key),
                    _ => Err(StoreError::AtRestKey(party)),
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound && create => {
                let mut key = Zeroizing::new([0u8; 32]);
                getrandom::fill(&mut key[..]).map_err(|_| StoreError::AtRestKey(party))?;
                let mut hex = Zeroizing::new(base16ct::lower::encode_string(&key[..]));
                hex.push('\n');
                let dir = self.root.join(KMS_DIR);
                fs::create_dir_all(&dir).map_err(io(party, "kms"))?;
                atomic_write(&dir, &path, hex.as_bytes()).map_err(io(party, "kms"))?;
                Ok(key)
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Err(StoreError::AtRestKey(party)),
            Err(e) => Err(io(party, "kms")(e)),
        }
    }
}

/// Writes `bytes` to `path` atomically: temporary file in `dir`, fsync, rename, fsync `dir`.
fn atomic_write(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // tempfile creates the file with mode 0600 on Unix; the rename keeps it.
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// Removes the `.tmp-*` files `atomic_write` leaves when the process dies before the rename.
fn remove_stale_temporaries(dir: &Path) -> std::io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut removed = false;
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            fs::remove_file(entry.path())?;
            removed = true;
        }
    }
    if removed {
        sync_dir(dir)?;
    }
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Folders cannot be opened for syncing on this platform; the rename is still atomic.
    Ok(())
}

impl Store for FsStore {
    fn read(&self, party: Party, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        check_name(name)?;
        let path = self.party_dir(party).join(name);
        let bytes = match read_bounded(&path, MAX_RECORD_FILE_LEN) {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(len)) => {
                return Err(StoreError::TooLarge {
                    party,
                    record: name.to_owned(),
                    len,
                    limit: MAX_RECORD_FILE_LEN,
                });
            }
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(party, name)(e)),
        };
        if Self::encrypted(party) {
            let key = self.at_rest_key(party, false)?;
            at_rest::open(&key, party, name, &bytes).map(Some)
        } else {
            Ok(Some(bytes))
        }
    }

    fn write(&self, party: Party, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        check_name(name)?;
        let dir = self.party_dir(party);
        fs::create_dir_all(&dir).map_err(io(party, name))?;
        let path = dir.join(name);
        if Self::encrypted(party) {
            let key = self.at_rest_key(party, true)?;
            let sealed =
                at_rest::seal(&key, party, name, bytes, &mut UnwrapErr(getrandom::SysRng))?;
            atomic_write(&dir, &path, &sealed).map_err(io(party, name))
        } else {
            atomic_write(&dir, &path, bytes).map_err(io(party, name))
        }
    }

    fn remove(&self, party: Party, name: &str) -> Result<(), StoreError> {
        check_name(name)?;
        let dir = self.party_dir(party);
        match fs::remove_file(dir.join(name)) {
            Ok(()) => sync_dir(&dir).map_err(io(party, name)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(party, name)(e)),
        }
    }

    fn lock(&self) -> Result<StoreLock, StoreError> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join(LOCK_FILE))
            .map_err(StoreError::Lock)?;
        file.lock().map_err(StoreError::Lock)?;
        // Temporary files of writes that a killed process never renamed (they may hold a
        // plaintext share in `client/`): only a lock holder writes, so none is in use now.
        for dir in Party::ALL
            .map(|p| self.party_dir(p))
            .into_iter()
            .chain([self.root.join(KMS_DIR)])
        {
            remove_stale_temporaries(&dir).map_err(StoreError::Lock)?;
        }
        // Closing the file releases the lock.
        Ok(StoreLock::new(file))
    }

    fn counter(&self, name: &str) -> Result<u64, StoreError> {
        check_counter_name(name)?;
        let malformed = || StoreError::CounterMalformed(name.to_owned());
        match read_bounded(&self.counter_path(name), MAX_COUNTER_FILE_LEN) {
            Ok(Ok(bytes)) => {
                let text = core::str::from_utf8(&bytes).map_err(|_| malformed())?;
                let digits = text.strip_suffix('\n').unwrap_or(text);
                // Canonical decimal only: no sign, no leading zeros, no spaces.
                if digits.is_empty()
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                    || (digits.len() > 1 && digits.starts_with('0'))
                {
                    return Err(malformed());
                }
                digits.parse().map_err(|_| malformed())
            }
            Ok(Err(_)) => Err(malformed()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(0),
            Err(e) => Err(StoreError::Io {
                party: Party::Server,
                record: format!("kms/{name}"),
                source: e,
            }),
        }
    }

    fn advance_counter(&self, name: &str, value: u64) -> Result<(), StoreError> {
        let current = self.counter(name)?;
        if current > value {
            return Err(StoreError::CounterBackwards {
                name: name.to_owned(),
                current,
                requested: value,
            });
        }
        if current == value {
            return Ok(());
        }
        let dir = self.root.join(KMS_DIR);
        let io = |source| StoreError::Io {
            party: Party::Server,
            record: format!("kms/{name}"),
            source,
        };
        fs::create_dir_all(&dir).map_err(io)?;
        atomic_write(
            &dir,
            &self.counter_path(name),
            format!("{value}\n").as_bytes(),
        )
        .map_err(io)
    }
}
