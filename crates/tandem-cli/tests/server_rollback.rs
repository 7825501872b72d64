//! A database restored from an older copy must not make a spent nonce spendable again
//! (`crates/tandem-server/src/anchor.rs`). Real server processes on SQLite files; the
//! "restore" is the operator's: the server stopped, the database file copied back.
//!
//! The attack: a client keeps a copy of its device (its presignature half), signs one
//! digest, waits for the provider's database to be restored to before that signature, then
//! asks for a second digest with its copy. The control run restores the anchor file along
//! with the database (what the anchor's placement must prevent) and shows the attack works
//! there: the server co-signs the second digest with the spent presignature (two answers
//! from one nonce, which give the key to the client). With the anchor left alone,
//! the restored server discards its presignatures and open sessions at start and the second
//! signature needs a fresh presignature. Then: the anchor raised by another replica under a
//! running server, the anchor missing, disappearing or corrupt, and SIGKILL at the anchor's
//! writes (`anchor.raise`, `anchor.purge`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use server::*;
use tandem_cli::http::HttpTransport;
use tandem_client::{Client, FsDevice};
use tandem_wallet::{Secp256k1Signed, SignMethod, WalletInfo, Zeroizing};

type Phone = Client<HttpTransport, FsDevice>;

const DATABASE: [&str; 3] = ["tandem.sqlite", "tandem.sqlite-wal", "tandem.sqlite-shm"];

/// A server on SQLite with one client whose wallet exists.
struct Provider {
    server: Server,
    dir: PathBuf,
    id: String,
    key: Zeroizing<String>,
    info: WalletInfo,
}

impl Provider {
    fn new(dir: &Path) -> Self {
        let server = Server::sqlite(dir);
        let (id, key_file) = server.create_client("mallory");
        let key = api_key(&key_file);
        let device = library_client(
            HttpTransport::new(&server.url, key.clone()).unwrap(),
            &id,
            &dir.join("device"),
        );
        let info = device.generate(&mut |_| {}).unwrap();
        Self {
            server,
            dir: dir.to_path_buf(),
            id,
            key,
            info,
        }
    }

    fn phone(&self, store: &str) -> Phone {
        library_client(
            HttpTransport::new(&self.server.url, self.key.clone()).unwrap(),
            &self.id,
            &self.dir.join(store),
        )
    }

    fn anchor(&self) -> PathBuf {
        self.dir.join("master.key.anchor")
    }

    /// The operator's copy: the server stopped, the database's files (and, for the
    /// control, the anchor) copied aside, the server started again.
    fn back_up(&mut self, with_anchor: bool) {
        self.server.kill();
        let to = self.dir.join("copy");
        std::fs::create_dir_all(&to).unwrap();
        let anchor = with_anchor.then(|| self.anchor());
        for file in DATABASE.iter().map(|f| self.dir.join(f)).chain(anchor) {
            if file.exists() {
                std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
            }
        }
        self.server.restart();
    }

