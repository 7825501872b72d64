//! A lossy, slow link between the test (the client) and a network namespace (the server),
//! made by the test: `netem` in user space, for kernels without the `netem` queueing
//! discipline (this machine's).
//!
//! Two TUN devices: one in the test's namespace (`10.77.N.1`), one moved into a namespace
//! of its own (`10.77.N.2`, where the server runs under `ip netns exec`). Every IP packet
//! between them passes through this process, which drops it with the link's loss rate and
//! delivers the others after the link's delay plus a uniform jitter (so packets also
//! reorder). The kernels' own TCP stacks see real loss, delay and reordering: retransmission
//! timeouts, duplicate acknowledgements, congestion windows. An outage is a loss of 100%.
//!
//! Needs root, `/dev/net/tun` and iproute2's `ip`; [`Link::new`] says in one line what is
//! missing and returns `None` (or fails, with `TANDEM_REQUIRE_NETEM` set, as in CI).

#![allow(dead_code)]

use std::collections::BinaryHeap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tun_rs::{DeviceBuilder, SyncDevice};

/// What the link does to every packet, in each direction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Impairment {
    /// One-way delay.
    pub(crate) delay: Duration,
    /// Added to the delay: uniform in `[0, jitter]`.
    pub(crate) jitter: Duration,
    /// Packets dropped, per thousand (1000: an outage).
    pub(crate) loss_per_mille: u32,
}

impl Impairment {
    pub(crate) const CLEAN: Self = Self {
        delay: Duration::ZERO,
        jitter: Duration::ZERO,
        loss_per_mille: 0,
    };
}

/// Counts of what the link did.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    pub(crate) forwarded: u64,
    pub(crate) dropped: u64,
}

/// A packet waiting for its time (a min-heap by due time, then arrival order).
struct Due {
    at: Instant,
    seq: u64,
    to_server: bool,
    packet: Vec<u8>,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

struct Shared {
    impairment: Mutex<Impairment>,
    queue: Mutex<(BinaryHeap<Due>, u64, u64)>,
    wake: Condvar,
    counts: Mutex<Counts>,
    stop: AtomicBool,
}

/// The link; dropping it deletes the namespace and both devices.
pub(crate) struct Link {
    /// The server's namespace (`ip netns exec <ns> …`).
    pub(crate) ns: String,
    /// The server's address, inside the namespace.
    pub(crate) server_ip: String,
    shared: Arc<Shared>,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A small deterministic generator (the link's choices, not a secret).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

impl Link {
    /// A new link, clean until [`Link::set`]; `None` (with one line on stderr) where it
    /// cannot be made.
    pub(crate) fn new(seed: u64) -> Option<Self> {
        match Self::make(seed) {
            Ok(link) => Some(link),
            Err(e) if std::env::var_os("TANDEM_REQUIRE_NETEM").is_some() => {
                panic!("TANDEM_REQUIRE_NETEM is set and the link cannot be made: {e}")
            }
            Err(e) => {
                eprintln!("SKIPPED: no user-space netem link here ({e})");
                None
            }
        }
    }

    fn make(seed: u64) -> Result<Self, String> {
        if !std::path::Path::new("/dev/net/tun").exists() {
            return Err("no /dev/net/tun".into());
        }
        // One subnet and set of names per link: per process, and per link within it.
        static LINKS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let k = LINKS.fetch_add(1, Ordering::SeqCst);
        let n = (std::process::id() * 8 + k) % 200 + 20;
        let (ns, dev_c, dev_s) = (
            format!("tandem-netem-{n}"),
            format!("tdmc{n}"),
            format!("tdms{n}"),
        );
        let (client_ip, server_ip) = (format!("10.77.{n}.1"), format!("10.77.{n}.2"));
        let _ = ip(&["netns", "del", &ns]);
        let tun = |name: &str| {
            DeviceBuilder::new()
                .name(name)
                .mtu(1400)
                .build_sync()
                .map_err(|e| format!("TUN device {name}: {e}"))
        };
        let client = Arc::new(tun(&dev_c)?);
        let server = Arc::new(tun(&dev_s)?);
        ip(&["netns", "add", &ns])?;
        let link = Self {
            ns: ns.clone(),
            server_ip: server_ip.clone(),
            shared: Arc::new(Shared {
                impairment: Mutex::new(Impairment::CLEAN),
                queue: Mutex::new((BinaryHeap::new(), 0, seed | 1)),
                wake: Condvar::new(),
                counts: Mutex::new(Counts::default()),
                stop: AtomicBool::new(false),
            }),
        };
        ip(&["link", "set", &dev_s, "netns", &ns])?;
        ip(&["addr", "add", &format!("{client_ip}/32"), "dev", &dev_c])?;
        ip(&["link", "set", &dev_c, "up"])?;
        ip(&["route", "add", &format!("{server_ip}/32"), "dev", &dev_c])?;
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{server_ip}/32"),
            "dev",
            &dev_s,
        ])?;
        ip(&["-n", &ns, "link", "set", &dev_s, "up"])?;
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        ip(&[
            "-n",
            &ns,
            "route",
            "add",
            &format!("{client_ip}/32"),
            "dev",
            &dev_s,
        ])?;
        for (from, to_server) in [(client.clone(), true), (server.clone(), false)] {
            let shared = link.shared.clone();
            std::thread::spawn(move || receive(&from, to_server, &shared));
        }
        let shared = link.shared.clone();
        std::thread::spawn(move || deliver(&client, &server, &shared));
        Ok(link)
    }

