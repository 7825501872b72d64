//! The `tandem` binary end to end, its outputs: `generate`, `addresses`, `status`, `sign`
//! and `presign` on a real store, the signatures checked with the chains' own libraries, the
//! shape of `--json` and of the human output, and the demo.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/cli.rs"]
mod support;

use std::fs;

use serde_json::{Value, json};

use support::*;

// ---------------------------------------------------------------------------------------
// The demo (first in name order: it needs no template and runs while one is made)
// ---------------------------------------------------------------------------------------

#[test]
fn demo_runs_the_whole_lifecycle() {
    let out = tandem().arg("demo").output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("tandem:"),
        "{stderr}"
    );
    let mut from = 0;
    let mut starts = Vec::new();
    for n in 1..=11 {
        let header = format!("[{n}/11] ");
        let at = stdout[from..]
            .find(&header)
            .unwrap_or_else(|| panic!("no {header:?} after byte {from}:\n{stdout}"));
        from += at + header.len();
        starts.push(from);
    }
    // A real server on loopback and a custodian webhook.
    assert!(stdout.contains("Server:    http://127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("/backup/fetch"), "{stdout}");
    // Step 4: the account m/0/1, the same from the xpub, signing from the pool.
    let step4 = &stdout[starts[3]..starts[4]];
    assert!(step4.contains("xpub") && step4.contains("m/0/1"), "{step4}");
    assert!(
        step4.contains("BIP32 public derivation gives the same key"),
        "{step4}"
    );
    // After the backup, the webhook holds the custodian's share and the server the rest.
    let step5 = &stdout[starts[4]..starts[5]];
    assert!(
        step5.contains("backup STORED_CLIENT_BACKUP_SHARE"),
        "{step5}"
    );
    assert!(step5.contains("1 shares stored, 1 fetched"), "{step5}");
    // Step 8: the stolen device's share is refused by the server.
    let step8 = &stdout[starts[7]..starts[8]];
    assert!(step8.contains("refused"), "{step8}");
    assert!(
        step8.contains("replaced by a recovery or refresh"),
        "{step8}"
    );
    // Step 10: the ejected keys derive the same account.
    let step10 = &stdout[starts[9]..starts[10]];
    assert!(step10.contains("derive the same account keys"), "{step10}");
    // Every signature verified with k256 (five ECDSA: the wallet's key three times, the
    // account twice) and ed25519-dalek (five EdDSA).
    assert_eq!(
        stdout
            .matches("valid; ecrecover returns the signing key")
            .count(),
        5,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("valid (verify_strict)").count(),
        5,
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("Done over HTTP: ") && l.contains("old share refused")),
        "{stdout}"
    );
}

// ---------------------------------------------------------------------------------------
// generate, addresses, status
// ---------------------------------------------------------------------------------------

#[test]
fn generate_prints_the_keys_and_the_addresses() {
    let wallet = &generated().output;
    check_wallet_object(wallet);
    let case = Case::copy_of(generated());

    let addresses = case.json(&["addresses"]);
    assert_eq!(
        addresses,
        json!({ "addresses": wallet["addresses"], "xpub": addresses["xpub"] })
    );
    assert!(
        field(&addresses, "/xpub").starts_with("xpub"),
        "{addresses}"
    );
    assert_eq!(case.json(&["status"]), status_of(wallet, None, 0));

    // Human output: one labelled line per address, and the xpub.
    let out = case.run(&["addresses"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 7, "{stdout}");
    assert!(
        stdout.lines().any(|l| l
            .split_whitespace()
            .eq(["xpub", field(&addresses, "/xpub")])),
        "{stdout}"
    );
    for (chain, label) in [
        ("ethereum", "ethereum"),
        ("bitcoin", "bitcoin"),
        ("bitcoin_taproot", "taproot"),
        ("tron", "tron"),
        ("solana", "solana"),
        ("stellar", "stellar"),
    ] {
        let address = field(wallet, &format!("/addresses/{chain}"));
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().eq([label, address])),
            "{label} {address} not in\n{stdout}"
        );
    }

    // The layout: shares on the device, the server's records in its database, its shares
    // sealed at rest (a plain share would hold the group's public key).
    for file in [
        "api-key",
        "device/.lock",
        "device/secp256k1.share",
        "device/ed25519.share",
        "provider/tandem.sqlite",
        "provider/master.key",
        "provider/admin.key",
    ] {
        assert!(case.exists(file), "{file} missing");
    }
    for (column, public) in [
        ("secp256k1_share", field(wallet, "/secp256k1/public_key")),
        ("ed25519_share", field(wallet, "/ed25519/public_key")),
    ] {
        let sealed = case.sql(&format!("SELECT {column} FROM wallets"))[0]
            .clone()
            .unwrap();
        let public = unhex(public);
        assert!(
            !sealed.windows(public.len()).any(|w| w == public),
            "{column} is not sealed"
        );
    }
}

