//! `tandem server`: the provider's half of every Tandem wallet, as an HTTP service.
//!
//! - many clients (one wallet each), created by the organization's admin token; each client
//!   authenticated by its API key (stored hashed, compared in constant time);
//! - the server's signing shares, saved protocol states, presignature halves and Paillier
//!   keys sealed at rest ([`kms`]) in a database: SQLite (embedded, the default) or
//!   PostgreSQL, one code path, migrations run at start ([`db`]);
//! - stateless replicas: a session's state lives in the database between two messages, and
//!   every step is taken by one conditional write, so of two racing requests (on one replica
//!   or two) exactly one wins, and an answer that depends on the server's nonces leaves only
//!   after the transaction that consumed them committed (`session.rs`, `sign.rs`);
//! - the lifecycle of the seeds: `STORED_DATABASE` when the server stored its shares,
//!   `STORED_CLIENT` when the client confirms its own (`wallet.rs`);
//! - a spend anchor outside the database, so that a database restored from an older copy
//!   cannot spend a nonce again (`anchor.rs`);
//! - a background pool of Paillier keys (`paillier.rs`).
//!
//! The protocol work is the sans-IO typestates of `tandem-protocol`; the client's half is
//! `tandem-client`. The wire format is `tandem_client::api` and `docs/server-api.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod anchor;
mod auth;
mod aux;
mod backup;
pub mod crash;
pub mod custodian;
pub mod db;
mod error;
// TEST-ONLY: runs a step on caller-given saved bytes (bypassing the spend-once take) and
// deletes every session: compiled only with the test-only `crash-points` feature.
#[cfg(feature = "crash-points")]
#[doc(hidden)]
pub mod fuzzing;
mod generate;
pub mod kms;
mod listen;
mod paillier;
mod presign;
mod reshare;
mod routes;
mod session;
mod sign;
mod state;
mod throttle;
mod wallet;
mod web;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tandem_wallet::PaillierKeys;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

pub use anchor::AnchorError;
pub use custodian::{Custodian, Webhook};
pub use error::Failure;
pub use kms::{Kms, LocalKms, Purpose};
pub use routes::{OPENAPI, OPENAPI_PATH, router};
pub use state::{App, Limits};
pub use wallet::ECDSA_SHARE_MIB;
pub use web::router_with_web;

/// What the server needs to start.
pub struct Config {
    /// `sqlite://PATH` or `postgres://…`.
    pub database: String,
    /// The master key file (created 0600 if missing).
    pub key_file: PathBuf,
    /// The admin token file (created 0600 if missing).
    pub admin_key_file: PathBuf,
    /// The spend anchor (created if missing): outside the database and out of reach of its
    /// restores; one file shared by every replica (`anchor.rs`).
    pub spend_anchor: PathBuf,
    /// Limits and lifetimes.
    pub limits: Limits,
    /// Where the server's Paillier keys come from (fresh primes in production).
    pub paillier: Arc<dyn PaillierKeys>,
    /// Where custodian backup shares live.
    pub custodian: Custodian,
}

impl core::fmt::Debug for Config {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("key_file", &self.key_file)
            .field("admin_key_file", &self.admin_key_file)
            .field("spend_anchor", &self.spend_anchor)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The master key.
    #[error("{0}")]
    Kms(#[from] kms::KmsError),
    /// The admin token file.
    #[error("admin key file {0}")]
    AdminKey(String),
    /// The spend anchor cannot be read or is not an anchor.
    #[error("{0}")]
    Anchor(#[from] AnchorError),
    /// The check of the database against its spend anchor failed.
    #[error("spend anchor: {0}")]
    Reconcile(String),
    /// The listening socket.
    #[error("listen: {0}")]
    Listen(#[from] std::io::Error),
}

/// The admin token: the file's one line, created (`tda_` and 64 hex digits, mode 0600) if
/// missing.
fn admin_token(path: &std::path::Path) -> Result<Zeroizing<String>, StartError> {
    let err = |e: &dyn std::fmt::Display| StartError::AdminKey(format!("{}: {e}", path.display()));
    if !path.exists() {
        let mut secret = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut()).map_err(|e| err(&e))?;
        let token = Zeroizing::new(format!(
            "tda_{}\n",
            base16ct::lower::encode_string(secret.as_ref())
        ));
        kms::write_private(path, token.as_bytes()).map_err(|e| err(&e))?;
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| err(&e))?);
    let token = text.lines().next().unwrap_or("").trim().to_owned();
    if token.len() < 16 {
        return Err(err(&"the token must be one line of at least 16 characters"));
    }
    Ok(Zeroizing::new(token))
}

/// Connects the database (running its migrations), opens the KMS, reads the admin token,
/// and checks the database against its spend anchor (purging a database restored from an
/// older copy: `anchor.rs`).
///
/// # Errors
/// A [`StartError`].
pub async fn build(config: Config) -> Result<App, StartError> {
    let (db, backend) = db::connect(&config.database).await?;
    let kms = LocalKms::from_file(&config.key_file)?;
    let token = admin_token(&config.admin_key_file)?;
    let work = Arc::new(Semaphore::new(config.limits.concurrent_work.max(1)));
    let anchor = Arc::new(anchor::SpendAnchor::open(&config.spend_anchor)?);
    let app = App {
        db,
        backend,
        kms: Arc::new(kms),
        admin_token_hash: auth::hash(&token),
        work,
        paillier: config.paillier,
        custodian: config.custodian,
        shares: Arc::new(wallet::ShareCache::new(
            config.limits.share_cache,
            config.limits.share_cache_mib,
        )),
        key_hashes: Arc::new(quick_cache::sync::Cache::new(
            config.limits.share_cache.max(1),
        )),
        auth_failures: throttle::Window::new(
            config.limits.auth_failures_per_minute,
            Duration::from_secs(60),
        )
        .map(Arc::new),
        expensive_sessions: throttle::Window::new(
            config.limits.expensive_sessions_per_hour,
            Duration::from_secs(3600),
        )
        .map(Arc::new),
        limits: config.limits,
        anchor,
    };
    anchor::reconcile(&app)
        .await
        .map_err(|f| StartError::Reconcile(f.message))?;
    Ok(app)
}

/// How long an idempotency key's answer is kept.
const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;

/// Deletes what expired (sessions, presignatures, old idempotency answers), every minute.
async fn sweep(app: App) {
    loop {
        let now = db::now();
        for (sql, at) in [
            ("DELETE FROM sessions WHERE expires_at <= $1", now),
            ("DELETE FROM presignatures WHERE expires_at <= $1", now),
            (
                "DELETE FROM idempotency WHERE created_at <= $1",
                now - IDEMPOTENCY_TTL_SECS,
            ),
        ] {
            if let Err(e) = crash::write("sweep", sqlx::query(sql).bind(at).execute(&app.db)).await
            {
                tracing::warn!(error = %e, "sweep");
            }
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, with the Paillier pool filled in
/// the background.
///
/// # Errors
/// The listener's error.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    serve_router(listener, app.clone(), router(app), shutdown).await
}

/// As [`serve`], answering with `routes` (the API of `app`, or [`router_with_web`]).
///
/// # Errors
/// As [`serve`].
pub async fn serve_router(
    listener: TcpListener,
    app: App,
    routes: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let refill = tokio::spawn(paillier::refill(app.clone()));
    let sweep = tokio::spawn(sweep(app.clone()));
    let limits = app.limits.clone();
    listen::serve(listener, routes, &limits, shutdown).await;
    refill.abort();
    sweep.abort();
    Ok(())
}
