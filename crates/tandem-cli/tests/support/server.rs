//! Shared helpers of the server tests (`server_*.rs`): real `tandem server` processes (the
//! TEST-ONLY binary with the fixture primes) on loopback ports over real SQLite files, and
//! real PostgreSQL clusters made for the test (initdb and pg_ctl in a temporary folder, on a
//! free loopback port); the device as the CLI (`--server`) or as the client library; raw
//! HTTP for the refusal tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use tandem_cli::http::HttpTransport;
use tandem_client::{Client, ClientError, FsDevice, Request, Response, Transport};
use tandem_testkit::wallet::FixturePrimes;
use tandem_wallet::WalletInfo;
use tandem_wallet::Zeroizing;
use tempfile::TempDir;

#[path = "sql.rs"]
mod sql;
#[allow(unused_imports)]
pub(crate) use sql::{Row, sqlite_rows};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_tandem-insecure-test-primes");

pub(crate) fn tempdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("tandem-server-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

/// A `tandem server` process.
pub(crate) struct Server {
    child: Option<Child>,
    pub(crate) url: String,
    pub(crate) dir: PathBuf,
    database: String,
    extra: Vec<String>,
    env: Vec<(String, String)>,
    /// A network namespace to run in, and the address to listen on there.
    netns: Option<(String, String)>,
}

impl Server {
    /// Starts a server with its key files in `dir` on `database` (`sqlite://…` or
    /// `postgres://…`), waiting for its `listening on` line.
    pub(crate) fn start(dir: &Path, database: &str, extra: &[&str]) -> Self {
        let mut server = Self {
            child: None,
            url: String::new(),
            dir: dir.to_path_buf(),
            database: database.to_owned(),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            env: Vec::new(),
            netns: None,
        };
        server.spawn();
        server
    }

    /// A SQLite server in `dir`, run in the network namespace `ns` (`ip netns exec`),
    /// listening on `ip` there.
    pub(crate) fn sqlite_in_netns(dir: &Path, ns: &str, ip: &str, extra: &[&str]) -> Self {
        let mut server = Self {
            child: None,
            url: String::new(),
            dir: dir.to_path_buf(),
            database: format!("sqlite://{}", dir.join("tandem.sqlite").display()),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            env: Vec::new(),
            netns: Some((ns.to_owned(), ip.to_owned())),
        };
        server.spawn();
        server
    }

    /// A SQLite server in a new folder under `dir`.
    pub(crate) fn sqlite(dir: &Path) -> Self {
        Self::sqlite_with(dir, &[])
    }

    /// A SQLite server with more options.
    pub(crate) fn sqlite_with(dir: &Path, extra: &[&str]) -> Self {
        let db = format!("sqlite://{}", dir.join("tandem.sqlite").display());
        Self::start(dir, &db, extra)
    }

    fn spawn(&mut self) {
        let (mut command, listen) = match &self.netns {
            Some((ns, ip)) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, BIN]);
                (c, format!("{ip}:0"))
            }
            None => (Command::new(BIN), "127.0.0.1:0".to_owned()),
        };
        let mut child = command
            .env("TANDEM_INSECURE_TEST_PRIMES", "1")
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(["server", "--listen", &listen, "--database", &self.database])
            .arg("--key-file")
            .arg(self.dir.join("master.key"))
            .arg("--admin-key-file")
            .arg(self.dir.join("admin.token"))
            .args(
                ["--paillier-pool", "2"]
                    .iter()
                    .filter(|_| !self.extra.iter().any(|a| a == "--paillier-pool")),
            )
            .args(&self.extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("server did not start: {line:?}"))
            .to_owned();
        self.url = url;
        self.child = Some(child);
    }

    /// SIGKILL, as a crash.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again (SIGKILL first if it runs) with these environment variables (the crash
    /// points: `TANDEM_CRASH_AT`, `TANDEM_CRASH_TRACE`).
    pub(crate) fn restart_with_env(&mut self, env: &[(&str, &str)]) {
        self.env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.restart();
    }

    /// True if the process has exited (a crash point killed it).
    pub(crate) fn exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_none_or(|c| c.try_wait().ok().flatten().is_some())
    }

    /// Kills and starts again on the same database and keys (a new port).
    pub(crate) fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub(crate) fn admin_token_file(&self) -> PathBuf {
        self.dir.join("admin.token")
    }

    /// The admin's view of a client (`GET /v1/clients/{id}`), retried while the server
    /// answers 503 (its database connections are made again after a database crash).
    pub(crate) fn admin_view(&self, client_id: &str) -> Value {
        for _ in 0..40 {
            let (status, body) = raw(
                "GET",
                &format!("{}/v1/clients/{client_id}", self.url),
                Some(&self.admin_token()),
                None,
                &[],
            );
            if status == 503 {
                std::thread::sleep(Duration::from_millis(250));
                continue;
            }
            assert_eq!(status, 200);
            return serde_json::from_slice(&body).unwrap();
        }
        panic!("the server stayed unavailable");
    }

    pub(crate) fn admin_token(&self) -> String {
        std::fs::read_to_string(self.admin_token_file())
            .unwrap()
            .trim()
            .to_owned()
    }

    /// A new client: its API key written to `dir/<name>.key`.
    pub(crate) fn create_client(&self, name: &str) -> (String, PathBuf) {
        let key_file = self.dir.join(format!("{name}.key"));
        let out = Command::new(BIN)
            .env("TANDEM_INSECURE_TEST_PRIMES", "1")
            .args(["--json", "create-client", "--server", &self.url])
            .arg("--admin-key-file")
            .arg(self.admin_token_file())
            .arg("--api-key-file")
            .arg(&key_file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (v["client_id"].as_str().unwrap().to_owned(), key_file)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The CLI as the device of `url`.
pub(crate) fn device(
    url: &str,
    key_file: &Path,
    store: &Path,
    args: &[&str],
) -> std::process::Output {
    Command::new(BIN)
        .env("TANDEM_INSECURE_TEST_PRIMES", "1")
        .args(["--json", "--server", url])
        .arg("--api-key-file")
        .arg(key_file)
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap()
}

/// [`device`], which must succeed: its JSON output.
pub(crate) fn device_ok(url: &str, key_file: &Path, store: &Path, args: &[&str]) -> Value {
    let out = device(url, key_file, store, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// [`device`], which must fail: its stderr.
pub(crate) fn device_err(url: &str, key_file: &Path, store: &Path, args: &[&str]) -> String {
    let out = device(url, key_file, store, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) fn api_key(key_file: &Path) -> Zeroizing<String> {
    Zeroizing::new(std::fs::read_to_string(key_file).unwrap().trim().to_owned())
}

/// Requests go to each of several servers in turn (replicas on one database).
pub(crate) struct RoundRobin {
    pub(crate) replicas: Vec<HttpTransport>,
    next: AtomicUsize,
}

impl RoundRobin {
    pub(crate) fn new(urls: &[&str], key: &Zeroizing<String>) -> Self {
        Self {
            replicas: urls
                .iter()
                .map(|u| HttpTransport::new(u, key.clone()).unwrap())
                .collect(),
            next: AtomicUsize::new(0),
        }
    }
}

impl Transport for RoundRobin {
    fn send(&self, request: Request) -> Result<Response, ClientError> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.replicas.len();
        self.replicas[i].send(request)
    }
}

/// The client library as the device, with the fixture primes.
pub(crate) fn library_client<T: Transport>(
    transport: T,
    client_id: &str,
    store: &Path,
) -> Client<T, FsDevice> {
    Client::with_paillier_keys(
        transport,
        FsDevice::create(store).unwrap(),
        client_id,
        FixturePrimes::new(),
    )
}

/// The wallet signs a digest on secp256k1 and a message on Ed25519 under the keys of `info`,
/// verified with k256 and ed25519-dalek.
pub(crate) fn signs_under<T: Transport>(client: &Client<T, FsDevice>, info: &WalletInfo) {
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    let signed = client.sign_secp256k1(&[9; 32], &mut |_| {}).unwrap();
    k256::ecdsa::VerifyingKey::from(&info.public_keys.secp256k1)
        .verify_prehash(&[9; 32], &signed.signature.to_k256().unwrap())
        .unwrap();
    let sig = client.sign_ed25519(b"after a crash", &mut |_| {}).unwrap();
    info.public_keys
        .ed25519
        .verify_strict(b"after a crash", &sig)
        .unwrap();
    // Taproot: BIP340 under the output key of the wallet's bc1p address.
    let taproot = client.sign_bip340(&[8; 32], &mut |_| {}).unwrap();
    assert_eq!(
        Some(taproot.output_key),
        tandem_wallet::address::taproot_output_key(&info.public_keys.secp256k1)
    );
    k256::schnorr::VerifyingKey::from_slice(&taproot.output_key)
        .unwrap()
        .verify_raw(
            &[8; 32],
            &k256::schnorr::Signature::try_from(&taproot.signature[..]).unwrap(),
        )
        .unwrap();
}

/// The wallet signs on both curves (and for its Taproot output) with the keys the server
/// holds for it.
pub(crate) fn signs<T: Transport>(client: &Client<T, FsDevice>) {
    let info = client.info(&mut |_| {}).unwrap();
    signs_under(client, &info);
}

/// A raw request: `(status, body)`.
pub(crate) fn raw(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> (u16, Vec<u8>) {
    try_raw(method, url, token, body, headers).unwrap()
}

/// A raw request, or the transport's error (a server that died answering).
pub(crate) fn try_raw(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> reqwest::Result<(u16, Vec<u8>)> {
    let http = reqwest::blocking::Client::new();
    let mut b = match method {
        "GET" => http.get(url),
        "DELETE" => http.delete(url),
        _ => http.post(url),
    };
    if let Some(t) = token {
        b = b.bearer_auth(t);
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    if let Some((ct, bytes)) = body {
        b = b.header("content-type", ct).body(bytes);
    }
    let r = b.send()?;
    let status = r.status().as_u16();
    Ok((status, r.bytes()?.to_vec()))
}

/// The `code` of an error answer.
pub(crate) fn code(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not a JSON error: {}", String::from_utf8_lossy(body)));
    v["code"].as_str().unwrap_or_default().to_owned()
}

// PostgreSQL: the kit's throwaway clusters.
#[allow(unused_imports)]
pub(crate) use tandem_testkit::postgres::Postgres;
