//! The `tandem` binary end to end, its refusals: corrupted stores, bad arguments, a missing
//! store, unknown subcommands and usage errors, each checked to be one clean line on
//! stderr that leaves the store byte-for-byte as it was.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/cli.rs"]
mod support;

use std::fs;
use std::path::Path;

use support::*;

// ---------------------------------------------------------------------------------------
// Corrupted stores
// ---------------------------------------------------------------------------------------

#[test]
fn store_with_corrupted_device_shares_is_refused() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    let digest = hex(&digest_of("corrupted"));

    let secp = case.path("device/secp256k1.share");
    let original = fs::read(&secp).unwrap();
    let n = original.len();
    for at in [0, 1, 7, 100, n / 3, n / 2, n - 1] {
        let mut bytes = original.clone();
        bytes[at] ^= 0x01;
        fs::write(&secp, &bytes).unwrap();
        let before = case.snapshot();
        for args in [
            &["sign", "--curve", "secp256k1", "--digest", &digest][..],
            &["presign"],
        ] {
            let message = case.refused(args);
            assert_contains(&message, "secp256k1.share is unreadable");
        }
        assert_eq!(case.snapshot(), before, "byte {at} flipped");
    }
    fs::write(&secp, &original).unwrap();

    let ed = case.path("device/ed25519.share");
    let original = fs::read(&ed).unwrap();
    for len in [0, 1, original.len() / 2, original.len() - 1] {
        fs::write(&ed, &original[..len]).unwrap();
        let before = case.snapshot();
        let message = case.refused(&["sign", "--curve", "ed25519", "--message", "00"]);
        assert_contains(&message, "ed25519.share is unreadable");
        assert_eq!(case.snapshot(), before, "truncated to {len} bytes");
    }
    fs::write(&ed, &original).unwrap();
    let out = case.json(&["sign", "--curve", "ed25519", "--message", "00"]);
    check_ed25519_signature(wallet, &[0], &out);
}

/// A byte of `blob` flipped.
fn flipped(blob: &[u8], at: usize) -> String {
    let mut bytes = blob.to_vec();
    bytes[at] ^= 0x80;
    format!("X'{}'", hex(&bytes))
}

#[test]
fn store_with_corrupted_server_records_is_refused() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    // The server's sealed shares: an edited byte fails their authentication.
    let sealed = case.sql("SELECT ed25519_share FROM wallets")[0]
        .clone()
        .unwrap();
    for at in [0, 5, sealed.len() / 2, sealed.len() - 1] {
        case.sql(&format!(
            "UPDATE wallets SET ed25519_share = {}",
            flipped(&sealed, at)
        ));
        let before = case.snapshot();
        let message = case.refused(&["sign", "--curve", "ed25519", "--message", "00"]);
        assert_contains(&message, "internal error");
        // Never overwritten by a new wallet.
        assert_contains(&case.refused(&["generate"]), "wallet already exists");
        assert_eq!(case.snapshot(), before, "byte {at} flipped");
    }
    case.sql(&format!(
        "UPDATE wallets SET ed25519_share = X'{}'",
        hex(&sealed)
    ));
    let out = case.json(&["sign", "--curve", "ed25519", "--message", "00"]);
    check_ed25519_signature(wallet, &[0], &out);

    // Another master key: nothing sealed opens. No master key: refused before anything.
    let master = case.read("provider/master.key");
    fs::write(
        case.path("provider/master.key"),
        format!("{}\n", "42".repeat(32)),
    )
    .unwrap();
    let before = case.snapshot();
    assert_contains(
        &case.refused(&["sign", "--curve", "ed25519", "--message", "00"]),
        "internal error",
    );
    assert_eq!(case.snapshot(), before);
    fs::remove_file(case.path("provider/master.key")).unwrap();
    let before = case.snapshot();
    for args in [&["addresses"][..], &["generate"]] {
        assert_contains(&case.refused(args), "master.key is missing");
    }
    assert_eq!(case.snapshot(), before);
    fs::write(case.path("provider/master.key"), master).unwrap();
    assert_eq!(case.json(&["status"]), status_of(wallet, None, 0));
}

