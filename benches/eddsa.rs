//! 2-of-2 Ed25519 (FROST, RFC 9591) next to single-party ed25519-dalek.
//!
//! Every protocol figure is both parties in one process, one thread, with all messages
//! going through their byte encodings and every peer point validated (canonical, prime
//! order):
//! - "sign, RFC two rounds": round 1 (commitments), round 2 (server share), client
//!   aggregation and final verification: the signature as the client obtains it.
//! - "sign, with server confirmation": the above plus the third message, after which the
//!   server has aggregated and verified the signature too (what `driver::eddsa_sign` runs).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use std::hint::black_box;
use tandem_benches::rng;
use tandem_curves::{Ed25519, Secp256k1};
use tandem_protocol::driver::{self, NoTap};

const MESSAGE: &[u8] = b"transfer 1 SOL";

fn eddsa(c: &mut Criterion) {
    let mut g = c.benchmark_group("ed25519");
    let (client, server) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    let mut crng = rng(3);
    let mut srng = rng(4);
    g.bench_function("2-of-2 sign, RFC two rounds (client output)", |b| {
        b.iter(|| {
            driver::eddsa_sign_for_client(
                &client,
                &server,
                black_box(MESSAGE),
                &mut crng,
                &mut srng,
                &mut NoTap,
            )
            .unwrap()
        });
    });
    g.bench_function("2-of-2 sign, with server confirmation", |b| {
        b.iter(|| {
            driver::eddsa_sign(
                &client,
                &server,
                black_box(MESSAGE),
                &mut crng,
                &mut srng,
                &mut NoTap,
            )
            .unwrap()
        });
    });
    g.bench_function("2-of-2 keygen", |b| {
        b.iter(|| driver::keygen::<Ed25519, _, _, _>(&mut crng, &mut srng, &mut NoTap).unwrap());
    });

    // Single-party baseline.
    let sk = SigningKey::from_bytes(&[7; 32]);
    let vk = sk.verifying_key();
    let sig = sk.sign(MESSAGE);
    g.bench_function("baseline ed25519-dalek sign", |b| {
        b.iter(|| sk.sign(black_box(MESSAGE)))
    });
    g.bench_function("baseline ed25519-dalek verify_strict", |b| {
        b.iter(|| vk.verify_strict(black_box(MESSAGE), &sig).unwrap());
    });
    g.finish();

    let mut g = c.benchmark_group("secp256k1");
    g.bench_function("2-of-2 keygen", |b| {
        b.iter(|| driver::keygen::<Secp256k1, _, _, _>(&mut crng, &mut srng, &mut NoTap).unwrap());
    });
    g.finish();
}

criterion_group!(benches, eddsa);
criterion_main!(benches);
