//! A malicious client over HTTP, against a real server process: the real client library
//! runs every operation (generate, presign, ECDSA signing from the pool and in full,
//! Ed25519 signing, backup, refresh, recover), and a transport between it and the server
//! replaces one protocol message at a time: one bit flipped (at a random position, printed
//! on failure), one byte cut off or added, the message of the same step of another session
//! of this client, or of another client's wallet (each message gets a bit flip and one other
//! change in rotation; all five with `TANDEM_MALICIOUS_ALL=1`). For every message of every
//! operation:
//! - the server never fails (no 5xx): the changed message is refused with a 4xx and a stable
//!   code, or, where a changed value is still well formed (another nonce commitment), the
//!   operation fails at a later check;
//! - a failed operation stores nothing: the wallet's row and its backup shares are
//!   byte-identical afterwards, no presignature appears (but the one a full signature's
//!   honest presigning made when its signing request is the message changed), and no
//!   session stays open (the server ends a session at a refused step, the client one it
//!   gives up);
//! - the honest client then runs the operation to success.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use server::*;
use tandem_client::api::path;
use tandem_client::device::names;
use tandem_client::{
    Body, Client, ClientError, DeviceStore, FsDevice, Request, Response, Transport,
};
use tandem_wallet::{BackupKey, Zeroizing};

/// How one protocol message is changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mutation {
    /// One bit flipped at a random position.
    FlipBit,
    /// The last byte cut off.
    Truncate,
    /// One zero byte added.
    Extend,
    /// The message of the same step of another session of this client.
    OtherSession,
    /// The message of the same step of another client's wallet.
    OtherClient,
}

const ALL: [Mutation; 5] = [
    Mutation::FlipBit,
    Mutation::Truncate,
    Mutation::Extend,
    Mutation::OtherSession,
    Mutation::OtherClient,
];

/// What the malicious transport does in one run.
#[derive(Default)]
struct Plan {
    /// Which counted message to change, and how.
    target: Option<(usize, Mutation)>,
    /// Donors of replayed messages (the honest bodies of other runs, by index).
    other_session: Vec<Vec<u8>>,
    other_client: Vec<Vec<u8>>,
    /// Counted messages sent so far (their honest bodies).
    sent: Vec<Vec<u8>>,
    /// The change made (for failure messages).
    change: String,
    /// The server's answer to the changed message: status and code.
    answer: Option<(u16, String)>,
    /// Every status the server answered in this run.
    statuses: Vec<u16>,
}

/// The client's transport with a man in the middle that is the client itself: protocol
/// messages (binary bodies) to paths starting with `filter` are counted and one is changed.
struct Mallory {
    inner: tandem_cli::http::HttpTransport,
    filter: Mutex<&'static str>,
    plan: Mutex<Plan>,
}

impl Mallory {
    fn new(url: &str, key: &Zeroizing<String>) -> Self {
        Self {
            inner: tandem_cli::http::HttpTransport::new(url, key.clone()).unwrap(),
            filter: Mutex::new(path::SESSIONS),
            plan: Mutex::new(Plan::default()),
        }
    }
}

fn random_below(n: usize) -> usize {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let n = u64::try_from(n.max(1)).unwrap();
    usize::try_from(u64::from_le_bytes(b) % n).unwrap()
}

impl Transport for Mallory {
    fn send(&self, mut request: Request) -> Result<Response, ClientError> {
        let filter = *self.filter.lock().unwrap();
        let counted = request.path.starts_with(filter) && matches!(request.body, Body::Binary(_));
        let mut changed = false;
        if counted && let Body::Binary(body) = &mut request.body {
            let mut plan = self.plan.lock().unwrap();
            let index = plan.sent.len();
            plan.sent.push(body.clone());
            if let Some((target, mutation)) = plan.target
                && target == index
            {
                changed = true;
                plan.change = match mutation {
                    Mutation::FlipBit => {
                        let bit = random_below(body.len() * 8);
                        body[bit / 8] ^= 1 << (bit % 8);
                        format!("message {index}: bit {bit} of {} bytes flipped", body.len())
                    }
                    Mutation::Truncate => {
                        body.pop();
                        format!("message {index}: last byte cut")
                    }
                    Mutation::Extend => {
                        body.push(0);
                        format!("message {index}: a byte added")
                    }
                    Mutation::OtherSession => {
                        body.clone_from(&plan.other_session[index]);
                        format!("message {index}: another session's")
                    }
                    Mutation::OtherClient => {
                        body.clone_from(&plan.other_client[index]);
                        format!("message {index}: another client's")
                    }
                };
            }
        }
        let response = self.inner.send(request)?;
        let mut plan = self.plan.lock().unwrap();
        plan.statuses.push(response.status);
        if changed {
            let code = serde_json::from_slice::<serde_json::Value>(&response.body)
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            plan.answer = Some((response.status, code));
        }
        Ok(response)
    }
}

/// An operation of the suite.
#[derive(Clone, Copy, Debug)]
enum Op {
    Generate,
    Presign,
    SignPooled,
    SignFull,
    SignEd25519,
    Backup,
    Refresh,
    Recover,
}

