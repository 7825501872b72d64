//! TEST-ONLY entry points of the service's fuzz targets (`fuzz/fuzz_targets/http_request.rs`,
//! `server_session_state.rs`), compiled with the `insecure-test-primes` feature: not API.
//!
//! Both run the real server's code (`tandem_server::router` on an SQLite file, the local
//! mode's in-process server) prepared once per process: client A has a wallet (generated
//! with the fixture primes) and a backup, client B has neither. `crates/tandem-cli/tests/
//! fuzz_service.rs` runs them over the committed seeds under `cargo test`; `.ci/run` runs
//! them under libFuzzer for a smoke time.
//!
//! - [`http_request`]: up to four HTTP requests of any method, path, headers and body, each
//!   with no key, a garbage key, A's, B's or the admin's. Every answer must be below 500, and
//!   every refusal the JSON error body with a stable code.
//! - [`server_session_state`]: a session step run on a saved state given as its opened bytes
//!   (the decoder of the server's saved sessions, which no request reaches with chosen
//!   bytes: the stored form is sealed) and a client message. It must not panic.

#![allow(clippy::panic)]

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use axum::http;
use tandem_client::api::{self, ApiError, SessionStarted};
use tandem_client::{Client, FsDevice};
use tandem_wallet::{BackupKey, Zeroizing};

use crate::Primes;
use crate::local::{self, InProcess, Open};

/// The server and its two clients, made once per process.
struct Harness {
    a: Client<InProcess, FsDevice>,
    a_key: Zeroizing<String>,
    b_id: String,
    b_key: Zeroizing<String>,
    admin: Zeroizing<String>,
    // The store folder; removed when the process ends only if the harness is dropped (it is
    // a static: the folder is in the system's temporary directory).
    _dir: tempfile::TempDir,
}

fn key(path: PathBuf) -> Zeroizing<String> {
    let text = Zeroizing::new(std::fs::read_to_string(&path).unwrap_or_default());
    Zeroizing::new(text.lines().next().unwrap_or("").trim().to_owned())
}

fn prepare() -> Harness {
    let setup = |what: &str, e: &dyn std::fmt::Display| -> ! {
        panic!("the fuzz harness could not {what}: {e}")
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| setup("make its folder", &e));
    let store = dir.path().join("store");
    let a = local::client(&store, Primes::InsecureFixtures, Open::Create)
        .unwrap_or_else(|e| setup("start the server", &e));
    a.generate(&mut |_| {})
        .unwrap_or_else(|e| setup("generate A's wallet", &e));
    let password = BackupKey::Password(Zeroizing::new(b"fuzz harness password".to_vec()));
    a.backup(&password, &mut |_| {})
        .unwrap_or_else(|e| setup("back A's wallet up", &e));
    let admin = key(store
        .join(local::layout::PROVIDER)
        .join(local::layout::ADMIN_KEY));
    let b_file = dir.path().join("b-api-key");
    let b_id = crate::admin::new_client(
        |request| a.transport().send_as(&admin, request),
        &b_file,
        "create client B",
    )
    .unwrap_or_else(|e| setup("create client B", &e));
    Harness {
        a_key: key(store.join(local::layout::API_KEY)),
        b_key: key(b_file),
        b_id,
        admin,
        a,
        _dir: dir,
    }
}

