//! The demo's custodian webhook: the organization's side of self-managed custody, on a
//! loopback port. It checks each request's `X-Tandem-Signature` (HMAC-SHA256 of the body
//! under the shared secret) and keeps the custodian's share per client in memory
//! (`POST /backup`, `POST /backup/fetch`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tandem_wallet::Zeroizing;

/// What the webhook holds.
#[derive(Default)]
pub(crate) struct Custody {
    shares: HashMap<String, Zeroizing<String>>,
    /// Requests received (store, fetch).
    pub(crate) received: (usize, usize),
}

#[derive(Clone)]
struct Hook {
    custody: Arc<Mutex<Custody>>,
    secret: Arc<Zeroizing<Vec<u8>>>,
}

impl Hook {
    fn verified(&self, headers: &HeaderMap, body: &[u8]) -> bool {
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret) else {
            return false;
        };
        mac.update(body);
        let Some(tag) = headers
            .get("X-Tandem-Signature")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("sha256="))
            .and_then(|hex| base16ct::mixed::decode_vec(hex).ok())
        else {
            return false;
        };
        mac.verify_slice(&tag).is_ok()
    }

    fn custody(&self) -> std::sync::MutexGuard<'_, Custody> {
        self.custody
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn field(body: &[u8], name: &str) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get(name)?.as_str().map(str::to_owned)
}

async fn backup(State(hook): State<Hook>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !hook.verified(&headers, &body) {
        return StatusCode::UNAUTHORIZED;
    }
    let (Some(client), Some(share)) = (field(&body, "clientId"), field(&body, "share")) else {
        return StatusCode::BAD_REQUEST;
    };
    let mut custody = hook.custody();
    custody.shares.insert(client, Zeroizing::new(share));
    custody.received.0 += 1;
    StatusCode::OK
}

async fn fetch(State(hook): State<Hook>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    if !hook.verified(&headers, &body) {
        return (StatusCode::UNAUTHORIZED, String::new());
    }
    let Some(client) = field(&body, "clientId") else {
        return (StatusCode::BAD_REQUEST, String::new());
    };
    let mut custody = hook.custody();
    custody.received.1 += 1;
    match custody.shares.get(&client) {
        Some(share) => (
            StatusCode::OK,
            json!({ "share": share.as_str() }).to_string(),
        ),
        None => (StatusCode::NOT_FOUND, String::new()),
    }
}

/// Serves the webhook on `listener` (`/backup`, `/backup/fetch`) until `stop`.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    secret: Zeroizing<Vec<u8>>,
    custody: Arc<Mutex<Custody>>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/backup", post(backup))
        .route("/backup/fetch", post(fetch))
        .with_state(Hook {
            custody,
            secret: Arc::new(secret),
        });
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}
