//! Deterministic protocol transcripts: the frozen wire and storage formats.
//!
//! With seeded RNGs every message and output of a run is a pure function of the seeds. The
//! transcripts generated here are stored under `test-vectors/v1/` by
//! `cargo run -p tandem-protocol --example fixtures -- --write`, and the test suite
//! regenerates them and compares byte for byte, so any change to an encoding is caught.
//! The seeded RNG is for fixtures only; production callers pass an OS RNG. The fixtures'
//! key shares and saved states are public test data: their stored forms are copied out of
//! their wiped buffers.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Curve, Ed25519};

use crate::driver::{self, Tap};
use crate::error::Error;
use crate::message::{Role, peek_header};

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

#[derive(Default)]
struct Recorder(Vec<RecordedMessage>);

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

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Key generation on curve `C` with the given seeds.
///
/// # Errors
/// Any protocol error (none for honest runs).
pub fn keygen<C: Curve>(client_seed: u64, server_seed: u64) -> Result<Transcript, Error> {
    let mut rec = Recorder::default();
    let (client, server) =
        driver::keygen::<C, _, _, _>(&mut rng(client_seed), &mut rng(server_seed), &mut rec)?;
    Ok(Transcript {
        description: format!("two-party key generation on {}", C::ID),
        client_seed,
        server_seed,
        messages: rec.0,
        outputs: vec![
            ("client_key_share".into(), client.to_bytes()?.into()),
            ("server_key_share".into(), server.to_bytes()?.into()),
            (
                "public_key".into(),
                Output(client.public_key_bytes().to_vec()),
            ),
        ],
    })
}

/// Key generation then one Ed25519 signature of `message`.
///
/// # Errors
/// Any protocol error (none for honest runs).
pub fn eddsa_sign(client_seed: u64, server_seed: u64, message: &[u8]) -> Result<Transcript, Error> {
    let mut crng = rng(client_seed);
    let mut srng = rng(server_seed);
    let (client, server) =
        driver::keygen::<Ed25519, _, _, _>(&mut crng, &mut srng, &mut driver::NoTap)?;
    let mut rec = Recorder::default();
    let (signature, _) =
        driver::eddsa_sign(&client, &server, message, &mut crng, &mut srng, &mut rec)?;
    Ok(Transcript {
        description: "key generation (not recorded) then FROST(Ed25519, SHA-512) signing".into(),
        client_seed,
        server_seed,
        messages: rec.0,
        outputs: vec![
            ("client_key_share".into(), client.to_bytes()?.into()),
            ("server_key_share".into(), server.to_bytes()?.into()),
            ("message".into(), Output(message.to_vec())),
            ("signature".into(), Output(signature.to_bytes().to_vec())),
        ],
    })
}

/// Key generation (not recorded), then auxiliary information with the test-only fixture
/// primes (keys 0 and 1), presigning, and signing `digest`, all recorded; then full signing
/// of the same digest, recorded.
///
/// # Errors
/// Any protocol error (none for honest runs).
pub fn ecdsa(client_seed: u64, server_seed: u64, digest: &[u8; 32]) -> Result<Transcript, Error> {
    use tandem_paillier::test_fixtures::paillier_key;
    let mut crng = rng(client_seed);
    let mut srng = rng(server_seed);
    let (client, server) = driver::keygen::<tandem_curves::Secp256k1, _, _, _>(
        &mut crng,
        &mut srng,
        &mut driver::NoTap,
    )?;
    let fixture_key = |i| paillier_key(i).ok_or(Error::Internal("fixture primes"));
    let mut rec = Recorder::default();
    let (client, server) = driver::aux_info(
        client,
        server,
        fixture_key(0)?,
        fixture_key(1)?,
        &mut crng,
        &mut srng,
        &mut rec,
    )?;
    let (cp, sp) = driver::presign(&client, &server, &mut crng, &mut srng, &mut rec)?;
    let stored_presignatures = (cp.to_bytes()?, sp.to_bytes()?);
    let cp = crate::ecdsa::Presignature::from_bytes(&stored_presignatures.0)?;
    let sp = crate::ecdsa::Presignature::from_bytes(&stored_presignatures.1)?;
    let (signature, _) = driver::ecdsa_sign(
        &client, &server, cp, sp, digest, &mut crng, &mut srng, &mut rec,
    )?;
    let (full, _) =
        driver::ecdsa_full_sign(&client, &server, digest, &mut crng, &mut srng, &mut rec)?;
    Ok(Transcript {
        description: "secp256k1 key generation (not recorded), then CGGMP24 aux info with the \
                      test-only primes 0-3 of test-vectors/primes, presigning, signing from the \
                      presignature, and full signing"
            .into(),
        client_seed,
        server_seed,
        messages: rec.0,
        outputs: vec![
            ("client_key_share".into(), client.to_bytes()?.into()),
            ("server_key_share".into(), server.to_bytes()?.into()),
            (
                "public_key".into(),
                Output(client.core().public_key_bytes().to_vec()),
            ),
            ("client_presignature".into(), stored_presignatures.0.into()),
            ("server_presignature".into(), stored_presignatures.1.into()),
            ("digest".into(), Output(digest.to_vec())),
            ("signature".into(), Output(signature.to_bytes().to_vec())),
            ("recovery_id".into(), Output(vec![signature.recovery_id])),
            ("full_signature".into(), Output(full.to_bytes().to_vec())),
        ],
    })
}