fn harness() -> std::sync::MutexGuard<'static, Harness> {
    static HARNESS: OnceLock<Mutex<Harness>> = OnceLock::new();
    HARNESS
        .get_or_init(|| Mutex::new(prepare()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Reads a fuzz input front to back; past its end, zeros and empty slices.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        first
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }

    /// A slice of a length given by the next two bytes (little-endian).
    fn sized(&mut self) -> &'a [u8] {
        let n = usize::from(u16::from_le_bytes([self.byte(), self.byte()]));
        self.take(n)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a fuzz input's request is sent to (the first byte of each request, modulo the count).
const ROUTES: [(http::Method, &str); 14] = [
    (http::Method::GET, api::path::HEALTHZ),
    (http::Method::POST, api::path::CLIENTS),
    (http::Method::GET, "/v1/clients/{own}"),
    (http::Method::GET, "/v1/clients/{id}"),
    (http::Method::POST, api::path::SESSIONS),
    (http::Method::DELETE, "/v1/sessions/{session}"),
    (http::Method::POST, "/v1/sessions/{session}/messages"),
    (http::Method::POST, api::path::CONFIRM),
    (http::Method::POST, api::path::SIGN_ED25519),
    (http::Method::POST, api::path::SIGN_SECP256K1),
    (http::Method::GET, api::path::BACKUP),
    (http::Method::POST, api::path::BACKUP),
    (http::Method::POST, api::path::EJECT),
    // Any method, any path.
    (http::Method::GET, "{raw}"),
];

const METHODS: [http::Method; 7] = [
    http::Method::GET,
    http::Method::POST,
    http::Method::DELETE,
    http::Method::PUT,
    http::Method::PATCH,
    http::Method::HEAD,
    http::Method::OPTIONS,
];

/// Flags of a request (its third byte).
mod flag {
    pub(super) const STEP: u8 = 1;
    pub(super) const IDEMPOTENCY: u8 = 2;
    pub(super) const JSON: u8 = 4;
    pub(super) const BINARY: u8 = 8;
    /// The authorization header without the `Bearer ` scheme.
    pub(super) const NO_SCHEME: u8 = 16;
    /// The client id in a path: client B's (else the input's bytes).
    pub(super) const OTHER_ID: u8 = 32;
}

/// One request of an input, or `None` if its bytes make no valid HTTP request (a header
/// value or path that `http` itself refuses never reaches a server).
fn next_request(
    h: &Harness,
    input: &mut Input<'_>,
    session: Option<&str>,
) -> Option<http::Request<axum::body::Body>> {
    let pick = |i: u8, n: usize| usize::from(i) % n;
    let (method, route) = ROUTES
        .get(pick(input.byte(), ROUTES.len()))
        .cloned()
        .unwrap_or((http::Method::GET, "/"));
    let auth = input.byte() % 6;
    let flags = input.byte();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let path_bytes = input.byte() % 48;
    let path_part = text(input.take(usize::from(path_bytes)));
    let (method, path) = match route {
        "{raw}" => (
            METHODS
                .get(pick(input.byte(), METHODS.len()))
                .cloned()
                .unwrap_or(http::Method::GET),
            format!("/{path_part}"),
        ),
        _ => {
            let id = if flags & flag::OTHER_ID != 0 {
                h.b_id.clone()
            } else {
                path_part
            };
            let path = route
                .replace("{own}", h.a.client_id())
                .replace("{id}", &id)
                .replace("{session}", session.unwrap_or(&id));
            (method, path)
        }
    };
    let mut builder = http::Request::builder().method(method).uri(path);
    let token: Option<String> = match auth {
        0 => None,
        1 => Some(h.a_key.to_string()),
        2 => Some(h.b_key.to_string()),
        3 => Some(h.admin.to_string()),
        4 => {
            let n = input.byte() % 80;
            Some(text(input.take(usize::from(n))))
        }
        _ => {
            // A's key with one character changed (same length, same prefix).
            let mut k = h.a_key.as_bytes().to_vec();
            let at = usize::from(input.byte()) % k.len().max(1);
            if let Some(c) = k.get_mut(at) {
                *c = if *c == b'0' { b'1' } else { b'0' };
            }
            Some(text(&k))
        }
    };
    if let Some(token) = token {
        let value = if flags & flag::NO_SCHEME != 0 {
            token
        } else {
            format!("Bearer {token}")
        };
        builder = builder.header(http::header::AUTHORIZATION, value);
    }
    if flags & flag::STEP != 0 {
        let n = input.byte() % 8;
        builder = builder.header(api::STEP, input.take(usize::from(n)));
    }
    if flags & flag::IDEMPOTENCY != 0 {
        let n = input.byte() % 160;
        builder = builder.header(api::IDEMPOTENCY_KEY, input.take(usize::from(n)));
    }
    if flags & flag::JSON != 0 {
        builder = builder.header(http::header::CONTENT_TYPE, "application/json");
    }
    if flags & flag::BINARY != 0 {
        builder = builder.header(http::header::CONTENT_TYPE, "application/octet-stream");
    }
    let body = input.sized().to_vec();
    builder.body(axum::body::Body::from(body)).ok()
}

/// The fuzz target `http_request`: see the module docs.
///
/// # Panics
/// On an answer of 500 or more, or a refusal without the JSON error body: the finding.
pub fn http_request(data: &[u8]) {
    let _ = http_statuses(data);
}

/// [`http_request`], with the status of each request sent (the seeds' test checks that they
/// reach the handlers they are meant for).
///
/// # Panics
/// As [`http_request`].
pub fn http_statuses(data: &[u8]) -> Vec<u16> {
    let h = harness();
    let mut statuses = Vec::new();
    let server = h.a.transport();
    let mut input = Input(data);
    let mut session: Option<String> = None;
    for _ in 0..4 {
        if input.is_empty() {
            break;
        }
        let Some(request) = next_request(&h, &mut input, session.as_deref()) else {
            continue;
        };
        let what = format!("{} {}", request.method(), request.uri());
        let starts_session = what.ends_with(api::path::SESSIONS) && what.starts_with("POST");
        let answer = server
            .raw(request)
            .unwrap_or_else(|e| panic!("{what}: no answer from the router: {e}"));
        assert!(
            answer.status < 500,
            "{what}: HTTP {}: {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
        // A HEAD answer has no body, by HTTP's rules.
        if answer.status >= 400 && !what.starts_with("HEAD ") {
            assert!(
                serde_json::from_slice::<ApiError>(&answer.body).is_ok(),
                "{what}: HTTP {} without the error body: {:?}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            );
        }
        statuses.push(answer.status);
        if starts_session && answer.status == 201 {
            session = serde_json::from_slice::<SessionStarted>(&answer.body)
                .ok()
                .map(|s| s.session_id);
        }
    }
    let _ = server.block_on(tandem_server::fuzzing::forget_sessions(server.app()));
    statuses
}

/// The fuzz target `server_session_state`: see the module docs.
pub fn server_session_state(data: &[u8]) {
    let h = harness();
    let server = h.a.transport();
    let mut input = Input(data);
    let operations = tandem_server::fuzzing::OPERATIONS;
    let Some(&operation) = operations.get(usize::from(input.byte()) % operations.len()) else {
        return;
    };
    let client = if input.byte() & 1 == 0 {
        h.a.client_id().to_owned()
    } else {
        h.b_id.clone()
    };
    let step = i64::from(input.byte() % 10);
    let saved = input.sized();
    let msg = input.take(usize::MAX).to_vec();
    let _ = server.block_on(tandem_server::fuzzing::session_step(
        server.app(),
        &client,
        operation,
        step,
        saved,
        msg,
    ));
}

/// A request of a seed input: route index, key (0 none, 1 A, 2 B, 3 admin), flags, the
/// path's bytes, the step header, the body.
struct Seed<'a> {
    route: u8,
    auth: u8,
    flags: u8,
    path: &'a str,
    step: &'a str,
    body: &'a [u8],
}

impl Seed<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend([self.route, self.auth, self.flags]);
        out.push(u8::try_from(self.path.len()).unwrap_or(0));
        out.extend(self.path.as_bytes());
        if self.route == 13 {
            out.push(0);
        }
        if self.flags & flag::STEP != 0 {
            out.push(u8::try_from(self.step.len()).unwrap_or(0));
            out.extend(self.step.as_bytes());
        }
        if self.flags & flag::IDEMPOTENCY != 0 {
            out.push(12);
            out.extend(b"seed-request");
        }
        let n = u16::try_from(self.body.len()).unwrap_or(0);
        out.extend(n.to_le_bytes());
        out.extend(self.body.iter().take(usize::from(n)));
    }
}

