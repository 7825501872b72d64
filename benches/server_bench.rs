//! `tandem-bench-server`: the service under load, over loopback HTTP, with the server in its
//! own process (this binary with `serve`), so that its CPU time is measured apart from the
//! clients' (`/proc/<pid>/stat`).
//!
//! `cargo run --release -p tandem-benches --bin tandem-bench-server -- [--database URL]
//! [--clients 32] [--seconds 10] [--presignatures 100] [--json]`
//!
//! 1. setup: `--clients` clients created with the admin token, one wallet each (generated
//!    two at a time; the Paillier keys are the public fixture keys, which changes nothing in
//!    the figures below);
//! 2. Ed25519: every client co-signs in a loop on its own thread for `--seconds`:
//!    signatures per second end to end, p50/p99 latency, the server's CPU per signature;
//! 3. presigning: `--presignatures` presignatures made by two clients at once: presignatures
//!    per second, per second per server core, the server's CPU per presignature;
//! 4. secp256k1 online: one signature after another from those pools: p50/p99 latency, the
//!    server's CPU per signature.
//!
//! `soak`: every operation at once for N minutes against two replicas on PostgreSQL, one
//! killed every minute (`soak.rs`). `abuse`: well-behaved clients' latency while another
//! abuses the service (`abuse.rs`).

#![forbid(unsafe_code)]
#![allow(clippy::print_stdout)]

mod abuse;
mod soak;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tandem_cli::http::HttpTransport;
use tandem_client::api::{self, CreatedClient};
use tandem_client::{Body, Client, FsDevice, Method, Request, Transport};
use tandem_testkit::wallet::FixturePrimes;
use tandem_wallet::Zeroizing;

struct Options {
    database: Option<String>,
    clients: usize,
    seconds: u64,
    presignatures: usize,
    json: bool,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        database: None,
        clients: 32,
        seconds: 10,
        presignatures: 100,
        json: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--database" => o.database = Some(value()?),
            "--clients" => o.clients = value()?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--seconds" => o.seconds = value()?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--presignatures" => {
                o.presignatures = value()?.parse().map_err(|e| format!("{a}: {e}"))?;
            }
            "--json" => o.json = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

/// `soak [--minutes 10] [--clients 8] [--database URL] [--json]`.
fn soak_options(args: &[String]) -> Result<(soak::Soak, bool), String> {
    let mut o = soak::Soak {
        minutes: 10.0,
        clients: 8,
        database: None,
    };
    let mut json = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--minutes" => o.minutes = value()?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--clients" => o.clients = value()?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--database" => o.database = Some(value()?),
            "--json" => json = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((o, json))
}

/// `serve DATABASE DIR [defaults]`: the server, in this process (with `defaults`, the
/// default limits: the abuse bench).
fn serve(database: &str, dir: &Path, defaults: bool) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let config = tandem_server::Config {
            database: database.to_owned(),
            key_file: dir.join("master.key"),
            admin_key_file: dir.join("admin.token"),
            spend_anchor: dir.join("spend.anchor"),
            limits: if defaults {
                tandem_server::Limits {
                    paillier_pool: 0,
                    ..tandem_server::Limits::default()
                }
            } else {
                tandem_server::Limits {
                    paillier_pool: 0,
                    sessions_per_client: 64,
                    // A benchmark runs the operations back to back on purpose.
                    expensive_sessions_per_hour: 0,
                    // Room for the parsed secp256k1 shares of the clients that sign (the soak's
                    // 8 or the bench's 2), not more: the soak's memory figure then shows any
                    // growth beyond this bound.
                    share_cache_mib: 256,
                    ..tandem_server::Limits::default()
                }
            },
            paillier: Arc::new(FixturePrimes::new()),
            custodian: tandem_server::Custodian::Provider,
        };
        let app = tandem_server::build(config)
            .await
            .map_err(|e| e.to_string())?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
        tandem_server::serve(listener, app, std::future::pending())
            .await
            .map_err(|e| e.to_string())
    })
}

