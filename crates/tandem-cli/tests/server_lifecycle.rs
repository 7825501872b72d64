//! The whole wallet lifecycle over HTTP against real `tandem server` processes: on SQLite
//! with the CLI as the device (the same JSON outputs as the local mode), and on PostgreSQL
//! with two replicas on one database, every request of the client library alternating
//! between them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/checks.rs"]
mod checks;
#[path = "support/server.rs"]
mod server;

use checks::*;
use serde_json::{Value, json};
use server::*;
use tandem_wallet::{BackupKey, Zeroizing};

#[test]
fn lifecycle_over_http_on_sqlite() {
    let dir = tempdir();
    let mut srv = Server::sqlite(dir.path());
    let (client_id, key) = srv.create_client("alice");
    let phone = dir.path().join("phone");
    let url = srv.url.clone();

    // Admin view before generate: no wallet yet.
    let (status, body) = raw(
        "GET",
        &format!("{url}/v1/clients/{client_id}"),
        Some(&srv.admin_token()),
        None,
        &[],
    );
    assert_eq!(status, 200);
    let before: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(before["signing_share_status"], Value::Null);
    assert_eq!(before["addresses"], Value::Null);

    let wallet = device_ok(&url, &key, &phone, &["generate"]);
    check_wallet_object(&wallet);
    assert_eq!(wallet["client_id"], client_id.as_str());
    // The device holds only its own files.
    let mut files: Vec<String> = std::fs::read_dir(&phone)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, [".lock", "ed25519.share", "secp256k1.share"]);

    // Generate again: the server refuses (HTTP 400, wallet already exists), from this device
    // and from a new one.
    let e = device_err(&url, &key, &phone, &["generate"]);
    assert!(e.contains("wallet already exists on this device"), "{e}");
    let e = device_err(&url, &key, &dir.path().join("other"), &["generate"]);
    assert!(
        e.contains("400") && e.contains("wallet already exists"),
        "{e}"
    );

    // The admin view: statuses, keys, addresses.
    let (_, body) = raw(
        "GET",
        &format!("{url}/v1/clients/{client_id}"),
        Some(&srv.admin_token()),
        None,
        &[],
    );
    let admin: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(admin["signing_share_status"], "STORED_CLIENT");
    assert_eq!(admin["backup_share_status"], Value::Null);
    assert_eq!(
        admin["secp256k1"]["public_key"],
        wallet["secp256k1"]["public_key"]
    );
    assert_eq!(
        admin["ed25519"]["public_key"],
        wallet["ed25519"]["public_key"]
    );
    assert_eq!(admin["addresses"], wallet["addresses"]);

    // Sign on both curves: an online signature (one presignature made first), one from the
    // pool, an Ed25519 one.
    let digest = digest_of("pay 1 ETH");
    let out = device_ok(
        &url,
        &key,
        &phone,
        &["sign", "--curve", "secp256k1", "--digest", &hex(&digest)],
    );
    check_secp256k1_signature(&wallet, &digest, &out);
    let out = device_ok(&url, &key, &phone, &["presign", "--count", "2"]);
    assert_eq!(out, json!({ "presignatures": 2 }));
    let digest = digest_of("pay 2 ETH");
    let out = device_ok(
        &url,
        &key,
        &phone,
        &["sign", "--curve", "secp256k1", "--digest", &hex(&digest)],
    );
    check_secp256k1_signature(&wallet, &digest, &out);
    let out = device_ok(
        &url,
        &key,
        &phone,
        &[
            "sign",
            "--curve",
            "ed25519",
            "--message",
            &hex(b"sol transfer"),
        ],
    );
    check_ed25519_signature(&wallet, b"sol transfer", &out);
    assert_eq!(
        device_ok(&url, &key, &phone, &["status"]),
        status_of(&wallet, None, 1)
    );

    // The server restarts (SIGKILL): nothing is lost.
    srv.restart();
    let url = srv.url.clone();
    assert_eq!(
        device_ok(&url, &key, &phone, &["status"]),
        status_of(&wallet, None, 1)
    );

    // Recover is refused before a backup.
    let password = dir.path().join("password");
    std::fs::write(&password, "correct horse battery staple\n").unwrap();
    let pw = password.to_str().unwrap();
    let e = device_err(
        &url,
        &key,
        &dir.path().join("new"),
        &["recover", "--password-file", pw],
    );
    assert!(e.contains("no_backup") || e.contains("NoBackup"), "{e}");

    let out = device_ok(&url, &key, &phone, &["backup", "--password-file", pw]);
    assert_eq!(out, backup_output());

    // The phone is lost: a new device recovers with the password.
    let laptop = dir.path().join("laptop");
    let out = device_ok(&url, &key, &laptop, &["recover", "--password-file", pw]);
    assert_eq!(out, recover_output(&wallet));
    let out = device_ok(
        &url,
        &key,
        &laptop,
        &["sign", "--curve", "ed25519", "--message", &hex(b"again")],
    );
    check_ed25519_signature(&wallet, b"again", &out);
    // The lost phone's shares are refused (and its pool with them); the phone says why.
    let e = device_err(&url, &key, &phone, &["status"]);
    assert!(e.contains("replaced by a recovery or refresh"), "{e}");
    let e = device_err(
        &url,
        &key,
        &phone,
        &["sign", "--curve", "ed25519", "--message", "00"],
    );
    assert!(e.contains("replaced by a recovery or refresh"), "{e}");
    let e = device_err(
        &url,
        &key,
        &phone,
        &["sign", "--curve", "secp256k1", "--digest", &hex(&digest)],
    );
    assert!(e.contains("replaced by a recovery or refresh"), "{e}");

    // A wrong password opens nothing and changes nothing.
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "wrong\n").unwrap();
    let e = device_err(
        &url,
        &key,
        &dir.path().join("x"),
        &["recover", "--password-file", wrong.to_str().unwrap()],
    );
    assert!(e.contains("backup"), "{e}");

    // Refresh: same keys, new shares; the laptop signs again on both curves.
    let out = device_ok(&url, &key, &laptop, &["refresh"]);
    assert_eq!(out["addresses"], wallet["addresses"]);
    let digest = digest_of("after refresh");
    let out = device_ok(
        &url,
        &key,
        &laptop,
        &["sign", "--curve", "secp256k1", "--digest", &hex(&digest)],
    );
    check_secp256k1_signature(&wallet, &digest, &out);

    // Eject: the backup shares combine into the wallet's keys.
    let out = device_ok(&url, &key, &laptop, &["eject", "--password-file", pw]);
    check_ejected(&wallet, &out);
    assert_eq!(
        device_ok(&url, &key, &laptop, &["status"]),
        status_of(&wallet, Some(BACKUP_DONE), 0)
    );
}

