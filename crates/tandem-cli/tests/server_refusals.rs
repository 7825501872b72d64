//! What the server refuses, and races: every endpoint without a key, with a wrong key, with
//! another client's key, with the admin token where a client key is needed and the other way
//! round; malformed bodies, oversized bodies, unknown paths, garbage protocol messages; the
//! lifecycle refusals. Every refusal is a JSON body with a stable code, and the wallet's
//! stored state (the admin's view of it) is unchanged afterwards. Then races: one session
//! step posted twice at once, one presignature spent twice at once, and idempotency keys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::path::Path;
use std::thread;

use rand_core::UnwrapErr;
use serde_json::{Value, json};
use server::*;
use tandem_client::api::MAX_BODY;
use tandem_protocol::SessionId;
use tandem_protocol::ecdsa::{EcdsaKeyShare, presign, sign};

const JSON: &str = "application/json";

/// An endpoint: method, path, body (content type, bytes).
type Endpoint = (&'static str, String, Option<(&'static str, Vec<u8>)>);
const BIN_CT: &str = "application/octet-stream";

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

fn start_session(url: &str, key: &str, operation: &str) -> (u16, Value) {
    let (status, body) = raw(
        "POST",
        &format!("{url}/v1/sessions"),
        Some(key),
        Some((
            JSON,
            serde_json::to_vec(&json!({ "operation": operation })).unwrap(),
        )),
        &[],
    );
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn post_message(url: &str, key: &str, session: &str, step: u64, msg: Vec<u8>) -> (u16, Vec<u8>) {
    raw(
        "POST",
        &format!("{url}/v1/sessions/{session}/messages"),
        Some(key),
        Some((BIN_CT, msg)),
        &[("X-Tandem-Step", &step.to_string())],
    )
}

fn device_share(store: &Path) -> EcdsaKeyShare {
    EcdsaKeyShare::from_bytes(&std::fs::read(store.join("secp256k1.share")).unwrap()).unwrap()
}

#[test]
fn refusals_are_json_errors_and_change_nothing() {
    let dir = tempdir();
    // Dozens of 401s from one address: the authentication throttle is off here (it has its
    // own test, server_abuse.rs).
    let srv = Server::sqlite_with(dir.path(), &["--auth-failures-per-minute", "0"]);
    let url = srv.url.clone();
    let (alice, alice_key_file) = srv.create_client("alice");
    let (bob, bob_key_file) = srv.create_client("bob");
    let alice_key = api_key(&alice_key_file);
    let bob_key = api_key(&bob_key_file);
    let phone = dir.path().join("alice");
    library_client(
        tandem_cli::http::HttpTransport::new(&url, alice_key.clone()).unwrap(),
        &alice,
        &phone,
    )
    .generate(&mut |_| {})
    .unwrap();
    let before = srv.admin_view(&alice);
    let admin = srv.admin_token();
    let forged = format!("tdk_{alice}_{}", "0".repeat(64));

    // Every endpoint: no key, a wrong key (well formed, or not a key at all) -> 401.
    let endpoints: [Endpoint; 10] = [
        ("POST", "/v1/clients".into(), None),
        ("GET", format!("/v1/clients/{alice}"), None),
        (
            "POST",
            "/v1/sessions".into(),
            Some((JSON, br#"{"operation":"presign"}"#.to_vec())),
        ),
        (
            "POST",
            format!("/v1/sessions/{}/messages", "ab".repeat(16)),
            Some((BIN_CT, vec![1, 2])),
        ),
        ("DELETE", format!("/v1/sessions/{}", "ab".repeat(16)), None),
        (
            "POST",
            "/v1/wallet/confirm".into(),
            Some((JSON, b"{}".to_vec())),
        ),
        (
            "POST",
            "/v1/sign/ed25519".into(),
            Some((BIN_CT, vec![0; 8])),
        ),
        (
            "POST",
            "/v1/sign/secp256k1".into(),
            Some((BIN_CT, vec![0; 8])),
        ),
        ("GET", "/v1/wallet/backup".into(), None),
        (
            "POST",
            "/v1/wallet/eject".into(),
            Some((JSON, b"{}".to_vec())),
        ),
    ];
    for (method, path, body) in &endpoints {
        for token in [None, Some(forged.as_str()), Some("not-a-key"), Some("")] {
            let (status, answer) = raw(method, &format!("{url}{path}"), token, body.clone(), &[]);
            assert_eq!(status, 401, "{method} {path} with {token:?}");
            assert_eq!(code(&answer), "unauthorized");
        }
    }
    // A client key on the admin endpoint; the admin token on a client's operations.
    let (status, answer) = raw(
        "POST",
        &format!("{url}/v1/clients"),
        Some(&alice_key),
        None,
        &[],
    );
    assert_eq!((status, code(&answer).as_str()), (403, "forbidden"));
    for (method, path, body) in endpoints.iter().skip(2) {
        let (status, answer) = raw(
            method,
            &format!("{url}{path}"),
            Some(&admin),
            body.clone(),
            &[],
        );
        assert_eq!(
            (status, code(&answer).as_str()),
            (403, "forbidden"),
            "{path}"
        );
    }
    // A client key reaches only its own client: Bob cannot read Alice, nor post to her
    // session.
    let (status, answer) = raw(
        "GET",
        &format!("{url}/v1/clients/{alice}"),
        Some(&bob_key),
        None,
        &[],
    );
    assert_eq!((status, code(&answer).as_str()), (403, "forbidden"));
    let (status, started) = start_session(&url, &alice_key, "presign");
    assert_eq!(status, 201);
    let session = started["session_id"].as_str().unwrap().to_owned();
    let (status, answer) = post_message(&url, &bob_key, &session, 0, vec![1, 2, 3]);
    assert_eq!((status, code(&answer).as_str()), (404, "unknown_session"));
    // Nor end it; Alice can end her own once (a client giving a session up).
    let end = |key: &str, session: &str| {
        let (status, answer) = raw(
            "DELETE",
            &format!("{url}/v1/sessions/{session}"),
            Some(key),
            None,
            &[],
        );
        let code = if answer.is_empty() {
            String::new()
        } else {
            code(&answer)
        };
        (status, code)
    };
    assert_eq!(end(&bob_key, &session), (404, "unknown_session".into()));
    let (status, given_up) = start_session(&url, &alice_key, "presign");
    assert_eq!(status, 201);
    let given_up = given_up["session_id"].as_str().unwrap().to_owned();
    assert_eq!(end(&alice_key, &given_up), (204, String::new()));
    assert_eq!(end(&alice_key, &given_up), (404, "unknown_session".into()));
    let (status, answer) = post_message(&url, &alice_key, &given_up, 0, vec![1, 2, 3]);
    assert_eq!((status, code(&answer).as_str()), (404, "unknown_session"));
    // Admin: an unknown client.
    let (status, answer) = raw(
        "GET",
        &format!("{url}/v1/clients/{}", "00".repeat(16)),
        Some(&admin),
        None,
        &[],
    );
    assert_eq!((status, code(&answer).as_str()), (404, "not_found"));

    // Malformed requests.
    let (status, answer) = raw(
        "GET",
        &format!("{url}/v2/nothing"),
        Some(&alice_key),
        None,
        &[],
    );
    assert_eq!((status, code(&answer).as_str()), (404, "not_found"));
    let (status, answer) = raw(
        "POST",
        &format!("{url}/v1/sessions"),
        Some(&alice_key),
        Some((JSON, b"{".to_vec())),
        &[],
    );
    assert_eq!((status, code(&answer).as_str()), (400, "bad_request"));
    let (status, _) = start_session(&url, &alice_key, "mine-bitcoin");
    assert_eq!(status, 400);
    let (status, answer) = raw(
        "POST",
        &format!("{url}/v1/sign/ed25519"),
        Some(&alice_key),
        Some((BIN_CT, vec![0; MAX_BODY + 1])),
        &[],
    );
    assert_eq!((status, code(&answer).as_str()), (413, "body_too_large"));
    let (status, answer) = raw(
        "POST",
        &format!("{url}/v1/sessions/{session}/messages"),
        Some(&alice_key),
        Some((BIN_CT, vec![1])),
        &[],
    );
    assert_eq!(
        (status, code(&answer).as_str()),
        (400, "bad_request"),
        "no step header"
    );
    let (status, answer) = raw(
        "POST",
        &format!("{url}/v1/sign/ed25519"),
        Some(&alice_key),
        Some((BIN_CT, vec![1])),
        &[("Idempotency-Key", "")],
    );
    assert_eq!((status, code(&answer).as_str()), (400, "bad_request"));
    // Garbage protocol messages: refused naming the client; a session is then aborted.
    for path in ["/v1/sign/ed25519", "/v1/sign/secp256k1"] {
        let (status, answer) = raw(
            "POST",
            &format!("{url}{path}"),
            Some(&alice_key),
            Some((BIN_CT, vec![7; 100])),
            &[],
        );
        assert_eq!(
            (status, code(&answer).as_str()),
            (422, "protocol_refused"),
            "{path}"
        );
    }
    let (status, answer) = post_message(&url, &alice_key, &session, 1, vec![7; 100]);
    assert_eq!((status, code(&answer).as_str()), (409, "wrong_step"));
    let (status, answer) = post_message(&url, &alice_key, &session, 0, vec![7; 100]);
    assert_eq!((status, code(&answer).as_str()), (422, "protocol_refused"));
    let (status, answer) = post_message(&url, &alice_key, &session, 0, vec![7; 100]);
    assert_eq!((status, code(&answer).as_str()), (404, "unknown_session"));

    // Lifecycle refusals.
    let (status, answer) = start_session(&url, &alice_key, "generate");
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("wallet_already_exists"))
    );
    assert_eq!(answer["message"], "wallet already exists");
    let (status, answer) = start_session(&url, &alice_key, "recover");
    assert_eq!((status, answer["code"].as_str()), (409, Some("no_backup")));
    let (status, answer) = start_session(&url, &bob_key, "presign");
    assert_eq!((status, answer["code"].as_str()), (409, Some("no_wallet")));
    let (status, answer) = raw(
        "POST",
        &format!("{url}/v1/wallet/eject"),
        Some(&alice_key),
        Some((JSON, b"{}".to_vec())),
        &[],
    );
    assert_eq!((status, code(&answer).as_str()), (409, "no_backup"));
    let confirm = json!({ "secp256k1_sharing_id": "00", "ed25519_sharing_id": "00" });
    let (status, answer) = raw(
        "POST",
        &format!("{url}/v1/wallet/confirm"),
        Some(&alice_key),
        Some((JSON, serde_json::to_vec(&confirm).unwrap())),
        &[],
    );
    assert_eq!(
        (status, code(&answer).as_str()),
        (409, "nothing_to_confirm")
    );
    // Client envelopes: hex of a sealed share of the right curve, checked before anything.
    for (secp, ed) in [("zz", "00"), ("0001", "0001")] {
        let body = json!({
            "backup_method": "PASSWORD",
            "secp256k1_sharing_id": "00", "ed25519_sharing_id": "00",
            "secp256k1_envelope": secp, "ed25519_envelope": ed,
        });
        let (status, answer) = raw(
            "POST",
            &format!("{url}/v1/wallet/backup"),
            Some(&alice_key),
            Some((JSON, serde_json::to_vec(&body).unwrap())),
            &[],
        );
        assert_eq!(
            (status, code(&answer).as_str()),
            (400, "bad_request"),
            "{answer:?}"
        );
    }
    // Open sessions per client are capped.
    let mut codes = Vec::new();
    for _ in 0..10 {
        codes.push(start_session(&url, &alice_key, "presign").0);
    }
    assert!(codes.contains(&429), "{codes:?}");

    assert_eq!(
        srv.admin_view(&alice),
        before,
        "a refusal changed the wallet"
    );
    assert_eq!(srv.admin_view(&bob)["signing_share_status"], Value::Null);
}

#[test]
fn races_on_one_step_and_one_presignature_have_one_winner() {
    let dir = tempdir();
    let srv = Server::sqlite(dir.path());
    let url = srv.url.clone();
    let (alice, key_file) = srv.create_client("alice");
    let key = api_key(&key_file);
    let phone = dir.path().join("alice");
    library_client(
        tandem_cli::http::HttpTransport::new(&url, key.clone()).unwrap(),
        &alice,
        &phone,
    )
    .generate(&mut |_| {})
    .unwrap();
    let share = device_share(&phone);
    let key: &str = &key;

    // Presigning: message 1 posted twice at once, then message 3 (the step that spends the
    // server's saved nonces) twice at once: one answer each time.
    let (_, started) = start_session(&url, key, "presign");
    let session = started["session_id"].as_str().unwrap().to_owned();
    let (state, m1) =
        presign::client_start(&share, SessionId::random(&mut rng()), &mut rng()).unwrap();
    let both = |step: u64, msg: Vec<u8>| -> Vec<(u16, Vec<u8>)> {
        thread::scope(|s| {
            let a = s.spawn(|| post_message(&url, key, &session, step, msg.clone()));
            let b = s.spawn(|| post_message(&url, key, &session, step, msg.clone()));
            vec![a.join().unwrap(), b.join().unwrap()]
        })
    };
    let answers = both(0, m1);
    let won: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    let lost = answers.iter().find(|(s, _)| *s != 200).unwrap();
    assert_eq!((lost.0, code(&lost.1).as_str()), (409, "wrong_step"));
    let (state, m3) = state.receive(&share, &won[0].1, &mut rng()).unwrap();
    let answers = both(1, m3);
    let won: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(won.len(), 1);
    let lost = answers.iter().find(|(s, _)| *s != 200).unwrap();
    assert!(
        matches!(code(&lost.1).as_str(), "wrong_step" | "unknown_session"),
        "{}",
        code(&lost.1)
    );
    let presignature = state.receive(&share, &won[0].1).unwrap();
    assert_eq!(srv.admin_view(&alice)["presignatures"], 1);

    // The presignature spent by two requests at once: one partial signature leaves.
    let digest = [3u8; 32];
    let (signing, m1) = sign::client_start(
        &share,
        presignature,
        SessionId::random(&mut rng()),
        &digest,
        &mut rng(),
    )
    .unwrap();
    let answers: Vec<(u16, Vec<u8>)> = thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    raw(
                        "POST",
                        &format!("{url}/v1/sign/secp256k1"),
                        Some(key),
                        Some((BIN_CT, m1.clone())),
                        &[],
                    )
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(won.len(), 1);
    let lost = answers.iter().find(|(s, _)| *s != 200).unwrap();
    assert_eq!(
        (lost.0, code(&lost.1).as_str()),
        (404, "unknown_presignature")
    );
    let (signature, _) = signing.receive(&share, &won[0].1).unwrap();
    assert!(signature.to_k256().is_ok());
    assert_eq!(srv.admin_view(&alice)["presignatures"], 0);

    // A session message retransmitted under its idempotency key gets its first answer back
    // (not wrong_step), even after the step was taken; a new message goes on from there.
    let (_, started) = start_session(&url, key, "presign");
    let session = started["session_id"].as_str().unwrap().to_owned();
    let (state, m1) =
        presign::client_start(&share, SessionId::random(&mut rng()), &mut rng()).unwrap();
    let keyed = |step: u64, msg: Vec<u8>| {
        raw(
            "POST",
            &format!("{url}/v1/sessions/{session}/messages"),
            Some(key),
            Some((BIN_CT, msg)),
            &[
                ("X-Tandem-Step", &step.to_string()),
                ("Idempotency-Key", &format!("{session}#{step}")),
            ],
        )
    };
    let first = keyed(0, m1.clone());
    assert_eq!(first.0, 200);
    assert_eq!(keyed(0, m1), first, "a retransmission gets the same answer");
    let (state, m3) = state.receive(&share, &first.1, &mut rng()).unwrap();
    let last = keyed(1, m3.clone());
    assert_eq!(last.0, 200);
    assert_eq!(keyed(1, m3), last, "also after the session ended");
    state.receive(&share, &last.1).unwrap();
    assert_eq!(srv.admin_view(&alice)["presignatures"], 1);

    // Idempotency keys: a retry gets the first answer; another body under the key is refused.
    let ed = tandem_protocol::KeyShare::<tandem_curves::Ed25519>::from_bytes(
        &std::fs::read(phone.join("ed25519.share")).unwrap(),
    )
    .unwrap();
    let (_, m1) = tandem_protocol::eddsa::sign::client_start(
        &ed,
        SessionId::random(&mut rng()),
        b"once",
        &mut rng(),
    )
    .unwrap();
    let post = |body: Vec<u8>| {
        raw(
            "POST",
            &format!("{url}/v1/sign/ed25519"),
            Some(key),
            Some((BIN_CT, body)),
            &[("Idempotency-Key", "k-1")],
        )
    };
    let first = post(m1.clone());
    assert_eq!(first.0, 200);
    assert_eq!(post(m1.clone()), first, "a retry gets the same answer");
    let (_, other) = tandem_protocol::eddsa::sign::client_start(
        &ed,
        SessionId::random(&mut rng()),
        b"twice",
        &mut rng(),
    )
    .unwrap();
    let (status, answer) = post(other);
    assert_eq!(
        (status, code(&answer).as_str()),
        (422, "idempotency_key_reused")
    );
}
