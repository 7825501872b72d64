//! The service's formats, frozen in `test-vectors/v1/server/` and read back forever: a
//! value sealed at rest (`LocalKms`, format 1) opens under its key and associated data, and
//! nothing else; every JSON body of the API parses into its type and writes back the same;
//! the custodian webhook's share document and request signature keep their form.
//! `write_fixtures` (ignored) wrote them once; a format change adds files, it never rewrites
//! these.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tandem_client::api;
use tandem_server::{Kms, LocalKms, Purpose};

fn dir() -> PathBuf {
    tandem_testkit::paths::test_vectors().join("v1/server")
}

fn read(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join(name)).unwrap()).unwrap()
}

fn unhex(v: &Value) -> Vec<u8> {
    base16ct::mixed::decode_vec(v.as_str().unwrap()).unwrap()
}

#[test]
fn sealed_values_of_format_1_open() {
    let v = read("sealed.json");
    let master: [u8; 32] = unhex(&v["master_key"]).try_into().unwrap();
    let kms = LocalKms::new(&master);
    for case in v["cases"].as_array().unwrap() {
        let purpose = match case["purpose"].as_str().unwrap() {
            "server" => Purpose::Server,
            _ => Purpose::Custodian,
        };
        let aad = case["aad"].as_str().unwrap().as_bytes();
        let sealed = unhex(&case["sealed"]);
        assert_eq!(sealed[0], 1, "format version");
        let opened = kms.open(purpose, aad, &sealed).unwrap();
        assert_eq!(opened.as_slice(), unhex(&case["plaintext"]).as_slice());
        assert!(kms.open(purpose, b"another row", &sealed).is_err());
        let other = match purpose {
            Purpose::Server => Purpose::Custodian,
            Purpose::Custodian => Purpose::Server,
        };
        assert!(kms.open(other, aad, &sealed).is_err());
    }
}

fn round_trip<T: Serialize + DeserializeOwned>(v: &Value) {
    let parsed: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
    assert_eq!(&serde_json::to_value(&parsed).unwrap(), v);
}

#[test]
fn api_bodies_of_version_1_parse_and_write_back() {
    let v = read("api.json");
    round_trip::<api::CreatedClient>(&v["created_client"]);
    round_trip::<api::ClientStatus>(&v["client_status"]);
    round_trip::<api::ClientStatus>(&v["client_status_empty"]);
    round_trip::<api::StartSession>(&v["start_session"]);
    round_trip::<api::StartSession>(&v["start_backup_session"]);
    round_trip::<api::SessionStarted>(&v["session_started"]);
    round_trip::<api::Confirm>(&v["confirm"]);
    round_trip::<api::StoreClientBackup>(&v["store_client_backup"]);
    round_trip::<api::ClientBackup>(&v["client_backup"]);
    round_trip::<api::CustodianShares>(&v["custodian_shares"]);
    for error in v["errors"].as_array().unwrap() {
        round_trip::<api::ApiError>(error);
    }
}

#[test]
fn the_webhook_share_document_and_signature_keep_their_form() {
    let v = read("webhook.json");
    let share = v["backup"]["share"].as_str().unwrap();
    let doc: Value = serde_json::from_str(share).unwrap();
    assert_eq!(doc["version"], 1);
    for curve in ["secp256k1", "ed25519"] {
        assert!(!unhex(&doc[curve]).is_empty());
    }
    assert_eq!(
        tandem_server::custodian::signature(
            v["secret"].as_str().unwrap().as_bytes(),
            v["body"].as_str().unwrap().as_bytes()
        ),
        v["signature"].as_str().unwrap()
    );
}

