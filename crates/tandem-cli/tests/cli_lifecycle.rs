//! The `tandem` binary end to end, the lifecycle rules: device lost, backup with a password
//! or a key file, recovery, the old device refused after a recovery or a refresh, and
//! `eject` with the ejected keys checked against the public keys.

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

use serde_json::json;

use support::*;

// ---------------------------------------------------------------------------------------
// Lifecycle rules: device lost, backup, recovery, old device, refresh
// ---------------------------------------------------------------------------------------

/// The device's two shares.
fn old_shares(case: &Case) -> [Vec<u8>; 2] {
    [
        case.read("device/secp256k1.share"),
        case.read("device/ed25519.share"),
    ]
}

#[test]
fn signing_without_the_device_share_is_refused() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    case.lose_device(None);
    let password = case.file("password", PASSWORD);
    let before = case.snapshot();
    let digest = hex(&digest_of("no device"));
    for args in [
        &["sign", "--curve", "secp256k1", "--digest", &digest][..],
        &["sign", "--curve", "ed25519", "--message", "00"],
        &["presign"],
        &["backup", "--password-file", &password],
        &["refresh"],
    ] {
        let message = case.refused(args);
        assert_contains(&message, DEVICE_LOST);
        assert_contains(&message, "recover");
    }
    assert_eq!(case.snapshot(), before);
    // What the server knows is still readable.
    assert_eq!(case.json(&["status"]), status_of(wallet, None, 0));
}

#[test]
fn recover_and_eject_before_any_backup_are_refused() {
    let case = Case::copy_of(generated());
    let password = case.file("password", PASSWORD);
    case.lose_device(None);
    let before = case.snapshot();
    for command in ["recover", "eject"] {
        let message = case.refused(&[command, "--password-file", &password]);
        assert_contains(&message, "no completed backup");
    }
    assert_eq!(case.snapshot(), before);
}

#[test]
fn backup_with_a_password_reports_both_statuses() {
    let wallet = &generated().output;
    assert_eq!(backed_up().output, backup_output());
    let case = Case::copy_of(backed_up());
    assert_eq!(
        case.json(&["status"]),
        status_of(wallet, Some(BACKUP_DONE), 0)
    );
    // The provider holds, for each curve, the custodian backup share (sealed) and the
    // client's envelope (sealed by the password), for the wallet's current backup pair.
    let current = "SELECT COUNT(*) FROM backup_shares b JOIN wallets w \
                   ON b.sharing_id = w.secp256k1_backup_sharing_id \
                   OR b.sharing_id = w.ed25519_backup_sharing_id \
                   WHERE b.custodian_share IS NOT NULL AND b.client_envelope IS NOT NULL";
    assert_eq!(case.count(current), 2);

    // A second backup replaces the pair, with the same statuses.
    let password = case.file("password", &format!("{PASSWORD}\n"));
    let pair = "SELECT secp256k1_backup_sharing_id FROM wallets";
    let before = case.sql(pair);
    assert_eq!(
        case.json(&["backup", "--password-file", &password]),
        backup_output()
    );
    assert_ne!(case.sql(pair), before);
    assert_eq!(case.count(current), 2);
}

#[test]
fn recover_with_a_wrong_password_is_refused() {
    let case = Case::copy_of(backed_up());
    case.lose_device(None);
    let wrong = case.file("wrong", &format!("{PASSWORD}!\n"));
    let key = case.file("key", &format!("{}\n", "11".repeat(32)));
    let before = case.snapshot();
    let message = case.refused(&["recover", "--password-file", &wrong]);
    assert_contains(&message, "password");
    let message = case.refused(&["recover", "--key-file", &key]);
    assert_contains(&message, "sealed with a password, not a random key");
    assert_eq!(case.snapshot(), before);
}