#[test]
fn store_with_a_corrupted_custodian_backup_is_refused() {
    let case = Case::copy_of(backed_up());
    case.lose_device(None);
    let password = case.file("password", PASSWORD);
    let secp = "SELECT custodian_share FROM backup_shares WHERE curve = 'secp256k1'";
    let ed = "SELECT custodian_share FROM backup_shares WHERE curve = 'ed25519'";
    let original = case.sql(secp)[0].clone().unwrap();
    let ed_share = case.sql(ed)[0].clone().unwrap();
    for (what, value) in [
        (
            "garbage",
            format!("X'{}'", hex(b"garbage, not a backup share")),
        ),
        ("empty", "X''".to_owned()),
        ("flipped", flipped(&original, original.len() / 2)),
        // A valid sealed share of another curve: the sealing binds the row.
        ("ed25519 share", format!("X'{}'", hex(&ed_share))),
    ] {
        case.sql(&format!(
            "UPDATE backup_shares SET custodian_share = {value} WHERE curve = 'secp256k1'"
        ));
        let before = case.state();
        for command in ["recover", "eject"] {
            let message = case.refused(&[command, "--password-file", &password]);
            assert_contains(&message, "internal error");
        }
        assert_eq!(case.state(), before, "{what}");
    }
    case.sql(&format!(
        "UPDATE backup_shares SET custodian_share = X'{}' WHERE curve = 'secp256k1'",
        hex(&original)
    ));
    case.json(&["recover", "--password-file", &password]);
}

// ---------------------------------------------------------------------------------------
// Bad command lines
// ---------------------------------------------------------------------------------------

#[test]
fn sign_arguments_are_checked() {
    let case = Case::copy_of(generated());
    let before = case.snapshot();
    let d32 = "11".repeat(32);
    for (args, expected) in [
        (
            vec!["sign", "--curve", "secp256k1", "--digest", &"zz".repeat(32)],
            "digest: bad hex",
        ),
        (
            vec!["sign", "--curve", "secp256k1", "--digest", &"11".repeat(31)],
            "digest must be 32 bytes, got 31",
        ),
        (
            vec!["sign", "--curve", "secp256k1", "--digest", &"11".repeat(33)],
            "digest must be 32 bytes, got 33",
        ),
        (
            vec!["sign", "--curve", "secp256k1", "--digest", &d32[1..]],
            "digest: bad hex (odd number of digits)",
        ),
        (
            vec!["sign", "--curve", "secp256k1", "--digest", ""],
            "digest must be 32 bytes, got 0",
        ),
        (
            vec!["sign", "--curve", "p256", "--digest", &d32],
            "unknown curve \"p256\"",
        ),
        (
            vec!["sign", "--curve", "ed25519", "--digest", &d32],
            "--curve ed25519 takes --message",
        ),
        (
            vec![
                "sign",
                "--curve",
                "ed25519",
                "--digest",
                &d32,
                "--message",
                "00",
            ],
            "--curve ed25519 takes --message",
        ),
        (
            vec!["sign", "--curve", "secp256k1", "--message", "00"],
            "--curve secp256k1 takes --digest",
        ),
        (
            vec!["sign", "--curve", "secp256k1"],
            "--curve secp256k1 takes --digest",
        ),
        (
            vec!["sign", "--curve", "ed25519", "--message", "zz"],
            "message: bad hex",
        ),
        (
            vec![
                "sign",
                "--curve",
                "secp256k1",
                "--scheme",
                "bip340",
                "--digest",
                &d32,
            ],
            "--scheme bip340 takes --message <32-byte hex>",
        ),
        (
            vec![
                "sign",
                "--curve",
                "secp256k1",
                "--scheme",
                "bip340",
                "--message",
                "00",
            ],
            "message must be 32 bytes, got 1",
        ),
        (
            vec![
                "sign",
                "--curve",
                "secp256k1",
                "--scheme",
                "schnorr",
                "--message",
                &d32,
            ],
            "unknown scheme \"schnorr\" for secp256k1 (ecdsa or bip340)",
        ),
        (
            vec![
                "sign",
                "--curve",
                "ed25519",
                "--scheme",
                "bip340",
                "--message",
                "00",
            ],
            "unknown scheme \"bip340\" for ed25519",
        ),
    ] {
        assert_contains(&case.refused(&args), expected);
    }
    assert_contains(
        &case.usage_error(&["sign", "--digest", &d32]),
        "required arguments were not provided",
    );
    assert_eq!(case.snapshot(), before);
}

#[test]
fn the_thread_count_is_checked_and_any_count_signs() {
    let case = Case::copy_of(generated());
    for bad in ["0", "1025", "many"] {
        let message = case.usage_error(&["--threads", bad, "status"]);
        assert_contains(&message, "--threads");
    }
    // A negative count reads as an unknown flag.
    assert_contains(
        &case.usage_error(&["--threads", "-1", "status"]),
        "unexpected argument '-1'",
    );
    // One thread (no pool) and three (more than this machine's cores): the wallet presigns
    // and signs, and the signature verifies under its key.
    let wallet = &generated().output;
    for threads in ["1", "3"] {
        let digest = digest_of(threads);
        let out = case.json(&[
            "--threads",
            threads,
            "sign",
            "--curve",
            "secp256k1",
            "--digest",
            &hex(&digest),
        ]);
        check_secp256k1_signature(wallet, &digest, &out);
    }
}

