//! Paillier operations and the CGGMP24 proofs, 3072-bit moduli (keys from the test-only
//! prime fixtures). Prover figures are the prover's CPU time, verifier figures the
//! verifier's, with the verifier using its own trapdoor and CRT as in the protocol.

#![allow(clippy::disallowed_methods)] // bench code: timing is what is measured, not a secret
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tandem_benches::rng;
use tandem_curves::{Secp256k1, SecretScalar, Transcript};
use tandem_paillier::bigint::{self, I1024, I2048, MontyN};
use tandem_paillier::paillier::Nonce;
use tandem_paillier::proofs::{aff_g, elog, enc, enc_elg, factor, modulus, prm};
use tandem_paillier::ring_pedersen::Verifier;
use tandem_testkit::primes;

fn paillier(c: &mut Criterion) {
    let mut r = rng(1);
    let (sk0, rp0, td0) = primes::aux(0, &mut r).unwrap();
    let (sk1, rp1, td1) = primes::aux(1, &mut r).unwrap();
    let owner0 = Verifier::Owner {
        params: &rp0,
        trapdoor: &td0,
        sk: &sk0,
    };
    let ctx = Transcript::new("bench");
    let m = I1024::from_i64(123_456_789);

    let mut g = c.benchmark_group("paillier");
    g.sample_size(20);
    g.bench_function("modexp 3072-bit, 3072-bit exponent (unit U)", |b| {
        let base = MontyN::new(
            &bigint::random_unit(&mut r, sk0.public().n()),
            sk0.public().params_n(),
        );
        let e = *sk0.public().n().as_ref();
        b.iter(|| base.pow(&e));
    });
    g.bench_function("encrypt, public key (r^N mod N^2)", |b| {
        b.iter(|| sk1.public().encrypt(&mut r, &m))
    });
    g.bench_function("encrypt, own key (CRT)", |b| {
        b.iter(|| sk1.encrypt(&mut r, &m))
    });
    let (ct, _) = sk1.encrypt(&mut r, &m);
    g.bench_function("decrypt (CRT)", |b| b.iter(|| sk1.decrypt(&ct)));
    g.bench_function("scalar mul, 256-bit scalar", |b| {
        b.iter(|| sk1.public().scalar_mul(&ct, &m, 257))
    });
    g.bench_function("key from primes (no primality test)", |b| {
        let ps = primes::safe_primes();
        b.iter(|| {
            tandem_paillier::paillier::SecretKey::from_primes_unchecked(ps[0], ps[1]).unwrap()
        });
    });
    g.finish();

    let mut g = c.benchmark_group("proofs");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("mod prove", |b| {
        b.iter(|| modulus::prove(&sk1, &ctx, &mut r))
    });
    let p = modulus::prove(&sk1, &ctx, &mut r);
    g.bench_function("mod verify", |b| {
        b.iter(|| p.verify(sk1.public(), &ctx).unwrap())
    });
    g.bench_function("prm prove", |b| {
        b.iter(|| prm::prove(&rp1, &td1, &sk1, &ctx, &mut r))
    });
    let p = prm::prove(&rp1, &td1, &sk1, &ctx, &mut r);
    g.bench_function("prm verify", |b| b.iter(|| p.verify(&rp1, &ctx).unwrap()));
    g.bench_function("fac prove", |b| {
        b.iter(|| factor::prove(&sk1, &rp0, &ctx, &mut r).unwrap())
    });
    let p = factor::prove(&sk1, &rp0, &ctx, &mut r).unwrap();
    g.bench_function("fac verify (owner)", |b| {
        b.iter(|| p.verify(sk1.public(), &owner0, &ctx).unwrap())
    });

    let (kc, rho) = sk1.encrypt(&mut r, &m);
    g.bench_function("enc prove", |b| {
        b.iter(|| enc::prove(&sk1, &m, &rho, &kc, &rp0, &ctx, &mut r).unwrap())
    });
    let p = enc::prove(&sk1, &m, &rho, &kc, &rp0, &ctx, &mut r).unwrap();
    g.bench_function("enc verify (owner)", |b| {
        b.iter(|| p.verify(sk1.public(), &kc, &owner0, &ctx).unwrap())
    });

    let a = SecretScalar::<Secp256k1>::random(&mut r).public_point();
    let bsec = SecretScalar::<Secp256k1>::random(&mut r);
    let x = SecretScalar::<Secp256k1>::new(k256::Scalar::from(123_456_789u64));
    let (bp, xp) = (bsec.public_point(), a.mul_secret(&bsec) + x.public_point());
    let st = enc_elg::Statement {
        key: sk1.public(),
        ciphertext: &kc,
        a: &a,
        b: &bp,
        x: &xp,
    };
    g.bench_function("enc-elg prove", |b| {
        b.iter(|| enc_elg::prove(&sk1, &st, &m, &rho, &bsec, &rp0, &ctx, &mut r).unwrap())
    });
    let p = enc_elg::prove(&sk1, &st, &m, &rho, &bsec, &rp0, &ctx, &mut r).unwrap();
    g.bench_function("enc-elg verify (owner)", |b| {
        b.iter(|| p.verify(&st, &owner0, &ctx).unwrap())
    });

    let pk0 = sk0.public();
    let (cc, _) = pk0.encrypt(&mut r, &m);
    let (xw, yw) = (I1024::from_i64(-5), I2048::from_i64(77_777));
    let rd = Nonce(bigint::random_unit(&mut r, pk0.n()));
    let d = pk0.add(&pk0.scalar_mul(&cc, &xw, 16), &pk0.encrypt_with(&yw, &rd.0));
    let (yc, ry) = sk1.encrypt(&mut r, &yw);
    let xpt = SecretScalar::<Secp256k1>::new(-k256::Scalar::from(5u64)).public_point();
    let st = aff_g::Statement {
        verifier_key: pk0,
        prover_key: sk1.public(),
        c: &cc,
        d: &d,
        y: &yc,
        x: &xpt,
    };
    let w = aff_g::Witness {
        x: &xw,
        y: &yw,
        rho: &rd,
        rho_y: &ry,
    };
    g.bench_function("aff-g prove", |b| {
        b.iter(|| aff_g::prove(&sk1, &st, &w, &rp0, &ctx, &mut r).unwrap())
    });
    let p = aff_g::prove(&sk1, &st, &w, &rp0, &ctx, &mut r).unwrap();
    g.bench_function("aff-g verify (owner)", |b| {
        b.iter(|| p.verify(&st, &owner0, &ctx).unwrap())
    });

    let lam = SecretScalar::<Secp256k1>::random(&mut r);
    let yy = SecretScalar::<Secp256k1>::random(&mut r);
    let ex = SecretScalar::<Secp256k1>::random(&mut r).public_point();
    let h = SecretScalar::<Secp256k1>::random(&mut r).public_point();
    let pts = [
        lam.public_point(),
        yy.public_point() + ex.mul_secret(&lam),
        ex,
        h.mul_secret(&yy),
        h,
    ];
    let st = elog::Statement {
        l: &pts[0],
        m: &pts[1],
        x: &pts[2],
        y: &pts[3],
        h: &pts[4],
    };
    g.bench_function("elog prove", |b| {
        b.iter(|| elog::prove(&st, &lam, &yy, &ctx, &mut r))
    });
    let p = elog::prove(&st, &lam, &yy, &ctx, &mut r);
    g.bench_function("elog verify", |b| b.iter(|| p.verify(&st, &ctx).unwrap()));
    g.finish();
}

criterion_group!(benches, paillier);
criterion_main!(benches);