/// Every fixture of format version 1: file name and transcript.
///
/// # Errors
/// Any protocol error (none for honest runs).
pub fn all_v1() -> Result<Vec<(&'static str, Transcript)>, Error> {
    Ok(vec![
        (
            "keygen-secp256k1.json",
            keygen::<tandem_curves::Secp256k1>(1, 2)?,
        ),
        ("keygen-ed25519.json", keygen::<Ed25519>(3, 4)?),
        (
            "eddsa-sign.json",
            eddsa_sign(5, 6, b"Tandem fixture: transfer 1 SOL")?,
        ),
        (
            "ecdsa-secp256k1.json",
            ecdsa(7, 8, &ecdsa_fixture_digest())?,
        ),
    ])
}

/// The digest signed in `ecdsa-secp256k1.json`: SHA-256 of "Tandem fixture: transfer 1 ETH".
#[must_use]
pub fn ecdsa_fixture_digest() -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(b"Tandem fixture: transfer 1 ETH").into()
}

/// Where the version-1 fixtures live, relative to the workspace root.
pub const V1_DIR: &str = "test-vectors/v1";

/// Renders a transcript as the JSON stored in the fixture file.
///
/// # Errors
/// If serialization fails.
pub fn to_json(t: &Transcript) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(t).map(|mut s| {
        s.push('\n');
        s
    })
}

