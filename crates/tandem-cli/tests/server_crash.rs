//! A server killed (SIGKILL) in the middle of generate, presign and backup: at every request
//! of each operation, either while the request is in flight (the kill lands before, during
//! or after the server's transaction) or right after the answer left (the device never sees
//! it). The server restarts on the same SQLite file; the wallet is in its old state or its
//! new one, never between, and the operation run again succeeds; the wallet then signs on
//! both curves, and a backup then recovers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use server::*;
use tandem_cli::http::HttpTransport;
use tandem_client::{Client, ClientError, FsDevice, Request, Response, Transport};
use tandem_wallet::{BackupKey, Zeroizing};

/// Sends every request to the current server; at request `kill_at`, kills the server
/// (in flight, or after the answer) and reports no answer.
struct Crashing<'a> {
    server: &'a Mutex<Server>,
    key: Zeroizing<String>,
    sent: AtomicUsize,
    kill_at: usize,
    in_flight: bool,
}

impl Transport for Crashing<'_> {
    fn send(&self, request: Request) -> Result<Response, ClientError> {
        let n = self.sent.fetch_add(1, Ordering::SeqCst);
        let url = self.server.lock().unwrap().url.clone();
        let http = HttpTransport::new(&url, self.key.clone()).unwrap();
        if n != self.kill_at {
            return http.send(request);
        }
        if self.in_flight {
            std::thread::scope(|s| {
                let pending = s.spawn(|| http.send(request));
                std::thread::sleep(Duration::from_millis(u64::try_from(n % 4).unwrap() * 5));
                self.server.lock().unwrap().kill();
                let _ = pending.join();
            });
        } else {
            let _ = http.send(request);
            self.server.lock().unwrap().kill();
        }
        Err(ClientError::Transport("the server was killed".into()))
    }
}

fn plain(server: &Mutex<Server>, key: &Zeroizing<String>) -> HttpTransport {
    HttpTransport::new(&server.lock().unwrap().url, key.clone()).unwrap()
}

