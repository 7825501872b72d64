//! The browser client end to end: the demo page (`web/index.html`, the SDK of `web/src`, the
//! wasm build of `crates/tandem-web`) driven in real headless Chromium (Debian's `chromium`
//! through `playwright-core`, `web/test/e2e.mjs`) against a real `tandem server --web`
//! process on loopback over SQLite; every signature verified in Node with `@noble/curves`
//! and here with k256 / ed25519-dalek; backups crossing between the browser and the native
//! CLI in both directions.
//!
//! Needs Node.js, Chromium, `web/node_modules` (`npm ci` in `web/`) and wasm-bindgen-cli
//! (`web/build.sh` installs it and builds `web/pkg`; this test runs `web/build.sh` once, so
//! the wasm is always this tree's). Without them each test says so in one line and does
//! nothing, unless `TANDEM_REQUIRE_BROWSER=1` (CI) makes that a failure.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[allow(dead_code)] // the checks of the other CLI tests too
#[path = "support/checks.rs"]
mod checks;
#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use checks::*;
use serde_json::Value;
use server::*;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// What is missing to run the browser tests, if anything.
fn missing() -> Option<String> {
    let web = web_dir();
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !chromium().is_file() {
        return Some(format!("no Chromium at {}", chromium().display()));
    }
    if !web.join("node_modules/playwright-core").is_dir() {
        return Some("web/node_modules is missing (run npm ci in web/)".into());
    }
    let version = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tandem-web/Cargo.toml"),
    )
    .ok()
    .and_then(|t| {
        t.lines().find_map(|l| {
            l.strip_prefix("wasm-bindgen = \"=")
                .map(|v| v.trim_end_matches('"').to_owned())
        })
    })?;
    let installed = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()?;
    if !String::from_utf8_lossy(&installed.stdout).contains(&version) {
        return Some(format!(
            "wasm-bindgen-cli {version} is not installed (run web/build.sh)"
        ));
    }
    None
}

