//! Entry points of the service's fuzz targets (`fuzz/fuzz_targets/server_session_state.rs`,
//! through `tandem_cli::fuzzing`): not API, hidden from the documentation. They reach code
//! that no request can reach with chosen bytes (a saved session state opens only if this
//! server sealed it) and keep the fuzzer's database small between inputs.

use tandem_client::api::Operation;

use crate::error::Failure;
use crate::session::{self, Saved};
use crate::state::App;

/// The operations, in the order a fuzz input's byte selects them.
pub const OPERATIONS: [Operation; 5] = [
    Operation::Generate,
    Operation::Presign,
    Operation::Backup,
    Operation::Recover,
    Operation::Refresh,
];

/// Runs `step` of `operation` for `client_id` on a saved state given as its opened bytes (as
/// if the database had held them, sealed), with the client's message `msg`: the decoder of
/// the saved state, then the step's own checks. `Err` is the failure's stable code; nothing
/// is stored (the step's outcome is dropped, not committed).
///
/// # Errors
/// The failure's code.
pub async fn session_step(
    app: &App,
    client_id: &str,
    operation: Operation,
    step: i64,
    opened: &[u8],
    msg: Vec<u8>,
) -> Result<usize, Failure> {
    session::resume(app, client_id, operation, step, opened, msg)
        .await
        .map(|outcome| outcome.reply.len())
}

/// A saved state as the server opens it: `state` and `carried` in the current format, with
/// a backup method (the seeds of the target).
#[must_use]
pub fn saved(state: Vec<u8>, carried: Vec<Vec<u8>>, method: Option<&str>) -> Vec<u8> {
    let mut saved = Saved::new(state, carried);
    saved.method = method.map(str::to_owned);
    postcard::to_allocvec(&saved).unwrap_or_default()
}

/// Forgets every session and recorded answer (between two fuzz inputs, so that one input's
/// sessions do not fill the client's open-session limit for the next).
///
/// # Errors
/// The database's.
pub async fn forget_sessions(app: &App) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions").execute(&app.db).await?;
    sqlx::query("DELETE FROM idempotency")
        .execute(&app.db)
        .await?;
    Ok(())
}
