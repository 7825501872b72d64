//! Regenerates (`--write`) or checks the frozen-format fixtures in `test-vectors/v1/` and
//! the fuzz seed corpora.
//!
//! `cargo run -p tandem-protocol --features fuzzing --example fixtures -- --write`

#![allow(missing_docs)]

use std::path::PathBuf;
use std::process::ExitCode;

use tandem_protocol::fixtures;

fn main() -> ExitCode {
    let write = std::env::args().any(|a| a == "--write");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let result = fixtures::all_v1()
        .and_then(|t| Ok((t, fixtures::fuzz_seeds()?)))
        .map_err(|e| e.to_string())
        .and_then(|(t, seeds)| fixtures::sync_files(&root, t, seeds, write));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