/// The server process: CPU seconds so far (user + system, from /proc).
fn cpu_seconds(child: &Child) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", child.id())) else {
        return f64::NAN;
    };
    // Fields after the command name (which may contain spaces): state is field 3; utime and
    // stime are fields 14 and 15.
    let Some(rest) = stat.rsplit(')').next() else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // `rest` starts at field 3 (state): utime is field 14 → index 11.
    (ticks(11) + ticks(12)) / 100.0
}

/// The `per_mille`-th of 1000 quantile of sorted samples, in milliseconds.
fn percentile(sorted: &[Duration], per_mille: usize) -> f64 {
    let i = sorted.len().saturating_sub(1) * per_mille / 1000;
    sorted.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

fn admin_post(url: &str, token: &Zeroizing<String>) -> Result<CreatedClient, String> {
    let t = HttpTransport::new(url, token.clone())?;
    let r = t
        .send(Request {
            method: Method::Post,
            path: api::path::CLIENTS.into(),
            body: Body::Empty,
            idempotency_key: None,
            step: None,
        })
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&r.body).map_err(|e| e.to_string())
}

/// A server process (this binary's `serve`) on `database` with its key files in `dir`, and
/// its URL once it listens.
fn start_server(database: &str, dir: &Path) -> Result<(Child, String), String> {
    start_server_with(database, dir, false)
}

/// As [`start_server`]; `defaults`: with the default limits.
fn start_server_with(
    database: &str,
    dir: &Path,
    defaults: bool,
) -> Result<(Child, String), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut server = Command::new(exe)
        .arg("serve")
        .arg(database)
        .arg(dir)
        .args(defaults.then_some("defaults"))
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    if let Some(out) = server.stdout.take() {
        BufReader::new(out)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
    }
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or("the server did not start")?
        .to_owned();
    Ok((server, url))
}