#[test]
fn key_options_are_checked() {
    let case = Case::copy_of(generated());
    let password = case.file("password", PASSWORD);
    let empty = case.file("empty", "");
    let newline = case.file("newline", "\n");
    let missing = case.outside("no-such-file");
    let bad_keys = [
        case.file("bad.key", "not hex\n"),
        case.file("short.key", &"11".repeat(31)),
        case.file("long.key", &"11".repeat(33)),
    ];
    let new_key = case.outside("new.key");
    let before = case.snapshot();

    for file in [&empty, &newline] {
        let message = case.refused(&["backup", "--password-file", file]);
        assert_contains(&message, &format!("password file {file} is empty"));
    }
    assert_contains(
        &case.refused(&["backup", "--password-file", &missing]),
        "cannot read password file",
    );
    for command in ["backup", "recover", "eject"] {
        for bad in &bad_keys {
            let contents = fs::read(bad).unwrap();
            let message = case.refused(&[command, "--key-file", bad]);
            assert_contains(&message, "must hold 32 bytes in hex");
            assert_eq!(fs::read(bad).unwrap(), contents, "{bad} left as it is");
        }
        let message = case.usage_error(&[
            command,
            "--password-file",
            &password,
            "--key-file",
            &new_key,
        ]);
        assert_contains(&message, "cannot be used with");
        let message = case.usage_error(&[command]);
        assert_contains(&message, "required arguments were not provided");
    }
    for command in ["recover", "eject"] {
        let message = case.refused(&[command, "--key-file", &missing]);
        assert_contains(&message, "cannot read key file");
    }
    assert!(!Path::new(&new_key).exists());
    assert!(!Path::new(&missing).exists());
    assert_eq!(case.snapshot(), before);
}

#[test]
fn missing_store_is_refused() {
    let missing = "/nonexistent/path";
    assert!(!Path::new(missing).exists());
    let case = Case::copy_of(generated()); // only for a password file
    let password = case.file("password", PASSWORD);
    let digest = "11".repeat(32);
    for args in [
        &["addresses"][..],
        &["status"],
        &["sign", "--curve", "secp256k1", "--digest", &digest],
        &["sign", "--curve", "ed25519", "--message", "00"],
        &["presign"],
        &["refresh"],
        &["backup", "--password-file", &password],
        &["recover", "--password-file", &password],
        &["eject", "--password-file", &password],
    ] {
        let mut all = vec!["--store", missing];
        all.extend_from_slice(args);
        assert_eq!(refused(&all), format!("tandem: no store at {missing}"));
    }
    assert!(!Path::new(missing).exists());

    // The default store, in a folder without one.
    assert_eq!(
        refused(&["addresses"]),
        "tandem: no store at ./tandem-wallet"
    );
    assert!(!scratch().join("tandem-wallet").exists());
}

#[test]
fn unknown_subcommands_are_refused() {
    assert_contains(
        &usage_error(&["frobnicate"]),
        "unrecognized subcommand 'frobnicate'",
    );
    assert_contains(
        &usage_error(&["--store", "/nonexistent/path"]),
        "requires a subcommand",
    );
    assert_contains(&usage_error(&["--frobnicate", "status"]), "--frobnicate");

    // Help and version are not errors.
    let help = run(&["--help"]);
    assert!(help.status.success());
    let stdout = text(&help.stdout);
    for command in [
        "generate",
        "addresses",
        "status",
        "sign",
        "presign",
        "backup",
        "recover",
        "refresh",
        "eject",
        "demo",
    ] {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(command)),
            "{command} not in help:\n{stdout}"
        );
    }
    let version = run(&["--version"]);
    assert!(version.status.success());
    assert_eq!(
        text(&version.stdout),
        format!("tandem {}\n", env!("CARGO_PKG_VERSION"))
    );
}

// ---------------------------------------------------------------------------------------
// Bugs this suite found (see the report), fixed since: these pin the correct behaviour
// ---------------------------------------------------------------------------------------

#[test]
fn missing_argument_error_names_the_argument() {
    let message = usage_error(&["--store", "/nonexistent/path", "backup"]);
    assert_contains(&message, "--password-file");
    assert_contains(&message, "--key-file");
    let message = usage_error(&["--store", "/nonexistent/path", "sign", "--message", "00"]);
    assert_contains(&message, "--curve");
}

#[test]
fn bare_tandem_prints_the_usage() {
    let out = run(&[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.contains("Usage:") || stderr.contains("Usage:") || stderr.contains("subcommand"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
}

#[test]
fn presign_batch_limit_is_a_plain_refusal() {
    let case = Case::copy_of(generated());
    let message = case.refused(&["presign", "--count", "101"]);
    assert_contains(&message, "at most 100 presignatures");
    assert!(!message.contains("internal error"), "{message}");
    assert!(!message.contains("bug"), "{message}");
}
