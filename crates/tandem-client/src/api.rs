//! The wire format between the client and `tandem server`: paths, JSON bodies, error codes.
//! One definition, used by both sides (the server depends on this module). The protocol
//! messages themselves are the protocol crates' byte encodings (`application/octet-stream`),
//! carried unchanged; `docs/server-api.md` describes every endpoint.

use serde::{Deserialize, Serialize};
use tandem_wallet::address::Addresses;
use tandem_wallet::{BackupStatus, SigningStatus};

/// The API version prefix of every path.
pub const PREFIX: &str = "/v1";

/// Largest request body the server reads (a protocol message is at most
/// `tandem_protocol` codec's limit; JSON bodies are far smaller).
pub const MAX_BODY: usize = 1 << 20;

/// Paths.
pub mod path {
    /// `GET`: liveness.
    pub const HEALTHZ: &str = "/healthz";
    /// `POST` (admin): create a client.
    pub const CLIENTS: &str = "/v1/clients";
    /// `POST` (client): start a protocol session.
    pub const SESSIONS: &str = "/v1/sessions";
    /// `POST` (client): the device stored its new signing shares.
    pub const CONFIRM: &str = "/v1/wallet/confirm";
    /// `POST` (client): FROST Ed25519 co-signature (message 1 in, message 2 out).
    pub const SIGN_ED25519: &str = "/v1/sign/ed25519";
    /// `POST` (client): online ECDSA co-signature from a presignature (message 1 in,
    /// message 2 out).
    pub const SIGN_SECP256K1: &str = "/v1/sign/secp256k1";
    /// `POST` (client): BIP340 co-signature for a Taproot key-path spend (message 1 in,
    /// message 2 out).
    pub const SIGN_BIP340: &str = "/v1/sign/bip340";
    /// `GET` (client): the client's sealed backup shares; `POST` (client): store them (the
    /// backup's last step, `STORED_CLIENT_BACKUP_SHARE`).
    pub const BACKUP: &str = "/v1/wallet/backup";
    /// `POST` (client): the custodian backup shares, to leave the threshold setup.
    pub const EJECT: &str = "/v1/wallet/eject";

    /// `GET` (admin or the client itself): a client's status.
    #[must_use]
    pub fn client(client_id: &str) -> String {
        format!("{CLIENTS}/{client_id}")
    }

    /// `POST` (client): the next protocol message of a session.
    #[must_use]
    pub fn session_messages(session_id: &str) -> String {
        format!("{SESSIONS}/{session_id}/messages")
    }

    /// `DELETE` (client): ends a session the client gave up (its open-session slot is
    /// free again at once instead of at the session's expiry).
    #[must_use]
    pub fn session(session_id: &str) -> String {
        format!("{SESSIONS}/{session_id}")
    }
}

/// The header that makes a signing or presigning request idempotent.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The header of a session message: its step (0 for the client's first message).
pub const STEP: &str = "X-Tandem-Step";

/// Largest idempotency key accepted (characters).
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

/// `POST /v1/clients` answer (201). The API key is wiped when the value drops and redacted
/// from `Debug`.
#[derive(Clone, Serialize, Deserialize)]
pub struct CreatedClient {
    /// The client's id (32 hex characters).
    pub client_id: String,
    /// The client's API key: shown once, stored hashed by the server.
    pub api_key: String,
}

impl core::fmt::Debug for CreatedClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CreatedClient")
            .field("client_id", &self.client_id)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl Drop for CreatedClient {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.api_key);
    }
}

/// A public key in a status answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyInfo {
    /// Hex: 33-byte compressed SEC1 (secp256k1) or 32 bytes (Ed25519).
    pub public_key: String,
    /// The current signing sharing id (hex), `null` before the client confirmed one.
    pub sharing_id: Option<String>,
    /// The signing sharing id the server holds pending the client's confirmation (hex).
    pub pending_sharing_id: Option<String>,
}

/// `GET /v1/clients/{client_id}` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientStatus {
    /// The client id.
    pub client_id: String,
    /// `null`, `STORED_DATABASE` or `STORED_CLIENT`.
    pub signing_share_status: Option<SigningStatus>,
    /// `null`, `STORED_CUSTODIAN_BACKUP_SHARE` or `STORED_CLIENT_BACKUP_SHARE`.
    pub backup_share_status: Option<BackupStatus>,
    /// The secp256k1 key, once generated.
    pub secp256k1: Option<PublicKeyInfo>,
    /// The Ed25519 key, once generated.
    pub ed25519: Option<PublicKeyInfo>,
    /// The addresses, once generated.
    pub addresses: Option<Addresses>,
    /// The server's unexpired presignatures of the current pair.
    pub presignatures: u64,
}

/// The operations that run as a session of several messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Key generation on both curves and the secp256k1 auxiliary information.
    Generate,
    /// One secp256k1 presignature.
    Presign,
    /// A new backup pair from the signing pair (resharing on both curves).
    Backup,
    /// A new signing pair from the backup pair (resharing on both curves, then the
    /// secp256k1 auxiliary information).
    Recover,
    /// A new signing pair from the signing pair (as recover).
    Refresh,
}

impl Operation {
    /// The name on the wire.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Generate => "generate",
            Self::Presign => "presign",
            Self::Backup => "backup",
            Self::Recover => "recover",
            Self::Refresh => "refresh",
        }
    }

    /// From the name on the wire.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "generate" => Some(Self::Generate),
            "presign" => Some(Self::Presign),
            "backup" => Some(Self::Backup),
            "recover" => Some(Self::Recover),
            "refresh" => Some(Self::Refresh),
            _ => None,
        }
    }
}