fn run(o: &Options) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let database = o
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.sqlite").display()));
    let (mut server, url) = start_server(&database, dir.path())?;
    let token = Zeroizing::new(
        std::fs::read_to_string(dir.path().join("admin.token"))
            .map_err(|e| e.to_string())?
            .trim()
            .to_owned(),
    );
    let result = measure(o, &url, &token, dir.path(), &server, &database);
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn measure(
    o: &Options,
    url: &str,
    token: &Zeroizing<String>,
    dir: &Path,
    server: &Child,
    database: &str,
) -> Result<serde_json::Value, String> {
    // 1. Setup.
    let start = Instant::now();
    let mut devices = Vec::new();
    for i in 0..o.clients {
        let created = admin_post(url, token)?;
        let transport = HttpTransport::new(url, Zeroizing::new(created.api_key.clone()))?;
        let device =
            FsDevice::create(dir.join(format!("device-{i}"))).map_err(|e| e.to_string())?;
        devices.push(Client::with_paillier_keys(
            transport,
            device,
            created.client_id.clone(),
            FixturePrimes::new(),
        ));
    }
    for pair in devices.chunks(2) {
        std::thread::scope(|s| {
            let hs: Vec<_> = pair
                .iter()
                .map(|d| s.spawn(|| d.generate(&mut |_| {})))
                .collect();
            hs.into_iter()
                .map(|h| {
                    h.join()
                        .map_err(|_| "a thread panicked".to_string())?
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<Vec<()>, String>>()
        })?;
    }
    eprintln!(
        "setup: {} wallets in {:.1} s",
        o.clients,
        start.elapsed().as_secs_f64()
    );

    // 2. Ed25519 under load: every device signs in a loop.
    let cpu0 = cpu_seconds(server);
    let window = Duration::from_secs(o.seconds);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let hs: Vec<_> = devices
            .iter()
            .map(|d| {
                s.spawn(move || {
                    let mut mine = Vec::new();
                    let mut n = 0u64;
                    while started.elapsed() < window {
                        let t = Instant::now();
                        let msg = n.to_be_bytes();
                        if d.sign_ed25519(&msg, &mut |_| {}).is_ok() {
                            mine.push(t.elapsed());
                        }
                        n += 1;
                    }
                    mine
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let ed_cpu = cpu_seconds(server) - cpu0;
    latencies.sort();
    let ed_count = latencies.len();
    let ed = json!({
        "clients": o.clients,
        "signatures": ed_count,
        "per_second": ed_count as f64 / elapsed,
        "p50_ms": percentile(&latencies, 500),
        "p99_ms": percentile(&latencies, 990),
        "server_cpu_us_per_signature": ed_cpu / ed_count.max(1) as f64 * 1e6,
    });
    eprintln!("ed25519: {ed}");

    // 3. Presigning: two devices at once.
    let makers = devices.iter().take(2).collect::<Vec<_>>();
    let per = o.presignatures.div_ceil(makers.len().max(1));
    let cpu0 = cpu_seconds(server);
    let started = Instant::now();
    std::thread::scope(|s| {
        let hs: Vec<_> = makers
            .iter()
            .map(|d| s.spawn(move || d.presign(per, &mut |_| {}).map_err(|e| e.to_string())))
            .collect();
        hs.into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| "a thread panicked".to_string())?
                    .map(|_| ())
            })
            .collect::<Result<Vec<()>, String>>()
    })?;
    let presign_wall = started.elapsed().as_secs_f64();
    let presign_cpu = cpu_seconds(server) - cpu0;
    let made = per * makers.len();
    let presign = json!({
        "presignatures": made,
        "per_second": made as f64 / presign_wall,
        "server_cpu_ms_per_presignature": presign_cpu / made.max(1) as f64 * 1e3,
        "per_second_per_server_core": made as f64 / presign_cpu,
    });
    eprintln!("presign: {presign}");

    // 4. secp256k1 online signatures from the pools, one after another.
    let cpu0 = cpu_seconds(server);
    let mut online = Vec::new();
    for d in &makers {
        for i in 0..per {
            let digest = [u8::try_from(i % 251).unwrap_or(0); 32];
            let t = Instant::now();
            d.sign_secp256k1(&digest, &mut |_| {})
                .map_err(|e| e.to_string())?;
            online.push(t.elapsed());
        }
    }
    let online_cpu = cpu_seconds(server) - cpu0;
    online.sort();
    let secp = json!({
        "signatures": online.len(),
        "p50_ms": percentile(&online, 500),
        "p99_ms": percentile(&online, 990),
        "server_cpu_us_per_signature": online_cpu / online.len().max(1) as f64 * 1e6,
    });
    eprintln!("secp256k1 online: {secp}");
    Ok(json!({
        "database": if database.starts_with("sqlite") { "sqlite" } else { "postgres" },
        "ed25519": ed,
        "presign": presign,
        "secp256k1_online": secp,
    }))
}

/// Prints a report: one line of JSON (`--json`) or indented.
fn print_report(report: &serde_json::Value, json: bool) {
    if json {
        println!("{report}");
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => match (args.get(1), args.get(2)) {
            (Some(db), Some(dir)) => serve(
                db,
                Path::new(dir),
                args.get(3).is_some_and(|a| a == "defaults"),
            ),
            _ => Err("serve DATABASE DIR [defaults]".into()),
        },
        Some("abuse") => {
            let mut o = abuse::Abuse { seconds: 10 };
            let mut json = false;
            let mut it = args.iter().skip(1);
            let mut parsed = Ok(());
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--seconds" => match it.next().and_then(|v| v.parse().ok()) {
                        Some(v) => o.seconds = v,
                        None => parsed = Err("--seconds needs a number".to_owned()),
                    },
                    "--json" => json = true,
                    other => parsed = Err(format!("unknown argument {other}")),
                }
            }
            parsed.and_then(|()| {
                print_report(&abuse::run(&o)?, json);
                Ok(())
            })
        }
        Some("soak") => soak_options(args.get(1..).unwrap_or_default()).and_then(|(o, json)| {
            let report = soak::run(&o)?;
            print_report(&report, json);
            let empty = |field: &str| {
                report
                    .get(field)
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(Vec::is_empty)
            };
            let clean = empty("unexpected_errors")
                && empty("client_threads_failed")
                && report.get("signatures") == report.get("signatures_verified");
            if clean {
                Ok(())
            } else {
                Err("the soak found failures (see unexpected_errors)".into())
            }
        }),
        _ => options(&args).and_then(|o| {
            print_report(&run(&o)?, o.json);
            Ok(())
        }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tandem-bench-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
