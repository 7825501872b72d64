//! The spend anchor: a database restored from an older copy must not make a spent nonce
//! spendable again.
//!
//! Why it matters. A presignature's server half, deleted when it signed, is back in a
//! restored database; a client that kept its own half asks for a second signature with it,
//! on another digest, and two signatures with one nonce give away the key (`r` shared, `k`
//! solved from the two `s`). A saved session state taken by its step is back the same way,
//! and answers the same step a second time with the same secrets. Deleting is what spends a
//! nonce ([`crate::sign`], [`crate::session`]); a restore undoes deletes.
//!
//! The rule. Every transaction that spends (a presignature half deleted by its signature, a
//! session's saved state taken by its next step) adds one to `spend_counter.spends` in the
//! database; after it commits and before its answer leaves, the anchor (a small file
//! outside the database: `--spend-anchor`, next to the master key by default) is raised to
//! that count (a temporary file written and synced, renamed over it, the folder synced). So
//! the anchor is never below the count of spends whose answers left, and a database restored
//! from a copy counts fewer spends than its anchor. The two are compared at start
//! ([`reconcile`]) and inside every spend's transaction ([`count`]):
//!
//! - database ≥ anchor: as it should be (ahead only by spends whose answers never left: a
//!   crash between the commit and the anchor's write); at start the anchor is raised to it.
//! - database < anchor: restored. Every presignature half and saved session is deleted
//!   (which of them were spent after the copy cannot be told) and the count set to the
//!   anchor's, in one transaction ([`purge`]); the request that found it is refused (503).
//!   Honest clients drop a pool the server no longer knows (`unknown_presignature`) and
//!   presign again: the server refuses to sign until the pool is rebuilt.
//! - no anchor file while the database counts spends: handled as a restore (the anchor may
//!   be missing because a copy of the folder was restored); the anchor then starts at the
//!   database's count.
//!
//! Replicas must share one anchor file (one host, or a shared filesystem whose locks work):
//! each raise holds an exclusive lock on `<anchor>.lock`, reads, and only ever raises. A
//! replica with an anchor of its own would be protected only against a restore behind its
//! own spends (SECURITY.md says so). The anchor holds no secret: it is a count.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};
use tandem_client::api::ErrorCode;

use crate::crash;
use crate::error::{Failure, Result};
use crate::state::App;

/// The anchor file's format name and version (CHANGELOG; `test-vectors/server/`).
const FORMAT: &str = "tandem-spend-anchor";
const VERSION: u32 = 1;
/// A valid anchor file is a few dozen bytes; anything longer is refused unread.
const MAX_LEN: u64 = 4096;

/// The anchor file as stored (JSON, so an operator can read it).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorFile {
    format: String,
    version: u32,
    spends: u64,
}

