//! `Debug` of the wallet's secret-holding public types shows none of their secrets
//! (docs/security-checklist.md, "Secrets at rest and in memory"): backup keys and ejected private
//! keys, built from known secrets. (Stored shares and pools reach the wallet's store in wiped
//! buffers: the `Zeroizing` types are checked in `tandem-protocol` and `tandem-backup`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_backup::{Ed25519Key, Secp256k1Key};
use tandem_curves::{Curve, Ed25519, Secp256k1, SecretScalar};
use tandem_protocol::PublicShares;
use tandem_protocol::hd::ChainCode;
use tandem_protocol::{BackupKind, BackupShare};
use tandem_testkit::redaction::assert_redacted;
use tandem_wallet::{BackupKey, EjectedKeys};
use zeroize::Zeroizing;

#[test]
fn backup_keys_print_no_secret() {
    let password = b"987654321 is my pin".to_vec();
    let key = [0x5c; 32];
    for k in [
        BackupKey::Password(Zeroizing::new(password.clone())),
        BackupKey::RandomKey(Zeroizing::new(key)),
    ] {
        let text = assert_redacted(&k, &[&password, &key], &["987654321"]);
        assert!(text.ends_with("(<redacted>)"), "{text}");
    }
}

/// A backup pair with the known secrets `a`, `b` (below both group orders).
fn pair<C: Curve>(a: &[u8; 32], b: &[u8; 32]) -> (BackupShare<C>, BackupShare<C>) {
    let (a, b) = (
        SecretScalar::<C>::from_bytes(a).unwrap(),
        SecretScalar::<C>::from_bytes(b).unwrap(),
    );
    let public = PublicShares {
        client: a.public_point(),
        server: b.public_point(),
    };
    (
        BackupShare::new(
            BackupKind::ClientBackup,
            a,
            public,
            ChainCode::from_bytes([3; 32]),
        )
        .unwrap(),
        BackupShare::new(
            BackupKind::CustodianBackup,
            b,
            public,
            ChainCode::from_bytes([3; 32]),
        )
        .unwrap(),
    )
}

#[test]
fn ejected_keys_print_no_secret() {
    let (a, b) = ([0x03; 32], [0x09; 32]);
    let (sc, sk) = pair::<Secp256k1>(&a, &b);
    let (ec, ek) = pair::<Ed25519>(&a, &b);
    let keys = EjectedKeys {
        secp256k1: Secp256k1Key::eject(&sc, &sk).unwrap(),
        ed25519: Ed25519Key::eject(&ec, &ek).unwrap(),
    };
    let (x, y) = (keys.secp256k1.to_bytes(), keys.ed25519.scalar_bytes());
    assert_eq!(
        assert_redacted(&keys, &[&a, &b, &x[..], &y[..]], &[]),
        "EjectedKeys(<redacted>)"
    );
}
