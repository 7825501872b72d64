//! The device killed at every write of its store, in every operation that writes: generate,
//! presign, sign (from the pool), backup, recover (on a new device) and refresh, against a
//! real `tandem server` process on SQLite. The device's store is the real `FsDevice`; a kill
//! before write `n` is modelled the way a process dies: writes before `n` are on disk (each
//! write is atomic: a temporary file renamed), and nothing of the process runs after them
//! (every later store call and request fails). Then a new process (a new client on the same folder)
//! settles; the wallet is in its old state or its new one, never between (the device's pair
//! is the server's current pair, or the device holds none and the operation had made none);
//! the operation run again succeeds and the wallet signs on both curves.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use server::*;
use tandem_cli::http::HttpTransport;
use tandem_client::device::names;
use tandem_client::{
    Client, ClientError, DeviceLock, DeviceStore, FsDevice, Request, Response, Transport,
};
use tandem_testkit::wallet::FixturePrimes;
use tandem_wallet::{BackupKey, Zeroizing};

/// The process of the device: dead after its kill point.
struct Process {
    writes: AtomicUsize,
    kill_at: usize,
    dead: AtomicBool,
}

impl Process {
    fn alive(&self) -> Result<(), ClientError> {
        if self.dead.load(Ordering::SeqCst) {
            Err(ClientError::Device("the process was killed".into()))
        } else {
            Ok(())
        }
    }

    /// Before a write or remove: the process dies before write `kill_at`.
    fn write(&self) -> Result<(), ClientError> {
        self.alive()?;
        let n = self.writes.fetch_add(1, Ordering::SeqCst);
        if n < self.kill_at {
            return Ok(());
        }
        self.dead.store(true, Ordering::SeqCst);
        Err(ClientError::Device("the process was killed".into()))
    }
}

struct Device<'a> {
    inner: FsDevice,
    process: &'a Process,
}

impl DeviceStore for Device<'_> {
    fn read(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, ClientError> {
        self.process.alive()?;
        self.inner.read(name)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ClientError> {
        self.process.write()?;
        self.inner.write(name, bytes)
    }
    fn remove(&self, name: &str) -> Result<(), ClientError> {
        self.process.write()?;
        self.inner.remove(name)
    }
    fn lock(&self) -> Result<DeviceLock, ClientError> {
        self.process.alive()?;
        self.inner.lock()
    }
}

/// HTTP that stops when the process died.
struct Wire<'a> {
    http: HttpTransport,
    process: &'a Process,
}

impl Transport for Wire<'_> {
    fn send(&self, request: Request) -> Result<Response, ClientError> {
        self.process
            .alive()
            .map_err(|_| ClientError::Transport("the process was killed".into()))?;
        self.http.send(request)
    }
}

/// The device's client in a process that dies at its kill point.
type Dying<'a> = Client<Wire<'a>, Device<'a>>;

#[derive(Clone)]
struct Setup {
    url: String,
    client_id: String,
    key: Zeroizing<String>,
}

impl Setup {
    fn http(&self) -> HttpTransport {
        HttpTransport::new(&self.url, self.key.clone()).unwrap()
    }

    fn plain(&self, store: &Path) -> Client<HttpTransport, FsDevice> {
        library_client(self.http(), &self.client_id, store)
    }

    fn dying<'a>(&self, store: &Path, process: &'a Process) -> Client<Wire<'a>, Device<'a>> {
        Client::with_paillier_keys(
            Wire {
                http: self.http(),
                process,
            },
            Device {
                inner: FsDevice::create(store).unwrap(),
                process,
            },
            self.client_id.clone(),
            FixturePrimes::new(),
        )
    }
}

fn password() -> BackupKey {
    BackupKey::Password(Zeroizing::new(b"correct horse battery staple".to_vec()))
}

