//! Protocol sessions: an operation of several messages (generate, presign) between one
//! client and any replica. Between two requests the server's state lives in the `sessions`
//! table, sealed and bound to its session, client, operation and step, with an expiry.
//!
//! Each message request:
//! 1. reads the session row (another client's session is unknown to this client; an expired
//!    one is deleted and refused);
//! 2. opens the saved state and runs the step (protocol work off the async threads);
//! 3. in one transaction, takes the step: `UPDATE … SET step = n + 1 … WHERE step = n` (or
//!    `DELETE … WHERE step = n` for the last one, with what it stores: the wallet's pending
//!    pair, a presignature); a request that finds the step already taken (a replay, a race
//!    with another request or replica) is refused with `wrong_step`;
//! 4. only after the commit, answers. So an answer that depends on the server's nonces (the
//!    presigning rounds) leaves once, from the one request that consumed the state.
//!    The transaction also counts the step as a spend, and the spend anchor is raised
//!    before the answer leaves (`anchor.rs`): a database restored to before the step cannot
//!    answer it again.
//!
//! A step that fails ends its session (`DELETE … WHERE step = n`), unless the server was
//! unavailable (`unavailable`: the same message may be sent again); a request refused before
//! its step runs (`wrong_step`, `unknown_session`) changes nothing.
//!
//! The saved states are the protocol crates' [`SessionState`](tandem_protocol::stored::SessionState)
//! forms (two restorations harmless), except the server's presigning state between messages
//! 2 and 3, which is spend-once (`tandem_protocol::ecdsa::presign::spend_once`): step 3
//! above is its one atomic take.

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tandem_client::api::{ErrorCode, Operation, SessionStarted};
use tandem_curves::Ed25519;
use tandem_protocol::KeyShare;
use tandem_protocol::ecdsa::{EcdsaKeyShare, Presignature};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::db::now;
use crate::error::{Failure, Result};
use crate::kms::Purpose;
use crate::state::App;
use crate::{anchor, backup, crash, generate, presign, reshare, wallet};

/// The format version of a saved session.
const SAVED_VERSION: u16 = 1;

/// What the server keeps between two messages of a session (sealed in `sessions.state`).
#[derive(Default, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Saved {
    version: u16,
    /// The protocol state saved by the last step (empty before the first).
    pub(crate) state: Vec<u8>,
    /// Outputs of the operation's earlier protocols (generate: the secp256k1 key-generation
    /// share, then the Ed25519 share).
    pub(crate) carried: Vec<Vec<u8>>,
    /// The backup method (backup sessions).
    pub(crate) method: Option<String>,
}

impl Saved {
    pub(crate) fn new(state: Vec<u8>, carried: Vec<Vec<u8>>) -> Self {
        Self {
            version: SAVED_VERSION,
            state,
            carried,
            method: None,
        }
    }

    /// The next state of the same session: `state`, the carried outputs plus `more`.
    pub(crate) fn next(&self, state: Vec<u8>, more: Option<Vec<u8>>) -> Self {
        let mut carried = self.carried.clone();
        carried.extend(more);
        Self {
            version: SAVED_VERSION,
            state,
            carried,
            method: self.method.clone(),
        }
    }
}

/// What a step leaves.
pub(crate) enum Next {
    /// The session goes on with this state.
    Continue(Saved),
    /// The operation finished: what to store with the session's deletion.
    Finish(Finished),
}

/// A finished operation's output.
pub(crate) enum Finished {
    /// Generate: the server's new pair, stored pending the client's confirmation.
    Generated(Box<(EcdsaKeyShare, KeyShare<Ed25519>)>),
    /// Presign: the server's half, stored in its pool.
    Presigned(Box<Presignature>),
    /// Recover, refresh: the server's new pair, stored pending the client's confirmation.
    Reshared(Box<(EcdsaKeyShare, KeyShare<Ed25519>)>),
    /// Backup: the custodian's new shares (already at the webhook if `at_webhook`).
    BackedUp(Box<backup::NewCustodianShares>),
}

/// A step's answer and what it leaves.
pub(crate) struct Outcome {
    pub(crate) reply: Vec<u8>,
    pub(crate) next: Next,
}

