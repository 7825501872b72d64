//! `tandem-bench`: measures the engine on this machine and prints medians (a table, or one
//! JSON object with `--json`; `--quick` for few repetitions, about a minute):
//! `cargo run --release -p tandem-benches --bin tandem-bench -- [--quick] [--json]`. Protocol figures are the CPU time of both parties on one
//! thread (the in-memory driver, every message through its byte encoding), except the two
//! named wall: `generate_wallet_wall_us` (a whole `generate` with fresh primes, one thread per
//! party for the primes and for the aux info) and `aux_info_wall_us` (the aux-info part of
//! those runs).
//!
//! From the `generate` runs, the progress reports also give the time of each of the four
//! safe primes (each party searches on its own thread). `aux_info_us` reruns the aux info on
//! one thread, with the primes of the last generated wallet given.

#![forbid(unsafe_code)]
// A measuring tool prints its results.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use ed25519_dalek::Signer;
use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use rand_core::UnwrapErr;
use serde_json::json;
use tandem_curves::{CurveId, Ed25519, Secp256k1};
use tandem_paillier::paillier::SecretKey;
use tandem_paillier::parallel::ThreadPool;
use tandem_protocol::driver::{self, NoTap, parties};
use tandem_protocol::ecdsa::{self, EcdsaKeyShare};
use tandem_protocol::hd::DerivationPath;
use tandem_protocol::runner::{InMemory, Pair};
use tandem_wallet::progress::{Progress, Step};
use tandem_wallet::{FsStore, Party, Wallet};

type Rng = UnwrapErr<getrandom::SysRng>;

fn rng() -> Rng {
    UnwrapErr(getrandom::SysRng)
}

fn median(mut samples: Vec<Duration>) -> Result<u64, String> {
    samples.sort();
    let mid = samples
        .get(samples.len() / 2)
        .ok_or_else(|| "no samples".to_string())?;
    u64::try_from(mid.as_micros()).map_err(|e| e.to_string())
}

/// Times `f` `reps` times.
fn time<T>(reps: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<Vec<Duration>, String> {
    let mut out = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        std::hint::black_box(f()?);
        out.push(start.elapsed());
    }
    Ok(out)
}

/// Where the results go: a table for people, or one JSON object.
struct Output {
    json: bool,
}

impl Output {
    fn is_json(&self) -> bool {
        self.json
    }
}

/// Times one call of `f`.
fn once<T>(f: impl FnOnce() -> Result<T, String>) -> Result<Duration, String> {
    let start = Instant::now();
    std::hint::black_box(f()?);
    Ok(start.elapsed())
}

/// Runs `pair` with the in-memory executor (both parties on this thread).
fn in_memory<O1, O2>(pair: Pair<'_, Rng, Rng, O1, O2>) -> Result<(O1, O2), String> {
    InMemory::new(&mut NoTap)
        .run(pair, &mut rng(), &mut rng())
        .map_err(|e| e.to_string())
}

fn note(out: &Output, what: &str) {
    if !out.is_json() {
        eprintln!("  measuring {what}");
    }
}

/// What one `generate` run yields: its wall time, the four prime times, the aux-info time.
struct GenerateRun {
    wall: Duration,
    primes: Vec<Duration>,
    aux_info: Option<Duration>,
    /// The secp256k1 shares it stored (client, server), for the signing figures.
    shares: (EcdsaKeyShare, EcdsaKeyShare),
}

fn stored_share(store: &FsStore, party: Party) -> Result<EcdsaKeyShare, String> {
    let bytes =
        tandem_wallet::Store::read(store, party, tandem_wallet::store::names::SECP256K1_SHARE)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "generate stored no secp256k1 share".to_string())?;
    EcdsaKeyShare::from_bytes(&bytes).map_err(|e| e.to_string())
}

