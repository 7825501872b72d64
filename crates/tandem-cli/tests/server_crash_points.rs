//! SIGKILL of the server at every write of every operation, the list of writes taken from the
//! code: each write of the server goes through `tandem_server::crash` (a unit test there
//! checks that none bypasses it), which in the test binary records every point it reaches
//! (`TANDEM_CRASH_TRACE`) and kills its own process at a chosen one (`TANDEM_CRASH_AT`).
//!
//! Each operation runs once honestly, recording the points it passes (`<write>/before`,
//! `<write>/after`, in order, with their repetitions); then for each of them: the server is
//! started again armed at that point, the operation runs until the server dies there, the
//! server starts again on the same SQLite file, the wallet is in its old state or its new one
//! (never between: checked from the admin's view), the operation run again succeeds, and the
//! wallet signs on both curves. The server's own writes (the Paillier pool's refill, the
//! sweep of expired rows) are killed the same way. Each test names the writes it must kill
//! at; together those lists are `crash::WRITES`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use server::*;
use tandem_cli::http::HttpTransport;
use tandem_client::{Client, ClientError, FsDevice};
use tandem_server::crash::{BACKGROUND, WRITES};
use tandem_wallet::{BackupKey, Zeroizing};

/// The writes no test of this file reaches, and why.
const NOT_HERE: &[&str] = &[
    // Self-managed custody only: server_webhook.rs kills at it, in that configuration.
    "backup.webhook",
    // The spend anchor's file and the purge of a restored database: server_rollback.rs
    // kills at both. (A kill at `anchor.raise` leaves the database as a kill just after the
    // spend's commit does, which every operation here is killed at.)
    "anchor.raise",
    "anchor.purge",
];

/// A server with its trace file, on an SQLite file of its own.
struct Crashable {
    server: Server,
    trace: PathBuf,
    dir: PathBuf,
}

impl Crashable {
    /// A server on `dir` with `extra` options; a crashed session stays open until it
    /// expires, so a client may have many open at once here.
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let trace = dir.join("crash-trace");
        let extra: Vec<&str> = ["--max-sessions", "1000"]
            .iter()
            .chain(extra)
            .copied()
            .collect();
        let mut server = Server::sqlite_with(dir, &extra);
        server.restart_with_env(&[("TANDEM_CRASH_TRACE", trace.to_str().unwrap())]);
        Self {
            server,
            trace,
            dir: dir.to_path_buf(),
        }
    }

    /// True once the process has died (a killed process's connections close a moment
    /// before it can be reaped), waiting at most `seconds`.
    fn died(&mut self, seconds: u64) -> bool {
        let until = Instant::now() + Duration::from_secs(seconds);
        while !self.server.exited() {
            if Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.trace)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Starts again, armed at `point` (`None`: not armed), tracing.
    fn restart(&mut self, point: Option<&str>) {
        let trace = self.trace.to_str().unwrap().to_owned();
        match point {
            Some(at) => self
                .server
                .restart_with_env(&[("TANDEM_CRASH_TRACE", &trace), ("TANDEM_CRASH_AT", at)]),
            None => self
                .server
                .restart_with_env(&[("TANDEM_CRASH_TRACE", &trace)]),
        }
    }

    fn client(&self, client_id: &str, key: &Zeroizing<String>, store: &Path) -> Phone {
        library_client(
            HttpTransport::new(&self.server.url, key.clone()).unwrap(),
            client_id,
            store,
        )
    }
}

type Phone = Client<HttpTransport, FsDevice>;

/// A wallet's client id, key and device folder.
#[derive(Clone)]
struct Wallet {
    id: String,
    key: Zeroizing<String>,
    store: PathBuf,
}

impl Wallet {
    fn new(c: &Crashable, name: &str) -> Self {
        let (id, key_file) = c.server.create_client(name);
        Self {
            id,
            key: api_key(&key_file),
            store: c.dir.join(format!("{name}-device")),
        }
    }

    fn phone(&self, c: &Crashable) -> Phone {
        c.client(&self.id, &self.key, &self.store)
    }
}

