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
    for (_, t) in fixtures::all_v1().unwrap() {
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