/// Why the anchor cannot be used (the server does not start).
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// The file cannot be read, locked or written.
    #[error("spend anchor {path}: {source}")]
    Io {
        /// The anchor file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not an anchor of a known version.
    #[error("spend anchor {path}: {detail}")]
    Invalid {
        /// The anchor file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
}

/// The anchor: the count of spends whose answers left, outside the database.
#[derive(Debug)]
pub(crate) struct SpendAnchor {
    path: PathBuf,
    /// The highest count this process knows the file holds: a raise to no more skips the
    /// file (the file only ever grows).
    known: AtomicU64,
    /// Set once the file was written (at start): from then on a missing file is an error,
    /// never a count of 0.
    written: AtomicBool,
}

impl SpendAnchor {
    /// The anchor at `path` (read if it exists; created by the first raise).
    ///
    /// # Errors
    /// An [`AnchorError`] if the file exists and is not a valid anchor.
    pub(crate) fn open(path: &Path) -> core::result::Result<Self, AnchorError> {
        let known = read(path)?.unwrap_or(0);
        Ok(Self {
            path: path.to_owned(),
            known: AtomicU64::new(known),
            written: AtomicBool::new(false),
        })
    }

    /// The anchor file's path.
    #[must_use]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The file's count now (another replica may have raised it), `None` if it is missing.
    async fn current(&self) -> Result<Option<u64>> {
        // What the file held before the read starts: a concurrent raise may complete while
        // the file is being read, and the count it leaves in `known` is not one this read
        // must see (compared with it, an honest read looked like a file put back).
        let known = self.known.load(Ordering::SeqCst);
        let written = self.written.load(Ordering::SeqCst);
        let path = self.path.clone();
        let read = tokio::task::spawn_blocking(move || read(&path))
            .await
            .map_err(Failure::internal)?
            .map_err(unavailable)?;
        match read {
            // The file only ever rises: one below what it held before this read was put
            // back from an older copy, and would hide a restore of the database to a count
            // in between.
            Some(n) if n < known => {
                return Err(unavailable(AnchorError::Invalid {
                    path: self.path.clone(),
                    detail: format!(
                        "the file went back to {n} spends while the server ran (it held \
                         {known}): restored from an older copy? Put the current one back"
                    ),
                }));
            }
            Some(n) => {
                self.known.fetch_max(n, Ordering::SeqCst);
            }
            None if written => {
                return Err(unavailable(AnchorError::Invalid {
                    path: self.path.clone(),
                    detail: "the file disappeared while the server ran (restore it, or \
                             restart the server: it then discards presignatures and sessions)"
                        .into(),
                }));
            }
            None => {}
        }
        Ok(read)
    }

    /// Raises the anchor to `spends` (no-op if it holds as many); the caller's answer leaves
    /// only after this returned.
    pub(crate) async fn raise(&self, spends: u64) -> Result<()> {
        if self.known.load(Ordering::SeqCst) >= spends {
            return Ok(());
        }
        self.write(spends).await
    }

    /// Writes the file with at least `spends` (whatever this process knew of it).
    async fn write(&self, spends: u64) -> Result<()> {
        let path = self.path.clone();
        // The blocking task is spawned inside the async block, after the crash point's
        // "before" (a `spawn_blocking` given as the argument would start writing at once).
        let held = crash::write("anchor.raise", async move {
            tokio::task::spawn_blocking(move || raise(&path, spends)).await
        })
        .await
        .map_err(Failure::internal)?
        .map_err(unavailable)?;
        self.known.fetch_max(held, Ordering::SeqCst);
        self.written.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// An anchor that cannot be read or written: the spend's answer does not leave (503; the
/// spend stays committed, and a retry gets its recorded answer once the anchor is written).
fn unavailable(e: AnchorError) -> Failure {
    tracing::error!(error = %e, "spend anchor");
    Failure::new(ErrorCode::Unavailable, "spend anchor unavailable")
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> AnchorError + '_ {
    move |source| AnchorError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The count in the anchor file at `path`, `None` if there is none; refused if the file is
/// not an anchor (never read past [`MAX_LEN`]).
fn read(path: &Path) -> core::result::Result<Option<u64>, AnchorError> {
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_LEN + 1), &mut bytes)
        .map_err(io(path))?;
    let invalid = |detail: String| AnchorError::Invalid {
        path: path.to_owned(),
        detail,
    };
    if bytes.len() as u64 > MAX_LEN {
        return Err(invalid(format!("longer than {MAX_LEN} bytes")));
    }
    let file: AnchorFile = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    if file.format != FORMAT || file.version != VERSION {
        return Err(invalid(format!(
            "format {:?} version {}: this server reads {FORMAT:?} version {VERSION}",
            file.format, file.version
        )));
    }
    Ok(Some(file.spends))
}

/// Raises the file to `spends` under `<anchor>.lock` (other replicas' raises wait); the
/// count it holds afterwards.
fn raise(path: &Path, spends: u64) -> core::result::Result<u64, AnchorError> {
    let suffixed = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(suffixed(".lock"))
        .map_err(io(path))?;
    lock.lock().map_err(io(path))?;
    if let Some(held) = read(path)?
        && held >= spends
    {
        return Ok(held);
    }
    let text = serde_json::to_vec(&AnchorFile {
        format: FORMAT.to_owned(),
        version: VERSION,
        spends,
    })
    .map_err(|e| AnchorError::Invalid {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    let tmp = suffixed(".tmp");
    let mut file = fs::File::create(&tmp).map_err(io(path))?;
    file.write_all(&text).map_err(io(path))?;
    file.sync_all().map_err(io(path))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    // The rename is durable once the folder is.
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(path))?;
    Ok(spends)
}

/// The database's count of spends.
async fn spends_in(db: impl sqlx::Executor<'_, Database = Any>) -> Result<u64> {
    let spends: i64 = sqlx::query_scalar("SELECT spends FROM spend_counter WHERE id = 1")
        .fetch_one(db)
        .await?;
    u64::try_from(spends).map_err(Failure::internal)
}

/// A database found behind its anchor inside a spend's transaction: that transaction is
/// dropped, then [`Behind::purge`] runs.
#[must_use]
pub(crate) struct Behind {
    anchor: u64,
}

impl Behind {
    /// Purges (see the module docs); the failure the request answers.
    pub(crate) async fn purge(self, app: &App) -> Failure {
        match purge(app, self.anchor).await {
            Ok(()) => Failure::new(
                ErrorCode::Unavailable,
                "the server's database was restored from an older copy: its presignatures \
                 and open sessions were discarded; presign again",
            ),
            Err(f) => f,
        }
    }
}

/// In the spending transaction `tx`: one more spend, the count to raise the anchor to after
/// the commit; [`Behind`] if the database counts fewer spends than the anchor.
pub(crate) async fn count(
    tx: &mut Transaction<'_, Any>,
    app: &App,
) -> Result<core::result::Result<u64, Behind>> {
    sqlx::query("UPDATE spend_counter SET spends = spends + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    let spends = spends_in(&mut **tx).await?;
    // The anchor holds only counts that committed, and the count never goes down in one
    // database: before this spend the database held at least the anchor's.
    let anchor = app.anchor.current().await?.unwrap_or(0);
    if spends <= anchor {
        return Ok(Err(Behind { anchor }));
    }
    Ok(Ok(spends))
}

/// Before an answer recorded earlier leaves again (a retry): the anchor raised to the count
/// of the spend it came from (`spends`, recorded with it) and to the database's, in case the
/// first answer's raise failed. A recorded spend above the database's count, or an anchor
/// above it, is a restore.
pub(crate) async fn recorded(app: &App, recorded: Option<u64>) -> Result<()> {
    // The anchor first: it holds only counts that committed, so a count read after it is
    // at least as high unless the database was restored. (Read the other way round, another
    // replica's spend committed and anchored between the two reads would look like a
    // restore.)
    let anchor = app.anchor.current().await?;
    let spends = spends_in(&app.db).await?;
    let highest = anchor.unwrap_or(0).max(recorded.unwrap_or(0));
    if highest > spends {
        return Err(Behind { anchor: highest }.purge(app).await);
    }
    app.anchor.raise(spends).await
}

/// Deletes every presignature half and saved session and sets the count to `anchor`, in one
/// transaction.
async fn purge(app: &App, anchor: u64) -> Result<()> {
    let anchor_i64 = i64::try_from(anchor).map_err(Failure::internal)?;
    let mut tx = app.db.begin().await?;
    let presignatures = sqlx::query("DELETE FROM presignatures")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let sessions = sqlx::query("DELETE FROM sessions")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("UPDATE spend_counter SET spends = $1 WHERE id = 1 AND spends < $1")
        .bind(anchor_i64)
        .execute(&mut *tx)
        .await?;
    crash::commit(tx, "anchor.purge").await?;
    tracing::error!(
        anchor,
        presignatures,
        sessions,
        "the database counts fewer spends than its anchor (restored from an older copy?): \
         every presignature half and open session discarded"
    );
    Ok(())
}

/// At start: compares the database with the anchor (see the module docs), purging a
/// restored database, then raises the anchor to the database's count.
///
/// # Errors
/// The database's, or the anchor's.
pub(crate) async fn reconcile(app: &App) -> Result<()> {
    // The anchor before the count, as in `recorded`: replicas may be spending meanwhile.
    let anchor = app.anchor.current().await?;
    let spends = spends_in(&app.db).await?;
    match anchor {
        Some(anchor) if anchor > spends => purge(app, anchor).await?,
        None if spends > 0 => {
            tracing::error!(
                path = %app.anchor.path().display(),
                spends,
                "no spend anchor, while the database counts spends: handled as a restore"
            );
            purge(app, spends).await?;
        }
        _ => {}
    }
    // Written even if it holds the count already: the file exists from here on.
    app.anchor.write(spends_in(&app.db).await?).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::{AnchorError, MAX_LEN, SpendAnchor, raise, read};

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn the_frozen_anchor_of_version_1_reads_back() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../test-vectors/v1/server/spend-anchor.json");
        assert_eq!(read(&path).unwrap(), Some(1234));
    }

    #[test]
    fn an_anchor_only_ever_rises() {
        let dir = dir();
        let path = dir.path().join("spend.anchor");
        assert_eq!(read(&path).unwrap(), None);
        assert_eq!(raise(&path, 5).unwrap(), 5);
        assert_eq!(raise(&path, 3).unwrap(), 5);
        assert_eq!(read(&path).unwrap(), Some(5));
        assert_eq!(raise(&path, 9).unwrap(), 9);
        assert_eq!(read(&path).unwrap(), Some(9));
    }

    #[test]
    fn raises_from_many_threads_keep_the_highest() {
        let dir = dir();
        let path = dir.path().join("spend.anchor");
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let path = &path;
                s.spawn(move || {
                    for n in 0..50 {
                        raise(path, n * 4 + t).unwrap();
                    }
                });
            }
        });
        assert_eq!(read(&path).unwrap(), Some(49 * 4 + 3));
    }

    /// Requests read the anchor while others raise it: a read that started before a raise
    /// finished is not a file put back (it once was taken for one, and answered 503).
    #[test]
    fn reads_racing_raises_are_not_taken_for_a_file_put_back() {
        let dir = dir();
        let anchor = std::sync::Arc::new(SpendAnchor::open(&dir.path().join("a")).unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        runtime.block_on(async {
            anchor.raise(1).await.unwrap();
            // Readers in a loop, on more threads than this machine has cores (a reader is
            // then often paused between its read and its comparison), while one task raises.
            let readers: Vec<_> = (0..6)
                .map(|_| {
                    let anchor = anchor.clone();
                    tokio::spawn(async move {
                        for _ in 0..400 {
                            anchor.current().await.unwrap();
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for n in 2..=120 {
                anchor.raise(n).await.unwrap();
            }
            for reader in readers {
                reader.await.unwrap();
            }
        });
        assert_eq!(read(&dir.path().join("a")).unwrap(), Some(120));
    }

    #[test]
    fn a_file_that_is_not_an_anchor_is_refused() {
        let dir = dir();
        let path = dir.path().join("spend.anchor");
        for bad in [
            b"".to_vec(),
            b"12".to_vec(),
            br#"{"format":"tandem-spend-anchor","version":2,"spends":1}"#.to_vec(),
            br#"{"format":"other","version":1,"spends":1}"#.to_vec(),
            br#"{"format":"tandem-spend-anchor","version":1,"spends":-1}"#.to_vec(),
            br#"{"format":"tandem-spend-anchor","version":1,"spends":1,"x":0}"#.to_vec(),
            vec![b' '; usize::try_from(MAX_LEN).unwrap() + 1],
        ] {
            std::fs::write(&path, &bad).unwrap();
            assert!(
                matches!(read(&path), Err(AnchorError::Invalid { .. })),
                "{:?}",
                String::from_utf8_lossy(&bad)
            );
            // A raise never writes over what it cannot read.
            assert!(raise(&path, 7).is_err());
        }
    }
}
