//! The shared state of every request: the database, the KMS, the limits.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tandem_wallet::PaillierKeys;
use tokio::sync::Semaphore;

use crate::custodian::Custodian;
use crate::db::Backend;
use crate::kms::Kms;
use crate::throttle::Window;

/// The server's limits and lifetimes (defaults as the seeds' provider).
#[derive(Clone, Debug)]
pub struct Limits {
    /// How long a half-finished session lives.
    pub session_ttl: Duration,
    /// Open sessions per client.
    pub sessions_per_client: i64,
    /// How long a presignature lives (7 days).
    pub presignature_ttl: Duration,
    /// Presignatures held per client (100).
    pub presignatures_per_client: i64,
    /// Paillier keys kept ready (made in the background).
    pub paillier_pool: usize,
    /// Protocol computations running at once (the rest wait).
    pub concurrent_work: usize,
    /// Parsed Ed25519 signing shares kept in memory (by client and sharing id).
    pub share_cache: usize,
    /// Memory for parsed secp256k1 signing shares, in MiB (each weighs
    /// `wallet::ECDSA_SHARE_MIB` with its prover tables).
    pub share_cache_mib: u64,
    /// Failed authentications (`401`) per network address and minute before the address is
    /// refused for the rest of the minute (0: no limit; see `throttle.rs`).
    pub auth_failures_per_minute: u32,
    /// Generate, recover and refresh sessions a client may start per hour (0: no limit).
    pub expensive_sessions_per_hour: u32,
    /// How long a request's body may take to arrive.
    pub body_timeout: Duration,
    /// How long a request's headers may take to arrive (also how long an idle keep-alive
    /// connection stays open).
    pub header_timeout: Duration,
    /// Connections served at once (keep it under the process's file descriptor limit).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(600),
            sessions_per_client: 8,
            presignature_ttl: Duration::from_secs(7 * 24 * 3600),
            presignatures_per_client: 100,
            paillier_pool: 4,
            concurrent_work: std::thread::available_parallelism()
                .map(|n| n.get() * 2)
                .unwrap_or(4),
            share_cache: 10_000,
            share_cache_mib: 1024,
            auth_failures_per_minute: 20,
            expensive_sessions_per_hour: 30,
            body_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(30),
            max_connections: 1000,
        }
    }
}

/// The state every handler sees.
#[derive(Clone)]
pub struct App {
    pub(crate) db: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) kms: Arc<dyn Kms>,
    pub(crate) admin_token_hash: [u8; 32],
    pub(crate) limits: Limits,
    pub(crate) work: Arc<Semaphore>,
    pub(crate) paillier: Arc<dyn PaillierKeys>,
    pub(crate) custodian: Custodian,
    pub(crate) shares: Arc<crate::wallet::ShareCache>,
    /// Clients' API key hashes, by client id (they never change once created).
    pub(crate) key_hashes: Arc<quick_cache::sync::Cache<String, [u8; 32]>>,
    /// Failed authentications by address (`throttle.rs`).
    pub(crate) auth_failures: Option<Arc<Window<IpAddr>>>,
    /// Expensive sessions started, by client (`throttle.rs`).
    pub(crate) expensive_sessions: Option<Arc<Window<String>>>,
    /// The count of spends outside the database (`anchor.rs`).
    pub(crate) anchor: Arc<crate::anchor::SpendAnchor>,
}

impl core::fmt::Debug for App {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("App")
            .field("backend", &self.backend)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Closes the database's connections, waiting for them (an embedded server's last
    /// step: SQLite then folds its write-ahead log back into the database file).
    pub async fn close(&self) {
        // SQLite: the pool's one connection closed explicitly and awaited (dropping it would
        // leave the close to its worker thread, after this returns).
        if self.backend == Backend::Sqlite
            && let Ok(conn) = self.db.acquire().await
        {
            let _ = sqlx::Connection::close(conn.detach()).await;
        }
        self.db.close().await;
    }

    /// Runs CPU-bound protocol work off the async threads, at most
    /// [`Limits::concurrent_work`] at once.
    pub(crate) async fn compute<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> crate::error::Result<T> {
        let _permit = self
            .work
            .clone()
            .acquire_owned()
            .await
            .map_err(crate::error::Failure::internal)?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(crate::error::Failure::internal)
    }
}
