//! Checks, or with `--write` regenerates, every fixture in `test-vectors/` and every fuzz
//! seed in `fuzz/corpus/`, in one pass; exits non-zero when anything was out of date (check
//! mode) or could not be written.
//!
//! `cargo run -p tandem-testkit --bin fixtures [-- --write]`

use std::process::ExitCode;

fn main() -> ExitCode {
    let write = std::env::args().skip(1).any(|a| a == "--write");
    match tandem_testkit::fixtures::run(write) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}
