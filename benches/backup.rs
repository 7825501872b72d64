//! Backup, recovery and refresh (the two-party resharing) on both curves, and the backup
//! envelope. Both parties in one process, one thread, every message through its encoding.
//!
//! For secp256k1 these are the share-resharing part only: recovery and refresh then run the
//! auxiliary-information protocol with fresh Paillier keys, measured by `benches/ecdsa.rs`
//! ("aux info") and `benches/primes.rs` (safe primes).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use tandem_backup::envelope::{self, KeySource, PasswordParams};
use tandem_benches::rng;
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::BackupKind;
use tandem_protocol::driver::reshare;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::reshare::{Backup, Recover, Refresh};

fn curve<C: Curve>(c: &mut Criterion, name: &str) {
    let mut g = c.benchmark_group(name);
    let (client, server) =
        driver::keygen::<C, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    let (bc, bk) =
        reshare::<Backup, C, _, _, _>(&client, &server, &mut rng(3), &mut rng(4), &mut NoTap)
            .unwrap();
    let (mut crng, mut srng) = (rng(5), rng(6));
    g.bench_function("backup (signing pair -> backup pair)", |b| {
        b.iter(|| {
            reshare::<Backup, C, _, _, _>(&client, &server, &mut crng, &mut srng, &mut NoTap)
                .unwrap()
        });
    });
    g.bench_function("recover, shares (backup pair -> signing pair)", |b| {
        b.iter(|| {
            reshare::<Recover, C, _, _, _>(&bc, &bk, &mut crng, &mut srng, &mut NoTap).unwrap()
        });
    });
    g.bench_function("refresh, shares (signing pair -> signing pair)", |b| {
        b.iter(|| {
            reshare::<Refresh, C, _, _, _>(&client, &server, &mut crng, &mut srng, &mut NoTap)
                .unwrap()
        });
    });
    g.finish();
}

fn envelopes(c: &mut Criterion) {
    let mut g = c.benchmark_group("envelope");
    g.sample_size(10);
    let (client, server) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    let (bc, _) =
        reshare::<Backup, Ed25519, _, _, _>(&client, &server, &mut rng(3), &mut rng(4), &mut NoTap)
            .unwrap();
    let key = [7u8; 32];
    let mut r = rng(7);
    let sealed = envelope::seal(&bc, "w", &KeySource::RandomKey(&key), &mut r).unwrap();
    g.bench_function("seal, random key", |b| {
        b.iter(|| envelope::seal(&bc, "w", &KeySource::RandomKey(&key), &mut r).unwrap());
    });
    g.bench_function("open, random key", |b| {
        b.iter(|| {
            envelope::open::<Ed25519>(
                &sealed,
                "w",
                BackupKind::ClientBackup,
                &KeySource::RandomKey(&key),
            )
            .unwrap()
        });
    });
    let sealed_pw = envelope::seal(&bc, "w", &KeySource::Password(b"123456"), &mut r).unwrap();
    g.bench_function("open, password (Argon2id default: 64 MiB, t = 3)", |b| {
        b.iter(|| {
            envelope::open::<Ed25519>(
                &sealed_pw,
                "w",
                BackupKind::ClientBackup,
                &KeySource::Password(b"123456"),
            )
            .unwrap()
        });
    });
    let _ = PasswordParams::DEFAULT;
    g.finish();
}

fn all(c: &mut Criterion) {
    curve::<Ed25519>(c, "backup ed25519");
    curve::<Secp256k1>(c, "backup secp256k1");
    envelopes(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