fn generate_once() -> Result<GenerateRun, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = FsStore::create(dir.path()).map_err(|e| e.to_string())?;
    let wallet = Wallet::new(store.clone());
    let start = Instant::now();
    let mut prime_start = [start, start];
    let mut current = [0usize, 0];
    let mut primes = Vec::new();
    let mut aux_start = None;
    let mut aux_info = None;
    wallet
        .generate(&mut |event| {
            let now = Instant::now();
            match event {
                Progress::Prime { party, prime, .. } => {
                    let i = usize::from(party == Party::Server);
                    if let (Some(cur), Some(began)) = (current.get_mut(i), prime_start.get_mut(i))
                        && prime != *cur
                    {
                        primes.push(now - *began);
                        *began = now;
                        *cur = prime;
                    }
                }
                Progress::PaillierKeyReady { party } => {
                    let i = usize::from(party == Party::Server);
                    if let Some(began) = prime_start.get(i) {
                        primes.push(now - *began);
                    }
                }
                Progress::Step {
                    step: Step::GeneratingShare,
                    curve: Some(CurveId::Secp256k1),
                    party: Party::Server,
                } => aux_start = Some(now),
                Progress::Step {
                    step: Step::StoringShare,
                    ..
                } => {
                    if let (Some(began), None) = (aux_start, aux_info) {
                        aux_info = Some(now - began);
                    }
                }
                _ => {}
            }
        })
        .map_err(|e| e.to_string())?;
    let wall = start.elapsed();
    Ok(GenerateRun {
        wall,
        primes,
        aux_info,
        shares: (
            stored_share(&store, Party::Client)?,
            stored_share(&store, Party::Server)?,
        ),
    })
}

/// One aux-info run on one thread (both parties' CPU) for a new key generation, with the
/// Paillier primes of `client` and `server` given.
fn aux_info_once(client: &EcdsaKeyShare, server: &EcdsaKeyShare) -> Result<Duration, String> {
    let (c, s) = driver::keygen::<Secp256k1, _, _, _>(&mut rng(), &mut rng(), &mut NoTap)
        .map_err(|e| e.to_string())?;
    let key = |share: &EcdsaKeyShare| {
        let own = share.own().paillier();
        SecretKey::from_primes_unchecked(*own.p(), *own.q()).map_err(|e| e.to_string())
    };
    let (ck, sk) = (key(client)?, key(server)?);
    let start = Instant::now();
    driver::aux_info(c, s, ck, sk, &mut rng(), &mut rng(), &mut NoTap)
        .map_err(|e| e.to_string())?;
    Ok(start.elapsed())
}

const USAGE: &str = "usage: tandem-bench [--quick] [--json]";

fn main() -> std::process::ExitCode {
    let (mut quick, mut json) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--json" => json = true,
            "-h" | "--help" => {
                println!("Measures the Tandem engine on this machine (medians).\n{USAGE}");
                return std::process::ExitCode::SUCCESS;
            }
            other => {
                eprintln!("tandem-bench: unexpected argument {other:?}; {USAGE}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    match run(&Output { json }, quick) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tandem-bench: {}", e.replace('\n', " "));
            std::process::ExitCode::FAILURE
        }
    }
}

/// `f` with a thread pool of `threads` entered (`tandem_paillier::parallel`): 1 is the
/// calling thread alone.
fn on_threads<T>(threads: usize, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    let pool = ThreadPool::new(threads).map_err(|e| e.to_string())?;
    let _entered = pool.enter();
    f()
}

/// `count` safe primes of 1536 bits, each timed, with a pool of `threads`.
fn safe_primes(count: usize, threads: usize) -> Result<Vec<Duration>, String> {
    on_threads(threads, || {
        time(count, || {
            tandem_paillier::primes::generate_safe_prime(&mut rng(), &mut |_| {
                core::ops::ControlFlow::Continue(())
            })
            .map_err(|e| e.to_string())
        })
    })
}

/// Runs the benchmark and prints the result. Everything runs on one thread (a one-thread pool
/// entered here) except what is measured with 2 threads per party and `generate` (a pool with
/// one thread per core, shared by both parties, as on a device running the server too).
fn run(out: &Output, quick: bool) -> Result<(), String> {
    on_threads(1, || run_measurements(out, quick))
}