/// The points of `lines` (a trace's new lines) with their repetition: `point#n` is the n-th
/// time `point` was reached. The server's own writes are left out (their timing is not the
/// operation's).
fn numbered(lines: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashMap::<&str, u32>::new();
    lines
        .iter()
        .filter(|l| !BACKGROUND.iter().any(|b| l.starts_with(&format!("{b}/"))))
        .filter(|l| !l.starts_with("anchor."))
        .map(|l| {
            let n = seen.entry(l.as_str()).or_insert(0);
            *n += 1;
            format!("{l}#{n}")
        })
        .collect()
}

/// After the last point, the wallet signs on both curves with the server's keys; before, the
/// device's shares are the server's current pair (`info` checks them).
fn usable(phone: &Phone, last: bool) {
    if last {
        signs(phone);
    } else {
        phone.info(&mut |_| {}).unwrap();
    }
}

/// One operation under test.
struct Operation<'a> {
    name: &'a str,
    /// Before each run, on the unarmed server: the wallet the run works on.
    setup: &'a dyn Fn(&Crashable, usize) -> Wallet,
    /// The operation.
    run: &'a dyn Fn(&Crashable, &Wallet) -> Result<(), ClientError>,
    /// The stored state after the crash, as the admin sees it: old or new.
    check: &'a dyn Fn(&Value),
    /// The operation again (and what settles the device), to success; `true` after the last
    /// point (the wallet then signs on both curves; before, its keys are checked).
    retry: &'a dyn Fn(&Crashable, &Wallet, bool),
}

/// Runs `op` honestly, then killed at each of its points; the points killed at.
fn at_every_point(c: &mut Crashable, op: &Operation<'_>) -> BTreeSet<String> {
    let wallet = (op.setup)(c, 0);
    let start = c.lines().len();
    (op.run)(c, &wallet).unwrap();
    let points = numbered(&c.lines()[start..]);
    assert!(!points.is_empty(), "{}: no write", op.name);
    let began = Instant::now();
    for (k, point) in points.iter().enumerate() {
        let wallet = (op.setup)(c, k + 1);
        c.restart(Some(point));
        let result = (op.run)(c, &wallet);
        assert!(
            c.died(10),
            "{}: {point} was not reached again (the run: {result:?})",
            op.name
        );
        assert!(
            result.is_err(),
            "{}: succeeded though killed at {point}",
            op.name
        );
        c.restart(None);
        (op.check)(&c.server.admin_view(&wallet.id));
        (op.retry)(c, &wallet, k + 1 == points.len());
    }
    eprintln!(
        "{}: killed at {} points in {:.1} s: {}",
        op.name,
        points.len(),
        began.elapsed().as_secs_f64(),
        points.join(" ")
    );
    points
        .iter()
        .map(|p| p.split('/').next().unwrap().to_owned())
        .collect()
}

/// Generate's old state (no wallet, or an unconfirmed one that the next generate replaces)
/// or its new one (confirmed, with its shares).
fn generated_or_not(view: &Value) {
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
}

fn signable(view: &Value) {
    assert_eq!(view["signing_share_status"], "STORED_CLIENT", "{view}");
    assert!(view["secp256k1"]["sharing_id"].is_string(), "{view}");
}

/// Backup's old pair or its new one (custodian shares stored, then the client's).
fn backed_up_or_not(view: &Value) {
    signable(view);
    assert!(
        matches!(
            view["backup_share_status"].as_str(),
            None | Some("STORED_CUSTODIAN_BACKUP_SHARE") | Some("STORED_CLIENT_BACKUP_SHARE")
        ),
        "{view}"
    );
}

/// A refresh or recovery: the old pair, or the new one pending the device's confirmation,
/// or confirmed.
fn reshared_or_not(view: &Value) {
    assert!(
        matches!(
            view["signing_share_status"].as_str(),
            Some("STORED_DATABASE") | Some("STORED_CLIENT")
        ),
        "{view}"
    );
    assert!(view["secp256k1"]["sharing_id"].is_string(), "{view}");
}

/// A new wallet, generated and backed up.
fn backed_up(c: &Crashable, name: &str) -> Wallet {
    let wallet = Wallet::new(c, name);
    wallet.phone(c).generate(&mut |_| {}).unwrap();
    wallet.phone(c).backup(&password(), &mut |_| {}).unwrap();
    wallet
}

