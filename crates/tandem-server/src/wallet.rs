//! The `wallets` table: the server's signing shares (sealed), the public keys, the
//! lifecycle statuses, and the pending pair of a generation (recovery, refresh) until the
//! client confirms it.
//!
//! | step | `signing_status` | current pair | pending pair |
//! |---|---|---|---|
//! | generate finished (server stored its shares) | `STORED_DATABASE` | – | new |
//! | client confirmed | `STORED_CLIENT` | new | – |
//!
//! Until the client confirms, the current pair (if any) keeps signing; a generation the
//! client never confirms is replaced by the next one.

use std::sync::Arc;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use tandem_client::api::{ClientStatus, ErrorCode, PublicKeyInfo};
use tandem_curves::Ed25519;
use tandem_protocol::KeyShare;
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_wallet::address::Addresses;
use tandem_wallet::{BackupStatus, SigningStatus};
use zeroize::Zeroizing;

use crate::crash;
use crate::db::now;
use crate::error::{Failure, Result};
use crate::kms::Purpose;
use crate::state::App;

/// Hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

/// The associated data of a server share: the client and the curve (the same in the current
/// and the pending column, so that confirming is a copy; the sharing id stored beside it is
/// checked after opening).
fn share_aad(client_id: &str, curve: &str) -> Vec<u8> {
    format!("wallet-share|{client_id}|{curve}").into_bytes()
}

fn status_name(s: SigningStatus) -> &'static str {
    s.name()
}

fn parse_signing(s: Option<String>) -> Result<Option<SigningStatus>> {
    match s.as_deref() {
        None => Ok(None),
        Some("STORED_DATABASE") => Ok(Some(SigningStatus::StoredDatabase)),
        Some("STORED_CLIENT") => Ok(Some(SigningStatus::StoredClient)),
        Some(other) => Err(Failure::internal(format!("stored signing status {other}"))),
    }
}

fn parse_backup(s: Option<String>) -> Result<Option<BackupStatus>> {
    match s.as_deref() {
        None => Ok(None),
        Some("STORED_CUSTODIAN_BACKUP_SHARE") => Ok(Some(BackupStatus::StoredCustodianBackupShare)),
        Some("STORED_CLIENT_BACKUP_SHARE") => Ok(Some(BackupStatus::StoredClientBackupShare)),
        Some(other) => Err(Failure::internal(format!("stored backup status {other}"))),
    }
}

/// A wallet row.
pub(crate) struct WalletRow {
    pub(crate) signing_status: Option<SigningStatus>,
    pub(crate) backup_status: Option<BackupStatus>,
    pub(crate) secp256k1_public_key: Vec<u8>,
    pub(crate) ed25519_public_key: Vec<u8>,
    pub(crate) secp256k1_share: Option<Vec<u8>>,
    pub(crate) ed25519_share: Option<Vec<u8>>,
    pub(crate) secp256k1_sharing_id: Option<String>,
    pub(crate) ed25519_sharing_id: Option<String>,
    pub(crate) pending_secp256k1_sharing_id: Option<String>,
    pub(crate) pending_ed25519_sharing_id: Option<String>,
    pub(crate) backup_key_kind: Option<String>,
    pub(crate) secp256k1_backup_sharing_id: Option<String>,
    pub(crate) ed25519_backup_sharing_id: Option<String>,
}

impl WalletRow {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Self {
            signing_status: parse_signing(row.try_get("signing_status")?)?,
            backup_status: parse_backup(row.try_get("backup_status")?)?,
            secp256k1_public_key: row.try_get("secp256k1_public_key")?,
            ed25519_public_key: row.try_get("ed25519_public_key")?,
            secp256k1_share: row.try_get("secp256k1_share")?,
            ed25519_share: row.try_get("ed25519_share")?,
            secp256k1_sharing_id: row.try_get("secp256k1_sharing_id")?,
            ed25519_sharing_id: row.try_get("ed25519_sharing_id")?,
            pending_secp256k1_sharing_id: row.try_get("pending_secp256k1_sharing_id")?,
            pending_ed25519_sharing_id: row.try_get("pending_ed25519_sharing_id")?,
            backup_key_kind: row.try_get("backup_key_kind")?,
            secp256k1_backup_sharing_id: row.try_get("secp256k1_backup_sharing_id")?,
            ed25519_backup_sharing_id: row.try_get("ed25519_backup_sharing_id")?,
        })
    }

    /// Whether the client confirmed a pair: the wallet exists.
    pub(crate) fn exists(&self) -> bool {
        self.signing_status == Some(SigningStatus::StoredClient)
    }
}

