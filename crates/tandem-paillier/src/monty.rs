//! The one place of hand-written modular arithmetic: a Montgomery squaring by product
//! scanning, and the exponentiations built on it. Everything else is crypto-bigint.
//!
//! Why: a modular exponentiation is about 80% squarings, and crypto-bigint squares with its
//! general Montgomery multiplication (CIOS: `2L²` word products for `L` limbs). Squaring by
//! product scanning (the "FIPS" method of Koç, Acar and Kaliski, "Analyzing and comparing
//! Montgomery multiplication algorithms", IEEE Micro 1996) computes each column of the
//! result once: the `L(L-1)/2` cross products `a_i·a_j` (`i < j`) are summed and doubled, the
//! `L` squares `a_i²` added, and the reduction's `u_i·m_j` accumulated in the same columns,
//! `1.5L²` word products in all. (A product-scanning general multiplication measured
//! 1.15–1.2x slower than crypto-bigint's, so multiplications stay crypto-bigint's.) Measured
//! on this machine (BENCHMARKS.md, "Montgomery squaring"): the squaring 1.33–1.50x, a whole
//! constant-time exponentiation 1.29–1.51x at 1536, 3072 and 6144 bits; the benchmark
//! `cargo bench -p tandem-benches --bench monty` repeats it.
//!
//! Safety: no `unsafe` (the crate forbids it). Constant time: every loop runs a number of
//! times fixed by the limb count `L` (and, for exponentiations, by the public bit length);
//! carries are added as numbers, never branched on; the final subtraction of the modulus is
//! a mask. Variable time only in [`pow_public`], whose exponent is public by contract.
//! Secrets: the exponentiations' tables of powers of the base (which may be secret) and the
//! chosen entries are wiped before returning; the per-squaring word arrays are temporaries,
//! like those inside crypto-bigint (CHECKS.md section 10).
//!
//! Tested against crypto-bigint: unit tests here, property tests (`tests/monty.rs`: random
//! moduli of every size used and the fixture keys' own, edge values 0, 1, m-1, chained
//! squarings, exponents of every bit length) and a differential fuzz target (`monty_pow`).
//!
//! Indexing: the array indices below are loop counters bounded by the constant `L`, never a
//! value from a peer; `get` would cost a bounds branch per word product in the hottest loop.
#![allow(clippy::indexing_slicing)]

use crypto_bigint::modular::FixedMontyForm;
use crypto_bigint::{Uint, WideWord, Word};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// A three-word column accumulator: `lo + hi·2^(2w)`.
#[derive(Clone, Copy)]
struct Acc {
    lo: WideWord,
    hi: Word,
}

impl Acc {
    const ZERO: Self = Self { lo: 0, hi: 0 };

    /// Adds a double-word product; the carry is counted in `hi` (arithmetic, no branch).
    #[inline(always)]
    fn add(&mut self, p: WideWord) {
        let (sum, carry) = self.lo.overflowing_add(p);
        self.lo = sum;
        self.hi = self.hi.wrapping_add(Word::from(carry));
    }

    /// Adds another accumulator doubled.
    #[inline(always)]
    fn add_doubled(&mut self, other: Self) {
        let top = (other.lo >> (2 * Word::BITS - 1)) as Word;
        let (sum, carry) = self.lo.overflowing_add(other.lo << 1);
        self.lo = sum;
        self.hi = self
            .hi
            .wrapping_add(Word::from(carry))
            .wrapping_add(other.hi << 1)
            .wrapping_add(top);
    }

    /// The low word, and the accumulator shifted down one word.
    #[inline(always)]
    #[allow(clippy::cast_possible_truncation)] // the truncation to the low word is the point
    fn shift(&mut self) -> Word {
        let low = self.lo as Word;
        self.lo = (self.lo >> Word::BITS) | (WideWord::from(self.hi) << Word::BITS);
        self.hi = 0;
        low
    }
}