fn admin_view(server: &Mutex<Server>, client_id: &str) -> Value {
    let srv = server.lock().unwrap();
    let (status, body) = raw(
        "GET",
        &format!("{}/v1/clients/{client_id}", srv.url),
        Some(&srv.admin_token()),
        None,
        &[],
    );
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

/// The wallet signs on both curves with the server's keys.
fn signs(client: &Client<HttpTransport, FsDevice>) {
    let info = client.info(&mut |_| {}).unwrap();
    let signed = client.sign_secp256k1(&[5; 32], &mut |_| {}).unwrap();
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    k256::ecdsa::VerifyingKey::from(&info.public_keys.secp256k1)
        .verify_prehash(&[5; 32], &signed.signature.to_k256().unwrap())
        .unwrap();
    let sig = client
        .sign_ed25519(b"after the crash", &mut |_| {})
        .unwrap();
    info.public_keys
        .ed25519
        .verify_strict(b"after the crash", &sig)
        .unwrap();
}

/// Runs `op` with a kill at each request in turn until a run needs fewer requests than the
/// kill point; after each kill: the server restarts, `check` sees the stored state, `retry`
/// completes the operation.
fn at_every_request(
    server: &Mutex<Server>,
    mut setup: impl FnMut(usize) -> (String, Zeroizing<String>, std::path::PathBuf),
    op: impl Fn(&Client<Crashing<'_>, FsDevice>) -> Result<(), ClientError>,
    check: impl Fn(&str, &Value),
    retry: impl Fn(&Client<HttpTransport, FsDevice>),
) -> usize {
    let mut kill_at = 0;
    loop {
        let (client_id, key, store) = setup(kill_at);
        let crashing = Crashing {
            server,
            key: key.clone(),
            sent: AtomicUsize::new(0),
            kill_at,
            in_flight: kill_at % 2 == 0,
        };
        let client = library_client(crashing, &client_id, &store);
        let result = op(&client);
        let killed = client.transport().sent.load(Ordering::SeqCst) > kill_at;
        if !killed {
            result.unwrap();
            return kill_at;
        }
        assert!(
            result.is_err(),
            "an operation whose server was killed succeeded"
        );
        server.lock().unwrap().restart();
        check(&client_id, &admin_view(server, &client_id));
        retry(&library_client(plain(server, &key), &client_id, &store));
        kill_at += 1;
    }
}

fn new_client(
    server: &Mutex<Server>,
    dir: &Path,
    name: &str,
) -> (String, Zeroizing<String>, std::path::PathBuf) {
    let (id, key_file) = server.lock().unwrap().create_client(name);
    (id, api_key(&key_file), dir.join(format!("{name}-device")))
}

#[test]
fn generate_survives_a_kill_at_every_request() {
    let dir = tempdir();
    let server = Mutex::new(Server::sqlite(dir.path()));

    // Generate: a new client for each kill point.
    let points = at_every_request(
        &server,
        |n| new_client(&server, dir.path(), &format!("gen{n}")),
        |c| c.generate(&mut |_| {}).map(|_| ()),
        |_, view| {
            // Old state (no wallet, or an unconfirmed one that the next generate replaces)
            // or new (confirmed); never a confirmed wallet without its shares.
            let status = view["signing_share_status"].as_str();
            assert!(
                matches!(
                    status,
                    None | Some("STORED_DATABASE") | Some("STORED_CLIENT")
                ),
                "{view}"
            );
            if status == Some("STORED_CLIENT") {
                assert!(view["secp256k1"]["sharing_id"].is_string(), "{view}");
            }
        },
        |client| {
            client.settle().unwrap();
            if client.info(&mut |_| {}).is_err() {
                client.generate(&mut |_| {}).unwrap();
            }
            signs(client);
        },
    );
    assert!(points >= 9, "generate made {points} requests");
}

#[test]
fn presign_and_backup_survive_a_kill_at_every_request() {
    let dir = tempdir();
    let server = Mutex::new(Server::sqlite(dir.path()));
    let (client_id, key, store) = new_client(&server, dir.path(), "alice");
    library_client(plain(&server, &key), &client_id, &store)
        .generate(&mut |_| {})
        .unwrap();
    let points = at_every_request(
        &server,
        |_| (client_id.clone(), key.clone(), store.clone()),
        |c| c.presign(1, &mut |_| {}).map(|_| ()),
        |_, view| assert_eq!(view["signing_share_status"], "STORED_CLIENT"),
        |client| {
            client.presign(1, &mut |_| {}).unwrap();
            // Every presignature the device holds is one the server holds.
            while client.info(&mut |_| {}).unwrap().presignatures > 0 {
                client.sign_secp256k1(&[1; 32], &mut |_| {}).unwrap();
            }
        },
    );
    assert!(points >= 3, "presign made {points} requests");

    let password = BackupKey::Password(Zeroizing::new(b"hunter2 hunter2".to_vec()));
    let points = at_every_request(
        &server,
        |_| (client_id.clone(), key.clone(), store.clone()),
        |c| c.backup(&password, &mut |_| {}).map(|_| ()),
        |_, view| {
            assert_eq!(view["signing_share_status"], "STORED_CLIENT");
            assert!(
                matches!(
                    view["backup_share_status"].as_str(),
                    None | Some("STORED_CUSTODIAN_BACKUP_SHARE")
                        | Some("STORED_CLIENT_BACKUP_SHARE")
                ),
                "{view}"
            );
        },
        |client| {
            client.backup(&password, &mut |_| {}).unwrap();
            signs(client);
        },
    );
    assert!(points >= 5, "backup made {points} requests");

    // The last backup recovers on a new device.
    let laptop = library_client(plain(&server, &key), &client_id, &dir.path().join("laptop"));
    laptop.recover(&password, &mut |_| {}).unwrap();
    signs(&laptop);
}