fn password() -> BackupKey {
    BackupKey::Password(Zeroizing::new(b"crash at every write".to_vec()))
}

#[test]
fn generate_survives_a_kill_at_every_write() {
    let dir = tempdir();
    let mut c = Crashable::start(dir.path(), &["--paillier-pool", "0"]);
    let killed = at_every_point(
        &mut c,
        &Operation {
            name: "generate",
            setup: &|c, k| Wallet::new(c, &format!("gen{k}")),
            run: &|c, w| w.phone(c).generate(&mut |_| {}).map(drop),
            check: &generated_or_not,
            retry: &|c, w, last| {
                let phone = w.phone(c);
                phone.settle().unwrap();
                if phone.info(&mut |_| {}).is_err() {
                    phone.generate(&mut |_| {}).unwrap();
                }
                usable(&phone, last);
            },
        },
    );
    covered(&killed, GENERATE);
}

#[test]
fn presign_sign_and_backup_survive_a_kill_at_every_write() {
    let dir = tempdir();
    let mut c = Crashable::start(dir.path(), &["--paillier-pool", "0"]);
    let alice = Wallet::new(&c, "alice");
    alice.phone(&c).generate(&mut |_| {}).unwrap();
    let same = |_: &Crashable, _: usize| alice.clone();
    let mut killed = BTreeSet::new();
    killed.extend(at_every_point(
        &mut c,
        &Operation {
            name: "presign",
            setup: &same,
            run: &|c, w| w.phone(c).presign(1, &mut |_| {}).map(drop),
            check: &signable,
            retry: &|c, w, _| {
                let phone = w.phone(c);
                phone.presign(1, &mut |_| {}).unwrap();
                // Every presignature the device holds is one the server holds.
                while phone.info(&mut |_| {}).unwrap().presignatures > 0 {
                    phone.sign_secp256k1(&[1; 32], &mut |_| {}).unwrap();
                }
            },
        },
    ));
    killed.extend(at_every_point(
        &mut c,
        &Operation {
            name: "ECDSA from the pool",
            setup: &|c, _| {
                alice.phone(c).presign(1, &mut |_| {}).unwrap();
                alice.clone()
            },
            run: &|c, w| w.phone(c).sign_secp256k1(&[2; 32], &mut |_| {}).map(drop),
            check: &signable,
            retry: &|c, w, last| usable(&w.phone(c), last),
        },
    ));
    killed.extend(at_every_point(
        &mut c,
        &Operation {
            name: "Ed25519",
            setup: &same,
            run: &|c, w| w.phone(c).sign_ed25519(b"m", &mut |_| {}).map(drop),
            check: &signable,
            retry: &|c, w, last| usable(&w.phone(c), last),
        },
    ));
    killed.extend(at_every_point(
        &mut c,
        &Operation {
            name: "BIP340",
            setup: &same,
            run: &|c, w| w.phone(c).sign_bip340(&[3; 32], &mut |_| {}).map(drop),
            check: &signable,
            retry: &|c, w, last| usable(&w.phone(c), last),
        },
    ));
    killed.extend(at_every_point(
        &mut c,
        &Operation {
            name: "backup",
            setup: &same,
            run: &|c, w| w.phone(c).backup(&password(), &mut |_| {}).map(drop),
            check: &backed_up_or_not,
            retry: &|c, w, last| {
                let phone = w.phone(c);
                phone.backup(&password(), &mut |_| {}).unwrap();
                usable(&phone, last);
            },
        },
    ));
    // The last backup recovers on a new device.
    let laptop = c.client(&alice.id, &alice.key, &dir.path().join("laptop"));
    laptop.recover(&password(), &mut |_| {}).unwrap();
    signs(&laptop);
    covered(&killed, PRESIGN_SIGN_BACKUP);
}

