//! The fuzz entry points under the ordinary test runner: every fixture message, every
//! truncation and every single-bit flip of it, fed to every entry point. None may panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use tandem_protocol::fixtures;
use tandem_protocol::fuzzing;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 10] = [
    ("envelope", fuzzing::envelope),
    ("key_share", fuzzing::key_share),
    ("saved_session", fuzzing::saved_session),
    ("keygen_server_round1", fuzzing::keygen_server_round1),
    ("keygen_client_round2", fuzzing::keygen_client_round2),
    ("keygen_server_round3", fuzzing::keygen_server_round3),
    ("keygen_client_round4", fuzzing::keygen_client_round4),
    ("eddsa_server_request", fuzzing::eddsa_server_request),
    ("eddsa_client_response", fuzzing::eddsa_client_response),
    ("eddsa_server_share", fuzzing::eddsa_server_share),
];

fn inputs() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    // The keygen and Ed25519 fixtures (the ECDSA one is large and its targets slow: below).
    for t in [
        fixtures::keygen::<tandem_curves::Secp256k1>(1, 2).unwrap(),
        fixtures::keygen::<tandem_curves::Ed25519>(3, 4).unwrap(),
        fixtures::eddsa_sign(5, 6, b"Tandem fixture: transfer 1 SOL").unwrap(),
    ] {
        seeds.extend(t.messages.into_iter().map(|m| m.bytes));
        seeds.extend(t.outputs.into_iter().map(|(_, o)| o.0));
    }
    let mut out = Vec::new();
    for s in &seeds {
        out.push(s.clone());
        for len in (0..s.len()).step_by(7) {
            out.push(s[..len].to_vec());
        }
        for bit in (0..s.len() * 8).step_by(13) {
            let mut m = s.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            out.push(m);
        }
    }
    out.push(Vec::new());
    out.push(vec![0xff; 64]);
    out
}

#[test]
fn fuzz_entry_points_never_panic_on_mutated_fixtures() {
    let inputs = inputs();
    assert!(inputs.len() > 1000, "{} inputs", inputs.len());
    for (name, target) in TARGETS {
        for input in &inputs {
            let r = std::panic::catch_unwind(|| target(input));
            assert!(
                r.is_ok(),
                "{name} panicked on {}",
                base16ct::lower::encode_string(input)
            );
        }
    }
}

type EcdsaTarget = (&'static str, Target);

const ECDSA_TARGETS: [EcdsaTarget; 14] = [
    ("ecdsa_stored", fuzzing::ecdsa_stored),
    ("aux_server_commit", fuzzing::aux_server_commit),
    ("aux_client_reveal", fuzzing::aux_client_reveal),
    ("aux_server_opening", fuzzing::aux_server_opening),
    ("aux_client_proofs", fuzzing::aux_client_proofs),
    ("aux_server_proofs", fuzzing::aux_server_proofs),
    ("presign_server_round1", fuzzing::presign_server_round1),
    ("presign_client_round2", fuzzing::presign_client_round2),
    ("presign_server_round3", fuzzing::presign_server_round3),
    ("presign_client_round4", fuzzing::presign_client_round4),
    (
        "ecdsa_sign_server_request",
        fuzzing::ecdsa_sign_server_request,
    ),
    (
        "ecdsa_sign_client_response",
        fuzzing::ecdsa_sign_client_response,
    ),
    (
        "ecdsa_sign_server_finish",
        fuzzing::ecdsa_sign_server_finish,
    ),
    (
        "full_sign_server_request",
        fuzzing::full_sign_server_request,
    ),
];

/// A seed, its truncations at 24 points and 12 single-bit flips spread over it.
fn few_mutations(s: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![s.to_vec()];
    for k in 0..24 {
        out.push(s[..s.len() * k / 24].to_vec());
    }
    let bits = s.len() * 8;
    for k in 0..12 {
        let bit = (bits * k / 12 + 5).min(bits.saturating_sub(1));
        let mut m = s.to_vec();
        if let Some(byte) = m.get_mut(bit / 8) {
            *byte ^= 1 << (bit % 8);
        }
        out.push(m);
    }
    out
}

#[test]
fn ecdsa_entry_points_never_panic_on_mutated_messages() {
    // Each ECDSA target gets its own seeds with a few mutations and every other seed as it
    // is (a near-valid message costs proof verifications; long campaigns are cargo-fuzz's).
    let seeds = fuzzing::seeds();
    assert!(seeds.len() >= 14, "{} seeds", seeds.len());
    for (name, target) in ECDSA_TARGETS {
        for (seed_target, seed) in &seeds {
            let inputs = if *seed_target == name {
                few_mutations(seed)
            } else {
                vec![seed.clone()]
            };
            for input in &inputs {
                let r = std::panic::catch_unwind(|| target(input));
                assert!(r.is_ok(), "{name} panicked on {} bytes", input.len());
            }
        }
    }
}
