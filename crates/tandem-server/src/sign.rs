//! Co-signing: one request each, with an optional `Idempotency-Key`.
//!
//! - secp256k1 (`POST /v1/sign/secp256k1`): the client's online-signing message names a
//!   presignature; the server opens its half, computes its partial signature, then in one
//!   transaction deletes the half (`DELETE … WHERE presignature_id = …`: of two racing
//!   requests one deletes it, the other finds nothing) and records the answer under the
//!   idempotency key, counting the spend; the answer leaves after the commit and the spend
//!   anchor's raise (`anchor.rs`: a restored database cannot spend the half again).
//! - Ed25519 (`POST /v1/sign/ed25519`): FROST's two rounds in one request (the server's
//!   nonces are drawn, used and dropped within it); with an idempotency key the answer is
//!   recorded before it leaves, so a retry gets the same answer instead of a second one.
//! - BIP340 (`POST /v1/sign/bip340`): the same for FROST with BIP340 challenges on the
//!   secp256k1 share (a Taproot key-path spend); no presignature is involved.
//!
//! A retried request with the same key and body gets the recorded answer; the same key with
//! another body is refused (`idempotency_key_reused`). The record is looked up only when the
//! request cannot be served as new (its presignature is spent, the wallet cannot sign, or
//! recording its answer finds one recorded): a signature costs no query for it.

use rand_core::UnwrapErr;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};
use tandem_client::api::ErrorCode;
use tandem_protocol::ecdsa::{Presignature, sign as ecdsa_sign};
use tandem_protocol::eddsa::sign as eddsa_sign;
use tandem_protocol::taproot::sign as bip340_sign;

use crate::db::now;
use crate::error::{Failure, Result, protocol};
use crate::kms::Purpose;
use crate::state::App;
use crate::{anchor, crash, presign, wallet};

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

/// An idempotency key with the hash of the request it came with.
pub(crate) struct Idempotency {
    key: String,
    hash: Vec<u8>,
}

impl Idempotency {
    pub(crate) fn new(key: String, endpoint: &str, body: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(endpoint.as_bytes());
        h.update([0]);
        h.update(body);
        Self {
            key,
            hash: h.finalize().to_vec(),
        }
    }

    /// The recorded answer, if this key was used: refused if with another body. An answer
    /// that came from a spend leaves again only once the spend anchor holds that spend
    /// (`anchor::recorded`).
    pub(crate) async fn recorded(&self, app: &App, client_id: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query(
            "SELECT request_hash, response, spends FROM idempotency \
             WHERE client_id = $1 AND idempotency_key = $2",
        )
        .bind(client_id.to_owned())
        .bind(self.key.clone())
        .fetch_optional(&app.db)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let hash: Vec<u8> = row.try_get("request_hash")?;
        if hash != self.hash {
            return Err(Failure::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used with another request",
            ));
        }
        let spends: Option<i64> = row.try_get("spends")?;
        let spends = spends
            .map(u64::try_from)
            .transpose()
            .map_err(Failure::internal)?;
        anchor::recorded(app, spends).await?;
        Ok(Some(row.try_get("response")?))
    }

    pub(crate) async fn record(
        &self,
        tx: &mut Transaction<'_, Any>,
        client_id: &str,
        response: &[u8],
        spends: Option<u64>,
    ) -> Result<()> {
        let spends = spends
            .map(i64::try_from)
            .transpose()
            .map_err(Failure::internal)?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency \
             (client_id, idempotency_key, request_hash, response, created_at, spends) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(client_id.to_owned())
        .bind(self.key.clone())
        .bind(self.hash.clone())
        .bind(response.to_vec())
        .bind(now())
        .bind(spends)
        .execute(&mut **tx)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            // Another request recorded under this key since it was looked up: one with
            // another body (a copy of this one finds its step or presignature taken first and
            // never gets here), refused like a key reused after the fact.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Failure::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used with another request",
            )),
            Err(e) => Err(e.into()),
        }
    }
}

/// The answer recorded under the request's idempotency key (refused if recorded for another
/// body), else `failure`.
async fn recorded_or(
    app: &App,
    client_id: &str,
    idempotency: Option<&Idempotency>,
    failure: Failure,
) -> Result<Vec<u8>> {
    if let Some(i) = idempotency
        && let Some(answer) = i.recorded(app, client_id).await?
    {
        return Ok(answer);
    }
    Err(failure)
}

fn unknown_presignature() -> Failure {
    Failure::new(
        ErrorCode::UnknownPresignature,
        "no such presignature (spent, expired, or never made)",
    )
}

