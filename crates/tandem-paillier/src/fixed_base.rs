//! Fixed-base exponentiation with a precomputed window table, for many exponentiations of one
//! base: the ring-Pedersen bases `s, t` of the peer (prover commitments), the generators used
//! for our own encryption nonces, and `t` when verifying Πprm.
//!
//! The table holds `g^(j·2^(4i))` for every 4-bit window `i` and digit `j = 1..15`; an
//! exponentiation is then one multiplication per window and no squaring: `bits/4`
//! multiplications instead of `bits` squarings plus `bits/4` multiplications.
//!
//! [`FixedBaseTable::pow_secret`] is constant time: every window multiplies by an entry
//! selected with a constant-time scan of all 16 candidates (the identity for digit 0), and the
//! number of windows depends only on the public bound.
//!
//! [`PublicPowers`] is for many exponentiations of one base with *public* exponents (the
//! verifier of Πprm: 128 powers of `t`): Yao's method, variable time.

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Int, Uint};

const WINDOW: u32 = 4;
const DIGITS: usize = (1 << WINDOW) - 1;

/// A window table for one base modulo an `L`-limb modulus.
#[derive(Clone)]
pub struct FixedBaseTable<const L: usize> {
    params: FixedMontyParams<L>,
    /// Montgomery representations, `DIGITS` per window (the parameters are stored once).
    entries: Vec<Uint<L>>,
    windows: u32,
}

impl<const L: usize> core::fmt::Debug for FixedBaseTable<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FixedBaseTable({} windows)", self.windows)
    }
}

impl<const L: usize> FixedBaseTable<L> {
    /// Precomputes the table for exponents of up to `max_bits` bits. The base may be secret:
    /// building runs a fixed sequence of multiplications.
    #[must_use]
    pub fn new(base: &FixedMontyForm<L>, max_bits: u32) -> Self {
        let windows = max_bits.div_ceil(WINDOW);
        let mut entries = Vec::with_capacity(windows as usize * DIGITS);
        let mut g = *base;
        for _ in 0..windows {
            let mut acc = g;
            for _ in 0..DIGITS {
                entries.push(*acc.as_montgomery());
                acc = acc.mul(&g);
            }
            // `acc` is now g^16: the next window's base.
            g = acc;
        }
        Self {
            params: *base.params(),
            entries,
            windows,
        }
    }

    /// The largest exponent length the table covers.
    #[must_use]
    pub fn max_bits(&self) -> u32 {
        self.windows * WINDOW
    }

    /// Wipes the entries (for tables of secret bases).
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        for e in &mut self.entries {
            e.zeroize();
        }
    }

    /// `base^e` for a secret `e` with `e < 2^bits`, `bits <= max_bits()`; `None` (decided on
    /// the public `bits` only) if the table is too short. Constant time in `e`.
    #[must_use]
    pub fn pow_secret<const E: usize>(&self, e: &Uint<E>, bits: u32) -> Option<FixedMontyForm<L>> {
        pow_secret_windows(&[self], e, subtle::Choice::from(0), bits)
    }
}

/// The secret window digit `i` of `e`: the bit positions are public, the bits are not used
/// for any branch or index.
fn secret_digit<const E: usize>(e: &Uint<E>, window: u32) -> u8 {
    let mut digit = 0u8;
    for b in 0..WINDOW {
        let pos = window * WINDOW + b;
        let word = e.as_words().get((pos / 64) as usize).copied().unwrap_or(0);
        // Truncation to the low bit is the point.
        #[allow(clippy::cast_possible_truncation)]
        let bit = ((word >> (pos % 64)) & 1) as u8;
        digit |= bit << b;
    }
    digit
}

/// Constant-time fixed-base exponentiation over one or two tables (`tables[which]`, where
/// `which` is secret): per window, one constant-time scan of every row of every table.
fn pow_secret_windows<const L: usize, const E: usize>(
    tables: &[&FixedBaseTable<L>],
    e: &Uint<E>,
    which: subtle::Choice,
    bits: u32,
) -> Option<FixedMontyForm<L>> {
    use subtle::{ConditionallySelectable, ConstantTimeEq};
    let first = tables.first()?;
    if tables.iter().any(|t| bits > t.max_bits()) {
        return None;
    }
    let params = first.params;
    let one = *FixedMontyForm::one(&params).as_montgomery();
    let mut acc = FixedMontyForm::one(&params);
    for i in 0..bits.div_ceil(WINDOW) {
        let digit = secret_digit(e, i);
        let mut selected = one;
        for (t, table) in tables.iter().enumerate() {
            let this_table = which.ct_eq(&subtle::Choice::from(u8::from(t == 1)));
            let row = table
                .entries
                .get(i as usize * DIGITS..(i as usize + 1) * DIGITS)?;
            for (j, entry) in row.iter().enumerate() {
                #[allow(clippy::cast_possible_truncation)]
                let choice = digit.ct_eq(&(j as u8 + 1)) & this_table;
                selected = Uint::conditional_select(&selected, entry, choice);
            }
        }
        acc = acc.mul(&FixedMontyForm::from_montgomery(selected, &params));
    }
    Some(acc)
}

/// A fixed-base table for a base and its inverse, for signed secret exponents: the sign picks
/// the table in constant time.
#[derive(Clone, Debug)]
pub struct SignedFixedBase<const L: usize> {
    positive: FixedBaseTable<L>,
    negative: FixedBaseTable<L>,
}

