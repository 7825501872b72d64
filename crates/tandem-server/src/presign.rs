//! Presign, the server's half (CGGMP24 Fig. 8, four messages, client first), and its pool.
//!
//! | step | client message | server state saved after it |
//! |---|---|---|
//! | 0 | 1 (`K_c`, `G_c`, Πenc-elg) | `presign::ServerAwaitingClient`, **spend-once** |
//! | 1 | 3 (MtA, `δ_c`) | finished: the server's half stored in `presignatures` |
//!
//! The state saved at step 0 holds the server's nonces: it is taken by the one transaction
//! that deletes the session row (and stores the presignature) before message 4 leaves. The
//! presignatures of a client are capped ([`Limits::presignatures_per_client`]) and expire
//! ([`Limits::presignature_ttl`]).
//!
//! [`Limits::presignatures_per_client`]: crate::state::Limits::presignatures_per_client
//! [`Limits::presignature_ttl`]: crate::state::Limits::presignature_ttl

use rand_core::UnwrapErr;
use sqlx::{Any, Row, Transaction};
use tandem_client::api::ErrorCode;
use tandem_protocol::ecdsa::Presignature;
use tandem_protocol::ecdsa::presign::{self, spend_once};

use crate::crash;
use crate::db::now;
use crate::error::{Failure, Result, protocol, protocol_step};
use crate::kms::Purpose;
use crate::session::{Finished, Next, Outcome, Saved};
use crate::state::App;
use crate::wallet::{self, hex};

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

/// The associated data of a stored presignature half.
pub(crate) fn aad(client_id: &str, presignature_id: &str) -> Vec<u8> {
    format!("presignature|{client_id}|{presignature_id}").into_bytes()
}

async fn held(app: &App, client_id: &str) -> Result<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM presignatures WHERE client_id = $1 AND expires_at > $2",
    )
    .bind(client_id.to_owned())
    .bind(now())
    .fetch_one(&app.db)
    .await?
    .try_get("n")?)
}

/// A presigning session may start: the wallet signs, and its pool has room.
pub(crate) async fn check_can_start(app: &App, client_id: &str) -> Result<()> {
    wallet::signable(app, client_id).await?;
    crash::write(
        "presignatures.sweep_client",
        sqlx::query("DELETE FROM presignatures WHERE client_id = $1 AND expires_at <= $2")
            .bind(client_id.to_owned())
            .bind(now())
            .execute(&app.db),
    )
    .await?;
    if held(app, client_id).await? >= app.limits.presignatures_per_client {
        return Err(Failure::new(
            ErrorCode::TooManyRequests,
            format!(
                "the server holds {} presignatures for this client, its limit",
                app.limits.presignatures_per_client
            ),
        ));
    }
    Ok(())
}

/// One step of presign (see the module docs).
pub(crate) async fn step(
    app: &App,
    client_id: &str,
    step: i64,
    saved: Saved,
    msg: Vec<u8>,
) -> Result<Outcome> {
    let wallet = wallet::signable(app, client_id).await?;
    let share = wallet::secp256k1_share(app, client_id, &wallet)?;
    match step {
        0 => {
            app.compute(move || {
                let (state, reply) =
                    presign::server_respond(&share, &msg, &mut rng()).map_err(protocol)?;
                let state = spend_once::save(state).map_err(Failure::internal)?;
                Ok(Outcome {
                    reply,
                    next: Next::Continue(saved.next(state.to_vec(), None)),
                })
            })
            .await?
        }
        1 => {
            app.compute(move || {
                let state = spend_once::restore(&saved.state).map_err(Failure::internal)?;
                let (presignature, reply) = state
                    .receive(&share, &msg, &mut rng())
                    .map_err(protocol_step)?;
                Ok(Outcome {
                    reply,
                    next: Next::Finish(Finished::Presigned(Box::new(presignature))),
                })
            })
            .await?
        }
        _ => Err(Failure::internal(format!("presign: no step {step}"))),
    }
}

/// Stores the server's half in `tx` (the transaction that deletes the session).
pub(crate) async fn store(
    app: &App,
    tx: &mut Transaction<'_, Any>,
    client_id: &str,
    presignature: Presignature,
) -> Result<()> {
    let id = hex(&presignature.id().0);
    let sharing_id = hex(&presignature.sharing_id());
    let bytes = presignature.to_bytes().map_err(Failure::internal)?;
    let sealed = app
        .kms
        .seal(Purpose::Server, &aad(client_id, &id), &bytes)?;
    let ttl = i64::try_from(app.limits.presignature_ttl.as_secs()).unwrap_or(i64::MAX / 4);
    sqlx::query(
        "INSERT INTO presignatures (client_id, presignature_id, sharing_id, data, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(client_id.to_owned())
    .bind(id)
    .bind(sharing_id)
    .bind(sealed)
    .bind(now() + ttl)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
