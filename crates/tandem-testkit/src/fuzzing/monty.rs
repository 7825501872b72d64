//! The differential target of `tandem_paillier::monty`, the one place of hand-written
//! modular arithmetic: arbitrary bytes pick a size, an odd modulus (any, not only the
//! protocol's: small ones in a wide type, all-ones words, the top bit clear or set), two
//! values and an exponent; the squaring and both exponentiations must agree with crypto-bigint's. A disagreement panics (that is the finding).

#![allow(clippy::disallowed_methods)] // test code (fuzz harness): timing is not a secret here

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U64, U256, U1536, U3072, U6144, Uint};
use tandem_paillier::monty;

/// `Uint<L>` from the next `8·L` bytes (zero-padded when the input runs out).
fn take<const L: usize>(data: &mut &[u8]) -> Uint<L> {
    let mut words = [0u64; L];
    for w in &mut words {
        let (head, rest) = data.split_at(data.len().min(8));
        let mut bytes = [0u8; 8];
        if let Some(b) = bytes.get_mut(..head.len()) {
            b.copy_from_slice(head);
        }
        *w = u64::from_le_bytes(bytes);
        *data = rest;
    }
    Uint::from_words(words)
}

fn check<const L: usize>(mut data: &[u8], max_exponent_bits: u32) {
    let (spec, rest) = data.split_first().map_or((0, data), |(s, r)| (*s, r));
    data = rest;
    let mut m = take::<L>(&mut data) | Uint::ONE;
    // Optionally all-ones low words or a set top bit: the carry paths of the reduction.
    if spec & 1 == 1 {
        m |= Uint::ONE.shl_vartime(Uint::<L>::BITS - 1);
    }
    if spec & 2 == 2 {
        m = m.wrapping_neg() | Uint::ONE;
    }
    let Some(odd) = Odd::new(m).into_option() else {
        return;
    };
    let params = FixedMontyParams::new_vartime(odd);
    let a = FixedMontyForm::new(&take::<L>(&mut data), &params);
    let b = FixedMontyForm::new(&take::<L>(&mut data), &params);
    let e = take::<L>(&mut data);
    let bits = (u32::from(spec >> 2) * 7) % (max_exponent_bits + 1);
    assert_eq!(monty::square(&a), a.square(), "square, {L} limbs");
    assert_eq!(monty::square(&b), b.square(), "square, {L} limbs");
    assert_eq!(
        monty::pow_bounded(&a, &e, bits),
        a.pow_bounded_exp(&e, bits),
        "pow_bounded, {L} limbs, {bits} bits"
    );
    // The exponent cut to `bits` bits (all of it at full length).
    let short = Uint::ONE
        .overflowing_shl_vartime(bits)
        .map_or(e, |bit| e.bitand(&bit.wrapping_sub(&Uint::ONE)));
    assert_eq!(
        monty::pow_public(&a, &short),
        a.pow_vartime(&short),
        "pow_public, {L} limbs, {bits} bits"
    );
}

/// The entry point: the first byte picks the size (64 to 6144 bits; the exponent is kept
/// short at the large sizes so that a run stays fast).
pub fn monty_pow(data: &[u8]) {
    let Some((size, rest)) = data.split_first() else {
        return;
    };
    match size % 5 {
        0 => check::<{ U64::LIMBS }>(rest, 64),
        1 => check::<{ U256::LIMBS }>(rest, 256),
        2 => check::<{ U1536::LIMBS }>(rest, 256),
        3 => check::<{ U3072::LIMBS }>(rest, 128),
        _ => check::<{ U6144::LIMBS }>(rest, 64),
    }
}

/// The seeds' file names: size, then the modulus variant.
const SEED_NAMES: [[&str; 4]; 5] = [
    ["64-plain", "64-top-bit", "64-negated", "64-top-bit-negated"],
    [
        "256-plain",
        "256-top-bit",
        "256-negated",
        "256-top-bit-negated",
    ],
    [
        "1536-plain",
        "1536-top-bit",
        "1536-negated",
        "1536-top-bit-negated",
    ],
    [
        "3072-plain",
        "3072-top-bit",
        "3072-negated",
        "3072-top-bit-negated",
    ],
    [
        "6144-plain",
        "6144-top-bit",
        "6144-negated",
        "6144-top-bit-negated",
    ],
];

/// Seeds: every size, with and without the top bit, negated (all-ones high words).
pub(crate) fn seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for (size, names) in (0u8..).zip(SEED_NAMES) {
        for (spec, name) in (0u8..).zip(names) {
            let mut bytes = vec![size, spec | 0xF0];
            // A fixed pattern: ascending bytes with every seventh one 0xFF.
            bytes.extend((0..usize::from(size) * 200 + 64).map(|i| {
                if i % 7 == 0 {
                    0xFF
                } else {
                    u8::try_from(i % 251).unwrap_or(0)
                }
            }));
            out.push(("monty_pow", name, bytes));
        }
    }
    out
}
