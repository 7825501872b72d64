//! Lifecycle statuses (`docs/design.md`, "Lifecycle rules").
//!
//! - Signing pair: [`SigningStatus::StoredDatabase`] once the server share is stored, then
//!   [`SigningStatus::StoredClient`] once the client share is stored. Signing requires
//!   `STORED_CLIENT`.
//! - Backup pair: [`BackupStatus::StoredCustodianBackupShare`] once the custodian share is
//!   stored, then [`BackupStatus::StoredClientBackupShare`] once the sealed client backup
//!   share is stored. Recovery and eject require `STORED_CLIENT_BACKUP_SHARE`.

use serde::{Deserialize, Serialize};

/// Where the signing pair is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SigningStatus {
    /// The server signing shares are stored; the client's are not (yet).
    StoredDatabase,
    /// Both signing shares are stored: the wallet signs.
    StoredClient,
}

/// Where the backup pair is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BackupStatus {
    /// The custodian backup shares are stored; the sealed client backup shares are not (yet).
    StoredCustodianBackupShare,
    /// Both backup shares are stored: the wallet can be recovered and ejected.
    StoredClientBackupShare,
}

/// A status a long operation passes through (reported to progress callbacks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Status {
    /// A signing-pair status.
    Signing(SigningStatus),
    /// A backup-pair status.
    Backup(BackupStatus),
}

impl SigningStatus {
    /// The status name, as the design documents spell it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SigningStatus::StoredDatabase => "STORED_DATABASE",
            SigningStatus::StoredClient => "STORED_CLIENT",
        }
    }
}

impl BackupStatus {
    /// The status name, as the design documents spell it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            BackupStatus::StoredCustodianBackupShare => "STORED_CUSTODIAN_BACKUP_SHARE",
            BackupStatus::StoredClientBackupShare => "STORED_CLIENT_BACKUP_SHARE",
        }
    }
}

impl Status {
    /// The status name, as the design documents spell it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Status::Signing(s) => s.name(),
            Status::Backup(b) => b.name(),
        }
    }
}

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