#[test]
fn lifecycle_on_postgres_with_two_replicas() {
    let Some(pg) = Postgres::start() else { return };
    let dir = tempdir();
    let a = Server::start(dir.path(), &pg.url(), &[]);
    let b = Server::start(dir.path(), &pg.url(), &[]);
    let (client_id, key_file) = a.create_client("bob");
    let key = api_key(&key_file);
    let transport = RoundRobin::new(&[&a.url, &b.url], &key);
    let phone = dir.path().join("phone");
    let client = library_client(&transport, &client_id, &phone);

    let info = client.generate(&mut |_| {}).unwrap();
    let digest = [7u8; 32];
    for _ in 0..3 {
        let signed = client.sign_secp256k1(&digest, &mut |_| {}).unwrap();
        let vk = k256::ecdsa::VerifyingKey::from(&info.public_keys.secp256k1);
        use k256::ecdsa::signature::hazmat::PrehashVerifier;
        vk.verify_prehash(&digest, &signed.signature.to_k256().unwrap())
            .unwrap();
        let sig = client.sign_ed25519(b"stellar", &mut |_| {}).unwrap();
        info.public_keys
            .ed25519
            .verify_strict(b"stellar", &sig)
            .unwrap();
    }
    assert_eq!(client.presign(3, &mut |_| {}).unwrap(), 3);
    let backup_key = BackupKey::RandomKey(Zeroizing::new([9u8; 32]));
    client.backup(&backup_key, &mut |_| {}).unwrap();

    // Recover on a new device through the replicas; the old device is refused.
    let laptop = library_client(&transport, &client_id, &dir.path().join("laptop"));
    let recovered = laptop.recover(&backup_key, &mut |_| {}).unwrap();
    assert_eq!(recovered.addresses, info.addresses);
    assert!(client.sign_ed25519(b"old", &mut |_| {}).is_err());
    let sig = laptop.sign_ed25519(b"new", &mut |_| {}).unwrap();
    info.public_keys
        .ed25519
        .verify_strict(b"new", &sig)
        .unwrap();
    let refreshed = laptop.refresh(&mut |_| {}).unwrap();
    assert_eq!(refreshed.addresses, info.addresses);
    let signed = laptop.sign_secp256k1(&digest, &mut |_| {}).unwrap();
    assert!(signed.signature.to_k256().is_ok());

    // A database restart in between: the replicas reconnect.
    pg.restart();
    let mut tries = 0;
    let sig = loop {
        match laptop.sign_ed25519(b"after restart", &mut |_| {}) {
            Ok(sig) => break sig,
            Err(e) if tries < 20 => {
                tries += 1;
                eprintln!("retrying after the database restart: {e}");
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
            Err(e) => panic!("{e}"),
        }
    };
    info.public_keys
        .ed25519
        .verify_strict(b"after restart", &sig)
        .unwrap();
}

#[test]
fn many_device_processes_sign_at_once_and_no_presignature_serves_twice() {
    let dir = tempdir();
    let srv = Server::sqlite(dir.path());
    let url = srv.url.clone();
    let devices: Vec<_> = (0..4)
        .map(|i| {
            let (_, key) = srv.create_client(&format!("c{i}"));
            (key, dir.path().join(format!("device{i}")))
        })
        .collect();
    // Wallets and pools, two devices at a time.
    let wallets: Vec<Value> = std::thread::scope(|s| {
        devices
            .chunks(2)
            .flat_map(|pair| {
                let hs: Vec<_> = pair
                    .iter()
                    .map(|(key, store)| {
                        let url = &url;
                        s.spawn(move || {
                            let w = device_ok(url, key, store, &["generate"]);
                            device_ok(url, key, store, &["presign", "--count", "2"]);
                            w
                        })
                    })
                    .collect();
                hs.into_iter()
                    .map(|h| h.join().unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    // Every device signs twice on each curve, all processes at once.
    let outputs: Vec<(usize, [u8; 32], Value, Value)> = std::thread::scope(|s| {
        let mut hs = Vec::new();
        for (i, (key, store)) in devices.iter().enumerate() {
            for round in 0..2u8 {
                let url = &url;
                hs.push(s.spawn(move || {
                    let digest = [round * 16 + u8::try_from(i).unwrap(); 32];
                    let secp = device_ok(
                        url,
                        key,
                        store,
                        &["sign", "--curve", "secp256k1", "--digest", &hex(&digest)],
                    );
                    let ed = device_ok(
                        url,
                        key,
                        store,
                        &["sign", "--curve", "ed25519", "--message", &hex(&digest)],
                    );
                    (i, digest, secp, ed)
                }));
            }
        }
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut rs = std::collections::BTreeSet::new();
    for (i, digest, secp, ed) in &outputs {
        check_secp256k1_signature(&wallets[*i], digest, secp);
        check_ed25519_signature(&wallets[*i], digest, ed);
        // One nonce per signature: every r differs.
        assert!(
            rs.insert(secp["r"].as_str().unwrap().to_owned()),
            "r used twice"
        );
    }
    assert_eq!(rs.len(), 8);
    // The pools are spent on both sides: the server holds none of them any more.
    for (key, store) in &devices {
        let status = device_ok(&url, key, store, &["status"]);
        assert_eq!(status["presignatures"], 0);
    }
    let admin = srv.admin_token();
    for w in &wallets {
        let id = w["client_id"].as_str().unwrap();
        let (_, body) = raw(
            "GET",
            &format!("{url}/v1/clients/{id}"),
            Some(&admin),
            None,
            &[],
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["presignatures"], 0, "{v}");
    }
}

/// Child keys against a real server on SQLite, with the CLI as the device: the `xpub`, a
/// child's keys and addresses, signing with the child on both curves (from a fresh
/// presignature and from the pool), and the same tree on a new device after backup and
/// recovery.
#[test]
fn lifecycle_with_child_keys_over_http() {
    let srv_dir = tempdir();
    let srv = Server::sqlite(srv_dir.path());
    let (_, key) = srv.create_client("hd");
    let phone = srv_dir.path().join("phone");
    let wallet = device_ok(&srv.url, &key, &phone, &["generate"]);
    let out = device_ok(&srv.url, &key, &phone, &["addresses"]);
    check_xpub(&wallet, field(&out, "/xpub"));
    let path = "m/44/0/7";
    let child = check_child(
        &wallet,
        &device_ok(&srv.url, &key, &phone, &["addresses", "--path", path]),
        path,
    );
    let run = |args: &[&str]| device_ok(&srv.url, &key, &phone, args);
    sign_with_child(&run, &wallet, &child, path);
    run(&["presign", "--count", "1"]);
    sign_with_child(&run, &wallet, &child, path);
    // The same tree on a new device after backup and recovery (the chain code travels with
    // the backup shares).
    let password = srv_dir.path().join("password");
    std::fs::write(&password, "child keys survive").unwrap();
    let password = password.to_str().unwrap();
    run(&["backup", "--password-file", password]);
    let laptop = srv_dir.path().join("laptop");
    device_ok(
        &srv.url,
        &key,
        &laptop,
        &["recover", "--password-file", password],
    );
    let again = device_ok(&srv.url, &key, &laptop, &["addresses", "--path", path]);
    assert_eq!(again["xpub"], out["xpub"]);
    assert_eq!(again["child"], child);
    let run = |args: &[&str]| device_ok(&srv.url, &key, &laptop, args);
    sign_with_child(&run, &wallet, &child, path);

    // A request naming a path no key has (the CLI refuses to send one; here the request is
    // made by hand from the device's share): the server refuses it, 422, naming the client,
    // and signs nothing.
    let share = tandem_protocol::KeyShare::<tandem_curves::Ed25519>::from_bytes(
        &std::fs::read(laptop.join("ed25519.share")).unwrap(),
    )
    .unwrap();
    let api_key = api_key(&key);
    // The path is the request's second field, after the 32-byte sharing id (a length byte and
    // 32 bytes): `m` is one byte 0 (an empty sequence). Replaced by the postcard encoding of
    // [2^31] (one hardened index) and of 256 zeros (one level too deep).
    let hardened = vec![1, 0x80, 0x80, 0x80, 0x80, 0x08];
    let mut too_deep = vec![0x80, 0x02];
    too_deep.extend([0; 256]);
    for bad in [hardened, too_deep] {
        let (_, m1) = tandem_protocol::eddsa::sign::client_start(
            &share,
            tandem_protocol::SessionId([9; 32]),
            b"x",
            &mut rand_core::UnwrapErr(getrandom::SysRng),
        )
        .unwrap();
        let mut msg = tandem_protocol::Message::from_bytes(&m1).unwrap();
        assert_eq!((msg.payload[0], msg.payload[33]), (32, 0));
        let mut payload = msg.payload[..33].to_vec();
        payload.extend(&bad);
        payload.extend(&msg.payload[34..]);
        msg.payload = payload;
        let (status, answer) = raw(
            "POST",
            &format!("{}/v1/sign/ed25519", srv.url),
            Some(&api_key),
            Some(("application/octet-stream", msg.to_bytes().unwrap())),
            &[],
        );
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(
            (status, answer["code"].as_str()),
            (422, Some("protocol_refused"))
        );
        assert!(
            answer["message"].as_str().unwrap().contains("client"),
            "{answer}"
        );
    }
}

/// Taproot over HTTP: `tandem sign --scheme bip340 --server …` for the wallet's key and a
/// child, checked with `k256::schnorr` under BIP86 output keys computed from BIP341's formulas
/// (and equal to the `bitcoin_taproot` programs); the same output keys on a new device after
/// recovery; `POST /v1/sign/bip340` by hand: a retry under one idempotency key gets the
/// recorded answer, and commitments that are not curve points are refused naming the client.
#[test]
fn taproot_key_path_signing_over_http() {
    let srv_dir = tempdir();
    let srv = Server::sqlite(srv_dir.path());
    let (_, key) = srv.create_client("taproot");
    let phone = srv_dir.path().join("phone");
    let wallet = device_ok(&srv.url, &key, &phone, &["generate"]);
    let sighash = hex(&sha256(b"sighash over http"));
    let path = "m/86/0";
    let child = device_ok(&srv.url, &key, &phone, &["addresses", "--path", path]);
    let child_key =
        k256::PublicKey::from_sec1_bytes(&unhex(field(&child, "/child/secp256k1/public_key")))
            .unwrap();
    let sign = |device: &std::path::Path, path: Option<&str>| {
        let mut args = vec![
            "sign",
            "--curve",
            "secp256k1",
            "--scheme",
            "bip340",
            "--message",
            &sighash,
        ];
        if let Some(path) = path {
            args.extend(["--path", path]);
        }
        let mut out = device_ok(&srv.url, &key, device, &args);
        for extra in ["path", "public_key"] {
            out.as_object_mut().unwrap().remove(extra);
        }
        out
    };
    let own = sign(&phone, None);
    check_bip340(&own, &secp_key(&wallet).into(), &unhex(&sighash));
    let (_, _, program) =
        bech32::segwit::decode(field(&wallet, "/addresses/bitcoin_taproot")).unwrap();
    assert_eq!(hex(&program), field(&own, "/output_key"));
    let of_child = sign(&phone, Some(path));
    check_bip340(&of_child, &child_key, &unhex(&sighash));

    let password = srv_dir.path().join("password");
    std::fs::write(&password, "taproot survives recovery").unwrap();
    let password = password.to_str().unwrap();
    device_ok(
        &srv.url,
        &key,
        &phone,
        &["backup", "--password-file", password],
    );
    let laptop = srv_dir.path().join("laptop");
    device_ok(
        &srv.url,
        &key,
        &laptop,
        &["recover", "--password-file", password],
    );
    let again = sign(&laptop, Some(path));
    check_bip340(&again, &child_key, &unhex(&sighash));
    assert_eq!(again["output_key"], of_child["output_key"]);

    // By hand, from the new device's share.
    let share = tandem_protocol::ecdsa::EcdsaKeyShare::from_bytes(
        &std::fs::read(laptop.join("secp256k1.share")).unwrap(),
    )
    .unwrap();
    let (_, m1) = tandem_protocol::taproot::sign::client_start(
        share.core(),
        tandem_protocol::SessionId([7; 32]),
        &tandem_protocol::hd::DerivationPath::master(),
        &unhex(&sighash),
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .unwrap();
    let url = format!("{}/v1/sign/bip340", srv.url);
    let api_key = api_key(&key);
    let post = |body: Vec<u8>, idempotency: &str| {
        raw(
            "POST",
            &url,
            Some(&api_key),
            Some(("application/octet-stream", body)),
            &[("idempotency-key", idempotency)],
        )
    };
    let (status, first) = post(m1.clone(), "retry-me");
    assert_eq!(status, 200);
    let (status, second) = post(m1.clone(), "retry-me");
    assert_eq!((status, &second), (200, &first), "the recorded answer");
    let (status, fresh) = post(m1.clone(), "another-key");
    assert_eq!(status, 200);
    assert_ne!(fresh, first, "fresh nonces for a new request");

    // D_c replaced by a string that is no compressed point (x = 5 is not on the curve).
    let mut msg = tandem_protocol::Message::from_bytes(&m1).unwrap();
    let hiding: tandem_protocol::taproot::sign::SignRequestMsg =
        tandem_protocol::codec::decode(&msg.payload).unwrap();
    let hiding = hiding.commitments.hiding.encoding().to_vec();
    let at = msg
        .payload
        .windows(33)
        .position(|w| w == hiding.as_slice())
        .unwrap();
    let mut not_a_point = [0u8; 33];
    not_a_point[0] = 2;
    not_a_point[32] = 5;
    msg.payload[at..at + 33].copy_from_slice(&not_a_point);
    let (status, answer) = post(msg.to_bytes().unwrap(), "bad-point");
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("client"),
        "{answer}"
    );
}
