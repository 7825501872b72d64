//! Regenerates (`--write`) or checks the frozen-format fixtures in `test-vectors/v1/`.
//!
//! `cargo run -p tandem-protocol --features fuzzing --example fixtures -- --write`

#![allow(clippy::print_stdout, missing_docs)]

use std::path::PathBuf;
use std::process::ExitCode;

use sha2::Digest;
use tandem_protocol::fixtures;

fn main() -> ExitCode {
    let write = std::env::args().any(|a| a == "--write");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(fixtures::V1_DIR);
    let all = match fixtures::all_v1() {
        Ok(all) => all,
        Err(e) => {
            eprintln!("generation failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = 0;
    for (name, transcript) in all {
        let path = dir.join(name);
        let json = match fixtures::to_json(&transcript) {
            Ok(json) => json,
            Err(e) => {
                eprintln!("{name}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == json {
            println!("{name}: up to date");
        } else if write {
            if let Err(e) =
                std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &json))
            {
                eprintln!("{name}: {e}");
                return ExitCode::FAILURE;
            }
            println!("{name}: written");
        } else {
            println!("{name}: differs (run with --write to regenerate)");
            stale += 1;
        }
    }
    // Fuzz seed corpora: fuzz/corpus/<target>/<sha-256 prefix of the content>.
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let seeds = match fixtures::fuzz_seeds() {
        Ok(seeds) => seeds,
        Err(e) => {
            eprintln!("fuzz seeds: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut missing = 0;
    for (target, bytes) in seeds {
        let digest: [u8; 32] = sha2::Sha256::digest(&bytes).into();
        let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let path = corpus.join(target).join(name);
        if path.exists() {
            continue;
        }
        if !write {
            missing += 1;
            continue;
        }
        if let Err(e) = std::fs::create_dir_all(corpus.join(target))
            .and_then(|()| std::fs::write(&path, &bytes))
        {
            eprintln!("{path:?}: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("fuzz corpus: {missing} seeds missing");
    if stale == 0 && missing == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