#[test]
fn recover_with_the_password_restores_the_wallet_and_retires_the_old_device() {
    let wallet = &generated().output;
    let case = Case::copy_of(backed_up());
    // The device held a presignature when it was lost.
    assert_eq!(case.json(&["presign"]), json!({ "presignatures": 1 }));
    case.lose_device(Some("old-device"));

    // The password without its trailing newline is the same password.
    let password = case.file("password", PASSWORD);
    let out = case.json(&["recover", "--password-file", &password]);
    assert_eq!(out, recover_output(wallet));
    assert_eq!(
        case.json(&["status"]),
        status_of(wallet, Some(BACKUP_DONE), 0)
    );
    assert_eq!(
        case.count("SELECT COUNT(*) FROM presignatures"),
        0,
        "the old pool is discarded"
    );

    // The new device signs on both curves.
    let digest = digest_of("after recovery");
    let out = case.json(&["sign", "--curve", "secp256k1", "--digest", &hex(&digest)]);
    check_secp256k1_signature(wallet, &digest, &out);
    let out = case.json(&["sign", "--curve", "ed25519", "--message", &hex(b"after")]);
    check_ed25519_signature(wallet, b"after", &out);

    // The lost device's folder put back: the server refuses its shares.
    fs::rename(case.path("device"), case.outside("new-device")).unwrap();
    case.install_device("old-device");
    // The wallet's records and the old device's shares stay as they were (a presignature
    // of the old device's pool is spent on the device before its request leaves).
    let before = (case.state().1, old_shares(&case));
    for args in [
        &["sign", "--curve", "secp256k1", "--digest", &hex(&digest)][..],
        &["sign", "--curve", "ed25519", "--message", "00"],
    ] {
        assert_contains(&case.refused(args), REPLACED);
    }
    assert_eq!((case.state().1, old_shares(&case)), before);

    // The new device back: it signs.
    case.install_device("new-device");
    let out = case.json(&["sign", "--curve", "ed25519", "--message", "00"]);
    check_ed25519_signature(wallet, &[0], &out);
}

#[test]
fn key_file_backup_creates_the_key_and_recovers_with_it() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    let key = case.outside("cloud-backup.key");
    assert_eq!(case.json(&["backup", "--key-file", &key]), backup_output());
    let key_text = fs::read_to_string(&key).unwrap();
    assert_eq!(key_text.len(), 65, "{key_text:?}");
    assert!(key_text.ends_with('\n'));
    assert_hex(key_text.trim_end(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
    }
    assert_eq!(
        case.json(&["status"]),
        status_of(wallet, Some(BACKUP_DONE), 0)
    );
    // A second backup reads the existing key file and leaves it as it is.
    assert_eq!(case.json(&["backup", "--key-file", &key]), backup_output());
    assert_eq!(fs::read_to_string(&key).unwrap(), key_text);

    case.lose_device(None);
    let password = case.file("password", PASSWORD);
    let other_key = case.file("other.key", &format!("{}\n", "11".repeat(32)));
    let before = case.snapshot();
    for command in ["recover", "eject"] {
        let message = case.refused(&[command, "--password-file", &password]);
        assert_contains(&message, "sealed with a random key, not a password");
        let message = case.refused(&[command, "--key-file", &other_key]);
        assert_contains(&message, "wrong key");
    }
    assert_eq!(case.snapshot(), before);

    let out = case.json(&["recover", "--key-file", &key]);
    assert_eq!(out, recover_output(wallet));
    let out = case.json(&["sign", "--curve", "ed25519", "--message", "0102"]);
    check_ed25519_signature(wallet, &[1, 2], &out);
    check_ejected(wallet, &case.json(&["eject", "--key-file", &key]));
}

#[test]
fn key_file_made_for_a_failed_backup_is_removed() {
    let case = Case::copy_of(generated());
    case.lose_device(None);
    let key = case.outside("new.key");
    let before = case.snapshot();
    assert_contains(&case.refused(&["backup", "--key-file", &key]), DEVICE_LOST);
    assert!(!Path::new(&key).exists(), "a key for no backup is removed");
    assert_eq!(case.snapshot(), before);
}

