//! The fuzz entry points: one per decoder and per party of each protocol round, each feeding
//! arbitrary bytes to one decoder or one party (as a whole message, and as the payload of an
//! otherwise genuine envelope, so that mutations reach the payload validators). Every call
//! must return (an error or a next state), never panic, hang or allocate without bound.
//!
//! Each target of `fuzz/fuzz_targets/` is one line calling the function of its name here;
//! `.ci/run` builds every target with cargo-fuzz (`cargo +nightly fuzz build -s none`, which
//! sets `cfg(fuzzing)`) and runs each for a short smoke time. The targets in
//! [`FUZZING_ONLY`] copy presigning states that hold nonces through their serde form, which
//! the library derives under `cfg(fuzzing)` only: they exist in cargo-fuzz builds alone. All
//! the others ([`TARGETS`]) also run under the ordinary test runner over the committed seed
//! corpus (`tests/fuzz_smoke.rs`).
//!
//! [`seeds::all`] makes the seed corpora (`fuzz/corpus/<target>/`) from the fixtures; the
//! `fixtures` binary writes them.

pub mod backup;
pub mod ecdsa;
pub mod monty;
pub mod paillier;
pub mod protocol;
pub mod seeds;
pub mod taproot;
pub mod wallet;

pub use backup::*;
pub use ecdsa::*;
pub use monty::monty_pow;
pub use paillier::*;
pub use protocol::*;
pub use taproot::{bip340_client_response, bip340_server_request, bip340_server_share};
pub use wallet::{FUZZ_AT_REST_KEY, at_rest_record, hd, wallet_record};

use tandem_protocol::Message;

/// A saved state or stored secret (wiped on drop, as every stored form is).
pub(crate) type Saved = zeroize::Zeroizing<Vec<u8>>;

/// Feeds `data` as it is, then as the payload of the envelope of `template` (a genuine
/// message of the round).
pub(crate) fn both_forms(template: &[u8], data: &[u8], mut feed: impl FnMut(&[u8])) {
    feed(data);
    if let Ok(mut msg) = Message::from_bytes(template) {
        msg.payload = data.to_vec();
        if let Ok(wrapped) = msg.to_bytes() {
            feed(&wrapped);
        }
    }
}

/// An entry point.
pub type Target = fn(&[u8]);

/// Every entry point of an ordinary build, by the name of its `fuzz/` target.
pub const TARGETS: &[(&str, Target)] = &[
    ("envelope", envelope),
    ("key_share", key_share),
    ("saved_session", saved_session),
    ("keygen_server_round1", keygen_server_round1),
    ("keygen_client_round2", keygen_client_round2),
    ("keygen_server_round3", keygen_server_round3),
    ("keygen_client_round4", keygen_client_round4),
    ("eddsa_server_request", eddsa_server_request),
    ("eddsa_client_response", eddsa_client_response),
    ("eddsa_server_share", eddsa_server_share),
    ("bip340_server_request", bip340_server_request),
    ("bip340_client_response", bip340_client_response),
    ("bip340_server_share", bip340_server_share),
    ("ecdsa_stored", ecdsa_stored),
    ("aux_server_commit", aux_server_commit),
    ("aux_client_reveal", aux_client_reveal),
    ("aux_server_opening", aux_server_opening),
    ("aux_client_proofs", aux_client_proofs),
    ("aux_server_proofs", aux_server_proofs),
    ("presign_server_round1", presign_server_round1),
    ("ecdsa_sign_server_request", ecdsa_sign_server_request),
    ("ecdsa_sign_client_response", ecdsa_sign_client_response),
    ("ecdsa_sign_server_finish", ecdsa_sign_server_finish),
    ("full_sign_server_request", full_sign_server_request),
    ("proof_mod", proof_mod),
    ("proof_prm", proof_prm),
    ("proof_fac", proof_fac),
    ("proof_enc", proof_enc),
    ("proof_enc_elg", proof_enc_elg),
    ("proof_aff_g", proof_aff_g),
    ("proof_elog", proof_elog),
    ("monty_pow", monty_pow),
    ("backup_share", backup_share),
    ("sealed_share", sealed_share),
    ("reshare_server_round1", reshare_server_round1),
    ("reshare_client_round2", reshare_client_round2),
    ("reshare_server_round3", reshare_server_round3),
    ("reshare_client_round4", reshare_client_round4),
    ("wallet_record", |data| {
        let _ = wallet_record(data);
    }),
    ("at_rest_record", |data| {
        let _ = at_rest_record(data);
    }),
    ("hd", hd),
];

/// The targets compiled under `cfg(fuzzing)` only (cargo-fuzz builds).
pub const FUZZING_ONLY: &[&str] = &[
    "presign_client_round2",
    "presign_server_round3",
    "presign_client_round4",
];

/// The targets of the service (`tandem_cli::fuzzing`, TEST-ONLY): they run the server's
/// code, which this kit cannot depend on (the server's tests depend on the kit); their seeds
/// and smoke run are `crates/tandem-cli/tests/fuzz_service.rs`.
pub const SERVICE: &[&str] = &["http_request", "server_session_state"];

/// The inputs the ordinary test runner feeds a target for each committed seed: `seed`, `cuts`
/// truncations and `flips` single-bit flips spread over it, and flips of the low bit of each
/// of its first 8 bytes (versions, tags, lengths).
#[must_use]
pub fn mutations(seed: &[u8], cuts: usize, flips: usize) -> Vec<Vec<u8>> {
    let mut out = vec![seed.to_vec(), Vec::new()];
    for k in 1..cuts {
        out.push(seed.get(..seed.len() * k / cuts).unwrap_or(seed).to_vec());
    }
    let bits = seed.len() * 8;
    let spread = (0..flips).map(|k| (bits * k / flips.max(1) + 5).min(bits.saturating_sub(1)));
    for bit in spread.chain((0..8.min(seed.len())).map(|byte| byte * 8)) {
        let mut m = seed.to_vec();
        if let Some(byte) = m.get_mut(bit / 8) {
            *byte ^= 1 << (bit % 8);
        }
        out.push(m);
    }
    out
}

/// A seed input of a fuzz target.
#[derive(Clone, Debug)]
pub struct Seed {
    /// The target.
    pub target: &'static str,
    /// Its file name in `fuzz/corpus/<target>/`; `None`: the first 8 bytes of its SHA-256 in
    /// hex (such a seed is current once its file exists).
    pub name: Option<&'static str>,
    /// The input.
    pub bytes: Vec<u8>,
    /// Whether a named seed's file (first) still holds this input (second): byte equality,
    /// or a looser test for a seed that is not a function of the fixtures.
    pub same: fn(&[u8], &[u8]) -> bool,
}

impl Seed {
    /// A seed named by its hash.
    #[must_use]
    pub fn new(target: &'static str, bytes: Vec<u8>) -> Self {
        Self {
            target,
            name: None,
            bytes,
            same: |a, b| a == b,
        }
    }

    /// A seed with a fixed file name, current while the file holds the same bytes.
    #[must_use]
    pub fn named(target: &'static str, name: &'static str, bytes: Vec<u8>) -> Self {
        Self {
            name: Some(name),
            ..Self::new(target, bytes)
        }
    }
}