const COLUMNS: &str = "signing_status, backup_status, secp256k1_public_key, ed25519_public_key, \
     secp256k1_share, ed25519_share, secp256k1_sharing_id, ed25519_sharing_id, \
     pending_secp256k1_sharing_id, pending_ed25519_sharing_id, backup_key_kind, \
     secp256k1_backup_sharing_id, ed25519_backup_sharing_id";

/// The wallet of `client_id`, if any.
pub(crate) async fn load<'e, E: sqlx::Executor<'e, Database = Any>>(
    db: E,
    client_id: &str,
) -> Result<Option<WalletRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM wallets WHERE client_id = $1"
    ))
    .bind(client_id.to_owned())
    .fetch_optional(db)
    .await?;
    row.as_ref().map(WalletRow::from_row).transpose()
}

/// The wallet's current pair, refusing a wallet that cannot sign.
pub(crate) async fn signable(app: &App, client_id: &str) -> Result<WalletRow> {
    let wallet = load(&app.db, client_id)
        .await?
        .ok_or_else(|| Failure::new(ErrorCode::NoWallet, "no wallet: run generate first"))?;
    if !wallet.exists() {
        return Err(Failure::new(
            ErrorCode::NotSignable,
            "the wallet's signing shares are not confirmed by the client (STORED_DATABASE)",
        ));
    }
    Ok(wallet)
}

fn open_share(
    app: &App,
    client_id: &str,
    curve: &str,
    sealed: Option<&Vec<u8>>,
) -> Result<Zeroizing<Vec<u8>>> {
    let sealed = sealed.ok_or_else(|| Failure::internal("a confirmed wallet without its share"))?;
    Ok(app
        .kms
        .open(Purpose::Server, &share_aad(client_id, curve), sealed)?)
}

/// What a cached secp256k1 share costs in memory, in MiB, once a prover has used it: the
/// peer's ring-Pedersen window tables (about 9 MB) and the signed window tables of our
/// Paillier nonces (about 18 MB), built on first use and kept with the share.
pub const ECDSA_SHARE_MIB: u64 = 28;

/// Weighs a cached secp256k1 share by [`ECDSA_SHARE_MIB`].
#[derive(Clone)]
struct EcdsaWeight;

impl quick_cache::Weighter<(String, String), Arc<EcdsaKeyShare>> for EcdsaWeight {
    fn weight(&self, _: &(String, String), _: &Arc<EcdsaKeyShare>) -> u64 {
        ECDSA_SHARE_MIB
    }
}

/// Parsed current signing shares, by (client, sharing id): parsing a secp256k1 share
/// re-validates its Paillier material (milliseconds) and its prover tables are built on
/// first use (tens of milliseconds), too slow for every signature. A sharing id names one
/// immutable share, so an entry is never stale. The secp256k1 shares are bounded by memory
/// ([`Limits::share_cache_mib`], each weighing [`ECDSA_SHARE_MIB`]), the small Ed25519 ones
/// by count; a client's entries go when it confirms a new pair ([`ShareCache::forget`]), and
/// are wiped when dropped (the shares zeroize). The soak run found the first version, bounded
/// by count only: 10,000 secp256k1 shares with their tables are hundreds of gigabytes, and a
/// replaced pair's entries stayed until evicted.
///
/// [`Limits::share_cache_mib`]: crate::state::Limits::share_cache_mib
pub(crate) struct ShareCache {
    secp256k1: quick_cache::sync::Cache<(String, String), Arc<EcdsaKeyShare>, EcdsaWeight>,
    ed25519: quick_cache::sync::Cache<(String, String), Arc<KeyShare<Ed25519>>>,
}

impl ShareCache {
    /// At most `ed25519` Ed25519 shares and `mib` MiB of secp256k1 shares.
    pub(crate) fn new(ed25519: usize, mib: u64) -> Self {
        let mib = mib.max(ECDSA_SHARE_MIB);
        Self {
            secp256k1: quick_cache::sync::Cache::with_weighter(
                usize::try_from(mib / ECDSA_SHARE_MIB).unwrap_or(1),
                mib,
                EcdsaWeight,
            ),
            ed25519: quick_cache::sync::Cache::new(ed25519.max(1)),
        }
    }

    /// Drops `client_id`'s entries (its pair was replaced).
    pub(crate) fn forget(&self, client_id: &str) {
        self.secp256k1.retain(|(client, _), _| client != client_id);
        self.ed25519.retain(|(client, _), _| client != client_id);
    }
}

fn current_id(id: Option<&String>) -> Result<String> {
    id.cloned()
        .ok_or_else(|| Failure::internal("a confirmed wallet without its sharing id"))
}