/// The committed seeds of `http_request`: every route with a plausible request (`fuzz/corpus/
/// http_request/`, checked by `tests/fuzz_service.rs`).
#[must_use]
pub fn http_request_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let seed = |requests: &[Seed<'_>]| {
        let mut out = Vec::new();
        for r in requests {
            r.encode(&mut out);
        }
        out
    };
    let plain = |route, auth, body: &'static [u8]| Seed {
        route,
        auth,
        flags: flag::JSON,
        path: "",
        step: "",
        body,
    };
    let message = |flags, step, body| Seed {
        route: 6,
        auth: 1,
        flags: flags | flag::STEP | flag::BINARY,
        path: "",
        step,
        body,
    };
    vec![
        ("healthz", seed(&[plain(0, 0, b"")])),
        ("create-client", seed(&[plain(1, 3, b"")])),
        ("status-own", seed(&[plain(2, 1, b"")])),
        (
            "status-other",
            seed(&[Seed {
                flags: flag::OTHER_ID,
                ..plain(3, 1, b"")
            }]),
        ),
        (
            "presign-message",
            seed(&[
                plain(4, 1, br#"{"operation":"presign"}"#),
                message(0, "0", &[0; 64]),
                plain(5, 1, b""),
            ]),
        ),
        (
            "backup-message",
            seed(&[
                plain(4, 1, br#"{"operation":"backup","backup_method":"PASSWORD"}"#),
                message(flag::IDEMPOTENCY, "0", &[1; 32]),
            ]),
        ),
        (
            "recover-wrong-step",
            seed(&[
                plain(4, 1, br#"{"operation":"recover"}"#),
                message(0, "3", b""),
            ]),
        ),
        (
            "generate-other",
            seed(&[plain(4, 2, br#"{"operation":"generate"}"#)]),
        ),
        (
            "confirm",
            seed(&[plain(
                7,
                1,
                br#"{"secp256k1_sharing_id":"00","ed25519_sharing_id":"00"}"#,
            )]),
        ),
        ("sign-ed25519", seed(&[plain(8, 1, &[7; 40])])),
        ("sign-secp256k1", seed(&[plain(9, 1, &[9; 80])])),
        ("backup-get", seed(&[plain(10, 1, b"")])),
        (
            "backup-store",
            seed(&[plain(
                11,
                1,
                br#"{"backup_method":"PASSWORD","secp256k1_sharing_id":"00","ed25519_sharing_id":"00","secp256k1_envelope":"00","ed25519_envelope":"00"}"#,
            )]),
        ),
        ("eject", seed(&[plain(12, 1, b"")])),
        (
            "raw",
            seed(&[Seed {
                route: 13,
                auth: 1,
                flags: 0,
                path: "v1/sessions",
                step: "",
                body: b"",
            }]),
        ),
    ]
}

/// The committed seeds of `server_session_state`: each operation's first steps on an empty
/// saved state (with a backup method for backup).
#[must_use]
pub fn server_session_state_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (op, operation) in tandem_server::fuzzing::OPERATIONS.iter().enumerate() {
        let method = (*operation == api::Operation::Backup).then_some("PASSWORD");
        let saved = tandem_server::fuzzing::saved(Vec::new(), Vec::new(), method);
        for step in [0u8, 1, 4] {
            let mut input = vec![u8::try_from(op).unwrap_or(0), 0, step];
            input.extend(u16::try_from(saved.len()).unwrap_or(0).to_le_bytes());
            input.extend(&saved);
            input.extend([0u8; 33]);
            seeds.push((format!("{}-{step}", operation.name()), input));
        }
    }
    seeds
}
