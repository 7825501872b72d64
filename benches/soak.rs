//! `tandem-bench-server soak`: the service for N minutes under every operation at once, with
//! one of its two replicas killed and started again every minute.
//!
//! `cargo run --release -p tandem-benches --bin tandem-bench-server -- soak [--minutes 10]
//! [--clients 8] [--database postgres://…] [--json]`
//!
//! Two server processes (this binary's `serve`) share one PostgreSQL database (a throwaway
//! cluster made here unless `--database` names one). Each client, on its own thread, creates
//! its wallet and then loops through Ed25519 and ECDSA signatures, presigning, backups and
//! recoveries on a new device, its requests spread over both replicas. Replica B is killed
//! (SIGKILL) at 0:30, 1:30, 2:30, … and started again 3 s later; replica A runs throughout, so its
//! memory, sampled every 5 s, shows growth if there is any. The report: the operations
//! completed by kind, the failures by class (a replica down, the database unavailable, and
//! anything else, which is a finding), every signature checked against the wallet's keys
//! (k256, ed25519-dalek), and replica A's memory over time (each minute's median), with its
//! growth over the second half of the run (see `run`). The wallets' Paillier keys are the
//! public fixture keys (what is measured is the service, not prime search).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use serde_json::json;
use tandem_cli::http::HttpTransport;
use tandem_client::device::names;
use tandem_client::{Client, ClientError, DeviceStore, FsDevice, Request, Response, Transport};
use tandem_testkit::postgres::Postgres;
use tandem_testkit::wallet::FixturePrimes;
use tandem_wallet::{BackupKey, WalletInfo, Zeroizing};

/// How long replica B stays down each time it is killed.
const DOWN: Duration = Duration::from_secs(3);

/// The soak's options.
pub(crate) struct Soak {
    pub(crate) minutes: f64,
    pub(crate) clients: usize,
    pub(crate) database: Option<String>,
}

/// The replicas' current addresses (replica B's changes when it starts again).
type Urls = Arc<RwLock<Vec<String>>>;

/// A client's requests spread over the replicas (one HTTP client per address).
struct Replicas {
    urls: Urls,
    key: Zeroizing<String>,
    next: AtomicUsize,
    http: Mutex<HashMap<String, Arc<HttpTransport>>>,
}

impl Transport for Replicas {
    fn send(&self, request: Request) -> Result<Response, ClientError> {
        let url = {
            let urls = self
                .urls
                .read()
                .map_err(|_| ClientError::Transport("replica list poisoned".into()))?;
            let i = self.next.fetch_add(1, Ordering::Relaxed) % urls.len().max(1);
            urls.get(i).cloned().unwrap_or_default()
        };
        let http = {
            let mut cache = self
                .http
                .lock()
                .map_err(|_| ClientError::Transport("transport cache poisoned".into()))?;
            match cache.get(&url) {
                Some(t) => t.clone(),
                None => {
                    let t = Arc::new(
                        HttpTransport::new(&url, self.key.clone())
                            .map_err(ClientError::Transport)?,
                    );
                    cache.insert(url, t.clone());
                    t
                }
            }
        };
        http.send(request)
    }
}

/// What the clients did, shared by their threads.
#[derive(Default)]
struct Tally {
    ops: BTreeMap<String, u64>,
    errors: BTreeMap<String, u64>,
    unexpected: Vec<String>,
    signatures: u64,
    verified: u64,
    /// The clients that have completed an ECDSA signature (the server then holds their
    /// secp256k1 share and its prover tables in its cache).
    signed_ecdsa: std::collections::BTreeSet<usize>,
    /// When the last of them did (seconds from the start): the end of the warm-up.
    warm_s: Option<u64>,
}

impl Tally {
    fn ok(&mut self, op: &str) {
        *self.ops.entry(op.to_owned()).or_default() += 1;
    }

    /// Counts a failure by class: a replica down (no answer), the database unavailable
    /// (503) are what the kills cause, and a device left without the current pair by a
    /// recovery whose answer they lost (`device_replaced`, recovered again); anything else
    /// is kept for the report.
    fn failed(&mut self, op: &str, e: &ClientError) {
        let class = match e {
            ClientError::Transport(_) => "replica_down".to_owned(),
            ClientError::Server { code, .. } => match code {
                tandem_client::api::ErrorCode::Unavailable => "unavailable".to_owned(),
                other => format!("server_{other:?}"),
            },
            other => format!("client_{}", kind(other)),
        };
        let expected =
            ["replica_down", "unavailable"].contains(&class.as_str()) || op == "device_replaced";
        if !expected && self.unexpected.len() < 50 {
            self.unexpected.push(format!("{op}: {e}"));
        }
        let class = if op == "device_replaced" {
            "device_replaced".to_owned()
        } else {
            class
        };
        *self.errors.entry(class).or_default() += 1;
    }
}

