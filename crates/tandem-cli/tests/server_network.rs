//! Latency, packet loss, reordering and outages between the client and a real server, on a
//! link the test makes itself (`support/netem.rs`: two TUN devices and a network namespace,
//! every IP packet delayed, reordered or dropped by this process, since this kernel has no
//! `netem` queueing discipline). The server runs in the namespace (`ip netns exec`), on
//! SQLite; the client is the library with its HTTP transport.
//!
//! 1. A slow, lossy link (40-60 ms each way, 3% of packets lost in each direction): the whole
//!    lifecycle succeeds as on loopback, each operation at its first attempt (TCP
//!    retransmits; nothing above it needs to know).
//! 2. Outages (every packet lost for 2.5 s, again and again) while the client presigns,
//!    signs, backs up, recovers on a new device and refreshes with a 2-second request
//!    timeout: operations fail part-way, at any request. After each failure the wallet is in
//!    its old state or its new one (the device settles and holds the server's current pair,
//!    on both curves), and the operation run again succeeds. No two ECDSA signatures share
//!    a nonce point, and every signature verifies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/netem.rs"]
mod netem;
#[path = "support/server.rs"]
mod server;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use netem::{Impairment, Link};
use server::*;
use tandem_cli::http::HttpTransport;
use tandem_client::{Client, ClientError, DeviceStore, FsDevice};
use tandem_wallet::{BackupKey, WalletInfo, Zeroizing};

type Phone = Client<HttpTransport, FsDevice>;

struct Net {
    link: Link,
    server: Server,
    id: String,
    key: Zeroizing<String>,
}

impl Net {
    fn start(dir: &Path) -> Option<Self> {
        let link = Link::new(u64::from(std::process::id()))?;
        // Sessions cut by an outage stay open until they expire (10 minutes), and each
        // recover or refresh retried is an aux-info session: the limits are raised here so
        // that the retries of this test, not its throttling, are what is measured.
        let server = Server::sqlite_in_netns(
            dir,
            &link.ns,
            &link.server_ip,
            &[
                "--max-sessions",
                "200",
                "--expensive-sessions-per-hour",
                "0",
            ],
        );
        let (id, key_file) = server.create_client("alice");
        Some(Self {
            link,
            server,
            id,
            key: api_key(&key_file),
        })
    }

    fn phone(&self, store: &Path, timeout: Duration) -> Phone {
        library_client(
            HttpTransport::with_timeout(&self.server.url, self.key.clone(), timeout).unwrap(),
            &self.id,
            store,
        )
    }
}

fn password() -> BackupKey {
    BackupKey::Password(Zeroizing::new(b"over a bad network".to_vec()))
}

/// The ECDSA nonce point's `r` of every signature made, and how many verified.
#[derive(Default)]
struct Signatures {
    r: BTreeSet<Vec<u8>>,
    made: usize,
}

impl Signatures {
    fn sign(&mut self, phone: &Phone, info: &WalletInfo, n: u8) -> Result<(), ClientError> {
        let digest = [n; 32];
        let signed = phone.sign_secp256k1(&digest, &mut |_| {})?;
        let sig = signed.signature.to_k256().unwrap();
        k256::ecdsa::VerifyingKey::from(&info.public_keys.secp256k1)
            .verify_prehash(&digest, &sig)
            .unwrap();
        assert!(
            self.r.insert(sig.r().to_bytes().to_vec()),
            "two signatures share a nonce point"
        );
        let ed = phone.sign_ed25519(&digest, &mut |_| {})?;
        info.public_keys
            .ed25519
            .verify_strict(&digest, &ed)
            .unwrap();
        self.made += 2;
        Ok(())
    }
}

#[test]
fn the_lifecycle_over_a_slow_lossy_link_needs_no_retry() {
    let dir = tempdir();
    let Some(net) = Net::start(dir.path()) else {
        return;
    };
    net.link.set(Impairment {
        delay: Duration::from_millis(40),
        jitter: Duration::from_millis(20),
        loss_per_mille: 30,
    });
    let timed = |what: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        eprintln!("{what}: {:.1} s", t.elapsed().as_secs_f64());
    };
    let phone = net.phone(&dir.path().join("phone"), Duration::from_secs(120));
    let mut info = None;
    timed("generate", &mut || {
        info = Some(phone.generate(&mut |_| {}).unwrap())
    });
    let info = info.unwrap();
    let mut sigs = Signatures::default();
    timed("presign 2", &mut || {
        phone.presign(2, &mut |_| {}).unwrap();
    });
    timed("sign ×2 on both curves", &mut || {
        for n in 0..2 {
            sigs.sign(&phone, &info, n).unwrap();
        }
    });
    timed("backup", &mut || {
        phone.backup(&password(), &mut |_| {}).unwrap();
    });
    let new = net.phone(&dir.path().join("new-phone"), Duration::from_secs(120));
    timed("recover", &mut || {
        new.recover(&password(), &mut |_| {}).unwrap();
    });
    timed("refresh", &mut || {
        new.refresh(&mut |_| {}).unwrap();
    });
    sigs.sign(&new, &info, 9).unwrap();
    let counts = net.link.counts();
    eprintln!(
        "link: {} packets forwarded, {} dropped",
        counts.forwarded, counts.dropped
    );
    assert!(
        counts.dropped > 0,
        "the link lost nothing: not a lossy link"
    );
}