    /// The operator's restore: the server stopped, the copy put back, started again.
    fn restore(&mut self) {
        self.server.kill();
        for f in DATABASE {
            let _ = std::fs::remove_file(self.dir.join(f));
        }
        for entry in std::fs::read_dir(self.dir.join("copy")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), self.dir.join(entry.file_name())).unwrap();
        }
        self.server.restart();
    }

    fn count(&self, table: &str) -> usize {
        let rows = sqlite_rows(
            &self.dir.join("tandem.sqlite"),
            &format!("SELECT COUNT(*) FROM {table}"),
        );
        String::from_utf8(rows[0][0].clone().unwrap())
            .unwrap()
            .parse()
            .unwrap()
    }

    fn spends(&self) -> u64 {
        let rows = sqlite_rows(
            &self.dir.join("tandem.sqlite"),
            "SELECT spends FROM spend_counter WHERE id = 1",
        );
        String::from_utf8(rows[0][0].clone().unwrap())
            .unwrap()
            .parse()
            .unwrap()
    }

    fn anchored(&self) -> u64 {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.anchor()).unwrap()).unwrap();
        assert_eq!(v["format"], "tandem-spend-anchor");
        assert_eq!(v["version"], 1);
        v["spends"].as_u64().unwrap()
    }

    /// Opens a presigning session and leaves it open (its saved state is in the database).
    fn open_session(&self) {
        let (status, body) = raw(
            "POST",
            &format!("{}/v1/sessions", self.server.url),
            Some(&self.key),
            Some(("application/json", br#"{"operation":"presign"}"#.to_vec())),
            &[],
        );
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The attack of the module docs: the two signatures, each checked against the wallet's
/// key, and the presignature halves the server held after the restore.
fn attack(p: &mut Provider, restore_anchor: bool) -> (Secp256k1Signed, Secp256k1Signed, usize) {
    let device = p.phone("device");
    assert_eq!(device.presign(1, &mut |_| {}).unwrap(), 1);
    // The client's copy of its device, with the presignature half.
    copy_dir(&p.dir.join("device"), &p.dir.join("kept"));
    p.open_session();
    p.back_up(restore_anchor);
    let first = p
        .phone("device")
        .sign_secp256k1(&[1; 32], &mut |_| {})
        .unwrap();
    assert_eq!(first.method, SignMethod::Presignature);
    p.restore();
    let held = p.count("presignatures");
    let second = p
        .phone("kept")
        .sign_secp256k1(&[2; 32], &mut |_| {})
        .unwrap();
    for (d, s) in [([1; 32], &first), ([2; 32], &second)] {
        use k256::ecdsa::signature::hazmat::PrehashVerifier;
        k256::ecdsa::VerifyingKey::from(&p.info.public_keys.secp256k1)
            .verify_prehash(&d, &s.signature.to_k256().unwrap())
            .unwrap();
    }
    (first, second, held)
}

#[test]
fn a_restored_database_cannot_sign_with_a_spent_presignature() {
    let dir = tempdir();
    let mut p = Provider::new(dir.path());
    let (first, second, held) = attack(&mut p, false);
    assert_eq!(held, 0);
    // The restored server found its database behind the anchor at start and discarded its
    // presignature halves and the open session: the kept device's presignature was refused,
    // the client dropped its pool and signed with a fresh one.
    assert_eq!(second.method, SignMethod::FullSigning);
    assert_ne!(
        first.signature.to_k256().unwrap().r(),
        second.signature.to_k256().unwrap().r()
    );
    assert_eq!(p.count("sessions"), 0);
    assert!(
        p.spends() >= p.anchored(),
        "the anchor is never ahead after a start"
    );
    // The wallet goes on: the honest device signs (its pool was dropped too) on both curves.
    signs(&p.phone("device"));
}

#[test]
fn the_attack_works_if_the_anchor_is_restored_with_the_database() {
    let dir = tempdir();
    let mut p = Provider::new(dir.path());
    let (first, second, held) = attack(&mut p, true);
    // What the anchor is for: the restored database held the spent half again, and the
    // server co-signed a second digest with the presignature it had spent on the first (the
    // kept device held that one presignature only). The nonces are `n` and `(δ'₁/δ'₂)·n`
    // (re-randomised per signature, `tandem-protocol`'s `ecdsa::sign`), and the client knows
    // both `δ'`: `s₁·n = z₁ + r₁·x` and `s₂·(δ'₁/δ'₂)·n = z₂ + r₂·x` give the key `x`.
    assert_eq!(held, 1);
    assert_eq!(first.method, SignMethod::Presignature);
    assert_eq!(second.method, SignMethod::Presignature);
}

/// The server binary started by hand on `p`'s files with `env` (a crash point armed at its
/// start): its exit status and standard error, once it exits (at most 60 s).
fn run_to_exit(p: &Provider, env: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    let database = format!("sqlite://{}", p.dir.join("tandem.sqlite").display());
    let mut child = std::process::Command::new(BIN)
        .env("TANDEM_INSECURE_TEST_PRIMES", "1")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .args(["server", "--listen", "127.0.0.1:0", "--database", &database])
        .arg("--key-file")
        .arg(p.dir.join("master.key"))
        .arg("--admin-key-file")
        .arg(p.dir.join("admin.token"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the server did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}

fn killed(status: std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(9)
}

/// Writes the anchor as another replica sharing it would.
fn set_anchor(p: &Provider, spends: u64) {
    std::fs::write(
        p.anchor(),
        format!(r#"{{"format":"tandem-spend-anchor","version":1,"spends":{spends}}}"#),
    )
    .unwrap();
}

#[test]
fn a_database_behind_an_anchor_raised_by_another_replica_is_purged_while_running() {
    let dir = tempdir();
    let p = Provider::new(dir.path());
    let device = p.phone("device");
    device.presign(1, &mut |_| {}).unwrap();
    p.open_session();
    assert_eq!(p.count("presignatures"), 1);
    // Another replica on the same anchor counted spends this database never saw (the
    // database was restored under the running server).
    set_anchor(&p, p.spends() + 100);
    let refused = device.sign_secp256k1(&[3; 32], &mut |_| {}).unwrap_err();
    assert!(
        refused.to_string().contains("restored from an older copy"),
        "{refused}"
    );
    assert_eq!(p.count("presignatures"), 0);
    assert_eq!(p.count("sessions"), 0);
    assert_eq!(p.spends(), p.anchored());
    // The pool rebuilt, the wallet signs again.
    let signed = device.sign_secp256k1(&[3; 32], &mut |_| {}).unwrap();
    assert_eq!(signed.method, SignMethod::FullSigning);
    assert_eq!(p.spends(), p.anchored());
    signs(&device);
}

#[test]
fn a_missing_or_corrupt_anchor_never_lets_a_spent_presignature_through() {
    let dir = tempdir();
    let mut p = Provider::new(dir.path());
    let device = p.phone("device");
    device.presign(1, &mut |_| {}).unwrap();
    assert_eq!(p.spends(), p.anchored());
    // Missing at start, while the database counts spends: handled as a restore.
    p.server.kill();
    std::fs::remove_file(p.anchor()).unwrap();
    p.server.restart();
    assert_eq!(p.count("presignatures"), 0);
    assert_eq!(p.spends(), p.anchored());
    let device = p.phone("device");
    assert_eq!(
        device.sign_secp256k1(&[4; 32], &mut |_| {}).unwrap().method,
        SignMethod::FullSigning
    );
    // Missing while the server runs: no spend is answered until it is back.
    device.presign(1, &mut |_| {}).unwrap();
    let saved = std::fs::read(p.anchor()).unwrap();
    std::fs::remove_file(p.anchor()).unwrap();
    let refused = device.sign_secp256k1(&[5; 32], &mut |_| {}).unwrap_err();
    assert!(refused.to_string().contains("unavailable"), "{refused}");
    std::fs::write(p.anchor(), saved).unwrap();
    signs(&device);
    // Put back from an older copy while the server runs: refused until the current one is
    // back (it would hide a restore of the database to a count in between).
    let current = p.anchored();
    set_anchor(&p, current - 1);
    let refused = device.sign_secp256k1(&[7; 32], &mut |_| {}).unwrap_err();
    assert!(refused.to_string().contains("unavailable"), "{refused}");
    set_anchor(&p, current);
    signs(&device);
    // Corrupt: the server does not start, and says which file.
    p.server.kill();
    std::fs::write(p.anchor(), br#"{"spends": 1}"#).unwrap();
    let (status, stderr) = run_to_exit(&p, &[]);
    assert!(!status.success());
    assert!(stderr.contains("master.key.anchor"), "{stderr}");
}

#[test]
fn a_kill_at_the_anchors_writes_keeps_the_protection() {
    let dir = tempdir();
    let mut p = Provider::new(dir.path());
    p.phone("device").presign(3, &mut |_| {}).unwrap();
    // Killed just before and just after raising the anchor for a signature (its first
    // raise after the start's is the second): the spend committed (one half fewer), no
    // answer left. The next start finds the database ahead of its anchor, which is no
    // restore: nothing is discarded, and the anchor is raised to the count.
    for (k, at) in ["anchor.raise/before#2", "anchor.raise/after#2"]
        .into_iter()
        .enumerate()
    {
        p.server.restart_with_env(&[("TANDEM_CRASH_AT", at)]);
        assert!(
            p.phone("device")
                .sign_secp256k1(&[6; 32], &mut |_| {})
                .is_err()
        );
        let until = Instant::now() + Duration::from_secs(10);
        while !p.server.exited() {
            assert!(Instant::now() < until, "{at} not reached");
            std::thread::sleep(Duration::from_millis(20));
        }
        let spends = p.spends();
        if at.contains("before") {
            assert!(
                p.anchored() < spends,
                "{at}: the anchor was written already"
            );
        }
        p.server.restart_with_env(&[]);
        assert_eq!(p.count("presignatures"), 2 - k, "{at}: halves discarded");
        assert_eq!(p.spends(), spends, "{at}");
        assert_eq!(p.anchored(), spends, "{at}");
    }
    // Killed before and after the purge of a database found behind its anchor at start:
    // the server's one presignature half goes either way.
    for at in ["anchor.purge/before#1", "anchor.purge/after#1"] {
        p.phone("device").presign(1, &mut |_| {}).unwrap();
        assert!(p.count("presignatures") >= 1, "{at}");
        p.server.kill();
        set_anchor(&p, p.spends() + 10);
        let (status, _) = run_to_exit(&p, &[("TANDEM_CRASH_AT", at)]);
        assert!(killed(status), "{at}: {status}");
        p.server.restart_with_env(&[]);
        assert_eq!(p.count("presignatures"), 0, "{at}");
        assert_eq!(p.spends(), p.anchored(), "{at}");
        signs(&p.phone("device"));
    }
}