fn kind(e: &ClientError) -> String {
    let text = format!("{e:?}");
    text.split(['(', ' ', '{'])
        .next()
        .unwrap_or("other")
        .to_owned()
}

/// A field of the process's `/proc/<pid>/status` (`VmRSS` in KiB, `Threads`), or 0.
fn status_field(child: &Child, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.split(':').next() == Some(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Replica A's memory and threads now.
fn sample(child: &Child, start: Instant) -> serde_json::Value {
    json!({
        "s": start.elapsed().as_secs(),
        "rss_kib": status_field(child, "VmRSS"),
        "threads": status_field(child, "Threads"),
    })
}

type Phone = Client<Replicas, FsDevice>;

fn new_phone(
    urls: &Urls,
    key: &Zeroizing<String>,
    client_id: &str,
    store: &Path,
) -> Result<Phone, String> {
    Ok(Client::with_paillier_keys(
        Replicas {
            urls: urls.clone(),
            key: key.clone(),
            next: AtomicUsize::new(0),
            http: Mutex::new(HashMap::new()),
        },
        FsDevice::create(store).map_err(|e| e.to_string())?,
        client_id,
        FixturePrimes::new(),
    ))
}

/// Whether the device holds signing shares of both curves (`info` answers from the server's
/// public view for a device that holds none).
fn holds_shares(phone: &Phone) -> Result<bool, ClientError> {
    let device = phone.device();
    Ok(device.read(names::SECP256K1_SHARE)?.is_some()
        && device.read(names::ED25519_SHARE)?.is_some())
}

/// Who signs, for the warm-up's end: client `i` of `clients`, the soak started at `start`.
#[derive(Clone, Copy)]
struct Signer {
    i: usize,
    clients: usize,
    start: Instant,
}

/// One signature of each curve, checked against the wallet's keys.
fn sign_both(phone: &Phone, info: &WalletInfo, n: u64, who: Signer, tally: &Mutex<Tally>) {
    let mut digest = [7u8; 32];
    for (d, b) in digest.iter_mut().zip(n.to_le_bytes()) {
        *d = b;
    }
    let secp = phone.sign_secp256k1(&digest, &mut |_| {});
    let ed = phone.sign_ed25519(&digest, &mut |_| {});
    if secp.is_err() || ed.is_err() {
        std::thread::sleep(Duration::from_millis(100));
    }
    let Ok(mut t) = tally.lock() else { return };
    match secp {
        Ok(signed) => {
            t.ok("sign_secp256k1");
            t.signatures += 1;
            if t.signed_ecdsa.insert(who.i)
                && t.signed_ecdsa.len() == who.clients
                && t.warm_s.is_none()
            {
                t.warm_s = Some(who.start.elapsed().as_secs());
            }
            let good = signed.signature.to_k256().is_ok_and(|s| {
                k256::ecdsa::VerifyingKey::from(&info.public_keys.secp256k1)
                    .verify_prehash(&digest, &s)
                    .is_ok()
            });
            t.verified += u64::from(good);
        }
        Err(e) => t.failed("sign_secp256k1", &e),
    }
    match ed {
        Ok(sig) => {
            t.ok("sign_ed25519");
            t.signatures += 1;
            t.verified += u64::from(
                info.public_keys
                    .ed25519
                    .verify_strict(&digest, &sig)
                    .is_ok(),
            );
        }
        Err(e) => t.failed("sign_ed25519", &e),
    }
}

/// One client's life until `until`: its wallet, then signatures, presignatures, backups and
/// recoveries on a new device.
fn client_loop(
    who: Signer,
    urls: &Urls,
    admin: &Zeroizing<String>,
    dir: &Path,
    until: Instant,
    tally: &Mutex<Tally>,
) -> Result<(), String> {
    let created = loop {
        let a = urls
            .read()
            .ok()
            .and_then(|u| u.first().cloned())
            .unwrap_or_default();
        match crate::admin_post(&a, admin) {
            Ok(c) => break c,
            Err(_) if Instant::now() < until => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => return Err(e),
        }
    };
    let key = Zeroizing::new(created.api_key.clone());
    let mut device = 0;
    let i = who.i;
    let store = |device: usize| -> PathBuf { dir.join(format!("client-{i}-device-{device}")) };
    let mut phone = new_phone(urls, &key, &created.client_id, &store(device))?;
    let password = BackupKey::Password(Zeroizing::new(format!("soak {i}").into_bytes()));
    let mut backed_up = false;
    let mut n: u64 = 0;
    while Instant::now() < until {
        n += 1;
        // The wallet first (again after a generate that failed half-way); a device left
        // without the current pair (a recovery whose answer was lost, committed after all)
        // is replaced by a recovery, as a user would do.
        let mut lost = false;
        let info = match phone.info(&mut |_| {}) {
            Ok(info) if holds_shares(&phone).unwrap_or(true) => Some(info),
            Ok(_) if backed_up => {
                count(tally, "device_replaced", Err(ClientError::NoWallet));
                lost = true;
                None
            }
            Ok(info) => Some(info),
            Err(ClientError::NoWallet) if !backed_up => match phone.generate(&mut |_| {}) {
                Ok(info) => {
                    count(tally, "generate", Ok(()));
                    Some(info)
                }
                Err(e) => {
                    count(tally, "generate", Err(e));
                    let _ = phone.settle();
                    None
                }
            },
            Err(e @ (ClientError::NoWallet | ClientError::StaleDevice { .. })) => {
                count(tally, "device_replaced", Err(e));
                lost = true;
                None
            }
            Err(e) => {
                count(tally, "info", Err(e));
                None
            }
        };
        if let Some(info) = &info {
            sign_both(&phone, info, n, who, tally);
        } else if !lost {
            continue;
        }
        let (op, result) = match if lost { 7 } else { n % 8 } {
            3 => ("presign", phone.presign(2, &mut |_| {}).map(drop)),
            5 => {
                let r = phone.backup(&password, &mut |_| {}).map(drop);
                backed_up |= r.is_ok();
                ("backup", r)
            }
            7 if backed_up => {
                // The device is lost: recover on a new one, which then carries on. A
                // recovery whose answer was lost may have been committed: the new device
                // settles (again while a replica is down), and carries on if it holds the
                // wallet's current pair.
                device += 1;
                let next = new_phone(urls, &key, &created.client_id, &store(device))?;
                let r = next.recover(&password, &mut |_| {}).map(drop);
                let mut settled = r.is_ok();
                for _ in 0..50 {
                    if settled {
                        break;
                    }
                    // `info` answers from the server for a device without shares: the new
                    // device carries on only if it holds the pair the server calls current.
                    match next
                        .settle()
                        .and_then(|()| next.info(&mut |_| {}).map(drop))
                        .and_then(|()| holds_shares(&next))
                    {
                        Ok(true) => settled = true,
                        Ok(false) => break,
                        Err(ClientError::Transport(_)) => {
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        Err(_) => break,
                    }
                }
                if settled {
                    phone = next;
                }
                ("recover", r)
            }
            _ => continue,
        };
        if result.is_err() {
            let _ = phone.settle();
        }
        count(tally, op, result);
    }
    Ok(())
}

/// Counts an operation's outcome; after a failure, waits a moment (a replica that is down
/// stays down for seconds: no busy loop against it).
fn count(tally: &Mutex<Tally>, op: &str, result: Result<(), ClientError>) {
    let failed = result.is_err();
    if let Ok(mut t) = tally.lock() {
        match result {
            Ok(()) => t.ok(op),
            Err(e) => t.failed(op, &e),
        }
    }
    if failed {
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs the soak; its report.
pub(crate) fn run(o: &Soak) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let cluster;
    let database = match &o.database {
        Some(url) => url.clone(),
        None => {
            cluster = Postgres::start().ok_or("PostgreSQL is not installed (initdb, pg_ctl)")?;
            cluster.url()
        }
    };
    let server_dir = dir.path().join("server");
    std::fs::create_dir_all(&server_dir).map_err(|e| e.to_string())?;
    let (mut a, url_a) = crate::start_server(&database, &server_dir)?;
    let (mut b, url_b) = crate::start_server(&database, &server_dir)?;
    let admin = Zeroizing::new(
        std::fs::read_to_string(server_dir.join("admin.token"))
            .map_err(|e| e.to_string())?
            .trim()
            .to_owned(),
    );
    let urls: Urls = Arc::new(RwLock::new(vec![url_a, url_b]));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(o.minutes * 60.0);
    let workers: Vec<_> = (0..o.clients)
        .map(|i| {
            let (urls, admin, tally) = (urls.clone(), admin.clone(), tally.clone());
            let dir = dir.path().to_path_buf();
            let who = Signer {
                i,
                clients: o.clients,
                start,
            };
            std::thread::spawn(move || client_loop(who, &urls, &admin, &dir, until, &tally))
        })
        .collect();
    // Replica B killed at 0:30 and every minute after; A's memory every 5 s.
    let mut kills = Vec::new();
    let mut memory = Vec::new();
    let mut next_kill = start + Duration::from_secs(30);
    let mut next_sample = start;
    while Instant::now() < until {
        let now = Instant::now();
        if now >= next_sample {
            memory.push(sample(&a, start));
            next_sample += Duration::from_secs(5);
        }
        if now >= next_kill {
            let _ = b.kill();
            let _ = b.wait();
            let killed_at = start.elapsed().as_secs_f64();
            // Down for a while (a process manager's restart), so that requests meet it dead.
            std::thread::sleep(DOWN);
            let (nb, url) = crate::start_server(&database, &server_dir)?;
            b = nb;
            if let Ok(mut u) = urls.write()
                && let Some(slot) = u.get_mut(1)
            {
                *slot = url;
            }
            kills.push(json!({
                "at_s": (killed_at * 10.0).round() / 10.0,
                "down_ms": ((start.elapsed().as_secs_f64() - killed_at) * 1e3).round(),
            }));
            next_kill += Duration::from_secs(60);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut worker_errors = Vec::new();
    for w in workers {
        match w.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => worker_errors.push(e),
            Err(_) => worker_errors.push("a client thread panicked".to_owned()),
        }
    }
    memory.push(sample(&a, start));
    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();
    let t = tally.lock().map_err(|_| "tally poisoned")?;
    let rss: Vec<u64> = memory
        .iter()
        .filter_map(|m| m["rss_kib"].as_u64())
        .collect();
    // Memory over time: the median of each minute. Growth: the last minute's median against
    // that of the minute half-way through, and never earlier than a minute after the
    // warm-up. The warm-up lasts until every client has signed with ECDSA once: until then
    // the server's share cache fills (each client's secp256k1 share with its prover tables,
    // ~28 MiB, up to the soak's 256 MiB budget), memory the server is meant to use. After
    // it, the resident size still rises for a few minutes while the allocator's arenas
    // reach the high-water mark of the concurrent sessions' temporary memory (a heap
    // profile shows the live heap flat at the cache's bound meanwhile: BENCHMARKS.md). A
    // leak grows for the whole run, so the second half shows it; the settling does not.
    let window = |from: u64, to: u64| -> Option<u64> {
        let mut v: Vec<u64> = memory
            .iter()
            .filter(|m| m["s"].as_u64().is_some_and(|s| s >= from && s < to))
            .filter_map(|m| m["rss_kib"].as_u64())
            .collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    };
    let total = start.elapsed().as_secs();
    let by_minute: Vec<Option<u64>> = (0..total.div_ceil(60))
        .map(|m| window(m * 60, m * 60 + 60).map(|k| k / 1024))
        .collect();
    let from = t.warm_s.map(|w| (w + 60).max(total / 2));
    let growth = match (
        from.and_then(|f| window(f, f + 60)),
        window(total.saturating_sub(60), total + 1),
    ) {
        (Some(first), Some(last)) if from.is_some_and(|f| total >= f + 120) && first > 0 => {
            json!(((last as f64 / first as f64 - 1.0) * 1000.0).round() / 10.0)
        }
        _ => json!(null),
    };
    Ok(json!({
        "minutes": o.minutes,
        "clients": o.clients,
        "replicas": 2,
        "database": "postgresql",
        "operations": t.ops,
        "operations_total": t.ops.values().sum::<u64>(),
        "errors": t.errors,
        "unexpected_errors": t.unexpected,
        "signatures": t.signatures,
        "signatures_verified": t.verified,
        "replica_b_kills": kills,
        "replica_a_rss_kib": { "min": rss.iter().min(), "max": rss.iter().max(), "samples": memory },
        "replica_a_rss_mib_by_minute": by_minute,
        "warm_up_s": t.warm_s,
        "replica_a_rss_growth_from_s": from,
        "replica_a_rss_growth_percent": growth,
        "client_threads_failed": worker_errors,
    }))
}