/// Copies a device folder (the lock file left out).
fn copy_device(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != ".lock" {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Runs `run` on a device made by `prepare` (a wallet and a store folder for each run),
/// killed before each of its writes in turn, until a run needs fewer writes than the kill
/// point. (A kill right after write `n` leaves the disk as a kill before write `n + 1`; after
/// the last write, as a run that finished.) After each kill: a new process on the folder
/// settles, its wallet must read back consistently (`info`: the device's pair is the
/// server's current one, or it holds none), `retry` completes the operation, and the wallet
/// signs on both curves. Returns the number of writes of the operation.
fn at_every_write(
    name: &str,
    prepare: &dyn Fn(&str) -> (Setup, PathBuf),
    run: &dyn for<'a> Fn(&Dying<'a>) -> Result<(), ClientError>,
    retry: &dyn Fn(&Client<HttpTransport, FsDevice>),
) -> usize {
    for kill_at in 0..64 {
        let (setup, store) = prepare(&format!("{name}-{kill_at}"));
        let process = Process {
            writes: AtomicUsize::new(0),
            kill_at,
            dead: AtomicBool::new(false),
        };
        let result = run(&setup.dying(&store, &process));
        if !process.dead.load(Ordering::SeqCst) {
            result.unwrap();
            return kill_at;
        }
        assert!(result.is_err(), "{name}: a killed operation succeeded");
        let next = setup.plain(&store);
        let what = format!("{name}, killed before write {kill_at}");
        next.settle()
            .unwrap_or_else(|e| panic!("{what}: settle: {e}"));
        match next.info(&mut |_| {}) {
            Ok(_) | Err(ClientError::NoWallet) => {}
            Err(e) => panic!("{what}: the wallet does not read back: {e}"),
        }
        retry(&next);
        let info = next
            .info(&mut |_| {})
            .unwrap_or_else(|e| panic!("{what}: after the retry: {e}"));
        signs_under(&next, &info);
    }
    panic!("{name}: more than 64 writes");
}

/// The API key in a key file.
fn api_key(path: &Path) -> Zeroizing<String> {
    Zeroizing::new(std::fs::read_to_string(path).unwrap().trim().to_owned())
}

/// A server of its own for one test, and its clients.
struct Bench {
    dir: tempfile::TempDir,
    srv: Server,
}

impl Bench {
    fn new() -> Self {
        let dir = tempdir();
        // Each operation runs again after every kill, for one client: dozens of recover and
        // refresh sessions within the hour, over the server's default limit (server_abuse.rs).
        let srv = Server::sqlite_with(dir.path(), &["--expensive-sessions-per-hour", "0"]);
        Self { dir, srv }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn client(&self, name: &str) -> Setup {
        let (client_id, key_file) = self.srv.create_client(name);
        Setup {
            url: self.srv.url.clone(),
            client_id,
            key: api_key(&key_file),
        }
    }

    /// A new client with a generated wallet (and a backup), its device in `name`.
    fn wallet(&self, name: &str, backup: bool) -> (Setup, PathBuf) {
        let setup = self.client(name);
        let store = self.root().join(name);
        let device = setup.plain(&store);
        device.generate(&mut |_| {}).unwrap();
        if backup {
            device.backup(&password(), &mut |_| {}).unwrap();
        }
        (setup, store)
    }
}

#[test]
fn generate_survives_a_kill_before_every_device_write() {
    let bench = Bench::new();
    let root = bench.root();
    // A new client each time; a kill leaves no wallet or the confirmed one.
    let writes = at_every_write(
        "generate",
        &|name| (bench.client(name), root.join(name)),
        &|c| c.generate(&mut |_| {}).map(|_| ()),
        &|c| {
            if let Err(ClientError::NoWallet) = c.info(&mut |_| {}) {
                c.generate(&mut |_| {}).unwrap();
            }
        },
    );
    assert!(writes >= 4, "generate wrote {writes} times");
}

#[test]
fn presign_sign_and_backup_survive_a_kill_before_every_device_write() {
    let bench = Bench::new();
    let root = bench.root();
    // Copies of one wallet's device (none of these operations replaces the signing pair).
    let (shared, template) = bench.wallet("shared", false);
    let copy = |name: &str| {
        let store = root.join(name);
        copy_device(&template, &store);
        (shared.clone(), store)
    };
    let presign = at_every_write(
        "presign",
        &copy,
        &|c| c.presign(1, &mut |_| {}).map(|_| ()),
        &|c| {
            c.presign(1, &mut |_| {}).unwrap();
        },
    );
    let sign = at_every_write(
        "sign",
        &|name| {
            let (setup, store) = copy(name);
            setup.plain(&store).presign(1, &mut |_| {}).unwrap();
            (setup, store)
        },
        &|c| c.sign_secp256k1(&[3; 32], &mut |_| {}).map(|_| ()),
        &|c| {
            c.sign_secp256k1(&[3; 32], &mut |_| {}).unwrap();
        },
    );
    let backup = at_every_write(
        "backup",
        &copy,
        &|c| c.backup(&password(), &mut |_| {}).map(|_| ()),
        &|c| {
            c.backup(&password(), &mut |_| {}).unwrap();
        },
    );
    assert!(
        presign >= 1 && sign >= 1 && backup >= 1,
        "{presign} {sign} {backup}"
    );
}

#[test]
fn recover_survives_a_kill_before_every_device_write() {
    let bench = Bench::new();
    let root = bench.root();
    // Each time onto a new empty device, from one wallet's backup (recovery keeps the
    // backup pair).
    let (recovering, _) = bench.wallet("recovering", true);
    let writes = at_every_write(
        "recover",
        &|name| (recovering.clone(), root.join(name)),
        &|c| c.recover(&password(), &mut |_| {}).map(|_| ()),
        &|c| {
            let held = c.device().read(names::SECP256K1_SHARE).unwrap();
            if held.is_none() {
                c.recover(&password(), &mut |_| {}).unwrap();
            }
        },
    );
    assert!(writes >= 4, "recover wrote {writes} times");
}

#[test]
fn refresh_survives_a_kill_before_every_device_write() {
    let bench = Bench::new();
    let root = bench.root();
    // Each time on the device the previous run left.
    let (refreshing, first) = bench.wallet("refreshing", false);
    let latest = std::cell::RefCell::new(first);
    let writes = at_every_write(
        "refresh",
        &|name| {
            let store = root.join(name);
            copy_device(&latest.borrow(), &store);
            latest.replace(store.clone());
            (refreshing.clone(), store)
        },
        &|c| c.refresh(&mut |_| {}).map(|_| ()),
        &|c| {
            c.refresh(&mut |_| {}).unwrap();
        },
    );
    assert!(writes >= 4, "refresh wrote {writes} times");
}
