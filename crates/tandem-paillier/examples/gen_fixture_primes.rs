//! Generates fresh 1536-bit safe primes (OS randomness) and prints them as hex, one per line.
//! Used once to create `test-vectors/primes/safe-primes-1536.json` (test-only fixtures).
//!
//! `cargo run --release -p tandem-paillier --example gen_fixture_primes -- COUNT`
//!
//! With a second argument `SEED`, prime `i` comes from ChaCha20 seeded with `SEED + i`
//! instead (reproducible searches for comparing changes to the search; not for fixtures).

#![allow(clippy::print_stdout, missing_docs)]

use core::ops::ControlFlow;
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::{SeedableRng, UnwrapErr};
use tandem_paillier::primes::generate_safe_prime;

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let seed: Option<u64> = std::env::args().nth(2).and_then(|s| s.parse().ok());
    let mut os_rng = UnwrapErr(getrandom::SysRng);
    let (mut total_tested, total_start) = (0, Instant::now());
    for i in 0..count {
        let start = Instant::now();
        let mut tested = 0;
        let mut seeded = seed.map(|s| ChaCha20Rng::seed_from_u64(s + i as u64));
        let rng: &mut dyn rand_core::CryptoRng = match seeded.as_mut() {
            Some(r) => r,
            None => &mut os_rng,
        };
        let Ok(p) = generate_safe_prime(rng, &mut |progress| {
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
        total_tested += tested;
        println!("{p:x}");
    }
    eprintln!(
        "total: {total_tested} candidates, {:.2} s",
        total_start.elapsed().as_secs_f64()
    );
}
