//! Shared helpers for the criterion benches in this folder (`cargo bench -p tandem-benches`).
//!
//! Each bench file measures one subject and its single-party baseline side by side, so that
//! the ratio is visible in the report.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// A deterministic RNG for benches (inputs do not affect the cost of the operations).
#[must_use]
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

use std::sync::mpsc::{Receiver, Sender, channel};

/// One party's end of an in-memory duplex link between two threads.
#[derive(Debug)]
pub struct Link {
    tx: Sender<Vec<u8>>,
    rx: Receiver<Vec<u8>>,
}

impl Link {
    /// Sends a message to the peer.
    ///
    /// # Panics
    /// If the peer's thread has ended (a bench bug).
    pub fn send(&self, m: Vec<u8>) {
        #[allow(clippy::expect_used)]
        self.tx.send(m).expect("peer thread alive");
    }

    /// Waits for the peer's next message.
    ///
    /// # Panics
    /// If the peer's thread has ended (a bench bug).
    #[must_use]
    pub fn recv(&self) -> Vec<u8> {
        #[allow(clippy::expect_used)]
        self.rx.recv().expect("peer thread alive")
    }
}

/// Runs `client` and `server` each on its own thread, connected by a [`Link`]: the wall time
/// of a protocol with one thread per party.
///
/// # Panics
/// If either party panics.
pub fn two_threads<A: Send, B: Send>(
    client: impl FnOnce(&Link) -> A + Send,
    server: impl FnOnce(&Link) -> B + Send,
) -> (A, B) {
    let (to_server, from_client) = channel();
    let (to_client, from_server) = channel();
    let client_link = Link {
        tx: to_server,
        rx: from_server,
    };
    let server_link = Link {
        tx: to_client,
        rx: from_client,
    };
    std::thread::scope(|s| {
        let c = s.spawn(move || client(&client_link));
        let srv = s.spawn(move || server(&server_link));
        #[allow(clippy::expect_used)]
        (
            c.join().expect("client thread"),
            srv.join().expect("server thread"),
        )
    })
}
