//! Schema-based fuzzing of the whole HTTP API: schemathesis (PyPI) against a real `tandem
//! server` process on SQLite, from the OpenAPI document the server publishes at
//! `/openapi.json`. Every operation gets valid and invalid requests (the document's examples,
//! its coverage phase, then random ones until the time budget is spent) with a client key
//! whose wallet exists and is backed up, and every answer is checked: no 5xx, every status
//! and content type documented, every body (success or `ApiError`) valid under its schema,
//! a request without credentials refused, a schema-invalid body refused.
//!
//! schemathesis is found on `PATH` or at `TANDEM_SCHEMATHESIS`; without it the test prints
//! one line and does nothing, unless `TANDEM_REQUIRE_SCHEMATHESIS=1` (CI, which installs
//! the pinned `ci/schemathesis-requirements.txt` into a virtual environment) makes that a
//! failure. `TANDEM_SCHEMATHESIS_SECONDS` sets the time budget (default 45).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::path::PathBuf;
use std::process::Command;

use server::*;
use tandem_cli::http::HttpTransport;
use tandem_wallet::{BackupKey, Zeroizing};

/// The schemathesis executable, if there is one.
fn schemathesis() -> Option<PathBuf> {
    let candidate = std::env::var_os("TANDEM_SCHEMATHESIS")
        .map_or_else(|| PathBuf::from("schemathesis"), PathBuf::from);
    let works = Command::new(&candidate)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(candidate);
    }
    let what = format!("schemathesis not found ({})", candidate.display());
    assert!(
        std::env::var_os("TANDEM_REQUIRE_SCHEMATHESIS").is_none(),
        "schemathesis required (TANDEM_REQUIRE_SCHEMATHESIS) but {what}"
    );
    eprintln!("schemathesis test skipped: {what}");
    None
}

#[test]
fn the_api_answers_as_its_openapi_document_says() {
    let Some(schemathesis) = schemathesis() else {
        return;
    };
    let dir = tempdir();
    // The abuse limits are held by server_abuse.rs; here they would turn the fuzzer's
    // invalid credentials into a lockout of every later request.
    let srv = Server::sqlite_with(
        dir.path(),
        &[
            "--auth-failures-per-minute",
            "0",
            "--expensive-sessions-per-hour",
            "0",
        ],
    );
    let (client_id, key_file) = srv.create_client("alice");
    let key = api_key(&key_file);
    let phone = library_client(
        HttpTransport::new(&srv.url, key.clone()).unwrap(),
        &client_id,
        &dir.path().join("phone"),
    );
    let info = phone.generate(&mut |_| {}).unwrap();
    let password = BackupKey::Password(Zeroizing::new(b"schemathesis".to_vec()));
    phone.backup(&password, &mut |_| {}).unwrap();
    // One presignature ahead: the fuzzer leaves sessions open (the client's 8 slots, until
    // they expire), so the secp256k1 signature afterwards must not need a new one.
    phone.presign(1, &mut |_| {}).unwrap();

    let seconds = std::env::var("TANDEM_SCHEMATHESIS_SECONDS").unwrap_or_else(|_| "45".into());
    let report = dir.path().join("report");
    let out = Command::new(&schemathesis)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["run", &format!("{}/openapi.json", srv.url)])
        .args([
            "--header",
            &format!("Authorization: Bearer {}", key.as_str()),
        ])
        // Every check but the two that assume a CRUD API: `positive_data_acceptance`
        // expects a schema-valid request to succeed (a protocol message of the right type
        // but random bytes is refused, as it must be), and `use_after_free` /
        // `ensure_resource_availability` expect resources made by one call to be read by
        // another in a REST sense (sessions are consumed by design).
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance,use_after_free,ensure_resource_availability",
        ])
        .args(["--max-time", &seconds, "--seed", "1", "--workers", "2"])
        .args(["--request-timeout", "30", "--suppress-health-check", "all"])
        .args(["--report", "junit", "--report-dir"])
        .arg(&report)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{stderr}"
    );
    // The summary line (operations and test cases) goes to the test's output.
    for line in stdout
        .lines()
        .filter(|l| l.contains("passed") || l.contains("Test cases") || l.contains("operations"))
    {
        eprintln!("schemathesis: {line}");
    }

    // The wallet came through unchanged: it still signs on both curves with its keys.
    let after = phone.info(&mut |_| {}).unwrap();
    assert_eq!(after.addresses, info.addresses);
    phone
        .sign_ed25519(b"after the fuzzer", &mut |_| {})
        .unwrap();
    phone.sign_secp256k1(&[3; 32], &mut |_| {}).unwrap();
}