/// The server's current secp256k1 share, checked against the row's sharing id.
pub(crate) fn secp256k1_share(
    app: &App,
    client_id: &str,
    w: &WalletRow,
) -> Result<Arc<EcdsaKeyShare>> {
    let id = current_id(w.secp256k1_sharing_id.as_ref())?;
    let key = (client_id.to_owned(), id.clone());
    if let Some(share) = app.shares.secp256k1.get(&key) {
        return Ok(share);
    }
    let bytes = open_share(app, client_id, "secp256k1", w.secp256k1_share.as_ref())?;
    let share = EcdsaKeyShare::from_bytes(&bytes).map_err(Failure::internal)?;
    if hex(&share.sharing_id()) != id {
        return Err(Failure::internal("secp256k1 share of another sharing"));
    }
    let share = Arc::new(share);
    app.shares.secp256k1.insert(key, share.clone());
    Ok(share)
}

/// The server's current Ed25519 share, checked against the row's sharing id.
pub(crate) fn ed25519_share(
    app: &App,
    client_id: &str,
    w: &WalletRow,
) -> Result<Arc<KeyShare<Ed25519>>> {
    let id = current_id(w.ed25519_sharing_id.as_ref())?;
    let key = (client_id.to_owned(), id.clone());
    if let Some(share) = app.shares.ed25519.get(&key) {
        return Ok(share);
    }
    let bytes = open_share(app, client_id, "ed25519", w.ed25519_share.as_ref())?;
    let share = KeyShare::<Ed25519>::from_bytes(&bytes).map_err(Failure::internal)?;
    if hex(&share.sharing_id()) != id {
        return Err(Failure::internal("Ed25519 share of another sharing"));
    }
    let share = Arc::new(share);
    app.shares.ed25519.insert(key, share.clone());
    Ok(share)
}

