//! Recorded protocol runs as stored in `test-vectors/v1/*.json` (stored format 1, frozen)
//! and `test-vectors/v4/*.json` (the current formats, regenerated from their seeds), and
//! their typed loaders.

use std::path::PathBuf;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};
use tandem_protocol::Role;
use tandem_protocol::driver::Tap;
use tandem_protocol::message::peek_header;

use crate::paths;

/// Where the version-1 transcripts live, relative to the workspace root: stored format 1 and
/// the wire of its time, frozen (read back, never rewritten).
pub const V1_DIR: &str = "test-vectors/v1";

/// Where the transcripts of the current formats live: stored format 2 (key shares with the
/// wallet's chain code) and today's wire (signing requests name a derivation path). The
/// fixture generator rewrites them; a format change means a new folder, this one frozen.
pub const CURRENT_DIR: &str = "test-vectors/v4";

/// One message of a transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedMessage {
    /// Round number from the header.
    pub round: u8,
    /// Sender.
    pub sender: Role,
    /// The encoded message.
    #[serde(with = "tandem_curves::encoding::var")]
    pub bytes: Vec<u8>,
}

/// A recorded protocol run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    /// What the run is.
    pub description: String,
    /// Seed of the client's ChaCha20 RNG.
    pub client_seed: u64,
    /// Seed of the server's ChaCha20 RNG.
    pub server_seed: u64,
    /// Every message, in order.
    pub messages: Vec<RecordedMessage>,
    /// Named outputs (stored key shares, signatures, public keys), encoded.
    pub outputs: Vec<(String, Output)>,
}

impl Transcript {
    /// The output `name`.
    ///
    /// # Panics
    /// If there is none.
    #[must_use]
    pub fn output(&self, name: &str) -> &[u8] {
        match self.outputs.iter().find(|(n, _)| n == name) {
            Some((_, o)) => &o.0,
            None => panic!("{}: no output {name}", self.description),
        }
    }

    /// The JSON stored in the fixture file (pretty, with a final newline).
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a transcript serializes");
        s.push('\n');
        s
    }
}

/// An output value of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Output(#[serde(with = "tandem_curves::encoding::var")] pub Vec<u8>);

impl From<zeroize::Zeroizing<Vec<u8>>> for Output {
    /// A stored form of a fixture's secret (public test data), copied out of its wiped buffer.
    fn from(bytes: zeroize::Zeroizing<Vec<u8>>) -> Self {
        Self(bytes.to_vec())
    }
}

/// A driver tap that records every message with its round.
#[derive(Debug, Default)]
pub struct Recorder(pub Vec<RecordedMessage>);

impl Tap for Recorder {
    fn on_message(&mut self, sender: Role, msg: &mut Vec<u8>) {
        let round = peek_header(msg).map_or(0, |h| h.round);
        self.0.push(RecordedMessage {
            round,
            sender,
            bytes: msg.clone(),
        });
    }
}

/// The seeded RNG of the fixtures and fuzz states (ChaCha20 from a `u64`).
#[must_use]
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The path of the version-1 fixture file `name`.
#[must_use]
pub fn v1_path(name: &str) -> PathBuf {
    paths::workspace_root().join(V1_DIR).join(name)
}

/// The path of the current fixture file `name` (under [`CURRENT_DIR`]).
#[must_use]
pub fn current_path(name: &str) -> PathBuf {
    paths::workspace_root().join(CURRENT_DIR).join(name)
}

fn load(path: &std::path::Path) -> Transcript {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// Reads the version-1 fixture file `name`.
///
/// # Panics
/// If the file is missing or is not a transcript.
#[must_use]
pub fn load_v1(name: &str) -> Transcript {
    load(&v1_path(name))
}

/// Reads the current fixture file `name` (read at every call: a regenerated file is seen).
///
/// # Panics
/// If the file is missing or is not a transcript.
#[must_use]
pub fn load_current(name: &str) -> Transcript {
    load(&current_path(name))
}
