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
    assert!(stdout.contains("[4/9] verify"), "{stdout}");
    assert!(stdout.contains("valid"), "{stdout}");
    assert!(stdout.contains("rejected, as it must be"), "{stdout}");
    // The ECDSA path: fresh Paillier keys, aux info, presignature, two verified signatures.
    assert!(stdout.contains("[9/9] full signing"), "{stdout}");
    assert_eq!(
        stdout.matches("k256           valid").count(),
        2,
        "{stdout}"
    );
    assert!(
        stdout.contains("ecrecover returns the wallet key"),
        "{stdout}"
    );
    let share_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("client share") && l.contains("bytes stored"))
        .unwrap();
    let size: usize = share_line
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert!(size <= 3 * 1024, "{share_line}");
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
