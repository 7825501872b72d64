//! The fixed-base exponentiation helpers against crypto-bigint's plain exponentiation:
//! window tables for secret exponents (unsigned and signed) and Yao's method for public ones.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Int, Odd, RandomBits, RandomMod, U1024, U3072, U4096};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_paillier::fixed_base::{FixedBaseTable, PublicPowers, SignedFixedBase};

fn setup(seed: u64) -> (ChaCha20Rng, FixedMontyForm<{ U3072::LIMBS }>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut n = U3072::random_bits(&mut rng, 3072);
    n = n.bitor(&U3072::ONE).bitor(&U3072::ONE.shl_vartime(3071));
    let params = FixedMontyParams::new_vartime(Odd::new(n).unwrap());
    let g = U3072::random_mod_vartime(&mut rng, params.modulus().as_nz_ref());
    (rng, FixedMontyForm::new(&g, &params))
}

/// Exponents of every shape: zero, one, all ones, single high bits, random of several lengths.
fn exponents(rng: &mut ChaCha20Rng, bits: u32) -> Vec<U4096> {
    let mut out = vec![
        U4096::ZERO,
        U4096::ONE,
        U4096::from_u64(63),
        U4096::from_u64(64),
        U4096::MAX.shr_vartime(4096 - bits),
        U4096::ONE.shl_vartime(bits - 1),
    ];
    for len in [5, 6, 7, 64, 257, bits - 1, bits] {
        out.push(U4096::random_bits(rng, len.min(bits)));
    }
    out.retain(|e| e.bits_vartime() <= bits);
    out
}

#[test]
fn yao_public_powers_match_plain_exponentiation() {
    let (mut rng, g) = setup(1);
    for max_bits in [3072u32, 3000, 7] {
        let table = PublicPowers::new_vartime(&g, max_bits);
        assert!(table.max_bits() >= max_bits && table.max_bits() < max_bits + 6);
        for e in exponents(&mut rng, max_bits) {
            assert_eq!(
                table.pow_vartime(&e),
                Some(g.pow_vartime(&e)),
                "{max_bits} bits, e = {e}"
            );
        }
        // Longer exponents are refused, not truncated.
        let too_long = U4096::ONE.shl_vartime(table.max_bits());
        assert_eq!(table.pow_vartime(&too_long), None);
    }
}

#[test]
fn window_tables_match_plain_exponentiation() {
    let (mut rng, g) = setup(2);
    let table = FixedBaseTable::new(&g, 3072);
    for e in exponents(&mut rng, 3072) {
        assert_eq!(table.pow_secret(&e, 3072), Some(g.pow(&e)), "e = {e}");
    }
    // A bound beyond the table is refused (decided on the public bound only).
    assert_eq!(table.pow_secret(&U4096::ONE, 3076), None);
    let inverse = g.invert_vartime().unwrap();
    let signed = SignedFixedBase::new(&g, &inverse, 1024);
    for _ in 0..8 {
        let magnitude = U1024::random_bits(&mut rng, 1000);
        let positive: Int<{ U1024::LIMBS }> = *magnitude.as_int();
        let negative = positive.wrapping_neg();
        assert_eq!(signed.pow_secret(&positive, 1000), Some(g.pow(&magnitude)));
        assert_eq!(
            signed.pow_secret(&negative, 1000),
            Some(inverse.pow(&magnitude))
        );
    }
}
