//! `tandem-bench-server abuse`: the latency of well-behaved clients while another one abuses
//! the service, next to their latency alone.
//!
//! `cargo run --release -p tandem-benches --bin tandem-bench-server -- abuse [--seconds 10]
//! [--json]`
//!
//! One server process on SQLite with the default limits (the abuse limits on: 8 open
//! sessions and 30 generate/recover/refresh sessions an hour per client, 20 failed
//! authentications a minute per address, 1000 connections, 30 s header and body timeouts).
//! Four victims, each with a wallet, co-sign Ed25519 at a steady pace (one signature every
//! 50 ms each, 80 a second in all: a latency measurement, not a throughput one) through four
//! phases of `--seconds` each:
//!
//! 1. alone;
//! 2. an abuser running `generate` back to back (a new client each time, since a client has
//!    one wallet; the server spends seconds of CPU on each aux info);
//! 3. 500 connections that send half a request line and then nothing (slow clients);
//! 4. requests with wrong API keys as fast as one thread sends them (a brute force), from
//!    127.0.0.2: the lockout is per network address, and on 127.0.0.1 it would lock the
//!    victims out with the abuser (a first run did exactly that: 792 of 796 refused).
//!
//! Everything (victims, abuser, server) shares this machine's cores: in phase 2 the abuser's
//! own client work competes with the server for the CPU, which the figure includes.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tandem_cli::http::HttpTransport;
use tandem_client::{Client, FsDevice};
use tandem_testkit::wallet::FixturePrimes;
use tandem_wallet::Zeroizing;

/// The abuse bench's options.
pub(crate) struct Abuse {
    pub(crate) seconds: u64,
}

type Phone = Client<HttpTransport, FsDevice>;

fn phone(url: &str, admin: &Zeroizing<String>, dir: &Path, name: &str) -> Result<Phone, String> {
    let created = crate::admin_post(url, admin)?;
    Ok(Client::with_paillier_keys(
        HttpTransport::new(url, Zeroizing::new(created.api_key.clone()))?,
        FsDevice::create(dir.join(name)).map_err(|e| e.to_string())?,
        created.client_id.clone(),
        FixturePrimes::new(),
    ))
}

/// The victims sign for `window`, paced; their latencies (sorted) and failures.
fn victims(phones: &[Phone], window: Duration) -> (Vec<Duration>, u64) {
    let failures = AtomicU64::new(0);
    let started = Instant::now();
    let mut all: Vec<Duration> = std::thread::scope(|s| {
        let hs: Vec<_> = phones
            .iter()
            .map(|p| {
                let failures = &failures;
                s.spawn(move || {
                    let mut mine = Vec::new();
                    let mut n = 0u64;
                    while started.elapsed() < window {
                        let next = Instant::now() + Duration::from_millis(50);
                        let t = Instant::now();
                        match p.sign_ed25519(&n.to_be_bytes(), &mut |_| {}) {
                            Ok(_) => mine.push(t.elapsed()),
                            Err(_) => {
                                failures.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        n += 1;
                        std::thread::sleep(next.saturating_duration_since(Instant::now()));
                    }
                    mine
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    all.sort();
    (all, failures.load(Ordering::Relaxed))
}

fn phase(
    name: &str,
    latencies: &[Duration],
    failures: u64,
    abuser: serde_json::Value,
) -> serde_json::Value {
    eprintln!(
        "{name}: p50 {:.1} ms, p99 {:.1} ms, {} signatures, {failures} failed",
        crate::percentile(latencies, 500),
        crate::percentile(latencies, 990),
        latencies.len()
    );
    json!({
        "phase": name,
        "victim_signatures": latencies.len(),
        "victim_failures": failures,
        "p50_ms": crate::percentile(latencies, 500),
        "p99_ms": crate::percentile(latencies, 990),
        "abuser": abuser,
    })
}

/// Runs the bench; its report.
pub(crate) fn run(o: &Abuse) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let database = format!("sqlite://{}", dir.path().join("bench.sqlite").display());
    let (mut server, url) = crate::start_server_with(&database, dir.path(), true)?;
    let result = measure(o, &url, dir.path());
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn measure(o: &Abuse, url: &str, dir: &Path) -> Result<serde_json::Value, String> {
    let admin = Zeroizing::new(
        std::fs::read_to_string(dir.join("admin.token"))
            .map_err(|e| e.to_string())?
            .trim()
            .to_owned(),
    );
    let phones: Vec<Phone> = (0..4)
        .map(|i| phone(url, &admin, dir, &format!("victim-{i}")))
        .collect::<Result<_, _>>()?;
    for p in &phones {
        p.generate(&mut |_| {}).map_err(|e| e.to_string())?;
    }
    let window = Duration::from_secs(o.seconds);
    let mut phases = Vec::new();

    let (l, f) = victims(&phones, window);
    phases.push(phase("alone", &l, f, json!(null)));

    // 2. generate back to back.
    let stop = AtomicBool::new(false);
    let (l, f, made) = std::thread::scope(|s| {
        let abuser = s.spawn(|| {
            let mut made = 0u64;
            let mut k = 0;
            while !stop.load(Ordering::SeqCst) {
                k += 1;
                if let Ok(p) = phone(url, &admin, dir, &format!("abuser-{k}"))
                    && p.generate(&mut |_| {}).is_ok()
                {
                    made += 1;
                }
            }
            made
        });
        let (l, f) = victims(&phones, window);
        stop.store(true, Ordering::SeqCst);
        (l, f, abuser.join().unwrap_or(0))
    });
    phases.push(phase(
        "generate_loop",
        &l,
        f,
        json!({ "wallets_generated": made }),
    ));

    // 3. Slow clients: half a request line, then nothing.
    let host = url.trim_start_matches("http://").to_owned();
    let mut slow = Vec::new();
    for _ in 0..500 {
        if let Ok(mut c) = TcpStream::connect(&host) {
            let _ = c.write_all(b"POST /v1/sign/ed25519 HT");
            slow.push(c);
        }
    }
    let (l, f) = victims(&phones, window);
    phases.push(phase(
        "slow_connections",
        &l,
        f,
        json!({ "connections_held": slow.len() }),
    ));
    drop(slow);

    // 4. Wrong keys, one thread, as fast as it goes.
    let stop = Arc::new(AtomicBool::new(false));
    let (l, f, sent) = std::thread::scope(|s| {
        let abuser = s.spawn(|| {
            let mut sent = 0u64;
            let Ok(http) = reqwest::blocking::Client::builder()
                .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
                .build()
            else {
                return 0;
            };
            let target = format!("{url}/v1/clients/{}", "0".repeat(32));
            let key = format!("tdk_{}_{}", "0".repeat(32), "1".repeat(64));
            while !stop.load(Ordering::SeqCst) {
                let _ = http.get(&target).bearer_auth(&key).send();
                sent += 1;
            }
            sent
        });
        let (l, f) = victims(&phones, window);
        stop.store(true, Ordering::SeqCst);
        (l, f, abuser.join().unwrap_or(0))
    });
    phases.push(phase("wrong_keys", &l, f, json!({ "requests_sent": sent })));

    Ok(json!({
        "database": "sqlite",
        "victims": phones.len(),
        "pace_ms": 50,
        "seconds_per_phase": o.seconds,
        "phases": phases,
    }))
}
