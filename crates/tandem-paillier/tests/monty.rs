//! Property tests of the hand-written Montgomery arithmetic (`tandem_paillier::monty`)
//! against crypto-bigint, at the sizes the protocols use (1536-bit primes, 3072-bit `N`, `p²`
//! and `q²`, 6144-bit `N²`) and on the protocol's own moduli (the fixture keys' `p`, `p²`,
//! `N`, `N²`). The differential fuzz target `monty_pow` covers arbitrary moduli and sizes.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, Random, U1536, U3072, U6144, Uint};
use proptest::prelude::*;
use support::{PROVER, rng};
use tandem_paillier::monty;

/// A random odd modulus of exactly `L` words (top bit set), from `seed`.
fn modulus<const L: usize>(seed: u64) -> FixedMontyParams<L> {
    let mut r = rng(seed);
    let m =
        Uint::<L>::random_from_rng(&mut r) | Uint::ONE | Uint::ONE.shl_vartime(Uint::<L>::BITS - 1);
    FixedMontyParams::new_vartime(Odd::new(m).unwrap())
}

/// The squaring and both exponentiations agree with crypto-bigint for `x` (and `y`, squared
/// too) and the exponent `e` reduced to `bits` bits.
fn agree<const L: usize>(
    params: &FixedMontyParams<L>,
    x: &Uint<L>,
    y: &Uint<L>,
    e: &Uint<L>,
    bits: u32,
) {
    let a = FixedMontyForm::new(x, params);
    let b = FixedMontyForm::new(y, params);
    assert_eq!(monty::square(&a), a.square());
    assert_eq!(monty::square(&b), b.square());
    assert_eq!(monty::pow_bounded(&a, e, bits), a.pow_bounded_exp(e, bits));
    // The exponent cut to `bits` bits (all of it at full length).
    let short = Uint::ONE
        .overflowing_shl_vartime(bits)
        .map_or(*e, |bit| e.bitand(&bit.wrapping_sub(&Uint::ONE)));
    assert_eq!(monty::pow_public(&a, &short), a.pow_vartime(&short));
}

fn edge_values<const L: usize>(params: &FixedMontyParams<L>) -> [Uint<L>; 4] {
    let m = *params.modulus().as_ref();
    [
        Uint::ZERO,
        Uint::ONE,
        m.wrapping_sub(&Uint::ONE),
        m.shr_vartime(1),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn agrees_with_crypto_bigint_at_1536_bits(seed in any::<u64>(), bits in 0u32..=1536) {
        let params = modulus::<{ U1536::LIMBS }>(seed);
        let mut r = rng(seed ^ 1);
        let (x, y, e) = (Uint::random_from_rng(&mut r), Uint::random_from_rng(&mut r), Uint::random_from_rng(&mut r));
        agree(&params, &x, &y, &e, bits);
    }

    #[test]
    fn agrees_with_crypto_bigint_at_3072_bits(seed in any::<u64>(), bits in 0u32..=400) {
        let params = modulus::<{ U3072::LIMBS }>(seed);
        let mut r = rng(seed ^ 2);
        let (x, y, e) = (Uint::random_from_rng(&mut r), Uint::random_from_rng(&mut r), Uint::random_from_rng(&mut r));
        agree(&params, &x, &y, &e, bits);
    }

    #[test]
    fn agrees_with_crypto_bigint_at_6144_bits(seed in any::<u64>(), bits in 0u32..=200) {
        let params = modulus::<{ U6144::LIMBS }>(seed);
        let mut r = rng(seed ^ 3);
        let (x, y, e) = (Uint::random_from_rng(&mut r), Uint::random_from_rng(&mut r), Uint::random_from_rng(&mut r));
        agree(&params, &x, &y, &e, bits);
    }
}

#[test]
fn full_length_exponents_and_edge_values_on_the_protocols_moduli() {
    let sk = &PROVER.sk;
    let p = tandem_testkit::primes::safe_primes()[0];
    let pp = &FixedMontyParams::new_vartime(Odd::new(p).unwrap());
    let p2: U3072 = p.widening_square().into();
    let p2_params = FixedMontyParams::new_vartime(Odd::new(p2).unwrap());
    let n = *sk.public().n();
    let n_params = FixedMontyParams::new_vartime(n);
    let n2_params = *sk.public().params_n2();
    let mut r = rng(77);
    let e1536 = U1536::random_from_rng(&mut r);
    for x in edge_values(pp)
        .into_iter()
        .chain([U1536::random_from_rng(&mut r)])
    {
        agree(pp, &x, &e1536, &e1536, 1536);
    }
    let e3072 = *n.as_ref();
    // Decryption's c^(p-1) mod p².
    for x in edge_values(&p2_params).into_iter() {
        agree(&p2_params, &x, &e3072, &p2.wrapping_sub(&U3072::ONE), 3072);
    }
    for x in edge_values(&n_params)
        .into_iter()
        .chain([U3072::random_from_rng(&mut r)])
    {
        agree(&n_params, &x, &e3072, &e3072, 3072);
    }
    // r^N mod N², the encryption's exponentiation.
    let e6144: U6144 = n.as_ref().resize();
    for x in edge_values(&n2_params)
        .into_iter()
        .chain([U6144::random_from_rng(&mut r)])
    {
        agree(&n2_params, &x, &e6144, &e6144, 3072);
    }
}

#[test]
fn chained_squarings_stay_reduced() {
    // 1,000 squarings in a row: any value left unreduced would compound.
    let params = modulus::<{ U3072::LIMBS }>(5);
    let mut a = FixedMontyForm::new(&U3072::random_from_rng(&mut rng(6)), &params);
    let mut b = a;
    for _ in 0..1000 {
        a = monty::square(&a);
        b = b.square();
    }
    assert_eq!(a, b);
    assert!(a.as_montgomery() < params.modulus().as_ref());
}
