//! The seed corpora of every target, made from the fixtures: genuine messages (whole, and
//! their payloads alone, since the round targets also wrap input in a valid envelope), stored
//! values and saved session states.

use tandem_curves::{Ed25519, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::message::{Message, SessionId};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Error, keygen};

use super::Seed;
use crate::transcript::{Transcript, rng};

/// A message as a seed of `target`, whole and its payload alone.
fn message(seeds: &mut Vec<Seed>, target: &'static str, bytes: &[u8]) {
    seeds.push(Seed::new(target, bytes.to_vec()));
    if let Ok(m) = Message::from_bytes(bytes) {
        seeds.push(Seed::new(target, m.payload));
    }
}

/// The seeds from the protocol transcripts (`fixtures::protocol::all`), saved states of
/// seeded runs, and the ECDSA fuzz states (which start from the ECDSA fixture on disk).
fn protocol(transcripts: &[(&'static str, Transcript)]) -> Result<Vec<Seed>, Error> {
    let mut seeds = Vec::new();
    for (name, t) in transcripts {
        if name.starts_with("bip340") {
            // Per-round seeds come from the Taproot fuzzing states (their session and keys
            // match the targets'); here the envelopes and the stored shares.
            for m in &t.messages {
                message(&mut seeds, "envelope", &m.bytes);
            }
            for (out_name, out) in &t.outputs {
                if out_name.ends_with("key_share") {
                    seeds.push(Seed::new("key_share", out.0.clone()));
                }
            }
            continue;
        }
        if name.starts_with("ecdsa") {
            // Per-round seeds come from the ECDSA fuzzing states, whose sessions match; here
            // the envelopes and the stored forms.
            for m in &t.messages {
                message(&mut seeds, "envelope", &m.bytes);
            }
            for (out_name, out) in &t.outputs {
                if out_name.ends_with("key_share") || out_name.ends_with("presignature") {
                    seeds.push(Seed::new("ecdsa_stored", out.0.clone()));
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
                seeds.push(Seed::new("key_share", out.0.clone()));
            }
        }
    }
    // Saved states of every type.
    let saved = |bytes: Result<zeroize::Zeroizing<Vec<u8>>, tandem_protocol::DecodeError>| {
        bytes
            .map(|b| Seed::new("saved_session", b.to_vec()))
            .map_err(Error::Storage)
    };
    let (c, m1) = keygen::client_start::<Secp256k1, _>(SessionId([1; 32]), &mut rng(11))?;
    let (s, m2) = keygen::server_respond::<Secp256k1, _>(&m1, &mut rng(12))?;
    seeds.push(saved(s.save())?);
    let (c, _) = c.receive(&m2)?;
    seeds.push(saved(c.save())?);
    let (client, server) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(14), &mut rng(15), &mut NoTap)?;
    let (_, m1) = tandem_protocol::eddsa::sign::client_start(
        &client,
        SessionId([3; 32]),
        b"seed",
        &mut rng(16),
    )?;
    let (s, _) = tandem_protocol::eddsa::sign::server_receive_request(&server, &m1)?
        .approve(&server, &mut rng(17))?;
    seeds.push(saved(s.save())?);
    for (target, bytes) in super::ecdsa::seeds() {
        message(&mut seeds, target, &bytes);
    }
    for (target, bytes) in super::taproot::seeds() {
        message(&mut seeds, target, &bytes);
    }
    Ok(seeds)
}

/// Every target's seeds: from the protocol and backup transcripts given (as just made or
/// read), the proofs of `tandem-paillier` (`valid-proof`), and the wallet formats (from the
/// v2 wallet store on disk).
///
/// # Errors
/// A message if a seed cannot be made.
pub fn all(
    protocol_transcripts: &[(&'static str, Transcript)],
    backup_transcripts: &[(&'static str, Transcript)],
) -> Result<Vec<Seed>, String> {
    let mut seeds = protocol(protocol_transcripts).map_err(|e| e.to_string())?;
    for (target, bytes) in super::paillier::seeds() {
        seeds.push(Seed::named(target, "valid-proof", bytes));
    }
    for (target, name, bytes) in super::monty::seeds() {
        seeds.push(Seed::named(target, name, bytes));
    }
    seeds.extend(super::backup::seeds(backup_transcripts));
    seeds.extend(super::wallet::seeds()?);
    Ok(seeds)
}
