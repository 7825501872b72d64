//! Backup, the server's half, and the backup pair's records.
//!
//! A backup session reshares the signing pair into a fresh backup pair (`reshare.rs`'s
//! helpers, four client messages):
//!
//! | step | client message | server state saved after it |
//! |---|---|---|
//! | 0 | secp256k1 resharing 1 | `reshare::ServerAwaitingOpening<Backup, Secp256k1>` |
//! | 1 | secp256k1 resharing 3 | – (the custodian's new share carried) |
//! | 2 | Ed25519 resharing 1 | `reshare::ServerAwaitingOpening<Backup, Ed25519>` |
//! | 3 | Ed25519 resharing 3 | finished: the custodian's shares stored (`STORED_CUSTODIAN_BACKUP_SHARE`) |
//!
//! At step 3 the custodian's shares go to the webhook first (self-managed custody, stored
//! and fetched back), then the transaction stores them (provider-managed: sealed under the
//! custodian key) or only their sharing ids (self-managed) as the **pending** backup pair.
//! The client seals its own shares and stores them (`POST /v1/wallet/backup`): that
//! transaction makes the pending pair current (`STORED_CLIENT_BACKUP_SHARE`) and deletes the
//! previous pair's records. Until then the previous pair, if any, is the wallet's backup.

use sqlx::{Any, Row, Transaction};
use tandem_client::api::{
    BackupMethod, ClientBackup, CustodianShares, ErrorCode, StoreClientBackup,
};
use tandem_curves::{Curve, CurveId, Ed25519, Secp256k1};
use tandem_protocol::reshare::Backup;
use tandem_protocol::stored::{StoredKind, peek};
use tandem_protocol::{BackupKind, BackupShare};
use tandem_wallet::BackupStatus;

use crate::crash;
use crate::custodian::{Custodian, ShareDocument};
use crate::db::now;
use crate::error::{Failure, Result};
use crate::kms::Purpose;
use crate::reshare::{finish, respond};
use crate::session::{Finished, Next, Outcome, Saved};
use crate::state::App;
use crate::wallet::{self, WalletRow, hex};

/// Largest client envelope the server stores (hex characters).
const MAX_ENVELOPE_HEX: usize = 64 * 1024;

/// A backup's new custodian shares.
pub(crate) struct NewCustodianShares {
    secp256k1: BackupShare<Secp256k1>,
    ed25519: BackupShare<Ed25519>,
    method: BackupMethod,
    at_webhook: bool,
}

fn curve_name(curve: CurveId) -> &'static str {
    match curve {
        CurveId::Secp256k1 => "secp256k1",
        CurveId::Ed25519 => "ed25519",
    }
}

fn custodian_aad(client_id: &str, curve: CurveId, sharing_id: &str) -> Vec<u8> {
    format!(
        "custodian-share|{client_id}|{}|{sharing_id}",
        curve_name(curve)
    )
    .into_bytes()
}

