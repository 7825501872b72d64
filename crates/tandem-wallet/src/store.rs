//! Where each party's data lives.
//!
//! A wallet's data belongs to three parties, and an SDK puts each where it belongs: the
//! device's keychain ([`Party::Client`]), the provider's database ([`Party::Server`]), the
//! organization's custody ([`Party::Custodian`]). The wallet layer only needs a byte store per
//! party, the [`Store`] trait; [`FsStore`] is the filesystem implementation the `tandem` tool
//! uses, with the server's and the custodian's records encrypted at rest.
//!
//! Record names are fixed ASCII names ([`names`]); a store may refuse anything else.

pub mod at_rest;
mod fs;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroizing;

pub use fs::{FsStore, MAX_RECORD_FILE_LEN};

/// The holder of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The user's device: the client signing shares and the client's presignatures.
    Client,
    /// The provider's server: the server signing shares, the server's presignatures, the
    /// wallet record with its lifecycle statuses, and the sealed client backup shares.
    Server,
    /// The organization's custody: the custodian backup shares.
    Custodian,
}

impl Party {
    /// Every party, in a fixed order.
    pub const ALL: [Party; 3] = [Party::Client, Party::Server, Party::Custodian];

    /// The party's name (also its folder name in [`FsStore`]).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Party::Client => "client",
            Party::Server => "server",
            Party::Custodian => "custodian",
        }
    }
}

impl core::fmt::Display for Party {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The record names the wallet uses.
///
/// A record whose name ends in `.pending` holds the new half of a pair that an operation is
/// replacing (recover, refresh, backup): it is written before the wallet record names the new
/// pair, and promoted to the plain name after the wallet record made it current (the
/// crash-safety design of `src/lifecycle.rs`).
pub mod names {
    /// Server: the wallet record (ids, public keys, lifecycle statuses, pending pairs).
    pub const WALLET: &str = "wallet.json";
    /// Client and server: the secp256k1 signing share (with its Paillier material).
    pub const SECP256K1_SHARE: &str = "secp256k1.share";
    /// Client and server: the Ed25519 signing share.
    pub const ED25519_SHARE: &str = "ed25519.share";
    /// Client and server: a new secp256k1 signing share, not yet current.
    pub const SECP256K1_SHARE_PENDING: &str = "secp256k1.share.pending";
    /// Client and server: a new Ed25519 signing share, not yet current.
    pub const ED25519_SHARE_PENDING: &str = "ed25519.share.pending";
    /// Client and server: the secp256k1 presignature pool (with the spent ids; the server's
    /// also with its epoch, see [`super::counter::PRESIGNATURE_EPOCH`]).
    pub const PRESIGNATURES: &str = "secp256k1.presignatures";
    /// Server: the client backup share of secp256k1, sealed by the client.
    pub const SEALED_SECP256K1: &str = "client-backup.secp256k1.sealed";
    /// Server: the client backup share of Ed25519, sealed by the client.
    pub const SEALED_ED25519: &str = "client-backup.ed25519.sealed";
    /// Server: a new sealed client backup share of secp256k1, not yet current.
    pub const SEALED_SECP256K1_PENDING: &str = "client-backup.secp256k1.sealed.pending";
    /// Server: a new sealed client backup share of Ed25519, not yet current.
    pub const SEALED_ED25519_PENDING: &str = "client-backup.ed25519.sealed.pending";
    /// Custodian: the custodian backup share of secp256k1.
    pub const BACKUP_SECP256K1: &str = "secp256k1.backup";
    /// Custodian: the custodian backup share of Ed25519.
    pub const BACKUP_ED25519: &str = "ed25519.backup";
    /// Custodian: a new custodian backup share of secp256k1, not yet current.
    pub const BACKUP_SECP256K1_PENDING: &str = "secp256k1.backup.pending";
    /// Custodian: a new custodian backup share of Ed25519, not yet current.
    pub const BACKUP_ED25519_PENDING: &str = "ed25519.backup.pending";

    /// Every record name a store must accept.
    pub const ALL: [&str; 14] = [
        WALLET,
        SECP256K1_SHARE,
        ED25519_SHARE,
        SECP256K1_SHARE_PENDING,
        ED25519_SHARE_PENDING,
        PRESIGNATURES,
        SEALED_SECP256K1,
        SEALED_ED25519,
        SEALED_SECP256K1_PENDING,
        SEALED_ED25519_PENDING,
        BACKUP_SECP256K1,
        BACKUP_ED25519,
        BACKUP_SECP256K1_PENDING,
        BACKUP_ED25519_PENDING,
    ];
}

/// The names of the rollback counters ([`Store::counter`]).
pub mod counter {
    /// The epoch of the server's presignature pool: raised before every partial signature made
    /// from a pooled presignature leaves the server; a stored pool whose epoch is below it was
    /// restored from an older copy and is discarded.
    pub const PRESIGNATURE_EPOCH: &str = "presignature-epoch";