impl Op {
    /// The path prefix of the messages it sends.
    fn filter(self) -> &'static str {
        match self {
            Self::SignPooled => path::SIGN_SECP256K1,
            Self::SignEd25519 => path::SIGN_ED25519,
            _ => "/v1/",
        }
    }
}

fn backup_key() -> BackupKey {
    BackupKey::RandomKey(Zeroizing::new([5; 32]))
}

/// One wallet's device: its client id, key and store, and the server's database file.
struct Party {
    client_id: String,
    mallory: Mallory,
    store: PathBuf,
    db: PathBuf,
    runs: usize,
}

impl Party {
    fn new(srv: &Server, dir: &Path, name: &str) -> Self {
        let (client_id, key_file) = srv.create_client(name);
        Self {
            client_id,
            mallory: Mallory::new(&srv.url, &api_key(&key_file)),
            store: dir.join(name),
            db: dir.join("tandem.sqlite"),
            runs: 0,
        }
    }

    /// The client on `store`.
    fn client(&self, store: &Path) -> Client<&Mallory, FsDevice> {
        Client::with_paillier_keys(
            &self.mallory,
            FsDevice::create(store).unwrap(),
            &self.client_id,
            tandem_testkit::wallet::FixturePrimes::new(),
        )
    }

    /// What `op` needs before it runs on the wallet's device (not counted): one
    /// presignature for a signature from the pool, an empty pool for a full signature.
    fn prepare(&self, op: Op) {
        *self.mallory.filter.lock().unwrap() = op.filter();
        match op {
            // Made honestly: its messages go to /v1/sessions, not counted for this op.
            Op::SignPooled => {
                self.client(&self.store).presign(1, &mut |_| {}).unwrap();
            }
            Op::SignFull => FsDevice::create(&self.store)
                .unwrap()
                .remove(names::PRESIGNATURES)
                .unwrap(),
            _ => {}
        }
    }

    /// Runs `op` (prepared) with `plan`'s target; returns the plan after the run and the
    /// result.
    fn run(&mut self, op: Op, plan: Plan) -> (Plan, Result<(), ClientError>) {
        *self.mallory.filter.lock().unwrap() = op.filter();
        self.runs += 1;
        // Generate and recover run on a fresh device (a failed generate leaves the device's
        // pending records; recover is what a new device does).
        let store = match op {
            Op::Generate | Op::Recover => {
                let store = self.store.with_extension(format!("run{}", self.runs));
                let _ = std::fs::remove_dir_all(&store);
                store
            }
            _ => self.store.clone(),
        };
        *self.mallory.plan.lock().unwrap() = plan;
        let client = self.client(&store);
        let result = match op {
            Op::Generate => client.generate(&mut |_| {}).map(|_| ()),
            Op::Presign => client.presign(1, &mut |_| {}).map(|_| ()),
            Op::SignPooled | Op::SignFull => {
                client.sign_secp256k1(&[0x42; 32], &mut |_| {}).map(|_| ())
            }
            Op::SignEd25519 => client.sign_ed25519(b"mallory", &mut |_| {}).map(|_| ()),
            Op::Backup => client.backup(&backup_key(), &mut |_| {}).map(|_| ()),
            Op::Refresh => client.refresh(&mut |_| {}).map(|_| ()),
            Op::Recover => client.recover(&backup_key(), &mut |_| {}).map(|_| ()),
        };
        if result.is_ok() && matches!(op, Op::Generate | Op::Recover) {
            // The device that holds the wallet now.
            let _ = std::fs::remove_dir_all(&self.store);
            copy_dir(&store, &self.store);
        }
        let plan = std::mem::take(&mut *self.mallory.plan.lock().unwrap());
        (plan, result)
    }

    /// The honest run: its counted messages.
    fn honest(&mut self, op: Op) -> Vec<Vec<u8>> {
        self.prepare(op);
        let (plan, result) = self.run(op, Plan::default());
        result.unwrap_or_else(|e| panic!("{op:?} honest: {e}"));
        plan.sent
    }

    /// What a failed operation must leave as it was: the wallet's row and its backup
    /// shares.
    fn stored(&self) -> Vec<Vec<Row>> {
        let id = &self.client_id;
        [
            format!("SELECT * FROM wallets WHERE client_id = '{id}'"),
            format!(
                "SELECT * FROM backup_shares WHERE client_id = '{id}' ORDER BY curve, sharing_id"
            ),
        ]
        .iter()
        .map(|q| sqlite_rows(&self.db, q))
        .collect()
    }

    /// The server's open sessions for this client.
    fn open_sessions(&self) -> Vec<Row> {
        let id = &self.client_id;
        sqlite_rows(
            &self.db,
            &format!("SELECT session_id FROM sessions WHERE client_id = '{id}'"),
        )
    }