/// Runs `op` until it succeeds (at most 40 times); after each failure the device settles
/// (until the link lets it) and must hold the server's current pair: the old state or the
/// new one, never between. The number of failures.
fn until_done(
    what: &str,
    phone: &Phone,
    mut op: impl FnMut() -> Result<(), ClientError>,
    holds_current: impl Fn() -> bool,
) -> usize {
    for failures in 0..40 {
        match op() {
            Ok(()) => return failures,
            Err(e) => {
                eprintln!("{what}: interrupted ({e})");
                for _ in 0..100 {
                    match phone.settle() {
                        Ok(()) => break,
                        Err(ClientError::Transport(_)) => {
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        Err(e) => panic!("{what}: settle failed: {e}"),
                    }
                }
                let mut consistent = false;
                for _ in 0..100 {
                    if holds_current() {
                        consistent = true;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                assert!(
                    consistent,
                    "{what}: after a failure the device does not hold the current pair"
                );
            }
        }
    }
    panic!("{what}: never succeeded")
}

/// The device holds shares of both curves and they are the server's current pair (`info`
/// checks it; it answers from the server's view for a device without shares).
fn holds_current(phone: &Phone) -> bool {
    let has = |name| phone.device().read(name).ok().flatten().is_some();
    has(tandem_client::device::names::SECP256K1_SHARE)
        && has(tandem_client::device::names::ED25519_SHARE)
        && phone.info(&mut |_| {}).is_ok()
}

#[test]
fn operations_cut_by_outages_end_old_or_new_and_succeed_when_retried() {
    let dir = tempdir();
    let Some(net) = Net::start(dir.path()) else {
        return;
    };
    let timeout = Duration::from_secs(2);
    let phone = net.phone(&dir.path().join("phone"), Duration::from_secs(120));
    let info = phone.generate(&mut |_| {}).unwrap();
    let phone = net.phone(&dir.path().join("phone"), timeout);
    // Outages from now on: 2.5 s without a packet, then 1.5 to 4 s of a slow link.
    let stop = Arc::new(AtomicBool::new(false));
    let flapping = {
        let (stopped, link) = (stop.clone(), &net.link);
        let slow = Impairment {
            delay: Duration::from_millis(15),
            jitter: Duration::from_millis(10),
            loss_per_mille: 10,
        };
        let outage = Impairment {
            loss_per_mille: 1000,
            ..slow
        };
        std::thread::scope(|s| {
            let flapper = s.spawn(move || {
                let mut k = 0u64;
                while !stopped.load(Ordering::SeqCst) {
                    link.set(slow);
                    std::thread::sleep(Duration::from_millis(1500 + (k * 700) % 2500));
                    link.set(outage);
                    std::thread::sleep(Duration::from_millis(2500));
                    k += 1;
                }
                link.set(Impairment::CLEAN);
                k
            });
            let mut sigs = Signatures::default();
            let mut failures = 0;
            let mut current = phone;
            // Two rounds at least, more (up to 8) until an outage cut an operation: faster
            // operations (threads, a faster squaring) once all fitted in the first slow spell.
            for round in 0..8u8 {
                if round >= 2 && failures > 0 {
                    break;
                }
                let p = &current;
                failures += until_done(
                    "presign",
                    p,
                    || p.presign(1, &mut |_| {}).map(drop),
                    || holds_current(p),
                );
                failures += until_done(
                    "sign",
                    p,
                    || sigs.sign(p, &info, round),
                    || holds_current(p),
                );
                failures += until_done(
                    "backup",
                    p,
                    || p.backup(&password(), &mut |_| {}).map(drop),
                    || holds_current(p),
                );
                // A new device recovers; until it holds the current pair, the old one may.
                let new = net.phone(&dir.path().join(format!("phone-{round}")), timeout);
                failures += until_done(
                    "recover",
                    &new,
                    || new.recover(&password(), &mut |_| {}).map(drop),
                    || holds_current(&new) || holds_current(p),
                );
                failures += until_done(
                    "refresh",
                    &new,
                    || new.refresh(&mut |_| {}).map(drop),
                    || holds_current(&new),
                );
                current = new;
            }
            stop.store(true, Ordering::SeqCst);
            let outages = flapper.join().unwrap();
            (failures, sigs.made, outages, current)
        })
    };
    let (failures, made, outages, phone) = flapping;
    let counts = net.link.counts();
    eprintln!(
        "{outages} outages, {failures} operations interrupted and retried, {made} signatures \
         verified; link: {} packets forwarded, {} dropped",
        counts.forwarded, counts.dropped
    );
    assert!(
        failures > 0,
        "no operation met an outage: the test tested nothing"
    );
    signs(&phone);
}