#[test]
fn refresh_survives_a_kill_at_every_write() {
    let dir = tempdir();
    let mut c = Crashable::start(dir.path(), &["--paillier-pool", "0"]);
    let bob = backed_up(&c, "bob");
    let mut killed = BTreeSet::new();
    killed.extend(at_every_point(
        &mut c,
        &Operation {
            name: "refresh",
            setup: &|_, _| bob.clone(),
            run: &|c, w| w.phone(c).refresh(&mut |_| {}).map(drop),
            check: &reshared_or_not,
            retry: &|c, w, last| {
                let phone = w.phone(c);
                phone.settle().unwrap();
                phone.refresh(&mut |_| {}).unwrap();
                usable(&phone, last);
            },
        },
    ));
    covered(&killed, RESHARE);
}

#[test]
fn recover_survives_a_kill_at_every_write() {
    let dir = tempdir();
    let mut c = Crashable::start(dir.path(), &["--paillier-pool", "0"]);
    let bob = backed_up(&c, "bob");
    let mut killed = BTreeSet::new();
    killed.extend(at_every_point(
        &mut c,
        &Operation {
            name: "recover",
            // A new device each time (the one that lost its shares).
            setup: &|c, k| Wallet {
                store: c.dir.join(format!("bob-new-device-{k}")),
                ..bob.clone()
            },
            run: &|c, w| w.phone(c).recover(&password(), &mut |_| {}).map(drop),
            check: &reshared_or_not,
            retry: &|c, w, last| {
                let phone = w.phone(c);
                phone.settle().unwrap();
                if phone.info(&mut |_| {}).is_err() {
                    phone.recover(&password(), &mut |_| {}).unwrap();
                }
                usable(&phone, last);
            },
        },
    ));
    covered(&killed, RESHARE);
}