/// `POST /v1/sessions` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StartSession {
    /// The operation.
    pub operation: Operation,
    /// How the client will seal its backup share (backup only; sent to the custodian's
    /// webhook as `backupMethod`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_method: Option<BackupMethod>,
}

/// How the client's backup share is sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BackupMethod {
    /// A password (Argon2id).
    Password,
    /// A random 32-byte key kept in the user's cloud storage.
    RandomKey,
    /// A passkey's WebAuthn PRF output (the browser SDK).
    Passkey,
}

impl BackupMethod {
    /// The name on the wire (and in the database).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Password => "PASSWORD",
            Self::RandomKey => "RANDOM_KEY",
            Self::Passkey => "PASSKEY",
        }
    }

    /// From the name on the wire.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "PASSWORD" => Some(Self::Password),
            "RANDOM_KEY" => Some(Self::RandomKey),
            "PASSKEY" => Some(Self::Passkey),
            _ => None,
        }
    }
}

/// `POST /v1/wallet/backup` body: the client's backup shares, sealed by the client (hex of
/// `tandem-backup` envelopes), for the pending backup pair named by its sharing ids.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoreClientBackup {
    /// How the envelopes are sealed.
    pub backup_method: BackupMethod,
    /// The pending secp256k1 backup sharing id (hex).
    pub secp256k1_sharing_id: String,
    /// The pending Ed25519 backup sharing id (hex).
    pub ed25519_sharing_id: String,
    /// The sealed secp256k1 client backup share (hex).
    pub secp256k1_envelope: String,
    /// The sealed Ed25519 client backup share (hex).
    pub ed25519_envelope: String,
}

/// `GET /v1/wallet/backup` answer: the current backup pair's client envelopes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientBackup {
    /// How the envelopes are sealed.
    pub backup_method: BackupMethod,
    /// The sealed secp256k1 client backup share (hex).
    pub secp256k1_envelope: String,
    /// The sealed Ed25519 client backup share (hex).
    pub ed25519_envelope: String,
}

/// `POST /v1/wallet/eject` answer: the custodian backup shares (hex of `tandem-backup`
/// backup shares), to combine with the client's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CustodianShares {
    /// secp256k1.
    pub secp256k1: String,
    /// Ed25519.
    pub ed25519: String,
}

/// `POST /v1/sessions` answer (201).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionStarted {
    /// The session id (32 hex characters).
    pub session_id: String,
    /// When the session expires (Unix seconds).
    pub expires_at: i64,
}

/// `POST /v1/wallet/confirm` body: the sharing ids the device stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Confirm {
    /// The secp256k1 signing sharing id (hex).
    pub secp256k1_sharing_id: String,
    /// The Ed25519 signing sharing id (hex).
    pub ed25519_sharing_id: String,
}

/// Every error answer: a 4xx or 5xx status with this JSON body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// The stable error code.
    pub code: ErrorCode,
    /// A human-readable explanation (not stable).
    pub message: String,
}

/// Stable error codes (`snake_case` on the wire). New codes are appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// 401: no credentials, or credentials that match nothing.
    Unauthorized,
    /// 403: valid credentials without access to this resource.
    Forbidden,
    /// 404: no such resource.
    NotFound,
    /// 400: the request (path, JSON, header) is malformed.
    BadRequest,
    /// 413: the body is larger than the server reads.
    BodyTooLarge,
    /// 400: generate on a wallet that exists.
    WalletAlreadyExists,
    /// 409: the operation needs a wallet and there is none.
    NoWallet,
    /// 409: the wallet cannot sign in its current status.
    NotSignable,
    /// 404: unknown session (or another client's).
    UnknownSession,
    /// 410: the session expired.
    SessionExpired,
    /// 409: the message does not fit the session's step (a replay, a race lost, a message
    /// out of order).
    WrongStep,
    /// 422: the peer's protocol message was refused (the message names the check).
    ProtocolRefused,
    /// 404: the presignature named does not exist (spent, expired or never made).
    UnknownPresignature,
    /// 422: the idempotency key was used before with another body.
    IdempotencyKeyReused,
    /// 429: too many open sessions for this client, or too many presignatures.
    TooManyRequests,
    /// 409: the confirmation names no pending pair of this wallet.
    NothingToConfirm,
    /// 500: the server failed (details in its log, never in the answer).
    Internal,
    /// 503: the server is busy or a dependency is down; retry later.
    Unavailable,
    /// 409: the operation needs a complete backup (`STORED_CLIENT_BACKUP_SHARE`).
    NoBackup,
    /// 502: the organization's custodian webhook failed (down, slow, or a wrong answer);
    /// nothing changed, the operation can be run again.
    CustodianFailed,
    /// 405: the endpoint exists, not with this method.
    MethodNotAllowed,
}

impl ErrorCode {
    /// The HTTP status of the code.
    #[must_use]
    pub fn status(self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound | Self::UnknownSession | Self::UnknownPresignature => 404,
            Self::BadRequest | Self::WalletAlreadyExists => 400,
            Self::BodyTooLarge => 413,
            Self::NoWallet
            | Self::NotSignable
            | Self::WrongStep
            | Self::NothingToConfirm
            | Self::NoBackup => 409,
            Self::CustodianFailed => 502,
            Self::MethodNotAllowed => 405,
            Self::SessionExpired => 410,
            Self::ProtocolRefused | Self::IdempotencyKeyReused => 422,
            Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

/// The prefix of every API key: `tdk_<client id>_<secret>`.
pub const API_KEY_PREFIX: &str = "tdk_";

/// The client id an API key names (`tdk_<32 hex>_<64 hex>`), if it is well formed. The
/// server still checks the whole key against its stored hash.
#[must_use]
pub fn client_id_of_key(api_key: &str) -> Option<&str> {
    let rest = api_key.strip_prefix(API_KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 32) && hex(secret, 64)).then_some(id)
}
