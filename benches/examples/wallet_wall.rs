//! Wall time of the wallet's generate, refresh and recover with the public fixture primes
//! (no prime search), and of their secp256k1 share step (resharing where there is one, then
//! the auxiliary information, each party on its own thread): what the wallet's runner choice
//! changes. Figures are printed, never asserted.
//!
//! `cargo run --release -p tandem-benches --example wallet_wall -- [runs]` (default 8 runs).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use tandem_curves::CurveId;
use tandem_wallet::progress::{Progress, Step};
use tandem_wallet::{BackupKey, FsStore, Party};
use zeroize::Zeroizing;

/// Runs `op`, returning its wall time and that of its secp256k1 share step: from the step
/// that starts it (`GeneratingShare` on secp256k1 for `party`) to the first `StoringShare`.
fn timed<T>(
    party: Party,
    op: impl FnOnce(&mut (dyn FnMut(Progress) + Send)) -> T,
) -> (Duration, Duration) {
    let start = Instant::now();
    let (mut began, mut took) = (None, None);
    let mut progress = |event: Progress| match event {
        Progress::Step {
            step: Step::GeneratingShare,
            curve: Some(CurveId::Secp256k1),
            party: p,
        } if p == party => began = Some(Instant::now()),
        Progress::Step {
            step: Step::StoringShare,
            ..
        } => {
            if let (Some(b), None) = (began, took) {
                took = Some(b.elapsed());
            }
        }
        _ => {}
    };
    op(&mut progress);
    (start.elapsed(), took.expect("no secp256k1 share step"))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(8, |a| a.parse().expect("runs"));
    let key = BackupKey::RandomKey(Zeroizing::new([7u8; 32]));
    let mut rows: Vec<(&str, Vec<Duration>, Vec<Duration>)> = vec![
        ("generate", vec![], vec![]),
        ("refresh", vec![], vec![]),
        ("recover", vec![], vec![]),
    ];
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let wallet = tandem_testkit::wallet::fixture_wallet(FsStore::create(dir.path()).unwrap());
        let results = [
            timed(Party::Server, |p| wallet.generate(p).unwrap()),
            {
                wallet.backup(&key, &mut |_| {}).unwrap();
                timed(Party::Client, |p| wallet.refresh(p).unwrap())
            },
            timed(Party::Client, |p| wallet.recover(&key, p).unwrap()),
        ];
        for ((_, whole, step), (w, s)) in rows.iter_mut().zip(results) {
            whole.push(w);
            step.push(s);
        }
    }
    println!("wallet with fixture primes, median of {runs} runs (wall)");
    println!(
        "{:<10} {:>12} {:>22}",
        "operation", "whole", "secp256k1 share step"
    );
    for (name, whole, step) in rows {
        println!(
            "{name:<10} {:>9.0} ms {:>19.0} ms",
            median(whole).as_secs_f64() * 1e3,
            median(step).as_secs_f64() * 1e3
        );
    }
}