/// Checks (or with `write`, rewrites) fixture files under `<root>/test-vectors/v1/` and fuzz
/// seeds under `<root>/fuzz/corpus/<target>/<first 8 bytes of SHA-256, hex>`; prints one line
/// per file. Returns whether everything was already current. Used by the `fixtures` examples
/// of this crate and of `tandem-backup`.
///
/// # Errors
/// A message if a file cannot be rendered or written.
#[allow(clippy::print_stdout)]
pub fn sync_files(
    root: &std::path::Path,
    transcripts: Vec<(&'static str, Transcript)>,
    seeds: Vec<(&'static str, Vec<u8>)>,
    write: bool,
) -> Result<bool, String> {
    use sha2::Digest;
    let dir = root.join(V1_DIR);
    let mut current = true;
    let mut rewritten = false;
    for (name, transcript) in transcripts {
        let path = dir.join(name);
        let json = to_json(&transcript).map_err(|e| format!("{name}: {e}"))?;
        if std::fs::read_to_string(&path).unwrap_or_default() == json {
            std::println!("{name}: up to date");
        } else if write {
            std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(&path, &json))
                .map_err(|e| format!("{name}: {e}"))?;
            std::println!("{name}: written");
            rewritten = true;
        } else {
            std::println!("{name}: differs (run with --write to regenerate)");
            current = false;
        }
    }
    let corpus = root.join("fuzz/corpus");
    let mut missing = 0;
    for (target, bytes) in seeds {
        let digest: [u8; 32] = sha2::Sha256::digest(&bytes).into();
        let file: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let path = corpus.join(target).join(file);
        if path.exists() {
            continue;
        }
        if write {
            std::fs::create_dir_all(corpus.join(target))
                .and_then(|()| std::fs::write(&path, &bytes))
                .map_err(|e| format!("{path:?}: {e}"))?;
        } else {
            missing += 1;
        }
    }
    std::println!("fuzz corpus: {missing} seeds missing");
    if rewritten {
        // The ECDSA fuzzing states start from the fixture's key shares, compiled in with
        // `include_str!`: their seeds follow a rewritten fixture only after a rebuild.
        std::println!("fixtures rewritten: run once more to refresh the seeds derived from them");
    }
    Ok(current && missing == 0)
}

/// Seed inputs for the fuzz targets in `fuzz/`, by target name: the fixture messages (whole,
/// and their payloads alone, since the round targets also wrap input in a valid envelope),
/// stored key shares, and saved session states.
///
/// # Errors
/// Any protocol error (none for honest runs).
pub fn fuzz_seeds() -> Result<Vec<(&'static str, Vec<u8>)>, Error> {
    use crate::message::Message;
    use crate::message::SessionId;
    use crate::stored::SessionState;

    fn message(seeds: &mut Vec<(&'static str, Vec<u8>)>, target: &'static str, bytes: &[u8]) {
        seeds.push((target, bytes.to_vec()));
        if let Ok(m) = Message::from_bytes(bytes) {
            seeds.push((target, m.payload));
        }
    }
    let mut seeds: Vec<(&'static str, Vec<u8>)> = Vec::new();
    for (name, t) in all_v1()? {
        if name.starts_with("ecdsa") {
            // Per-round seeds come from the ECDSA fuzzing states (`fuzzing::seeds`), whose
            // sessions match; here the envelopes and the stored forms.
            for m in &t.messages {
                message(&mut seeds, "envelope", &m.bytes);
            }
            for (out_name, out) in &t.outputs {
                if out_name.ends_with("key_share") || out_name.ends_with("presignature") {
                    seeds.push(("ecdsa_stored", out.0.clone()));
                }
            }
            continue;
        }
        for m in &t.messages {
            message(&mut seeds, "envelope", &m.bytes);
            let target = match (name.starts_with("keygen"), m.round) {
                (true, 1) => "keygen_server_round1",
                (true, 2) => "keygen_client_round2",
                (true, 3) => "keygen_server_round3",
                (true, _) => "keygen_client_round4",
                (false, 1) => "eddsa_server_request",
                (false, 2) => "eddsa_client_response",
                (false, _) => "eddsa_server_share",
            };
            message(&mut seeds, target, &m.bytes);
        }
        for (out_name, out) in &t.outputs {
            if out_name.ends_with("key_share") {
                seeds.push(("key_share", out.0.clone()));
            }
        }
    }
    // Saved states of every type.
    let (c, m1) = crate::keygen::client_start::<tandem_curves::Secp256k1, _>(
        SessionId([1; 32]),
        &mut rng(11),
    )?;
    let (s, m2) = crate::keygen::server_respond::<tandem_curves::Secp256k1, _>(&m1, &mut rng(12))?;
    seeds.push(("saved_session", s.save().map_err(Error::Storage)?.to_vec()));
    let (c, _) = c.receive(&m2)?;
    seeds.push(("saved_session", c.save().map_err(Error::Storage)?.to_vec()));
    let (client, server) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(14), &mut rng(15), &mut driver::NoTap)?;
    let (_, m1) =
        crate::eddsa::sign::client_start(&client, SessionId([3; 32]), b"seed", &mut rng(16))?;
    let (s, _) =
        crate::eddsa::sign::server_receive_request(&server, &m1)?.approve(&server, &mut rng(17))?;
    seeds.push(("saved_session", s.save().map_err(Error::Storage)?.to_vec()));
    #[cfg(feature = "fuzzing")]
    for (target, bytes) in crate::fuzzing::seeds() {
        message(&mut seeds, target, &bytes);
    }
    Ok(seeds)
}
