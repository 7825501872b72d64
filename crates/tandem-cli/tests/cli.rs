//! The `tandem` binary end to end.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use assert_cmd::Command;

#[test]
fn demo_runs_and_verifies() {
    let out = Command::cargo_bin("tandem")
        .unwrap()
        .arg("demo")
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("[4/4] verify"), "{stdout}");
    assert!(stdout.contains("valid"), "{stdout}");
    assert!(stdout.contains("rejected, as it must be"), "{stdout}");
    // The Ed25519 public key printed is 32 bytes of hex.
    let key_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("public key"))
        .collect();
    assert_eq!(key_lines.len(), 2);
    let ed_key = key_lines[1].split_whitespace().last().unwrap();
    assert_eq!(ed_key.len(), 64);
    let secp_key = key_lines[0].split_whitespace().last().unwrap();
    assert_eq!(secp_key.len(), 66);
}

#[test]
fn unknown_command_fails_cleanly() {
    let out = Command::cargo_bin("tandem")
        .unwrap()
        .arg("frobnicate")
        .assert()
        .failure();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("unrecognized subcommand"), "{stderr}");
}