    /// The server's presignature ids for this client.
    fn presignatures(&self) -> Vec<Row> {
        let id = &self.client_id;
        sqlite_rows(
            &self.db,
            &format!("SELECT presignature_id FROM presignatures WHERE client_id = '{id}'"),
        )
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The mutations of message `index`: all of them with `TANDEM_MALICIOUS_ALL=1`; otherwise
/// a bit flip and one other, in rotation (every kind is used on each operation of more than
/// three messages, and the CI's time stays bounded). The bit flip comes first: its run
/// records the honest message `index` that "another session" replays.
fn mutations(index: usize) -> Vec<Mutation> {
    if std::env::var_os("TANDEM_MALICIOUS_ALL").is_some_and(|v| v == "1") {
        ALL.to_vec()
    } else {
        vec![Mutation::FlipBit, ALL[1 + index % (ALL.len() - 1)]]
    }
}

/// Every message of `op` changed by each of its mutations in turn; the checks of the
/// module. Returns the number of changed runs, and of those refused at the changed message.
fn attack(alice: &mut Party, bob: &mut Party, op: Op) -> (usize, usize) {
    let other_client = bob.honest(op);
    // Alice's earlier runs are her other sessions: the run changing message i with a bit
    // flip (the first mutation) sent message i honestly first, recorded here.
    let mut other_session: Vec<Vec<u8>> = Vec::new();
    let (mut runs, mut refused) = (0, 0);
    for index in 0..other_client.len() {
        for mutation in mutations(index) {
            alice.prepare(op);
            let before = alice.stored();
            let presignatures = alice.presignatures();
            let plan = Plan {
                target: Some((index, mutation)),
                other_session: other_session.clone(),
                other_client: other_client.clone(),
                ..Plan::default()
            };
            let (plan, result) = alice.run(op, plan);
            runs += 1;
            let what = format!("{op:?}, {}: {:?} then {result:?}", plan.change, plan.answer);
            let (status, code) = plan
                .answer
                .clone()
                .unwrap_or_else(|| panic!("not sent: {what}"));
            assert!(
                plan.statuses.iter().all(|s| *s < 500),
                "the server failed ({:?}): {what}",
                plan.statuses
            );
            if (400..500).contains(&status) {
                assert!(!code.is_empty(), "a refusal without a code: {what}");
                refused += 1;
            } else {
                // A well-formed change: a later check must stop the operation.
                assert!(result.is_err(), "a changed message was accepted: {what}");
            }
            if result.is_err() {
                assert_eq!(alice.stored(), before, "a failed operation stored: {what}");
                // A full signature's presignature was made by its honest first messages
                // when the signing request is the one changed; otherwise none is new.
                let made =
                    usize::from(matches!(op, Op::SignFull) && index + 1 == other_client.len());
                let after = alice.presignatures();
                let new = after.iter().filter(|p| !presignatures.contains(p)).count();
                assert!(
                    new <= made,
                    "a failed operation added {new} presignatures: {what}"
                );
                // The session ended: by the server at the refused step, or by the client
                // giving it up (DELETE) when its own check stopped it.
                assert!(
                    alice.open_sessions().is_empty(),
                    "a failed operation left its session open: {what}"
                );
            }
            if plan.sent.len() > other_session.len() {
                other_session = plan.sent;
            }
        }
    }
    // The honest client, after all of it.
    alice.honest(op);
    (runs, refused)
}

/// A server (SQLite) with two clients, Alice (attacked) and Bob (the other wallet).
fn setup(dir: &Path) -> (Server, Party, Party) {
    // Dozens of generate and recover runs for one client: the hourly limit is off here.
    let srv = Server::sqlite_with(
        dir,
        &[
            "--expensive-sessions-per-hour",
            "0",
            "--max-presignatures",
            "1000",
        ],
    );
    let alice = Party::new(&srv, dir, "alice");
    let bob = Party::new(&srv, dir, "bob");
    (srv, alice, bob)
}

fn suite(before: &[Op], ops: &[Op]) {
    let dir = tempdir();
    let (_srv, mut alice, mut bob) = setup(dir.path());
    for &op in before {
        alice.honest(op);
        bob.honest(op);
    }
    let (mut runs, mut refused) = (0, 0);
    for &op in ops {
        let (r, f) = attack(&mut alice, &mut bob, op);
        runs += r;
        refused += f;
    }
    eprintln!(
        "{ops:?}: {runs} changed messages, {refused} refused at once, the others at a later \
         check"
    );
}

#[test]
fn generate_with_any_message_changed_fails_and_stores_nothing() {
    suite(&[], &[Op::Generate]);
}

#[test]
fn presign_and_sign_with_any_message_changed_fail_and_store_nothing() {
    suite(
        &[Op::Generate],
        &[Op::Presign, Op::SignPooled, Op::SignFull, Op::SignEd25519],
    );
}

#[test]
fn backup_and_refresh_with_any_message_changed_fail_and_store_nothing() {
    suite(&[Op::Generate], &[Op::Backup, Op::Refresh]);
}

#[test]
fn recover_with_any_message_changed_fails_and_stores_nothing() {
    suite(&[Op::Generate, Op::Backup], &[Op::Recover]);
}
