//! Every failure of a request as one JSON body ([`ApiError`]) with a stable code and its
//! status. Internal details (database errors, a sealed value that does not open) go to the
//! log, never into the answer.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tandem_client::api::{ApiError, ErrorCode};
use tandem_protocol::Role;

/// A refused or failed request.
#[derive(Debug)]
pub struct Failure {
    /// The code.
    pub code: ErrorCode,
    /// The explanation sent to the client.
    pub message: String,
    /// Seconds after which the request may be sent again (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl Failure {
    /// A failure with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same failure with a `Retry-After` of `seconds`.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// An internal failure: `detail` is logged, the client sees only the code.
    pub fn internal(detail: impl core::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(ErrorCode::Internal, "internal error")
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ApiError {
            code: self.code,
            message: self.message,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// True for a database error that passes: the disk full, the database busy or shutting
/// down, a connection lost, a transaction that lost a serialization race. The request can
/// be sent again (503), unlike a bug or a corrupted record (500).
fn transient(e: &dyn sqlx::error::DatabaseError) -> bool {
    let Some(code) = e.code() else { return false };
    if let Ok(sqlite) = code.parse::<u32>() {
        // SQLite's primary result codes (the low byte of an extended one): SQLITE_BUSY,
        // SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL.
        return matches!(sqlite & 0xff, 5 | 6 | 10 | 13);
    }
    // PostgreSQL's SQLSTATE classes 08 (connection exception), 53 (insufficient resources:
    // disk full, out of memory, too many connections), 57 (operator intervention: a shutdown
    // or restart), and 40001 / 40P01 (serialization failure, deadlock).
    ["08", "53", "57"]
        .iter()
        .any(|class| code.starts_with(class))
        || code == "40001"
        || code == "40P01"
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        let passes = match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => true,
            sqlx::Error::Database(db) => transient(db.as_ref()),
            _ => false,
        };
        if passes {
            tracing::warn!(error = %e, "database unavailable");
            Self::new(ErrorCode::Unavailable, "database unavailable")
        } else {
            Self::internal(e)
        }
    }
}

impl From<crate::kms::KmsError> for Failure {
    fn from(e: crate::kms::KmsError) -> Self {
        Self::internal(e)
    }
}

/// A protocol error while the server processed the client's message: the client's fault
/// (422, naming the check) or the server's (500).
pub(crate) fn protocol(e: tandem_protocol::Error) -> Failure {
    use tandem_protocol::Error as E;
    match &e {
        E::Misbehaved { culprit, .. } if *culprit == Role::Client => {
            Failure::new(ErrorCode::ProtocolRefused, e.to_string())
        }
        E::Malformed { sender, .. } | E::Refused { sender, .. } if *sender == Role::Client => {
            Failure::new(ErrorCode::ProtocolRefused, e.to_string())
        }
        _ => Failure::internal(e),
    }
}

/// A protocol error while the server took a step of a saved session with the wallet's
/// current share: as [`protocol`], except that a share other than the one the session
/// started from means another device's backup, recovery or refresh replaced the wallet's
/// shares between two steps. A race lost, not a failure (found by `server_races.rs`: a
/// recovery interleaved with a backup answered 500): `409 wrong_step`, and, as after every
/// failed step, the session is ended (`session::message`); nothing else is committed. Only the
/// session steps use this: elsewhere the same error is a server bug (a stored record that
/// does not fit its share) and stays a 500.
pub(crate) fn protocol_step(e: tandem_protocol::Error) -> Failure {
    if e == tandem_protocol::Error::Misuse(tandem_protocol::Misuse::KeyShareChanged) {
        return Failure::new(
            ErrorCode::WrongStep,
            "the wallet's shares this session started from were replaced while it ran \
             (another device's backup, recovery or refresh went first); this session is \
             ended: start again",
        );
    }
    protocol(e)
}

/// The result of a handler.
pub(crate) type Result<T> = core::result::Result<T, Failure>;
