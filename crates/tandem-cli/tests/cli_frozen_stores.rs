//! Frozen stores, read back by the CLI forever:
//!
//! - `test-vectors/v3/local-store/`: the local mode's store (`device/`, `provider/` with the
//!   server's SQLite database, `api-key`), a wallet backed up under a password with one
//!   presignature;
//! - `test-vectors/v2/wallet-store/`: a store of the layout made before `tandem server`
//!   existed (`client/`, `server/`, `custodian/`, `kms/`), which keeps working in the local
//!   mode, and in which nothing of the new layout appears.
//!
//! Each is read, signed with on both curves (secp256k1 from its pooled presignature, then
//! in full) and ejected to its recorded private keys.

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

use serde_json::{Value, json};
use support::*;

fn fixture(name: &str) -> (Case, Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors")
        .join(name);
    let expected: Value =
        serde_json::from_slice(&fs::read(root.join("expected.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&root.join("store"), &store);
    (Case { dir, store }, expected)
}

/// `addresses` as a store frozen before the Taproot address existed recorded them, with the
/// `bitcoin_taproot` address of the compressed key `secp256k1` (hex) added: Bech32m of the
/// BIP86 output key computed here.
fn with_taproot(addresses: &Value, secp256k1: &Value) -> Value {
    let key = k256::PublicKey::from_sec1_bytes(&unhex(secp256k1.as_str().unwrap())).unwrap();
    let program = bip86_output_key(&key);
    let address = bech32::segwit::encode_v1(bech32::hrp::BC, &program).unwrap();
    with(addresses, json!({ "bitcoin_taproot": address }))
}

#[test]
fn a_store_of_the_earlier_layout_keeps_working() {
    let (case, expected) = fixture("v2/wallet-store");
    let wallet = json!({
        "client_id": expected["client_id"],
        "secp256k1": { "public_key": expected["secp256k1_public_key"] },
        "ed25519": { "public_key": expected["ed25519_public_key"] },
        "addresses": with_taproot(&expected["addresses"], &expected["secp256k1_public_key"]),
    });
    assert_eq!(
        case.json(&["status"]),
        status_of(&wallet, Some(BACKUP_DONE), 1)
    );
    assert_eq!(case.json(&["addresses"])["addresses"], wallet["addresses"]);

    sign_both_curves(&case, &wallet);

    let password = case.file("password", expected["password"].as_str().unwrap());
    let out = case.json(&["eject", "--password-file", &password]);
    check_ejected(&wallet, &out);
    assert_eq!(
        out["secp256k1"]["private_key"],
        expected["secp256k1_private_key"]
    );

    // Still the earlier layout: nothing of the new one was made in it.
    for new in ["device", "provider", "api-key"] {
        assert!(
            !case.exists(new),
            "{new} appeared in a store of the earlier layout"
        );
    }
}

/// The pooled presignature, then a full signing; Ed25519.
fn sign_both_curves(case: &Case, wallet: &Value) {
    for text in ["frozen store, pooled", "frozen store, full"] {
        let digest = digest_of(text);
        let out = case.json(&["sign", "--curve", "secp256k1", "--digest", &hex(&digest)]);
        check_secp256k1_signature(wallet, &digest, &out);
    }
    let out = case.json(&["sign", "--curve", "ed25519", "--message", "00ff"]);
    check_ed25519_signature(wallet, &[0, 0xff], &out);
}

#[test]
fn the_local_store_of_version_3_reads_back() {
    let (case, expected) = fixture("v3/local-store");
    // The status as frozen, with the Taproot address that came later.
    let status = &with(
        &expected["status"],
        json!({ "addresses": with_taproot(
            &expected["status"]["addresses"],
            &expected["status"]["secp256k1"]["public_key"],
        ) }),
    );
    let wallet = json!({
        "client_id": status["client_id"],
        "secp256k1": status["secp256k1"],
        "ed25519": status["ed25519"],
        "addresses": status["addresses"],
    });
    assert_eq!(&case.json(&["status"]), status);
    sign_both_curves(&case, &wallet);
    assert_eq!(case.json(&["status"])["presignatures"], 0);
    let password = case.file("password", expected["password"].as_str().unwrap());
    let out = case.json(&["eject", "--password-file", &password]);
    check_ejected(&wallet, &out);
    // The keys frozen with the store (the xprv and the Ed25519 chain code came later).
    assert_eq!(
        out["secp256k1"]["private_key"],
        expected["eject"]["secp256k1"]["private_key"]
    );
    assert_eq!(
        out["ed25519"]["private_scalar"],
        expected["eject"]["ed25519"]["private_scalar"]
    );
    // Its shares are of stored format 1: the tree has the legacy chain code, a hash of the
    // public key (in the xpub, and in the xprv and Ed25519 chain code of the ejected keys).
    let legacy = |curve: tandem_curves::CurveId| -> String {
        let key = unhex(field(&wallet, &format!("/{}/public_key", curve.name())));
        let chain = match curve {
            tandem_curves::CurveId::Secp256k1 => tandem_protocol::hd::ChainCode::legacy(
                &tandem_curves::Point::<tandem_curves::Secp256k1>::from_bytes(&key).unwrap(),
            ),
            _ => tandem_protocol::hd::ChainCode::legacy(
                &tandem_curves::Point::<tandem_curves::Ed25519>::from_bytes(&key).unwrap(),
            ),
        };
        hex(&chain.to_bytes())
    };
    let xpub = case.json(&["addresses"])["xpub"]
        .as_str()
        .unwrap()
        .to_owned();
    for extended in [xpub.as_str(), field(&out, "/secp256k1/xprv")] {
        let bytes = base58check_decode(extended);
        assert_eq!(
            hex(&bytes[13..45]),
            legacy(tandem_curves::CurveId::Secp256k1)
        );
    }
    assert_eq!(
        field(&out, "/ed25519/chain_code"),
        legacy(tandem_curves::CurveId::Ed25519)
    );
}