/// `POST /v1/sign/secp256k1`.
pub(crate) async fn secp256k1(
    app: &App,
    client_id: &str,
    idempotency: Option<Idempotency>,
    msg: Vec<u8>,
) -> Result<Vec<u8>> {
    // A retry's recorded answer is looked up only when the request cannot be served as new
    // (its presignature is gone, the wallet cannot sign): no query for it otherwise.
    let wallet = match wallet::signable(app, client_id).await {
        Ok(wallet) => wallet,
        Err(e) => return recorded_or(app, client_id, idempotency.as_ref(), e).await,
    };
    let share = wallet::secp256k1_share(app, client_id, &wallet)?;
    let request = ecdsa_sign::server_receive_request(&share, &msg).map_err(protocol)?;
    let id = wallet::hex(&request.presignature_id().0);
    let row = sqlx::query(
        "SELECT data FROM presignatures \
         WHERE client_id = $1 AND presignature_id = $2 AND expires_at > $3",
    )
    .bind(client_id.to_owned())
    .bind(id.clone())
    .bind(now())
    .fetch_optional(&app.db)
    .await?;
    let Some(row) = row else {
        return recorded_or(app, client_id, idempotency.as_ref(), unknown_presignature()).await;
    };
    let sealed: Vec<u8> = row.try_get("data")?;
    let bytes = app
        .kms
        .open(Purpose::Server, &presign::aad(client_id, &id), &sealed)?;
    let presignature = Presignature::from_bytes(&bytes).map_err(Failure::internal)?;
    let reply = app
        .compute(move || {
            let (_finish, reply) = request
                .approve(&share, presignature, &mut rng())
                .map_err(protocol)?;
            Ok::<_, Failure>(reply)
        })
        .await??;
    let mut tx = app.db.begin().await?;
    let spent =
        sqlx::query("DELETE FROM presignatures WHERE client_id = $1 AND presignature_id = $2")
            .bind(client_id.to_owned())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if spent != 1 {
        drop(tx);
        // Another request spent it first: its answer, if it was this one retried.
        return recorded_or(app, client_id, idempotency.as_ref(), unknown_presignature()).await;
    }
    // Counted, and the anchor raised before the answer leaves: a database restored to
    // before this spend cannot sign with this presignature again (`anchor.rs`).
    let spends = match anchor::count(&mut tx, app).await? {
        Ok(spends) => spends,
        Err(behind) => {
            drop(tx);
            return Err(behind.purge(app).await);
        }
    };
    if let Some(i) = &idempotency {
        i.record(&mut tx, client_id, &reply, Some(spends)).await?;
    }
    crash::commit(tx, "presignatures.spend").await?;
    app.anchor.raise(spends).await?;
    Ok(reply)
}

/// `POST /v1/sign/ed25519`.
pub(crate) async fn ed25519(
    app: &App,
    client_id: &str,
    idempotency: Option<Idempotency>,
    msg: Vec<u8>,
) -> Result<Vec<u8>> {
    let wallet = match wallet::signable(app, client_id).await {
        Ok(wallet) => wallet,
        Err(e) => return recorded_or(app, client_id, idempotency.as_ref(), e).await,
    };
    let key = wallet::ed25519_share(app, client_id, &wallet)?;
    let reply = app
        .compute(move || {
            let request = eddsa_sign::server_receive_request(&key, &msg).map_err(protocol)?;
            let (_finish, reply) = request.approve(&key, &mut rng()).map_err(protocol)?;
            Ok::<_, Failure>(reply)
        })
        .await??;
    if let Some(i) = &idempotency {
        match record(app, client_id, i, &reply).await? {
            Recorded::Commit(tx) => crash::commit(tx, "idempotency.ed25519").await?,
            Recorded::Earlier(answer) => return Ok(answer),
        }
    }
    Ok(reply)
}

/// `POST /v1/sign/bip340`: FROST with BIP340 challenges on the secp256k1 share (a Taproot
/// key-path spend), the same two rounds in one request as Ed25519.
pub(crate) async fn bip340(
    app: &App,
    client_id: &str,
    idempotency: Option<Idempotency>,
    msg: Vec<u8>,
) -> Result<Vec<u8>> {
    let wallet = match wallet::signable(app, client_id).await {
        Ok(wallet) => wallet,
        Err(e) => return recorded_or(app, client_id, idempotency.as_ref(), e).await,
    };
    let share = wallet::secp256k1_share(app, client_id, &wallet)?;
    let reply = app
        .compute(move || {
            let key = share.core();
            let request = bip340_sign::server_receive_request(key, &msg).map_err(protocol)?;
            let (_finish, reply) = request.approve(key, &mut rng()).map_err(protocol)?;
            Ok::<_, Failure>(reply)
        })
        .await??;
    if let Some(i) = &idempotency {
        match record(app, client_id, i, &reply).await? {
            Recorded::Commit(tx) => crash::commit(tx, "idempotency.bip340").await?,
            Recorded::Earlier(answer) => return Ok(answer),
        }
    }
    Ok(reply)
}

/// Where recording a co-signature's answer under its idempotency key got to.
enum Recorded {
    /// Recorded in this transaction: the caller commits it (naming its write) before the
    /// answer leaves.
    Commit(Transaction<'static, Any>),
    /// A concurrent request with this key recorded first: its answer is the answer.
    Earlier(Vec<u8>),
}

/// Records `reply` under the idempotency key `i` (the server's nonces are already dropped:
/// a retry gets this answer, never a second one).
async fn record(app: &App, client_id: &str, i: &Idempotency, reply: &[u8]) -> Result<Recorded> {
    let mut tx = app.db.begin().await?;
    if let Err(e) = i.record(&mut tx, client_id, reply, None).await {
        drop(tx);
        return match i.recorded(app, client_id).await? {
            Some(answer) => Ok(Recorded::Earlier(answer)),
            None => Err(e),
        };
    }
    Ok(Recorded::Commit(tx))
}
