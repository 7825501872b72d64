//! The service's fuzz targets (`tandem_cli::fuzzing`: HTTP requests to the real router, and
//! the server's saved-session decoder) under the ordinary test runner: their committed seeds
//! (`fuzz/corpus/http_request/`, `fuzz/corpus/server_session_state/`) are current, and every
//! file of those folders, its truncations and bit flips, runs without a finding (an answer
//! of 500 or more, a refusal without its JSON error body, a panic). The long campaigns are
//! cargo-fuzz's (`.ci/run` runs each target for a smoke time).
//!
//! `TANDEM_WRITE_CORPUS=1` writes the seeds instead of checking them.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use tandem_cli::fuzzing;
use tandem_testkit::fuzzing::mutations;
use tandem_testkit::paths;

/// Checks (or writes) the named seeds of `target`, then feeds every file of its corpus
/// folder and their mutations to `run`.
fn smoke(target: &str, seeds: Vec<(String, Vec<u8>)>, run: fn(&[u8])) {
    let dir = paths::corpus().join(target);
    let write = std::env::var_os("TANDEM_WRITE_CORPUS").is_some();
    for (name, bytes) in &seeds {
        let file = dir.join(format!("seed-{name}"));
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, bytes).unwrap();
        }
        let committed = std::fs::read(&file).unwrap_or_default();
        assert!(
            committed == *bytes,
            "{}: not current (TANDEM_WRITE_CORPUS=1 cargo test -p tandem-cli --test fuzz_service)",
            file.display()
        );
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        feed(&file, run);
    }
}

fn feed(file: &Path, run: fn(&[u8])) {
    let seed = std::fs::read(file).unwrap();
    for input in mutations(&seed, 12, 24) {
        run(&input);
    }
}

#[test]
fn http_requests_are_answered_below_500_with_their_error_body() {
    let seeds = fuzzing::http_request_seeds()
        .into_iter()
        .map(|(n, b)| (n.to_owned(), b))
        .collect();
    smoke("http_request", seeds, fuzzing::http_request);
}

/// The seeds reach the handlers they are written for (a harness whose keys were all refused
/// would pass the smoke run above without testing anything).
#[test]
fn http_seeds_reach_their_handlers() {
    let expected: &[(&str, &[u16])] = &[
        ("healthz", &[200]),
        ("create-client", &[201]),
        ("status-own", &[200]),
        ("status-other", &[403]),
        ("presign-message", &[201, 422, 404]),
        ("backup-message", &[201, 422]),
        ("recover-wrong-step", &[201, 409]),
        ("generate-other", &[201]),
        ("confirm", &[409]),
        ("sign-ed25519", &[422]),
        ("sign-secp256k1", &[422]),
        ("backup-get", &[200]),
        ("backup-store", &[400]),
        ("eject", &[200]),
        ("raw", &[405]),
    ];
    let seeds = fuzzing::http_request_seeds();
    assert_eq!(seeds.len(), expected.len());
    for ((name, bytes), (want_name, want)) in seeds.iter().zip(expected) {
        assert_eq!(name, want_name);
        assert_eq!(fuzzing::http_statuses(bytes), *want, "seed {name}");
    }
}

#[test]
fn saved_session_states_never_panic_the_server() {
    smoke(
        "server_session_state",
        fuzzing::server_session_state_seeds(),
        fuzzing::server_session_state,
    );
}