#[test]
fn generate_refuses_a_store_that_holds_a_wallet() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    let before = case.snapshot();
    let message = case.refused(&["generate"]);
    assert_contains(&message, "wallet already exists");
    assert_contains(&message, field(wallet, "/client_id"));
    assert_eq!(case.snapshot(), before);

    // The server's record gone, the device's shares still there: refused as well.
    case.sql("DELETE FROM wallets");
    let before = case.snapshot();
    assert_contains(&case.refused(&["generate"]), "wallet already exists");
    assert_eq!(case.snapshot(), before);
}

// ---------------------------------------------------------------------------------------
// sign and presign
// ---------------------------------------------------------------------------------------

#[test]
fn sign_secp256k1_verifies_with_k256() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    let before = case.state();
    let digest = digest_of("tandem cli test: secp256k1, full signing");
    let out = case.json(&["sign", "--curve", "secp256k1", "--digest", &hex(&digest)]);
    check_secp256k1_signature(wallet, &digest, &out);
    // Full signing (empty pool) leaves the wallet as it was: the presignature it made is
    // spent on both sides (the server keeps only the answer under its idempotency key).
    assert_eq!(case.state(), before);
}

#[test]
fn sign_ed25519_verifies_strictly() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    let before = case.state();
    let long: Vec<u8> = (0..=255).collect();
    let mut signatures = Vec::new();
    for (message, arg) in [
        (Vec::new(), String::new()),
        (b"hello".to_vec(), hex(b"hello")),
        (vec![0xab, 0xcd], "0xABcd".to_owned()),
        (long.clone(), hex(&long)),
    ] {
        let out = case.json(&["sign", "--curve", "ed25519", "--message", &arg]);
        check_ed25519_signature(wallet, &message, &out);
        signatures.push(out);
    }
    signatures.sort_by_key(|s| s.to_string());
    signatures.dedup();
    assert_eq!(signatures.len(), 4);
    assert_eq!(case.state(), before);
}

