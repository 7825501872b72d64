//! The server's disk fills up: its SQLite database lives on a small tmpfs of its own (mounted
//! by the test; root is needed, otherwise the test prints one line and does nothing), and a
//! filler file takes every free byte once the wallet exists. Then every operation that
//! writes (presign, a signature spending a presignature or recording its answer, backup) is
//! refused with `503 unavailable` (retry later), never a 500 or a crash; the server keeps
//! answering; nothing stored changes (the wallet's row, its backup shares, its presignatures, read from
//! the file). Once space is free again, the same operations succeed on the same process, and
//! a server started again on the file finds it intact (`PRAGMA integrity_check`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use server::*;
use tandem_cli::http::HttpTransport;
use tandem_client::api::ErrorCode;
use tandem_client::{Client, ClientError, FsDevice};
use tandem_wallet::{BackupKey, Zeroizing};

/// A tmpfs of `megabytes` mounted on a new temporary folder (unmounted on drop).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(megabytes: u32) -> Result<Self, String> {
        let dir = tempdir();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m,mode=0700")])
            .arg("tmpfs")
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cannot mount a tmpfs (root needed): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the file system of `dir` with `dir/filler` until a write fails (no space left).
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0xAB; 4096];
    loop {
        match file.write_all(&chunk).and_then(|()| file.sync_all()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the tmpfs: {e}"),
        }
    }
    path
}

/// What the database holds for the client: the wallet row, its backup shares, its
/// presignatures (ids), byte for byte.
fn stored(db: &Path, client_id: &str) -> Vec<Vec<Row>> {
    [
        format!("SELECT * FROM wallets WHERE client_id = '{client_id}'"),
        format!("SELECT * FROM backup_shares WHERE client_id = '{client_id}' ORDER BY 1, 2"),
        format!(
            "SELECT presignature_id FROM presignatures WHERE client_id = '{client_id}' ORDER BY 1"
        ),
    ]
    .iter()
    .map(|q| sqlite_rows(db, q))
    .collect()
}

fn unavailable<T: std::fmt::Debug>(what: &str, result: Result<T, ClientError>) {
    let e = result.expect_err(what);
    assert_eq!(e.code(), Some(ErrorCode::Unavailable), "{what}: {e}");
}

#[test]
fn a_full_disk_refuses_writes_with_503_and_loses_nothing() {
    let tmpfs = match Tmpfs::mount(24) {
        Ok(t) => t,
        Err(what) => {
            eprintln!("disk-full test skipped: {what}");
            return;
        }
    };
    let devices = tempdir();
    let mut srv = Server::sqlite(tmpfs.path());
    let db = tmpfs.path().join("tandem.sqlite");
    let (client_id, key_file) = srv.create_client("alice");
    let key = api_key(&key_file);
    let client = |url: &str| -> Client<HttpTransport, FsDevice> {
        library_client(
            HttpTransport::new(url, key.clone()).unwrap(),
            &client_id,
            &devices.path().join("phone"),
        )
    };
    let phone = client(&srv.url);
    let info = phone.generate(&mut |_| {}).unwrap();
    phone.presign(1, &mut |_| {}).unwrap();
    let password = BackupKey::Password(Zeroizing::new(b"disk full".to_vec()));
    let before = stored(&db, &client_id);

    // The write-ahead log is folded back into the file and truncated: the next write must
    // grow it (SQLite reuses a log's space, which would let a few writes through).
    let checkpoint = sqlite_rows(&db, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(
        checkpoint[0][0].as_deref(),
        Some(&b"0"[..]),
        "checkpoint not blocked"
    );
    let filler = fill(tmpfs.path());
    unavailable("presign", phone.presign(1, &mut |_| {}));
    // The device spends its half before asking (a presignature is never used twice); the
    // server could not record the spend of its half, so it did not answer.
    unavailable(
        "a signature from the pool",
        phone.sign_secp256k1(&[1; 32], &mut |_| {}),
    );
    unavailable("backup", phone.backup(&password, &mut |_| {}));
    let (status, _) = raw("GET", &format!("{}/healthz", srv.url), None, None, &[]);
    assert_eq!(status, 200, "the server keeps answering");
    assert_eq!(stored(&db, &client_id), before, "nothing stored changed");
    // Ed25519 keeps no nonce, but its answer is recorded under the request's idempotency
    // key (a retransmission gets the same answer): no answer without that record.
    unavailable("Ed25519", phone.sign_ed25519(b"full disk", &mut |_| {}));

    // Space again: the same process serves every operation.
    std::fs::remove_file(&filler).unwrap();
    phone.presign(1, &mut |_| {}).unwrap();
    let signed = phone.sign_secp256k1(&[2; 32], &mut |_| {}).unwrap();
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    k256::ecdsa::VerifyingKey::from(&info.public_keys.secp256k1)
        .verify_prehash(&[2; 32], &signed.signature.to_k256().unwrap())
        .unwrap();
    phone.backup(&password, &mut |_| {}).unwrap();
    // What the server answered is in the file, for every other connection to see (a
    // connection left inside a transaction by the full disk once kept every later commit
    // to itself: db.rs `outside_transaction`).
    let in_file = sqlite_rows(
        &db,
        &format!("SELECT backup_status FROM wallets WHERE client_id = '{client_id}'"),
    );
    assert_eq!(
        in_file,
        vec![vec![Some(b"STORED_CLIENT_BACKUP_SHARE".to_vec())]]
    );

    // A server started again on the file finds it intact.
    srv.restart();
    let check = sqlite_rows(&db, "PRAGMA integrity_check");
    assert_eq!(check, vec![vec![Some(b"ok".to_vec())]]);
    let phone = client(&srv.url);
    let status = phone.server_status().unwrap();
    assert_eq!(
        status.backup_share_status,
        Some(tandem_wallet::BackupStatus::StoredClientBackupShare)
    );
    phone.sign_ed25519(b"after", &mut |_| {}).unwrap();
}