/// One step of backup (see the module docs).
pub(crate) async fn step(
    app: &App,
    client_id: &str,
    step: i64,
    saved: Saved,
    msg: Vec<u8>,
) -> Result<Outcome> {
    let w = wallet::signable(app, client_id).await?;
    let secp = wallet::secp256k1_share(app, client_id, &w)?;
    let ed = wallet::ed25519_share(app, client_id, &w)?;
    let method = saved
        .method
        .as_deref()
        .and_then(BackupMethod::from_name)
        .ok_or_else(|| Failure::internal("backup session without its method"))?;
    let outcome = app
        .compute(move || match step {
            0 => respond::<Backup, Secp256k1>(secp.core(), &saved, &msg),
            1 => {
                let (custodian, reply) = finish::<Backup, Secp256k1>(secp.core(), &saved, &msg)?;
                let bytes = custodian.to_bytes().map_err(Failure::internal)?;
                Ok(Outcome {
                    reply,
                    next: Next::Continue(saved.next(Vec::new(), Some(bytes.to_vec()))),
                })
            }
            2 => respond::<Backup, Ed25519>(&ed, &saved, &msg),
            3 => {
                let (ed25519, reply) = finish::<Backup, Ed25519>(&ed, &saved, &msg)?;
                let secp_bytes = saved
                    .carried
                    .first()
                    .ok_or_else(|| Failure::internal("backup: no secp256k1 share carried"))?;
                let secp256k1 =
                    BackupShare::<Secp256k1>::from_bytes(secp_bytes).map_err(Failure::internal)?;
                Ok(Outcome {
                    reply,
                    next: Next::Finish(Finished::BackedUp(Box::new(NewCustodianShares {
                        secp256k1,
                        ed25519,
                        method,
                        at_webhook: false,
                    }))),
                })
            }
            _ => Err(Failure::internal(format!("backup: no step {step}"))),
        })
        .await??;
    // Self-managed custody: the webhook stores the new shares (and returns them on a fetch)
    // before anything is committed here.
    match (outcome, &app.custodian) {
        (
            Outcome {
                reply,
                next: Next::Finish(Finished::BackedUp(mut shares)),
            },
            Custodian::Webhook(hook),
        ) => {
            let document = share_document(&shares)?;
            crash::write(
                "backup.webhook",
                hook.store(client_id, shares.method, &document),
            )
            .await?;
            shares.at_webhook = true;
            Ok(Outcome {
                reply,
                next: Next::Finish(Finished::BackedUp(shares)),
            })
        }
        (outcome, _) => Ok(outcome),
    }
}

fn share_document(shares: &NewCustodianShares) -> Result<zeroize::Zeroizing<String>> {
    let doc = ShareDocument {
        version: 1,
        secp256k1: hex(&shares.secp256k1.to_bytes().map_err(Failure::internal)?),
        ed25519: hex(&shares.ed25519.to_bytes().map_err(Failure::internal)?),
    };
    Ok(zeroize::Zeroizing::new(
        serde_json::to_string(&doc).map_err(Failure::internal)?,
    ))
}