#[inline(always)]
fn product(a: Word, b: Word) -> WideWord {
    WideWord::from(a) * WideWord::from(b)
}

/// Product scanning: `(Σ_k c_k·2^(w·k) + U·m) / R mod m`, fully reduced, where `column(k,
/// acc)` adds column `k` of the product (`k < 2L - 1`) to `acc` and `U` is chosen column by
/// column so that the low `L` words vanish. The product must be below `m·R` (true for
/// `a·b` and `a²` with `a, b < m`), so the result is below `2m` before one masked
/// subtraction. Constant time.
#[inline(always)]
fn montgomery_columns<const L: usize>(
    m: &[Word; L],
    m_neg_inv: Word,
    column: impl Fn(usize, &mut Acc),
) -> [Word; L] {
    let mut u = [0 as Word; L];
    let mut out = [0 as Word; L];
    let mut acc = Acc::ZERO;
    // Columns 0..L: the reduction's u_k is fixed by column k.
    for k in 0..L {
        column(k, &mut acc);
        for j in 0..k {
            acc.add(product(u[j], m[k - j]));
        }
        #[allow(clippy::cast_possible_truncation)] // the low word
        let uk = (acc.lo as Word).wrapping_mul(m_neg_inv);
        u[k] = uk;
        acc.add(product(uk, m[0]));
        // The low word is now zero (that is what u_k is for).
        acc.shift();
    }
    // Columns L..2L-1: the result's words.
    for k in L..(2 * L - 1) {
        column(k, &mut acc);
        for j in (k + 1 - L)..L {
            acc.add(product(u[j], m[k - j]));
        }
        out[k - L] = acc.shift();
    }
    out[L - 1] = acc.shift();
    // `extra` is the result's bit of weight R.
    let extra = acc.shift();
    // Subtract m once if the result is at least m, with a mask.
    let mut reduced = [0 as Word; L];
    let mut borrow: Word = 0;
    for j in 0..L {
        let (d1, b1) = out[j].overflowing_sub(m[j]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        reduced[j] = d2;
        borrow = Word::from(b1 | b2);
    }
    // Keep the difference if there was a carry into R or no borrow out of it.
    let keep = (extra | (borrow ^ 1)) & 1;
    let mask = keep.wrapping_neg();
    for j in 0..L {
        out[j] = (reduced[j] & mask) | (out[j] & !mask);
    }
    out
}

/// `a² · R⁻¹ mod m` for `a < m` in Montgomery form (`R = 2^(w·L)`): each cross product
/// `a_i·a_j` (`i < j`) once, doubled. Constant time.
#[inline]
fn square_words<const L: usize>(a: &[Word; L], m: &[Word; L], m_neg_inv: Word) -> [Word; L] {
    montgomery_columns(m, m_neg_inv, |k, acc| {
        let mut cross = Acc::ZERO;
        let mut i = (k + 1).saturating_sub(L);
        while 2 * i < k {
            cross.add(product(a[i], a[k - i]));
            i += 1;
        }
        acc.add_doubled(cross);
        if k % 2 == 0 {
            acc.add(product(a[k / 2], a[k / 2]));
        }
    })
}

/// `x²` in Montgomery form, by product scanning. Constant time.
#[must_use]
pub fn square<const L: usize>(x: &FixedMontyForm<L>) -> FixedMontyForm<L> {
    let params = x.params();
    let words = square_words(
        x.as_montgomery().as_words(),
        params.modulus().as_ref().as_words(),
        params.mod_neg_inv().0,
    );
    FixedMontyForm::from_montgomery(Uint::from_words(words), params)
}

/// Bits per window of the constant-time exponentiation: a 16-entry table, as crypto-bigint's
/// own (wider windows were not measured: each window also scans the whole table).
const WINDOW: u32 = 4;

/// Window `index` of `e` (bits `4·index ..`), only the bits below `bits` counted. The
/// positions are public; the bits are only shifted and masked.
fn digit<const E: usize>(e: &Uint<E>, index: u32, bits: u32) -> Word {
    let pos = index * WINDOW;
    let words = e.as_words();
    let word = |i: u32| words.get(i as usize).copied().unwrap_or(0);
    let (w, shift) = (pos / Word::BITS, pos % Word::BITS);
    // A window may straddle two words.
    let mut d = word(w) >> shift;
    if shift + WINDOW > Word::BITS {
        d |= word(w + 1) << (Word::BITS - shift);
    }
    let width = bits.saturating_sub(pos).min(WINDOW);
    d & ((1 << width) - 1)
}

/// `x²` on the words of a Montgomery form, back as a Montgomery form.
#[inline]
fn square_form<const L: usize>(
    x: &FixedMontyForm<L>,
    m: &[Word; L],
    m_neg_inv: Word,
) -> FixedMontyForm<L> {
    let words = square_words(x.as_montgomery().as_words(), m, m_neg_inv);
    FixedMontyForm::from_montgomery(Uint::from_words(words), x.params())
}

/// `base^e` over the low `bits` bits of `e` (bits above are ignored, as by crypto-bigint's
/// `pow_bounded_exp`), in constant time: fixed 4-bit windows from the top, four squarings
/// (product scanning) and one multiplication (crypto-bigint's: product scanning measured
/// slower for a general product) by a table entry chosen by a masked scan of the whole table.
#[must_use]
pub fn pow_bounded<const L: usize, const E: usize>(
    base: &FixedMontyForm<L>,
    e: &Uint<E>,
    bits: u32,
) -> FixedMontyForm<L> {
    let params = base.params();
    let (m, m_neg_inv) = (params.modulus().as_ref().as_words(), params.mod_neg_inv().0);
    let one = FixedMontyForm::one(params);
    let mut table = [*one.as_montgomery().as_words(); 1 << WINDOW];
    let mut power = one;
    for entry in table.iter_mut().skip(1) {
        power = power.mul(base);
        *entry = *power.as_montgomery().as_words();
    }
    let bits = bits.min(Uint::<E>::BITS);
    let mut acc = one;
    for index in (0..bits.div_ceil(WINDOW)).rev() {
        for _ in 0..WINDOW {
            acc = square_form(&acc, m, m_neg_inv);
        }
        let d = digit(e, index, bits);
        let mut chosen = [0 as Word; L];
        for (j, entry) in table.iter().enumerate() {
            let mask = Word::from(d.ct_eq(&(j as Word)).unwrap_u8()).wrapping_neg();
            for (c, x) in chosen.iter_mut().zip(entry) {
                *c |= x & mask;
            }
        }
        acc = acc.mul(&FixedMontyForm::from_montgomery(
            Uint::from_words(chosen),
            params,
        ));
        chosen.zeroize();
    }
    // Powers of a possibly secret base.
    table.zeroize();
    power.zeroize();
    acc
}

/// `base^e` for a PUBLIC exponent: sliding windows of up to 5 bits over the odd powers,
/// skipping zero bits. Variable time in `e` (only); the caller says why `e` is public.
#[must_use]
pub fn pow_public<const L: usize, const E: usize>(
    base: &FixedMontyForm<L>,
    e: &Uint<E>,
) -> FixedMontyForm<L> {
    const W: u32 = 5;
    let params = base.params();
    let (m, m_neg_inv) = (params.modulus().as_ref().as_words(), params.mod_neg_inv().0);
    let squared = square_form(base, m, m_neg_inv);
    let mut odd = [*base; 1 << (W - 1)];
    for i in 1..odd.len() {
        odd[i] = odd[i - 1].mul(&squared);
    }
    let words = e.as_words();
    let bit = |i: u32| {
        words
            .get((i / Word::BITS) as usize)
            .is_some_and(|w| (w >> (i % Word::BITS)) & 1 == 1)
    };
    let mut acc = FixedMontyForm::one(params);
    // public: the exponent's length
    #[allow(clippy::disallowed_methods)]
    let mut i = e.bits_vartime();
    while i > 0 {
        if !bit(i - 1) {
            acc = square_form(&acc, m, m_neg_inv);
            i -= 1;
            continue;
        }
        // The longest window [low, i) of at most W bits that ends with a one bit.
        let mut low = i.saturating_sub(W);
        while !bit(low) {
            low += 1;
        }
        let mut value = 0usize;
        for j in (low..i).rev() {
            value = (value << 1) | usize::from(bit(j));
            acc = square_form(&acc, m, m_neg_inv);
        }
        acc = acc.mul(&odd[value >> 1]);
        i = low;
    }
    // Powers of a possibly secret base (the exponent is public, the base need not be).
    odd.zeroize();
    let mut squared = squared;
    squared.zeroize();
    acc
}

/// Method syntax for this module's exponentiations on crypto-bigint's Montgomery form, used
/// in place of crypto-bigint's `pow_bounded_exp` and `pow_vartime` across the crate.
pub trait MontyPow: Sized {
    /// [`pow_bounded`]: constant time, over the low `bits` bits of `e`.
    #[must_use]
    fn pow_ct<const E: usize>(&self, e: &Uint<E>, bits: u32) -> Self;
    /// [`pow_public`]: variable time in the PUBLIC exponent `e` only.
    #[must_use]
    fn pow_public<const E: usize>(&self, e: &Uint<E>) -> Self;
}

impl<const L: usize> MontyPow for FixedMontyForm<L> {
    fn pow_ct<const E: usize>(&self, e: &Uint<E>, bits: u32) -> Self {
        pow_bounded(self, e, bits)
    }

    // public: this method is itself disallowed; each caller says why its exponent is public
    #[allow(clippy::disallowed_methods)]
    fn pow_public<const E: usize>(&self, e: &Uint<E>) -> Self {
        pow_public(self, e)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    #![allow(clippy::disallowed_methods)] // test values are public

    use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
    use crypto_bigint::{Odd, Random, U64, U256, U1536, Uint};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::{pow_bounded, pow_public, square};

    fn params<const L: usize>(rng: &mut ChaCha20Rng, top: bool) -> FixedMontyParams<L> {
        let mut m = Uint::<L>::random_from_rng(rng) | Uint::ONE;
        if top {
            m |= Uint::ONE.shl_vartime(Uint::<L>::BITS - 1);
        }
        FixedMontyParams::new_vartime(Odd::new(m).unwrap())
    }

    fn check<const L: usize>(seed: u64) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        for top in [true, false] {
            let p = params::<L>(&mut rng, top);
            let m = *p.modulus().as_ref();
            for x in [
                Uint::ZERO,
                Uint::ONE,
                m.wrapping_sub(&Uint::ONE),
                Uint::random_from_rng(&mut rng),
            ] {
                let a = FixedMontyForm::new(&x, &p);
                assert_eq!(square(&a), a.square(), "L = {L}");
                let e = Uint::<L>::random_from_rng(&mut rng);
                let expected = a.pow_vartime(&e);
                assert_eq!(pow_bounded(&a, &e, Uint::<L>::BITS), expected);
                assert_eq!(pow_public(&a, &e), expected);
                for bits in [0, 1, 3, 4, 5, 63, 64, 65, 100] {
                    assert_eq!(pow_bounded(&a, &e, bits), a.pow_bounded_exp(&e, bits));
                }
            }
        }
    }

    #[test]
    fn agrees_with_crypto_bigint_at_small_sizes() {
        for seed in 0..50 {
            check::<{ U64::LIMBS }>(seed);
            check::<{ U256::LIMBS }>(seed);
        }
        check::<{ U1536::LIMBS }>(1);
    }
}