#[test]
fn refresh_keeps_the_keys_and_retires_the_old_shares() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    copy_tree(&case.path("device"), Path::new(&case.outside("old-device")));
    let device = ["device/secp256k1.share", "device/ed25519.share"];
    let server = [
        "SELECT secp256k1_share FROM wallets",
        "SELECT ed25519_share FROM wallets",
        "SELECT secp256k1_sharing_id FROM wallets",
        "SELECT ed25519_sharing_id FROM wallets",
    ];
    let device_before: Vec<Vec<u8>> = device.iter().map(|s| case.read(s)).collect();
    let server_before: Vec<_> = server.iter().map(|q| case.sql(q)).collect();
    let out = case.json(&["refresh"]);
    assert_eq!(out, with(wallet, json!({ "status": "STORED_CLIENT" })));
    for (share, before) in device.iter().zip(&device_before) {
        assert_ne!(&case.read(share), before, "{share} is replaced");
    }
    for (query, before) in server.iter().zip(&server_before) {
        assert_ne!(&case.sql(query), before, "{query}: replaced");
    }
    assert_eq!(case.json(&["status"]), status_of(wallet, None, 0));

    let digest = digest_of("after refresh");
    let out = case.json(&["sign", "--curve", "secp256k1", "--digest", &hex(&digest)]);
    check_secp256k1_signature(wallet, &digest, &out);

    fs::rename(case.path("device"), case.outside("new-device")).unwrap();
    case.install_device("old-device");
    // The wallet's records and the old device's shares stay as they were (a presignature
    // of the old device's pool is spent on the device before its request leaves).
    let before = (case.state().1, old_shares(&case));
    for args in [
        &["sign", "--curve", "secp256k1", "--digest", &hex(&digest)][..],
        &["sign", "--curve", "ed25519", "--message", "00"],
    ] {
        assert_contains(&case.refused(args), REPLACED);
    }
    assert_eq!((case.state().1, old_shares(&case)), before);
    case.install_device("new-device");
    let out = case.json(&["sign", "--curve", "ed25519", "--message", "00"]);
    check_ed25519_signature(wallet, &[0], &out);
}

// ---------------------------------------------------------------------------------------
// eject
// ---------------------------------------------------------------------------------------

#[test]
fn eject_returns_the_private_keys_of_the_wallet() {
    let wallet = &generated().output;
    let case = Case::copy_of(backed_up());
    let password = case.file("password", &format!("{PASSWORD}\n"));
    let before = case.snapshot();
    let out = case.json(&["eject", "--password-file", &password]);
    check_ejected(wallet, &out);

    // Human output: the same key, and its WIF (compressed, mainnet).
    let human = case.run(&["eject", "--password-file", &password]);
    assert!(human.status.success());
    let stdout = text(&human.stdout);
    let value = |label: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} in\n{stdout}"))
            .trim()
            .to_owned()
    };
    let secret = field(&out, "/secp256k1/private_key");
    assert_eq!(value("secp256k1 key"), secret);
    assert_eq!(
        value("ed25519 scalar"),
        field(&out, "/ed25519/private_scalar")
    );
    let wif = base58check_decode(&value("secp256k1 WIF"));
    assert_eq!(wif.len(), 34);
    assert_eq!(wif[0], 0x80);
    assert_eq!(hex(&wif[1..33]), secret);
    assert_eq!(wif[33], 0x01);

    assert_eq!(case.snapshot(), before, "eject writes nothing");
}

#[test]
fn eject_with_a_wrong_password_is_refused() {
    let case = Case::copy_of(backed_up());
    let wrong = case.file("wrong", "Correct horse battery staple\n");
    let key = case.file("key", &"ab".repeat(32));
    let before = case.snapshot();
    assert_contains(
        &case.refused(&["eject", "--password-file", &wrong]),
        "password",
    );
    assert_contains(
        &case.refused(&["eject", "--key-file", &key]),
        "sealed with a password, not a random key",
    );
    assert_eq!(case.snapshot(), before);
}
