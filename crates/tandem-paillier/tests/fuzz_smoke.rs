//! The proof fuzz entry points under the ordinary test runner: every valid seed, its
//! truncations, and a dozen bit flips in its first kilobyte (the fuzzers do the rest in CI).
//! None may panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_paillier::fuzzing;

#[test]
fn proof_entry_points_never_panic() {
    let seeds = fuzzing::seeds();
    assert_eq!(seeds.len(), 7, "one seed per proof");
    for (target, seed) in seeds {
        let f: fn(&[u8]) = match target {
            "proof_mod" => fuzzing::proof_mod,
            "proof_prm" => fuzzing::proof_prm,
            "proof_fac" => fuzzing::proof_fac,
            "proof_enc" => fuzzing::proof_enc,
            "proof_enc_elg" => fuzzing::proof_enc_elg,
            "proof_aff_g" => fuzzing::proof_aff_g,
            "proof_elog" => fuzzing::proof_elog,
            other => panic!("unknown target {other}"),
        };
        let mut inputs = vec![Vec::new(), seed.clone()];
        for cut in (0..seed.len()).step_by(seed.len() / 24 + 1) {
            inputs.push(seed[..cut].to_vec());
        }
        // Flips early in the encoding (headers, commitments, first responses): cheap to
        // reject, and they reach every decoder and early check.
        let limit = seed.len().min(1024);
        for bit in (0..limit * 8).step_by(limit * 8 / 12 + 1) {
            let mut m = seed.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            inputs.push(m);
        }
        for input in &inputs {
            assert!(
                std::panic::catch_unwind(|| f(input)).is_ok(),
                "{target} panicked"
            );
        }
    }
}