/// The server's own writes and the rest of the requests' writes: the pool's refill and its
/// take, the sweep of expired rows, a new client, a session given up, a session that failed,
/// a session that expired.
#[test]
fn background_writes_and_session_ends_survive_a_kill() {
    let dir = tempdir();
    let mut c = Crashable::start(dir.path(), &["--paillier-pool", "1"]);
    let db = dir.path().join("tandem.sqlite");
    let keys = || sqlite_rows(&db, "SELECT key_id FROM paillier_keys").len();
    let mut killed = BTreeSet::new();
    // The refill (the pool is full once the first server started; emptied for each run)
    // and the sweep, both at start.
    for point in [
        "paillier.add/before",
        "paillier.add/after",
        "sweep/before",
        "sweep/after",
    ] {
        sqlite_rows(&db, "DELETE FROM paillier_keys");
        c.restart(Some(point));
        assert!(c.died(60), "{point} was not reached");
        c.restart(None);
        let until = Instant::now() + Duration::from_secs(60);
        while keys() != 1 {
            assert!(
                Instant::now() < until,
                "the pool was not refilled after {point}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        killed.insert(point.split('/').next().unwrap().to_owned());
    }
    // The take: generate with a key in the pool.
    let carol = Wallet::new(&c, "carol");
    for point in ["paillier.take/before", "paillier.take/after"] {
        c.restart(Some(point));
        let result = carol.phone(&c).generate(&mut |_| {});
        let died = c.died(10);
        assert!(died && result.is_err(), "{point}: died {died}, {result:?}");
        c.restart(None);
        generated_or_not(&c.server.admin_view(&carol.id));
    }
    killed.insert("paillier.take".into());
    let phone = carol.phone(&c);
    phone.settle().unwrap();
    if phone.info(&mut |_| {}).is_err() {
        phone.generate(&mut |_| {}).unwrap();
    }
    signs(&phone);

    // A session ended by the client (DELETE), one refused at its first message (deleted),
    // one that expired (deleted when its message came late): raw requests for a client
    // without a wallet (generate sessions). The expired one on a server whose sessions last
    // a second; the other two on a server with the default lifetime, so that a slow machine
    // never turns the refused message into an expired one (`now` counts whole seconds: a
    // one-second session may expire a millisecond after it began).
    let lasting = tempdir();
    let short = tempdir();
    let mut servers = [
        Crashable::start(lasting.path(), &["--paillier-pool", "0"]),
        Crashable::start(
            short.path(),
            &["--paillier-pool", "0", "--session-ttl", "1"],
        ),
    ];
    let erins = [
        Wallet::new(&servers[0], "erin"),
        Wallet::new(&servers[1], "erin"),
    ];
    let session = |s: &Crashable, erin: &Wallet| -> String {
        let (status, body) = raw(
            "POST",
            &format!("{}/v1/sessions", s.server.url),
            Some(erin.key.as_str()),
            Some(("application/json", br#"{"operation":"generate"}"#.to_vec())),
            &[],
        );
        assert_eq!(status, 201);
        let v: Value = serde_json::from_slice(&body).unwrap();
        v["session_id"].as_str().unwrap().to_owned()
    };
    let message = |s: &Crashable, erin: &Wallet, id: &str| {
        try_raw(
            "POST",
            &format!("{}/v1/sessions/{id}/messages", s.server.url),
            Some(erin.key.as_str()),
            Some((
                "application/octet-stream",
                b"not a protocol message".to_vec(),
            )),
            &[("X-Tandem-Step", "0")],
        )
    };
    for (write, end) in [
        ("sessions.end", 0),
        ("sessions.fail", 1),
        ("sessions.expire", 2),
    ] {
        let which = usize::from(end == 2);
        let (s, erin) = (&mut servers[which], &erins[which]);
        for when in ["before", "after"] {
            let point = format!("{write}/{when}");
            s.restart(Some(&point));
            let id = session(s, erin);
            let answer = match end {
                0 => try_raw(
                    "DELETE",
                    &format!("{}/v1/sessions/{id}", s.server.url),
                    Some(erin.key.as_str()),
                    None,
                    &[],
                ),
                1 => message(s, erin, &id),
                _ => {
                    std::thread::sleep(Duration::from_millis(2100));
                    message(s, erin, &id)
                }
            };
            let answer =
                answer.map(|(status, body)| (status, String::from_utf8_lossy(&body).into_owned()));
            assert!(s.died(10), "{point} was not reached ({answer:?})");
            s.restart(None);
            generated_or_not(&s.server.admin_view(&erin.id));
        }
        killed.insert(write.to_owned());
    }
    // A new client (the admin's request).
    for point in ["clients.insert/before", "clients.insert/after"] {
        c.restart(Some(point));
        let answer = try_raw(
            "POST",
            &format!("{}/v1/clients", c.server.url),
            Some(c.server.admin_token().as_str()),
            None,
            &[],
        );
        assert!(c.died(10), "{point} not reached ({answer:?})");
        c.restart(None);
    }
    killed.insert("clients.insert".into());
    Wallet::new(&c, "dave");
    signs(&carol.phone(&c));
    covered(&killed, OTHERS);
}

/// The writes each test must kill at; together with [`NOT_HERE`], every write of
/// `crash::WRITES`.
const GENERATE: &[&str] = &[
    "sessions.sweep_client",
    "sessions.insert",
    "sessions.step",
    "wallet.confirm",
];
const PRESIGN_SIGN_BACKUP: &[&str] = &[
    "presignatures.sweep_client",
    "sessions.sweep_client",
    "sessions.insert",
    "sessions.step",
    "presignatures.spend",
    "idempotency.ed25519",
    "idempotency.bip340",
    "backup.client",
];
const RESHARE: &[&str] = &[
    "sessions.sweep_client",
    "sessions.insert",
    "sessions.step",
    "wallet.confirm",
];
const OTHERS: &[&str] = &[
    "paillier.add",
    "sweep",
    "paillier.take",
    "sessions.end",
    "sessions.fail",
    "sessions.expire",
    "clients.insert",
];

/// The test killed at every write of `expected`; and the lists cover every write.
fn covered(killed: &BTreeSet<String>, expected: &[&str]) {
    for write in expected {
        assert!(
            killed.contains(*write),
            "{write} was never killed at: {killed:?}"
        );
    }
    let listed: BTreeSet<&str> = [GENERATE, PRESIGN_SIGN_BACKUP, RESHARE, OTHERS, NOT_HERE]
        .concat()
        .into_iter()
        .collect();
    let all: BTreeSet<&str> = WRITES.iter().copied().collect();
    assert_eq!(
        listed, all,
        "the writes this file kills at vs. crash::WRITES"
    );
}
