//! Races between two replicas on one PostgreSQL database, and between two devices of one
//! client: one session step posted to both replicas at once, one presignature spent on both
//! at once, `generate` started twice at once, and a backup interleaved with a recovery (the
//! backup started at once, then later and later, so that each wins in some round). Exactly
//! one wins each time, the loser is refused with a 4xx (never a 5xx), and the server's own
//! records (the admin's view) show no nonce answering twice and one wallet state. The
//! interleaving found two 500s, fixed: a session step on shares replaced in between (CHECKS.md
//! SRV-37) and backup shares read after a backup replaced them (SRV-38). A step sent twice at
//! once under one `Idempotency-Key` (a device's retry) gets one answer twice, on one SQLite
//! server and on two replicas, and one key on two different messages at once is refused as
//! reused: they found a third and a fourth 500 (SRV-39).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::thread;

use rand_core::UnwrapErr;
use serde_json::{Value, json};
use server::*;
use tandem_client::ClientError;
use tandem_protocol::SessionId;
use tandem_protocol::ecdsa::{EcdsaKeyShare, presign, sign};
use tandem_testkit::postgres::Postgres;
use tandem_wallet::{BackupKey, Zeroizing};

const BIN_CT: &str = "application/octet-stream";

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

fn start_session(url: &str, key: &str, operation: &str) -> String {
    let (status, body) = raw(
        "POST",
        &format!("{url}/v1/sessions"),
        Some(key),
        Some((
            "application/json",
            serde_json::to_vec(&json!({ "operation": operation })).unwrap(),
        )),
        &[],
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    v["session_id"].as_str().unwrap().to_owned()
}

/// A client `name` of `server` with a wallet generated through the library client (its
/// store in `dir/name`): its id, API key and secp256k1 share.
fn generated(
    server: &Server,
    dir: &std::path::Path,
    name: &str,
) -> (String, Zeroizing<String>, EcdsaKeyShare) {
    let (id, key_file) = server.create_client(name);
    let key = api_key(&key_file);
    let phone = dir.join(name);
    library_client(
        tandem_cli::http::HttpTransport::new(&server.url, key.clone()).unwrap(),
        &id,
        &phone,
    )
    .generate(&mut |_| {})
    .unwrap();
    let share =
        EcdsaKeyShare::from_bytes(&std::fs::read(phone.join("secp256k1.share")).unwrap()).unwrap();
    (id, key, share)
}

/// `msg` posted at once to each of `urls` (as `path`, with `headers`); the answers in order.
fn at_once(
    urls: &[&str],
    path: &str,
    key: &str,
    msg: &[u8],
    headers: &[(&str, &str)],
) -> Vec<(u16, Vec<u8>)> {
    thread::scope(|s| {
        let hs: Vec<_> = urls
            .iter()
            .map(|url| {
                s.spawn(move || {
                    raw(
                        "POST",
                        &format!("{url}{path}"),
                        Some(key),
                        Some((BIN_CT, msg.to_vec())),
                        headers,
                    )
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// The one 200 of `answers`; the others are refusals with one of `codes`, never 5xx.
fn one_winner<'a>(answers: &'a [(u16, Vec<u8>)], codes: &[&str]) -> &'a [u8] {
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    let won: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(won.len(), 1, "{statuses:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert!((400..500).contains(status), "{statuses:?}");
        assert!(codes.contains(&code(body).as_str()), "{}", code(body));
    }
    &won[0].1
}

#[test]
fn a_step_and_a_presignature_raced_on_two_replicas_have_one_winner() {
    let Some(pg) = Postgres::start() else { return };
    let dir = tempdir();
    let a = Server::start(dir.path(), &pg.url(), &[]);
    let b = Server::start(dir.path(), &pg.url(), &[]);
    let (alice, key, share) = generated(&a, dir.path(), "alice");
    let key: &str = &key;
    let replicas = [a.url.as_str(), b.url.as_str()];

    // Presigning: each step posted to both replicas at once, the second one the step that
    // takes the server's saved nonces. One answer each time.
    for _ in 0..3 {
        let session = start_session(&a.url, key, "presign");
        let path = format!("/v1/sessions/{session}/messages");
        let (state, m1) =
            presign::client_start(&share, SessionId::random(&mut rng()), &mut rng()).unwrap();
        let answers = at_once(&replicas, &path, key, &m1, &[("X-Tandem-Step", "0")]);
        let r2 = one_winner(&answers, &["wrong_step"]);
        let (state, m3) = state.receive(&share, r2, &mut rng()).unwrap();
        let answers = at_once(&replicas, &path, key, &m3, &[("X-Tandem-Step", "1")]);
        let r4 = one_winner(&answers, &["wrong_step", "unknown_session"]);
        let presignature = state.receive(&share, r4).unwrap();
        assert_eq!(a.admin_view(&alice)["presignatures"], 1);

        // The presignature spent on both replicas at once: one partial signature leaves,
        // and the server's records hold no presignature afterwards.
        let digest = [5u8; 32];
        let (signing, m1) = sign::client_start(
            &share,
            presignature,
            SessionId::random(&mut rng()),
            &digest,
            &mut rng(),
        )
        .unwrap();
        let answers = at_once(&replicas, "/v1/sign/secp256k1", key, &m1, &[]);
        let won = one_winner(&answers, &["unknown_presignature"]);
        let (signature, _) = signing.receive(&share, won).unwrap();
        assert!(signature.to_k256().is_ok());
        assert_eq!(b.admin_view(&alice)["presignatures"], 0);
    }
}

/// Presigns once, each step posted twice at once under one `Idempotency-Key` (a device that
/// retried while its first copy was still running) to `urls` (one server twice, or two
/// replicas): both copies get the same answer, never a 5xx. The copy that finds the step
/// taken answers with the recorded answer; it once failed to insert the same key (500).
fn presign_with_each_step_sent_twice_at_once(urls: &[&str], key: &str, share: &EcdsaKeyShare) {
    let session = start_session(urls[0], key, "presign");
    let path = format!("/v1/sessions/{session}/messages");
    let twice = |msg: &[u8], step: &str, idempotency: &str| {
        let answers = at_once(
            urls,
            &path,
            key,
            msg,
            &[("X-Tandem-Step", step), ("Idempotency-Key", idempotency)],
        );
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        }
        assert_eq!(answers[0].1, answers[1].1, "two answers to one message");
        answers[0].1.clone()
    };
    let (state, m1) =
        presign::client_start(share, SessionId::random(&mut rng()), &mut rng()).unwrap();
    let r2 = twice(&m1, "0", &format!("{session}-0"));
    let (state, m3) = state.receive(share, &r2, &mut rng()).unwrap();
    let r4 = twice(&m3, "1", &format!("{session}-1"));
    state.receive(share, &r4).unwrap();
}

#[test]
fn a_step_retried_while_its_first_copy_runs_gets_one_answer_twice() {
    let dir = tempdir();
    let server = Server::sqlite(dir.path());
    let (alice, key, share) = generated(&server, dir.path(), "alice");
    for _ in 0..3 {
        presign_with_each_step_sent_twice_at_once(&[&server.url, &server.url], &key, &share);
    }
    assert_eq!(server.admin_view(&alice)["presignatures"], 3);

    // One key on two different messages at once (two sessions' first steps): one is
    // answered, the other refused as a reused key (422), never a failed insert (500).
    for round in 0..3 {
        let sessions = [0, 1].map(|_| start_session(&server.url, &key, "presign"));
        let idempotency = format!("shared-{round}");
        let answers: Vec<(u16, Vec<u8>)> = thread::scope(|s| {
            let hs: Vec<_> = sessions
                .iter()
                .map(|session| {
                    let (url, key, share) = (&server.url, &*key, &share);
                    let idempotency = idempotency.as_str();
                    s.spawn(move || {
                        let (_, m1) =
                            presign::client_start(share, SessionId::random(&mut rng()), &mut rng())
                                .unwrap();
                        raw(
                            "POST",
                            &format!("{url}/v1/sessions/{session}/messages"),
                            Some(key),
                            Some((BIN_CT, m1)),
                            &[("X-Tandem-Step", "0"), ("Idempotency-Key", idempotency)],
                        )
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        one_winner(&answers, &["idempotency_key_reused"]);
    }

    // The same on two replicas of one PostgreSQL database (their own folder: their own
    // master key and spend anchor).
    let Some(pg) = Postgres::start() else { return };
    let dir = tempdir();
    let a = Server::start(dir.path(), &pg.url(), &[]);
    let b = Server::start(dir.path(), &pg.url(), &[]);
    let (bob, key, share) = generated(&a, dir.path(), "bob");
    for _ in 0..3 {
        presign_with_each_step_sent_twice_at_once(&[&a.url, &b.url], &key, &share);
    }
    assert_eq!(b.admin_view(&bob)["presignatures"], 3);
}

#[test]
fn generate_started_twice_at_once_makes_one_wallet() {
    let Some(pg) = Postgres::start() else { return };
    let dir = tempdir();
    let a = Server::start(dir.path(), &pg.url(), &[]);
    let b = Server::start(dir.path(), &pg.url(), &[]);
    let (client_id, key_file) = a.create_client("carol");
    let key = api_key(&key_file);
    // Two devices of one client, each talking to its own replica, start at once.
    let phones = [dir.path().join("phone"), dir.path().join("tablet")];
    let clients: Vec<_> = [&a.url, &b.url]
        .iter()
        .zip(&phones)
        .map(|(url, store)| {
            library_client(
                tandem_cli::http::HttpTransport::new(url, key.clone()).unwrap(),
                &client_id,
                store,
            )
        })
        .collect();
    let results: Vec<_> = thread::scope(|s| {
        let hs: Vec<_> = clients
            .iter()
            .map(|c| s.spawn(move || c.generate(&mut |_| {})))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &results {
        eprintln!(
            "generate: {}",
            r.as_ref().map_or_else(ToString::to_string, |_| "ok".into())
        );
    }
    let won: Vec<usize> = (0..2).filter(|&i| results[i].is_ok()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    let (winner, loser) = (won[0], 1 - won[0]);
    // The loser was refused by the server (the wallet exists, or its pending pair was
    // replaced), not by a failure.
    match &results[loser] {
        Err(ClientError::Server { status, .. }) => {
            assert!((400..500).contains(status), "{:?}", results[loser]);
        }
        other => panic!("the losing generate: {other:?}"),
    }
    // One wallet: the winner's keys are the server's, it signs under them, and the loser's
    // device signs nothing.
    let info = results[winner].as_ref().unwrap();
    let view = a.admin_view(&client_id);
    assert_eq!(view["signing_share_status"], "STORED_CLIENT", "{view}");
    signs_under(&clients[winner], info);
    assert!(clients[loser].sign_ed25519(b"loser", &mut |_| {}).is_err());
    assert!(
        clients[loser]
            .sign_secp256k1(&[1; 32], &mut |_| {})
            .is_err()
    );
    // The loser's retry is refused too: the wallet exists.
    assert!(clients[loser].generate(&mut |_| {}).is_err());
    signs_under(&clients[winner], info);
}

#[test]
fn a_backup_interleaved_with_a_recovery_leaves_one_consistent_wallet() {
    let Some(pg) = Postgres::start() else { return };
    let dir = tempdir();
    let a = Server::start(dir.path(), &pg.url(), &[]);
    let b = Server::start(dir.path(), &pg.url(), &[]);
    let (client_id, key_file) = a.create_client("dave");
    let key = api_key(&key_file);
    let client_on = |url: &str, name: &str| {
        library_client(
            tandem_cli::http::HttpTransport::new(url, key.clone()).unwrap(),
            &client_id,
            &dir.path().join(name),
        )
    };
    let first = BackupKey::Password(Zeroizing::new(b"first backup".to_vec()));
    let second = BackupKey::Password(Zeroizing::new(b"second backup".to_vec()));
    // How long the backup waits after the recovery has started, by round: at once, then
    // later and later, so that each of them wins in some round and the middle ones race.
    let delays = [0, 400, 1200, 5000];
    for (round, delay) in delays.into_iter().enumerate() {
        // The phone holds the wallet and a backup under `first`.
        let phone = client_on(&a.url, &format!("phone-{round}"));
        if round == 0 {
            phone.generate(&mut |_| {}).unwrap();
        } else {
            phone.recover(&first, &mut |_| {}).unwrap();
        }
        phone.backup(&first, &mut |_| {}).unwrap();
        let info = phone.info(&mut |_| {}).unwrap();
        // At once: the phone backs up again under `second` through replica A, while a new
        // laptop recovers from the first backup through replica B.
        let laptop = client_on(&b.url, &format!("laptop-{round}"));
        let (backed_up, recovered) = thread::scope(|s| {
            let y = s.spawn(|| laptop.recover(&first, &mut |_| {}));
            let x = s.spawn(|| {
                thread::sleep(std::time::Duration::from_millis(delay));
                phone.backup(&second, &mut |_| {})
            });
            (x.join().unwrap(), y.join().unwrap())
        });
        eprintln!(
            "round {round}: backup {}, recovery {}",
            backed_up
                .as_ref()
                .map_or_else(ToString::to_string, |_| "ok".into()),
            recovered
                .as_ref()
                .map_or_else(ToString::to_string, |_| "ok".into()),
        );
        for e in [backed_up.as_ref().err(), recovered.as_ref().err()]
            .into_iter()
            .flatten()
        {
            assert!(
                !matches!(e, ClientError::Server { status, .. } if *status >= 500)
                    && !matches!(e, ClientError::Transport(_)),
                "{e:?}"
            );
        }
        // Whoever lost, the wallet is in one state: the device that holds the current pair
        // signs under the wallet's keys, the other does not, and the backup that stands
        // recovers it on a third device.
        let (current, stale, standing) = match (&backed_up, &recovered) {
            (Ok(_), Err(_)) => (&phone, &laptop, &second),
            (Err(_), Ok(_)) => (&laptop, &phone, &first),
            // Both: the recovery's new pair was still pending (not confirmed) when the
            // backup ran on the phone's pair, then the laptop confirmed. A backup pair is a
            // resharing of the same key, so the backup made from the phone's pair recovers
            // the wallet, and the laptop holds the signing pair.
            (Ok(_), Ok(_)) => (&laptop, &phone, &second),
            (Err(x), Err(y)) => panic!("both lost (round {round}): {x:?}, {y:?}"),
        };
        let _ = stale.settle();
        signs_under(current, &info);
        assert!(stale.sign_ed25519(b"stale", &mut |_| {}).is_err());
        let spare = client_on(&a.url, &format!("spare-{round}"));
        spare.recover(standing, &mut |_| {}).unwrap();
        signs_under(&spare, &info);
        // The next round starts from a backup under `first` again.
        spare.backup(&first, &mut |_| {}).unwrap();
    }
}
