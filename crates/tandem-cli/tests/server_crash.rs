//! The database crashes in the middle of presign and backup: PostgreSQL stopped at once
//! (`pg_ctl stop -m immediate`) and started again at every request of each operation, either
//! while the request is in flight (the crash lands before, during or after the server's
//! transaction) or right after the answer left (the device never sees it), while the server
//! runs on and reconnects. The wallet is in its old state or its new one, never between, the
//! operation run again succeeds, the wallet then signs on both curves, and a backup then
//! recovers. (The server process killed at every write: `server_crash_points.rs`.)

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

/// Sends every request to the server; at request `kill_at`, crashes its database (in flight,
/// or after the answer) and reports no answer.
struct Crashing<'a> {
    server: &'a Mutex<Server>,
    pg: &'a Postgres,
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
                self.pg.restart();
                let _ = pending.join();
            });
        } else {
            let _ = http.send(request);
            self.pg.restart();
        }
        Err(ClientError::Transport(
            "the server or its database crashed".into(),
        ))
    }
}

fn plain(server: &Mutex<Server>, key: &Zeroizing<String>) -> HttpTransport {
    HttpTransport::new(&server.lock().unwrap().url, key.clone()).unwrap()
}

/// Runs `op` with the database crashing at each request in turn until a run needs fewer
/// requests than the crash's point; after each: `check` sees the stored state, `retry`
/// completes the operation.
fn at_every_request(
    server: &Mutex<Server>,
    pg: &Postgres,
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
            pg,
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
        // A database crashed and started again can answer the client's retransmission: the
        // request sent once more under its idempotency key then gets its answer, and the
        // operation may succeed.
        drop(result);
        check(&client_id, &server.lock().unwrap().admin_view(&client_id));
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

/// After a crash in backup: the wallet signs as before, its backup pair is the old one or
/// the new one (custodian shares stored, then the client's).
fn backed_up_or_not(_: &str, view: &Value) {
    assert_eq!(view["signing_share_status"], "STORED_CLIENT");
    assert!(
        matches!(
            view["backup_share_status"].as_str(),
            None | Some("STORED_CUSTODIAN_BACKUP_SHARE") | Some("STORED_CLIENT_BACKUP_SHARE")
        ),
        "{view}"
    );
}

/// `f` until the server is available again (`unavailable` while its database connections
/// are made again after a database crash).
fn once_available<T>(f: impl Fn() -> Result<T, ClientError>) -> T {
    for _ in 0..40 {
        match f() {
            Err(ClientError::Server {
                code: tandem_client::api::ErrorCode::Unavailable,
                ..
            }) => std::thread::sleep(Duration::from_millis(250)),
            other => return other.unwrap(),
        }
    }
    panic!("the server stayed unavailable");
}

/// The database crashes (and starts again) at every request of presign (the spend-once
/// state of its nonces) and backup (the custodian's shares, then the client's). Generate's
/// writes are the same transactions on either database (the server killed at each of them:
/// `server_crash_points.rs`).
#[test]
fn presign_and_backup_survive_a_database_crash_at_every_request() {
    let Some(pg) = Postgres::start() else { return };
    let dir = tempdir();
    let server = Mutex::new(Server::start(dir.path(), &pg.url(), &[]));
    let (client_id, key, store) = new_client(&server, dir.path(), "alice");
    let client = library_client(plain(&server, &key), &client_id, &store);
    client.generate(&mut |_| {}).unwrap();
    let points = at_every_request(
        &server,
        &pg,
        |_| (client_id.clone(), key.clone(), store.clone()),
        |c| c.presign(1, &mut |_| {}).map(|_| ()),
        |_, view| assert_eq!(view["signing_share_status"], "STORED_CLIENT"),
        |client| {
            once_available(|| client.presign(1, &mut |_| {}));
            // Every presignature the device holds is one the server holds.
            while client.info(&mut |_| {}).unwrap().presignatures > 0 {
                client.sign_secp256k1(&[1; 32], &mut |_| {}).unwrap();
            }
        },
    );
    assert!(points >= 3, "presign made {points} requests");
    let password = BackupKey::RandomKey(Zeroizing::new([3; 32]));
    let points = at_every_request(
        &server,
        &pg,
        |_| (client_id.clone(), key.clone(), store.clone()),
        |c| c.backup(&password, &mut |_| {}).map(|_| ()),
        backed_up_or_not,
        |client| {
            once_available(|| client.backup(&password, &mut |_| {}));
            signs(client);
        },
    );
    assert!(points >= 5, "backup made {points} requests");
    let laptop = library_client(plain(&server, &key), &client_id, &dir.path().join("laptop"));
    laptop.recover(&password, &mut |_| {}).unwrap();
    signs(&laptop);
}
