//! The Paillier-key pool: safe primes are the slow part of generate (seconds per key), so
//! the server makes its keys ahead of time, in the background, and keeps
//! [`Limits::paillier_pool`](crate::state::Limits::paillier_pool) of them sealed in the
//! `paillier_keys` table. A key is taken by one `DELETE` (never handed out twice, across
//! replicas); an empty pool makes a key on the spot.

use std::time::Duration;

use crypto_bigint::U1536;
use sqlx::Row;
use tandem_paillier::paillier::SecretKey;
use tandem_wallet::Party;
use zeroize::Zeroizing;

use crate::crash;
use crate::db::now;
use crate::error::{Failure, Result};
use crate::kms::Purpose;
use crate::state::App;
use crate::wallet::hex;

const PRIME_BYTES: usize = 192;

fn aad(key_id: &str) -> Vec<u8> {
    format!("paillier-key|{key_id}").into_bytes()
}

/// `p ‖ q`, big-endian.
fn encode(key: &SecretKey) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(2 * PRIME_BYTES));
    out.extend_from_slice(Zeroizing::new(key.p().to_be_bytes()).as_ref());
    out.extend_from_slice(Zeroizing::new(key.q().to_be_bytes()).as_ref());
    out
}

fn decode(bytes: &[u8]) -> Result<SecretKey> {
    if bytes.len() != 2 * PRIME_BYTES {
        return Err(Failure::internal("stored Paillier key of the wrong length"));
    }
    let (p, q) = bytes.split_at(PRIME_BYTES);
    // The primes were checked when the key was made; the sealed value authenticates them.
    SecretKey::from_primes_unchecked(U1536::from_be_slice(p), U1536::from_be_slice(q))
        .map_err(Failure::internal)
}

async fn make(app: &App) -> Result<SecretKey> {
    let source = app.paillier.clone();
    app.compute(move || {
        source
            .paillier_key(Party::Server, &mut |_| {})
            .map_err(Failure::internal)
    })
    .await?
}

/// A key from the pool (or a fresh one if the pool is empty), never handed out again.
pub(crate) async fn take(app: &App) -> Result<SecretKey> {
    // Bounded: each attempt either takes a key or lost it to another request.
    for _ in 0..8 {
        let row = sqlx::query(
            "SELECT key_id, data FROM paillier_keys ORDER BY created_at, key_id LIMIT 1",
        )
        .fetch_optional(&app.db)
        .await?;
        let Some(row) = row else { break };
        let key_id: String = row.try_get("key_id")?;
        let sealed: Vec<u8> = row.try_get("data")?;
        let taken = crash::write(
            "paillier.take",
            sqlx::query("DELETE FROM paillier_keys WHERE key_id = $1")
                .bind(key_id.clone())
                .execute(&app.db),
        )
        .await?
        .rows_affected();
        if taken == 1 {
            let bytes = app.kms.open(Purpose::Server, &aad(&key_id), &sealed)?;
            return decode(&bytes);
        }
    }
    make(app).await
}

/// Keys in the pool.
pub(crate) async fn count(app: &App) -> Result<usize> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM paillier_keys")
        .fetch_one(&app.db)
        .await?
        .try_get("n")?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Adds one fresh key to the pool.
async fn add(app: &App) -> Result<()> {
    let key = make(app).await?;
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(Failure::internal)?;
    let key_id = hex(&id);
    let sealed = app
        .kms
        .seal(Purpose::Server, &aad(&key_id), &encode(&key))?;
    crash::write(
        "paillier.add",
        sqlx::query("INSERT INTO paillier_keys (key_id, data, created_at) VALUES ($1, $2, $3)")
            .bind(key_id)
            .bind(sealed)
            .bind(now())
            .execute(&app.db),
    )
    .await?;
    Ok(())
}

/// Keeps the pool full, forever (a background task of the server).
pub(crate) async fn refill(app: App) {
    loop {
        let wait = match count(&app).await {
            Ok(n) if n < app.limits.paillier_pool => match add(&app).await {
                Ok(()) => Duration::ZERO,
                Err(e) => {
                    tracing::warn!(code = ?e.code, "Paillier pool: could not add a key");
                    Duration::from_secs(5)
                }
            },
            Ok(_) => Duration::from_secs(1),
            Err(_) => Duration::from_secs(5),
        };
        tokio::time::sleep(wait).await;
    }
}