    /// Every counter name a store must accept.
    pub const ALL: [&str; 1] = [PRESIGNATURE_EPOCH];
}

/// A store failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store does not exist (for the filesystem store: its root folder).
    #[error("no store at {0}")]
    Missing(String),
    /// The store's root folder cannot be created.
    #[error("cannot create the store at {path}: {source}")]
    Create {
        /// The root folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A stored file is larger than any record can be (read refused before loading it).
    #[error("{party}/{record} is {len} bytes, more than the {limit}-byte limit of a record")]
    TooLarge {
        /// Whose record.
        party: Party,
        /// Which record.
        record: String,
        /// Its size.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// A record name the store does not know.
    #[error("unknown record name {0:?}")]
    UnknownRecord(String),
    /// Reading or writing failed.
    #[error("{party}/{record}: {source}")]
    Io {
        /// Whose record.
        party: Party,
        /// Which record.
        record: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A record encrypted at rest fails authentication (altered, truncated, or the wrong
    /// key).
    #[error("{party}/{record} is corrupted or was encrypted under another key")]
    Corrupted {
        /// Whose record.
        party: Party,
        /// Which record.
        record: String,
    },
    /// The store lock could not be taken.
    #[error("cannot lock the store: {0}")]
    Lock(std::io::Error),
    /// The at-rest key of a party (the KMS stand-in) is missing or malformed.
    #[error("the {0} at-rest key is missing or malformed")]
    AtRestKey(Party),
    /// A counter name the store does not know.
    #[error("unknown counter name {0:?}")]
    UnknownCounter(String),
    /// A rollback counter is malformed.
    #[error("the counter {0} is malformed")]
    CounterMalformed(String),
    /// A rollback counter was asked to move backwards.
    #[error("the counter {name} is at {current} and cannot move back to {requested}")]
    CounterBackwards {
        /// The counter.
        name: String,
        /// Its value.
        current: u64,
        /// The value asked for.
        requested: u64,
    },
}

/// An exclusive lock on a whole store (all parties), released when dropped.
///
/// The wallet holds it for the length of every operation that reads and then writes (key
/// generation, presigning, signing, backup, recovery, refresh), so two signers, in threads
/// or in processes, never take the same presignature from a pool they both read.
#[must_use = "the lock is released when this value is dropped"]
pub struct StoreLock {
    _held: Box<dyn Send + Sync>,
}

impl StoreLock {
    /// Wraps whatever holds the lock (a file lock, a mutex guard owned by an `Arc`, a
    /// database transaction handle); dropping it must release the lock.
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        Self {
            _held: Box::new(held),
        }
    }
}

impl core::fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StoreLock")
    }
}

/// A byte store per party, and a few rollback counters. Implementations decide where the bytes
/// go (keychain, database, remote service) and how they are protected; each method acts on one
/// record of one party.
///
/// `write` and `remove` must be atomic (a reader sees the old or the new bytes, never a mix)
/// and durable when they return. The wallet orders its writes so that the store is valid after
/// each one: a process killed between any two of them leaves each pair in its old state or
/// its new one (`src/lifecycle.rs`).
///
/// The counters ([`Store::counter`], [`Store::advance_counter`]) are the *rollback anchor*:
/// they must live where a restore of the server's records from an older copy (a database
/// backup, an asynchronous replica) does not reach them: a KMS, an HSM's monotonic counter, a
/// separate strongly consistent service. They only move forward.
pub trait Store: Send + Sync {
    /// The record, or `None` if it does not exist.
    ///
    /// # Errors
    /// [`StoreError`] if it exists but cannot be read.
    fn read(&self, party: Party, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError>;

    /// Creates or replaces the record, atomically.
    ///
    /// # Errors
    /// [`StoreError`]; the record then holds its old bytes.
    fn write(&self, party: Party, name: &str, bytes: &[u8]) -> Result<(), StoreError>;

    /// Removes the record (no error if it does not exist).
    ///
    /// # Errors
    /// [`StoreError`].
    fn remove(&self, party: Party, name: &str) -> Result<(), StoreError>;

    /// Takes the store's exclusive lock, waiting for it if another thread or process holds
    /// it.
    ///
    /// # Errors
    /// [`StoreError`] if the lock cannot be taken.
    fn lock(&self) -> Result<StoreLock, StoreError>;

    /// The rollback counter `name` ([`counter`]); 0 if it was never advanced.
    ///
    /// # Errors
    /// [`StoreError`] if it cannot be read.
    fn counter(&self, name: &str) -> Result<u64, StoreError>;

    /// Moves the rollback counter `name` forward to `value`, durably (no-op if it is there).
    ///
    /// # Errors
    /// [`StoreError::CounterBackwards`] if it is above `value`; [`StoreError`] if it cannot be
    /// written.
    fn advance_counter(&self, name: &str, value: u64) -> Result<(), StoreError>;
}

impl<S: Store + ?Sized> Store for &S {
    fn read(&self, party: Party, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        (**self).read(party, name)
    }
    fn write(&self, party: Party, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        (**self).write(party, name, bytes)
    }
    fn remove(&self, party: Party, name: &str) -> Result<(), StoreError> {
        (**self).remove(party, name)
    }
    fn lock(&self) -> Result<StoreLock, StoreError> {
        (**self).lock()
    }
    fn counter(&self, name: &str) -> Result<u64, StoreError> {
        (**self).counter(name)
    }
    fn advance_counter(&self, name: &str, value: u64) -> Result<(), StoreError> {
        (**self).advance_counter(name, value)
    }
}

/// Checks a counter name against [`counter::ALL`].
pub(crate) fn check_counter_name(name: &str) -> Result<(), StoreError> {
    if counter::ALL.contains(&name) {
        Ok(())
    } else {
        Err(StoreError::UnknownCounter(name.to_owned()))
    }
}

/// Checks a record name against [`names::ALL`].
pub(crate) fn check_name(name: &str) -> Result<(), StoreError> {
    if names::ALL.contains(&name) {
        Ok(())
    } else {
        Err(StoreError::UnknownRecord(name.to_owned()))
    }
}