#[test]
fn presign_pool_is_persisted_and_spent_one_signature_at_a_time() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    assert_eq!(
        case.json(&["presign", "--count", "1"]),
        json!({ "presignatures": 1 })
    );
    assert_eq!(case.json(&["status"]), status_of(wallet, None, 1));
    // The pool lives in the store: a second process adds to it (default count 1).
    assert_eq!(case.json(&["presign"]), json!({ "presignatures": 2 }));
    assert_eq!(case.json(&["status"]), status_of(wallet, None, 2));

    let device_pool = "device/secp256k1.presignatures";
    let server_pool = "SELECT presignature_id FROM presignatures ORDER BY presignature_id";
    let pools = |case: &Case| (case.read(device_pool), case.sql(server_pool));
    let mut last_client_pool = Vec::new();
    for left in [1, 0] {
        let before = pools(&case);
        let digest = digest_of(&format!("from the pool, {left} left"));
        // Upper-case hex with a 0x prefix is accepted as well.
        let arg = if left == 1 {
            format!("0x{}", hex(&digest).to_uppercase())
        } else {
            hex(&digest)
        };
        let out = case.json(&["sign", "--curve", "secp256k1", "--digest", &arg]);
        check_secp256k1_signature(wallet, &digest, &out);
        assert_eq!(case.json(&["status"]), status_of(wallet, None, left));
        let after = pools(&case);
        assert_ne!(after.0, before.0, "the device's presignature is spent");
        assert_eq!(after.1.len() + 1, before.1.len(), "the server's is spent");
        last_client_pool.clone_from(&before.0);
    }
    assert_eq!(
        case.json(&["presign", "--count", "0"]),
        json!({ "presignatures": 0 })
    );

    // The device's pool put back as it was before the last signature (a device restored
    // from its own backup): the server has the presignature recorded as spent and refuses
    // it; the device drops its out-of-step pool and signs in full, so no presignature signs
    // twice and the user still gets a signature.
    let server_before = case.sql("SELECT COUNT(*) FROM presignatures");
    fs::write(case.path(device_pool), &last_client_pool).unwrap();
    assert_eq!(case.json(&["status"]), status_of(wallet, None, 1));
    let digest = digest_of("a spent presignature");
    let out = case.json(&["sign", "--curve", "secp256k1", "--digest", &hex(&digest)]);
    check_secp256k1_signature(wallet, &digest, &out);
    assert!(
        !case.exists(device_pool),
        "the stale device pool is dropped"
    );
    assert_eq!(
        case.sql("SELECT COUNT(*) FROM presignatures"),
        server_before,
        "the server's pool is untouched"
    );
    assert_eq!(case.json(&["status"]), status_of(wallet, None, 0));
}

#[test]
fn presign_count_above_the_batch_limit_is_refused() {
    let case = Case::copy_of(generated());
    let before = case.snapshot();
    assert_contains(
        &case.refused(&["presign", "--count", "101"]),
        "at most 100 presignatures",
    );
    assert_contains(
        &case.usage_error(&["presign", "--count", "x"]),
        "invalid value 'x' for '--count",
    );
    assert_eq!(case.snapshot(), before);
}

// ---------------------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------------------

/// Every success in the `cli_*` tests goes through [`json_ok`] (one line, one object, quiet
/// stderr): generate, status, addresses, sign (both curves), presign, backup (both key
/// kinds), recover (both key kinds), refresh, eject. Here the cheap commands once more, next
/// to their human output, which is labelled lines and not JSON.
#[test]
fn json_is_one_line_and_human_output_is_labelled_lines() {
    let case = Case::copy_of(generated());
    let key = case.outside("backup.key");
    for args in [
        &["addresses"][..],
        &["status"],
        &["sign", "--curve", "ed25519", "--message", "00"],
        &["presign", "--count", "0"],
        &["backup", "--key-file", &key],
        &["eject", "--key-file", &key],
    ] {
        let value = case.json(args);
        assert!(!keys(&value).is_empty());
        let human = case.run(args);
        let stdout = text(&human.stdout);
        assert!(human.status.success(), "{args:?}: {}", text(&human.stderr));
        assert!(!stdout.is_empty(), "{args:?}");
        assert!(
            serde_json::from_str::<Value>(&stdout).is_err(),
            "{args:?}: human output is not JSON: {stdout}"
        );
        for line in stdout.lines() {
            assert!(
                line.split_whitespace().count() >= 2,
                "{args:?}: label and value: {line:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Bugs this suite found (see the report), fixed since: these pin the correct behaviour
// ---------------------------------------------------------------------------------------

#[test]
fn json_demo_prints_one_json_line_or_is_refused() {
    let out = run(&["--json", "demo"]);
    if out.status.success() {
        json_ok(&out);
    } else {
        let code = out.status.code().unwrap();
        clean_failure(&out, code, "tandem --json demo");
    }
}