impl<const L: usize> SignedFixedBase<L> {
    /// Tables for `base` and `base^-1` (a public unit).
    #[must_use]
    pub fn new(base: &FixedMontyForm<L>, inverse: &FixedMontyForm<L>, max_bits: u32) -> Self {
        Self {
            positive: FixedBaseTable::new(base, max_bits),
            negative: FixedBaseTable::new(inverse, max_bits),
        }
    }

    /// `base^e` for a secret signed `e` with `|e| < 2^bits`. Constant time in `e` (the sign
    /// selects the table inside the scan); `None` (decided on `bits` only) if the tables are
    /// too short.
    #[must_use]
    pub fn pow_secret<const E: usize>(&self, e: &Int<E>, bits: u32) -> Option<FixedMontyForm<L>> {
        let (magnitude, negative) = e.abs_sign();
        pow_secret_windows(
            &[&self.positive, &self.negative],
            &magnitude,
            crate::bigint::ct(negative),
            bits,
        )
    }

    /// The largest exponent length covered.
    #[must_use]
    pub fn max_bits(&self) -> u32 {
        self.positive.max_bits()
    }
}

/// Yao's fixed-base method for public exponents (A. C.-C. Yao, "On the evaluation of powers",
/// SIAM J. Comput. 1976; Brickell-Gordon-McCurley-Wilson, EUROCRYPT '92, Section 3): with
/// `g_j = g^(2^(h·j))` precomputed (`bits` squarings, once), `g^e = ∏_d (∏_{j: e_j = d} g_j)^d`
/// over the `h`-bit digits `e_j`, evaluated from the largest digit down with two running
/// products — one multiplication per non-zero digit plus one per digit value, about
/// `bits/h + 2^h` in all, and no squaring. With `h = 6` and 3072-bit exponents that is 567
/// multiplications against 720 for a 4-bit window table (and 3,072 squarings to build instead
/// of 12,288 multiplications). Variable time: public bases and exponents only.
#[derive(Clone)]
pub struct PublicPowers<const L: usize> {
    params: FixedMontyParams<L>,
    /// `g^(2^(h·j))` for `j = 0..positions`.
    powers: Vec<FixedMontyForm<L>>,
}

/// Digit width of [`PublicPowers`].
const YAO_DIGIT_BITS: u32 = 6;

impl<const L: usize> core::fmt::Debug for PublicPowers<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicPowers({} positions)", self.powers.len())
    }
}

impl<const L: usize> PublicPowers<L> {
    /// Precomputes the powers for exponents of up to `max_bits` bits. Variable time: `base`
    /// must be public.
    #[must_use]
    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    pub fn new_vartime(base: &FixedMontyForm<L>, max_bits: u32) -> Self {
        let positions = max_bits.div_ceil(YAO_DIGIT_BITS);
        let mut powers = Vec::with_capacity(positions as usize);
        let mut g = *base;
        for _ in 0..positions {
            powers.push(g);
            g = g.square_repeat_vartime(YAO_DIGIT_BITS);
        }
        Self {
            params: *base.params(),
            powers,
        }
    }

    /// The largest exponent length covered.
    #[must_use]
    pub fn max_bits(&self) -> u32 {
        u32::try_from(self.powers.len()).unwrap_or(0) * YAO_DIGIT_BITS
    }

    /// `base^e` for a public `e`; `None` if `e` has more bits than the table covers.
    /// Variable time.
    #[must_use]
    pub fn pow_vartime<const E: usize>(&self, e: &Uint<E>) -> Option<FixedMontyForm<L>> {
        // public: e is a public exponent (PublicPowers::pow_vartime is itself disallowed)
        #[allow(clippy::disallowed_methods)]
        if e.bits_vartime() > self.max_bits() {
            return None;
        }
        const DIGITS: usize = 1 << YAO_DIGIT_BITS;
        // Bucket the positions by digit value (public).
        let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); DIGITS];
        for j in 0..self.powers.len() {
            let j32 = u32::try_from(j).ok()?;
            let digit = public_digit(e, j32 * YAO_DIGIT_BITS, YAO_DIGIT_BITS);
            if digit != 0 {
                buckets.get_mut(digit)?.push(j);
            }
        }
        // From the largest digit down: `run` = product of g_j over digits >= d, multiplied
        // into `acc` once per digit value, so g_j ends up raised to its digit.
        let mut run: Option<FixedMontyForm<L>> = None;
        let mut acc: Option<FixedMontyForm<L>> = None;
        for bucket in buckets.iter().skip(1).rev() {
            for &j in bucket {
                let g = self.powers.get(j)?;
                run = Some(run.map_or(*g, |r| r.mul(g)));
            }
            if let Some(r) = &run {
                acc = Some(acc.map_or(*r, |a| a.mul(r)));
            }
        }
        Some(acc.unwrap_or_else(|| FixedMontyForm::one(&self.params)))
    }
}

/// Bits `[pos, pos + width)` of a public `e` (missing high bits are zero). Variable time.
fn public_digit<const E: usize>(e: &Uint<E>, pos: u32, width: u32) -> usize {
    let mut digit = 0usize;
    for b in 0..width {
        // public: e is a public exponent (only called from PublicPowers::pow_vartime)
        #[allow(clippy::disallowed_methods)]
        if e.bit_vartime(pos + b) {
            digit |= 1 << b;
        }
    }
    digit
}
