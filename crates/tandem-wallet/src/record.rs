//! The wallet record the server keeps: the client id, both public keys, the ids of the
//! current signing and backup sharings, the ids of a new pair an operation has stored but not
//! made current yet (pending), and the lifecycle statuses.
//!
//! Stored as JSON (public data only, readable in an audit) with a format name and version;
//! every field is validated on load: public keys decode to valid points, ids are hex of the
//! right length, statuses are consistent with the sharing ids.
//!
//! Versions: 1 (no pending pairs) is read; 2 (pending pairs, see `src/lifecycle.rs`) is read
//! and written.

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use tandem_curves::{Curve, Ed25519, Point, Secp256k1};

use crate::error::WalletError;
use crate::status::{BackupStatus, SigningStatus};
use crate::store::{Party, names};

/// The format name of the record.
pub const FORMAT: &str = "tandem-wallet-record";
/// The format version this code writes.
pub const VERSION: u32 = 2;
/// The oldest format version this code reads.
pub const OLDEST_VERSION: u32 = 1;
/// The longest record accepted (bytes).
const MAX_LEN: usize = 16 * 1024;
/// Client ids are 16 random bytes, in hex.
const CLIENT_ID_LEN: usize = 32;

/// How the client backup shares are sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupKeyKind {
    /// A password or PIN (Argon2id).
    Password,
    /// A random 32-byte key kept in the user's cloud storage.
    RandomKey,
    /// A passkey's WebAuthn PRF output (added after format v2 was frozen; older records
    /// never hold it).
    Passkey,
}

/// Per-curve part of the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CurveRecord {
    /// The curve name (`secp256k1` or `ed25519`).
    pub(crate) curve: String,
    /// The group public key, hex of its canonical encoding.
    pub(crate) public_key: String,
    /// The id of the current signing pair (hex, 32 bytes).
    pub(crate) signing_sharing_id: String,
    /// The id of the current backup pair, once there is one.
    pub(crate) backup_sharing_id: Option<String>,
    /// The id of a new signing pair stored by the server but not confirmed by the client
    /// (recover, refresh; version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pending_signing_sharing_id: Option<String>,
    /// The id of a new backup pair whose custodian share is stored but whose sealed client
    /// share is not (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pending_backup_sharing_id: Option<String>,
}

/// The server's record of a wallet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WalletRecord {
    pub(crate) format: String,
    pub(crate) version: u32,
    pub(crate) client_id: String,
    pub(crate) secp256k1: CurveRecord,
    pub(crate) ed25519: CurveRecord,
    pub(crate) signing_status: SigningStatus,
    pub(crate) backup_status: Option<BackupStatus>,
    pub(crate) backup_key: Option<BackupKeyKind>,
    /// The key kind of the pending backup pair (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pending_backup_key: Option<BackupKeyKind>,
}

fn corrupted(reason: impl ToString) -> WalletError {
    crate::error::corrupted(Party::Server, names::WALLET, reason)
}

