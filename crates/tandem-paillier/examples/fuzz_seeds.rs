//! Writes one valid proof per proof fuzz target into `fuzz/corpus/<target>/`.
//! `cargo run -p tandem-paillier --features fuzzing --example fuzz_seeds`

#![allow(clippy::print_stdout, missing_docs)]

use std::path::PathBuf;

fn main() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (target, bytes) in tandem_paillier::fuzzing::seeds() {
        let dir = corpus.join(target);
        let path = dir.join("valid-proof");
        if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &bytes)) {
            eprintln!("{path:?}: {e}");
            std::process::exit(1);
        }
        println!("{target}: {} bytes", bytes.len());
    }
}