fn run_measurements(out: &Output, quick: bool) -> Result<(), String> {
    let started = Instant::now();
    let (generate_runs, aux_reps, keygen_reps, sign_reps, presign_reps, full_reps, baseline_reps) =
        if quick {
            (1, 1, 30, 100, 4, 2, 300)
        } else {
            (3, 5, 200, 500, 12, 6, 2000)
        };
    let prime_reps = if quick { 2 } else { 8 };
    let cores = tandem_paillier::parallel::available_cores();

    note(out, "single-party baselines (k256, ed25519-dalek)");
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| e.to_string())?;
    // A random 32-byte string is a valid scalar except with probability ~2^-128.
    let k256_key = k256::ecdsa::SigningKey::from_slice(&secret).map_err(|e| e.to_string())?;
    let digest = [0x42u8; 32];
    let k256_sig: k256::ecdsa::Signature =
        k256_key.sign_prehash(&digest).map_err(|e| e.to_string())?;
    let k256_sign = time(baseline_reps, || {
        k256_key
            .sign_prehash(&digest)
            .map(|s: k256::ecdsa::Signature| s)
            .map_err(|e| e.to_string())
    })?;
    let k256_verify = time(baseline_reps, || {
        k256_key
            .verifying_key()
            .verify_prehash(&digest, &k256_sig)
            .map_err(|e| e.to_string())
    })?;
    let ed_key = ed25519_dalek::SigningKey::generate(&mut rng());
    let ed_sig = ed_key.sign(b"bench");
    let ed_sign = time(baseline_reps, || Ok(ed_key.sign(b"bench")))?;
    let ed_verify = time(baseline_reps, || {
        ed_key
            .verifying_key()
            .verify_strict(b"bench", &ed_sig)
            .map_err(|e| e.to_string())
    })?;

    note(out, "Ed25519 key generation and 2-of-2 signing");
    let ed_keygen = time(keygen_reps, || {
        driver::keygen::<Ed25519, _, _, _>(&mut rng(), &mut rng(), &mut NoTap)
            .map_err(|e| e.to_string())
    })?;
    let (ec, es) = driver::keygen::<Ed25519, _, _, _>(&mut rng(), &mut rng(), &mut NoTap)
        .map_err(|e| e.to_string())?;
    // The two variants interleaved, so that a slow moment of the machine hits both alike.
    let mut ed_2p_sign = Vec::with_capacity(sign_reps);
    let mut ed_2p_sign_both = Vec::with_capacity(sign_reps);
    for _ in 0..sign_reps {
        ed_2p_sign.extend(time(1, || {
            driver::eddsa_sign_for_client(&ec, &es, b"bench", &mut rng(), &mut rng(), &mut NoTap)
                .map_err(|e| e.to_string())
        })?);
        ed_2p_sign_both.extend(time(1, || {
            driver::eddsa_sign(&ec, &es, b"bench", &mut rng(), &mut rng(), &mut NoTap)
                .map_err(|e| e.to_string())
        })?);
    }

    note(out, "secp256k1 key generation");
    let secp_keygen = time(keygen_reps, || {
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(), &mut rng(), &mut NoTap)
            .map_err(|e| e.to_string())
    })?;

    note(
        out,
        "BIP340 (Taproot) 2-of-2 signing, and signing with a child key",
    );
    let (tc, ts) = driver::keygen::<Secp256k1, _, _, _>(&mut rng(), &mut rng(), &mut NoTap)
        .map_err(|e| e.to_string())?;
    let child: DerivationPath = "m/0/7".parse().map_err(|e| format!("{e}"))?;
    let master = DerivationPath::master();
    // Interleaved, as above: the wallet's key and a child two levels down (each party
    // derives the child's tweak, one HMAC-SHA512 and one base multiplication per level).
    let mut bip340_sign = Vec::with_capacity(sign_reps);
    let mut bip340_child = Vec::with_capacity(sign_reps);
    let mut ed_child = Vec::with_capacity(sign_reps);
    for _ in 0..sign_reps {
        bip340_sign.push(once(|| {
            in_memory(parties::bip340_sign_for_client(
                (&tc, &ts),
                &master,
                &digest,
            ))
        })?);
        bip340_child.push(once(|| {
            in_memory(parties::bip340_sign_for_client((&tc, &ts), &child, &digest))
        })?);
        ed_child.push(once(|| {
            in_memory(parties::eddsa_sign_for_client((&ec, &es), &child, b"bench"))
        })?);
    }
    let schnorr_key =
        k256::schnorr::SigningKey::from_slice(&[0x17; 32]).map_err(|e| e.to_string())?;
    let schnorr_sig = schnorr_key
        .sign_raw(&digest, &[7; 32])
        .map_err(|e| e.to_string())?;
    let schnorr_sign = time(baseline_reps, || {
        schnorr_key
            .sign_raw(&digest, &[7; 32])
            .map_err(|e| e.to_string())
    })?;
    let schnorr_verify = time(baseline_reps, || {
        schnorr_key
            .verifying_key()
            .verify_raw(&digest, &schnorr_sig)
            .map_err(|e| e.to_string())
    })?;

    note(
        out,
        "generate (both curves, fresh primes, one thread per party for the primes and the aux info)",
    );
    let mut generate_wall = Vec::new();
    let mut primes = Vec::new();
    let mut aux_wall = Vec::new();
    let mut shares = None;
    for _ in 0..generate_runs {
        let run = on_threads(cores, generate_once)?;
        generate_wall.push(run.wall);
        primes.extend(run.primes);
        aux_wall.extend(run.aux_info);
        shares = Some(run.shares);
    }
    let (client, server) = shares.ok_or_else(|| "no generate run".to_string())?;
    note(
        out,
        "secp256k1 aux info on one thread, the generated wallet's primes given",
    );
    let mut aux = Vec::with_capacity(aux_reps);
    let mut aux_2t = Vec::with_capacity(aux_reps);
    for _ in 0..aux_reps {
        aux.push(aux_info_once(&client, &server)?);
        // The same, with 2 threads per party (the parties in turn, as on the in-memory
        // driver): the wall time each party would see with two cores of its own.
        aux_2t.push(on_threads(2, || aux_info_once(&client, &server))?);
    }
    note(out, "safe primes of 1536 bits, with 1 and with 2 threads");
    let primes_1t = safe_primes(prime_reps, 1)?;
    let primes_2t = safe_primes(prime_reps, 2)?;

    note(out, "secp256k1 presigning and online signing");
    let mut presigs = Vec::new();
    let presign = time(presign_reps, || {
        let pair = driver::presign(&client, &server, &mut rng(), &mut rng(), &mut NoTap)
            .map_err(|e| e.to_string())?;
        presigs.push(pair);
        Ok(())
    })?;
    let presign_2t = on_threads(2, || {
        time(presign_reps, || {
            driver::presign(&client, &server, &mut rng(), &mut rng(), &mut NoTap)
                .map_err(|e| e.to_string())
        })
    })?;
    // Online signing: many runs, each from a fresh copy of one stored presignature pair
    // (decoding the copies is not timed; the pool's decode is part of wallet signing).
    let (cp, sp) = presigs.pop().ok_or_else(|| "no presignature".to_string())?;
    let stored = (
        cp.to_bytes().map_err(|e| e.to_string())?,
        sp.to_bytes().map_err(|e| e.to_string())?,
    );
    let copy = || -> Result<_, String> {
        Ok((
            ecdsa::Presignature::from_bytes(&stored.0).map_err(|e| e.to_string())?,
            ecdsa::Presignature::from_bytes(&stored.1).map_err(|e| e.to_string())?,
        ))
    };
    let mut online = Vec::with_capacity(sign_reps);
    let mut online_both = Vec::with_capacity(sign_reps);
    let mut online_child = Vec::with_capacity(sign_reps);
    for i in 0..sign_reps {
        let digest = [u8::try_from(i % 256).unwrap_or(0); 32];
        let pair = parties::ecdsa_sign_for_client(
            (&client, &server),
            copy()?,
            &DerivationPath::master(),
            &digest,
        );
        online.push(once(|| in_memory(pair))?);
        let pair = parties::ecdsa_sign_for_client((&client, &server), copy()?, &child, &digest);
        online_child.push(once(|| in_memory(pair))?);
        let pair = parties::ecdsa_sign(
            (&client, &server),
            copy()?,
            &DerivationPath::master(),
            &digest,
        );
        online_both.push(once(|| in_memory(pair))?);
    }
    note(out, "secp256k1 full signing");
    let full = time(full_reps, || {
        driver::ecdsa_full_sign(
            &client,
            &server,
            &digest,
            &mut rng(),
            &mut rng(),
            &mut NoTap,
        )
        .map_err(|e| e.to_string())
    })?;

    let result = json!({
        "secp256k1": {
            "keygen_us": median(secp_keygen)?,
            "aux_info_us": median(aux)?,
            "aux_info_wall_us": median(aux_wall)?,
            "aux_info_2t_us": median(aux_2t)?,
            "presign_us": median(presign)?,
            "presign_2t_us": median(presign_2t)?,
            "sign_online_us": median(online)?,
            "sign_online_both_verify_us": median(online_both)?,
            "sign_online_child_us": median(online_child)?,
            "bip340_sign_us": median(bip340_sign)?,
            "bip340_sign_child_us": median(bip340_child)?,
            "full_sign_us": median(full)?,
        },
        "ed25519": {
            "keygen_us": median(ed_keygen)?,
            "sign_us": median(ed_2p_sign)?,
            "sign_both_verify_us": median(ed_2p_sign_both)?,
            "sign_child_us": median(ed_child)?,
        },
        "safe_prime_1536_us": median(primes)?,
        "safe_prime_1536_1t_us": median(primes_1t)?,
        "safe_prime_1536_2t_us": median(primes_2t)?,
        "cores": cores,
        "generate_wallet_wall_us": median(generate_wall)?,
        "baseline": {
            "k256_sign_us": median(k256_sign)?,
            "k256_verify_us": median(k256_verify)?,
            "ed25519_sign_us": median(ed_sign)?,
            "ed25519_verify_us": median(ed_verify)?,
            "k256_schnorr_sign_us": median(schnorr_sign)?,
            "k256_schnorr_verify_us": median(schnorr_verify)?,
        },
    });
    if out.is_json() {
        println!("{result}");
        return Ok(());
    }
    print_table(&result, quick, started.elapsed());
    Ok(())
}

