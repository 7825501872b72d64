//! 1536-bit safe-prime generation (fresh primes, OS-independent seeded RNG), one thread.
//! Slow by nature: ten samples take minutes; the median is what matters, the spread is wide.

#![allow(missing_docs, clippy::unwrap_used)]

use core::ops::ControlFlow;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tandem_benches::rng;
use tandem_paillier::primes::generate_safe_prime;

fn primes(c: &mut Criterion) {
    let mut g = c.benchmark_group("primes");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(60));
    let mut r = rng(42);
    g.bench_function("safe prime 1536 bits", |b| {
        b.iter(|| generate_safe_prime(&mut r, &mut |_| ControlFlow::Continue(())).unwrap());
    });
    g.finish();
}

criterion_group!(benches, primes);
criterion_main!(benches);
