//! The hand-written Montgomery squaring (`tandem_paillier::monty`) against crypto-bigint's, at
//! the three sizes Tandem uses: one squaring, and a whole constant-time exponentiation with
//! an exponent as long as the modulus.

#![allow(clippy::disallowed_methods)] // bench code: timing is what is measured, not a secret
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, Random, U1536, U3072, U6144, Uint};
use tandem_benches::rng;
use tandem_paillier::monty;

fn size<const L: usize>(c: &mut Criterion, name: &str) {
    let mut r = rng(L as u64);
    let m =
        Uint::<L>::random_from_rng(&mut r) | Uint::ONE | Uint::ONE.shl_vartime(Uint::<L>::BITS - 1);
    let params = FixedMontyParams::new_vartime(Odd::new(m).unwrap());
    let x = FixedMontyForm::new(&Uint::random_from_rng(&mut r), &params);
    let e = Uint::<L>::random_from_rng(&mut r);
    let mut g = c.benchmark_group(format!("monty {name}"));
    g.sample_size(if L > 48 { 20 } else { 50 });
    g.bench_function("square, crypto-bigint", |b| b.iter(|| x.square()));
    g.bench_function("square, product scanning", |b| b.iter(|| monty::square(&x)));
    g.bench_function("pow (constant time), crypto-bigint", |b| {
        b.iter(|| x.pow_bounded_exp(&e, Uint::<L>::BITS))
    });
    g.bench_function("pow (constant time), product scanning", |b| {
        b.iter(|| monty::pow_bounded(&x, &e, Uint::<L>::BITS))
    });
    g.bench_function("pow (public exponent), crypto-bigint", |b| {
        b.iter(|| x.pow_vartime(&e))
    });
    g.bench_function("pow (public exponent), sliding windows", |b| {
        b.iter(|| monty::pow_public(&x, &e))
    });
    g.finish();
}

fn monty_benches(c: &mut Criterion) {
    size::<{ U1536::LIMBS }>(c, "1536");
    size::<{ U3072::LIMBS }>(c, "3072");
    size::<{ U6144::LIMBS }>(c, "6144");
}

criterion_group!(benches, monty_benches);
criterion_main!(benches);