/// Stores the custodian's new shares as the pending backup pair (in the transaction that
/// ends the session).
pub(crate) async fn store_custodian(
    app: &App,
    tx: &mut Transaction<'_, Any>,
    client_id: &str,
    shares: NewCustodianShares,
) -> Result<()> {
    let ids = [
        hex(&shares.secp256k1.sharing_id()),
        hex(&shares.ed25519.sharing_id()),
    ];
    let sealed = if shares.at_webhook {
        [None, None]
    } else {
        let secp = shares.secp256k1.to_bytes().map_err(Failure::internal)?;
        let ed = shares.ed25519.to_bytes().map_err(Failure::internal)?;
        [
            Some(app.kms.seal(
                Purpose::Custodian,
                &custodian_aad(client_id, CurveId::Secp256k1, &ids[0]),
                &secp,
            )?),
            Some(app.kms.seal(
                Purpose::Custodian,
                &custodian_aad(client_id, CurveId::Ed25519, &ids[1]),
                &ed,
            )?),
        ]
    };
    // Pending pairs of earlier, unfinished backups are dropped; the current pair stays.
    sqlx::query(
        "DELETE FROM backup_shares WHERE client_id = $1 AND sharing_id NOT IN \
         (SELECT secp256k1_backup_sharing_id FROM wallets WHERE client_id = $2 \
          AND secp256k1_backup_sharing_id IS NOT NULL \
          UNION SELECT ed25519_backup_sharing_id FROM wallets WHERE client_id = $3 \
          AND ed25519_backup_sharing_id IS NOT NULL)",
    )
    .bind(client_id.to_owned())
    .bind(client_id.to_owned())
    .bind(client_id.to_owned())
    .execute(&mut **tx)
    .await?;
    for ((curve, id), sealed) in [CurveId::Secp256k1, CurveId::Ed25519]
        .into_iter()
        .zip(&ids)
        .zip(sealed)
    {
        sqlx::query(
            "INSERT INTO backup_shares (client_id, curve, sharing_id, custodian_share, client_envelope) \
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(client_id.to_owned())
        .bind(curve_name(curve))
        .bind(id.clone())
        .bind(sealed)
        .execute(&mut **tx)
        .await?;
    }
    let [secp_id, ed_id] = ids;
    sqlx::query(
        "UPDATE wallets SET pending_backup_key_kind = $1, \
         pending_secp256k1_backup_sharing_id = $2, pending_ed25519_backup_sharing_id = $3, \
         backup_status = COALESCE(backup_status, $4), updated_at = $5 WHERE client_id = $6",
    )
    .bind(shares.method.name())
    .bind(secp_id)
    .bind(ed_id)
    .bind(BackupStatus::StoredCustodianBackupShare.name())
    .bind(now())
    .bind(client_id.to_owned())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn envelope(hex_text: &str, curve: CurveId) -> Result<Vec<u8>> {
    let bad = |what: &str| {
        Failure::new(
            ErrorCode::BadRequest,
            format!("{} envelope: {what}", curve_name(curve)),
        )
    };
    if hex_text.len() > MAX_ENVELOPE_HEX {
        return Err(bad("too large"));
    }
    let bytes = base16ct::mixed::decode_vec(hex_text).map_err(|_| bad("not hex"))?;
    // The server cannot open it (the client's key), but it checks what it is.
    let header = peek(&bytes).map_err(|e| bad(&e.to_string()))?;
    if header.kind != StoredKind::SealedShare || header.curve != curve {
        return Err(bad("not a sealed backup share of this curve"));
    }
    Ok(bytes)
}

/// `POST /v1/wallet/backup`: the client stored... its sealed shares here; the pending pair
/// becomes the wallet's backup (`STORED_CLIENT_BACKUP_SHARE`).
pub(crate) async fn store_client_backup(
    app: &App,
    client_id: &str,
    request: &StoreClientBackup,
) -> Result<()> {
    let secp = envelope(&request.secp256k1_envelope, CurveId::Secp256k1)?;
    let ed = envelope(&request.ed25519_envelope, CurveId::Ed25519)?;
    let mut tx = app.db.begin().await?;
    let taken = sqlx::query(
        "UPDATE wallets SET backup_status = $1, backup_key_kind = pending_backup_key_kind, \
         secp256k1_backup_sharing_id = pending_secp256k1_backup_sharing_id, \
         ed25519_backup_sharing_id = pending_ed25519_backup_sharing_id, \
         pending_backup_key_kind = NULL, pending_secp256k1_backup_sharing_id = NULL, \
         pending_ed25519_backup_sharing_id = NULL, updated_at = $2 \
         WHERE client_id = $3 AND pending_secp256k1_backup_sharing_id = $4 \
         AND pending_ed25519_backup_sharing_id = $5 AND pending_backup_key_kind = $6",
    )
    .bind(BackupStatus::StoredClientBackupShare.name())
    .bind(now())
    .bind(client_id.to_owned())
    .bind(request.secp256k1_sharing_id.clone())
    .bind(request.ed25519_sharing_id.clone())
    .bind(request.backup_method.name())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if taken != 1 {
        return Err(Failure::new(
            ErrorCode::NothingToConfirm,
            "no pending backup pair with these sharing ids and method",
        ));
    }
    for (curve, id, bytes) in [
        (CurveId::Secp256k1, &request.secp256k1_sharing_id, secp),
        (CurveId::Ed25519, &request.ed25519_sharing_id, ed),
    ] {
        sqlx::query(
            "UPDATE backup_shares SET client_envelope = $1 \
             WHERE client_id = $2 AND curve = $3 AND sharing_id = $4",
        )
        .bind(bytes)
        .bind(client_id.to_owned())
        .bind(curve_name(curve))
        .bind(id.clone())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "DELETE FROM backup_shares WHERE client_id = $1 AND sharing_id <> $2 AND sharing_id <> $3",
    )
    .bind(client_id.to_owned())
    .bind(request.secp256k1_sharing_id.clone())
    .bind(request.ed25519_sharing_id.clone())
    .execute(&mut *tx)
    .await?;
    crash::commit(tx, "backup.client").await?;
    Ok(())
}

/// The wallet, refusing one without a complete backup (`STORED_CLIENT_BACKUP_SHARE`).
pub(crate) async fn require_backup(app: &App, client_id: &str) -> Result<WalletRow> {
    let w = wallet::load(&app.db, client_id)
        .await?
        .ok_or_else(|| Failure::new(ErrorCode::NoWallet, "no wallet"))?;
    if w.backup_status != Some(BackupStatus::StoredClientBackupShare) {
        return Err(Failure::new(
            ErrorCode::NoBackup,
            "no completed backup (the backup shares must reach STORED_CLIENT_BACKUP_SHARE): run \
             backup first",
        ));
    }
    Ok(w)
}

fn current_ids(w: &WalletRow) -> Result<[String; 2]> {
    match (&w.secp256k1_backup_sharing_id, &w.ed25519_backup_sharing_id) {
        (Some(a), Some(b)) => Ok([a.clone(), b.clone()]),
        _ => Err(Failure::internal(
            "a complete backup without its sharing ids",
        )),
    }
}

/// The wallet's backup pair was replaced between the read of its row and the read of its
/// backup shares: a backup committed at the same time (a race lost, not a failure; found by
/// `server_races.rs`, where a recovery interleaved with a backup answered 500).
fn backup_replaced() -> Failure {
    Failure::new(
        ErrorCode::WrongStep,
        "the wallet's backup was replaced while it was read (a backup ran at the same time): \
         start again",
    )
}

/// Whether the wallet's current backup pair is still `ids` (read again after a backup share
/// of `ids` was missing): if it is, the row is missing for no race, a server fault.
async fn backup_unchanged(app: &App, client_id: &str, ids: &[String; 2]) -> Result<Failure> {
    let now = require_backup(app, client_id).await?;
    if current_ids(&now)? == *ids {
        Ok(Failure::internal(
            "a current backup pair without its backup shares",
        ))
    } else {
        Ok(backup_replaced())
    }
}

/// `GET /v1/wallet/backup`: the current pair's client envelopes. A backup replaced between
/// the two reads is read again (the row names the new pair), a few times at most; a missing
/// row of a pair that is still current is a server fault (500).
pub(crate) async fn client_backup(app: &App, client_id: &str) -> Result<ClientBackup> {
    for _ in 0..3 {
        let w = require_backup(app, client_id).await?;
        let ids = current_ids(&w)?;
        let [secp_id, ed_id] = ids.clone();
        let mut envelopes = Vec::new();
        for (curve, id) in [(CurveId::Secp256k1, secp_id), (CurveId::Ed25519, ed_id)] {
            let row = sqlx::query(
                "SELECT client_envelope FROM backup_shares \
                 WHERE client_id = $1 AND curve = $2 AND sharing_id = $3",
            )
            .bind(client_id.to_owned())
            .bind(curve_name(curve))
            .bind(id)
            .fetch_optional(&app.db)
            .await?;
            let Some(row) = row else { break };
            let bytes: Option<Vec<u8>> = row.try_get("client_envelope")?;
            envelopes.push(hex(&bytes.ok_or_else(|| {
                Failure::internal("a current backup without its envelope")
            })?));
        }
        let [secp256k1_envelope, ed25519_envelope]: [String; 2] = match envelopes.try_into() {
            Ok(both) => both,
            Err(_) => match backup_unchanged(app, client_id, &ids).await? {
                f if f.code == ErrorCode::Internal => return Err(f),
                _ => continue,
            },
        };
        let method = w
            .backup_key_kind
            .as_deref()
            .and_then(BackupMethod::from_name)
            .ok_or_else(|| Failure::internal("a current backup without its method"))?;
        return Ok(ClientBackup {
            backup_method: method,
            secp256k1_envelope,
            ed25519_envelope,
        });
    }
    Err(backup_replaced())
}

fn check_custodian<C: Curve>(share: &BackupShare<C>, id: &str) -> Result<()> {
    if share.kind() != BackupKind::CustodianBackup || hex(&share.sharing_id()) != id {
        return Err(Failure::new(
            ErrorCode::CustodianFailed,
            "the custodian's share is not of the wallet's current backup pair",
        ));
    }
    Ok(())
}

/// The custodian's shares of the current backup pair: from the database, or fetched from
/// the organization's webhook; checked against the current sharing ids.
pub(crate) async fn custodian_shares(
    app: &App,
    client_id: &str,
    w: &WalletRow,
) -> Result<(BackupShare<Secp256k1>, BackupShare<Ed25519>)> {
    let [secp_id, ed_id] = current_ids(w)?;
    let (secp, ed) = match &app.custodian {
        Custodian::Provider => {
            let mut out = Vec::new();
            for (curve, id) in [(CurveId::Secp256k1, &secp_id), (CurveId::Ed25519, &ed_id)] {
                let row = sqlx::query(
                    "SELECT custodian_share FROM backup_shares \
                     WHERE client_id = $1 AND curve = $2 AND sharing_id = $3",
                )
                .bind(client_id.to_owned())
                .bind(curve_name(curve))
                .bind(id.clone())
                .fetch_optional(&app.db)
                .await?;
                let Some(row) = row else {
                    let ids = [secp_id.clone(), ed_id.clone()];
                    return Err(backup_unchanged(app, client_id, &ids).await?);
                };
                let sealed: Option<Vec<u8>> = row.try_get("custodian_share")?;
                let sealed = sealed.ok_or_else(|| {
                    Failure::internal("a provider-managed backup without its custodian share")
                })?;
                out.push(app.kms.open(
                    Purpose::Custodian,
                    &custodian_aad(client_id, curve, id),
                    &sealed,
                )?);
            }
            let mut out = out.into_iter();
            let secp = out
                .next()
                .ok_or_else(|| Failure::internal("missing share"))?;
            let ed = out
                .next()
                .ok_or_else(|| Failure::internal("missing share"))?;
            (
                BackupShare::<Secp256k1>::from_bytes(&secp).map_err(Failure::internal)?,
                BackupShare::<Ed25519>::from_bytes(&ed).map_err(Failure::internal)?,
            )
        }
        Custodian::Webhook(hook) => {
            let text = hook.fetch(client_id).await?;
            let bad = |e: &dyn core::fmt::Display| {
                Failure::new(
                    ErrorCode::CustodianFailed,
                    format!("custodian webhook share: {e}"),
                )
            };
            let doc: ShareDocument = serde_json::from_str(&text).map_err(|e| bad(&e))?;
            let secp = zeroize::Zeroizing::new(
                base16ct::mixed::decode_vec(&doc.secp256k1).map_err(|e| bad(&e))?,
            );
            let ed = zeroize::Zeroizing::new(
                base16ct::mixed::decode_vec(&doc.ed25519).map_err(|e| bad(&e))?,
            );
            (
                BackupShare::<Secp256k1>::from_bytes(&secp).map_err(|e| bad(&e))?,
                BackupShare::<Ed25519>::from_bytes(&ed).map_err(|e| bad(&e))?,
            )
        }
    };
    check_custodian(&secp, &secp_id)?;
    check_custodian(&ed, &ed_id)?;
    Ok((secp, ed))
}

/// `POST /v1/wallet/eject`: the custodian's shares of the current backup pair.
pub(crate) async fn eject(app: &App, client_id: &str) -> Result<CustodianShares> {
    let w = require_backup(app, client_id).await?;
    let (secp, ed) = custodian_shares(app, client_id, &w).await?;
    tracing::warn!(%client_id, "eject: custodian backup shares released to the client");
    Ok(CustodianShares {
        secp256k1: hex(&secp.to_bytes().map_err(Failure::internal)?),
        ed25519: hex(&ed.to_bytes().map_err(Failure::internal)?),
    })
}
