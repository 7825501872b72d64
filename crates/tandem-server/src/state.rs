//! The shared state of every request: the database, the KMS, the limits.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tandem_wallet::PaillierKeys;
use tokio::sync::Semaphore;

use crate::custodian::Custodian;
use crate::db::Backend;
use crate::kms::Kms;

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
    /// Parsed signing shares kept in memory (by client and sharing id).
    pub share_cache: usize,
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
