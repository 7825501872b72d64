//! The wallet's errors: every refusal says which rule or which record, and a protocol failure
//! keeps the protocol's typed error (which names the guilty party and the check).

use tandem_backup::envelope::EnvelopeError;
use thiserror::Error;

use crate::status::SigningStatus;
use crate::store::{Party, StoreError};

/// A wallet operation failed. Unless the variant says otherwise, nothing stored changed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WalletError {
    /// `generate` on a store that already holds a wallet.
    #[error("wallet already exists (client {client_id})")]
    WalletExists {
        /// The existing wallet's client id.
        client_id: String,
    },
    /// The store holds no wallet.
    #[error("no wallet in this store (run generate first)")]
    NoWallet,
    /// Signing needs the signing pair in `STORED_CLIENT`.
    #[error("signing refused: the signing shares are in status {0:?}, signing needs STORED_CLIENT")]
    NotSignable(SigningStatus),
    /// This device holds no signing share (a new device: run recover).
    #[error("this device holds no signing share (a new device: recover the wallet first)")]
    NoDeviceShare,
    /// The device's signing share is not the wallet's current one: it was replaced by a
    /// recovery or refresh (a lost or old device). The server refuses to sign with it.
    #[error(
        "the server refuses this device's signing share: it was replaced by a recovery or refresh"
    )]
    StaleDeviceShare,
    /// Recovery and eject need a completed backup (`STORED_CLIENT_BACKUP_SHARE`).
    #[error(
        "refused: no completed backup (the backup shares must reach STORED_CLIENT_BACKUP_SHARE)"
    )]
    NoBackup,
    /// The backup was sealed with another kind of key than the one given.
    #[error("the backup was sealed with a {expected}, not a {given}")]
    WrongKeyKind {
        /// The kind the backup was sealed with.
        expected: &'static str,
        /// The kind given.
        given: &'static str,
    },
    /// A request outside the accepted limits (the message says which).
    #[error("refused: {0}")]
    Limit(String),
    /// An empty password.
    #[error("the password is empty")]
    EmptyPassword,
    /// The sealed client backup share could not be opened.
    #[error("cannot open the client backup: {0}")]
    Envelope(EnvelopeError),
    /// A stored record is malformed, fails its integrity check, or disagrees with the wallet.
    #[error("{party}/{record} is corrupted: {reason}")]
    Corrupted {
        /// Whose record.
        party: Party,
        /// Which record.
        record: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A record of a format version this code does not read.
    #[error(
        "{party}/{record} has format version {version}, which this version of Tandem does not read"
    )]
    UnsupportedVersion {
        /// Whose record.
        party: Party,
        /// Which record.
        record: &'static str,
        /// The version found.
        version: u32,
    },
    /// A record the wallet needs is missing.
    #[error("{party}/{record} is missing")]
    MissingRecord {
        /// Whose record.
        party: Party,
        /// Which record.
        record: &'static str,
    },
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A protocol run failed (the error names the party and the check).
    #[error("{operation}: {source}")]
    Protocol {
        /// The operation.
        operation: &'static str,
        /// The protocol's error.
        source: tandem_protocol::Error,
    },
    /// Eject failed (the shares do not combine to the wallet's key).
    #[error("eject: {0}")]
    Eject(tandem_backup::eject::EjectError),
    /// A derivation path that gives no key (hardened, too deep, malformed, or BIP32's
    /// invalid child).
    #[error("derivation: {0}")]
    Derivation(#[from] tandem_protocol::hd::HdError),
    /// Paillier key generation was cancelled or failed.
    #[error("Paillier key generation: {0}")]
    Primes(String),
    /// The server's presignature pool is older than its rollback counter: the server's
    /// records were restored from an older copy, which may hold presignatures spent since.
    /// Both pools were discarded; presign again (signing meanwhile uses full signing).
    #[error(
        "refused: the server's presignature pool (epoch {epoch}) is older than its rollback \
         anchor (epoch {anchor}), restored from an older copy; both pools were discarded"
    )]
    PresignaturesRolledBack {
        /// The epoch of the stored pool.
        epoch: u64,
        /// The rollback counter.
        anchor: u64,
    },
    /// The store failed while an operation was committing, and its record could not be read
    /// back: whether the operation took effect is decided by the stored record, which the
    /// next operation reads (`info` shows it). Keep whatever the operation's outcome needs
    /// (e.g. a new backup key) until then.
    #[error("{0}; whether the operation took effect is unknown until the store can be read")]
    Indeterminate(Box<WalletError>),
    /// A bug in this library.
    #[error("internal error (bug): {0}")]
    Internal(String),
}

/// [`WalletError::Corrupted`]: `party`'s record `record` does not hold what it should.
pub(crate) fn corrupted(party: Party, record: &'static str, reason: impl ToString) -> WalletError {
    WalletError::Corrupted {
        party,
        record,
        reason: reason.to_string(),
    }
}

pub(crate) fn protocol(
    operation: &'static str,
) -> impl FnOnce(tandem_protocol::Error) -> WalletError {
    move |source| WalletError::Protocol { operation, source }
}
