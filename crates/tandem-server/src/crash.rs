//! Crash points: every write of the server (to its database, and the custodian webhook's
//! store) goes through `commit` or `write`, each naming its write. Just before and just
//! after it, a TEST-ONLY build (the `crash-points` feature, which only the test binary of
//! `tandem-cli` enables) can kill its own process with SIGKILL, at the point named by
//! `TANDEM_CRASH_AT=<write>/<before|after>[#n]` (the n-th time it is reached, default the
//! first), and can record every point reached to the file `TANDEM_CRASH_TRACE`.
//!
//! `tandem-cli/tests/server_crash.rs` runs each operation once recording its points, then
//! kills a server at each of them in turn: the list of steps is the code's own. [`WRITES`]
//! names every write; a unit test below checks it against the call sites, and that no write
//! bypasses them. Without the feature both functions only do the write.

use sqlx::{Any, Transaction};

/// Every write, by the name its call site gives it.
pub const WRITES: &[&str] = &[
    "clients.insert",
    "sessions.sweep_client",
    "sessions.insert",
    "sessions.end",
    "sessions.expire",
    "sessions.fail",
    "sessions.step",
    "presignatures.sweep_client",
    "presignatures.spend",
    "idempotency.ed25519",
    "idempotency.bip340",
    "backup.webhook",
    "backup.client",
    "wallet.confirm",
    "paillier.take",
    "paillier.add",
    "sweep",
    "anchor.raise",
    "anchor.purge",
];

/// The writes the server makes on its own (not for a request): the pool's refill and the
/// sweep of expired rows.
pub const BACKGROUND: &[&str] = &["paillier.add", "sweep"];

/// Commits `tx`, the write named `name`.
pub(crate) async fn commit(tx: Transaction<'_, Any>, name: &'static str) -> sqlx::Result<()> {
    point(name, "before");
    tx.commit().await?;
    point(name, "after");
    Ok(())
}

/// Runs `write`, the write named `name` (a statement outside a transaction, or the
/// webhook's store).
pub(crate) async fn write<T, E>(
    name: &'static str,
    write: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    point(name, "before");
    let done = write.await?;
    point(name, "after");
    Ok(done)
}

#[cfg(not(feature = "crash-points"))]
#[inline(always)]
fn point(_: &'static str, _: &'static str) {}

#[cfg(feature = "crash-points")]
fn point(name: &'static str, when: &'static str) {
    armed::reached(name, when);
}

#[cfg(feature = "crash-points")]
pub use armed::arm_from_env;

#[cfg(feature = "crash-points")]
mod armed {
    use std::io::Write;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Mutex, OnceLock};

    struct Armed {
        /// `<write>/<when>`, and which time it is reached.
        at: Option<(String, u32)>,
        reached: AtomicU32,
        trace: Option<Mutex<std::fs::File>>,
    }

    static ARMED: OnceLock<Armed> = OnceLock::new();

    /// TEST-ONLY: reads `TANDEM_CRASH_AT` and `TANDEM_CRASH_TRACE` (see the module docs).
    /// Called by the test binary's entry point before the server starts.
    ///
    /// # Panics
    /// If the trace file cannot be opened.
    #[allow(clippy::panic)]
    pub fn arm_from_env() {
        let at = std::env::var("TANDEM_CRASH_AT").ok().map(|spec| {
            let (point, nth) = spec.split_once('#').unwrap_or((&spec, "1"));
            (point.to_owned(), nth.parse().unwrap_or(1))
        });
        let trace = std::env::var_os("TANDEM_CRASH_TRACE").map(|path| {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap_or_else(|e| panic!("TANDEM_CRASH_TRACE {path:?}: {e}"));
            Mutex::new(file)
        });
        let _ = ARMED.set(Armed {
            at,
            reached: AtomicU32::new(0),
            trace,
        });
    }

    pub(super) fn reached(name: &str, when: &str) {
        let Some(armed) = ARMED.get() else { return };
        let point = format!("{name}/{when}");
        if let Some(trace) = &armed.trace
            && let Ok(mut file) = trace.lock()
        {
            let _ = writeln!(file, "{point}");
            let _ = file.sync_data();
        }
        let Some((at, nth)) = &armed.at else { return };
        if *at == point && armed.reached.fetch_add(1, Ordering::SeqCst) + 1 == *nth {
            eprintln!("crash point {point}#{nth}: SIGKILL");
            // A real SIGKILL (no destructor, no flush, no graceful close), from outside:
            // this crate forbids the unsafe code a `kill(2)` call would need. Nothing runs
            // past this point meanwhile.
            let killed = std::process::Command::new("kill")
                .args(["-KILL", &std::process::id().to_string()])
                .status();
            if !killed.is_ok_and(|s| s.success()) {
                // No `kill` command: SIGABRT, as abrupt.
                std::process::abort();
            }
            loop {
                std::thread::park();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The server's sources (without this module and the fuzzing entry points).
    fn sources() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).expect("src/") {
            let path = entry.expect("an entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if name.ends_with(".rs") && name != "crash.rs" && name != "fuzzing.rs" {
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((name, text));
            }
        }
        out
    }

    #[test]
    fn every_write_is_named_once_and_listed() {
        let mut named = Vec::new();
        for (_, text) in sources() {
            for call in ["crash::commit(", "crash::write("] {
                for rest in text.split(call).skip(1) {
                    let name = rest
                        .split('"')
                        .nth(1)
                        .expect("the write's name is its call's first string literal");
                    named.push(name.to_owned());
                }
            }
        }
        let set: BTreeSet<_> = named.iter().cloned().collect();
        assert_eq!(set.len(), named.len(), "a name used twice: {named:?}");
        let listed: BTreeSet<_> = super::WRITES.iter().map(|w| (*w).to_owned()).collect();
        assert_eq!(set, listed, "crash::WRITES vs. the call sites");
    }

    #[test]
    fn no_write_bypasses_the_crash_points() {
        for (file, text) in sources() {
            let flat: String = text.split_whitespace().collect();
            assert!(
                !flat.contains(".commit().await"),
                "{file}: a transaction committed outside crash::commit"
            );
            // A statement on the pool (outside a transaction) is a write of its own: it must
            // be the argument of a `crash::write(` (no statement ends between the two).
            for (at, _) in flat.match_indices(".execute(&app.db)") {
                let before = flat.get(..at).unwrap_or_default();
                let wrapped = before
                    .rfind("crash::write(")
                    .is_some_and(|w| !before.get(w..).unwrap_or_default().contains(';'));
                assert!(
                    wrapped,
                    "{file}: a statement on the pool outside crash::write"
                );
            }
        }
    }
}