fn aad(session_id: &str, client_id: &str, operation: Operation, step: i64) -> Vec<u8> {
    format!(
        "session|{session_id}|{client_id}|{}|{step}",
        operation.name()
    )
    .into_bytes()
}

fn random_id() -> Result<String> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(Failure::internal)?;
    Ok(wallet::hex(&id))
}

fn seal(app: &App, aad: &[u8], saved: &Saved) -> Result<Vec<u8>> {
    let bytes = zeroize::Zeroizing::new(postcard::to_allocvec(saved).map_err(Failure::internal)?);
    Ok(app.kms.seal(Purpose::Server, aad, &bytes)?)
}

/// `POST /v1/sessions`: a new session of `operation` for `client_id`.
pub(crate) async fn start(
    app: &App,
    client_id: &str,
    operation: Operation,
    method: Option<tandem_client::api::BackupMethod>,
) -> Result<SessionStarted> {
    let now = now();
    crash::write(
        "sessions.sweep_client",
        sqlx::query("DELETE FROM sessions WHERE client_id = $1 AND expires_at <= $2")
            .bind(client_id.to_owned())
            .bind(now)
            .execute(&app.db),
    )
    .await?;
    let open: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE client_id = $1")
        .bind(client_id.to_owned())
        .fetch_one(&app.db)
        .await?
        .try_get("n")?;
    if open >= app.limits.sessions_per_client {
        return Err(Failure::new(
            ErrorCode::TooManyRequests,
            format!(
                "at most {} open sessions per client",
                app.limits.sessions_per_client
            ),
        ));
    }
    match operation {
        Operation::Generate => {
            if wallet::load(&app.db, client_id)
                .await?
                .is_some_and(|w| w.exists())
            {
                return Err(wallet::wallet_exists());
            }
        }
        Operation::Presign => presign::check_can_start(app, client_id).await?,
        Operation::Backup => {
            wallet::signable(app, client_id).await?;
            if method.is_none() {
                return Err(Failure::new(
                    ErrorCode::BadRequest,
                    "backup needs its backup_method",
                ));
            }
        }
        Operation::Refresh => {
            wallet::signable(app, client_id).await?;
        }
        Operation::Recover => backup::require_backup(app, client_id).await.map(|_| ())?,
    }
    // Aux info costs the server seconds of CPU and a Paillier key of its pool: counted per
    // client once every other check passed (throttle.rs).
    if matches!(
        operation,
        Operation::Generate | Operation::Recover | Operation::Refresh
    ) && let Some(window) = app.expensive_sessions.as_deref()
        && let Err(left) = window.try_add(&client_id.to_owned())
    {
        return Err(crate::throttle::refused(
            left,
            &format!(
                "at most {} generate, recover and refresh sessions per client and hour",
                app.limits.expensive_sessions_per_hour
            ),
        ));
    }
    let session_id = random_id()?;
    let ttl = i64::try_from(app.limits.session_ttl.as_secs()).unwrap_or(600);
    let expires_at = now + ttl;
    let mut first = Saved::new(Vec::new(), Vec::new());
    first.method = method.map(|m| m.name().to_owned());
    let state = seal(app, &aad(&session_id, client_id, operation, 0), &first)?;
    crash::write(
        "sessions.insert",
        sqlx::query(
            "INSERT INTO sessions (session_id, client_id, operation, step, state, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session_id.clone())
        .bind(client_id.to_owned())
        .bind(operation.name())
        .bind(0_i64)
        .bind(state)
        .bind(expires_at)
        .execute(&app.db),
    )
    .await?;
    Ok(SessionStarted {
        session_id,
        expires_at,
    })
}

fn unknown() -> Failure {
    Failure::new(ErrorCode::UnknownSession, "unknown session")
}

/// `DELETE /v1/sessions/{id}`: the client gave the session up. Whatever its step, the row
/// goes (saved nonces included: deleting them spends nothing); a step running at the same
/// moment then finds its step taken and sends no answer.
pub(crate) async fn end(app: &App, client_id: &str, session_id: &str) -> Result<()> {
    let deleted = crash::write(
        "sessions.end",
        sqlx::query("DELETE FROM sessions WHERE session_id = $1 AND client_id = $2")
            .bind(session_id.to_owned())
            .bind(client_id.to_owned())
            .execute(&app.db),
    )
    .await?
    .rows_affected();
    if deleted == 0 {
        return Err(unknown());
    }
    Ok(())
}

fn wrong_step() -> Failure {
    Failure::new(
        ErrorCode::WrongStep,
        "this session's step was already taken (a replayed or concurrent message)",
    )
}

/// The `X-Tandem-Step` header (required on session messages).
pub(crate) fn step_header(headers: &HeaderMap) -> Result<i64> {
    headers
        .get(tandem_client::api::STEP)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u16>().ok())
        .map(i64::from)
        .ok_or_else(|| {
            Failure::new(
                ErrorCode::BadRequest,
                "session messages carry X-Tandem-Step: the message's step (0, 1, ...)",
            )
        })
}

