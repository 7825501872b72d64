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

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::new(ErrorCode::Unavailable, "database unavailable")
            }
            _ => Self::internal(e),
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

/// The result of a handler.
pub(crate) type Result<T> = core::result::Result<T, Failure>;
