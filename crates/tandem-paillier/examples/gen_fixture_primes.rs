//! Generates fresh 1536-bit safe primes (OS randomness) and prints them as hex, one per line.
//! Used once to create `test-vectors/primes/safe-primes-1536.json` (test-only fixtures).
//!
//! `cargo run --release -p tandem-paillier --example gen_fixture_primes -- COUNT`

#![allow(clippy::print_stdout, missing_docs)]

use core::ops::ControlFlow;
use std::time::Instant;

use rand_core::UnwrapErr;
use tandem_paillier::primes::generate_safe_prime;

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let mut rng = UnwrapErr(getrandom::SysRng);
    for _ in 0..count {
        let start = Instant::now();
        let mut tested = 0;
        let Ok(p) = generate_safe_prime(&mut rng, &mut |progress| {
            tested = progress.candidates;
            ControlFlow::Continue(())
        }) else {
            eprintln!("generation failed");
            std::process::exit(1);
        };
        eprintln!(
            "{tested} candidates, {:.2} s",
            start.elapsed().as_secs_f64()
        );
        println!("{p:x}");
    }
}
