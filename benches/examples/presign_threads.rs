//! Presigning (both parties in turn, the in-memory driver) on a pool of 1 thread and of 2,
//! the two alternated run by run so that the machine's drift hits both alike; prints the
//! medians, the parallel fraction `f` (`T2/T1 = 1 − f/2`) and Amdahl's model for 4 and 8
//! threads. Figures are printed, never asserted. Uses the frozen fixture's key shares.
//!
//! `cargo run --release -p tandem-benches --example presign_threads -- [runs [1|2]]` (default
//! 20 runs of each; `1` or `2`: that pool alone).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

use std::time::{Duration, Instant};

use tandem_paillier::parallel::ThreadPool;
use tandem_protocol::driver::{self, NoTap};
use tandem_testkit::ecdsa::fixture_pair;
use tandem_testkit::transcript::rng;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runs: u64 = std::env::args()
        .nth(1)
        .map_or(20, |a| a.parse().expect("runs"));
    let pair = fixture_pair();
    let pools = [ThreadPool::new(1).unwrap(), ThreadPool::new(2).unwrap()];
    let mut times = [Vec::new(), Vec::new()];
    // `only`: 1 or 2 runs that pool alone (the other's figure is then 0).
    let only: Option<usize> = std::env::args().nth(2).map(|a| a.parse().expect("1 or 2"));
    for run in 0..=runs {
        for (i, (pool, times)) in pools.iter().zip(&mut times).enumerate() {
            if only.is_some_and(|o| o != i + 1) {
                times.push(Duration::ZERO);
                continue;
            }
            let _entered = pool.enter();
            let start = Instant::now();
            driver::presign(
                &pair.client,
                &pair.server,
                &mut rng(2 * run),
                &mut rng(2 * run + 1),
                &mut NoTap,
            )
            .unwrap();
            // The first run of each builds the nonce tables: not counted.
            if run > 0 {
                times.push(start.elapsed());
            }
        }
    }
    let [one, two] = times.map(median);
    let f = 2.0 * (1.0 - two.as_secs_f64() / one.as_secs_f64());
    let model = |n: f64| one.as_secs_f64() * (1.0 - f + f / n) * 1e3;
    println!(
        "presignature, both parties in turn ({runs} runs each): 1 thread {:.0} ms, 2 threads \
         {:.0} ms; f = {f:.2}; model 4 threads {:.0} ms, 8 threads {:.0} ms",
        one.as_secs_f64() * 1e3,
        two.as_secs_f64() * 1e3,
        model(4.0),
        model(8.0)
    );
}