/// True if the browser tests can run (the wasm built once per process); otherwise one line
/// on stderr, or a failure under `TANDEM_REQUIRE_BROWSER=1`.
fn ready() -> bool {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        if let Some(what) = missing() {
            return Err(what);
        }
        let out = Command::new("bash")
            .arg(web_dir().join("build.sh"))
            .output()
            .map_err(|e| format!("web/build.sh: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            panic!(
                "web/build.sh failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
    match built {
        Ok(()) => true,
        Err(what) if std::env::var_os("TANDEM_REQUIRE_BROWSER").is_some() => {
            panic!("browser tests required (TANDEM_REQUIRE_BROWSER) but {what}")
        }
        Err(what) => {
            eprintln!("browser test skipped: {what}");
            false
        }
    }
}

/// Runs a scenario of `web/test/e2e.mjs`; its `RESULT` object.
fn scenario(name: &str, url: &str, key_file: &Path, env: &[(&str, &str)]) -> Value {
    let out = Command::new("node")
        .current_dir(web_dir())
        .args(["test/e2e.mjs", name])
        .env("TANDEM_URL", url)
        .env("TANDEM_API_KEY", api_key(key_file).as_str())
        .env("CHROMIUM", chromium())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "e2e {name} failed:\n{stderr}\n{stdout}"
    );
    // The scenario's steps and timings (shown with --nocapture).
    eprint!("{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("e2e {name}: no RESULT line:\n{stdout}"));
    serde_json::from_str(line).unwrap()
}

fn web_server(dir: &Path) -> Server {
    let db = format!("sqlite://{}", dir.join("tandem.sqlite").display());
    let web = web_dir();
    Server::start(dir, &db, &["--web", web.to_str().unwrap()])
}

/// Signs on both curves with the CLI device in `store`, verified with k256 and
/// ed25519-dalek under `wallet`'s keys.
fn cli_signs(url: &str, key: &Path, store: &Path, wallet: &Value) {
    let digest = digest_of("paid by the native CLI");
    let out = device_ok(
        url,
        key,
        store,
        &["sign", "--curve", "secp256k1", "--digest", &hex(&digest)],
    );
    check_secp256k1_signature(wallet, &digest, &out);
    let out = device_ok(
        url,
        key,
        store,
        &["sign", "--curve", "ed25519", "--message", &hex(b"native")],
    );
    check_ed25519_signature(wallet, b"native", &out);
}

/// The browser's whole lifecycle with a password backup (see `e2e.mjs`), then the backup
/// made in the browser recovered by the native CLI, which signs; the browser's device is
/// then refused.
#[test]
fn browser_lifecycle_and_its_backup_recovered_by_the_cli() {
    if !ready() {
        return;
    }
    let dir = tempdir();
    let srv = web_server(dir.path());
    let (client_id, key) = srv.create_client("browser");
    let result = scenario("password", &srv.url, &key, &[]);
    let wallet = &result["wallet"];
    check_wallet_object(wallet);
    assert_eq!(wallet["client_id"], client_id.as_str());

    let password = dir.path().join("password");
    std::fs::write(&password, result["password"].as_str().unwrap()).unwrap();
    let store = dir.path().join("native");
    let recovered = device_ok(
        &srv.url,
        &key,
        &store,
        &["recover", "--password-file", password.to_str().unwrap()],
    );
    for field in ["client_id", "secp256k1", "ed25519", "addresses"] {
        assert_eq!(recovered[field], wallet[field], "{field}");
    }
    cli_signs(&srv.url, &key, &store, wallet);
}

/// A wallet made and backed up by the native CLI, recovered in the browser (which signs
/// under its keys); the CLI's device is then refused as replaced.
#[test]
fn cli_backup_recovered_in_the_browser() {
    if !ready() {
        return;
    }
    let dir = tempdir();
    let srv = web_server(dir.path());
    let (_, key) = srv.create_client("native");
    let store = dir.path().join("native");
    let wallet = device_ok(&srv.url, &key, &store, &["generate"]);
    let password = dir.path().join("password");
    std::fs::write(&password, "native horse battery staple\n").unwrap();
    let backup = device_ok(
        &srv.url,
        &key,
        &store,
        &["backup", "--password-file", password.to_str().unwrap()],
    );
    assert_eq!(backup, backup_output());
    scenario(
        "recover",
        &srv.url,
        &key,
        &[
            ("TANDEM_WALLET", &wallet.to_string()),
            ("TANDEM_PASSWORD", "native horse battery staple"),
        ],
    );
    let e = device_err(
        &srv.url,
        &key,
        &store,
        &["sign", "--curve", "ed25519", "--message", "00"],
    );
    assert!(e.contains("replaced by a recovery or refresh"), "{e}");
}

/// A passkey backup (Chromium's virtual authenticator with the PRF extension): cleared
/// storage, recovery with the passkey, signatures; the CLI cannot open it with a password.
#[test]
fn passkey_backup_in_the_browser() {
    if !ready() {
        return;
    }
    let dir = tempdir();
    let srv = web_server(dir.path());
    let (_, key) = srv.create_client("passkey");
    let result = scenario("passkey", &srv.url, &key, &[]);
    check_wallet_object(&result["wallet"]);
    let password = dir.path().join("password");
    std::fs::write(&password, "not the passkey\n").unwrap();
    let e = device_err(
        &srv.url,
        &key,
        &dir.path().join("native"),
        &["recover", "--password-file", password.to_str().unwrap()],
    );
    assert!(e.contains("sealed with a passkey, not a password"), "{e}");
}

/// The frozen browser keychain fixture (`test-vectors/v3/browser-keychain.json`, format 1)
/// opened by the SDK's keychain in Chromium; moved, flipped and future-format records
/// refused.
#[test]
fn browser_keychain_reads_its_frozen_fixture() {
    if !ready() {
        return;
    }
    let dir = tempdir();
    let srv = web_server(dir.path());
    let (_, key) = srv.create_client("keychain");
    let result = scenario("keychain", &srv.url, &key, &[]);
    assert_eq!(result.as_object().unwrap().len(), 9, "{result}");
    assert!(
        result.as_object().unwrap().values().all(|v| v == true),
        "{result}"
    );
}

/// The SDK's prime workers in Chromium: the frozen window of
/// `test-vectors/primes/window-1536.json` searched by pools of 1, 2 and 3 Web Workers gives
/// the prime and ordinal of the native search (recomputed here with tandem-paillier); a pool
/// whose workers fail to load falls back to the SDK's worker and still finds a safe prime; a
/// lying worker's answer (a safe prime of another window, a composite of this one) is refused
/// with a `primes` error (CHECKS.md WEB-1).
#[test]
fn browser_prime_workers_find_the_native_prime() {
    if !ready() {
        return;
    }
    let vector = tandem_testkit::fixtures::prime_window::read().unwrap();
    let start = tandem_paillier::primes::WindowStart::from_be_bytes(&vector.start).unwrap();
    let native = tandem_paillier::primes::search_window(&start, 0, 1, &mut |_| {
        std::ops::ControlFlow::Continue(())
    })
    .unwrap()
    .unwrap();
    assert_eq!(native.ordinal(), vector.ordinal);
    assert_eq!(native.to_be_bytes().as_ref(), vector.prime.as_slice());

    let dir = tempdir();
    let srv = web_server(dir.path());
    let (_, key) = srv.create_client("primes");
    // The lying worker's "safe prime of another window": a fixture prime, checked here.
    let fixture = tandem_testkit::primes::safe_primes()[0];
    assert!(tandem_paillier::primes::is_valid_safe_prime(&fixture));
    assert!(!start.contains(&fixture));
    let fixture_hex = format!("{fixture:x}");
    let result = scenario(
        "primes",
        &srv.url,
        &key,
        &[("TANDEM_FIXTURE_PRIME", fixture_hex.as_str())],
    );
    let runs = result["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3, "{result}");
    let prime: String = vector.prime.iter().map(|b| format!("{b:02x}")).collect();
    for (run, workers) in runs.iter().zip(1..) {
        assert_eq!(run["workers"], workers, "{run}");
        assert_eq!(run["pool"], workers, "{run}");
        assert_eq!(run["ordinal"], vector.ordinal, "{run}");
        assert_eq!(run["prime"], prime.as_str(), "{run}");
    }
    assert!(result["fallback_tested"].as_u64().unwrap() > 0, "{result}");
    for lie in ["outside", "composite"] {
        assert_eq!(result["lies"][lie]["refused"], true, "{result}");
        assert_eq!(result["lies"][lie]["kind"], "primes", "{result}");
    }
}
