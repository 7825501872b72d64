//! Regenerates (`--write`) or checks the backup fixtures in `test-vectors/v1/` and the seed
//! corpora of the backup fuzz targets.
//!
//! `cargo run -p tandem-backup --features fuzzing --example backup_fixtures -- --write`

#![allow(missing_docs)]

use std::path::PathBuf;
use std::process::ExitCode;

use tandem_backup::{fixtures, fuzzing};

fn main() -> ExitCode {
    let write = std::env::args().any(|a| a == "--write");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let result = fixtures::all_v1()
        .and_then(|t| Ok((t, fuzzing::fuzz_seeds()?)))
        .map_err(|e| e.to_string())
        .and_then(|(t, seeds)| tandem_protocol::fixtures::sync_files(&root, t, seeds, write));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
