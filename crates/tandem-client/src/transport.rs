//! The client's transport: how a request reaches the server. The client half only builds
//! requests and reads answers; the caller's [`Transport`] carries them (HTTP with reqwest in
//! the native command line, `fetch` in a browser, a direct call in tests), and adds the
//! credentials.

use std::collections::VecDeque;

use tandem_protocol::runner::Link;

use crate::api::{self, ApiError, ErrorCode};
use crate::error::ClientError;

/// The request method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
}

/// A request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// `application/json`.
    Json(Vec<u8>),
    /// `application/octet-stream`: one protocol message.
    Binary(Vec<u8>),
}

/// One request to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path (from [`api::path`]).
    pub path: String,
    /// The body.
    pub body: Body,
    /// The `Idempotency-Key` header, if any.
    pub idempotency_key: Option<String>,
    /// The `X-Tandem-Step` header of a session message: how many messages of the session
    /// the client sent before this one.
    pub step: Option<u64>,
}

/// The server's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Carries requests to the server with the client's credentials (its API key).
pub trait Transport {
    /// Sends `request`, returns the answer whatever its status.
    ///
    /// # Errors
    /// [`ClientError::Transport`] if no answer came (connection refused, time-out).
    fn send(&self, request: Request) -> Result<Response, ClientError>;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, request: Request) -> Result<Response, ClientError> {
        (**self).send(request)
    }
}

/// Sends `request`; a 2xx answer's body, or the server's error.
pub(crate) fn call<T: Transport + ?Sized>(
    transport: &T,
    request: Request,
) -> Result<Vec<u8>, ClientError> {
    let response = transport.send(request)?;
    if (200..300).contains(&response.status) {
        return Ok(response.body);
    }
    // The server answers every error with an `ApiError` body; anything else (a proxy's
    // page) is reported by status alone.
    let error = serde_json::from_slice::<ApiError>(&response.body).unwrap_or(ApiError {
        code: match response.status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            413 => ErrorCode::BodyTooLarge,
            429 => ErrorCode::TooManyRequests,
            503 => ErrorCode::Unavailable,
            s if s >= 500 => ErrorCode::Internal,
            _ => ErrorCode::BadRequest,
        },
        message: format!("HTTP {}", response.status),
    });
    Err(ClientError::Server {
        status: response.status,
        code: error.code,
        message: error.message,
    })
}

/// `GET path` as JSON.
pub(crate) fn get_json<T: Transport + ?Sized, O: serde::de::DeserializeOwned>(
    transport: &T,
    path: String,
) -> Result<O, ClientError> {
    let body = call(
        transport,
        Request {
            method: Method::Get,
            path,
            body: Body::Empty,
            idempotency_key: None,
            step: None,
        },
    )?;
    serde_json::from_slice(&body).map_err(|e| ClientError::BadAnswer(e.to_string()))
}

/// `POST path` with a JSON body, the answer as JSON.
pub(crate) fn post_json<
    T: Transport + ?Sized,
    I: serde::Serialize,
    O: serde::de::DeserializeOwned,
>(
    transport: &T,
    path: &str,
    body: &I,
) -> Result<O, ClientError> {
    let body = serde_json::to_vec(body).map_err(|e| ClientError::Internal(e.to_string()))?;
    let answer = call(
        transport,
        Request {
            method: Method::Post,
            path: path.to_owned(),
            body: Body::Json(body),
            idempotency_key: None,
            step: None,
        },
    )?;
    serde_json::from_slice(&answer).map_err(|e| ClientError::BadAnswer(e.to_string()))
}

/// The client's [`Link`] to the server for one protocol run: each message the client sends
/// is one `POST` to `path`; a non-empty answer is the server's next message. The protocol
/// scripts of `tandem_protocol::driver::parties` run over it unchanged, exactly as they run
/// in memory.
pub(crate) struct HttpLink<'t, T: ?Sized> {
    transport: &'t T,
    path: String,
    idempotency_key: Option<String>,
    /// Counts the messages sent, for session paths (`None` for one-request endpoints).
    step: Option<u64>,
    inbox: VecDeque<Vec<u8>>,
}

impl<'t, T: Transport + ?Sized> HttpLink<'t, T> {
    pub(crate) fn new(transport: &'t T, path: String, idempotency_key: Option<String>) -> Self {
        Self {
            transport,
            path,
            idempotency_key,
            step: None,
            inbox: VecDeque::new(),
        }
    }

    /// The link of a session: each message carries its step.
    pub(crate) fn session(transport: &'t T, path: String) -> Self {
        Self {
            step: Some(0),
            ..Self::new(transport, path, None)
        }
    }
}

impl<T: Transport + ?Sized> Link for HttpLink<'_, T> {
    type Error = ClientError;

    fn send(&mut self, msg: Vec<u8>) -> Result<(), ClientError> {
        // A session message carries its own idempotency key (the session and the step).
        let key = match (self.step, &self.idempotency_key) {
            (_, Some(key)) => Some(key.clone()),
            (Some(step), None) => Some(format!("{}#{step}", self.path)),
            (None, None) => None,
        };
        let request = Request {
            method: Method::Post,
            path: self.path.clone(),
            body: Body::Binary(msg),
            idempotency_key: key.clone(),
            step: self.step,
        };
        // No answer (a dropped connection, a server restarted): the same request once more,
        // under the same key, gets the first answer if the server had committed it.
        let answer = match call(self.transport, request.clone()) {
            Err(ClientError::Transport(_)) if key.is_some() => call(self.transport, request)?,
            other => other?,
        };
        self.step = self.step.map(|s| s + 1);
        if !answer.is_empty() {
            self.inbox.push_back(answer);
        }
        Ok(())
    }

    fn receive(&mut self) -> Result<Vec<u8>, ClientError> {
        self.inbox
            .pop_front()
            .ok_or_else(|| ClientError::BadAnswer("the server sent no message".into()))
    }
}

/// Whether `path` is one of the API's (used by transports that check what they send).
#[must_use]
pub fn is_api_path(path: &str) -> bool {
    path == api::path::HEALTHZ || path.starts_with(api::PREFIX)
}