/// `POST /v1/sessions/{id}/messages`: the client's next message, which must be for the
/// session's current step (a replayed or duplicated message is refused as `wrong_step`
/// before anything is parsed).
pub(crate) async fn message(
    app: &App,
    client_id: &str,
    session_id: &str,
    claimed_step: i64,
    idempotency: Option<crate::sign::Idempotency>,
    msg: Vec<u8>,
) -> Result<Vec<u8>> {
    // A retransmitted message (same key, same body) gets the answer its step gave, even
    // after the step was taken or the session ended; another body under the key is refused.
    if let Some(i) = &idempotency
        && let Some(answer) = i.recorded(app, client_id).await?
    {
        return Ok(answer);
    }
    let done = step_once(
        app,
        client_id,
        session_id,
        claimed_step,
        idempotency.as_ref(),
        msg,
    )
    .await;
    // The step taken or the session ended by another copy of this message (its first copy,
    // still running when this one was looked up above): that copy's answer.
    if let Err(f) = &done
        && matches!(f.code, ErrorCode::WrongStep | ErrorCode::UnknownSession)
        && let Some(i) = &idempotency
        && let Some(answer) = i.recorded(app, client_id).await?
    {
        return Ok(answer);
    }
    done
}

/// [`message`] once its idempotency key has no recorded answer.
async fn step_once(
    app: &App,
    client_id: &str,
    session_id: &str,
    claimed_step: i64,
    idempotency: Option<&crate::sign::Idempotency>,
    msg: Vec<u8>,
) -> Result<Vec<u8>> {
    if session_id.len() != 32 || !session_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown());
    }
    let row = sqlx::query(
        "SELECT client_id, operation, step, state, expires_at FROM sessions WHERE session_id = $1",
    )
    .bind(session_id.to_owned())
    .fetch_optional(&app.db)
    .await?
    .ok_or_else(unknown)?;
    let owner: String = row.try_get("client_id")?;
    if owner != client_id {
        return Err(unknown());
    }
    let operation: String = row.try_get("operation")?;
    let operation = Operation::from_name(&operation)
        .ok_or_else(|| Failure::internal(format!("stored operation {operation}")))?;
    let step: i64 = row.try_get("step")?;
    if step != claimed_step {
        return Err(wrong_step());
    }
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at <= now() {
        crash::write(
            "sessions.expire",
            sqlx::query("DELETE FROM sessions WHERE session_id = $1 AND step = $2")
                .bind(session_id.to_owned())
                .bind(step)
                .execute(&app.db),
        )
        .await?;
        return Err(Failure::new(
            ErrorCode::SessionExpired,
            "the session expired",
        ));
    }
    let sealed: Vec<u8> = row.try_get("state")?;
    let opened = app.kms.open(
        Purpose::Server,
        &aad(session_id, client_id, operation, step),
        &sealed,
    )?;
    let outcome = match resume(app, client_id, operation, step, &opened, msg).await {
        Ok(o) => o,
        Err(f) => {
            // The run ends here: on a refused message (identifiable abort), and on every
            // other failure of the step (a custodian that failed, a stored value that does
            // not open): the client starts the operation again, and the session does not
            // hold one of the client's few open slots until it expires. Only a server that
            // was unavailable keeps it, for the same message to be sent again.
            if f.code != ErrorCode::Unavailable {
                crash::write(
                    "sessions.fail",
                    sqlx::query("DELETE FROM sessions WHERE session_id = $1 AND step = $2")
                        .bind(session_id.to_owned())
                        .bind(step)
                        .execute(&app.db),
                )
                .await?;
            }
            return Err(f);
        }
    };
    // Lost a race with the same message: `wrong_step`, answered by [`message`] with the
    // winner's recorded answer.
    commit(
        app,
        client_id,
        session_id,
        operation,
        step,
        outcome.next,
        idempotency.map(|i| (i, outcome.reply.as_slice())),
    )
    .await?;
    Ok(outcome.reply)
}

