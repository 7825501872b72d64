//! Every fuzz entry point of an ordinary build (`tandem_testkit::fuzzing::TARGETS`) under the
//! ordinary test runner, over the committed seed corpus `fuzz/corpus/<target>/`: each seed,
//! its truncations and bit flips spread over it. None may panic. The long campaigns, and the
//! targets that exist only under `cfg(fuzzing)` (`FUZZING_ONLY`), are cargo-fuzz's: `.ci/run`
//! builds every target with `cargo +nightly fuzz build -s none` and runs each for a smoke time.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::panic::catch_unwind;

use tandem_testkit::fuzzing::{
    FUZZING_ONLY, SERVICE, TARGETS, Target, at_rest_record, mutations, wallet_record,
};
use tandem_testkit::paths;

/// The committed seeds of `target`.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = paths::corpus().join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn target(name: &str) -> Target {
    TARGETS.iter().find(|(n, _)| *n == name).unwrap().1
}

/// Feeds each target of `names` its corpus with `cuts` truncations and `flips` bit flips per
/// seed.
fn smoke(names: &[&str], cuts: usize, flips: usize) {
    for name in names {
        let f = target(name);
        let seeds = corpus(name);
        assert!(!seeds.is_empty(), "{name}: no seeds in fuzz/corpus");
        for seed in &seeds {
            for input in mutations(seed, cuts, flips) {
                assert!(
                    catch_unwind(|| f(&input)).is_ok(),
                    "{name} panicked on {} bytes",
                    input.len()
                );
            }
        }
    }
}

const PROTOCOL: &[&str] = &[
    "envelope",
    "key_share",
    "saved_session",
    "keygen_server_round1",
    "keygen_client_round2",
    "keygen_server_round3",
    "keygen_client_round4",
    "eddsa_server_request",
    "eddsa_client_response",
    "eddsa_server_share",
    "bip340_server_request",
    "bip340_client_response",
    "bip340_server_share",
];

/// A near-valid message costs proof verifications (a fraction of a second to seconds): fewer
/// mutations per seed.
const ECDSA: &[&str] = &[
    "ecdsa_stored",
    "aux_server_commit",
    "aux_client_reveal",
    "aux_server_opening",
    "aux_client_proofs",
    "aux_server_proofs",
    "presign_server_round1",
    "ecdsa_sign_server_request",
    "ecdsa_sign_client_response",
    "ecdsa_sign_server_finish",
    "full_sign_server_request",
];

const PROOFS: &[&str] = &[
    "proof_mod",
    "proof_prm",
    "proof_fac",
    "proof_enc",
    "proof_enc_elg",
    "proof_aff_g",
    "proof_elog",
    "monty_pow",
];

const BACKUP: &[&str] = &[
    "backup_share",
    "sealed_share",
    "reshare_server_round1",
    "reshare_client_round2",
    "reshare_server_round3",
    "reshare_client_round4",
];

const WALLET: &[&str] = &["wallet_record", "at_rest_record", "hd"];

#[test]
fn protocol_entry_points_never_panic() {
    smoke(PROTOCOL, 32, 64);
}

#[test]
fn ecdsa_entry_points_never_panic() {
    smoke(ECDSA, 8, 3);
}

#[test]
fn proof_entry_points_never_panic() {
    smoke(PROOFS, 12, 8);
}

#[test]
fn backup_entry_points_never_panic() {
    smoke(BACKUP, 32, 64);
}

#[test]
fn wallet_entry_points_never_panic() {
    smoke(WALLET, 32, 64);
}

/// Every target of `fuzz/` is a one-line call of the entry point of its name, and is smoked
/// here unless it exists only in cargo-fuzz builds.
#[test]
fn every_fuzz_target_is_an_entry_point_smoked_here() {
    let dir = paths::workspace_root().join("fuzz/fuzz_targets");
    let mut in_fuzz = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let entry = if SERVICE.contains(&name.as_str()) {
            format!("tandem_cli::fuzzing::{name}(data)")
        } else {
            format!("tandem_testkit::fuzzing::{name}(data)")
        };
        assert!(text.contains(&entry), "{path:?} calls {entry}");
        in_fuzz.insert(name);
    }
    let smoked: BTreeSet<String> = [PROTOCOL, ECDSA, PROOFS, BACKUP, WALLET]
        .concat()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let entry_points: BTreeSet<String> = TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(smoked, entry_points, "every entry point is smoked");
    let all: BTreeSet<String> = entry_points
        .into_iter()
        .chain(FUZZING_ONLY.iter().chain(SERVICE).map(|n| (*n).to_owned()))
        .collect();
    assert_eq!(in_fuzz, all, "fuzz/fuzz_targets vs. the entry points");
}

/// The committed wallet seeds are accepted by their targets (so the fuzzer starts from valid
/// records), and one flipped byte in either is refused.
#[test]
fn wallet_seeds_are_valid_records() {
    let seed = |target| std::fs::read(paths::corpus().join(target).join("seed-v1")).unwrap();
    let record = seed("wallet_record");
    assert!(wallet_record(&record));
    let sealed = seed("at_rest_record");
    assert!(at_rest_record(&sealed));
    let mut bad = sealed.clone();
    bad[20] ^= 1;
    assert!(!at_rest_record(&bad));
    let mut bad = record.clone();
    bad[10] ^= 0x20;
    assert!(!wallet_record(&bad));
}