/// Stores a generated pair as pending (`STORED_DATABASE`) in `tx`: refused if the wallet
/// exists (the client confirmed a pair), replacing an unconfirmed generation otherwise.
pub(crate) async fn store_generated(
    app: &App,
    tx: &mut Transaction<'_, Any>,
    client_id: &str,
    secp256k1: &EcdsaKeyShare,
    ed25519: &KeyShare<Ed25519>,
) -> Result<()> {
    if load(&mut **tx, client_id)
        .await?
        .is_some_and(|w| w.exists())
    {
        return Err(wallet_exists());
    }
    let secp_sealed = app.kms.seal(
        Purpose::Server,
        &share_aad(client_id, "secp256k1"),
        &secp256k1.to_bytes().map_err(Failure::internal)?,
    )?;
    let ed_sealed = app.kms.seal(
        Purpose::Server,
        &share_aad(client_id, "ed25519"),
        &ed25519.to_bytes().map_err(Failure::internal)?,
    )?;
    sqlx::query("DELETE FROM wallets WHERE client_id = $1")
        .bind(client_id.to_owned())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO wallets (client_id, signing_status, backup_status, secp256k1_public_key, \
         ed25519_public_key, pending_secp256k1_share, pending_ed25519_share, \
         pending_secp256k1_sharing_id, pending_ed25519_sharing_id, updated_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(client_id.to_owned())
    .bind(status_name(SigningStatus::StoredDatabase))
    .bind(secp256k1.core().public_key_bytes().to_vec())
    .bind(ed25519.public_key_bytes().to_vec())
    .bind(secp_sealed)
    .bind(ed_sealed)
    .bind(hex(&secp256k1.sharing_id()))
    .bind(hex(&ed25519.sharing_id()))
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores a reshared pair (recover, refresh) as pending in `tx`: the current pair keeps
/// signing until the client confirms. The pair must be of the wallet's public keys.
pub(crate) async fn store_pending(
    app: &App,
    tx: &mut Transaction<'_, Any>,
    client_id: &str,
    secp256k1: &EcdsaKeyShare,
    ed25519: &KeyShare<Ed25519>,
) -> Result<()> {
    let w = load(&mut **tx, client_id)
        .await?
        .ok_or_else(|| Failure::new(ErrorCode::NoWallet, "no wallet"))?;
    if secp256k1.core().public_key_bytes() != w.secp256k1_public_key.as_slice()
        || ed25519.public_key_bytes() != w.ed25519_public_key.as_slice()
    {
        return Err(Failure::internal("a reshared pair of other public keys"));
    }
    let secp_sealed = app.kms.seal(
        Purpose::Server,
        &share_aad(client_id, "secp256k1"),
        &secp256k1.to_bytes().map_err(Failure::internal)?,
    )?;
    let ed_sealed = app.kms.seal(
        Purpose::Server,
        &share_aad(client_id, "ed25519"),
        &ed25519.to_bytes().map_err(Failure::internal)?,
    )?;
    sqlx::query(
        "UPDATE wallets SET pending_secp256k1_share = $1, pending_ed25519_share = $2, \
         pending_secp256k1_sharing_id = $3, pending_ed25519_sharing_id = $4, updated_at = $5 \
         WHERE client_id = $6",
    )
    .bind(secp_sealed)
    .bind(ed_sealed)
    .bind(hex(&secp256k1.sharing_id()))
    .bind(hex(&ed25519.sharing_id()))
    .bind(now())
    .bind(client_id.to_owned())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) fn wallet_exists() -> Failure {
    Failure::new(ErrorCode::WalletAlreadyExists, "wallet already exists")
}

/// The client confirmed that it stored the pending pair with these ids: it becomes current
/// (`STORED_CLIENT`), and the presignatures of the previous pair are deleted, in one
/// transaction. Confirming the current pair again is accepted (a retried confirmation).
pub(crate) async fn confirm(app: &App, client_id: &str, secp_id: &str, ed_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let updated = sqlx::query(
        "UPDATE wallets SET signing_status = $1, \
         secp256k1_share = pending_secp256k1_share, ed25519_share = pending_ed25519_share, \
         secp256k1_sharing_id = pending_secp256k1_sharing_id, \
         ed25519_sharing_id = pending_ed25519_sharing_id, \
         pending_secp256k1_share = NULL, pending_ed25519_share = NULL, \
         pending_secp256k1_sharing_id = NULL, pending_ed25519_sharing_id = NULL, updated_at = $2 \
         WHERE client_id = $3 AND pending_secp256k1_sharing_id = $4 \
         AND pending_ed25519_sharing_id = $5",
    )
    .bind(status_name(SigningStatus::StoredClient))
    .bind(now())
    .bind(client_id.to_owned())
    .bind(secp_id.to_owned())
    .bind(ed_id.to_owned())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 1 {
        sqlx::query("DELETE FROM presignatures WHERE client_id = $1 AND sharing_id <> $2")
            .bind(client_id.to_owned())
            .bind(secp_id.to_owned())
            .execute(&mut *tx)
            .await?;
        crash::commit(tx, "wallet.confirm").await?;
        app.shares.forget(client_id);
        return Ok(());
    }
    drop(tx);
    match load(&app.db, client_id).await? {
        Some(w)
            if w.exists()
                && w.secp256k1_sharing_id.as_deref() == Some(secp_id)
                && w.ed25519_sharing_id.as_deref() == Some(ed_id) =>
        {
            Ok(())
        }
        _ => Err(Failure::new(
            ErrorCode::NothingToConfirm,
            "no pending signing pair with these sharing ids",
        )),
    }
}

/// The status answer of `client_id`.
pub(crate) async fn status(app: &App, client_id: &str) -> Result<ClientStatus> {
    let Some(w) = load(&app.db, client_id).await? else {
        return Ok(ClientStatus {
            client_id: client_id.to_owned(),
            signing_share_status: None,
            backup_share_status: None,
            secp256k1: None,
            ed25519: None,
            addresses: None,
            presignatures: 0,
        });
    };
    let secp =
        k256::PublicKey::from_sec1_bytes(&w.secp256k1_public_key).map_err(Failure::internal)?;
    let ed_bytes: [u8; 32] = w
        .ed25519_public_key
        .as_slice()
        .try_into()
        .map_err(Failure::internal)?;
    let ed = ed25519_dalek::VerifyingKey::from_bytes(&ed_bytes).map_err(Failure::internal)?;
    let count: i64 = match &w.secp256k1_sharing_id {
        Some(id) => sqlx::query(
            "SELECT COUNT(*) AS n FROM presignatures \
             WHERE client_id = $1 AND sharing_id = $2 AND expires_at > $3",
        )
        .bind(client_id.to_owned())
        .bind(id.clone())
        .bind(now())
        .fetch_one(&app.db)
        .await?
        .try_get("n")?,
        None => 0,
    };
    Ok(ClientStatus {
        client_id: client_id.to_owned(),
        signing_share_status: w.signing_status,
        backup_share_status: w.backup_status,
        secp256k1: Some(PublicKeyInfo {
            public_key: hex(&w.secp256k1_public_key),
            sharing_id: w.secp256k1_sharing_id.clone(),
            pending_sharing_id: w.pending_secp256k1_sharing_id.clone(),
        }),
        ed25519: Some(PublicKeyInfo {
            public_key: hex(&w.ed25519_public_key),
            sharing_id: w.ed25519_sharing_id.clone(),
            pending_sharing_id: w.pending_ed25519_sharing_id.clone(),
        }),
        addresses: Some(Addresses::new(&secp, &ed)),
        presignatures: u64::try_from(count).unwrap_or(0),
    })
}
