//! 2-of-2 ECDSA on secp256k1 (CGGMP24) next to single-party k256.
//!
//! Protocol figures are both parties in one process with every message going through its
//! byte encoding and every check run:
//! - "one thread": both parties on one thread — the CPU total of the two parties;
//! - "one thread per party": each party on its own thread, linked by channels (the wallet's
//!   `Threaded` executor) — the wall time a user would see on a zero-latency network.
//!
//! Aux info uses the test-only fixture primes (prime generation is benched in `primes`).
//! Online signing starts from a stored presignature pair decoded outside the measurement.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use k256::ecdsa::{Signature, SigningKey};
use tandem_benches::rng;
use tandem_curves::Secp256k1;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{EcdsaKeyShare, Presignature};
use tandem_protocol::runner::Exchange;
use tandem_testkit::primes::paillier_key;
use tandem_wallet::Threaded;

const DIGEST: [u8; 32] = [0x42; 32];

fn shares() -> (EcdsaKeyShare, EcdsaKeyShare) {
    let (c, s) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    driver::aux_info(
        c,
        s,
        paillier_key(0).unwrap(),
        paillier_key(1).unwrap(),
        &mut rng(3),
        &mut rng(4),
        &mut NoTap,
    )
    .unwrap()
}

/// Presigning with each party on its own thread (the wallet's executor).
fn presign_threads(client: &EcdsaKeyShare, server: &EcdsaKeyShare, seed: u64) {
    Threaded
        .run(
            driver::parties::presign(client, server),
            &mut rng(seed),
            &mut rng(seed + 1),
        )
        .unwrap();
}

fn ecdsa(c: &mut Criterion) {
    let (client, server) = shares();
    let mut g = c.benchmark_group("secp256k1");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));

    g.bench_function("aux info, fixture primes (one thread)", |b| {
        let mut seed = 10;
        b.iter_batched(
            || {
                seed += 2;
                let (c, s) = driver::keygen::<Secp256k1, _, _, _>(
                    &mut rng(seed),
                    &mut rng(seed + 1),
                    &mut NoTap,
                )
                .unwrap();
                (c, s, paillier_key(0).unwrap(), paillier_key(1).unwrap())
            },
            |(c, s, pc, ps)| {
                driver::aux_info(c, s, pc, ps, &mut rng(5), &mut rng(6), &mut NoTap).unwrap()
            },
            BatchSize::PerIteration,
        );
    });

    let mut crng = rng(20);
    let mut srng = rng(21);
    g.bench_function("presign (one thread)", |b| {
        b.iter(|| driver::presign(&client, &server, &mut crng, &mut srng, &mut NoTap).unwrap());
    });
    let mut seed = 1000;
    g.bench_function("presign (one thread per party)", |b| {
        b.iter(|| {
            seed += 2;
            presign_threads(&client, &server, seed);
        });
    });
    g.bench_function("full sign (one thread)", |b| {
        b.iter(|| {
            driver::ecdsa_full_sign(
                &client,
                &server,
                black_box(&DIGEST),
                &mut crng,
                &mut srng,
                &mut NoTap,
            )
            .unwrap()
        });
    });
    g.finish();

    // Online signing: many iterations, so each starts from a copy of one stored pair.
    let (cp, sp) = driver::presign(&client, &server, &mut crng, &mut srng, &mut NoTap).unwrap();
    let stored = (cp.to_bytes().unwrap(), sp.to_bytes().unwrap());
    let mut g = c.benchmark_group("secp256k1");
    g.bench_function(
        "online sign from presignature, client verifies (one thread)",
        |b| {
            b.iter_batched(
                || {
                    (
                        Presignature::from_bytes(&stored.0).unwrap(),
                        Presignature::from_bytes(&stored.1).unwrap(),
                    )
                },
                |(cp, sp)| {
                    driver::ecdsa_sign_for_client(
                        &client,
                        &server,
                        cp,
                        sp,
                        black_box(&DIGEST),
                        &mut crng,
                        &mut srng,
                        &mut NoTap,
                    )
                    .unwrap()
                },
                BatchSize::SmallInput,
            );
        },
    );
    g.bench_function(
        "online sign from presignature, both verify (one thread)",
        |b| {
            b.iter_batched(
                || {
                    (
                        Presignature::from_bytes(&stored.0).unwrap(),
                        Presignature::from_bytes(&stored.1).unwrap(),
                    )
                },
                |(cp, sp)| {
                    driver::ecdsa_sign(
                        &client,
                        &server,
                        cp,
                        sp,
                        black_box(&DIGEST),
                        &mut crng,
                        &mut srng,
                        &mut NoTap,
                    )
                    .unwrap()
                },
                BatchSize::SmallInput,
            );
        },
    );
    // Single-party baseline.
    let sk = SigningKey::from_slice(&[7; 32]).unwrap();
    let vk = *sk.verifying_key();
    let sig: Signature = sk.sign_prehash(&DIGEST).unwrap();
    g.bench_function("baseline k256 sign (prehash)", |b| {
        b.iter(|| -> Signature { sk.sign_prehash(black_box(&DIGEST)).unwrap() });
    });
    g.bench_function("baseline k256 verify (prehash)", |b| {
        b.iter(|| vk.verify_prehash(black_box(&DIGEST), &sig).unwrap());
    });
    g.finish();
}

criterion_group!(benches, ecdsa);
criterion_main!(benches);
