//! Authentication: the organization's admin token and each client's API key, both compared
//! in constant time (SHA-256 of the presented value against the stored or configured hash,
//! `subtle`), so the comparison's time does not depend on the key.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use sha2::{Digest, Sha256};
use sqlx::Row;
use subtle::ConstantTimeEq;
use tandem_client::api::{self, ErrorCode};

use crate::error::{Failure, Result};
use crate::state::App;

/// Who made a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// The organization's administrator.
    Admin,
    /// A client, by id.
    Client(String),
}

/// SHA-256 of a secret.
pub(crate) fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn unauthorized() -> Failure {
    Failure::new(ErrorCode::Unauthorized, "missing or invalid credentials")
}

fn bearer(headers: &HeaderMap) -> Result<&str> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unauthorized)?;
    value.strip_prefix("Bearer ").ok_or_else(unauthorized)
}

/// The caller: the admin token, or a client key whose hash matches the stored one.
pub(crate) async fn caller(app: &App, headers: &HeaderMap) -> Result<Caller> {
    let token = bearer(headers)?;
    let presented = hash(token);
    if bool::from(presented.ct_eq(&app.admin_token_hash)) {
        return Ok(Caller::Admin);
    }
    let Some(client_id) = api::client_id_of_key(token) else {
        return Err(unauthorized());
    };
    // A client's key hash never changes once created (no rotation yet): kept in memory
    // after the first lookup, so a request costs no query for it. The cache's hit or miss
    // tells only whether this client id (public: it prefixes the key) called recently.
    let stored = match app.key_hashes.get(client_id) {
        Some(stored) => Some(stored),
        None => {
            let row = sqlx::query("SELECT api_key_hash FROM clients WHERE client_id = $1")
                .bind(client_id.to_owned())
                .fetch_optional(&app.db)
                .await?;
            match row {
                Some(row) => {
                    let stored: Vec<u8> = row.try_get("api_key_hash")?;
                    let stored = <[u8; 32]>::try_from(stored.as_slice())
                        .map_err(|_| Failure::internal("a stored key hash of the wrong length"))?;
                    app.key_hashes.insert(client_id.to_owned(), stored);
                    Some(stored)
                }
                None => None,
            }
        }
    };
    // An unknown client still costs one comparison, against a hash no key has.
    let matches = presented.ct_eq(&stored.unwrap_or([0; 32]));
    if bool::from(matches) && stored.is_some() {
        Ok(Caller::Client(client_id.to_owned()))
    } else {
        Err(unauthorized())
    }
}

/// The calling client (admin tokens and other credentials refused).
pub(crate) async fn client(app: &App, headers: &HeaderMap) -> Result<String> {
    match caller(app, headers).await? {
        Caller::Client(id) => Ok(id),
        Caller::Admin => Err(Failure::new(
            ErrorCode::Forbidden,
            "the admin token cannot run a client's operations",
        )),
    }
}

/// The admin (client keys refused).
pub(crate) async fn admin(app: &App, headers: &HeaderMap) -> Result<()> {
    match caller(app, headers).await? {
        Caller::Admin => Ok(()),
        Caller::Client(_) => Err(Failure::new(
            ErrorCode::Forbidden,
            "this endpoint needs the admin token",
        )),
    }
}

/// A new API key for `client_id`: `tdk_<client id>_<64 hex of 32 random bytes>`.
pub(crate) fn new_api_key(client_id: &str) -> Result<String> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(Failure::internal)?;
    Ok(format!(
        "{}{client_id}_{}",
        api::API_KEY_PREFIX,
        base16ct::lower::encode_string(&secret)
    ))
}
