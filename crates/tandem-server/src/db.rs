//! The database: one code path for SQLite (embedded, the default) and PostgreSQL (sqlx's
//! `Any` driver), the same migrations run at start. Queries use `$n` placeholders, which
//! both accept, and only the portable types (TEXT, BIGINT, BYTEA blobs).

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

/// The database's kind, from its URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH` (created if missing).
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

impl Backend {
    /// The backend of `url`, if supported.
    #[must_use]
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// Connects and runs the migrations.
///
/// SQLite: one connection (one writer at a time is what SQLite offers; every transaction
/// here is short, the protocol work runs outside it), the file created if missing, full
/// synchronous commits. PostgreSQL: a pool; transactions at READ COMMITTED, every step taken
/// by a conditional UPDATE or DELETE whose row count decides who won.
///
/// # Errors
/// The database's error.
pub async fn connect(url: &str) -> Result<(AnyPool, Backend), sqlx::Error> {
    install_default_drivers();
    let backend = Backend::of(url).ok_or_else(|| {
        sqlx::Error::Configuration("database URL: sqlite:// or postgres://".into())
    })?;
    let (url, max) = match backend {
        Backend::Sqlite => {
            let sep = if url.contains('?') { '&' } else { '?' };
            let url = if url.contains("mode=") {
                url.to_owned()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (url, 1)
        }
        Backend::Postgres => (url.to_owned(), 16),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .after_release(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    return Ok(outside_transaction(conn).await);
                }
                Ok(true)
            })
        })
        .connect(&url)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok((pool, backend))
}

/// True if the SQLite connection `conn` is outside any transaction, as a connection going
/// back to the pool must be. SQLite rolls a transaction back by itself on some errors (a full
/// disk, an I/O error, out of memory), after which the driver's own rollback of it fails and
/// its count of open transactions is wrong: the connection's next transaction could then
/// stay open for good, every later commit visible to this connection only and lost with
/// it. A `BEGIN` inside a transaction fails: such a connection is closed (rolling back what
/// it holds) instead of being used again (`tests/server_disk_full.rs` found it).
async fn outside_transaction(conn: &mut sqlx::AnyConnection) -> bool {
    if conn.execute("BEGIN").await.is_err() {
        tracing::warn!("an SQLite connection was left inside a transaction: closed");
        return false;
    }
    conn.execute("ROLLBACK").await.is_ok()
}

/// Now, in Unix seconds.
#[must_use]
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
