//! Fixed-base exponentiation with a precomputed window table, for many public exponents of
//! one base (the verifier of Πprm raises the peer's `t` to 128 exponents).
//!
//! The table holds `g^(j·2^(4i))` for every 4-bit window `i` and digit `j = 1..15`; an
//! exponentiation is then one multiplication per non-zero window and no squaring: about
//! `bits/4` multiplications instead of `bits` squarings plus `bits/4` multiplications.
//! Variable time: for public exponents only.

use crypto_bigint::Uint;
use crypto_bigint::modular::FixedMontyParams;

use crate::bigint::{MontyN, U3072};

const WINDOW: u32 = 4;
const DIGITS: usize = (1 << WINDOW) - 1;

/// A window table for one base modulo a 3072-bit modulus.
pub struct FixedBaseTable {
    params: FixedMontyParams<{ U3072::LIMBS }>,
    /// Montgomery representations, `DIGITS` per window (the parameters are stored once).
    entries: Vec<U3072>,
    windows: u32,
}

impl FixedBaseTable {
    /// Precomputes the table for exponents of up to `max_bits` bits.
    #[must_use]
    pub fn new(base: &MontyN, max_bits: u32) -> Self {
        let windows = max_bits.div_ceil(WINDOW);
        let mut entries = Vec::with_capacity(windows as usize * DIGITS);
        let mut g = *base;
        for _ in 0..windows {
            let mut acc = g;
            for _ in 0..DIGITS {
                entries.push(*acc.as_montgomery());
                acc = acc.mul(&g);
            }
            // `acc` is now g^16 = the next window's base.
            g = acc;
        }
        Self {
            params: *base.params(),
            entries,
            windows,
        }
    }

    /// `base^e` for a public `e`; `None` if `e` has more bits than the table covers.
    #[must_use]
    pub fn pow_vartime<const L: usize>(&self, e: &Uint<L>) -> Option<MontyN> {
        if e.bits_vartime() > self.windows * WINDOW {
            return None;
        }
        let mut acc = MontyN::one(&self.params);
        for i in 0..self.windows {
            let mut digit = 0usize;
            for b in 0..WINDOW {
                if e.bit_vartime(i * WINDOW + b) {
                    digit |= 1 << b;
                }
            }
            if digit != 0 {
                let entry = self.entries.get(i as usize * DIGITS + digit - 1)?;
                acc = acc.mul(&MontyN::from_montgomery(*entry, &self.params));
            }
        }
        Some(acc)
    }
}
