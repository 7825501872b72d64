//! The soak run (`tandem-bench-server soak`, `soak.rs`) for one minute, as CI runs it: two
//! replicas on a throwaway PostgreSQL cluster, four clients doing every operation at once,
//! replica B killed at 0:30. Nothing may fail but what the kill causes (a replica down, the
//! database unavailable), and every signature verifies. `TANDEM_SOAK_MINUTES` runs it longer
//! (the figures in BENCHMARKS.md come from a 10-minute run of the release build).

#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use std::process::Command;

use serde_json::Value;
use tandem_testkit::postgres::Postgres;

#[test]
fn a_soak_with_a_replica_killed_loses_nothing() {
    let Some(pg) = Postgres::start() else { return };
    let minutes = std::env::var("TANDEM_SOAK_MINUTES").unwrap_or_else(|_| "1".into());
    let out = Command::new(env!("CARGO_BIN_EXE_tandem-bench-server"))
        .args(["soak", "--minutes", &minutes, "--clients", "4", "--json"])
        .args(["--database", &pg.url()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "no report ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());
    assert!(out.status.success(), "the soak found failures");
    assert_eq!(report["unexpected_errors"], serde_json::json!([]));
    assert!(!report["replica_b_kills"].as_array().unwrap().is_empty());
    for op in [
        "generate",
        "sign_secp256k1",
        "sign_ed25519",
        "presign",
        "backup",
    ] {
        assert!(
            report["operations"][op].as_u64().unwrap_or(0) >= 1,
            "no {op} completed"
        );
    }
    let signatures = report["signatures"].as_u64().unwrap();
    assert!(signatures > 0);
    assert_eq!(report["signatures_verified"].as_u64(), Some(signatures));
}