fn fmt_us(us: u64) -> String {
    if us >= 1_000_000 {
        format!("{:.2} s", us as f64 / 1e6)
    } else if us >= 1_000 {
        format!("{:.2} ms", us as f64 / 1e3)
    } else {
        format!("{us} µs")
    }
}

fn print_table(r: &serde_json::Value, quick: bool, took: Duration) {
    // The JSON pointer of each row's figure (`/secp256k1/keygen_us`), with its label and
    // reference.
    let get = |pointer: &str| {
        r.pointer(pointer)
            .and_then(serde_json::Value::as_u64)
            .map_or_else(|| "-".to_string(), fmt_us)
    };
    #[rustfmt::skip]
    let rows: [(&str, &str, &str); 26] = [
        ("secp256k1 keygen", "/secp256k1/keygen_us", "cggmp21 1.7 ms"),
        ("secp256k1 aux info (primes given)", "/secp256k1/aux_info_us", "cggmp21 12.5 s; target 2.5 s"),
        ("  ... 2 threads per party, parties in turn", "/secp256k1/aux_info_2t_us", "wall"),
        ("  ... wall inside generate (parties at once)", "/secp256k1/aux_info_wall_us", "cggmp21 6.2 s"),
        ("secp256k1 presignature", "/secp256k1/presign_us", "cggmp21 1.43 s; target 0.5 s"),
        ("  ... 2 threads per party, parties in turn", "/secp256k1/presign_2t_us", "wall"),
        ("secp256k1 online signature (+verify)", "/secp256k1/sign_online_us", "cggmp21 0.18 ms; target 0.12 ms"),
        ("  ... and the server's verified copy", "/secp256k1/sign_online_both_verify_us", "message 3: both verify"),
        ("  ... with the child key m/0/7", "/secp256k1/sign_online_child_us", "+2 derivations per party"),
        ("secp256k1 full signing", "/secp256k1/full_sign_us", "cggmp21 1.42 s"),
        ("ed25519 keygen", "/ed25519/keygen_us", ""),
        ("ed25519 2-of-2 signature (+verify)", "/ed25519/sign_us", "frost-ed25519 518 µs; target 0.15 ms"),
        ("  ... and the server's verified copy", "/ed25519/sign_both_verify_us", "message 3: both verify"),
        ("  ... with the child key m/0/7", "/ed25519/sign_child_us", "+2 derivations per party"),
        ("BIP340 (Taproot) 2-of-2 signature (+verify)", "/secp256k1/bip340_sign_us", "frost-secp256k1-tr: none measured here"),
        ("  ... with the child key m/0/7", "/secp256k1/bip340_sign_child_us", "+2 derivations per party"),
        ("safe prime, 1536 bits, 1 thread", "/safe_prime_1536_1t_us", "cggmp21 17.8 s per pair"),
        ("  ... 2 threads", "/safe_prime_1536_2t_us", "same primes, any thread count"),
        ("  ... inside generate (both parties at once)", "/safe_prime_1536_us", ""),
        ("generate wallet (wall)", "/generate_wallet_wall_us", "target 8 s"),
        ("baseline k256 sign", "/baseline/k256_sign_us", "32.8 µs in docs/design.md"),
        ("baseline k256 verify", "/baseline/k256_verify_us", "61.7 µs"),
        ("baseline ed25519 sign", "/baseline/ed25519_sign_us", "17.6 µs"),
        ("baseline ed25519 verify", "/baseline/ed25519_verify_us", "30.8 µs"),
        ("baseline k256 BIP340 sign", "/baseline/k256_schnorr_sign_us", "single party"),
        ("baseline k256 BIP340 verify", "/baseline/k256_schnorr_verify_us", "single party"),
    ];
    println!(
        "Tandem on this machine: medians, CPU of both parties on one thread unless marked wall{}",
        if quick {
            " (--quick: few repetitions)"
        } else {
            ""
        }
    );
    println!(
        "{:<40} {:>12}   reference (docs/design.md, this kind of machine)",
        "step", "median"
    );
    for (label, path, reference) in rows {
        println!("{label:<40} {:>12}   {reference}", get(path));
    }
    println!("(measured in {:.0} s)", took.as_secs_f64());
}