    /// From now on, every packet in both directions meets `impairment`.
    pub(crate) fn set(&self, impairment: Impairment) {
        if let Ok(mut i) = self.shared.impairment.lock() {
            *i = impairment;
        }
    }

    pub(crate) fn counts(&self) -> Counts {
        self.shared.counts.lock().map(|c| *c).unwrap_or_default()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_all();
        let _ = ip(&["netns", "del", &self.ns]);
    }
}

/// Reads the packets one device sends and queues each (or drops it).
fn receive(device: &SyncDevice, to_server: bool, shared: &Shared) {
    let mut buf = vec![0u8; 65536];
    while !shared.stop.load(Ordering::SeqCst) {
        let Ok(n) = device.recv(&mut buf) else { return };
        let Some(packet) = buf.get(..n) else { continue };
        let impairment = shared
            .impairment
            .lock()
            .map(|i| *i)
            .unwrap_or(Impairment::CLEAN);
        let Ok(mut queue) = shared.queue.lock() else {
            return;
        };
        let (heap, seq, rng) = &mut *queue;
        let mut r = XorShift(*rng);
        let (roll, spread) = (r.next(), r.next());
        *rng = r.0;
        if roll % 1000 < u64::from(impairment.loss_per_mille) {
            if let Ok(mut c) = shared.counts.lock() {
                c.dropped += 1;
            }
            continue;
        }
        let jitter_us = u64::try_from(impairment.jitter.as_micros()).unwrap_or(0);
        let extra = Duration::from_micros(spread % (jitter_us + 1));
        *seq += 1;
        heap.push(Due {
            at: Instant::now() + impairment.delay + extra,
            seq: *seq,
            to_server,
            packet: packet.to_vec(),
        });
        shared.wake.notify_all();
    }
}

/// Delivers each queued packet at its time.
fn deliver(client: &SyncDevice, server: &SyncDevice, shared: &Shared) {
    let Ok(mut queue) = shared.queue.lock() else {
        return;
    };
    while !shared.stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        match queue.0.peek().map(|d| d.at) {
            Some(at) if at <= now => {
                let Some(due) = queue.0.pop() else { continue };
                let device = if due.to_server { server } else { client };
                let _ = device.send(&due.packet);
                if let Ok(mut c) = shared.counts.lock() {
                    c.forwarded += 1;
                }
            }
            Some(at) => {
                let Ok((q, _)) = shared.wake.wait_timeout(queue, at - now) else {
                    return;
                };
                queue = q;
            }
            None => {
                let Ok((q, _)) = shared.wake.wait_timeout(queue, Duration::from_millis(50)) else {
                    return;
                };
                queue = q;
            }
        }
    }
}