fn hex_bytes<const N: usize>(hex: &str, what: &str) -> Result<[u8; N], WalletError> {
    let mut out = [0u8; N];
    if hex.len() != 2 * N {
        return Err(corrupted(format!("{what}: expected {N} bytes of hex")));
    }
    base16ct::lower::decode(hex, &mut out).map_err(|_| corrupted(format!("{what}: bad hex")))?;
    Ok(out)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

impl CurveRecord {
    pub(crate) fn new<C: Curve>(public_key: &[u8], signing_sharing_id: [u8; 32]) -> Self {
        Self {
            curve: C::ID.to_string(),
            public_key: hex(public_key),
            signing_sharing_id: hex(&signing_sharing_id),
            backup_sharing_id: None,
            pending_signing_sharing_id: None,
            pending_backup_sharing_id: None,
        }
    }

    fn check<C: Curve>(&self, backup: Option<BackupStatus>) -> Result<(), WalletError> {
        if self.curve != C::ID.to_string() {
            return Err(corrupted(format!(
                "curve {:?} where {} belongs",
                self.curve,
                C::ID
            )));
        }
        let mut encoded = vec![0u8; self.public_key.len() / 2];
        base16ct::lower::decode(&self.public_key, &mut encoded)
            .map_err(|_| corrupted("public key: bad hex"))?;
        // The public key must be a valid, non-identity point in canonical form.
        Point::<C>::from_bytes(&encoded).map_err(|e| corrupted(format!("public key: {e}")))?;
        hex_bytes::<32>(&self.signing_sharing_id, "signing sharing id")?;
        match (&self.backup_sharing_id, backup) {
            (Some(id), Some(_)) => {
                hex_bytes::<32>(id, "backup sharing id")?;
            }
            (None, None) => {}
            _ => return Err(corrupted("backup sharing id and backup status disagree")),
        }
        for (id, what) in [
            (
                &self.pending_signing_sharing_id,
                "pending signing sharing id",
            ),
            (&self.pending_backup_sharing_id, "pending backup sharing id"),
        ] {
            if let Some(id) = id {
                hex_bytes::<32>(id, what)?;
            }
        }
        Ok(())
    }

    pub(crate) fn pending_signing_sharing_id(&self) -> Result<Option<[u8; 32]>, WalletError> {
        self.pending_signing_sharing_id
            .as_deref()
            .map(|id| hex_bytes(id, "pending signing sharing id"))
            .transpose()
    }

    pub(crate) fn signing_sharing_id(&self) -> Result<[u8; 32], WalletError> {
        hex_bytes(&self.signing_sharing_id, "signing sharing id")
    }

    pub(crate) fn backup_sharing_id(&self) -> Result<Option<[u8; 32]>, WalletError> {
        self.backup_sharing_id
            .as_deref()
            .map(|id| hex_bytes(id, "backup sharing id"))
            .transpose()
    }
}

impl WalletRecord {
    pub(crate) fn new(client_id: String, secp256k1: CurveRecord, ed25519: CurveRecord) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            client_id,
            secp256k1,
            ed25519,
            signing_status: SigningStatus::StoredDatabase,
            backup_status: None,
            backup_key: None,
            pending_backup_key: None,
        }
    }

    /// Whether a new signing pair is pending (both curves, or neither: checked on load).
    pub(crate) fn signing_pending(&self) -> bool {
        self.secp256k1.pending_signing_sharing_id.is_some()
    }

    /// Whether a new backup pair is pending.
    pub(crate) fn backup_pending(&self) -> bool {
        self.pending_backup_key.is_some()
    }

    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, WalletError> {
        let mut record = self.clone();
        record.version = VERSION;
        serde_json::to_vec_pretty(&record).map_err(|e| WalletError::Internal(e.to_string()))
    }

    /// Parses and validates a stored record.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, WalletError> {
        if bytes.len() > MAX_LEN {
            return Err(corrupted("too long"));
        }
        let record: Self =
            serde_json::from_slice(bytes).map_err(|e| corrupted(format!("not a record: {e}")))?;
        if record.format != FORMAT {
            return Err(corrupted(format!("format {:?}", record.format)));
        }
        if !(OLDEST_VERSION..=VERSION).contains(&record.version) {
            return Err(WalletError::UnsupportedVersion {
                party: Party::Server,
                record: names::WALLET,
                version: record.version,
            });
        }
        if record.client_id.len() != CLIENT_ID_LEN
            || !record
                .client_id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(corrupted("client id"));
        }
        record.secp256k1.check::<Secp256k1>(record.backup_status)?;
        record.ed25519.check::<Ed25519>(record.backup_status)?;
        if record.backup_status.is_some() != record.backup_key.is_some() {
            return Err(corrupted("backup key kind and backup status disagree"));
        }
        let (secp, ed) = (&record.secp256k1, &record.ed25519);
        if secp.pending_signing_sharing_id.is_some() != ed.pending_signing_sharing_id.is_some() {
            return Err(corrupted("a pending signing pair on one curve only"));
        }
        let pending_backup = secp.pending_backup_sharing_id.is_some();
        if pending_backup != ed.pending_backup_sharing_id.is_some()
            || pending_backup != record.pending_backup_key.is_some()
        {
            return Err(corrupted(
                "pending backup ids and pending backup key kind disagree",
            ));
        }
        if record.version < 2 && (record.signing_pending() || pending_backup) {
            return Err(corrupted("pending pairs in a version 1 record"));
        }
        Ok(record)
    }

    /// The public keys, decoded (validated at load).
    pub(crate) fn public_keys(&self) -> Result<PublicKeys, WalletError> {
        let secp: [u8; 33] = hex_bytes(&self.secp256k1.public_key, "secp256k1 public key")?;
        let ed: [u8; 32] = hex_bytes(&self.ed25519.public_key, "ed25519 public key")?;
        Ok(PublicKeys {
            secp256k1: k256::PublicKey::from_sec1_bytes(&secp)
                .map_err(|_| corrupted("secp256k1 public key"))?,
            ed25519: VerifyingKey::from_bytes(&ed).map_err(|_| corrupted("ed25519 public key"))?,
        })
    }
}

/// A wallet's two public keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKeys {
    /// The secp256k1 key (Ethereum, Bitcoin, Tron).
    pub secp256k1: k256::PublicKey,
    /// The Ed25519 key (Solana, Stellar).
    pub ed25519: VerifyingKey,
}

impl PublicKeys {
    /// The secp256k1 key, 33-byte compressed SEC1.
    #[must_use]
    pub fn secp256k1_bytes(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        let point = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&self.secp256k1, true);
        for (o, b) in out.iter_mut().zip(point.as_bytes()) {
            *o = *b;
        }
        out
    }
}