/// Runs `step` of `operation` on the opened saved state (its decoder: the fuzz target
/// `server_session_state` enters here) and the client's message.
pub(crate) async fn resume(
    app: &App,
    client_id: &str,
    operation: Operation,
    step: i64,
    opened: &[u8],
    msg: Vec<u8>,
) -> Result<Outcome> {
    let saved: Saved = postcard::from_bytes(opened).map_err(Failure::internal)?;
    if saved.version != SAVED_VERSION {
        return Err(Failure::internal("saved session of another version"));
    }
    match operation {
        Operation::Generate => generate::step(app, step, saved, msg).await,
        Operation::Presign => presign::step(app, client_id, step, saved, msg).await,
        Operation::Backup => backup::step(app, client_id, step, saved, msg).await,
        Operation::Recover | Operation::Refresh => {
            reshare::step(app, client_id, operation, step, saved, msg).await
        }
    }
}

/// Takes the step in one transaction (see the module docs); the answer leaves after this.
async fn commit(
    app: &App,
    client_id: &str,
    session_id: &str,
    operation: Operation,
    step: i64,
    next: Next,
    answer: Option<(&crate::sign::Idempotency, &[u8])>,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    // Taking a saved state spends its secrets: counted, and the anchor raised before the
    // answer leaves (`anchor.rs`).
    let spends = match anchor::count(&mut tx, app).await? {
        Ok(spends) => spends,
        Err(behind) => {
            drop(tx);
            return Err(behind.purge(app).await);
        }
    };
    match next {
        Next::Continue(saved) => {
            let state = seal(
                app,
                &aad(session_id, client_id, operation, step + 1),
                &saved,
            )?;
            let taken = sqlx::query(
                "UPDATE sessions SET step = $1, state = $2 \
                 WHERE session_id = $3 AND step = $4 AND expires_at > $5",
            )
            .bind(step + 1)
            .bind(state)
            .bind(session_id.to_owned())
            .bind(step)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if taken != 1 {
                return Err(wrong_step());
            }
        }
        Next::Finish(finished) => {
            let taken = sqlx::query("DELETE FROM sessions WHERE session_id = $1 AND step = $2")
                .bind(session_id.to_owned())
                .bind(step)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if taken != 1 {
                return Err(wrong_step());
            }
            match finished {
                Finished::Generated(pair) => {
                    let (secp, ed) = *pair;
                    wallet::store_generated(app, &mut tx, client_id, &secp, &ed).await?;
                }
                Finished::Presigned(p) => presign::store(app, &mut tx, client_id, *p).await?,
                Finished::Reshared(pair) => {
                    let (secp, ed) = *pair;
                    wallet::store_pending(app, &mut tx, client_id, &secp, &ed).await?;
                }
                Finished::BackedUp(shares) => {
                    backup::store_custodian(app, &mut tx, client_id, *shares).await?;
                }
            }
        }
    }
    // Recorded after the step is taken: of two copies of one message run at once, the one
    // that finds the step taken answers `wrong_step` (and then the recorded answer), never
    // a failed insert of the same key.
    if let Some((i, reply)) = answer {
        i.record(&mut tx, client_id, reply, Some(spends)).await?;
    }
    crash::commit(tx, "sessions.step").await?;
    app.anchor.raise(spends).await
}

/// The request's `Idempotency-Key`, if any (bounded, printable).
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>> {
    let Some(value) = headers.get(tandem_client::api::IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty()
                && k.len() <= tandem_client::api::MAX_IDEMPOTENCY_KEY
                && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or_else(|| {
            Failure::new(
                ErrorCode::BadRequest,
                "Idempotency-Key: 1 to 128 printable ASCII characters",
            )
        })?;
    Ok(Some(key.to_owned()))
}