/// Wrote the fixtures (run once with `--ignored`; never again for these files).
#[test]
#[ignore = "writes the frozen fixtures"]
fn write_fixtures() {
    let master = [0x42u8; 32];
    let kms = LocalKms::new(&master);
    let id = "00112233445566778899aabbccddeeff";
    let cases: Vec<Value> = [
        (
            Purpose::Server,
            "server",
            format!("wallet-share|{id}|secp256k1"),
            b"a server share".as_slice(),
        ),
        (
            Purpose::Custodian,
            "custodian",
            format!("custodian-share|{id}|ed25519|{}", "ab".repeat(32)),
            b"a custodian share".as_slice(),
        ),
    ]
    .into_iter()
    .map(|(purpose, name, aad, plaintext)| {
        json!({
            "purpose": name,
            "aad": aad,
            "plaintext": base16ct::lower::encode_string(plaintext),
            "sealed": base16ct::lower::encode_string(&kms.seal(purpose, aad.as_bytes(), plaintext).unwrap()),
        })
    })
    .collect();
    let sealed = json!({ "master_key": base16ct::lower::encode_string(&master), "cases": cases });
    let write = |name: &str, v: &Value| {
        std::fs::write(
            dir().join(name),
            serde_json::to_string_pretty(v).unwrap() + "\n",
        )
        .unwrap();
    };
    write("sealed.json", &sealed);

    let keyinfo = |k: &str| json!({ "public_key": k, "sharing_id": "aa".repeat(32), "pending_sharing_id": null });
    let api = json!({
        "created_client": { "client_id": id, "api_key": format!("tdk_{id}_{}", "0f".repeat(32)) },
        "client_status": {
            "client_id": id,
            "signing_share_status": "STORED_CLIENT",
            "backup_share_status": "STORED_CLIENT_BACKUP_SHARE",
            "secp256k1": keyinfo(&format!("02{}", "11".repeat(32))),
            "ed25519": keyinfo(&"22".repeat(32)),
            "addresses": {
                "ethereum": "0x0000000000000000000000000000000000000000",
                "bitcoin": "bc1q", "bitcoin_taproot": "bc1p", "tron": "T", "solana": "1", "stellar": "G"
            },
            "presignatures": 3
        },
        "client_status_empty": {
            "client_id": id, "signing_share_status": null, "backup_share_status": null,
            "secp256k1": null, "ed25519": null, "addresses": null, "presignatures": 0
        },
        "start_session": { "operation": "presign" },
        "start_backup_session": { "operation": "backup", "backup_method": "PASSWORD" },
        "session_started": { "session_id": id, "expires_at": 1_800_000_000 },
        "confirm": { "secp256k1_sharing_id": "aa".repeat(32), "ed25519_sharing_id": "bb".repeat(32) },
        "store_client_backup": {
            "backup_method": "RANDOM_KEY",
            "secp256k1_sharing_id": "aa".repeat(32), "ed25519_sharing_id": "bb".repeat(32),
            "secp256k1_envelope": "0102", "ed25519_envelope": "0304"
        },
        "client_backup": { "backup_method": "PASSWORD", "secp256k1_envelope": "0102", "ed25519_envelope": "0304" },
        "custodian_shares": { "secp256k1": "0506", "ed25519": "0708" },
        "errors": [
            { "code": "unauthorized", "message": "missing or invalid credentials" },
            { "code": "wallet_already_exists", "message": "wallet already exists" },
            { "code": "wrong_step", "message": "m" },
            { "code": "custodian_failed", "message": "m" }
        ]
    });
    write("api.json", &api);

    let share = json!({ "version": 1, "secp256k1": "0a0b", "ed25519": "0c0d" }).to_string();
    let body = json!({ "backupMethod": "PASSWORD", "clientId": id, "share": share }).to_string();
    let secret = "webhook-secret-of-the-organization";
    let webhook = json!({
        "backup": { "backupMethod": "PASSWORD", "clientId": id, "share": share },
        "fetch": { "clientId": id },
        "secret": secret,
        "body": body,
        "signature": tandem_server::custodian::signature(secret.as_bytes(), body.as_bytes()),
    });
    write("webhook.json", &webhook);
}
