//! The client's errors: each names where it came from (the transport, the server's answer,
//! the server's protocol message, the device's store).

use crate::api::ErrorCode;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No answer from the server (connection refused, time-out, TLS).
    #[error("transport: {0}")]
    Transport(String),
    /// The server refused the request.
    #[error("server refused ({status} {code:?}): {message}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The stable error code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// The server's answer does not parse (JSON, or a missing protocol message).
    #[error("the server's answer is malformed: {0}")]
    BadAnswer(String),
    /// A protocol step failed; the error names the guilty party (the server, for a message
    /// it sent that the client's checks refused).
    #[error("{context}: {source}")]
    Protocol {
        /// The operation.
        context: &'static str,
        /// The protocol error.
        source: tandem_protocol::Error,
    },
    /// The device's store failed or holds an unreadable record.
    #[error("device store: {0}")]
    Device(String),
    /// The device holds no wallet (run `generate` or `recover` first).
    #[error("this device holds no signing share (a new device: recover the wallet first)")]
    NoWallet,
    /// The device already holds a wallet: `generate` would replace its shares.
    #[error(
        "wallet already exists on this device (client {client_id}): generate would replace its shares"
    )]
    DeviceHasWallet {
        /// The wallet's client.
        client_id: String,
    },
    /// The device's shares and the server's record disagree (another device recovered or
    /// refreshed the wallet; this device's shares are no longer current).
    #[error(
        "the server refuses this device's signing share: it was replaced by a recovery or \
         refresh ({0})"
    )]
    StaleDevice(String),
    /// A backup envelope does not seal or open (a wrong password or key, another wallet's).
    #[error("backup: {0}")]
    Backup(String),
    /// A request above a limit of the device (presignatures per call, held).
    #[error("{0}")]
    Limit(String),
    /// No Paillier key could be made.
    #[error("Paillier key: {0}")]
    Primes(String),
    /// A bug: an invariant of this crate failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ClientError {
    /// The server's error code, if the server refused the request.
    #[must_use]
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Server { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Maps a protocol error with its context.
pub(crate) fn protocol(
    context: &'static str,
) -> impl FnOnce(tandem_protocol::Error) -> ClientError {
    move |source| ClientError::Protocol { context, source }
}

/// Maps a stopped run: the protocol's error, or the link's.
pub(crate) fn stopped(
    context: &'static str,
) -> impl FnOnce(tandem_protocol::runner::Stop<ClientError>) -> ClientError {
    move |stop| match stop {
        tandem_protocol::runner::Stop::Protocol(source) => {
            ClientError::Protocol { context, source }
        }
        tandem_protocol::runner::Stop::Link(e) => e,
    }
}
