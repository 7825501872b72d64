//! A deeper sieve for safe-prime candidates, plugged into crypto-primes through its
//! [`SieveFactory`] extension point.
//!
//! crypto-primes' own sieve removes candidates `p` where `p` or `(p-1)/2` has a factor among
//! its 2,047 smallest odd primes (up to 17,863). Each survivor then costs a Miller-Rabin
//! exponentiation, and for 1536-bit safe primes those exponentiations are almost all of the
//! search. The fraction of survivors falls as `1/ln(B)²` with the sieve bound `B` (Mertens),
//! so sieving with every odd prime below 2^20 leaves about `(ln 17,863 / ln 2^20)² ≈ 0.5` of
//! them: half the exponentiations, for a sieve that costs a few milliseconds per window of
//! 131,072 candidates.
//!
//! Each window starts at a fresh random `start` of the requested size with its two top bits
//! set and `start ≡ 3 (mod 4)`; candidates are `start + 4k`, `k < WINDOW`. For every sieving
//! prime `r`, `start mod r` gives the two residue classes of `k` to strike: `p ≡ 0` and
//! `p ≡ 1 (mod r)` (the latter makes `r` divide `(p-1)/2`).
//!
//! Timing: the struck positions depend on `start` (secret until a prime is found), as
//! crypto-primes' own sieve does; see the module documentation of [`crate::primes`].

use core::marker::PhantomData;
use std::sync::OnceLock;

use crypto_bigint::{Limb, NonZero, RandomBits, Unsigned};
use crypto_primes::Error as PrimesError;
use crypto_primes::hazmat::SieveFactory;
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

/// Every odd prime below this bound is a sieving prime.
pub const SIEVE_BOUND: u32 = 1 << 20;
/// Candidates per window.
const WINDOW: u32 = 1 << 17;
/// The smallest size served: every candidate is then far above every sieving prime, so no
/// prime is struck for being divisible by itself.
pub(crate) const MIN_BITS: u32 = 64;

/// The odd primes below [`SIEVE_BOUND`] (82,024 of them), computed once; also the trial
/// divisors of Πmod's small-factor check.
pub(crate) fn sieving_primes() -> &'static [u32] {
    static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
    PRIMES.get_or_init(|| {
        let n = SIEVE_BOUND as usize;
        let mut composite = vec![false; n];
        let mut primes = Vec::new();
        for i in (3..n).step_by(2) {
            if composite.get(i).copied().unwrap_or(true) {
                continue;
            }
            if let Ok(p) = u32::try_from(i) {
                primes.push(p);
            }
            let mut m = i * i;
            while m < n {
                if let Some(slot) = composite.get_mut(m) {
                    *slot = true;
                }
                m += 2 * i;
            }
        }
        primes
    })
}

/// Makes [`DeepSieve`] windows of safe-prime candidates of exactly `bits` bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeepSieveFactory<T> {
    bits: u32,
    phantom: PhantomData<T>,
}

impl<T> DeepSieveFactory<T> {
    /// `None` below [`MIN_BITS`].
    pub(crate) fn new(bits: u32) -> Option<Self> {
        (bits >= MIN_BITS).then_some(Self {
            bits,
            phantom: PhantomData,
        })
    }
}

/// One window: the candidates `start + 4k` that survived the sieve. `start` determines the
/// prime that is found (it lies within `2^19` of it): wiped on drop.
#[derive(Debug)]
pub(crate) struct DeepSieve<T: Zeroize> {
    start: T,
    bits: u32,
    survivors: std::vec::IntoIter<u32>,
}

impl<T: Zeroize> Drop for DeepSieve<T> {
    fn drop(&mut self) {
        self.start.zeroize();
    }
}

/// `x mod m` for a public single-limb `m` (variable time in `m` only).
fn rem<T: Unsigned>(x: &T, m: u64) -> u64 {
    NonZero::new(Limb::from(m)).into_option().map_or(0, |r| {
        let rem: Limb = x.rem_limb(r);
        rem.0
    })
}

impl<T: Unsigned + RandomBits + Zeroize> SieveFactory for DeepSieveFactory<T> {
    type Item = T;
    type Sieve = DeepSieve<T>;

    fn make_sieve<R>(
        &mut self,
        rng: &mut R,
        _previous_sieve: Option<&Self::Sieve>,
    ) -> Result<Option<Self::Sieve>, PrimesError>
    where
        R: CryptoRng + ?Sized,
    {
        let mut start = T::random_bits(rng, self.bits);
        for bit in [self.bits - 1, self.bits - 2, 1, 0] {
            start.set_bit_vartime(bit, true);
        }
        // The struck positions encode `start` modulo every sieving prime: wiped after use.
        let mut struck = Zeroizing::new(vec![false; WINDOW as usize]);
        // Three sieving primes (each below 2^20) per 64-bit product: one multi-limb remainder
        // per product instead of per prime.
        for group in sieving_primes().chunks(3) {
            let product = group.iter().map(|&r| u64::from(r)).product::<u64>();
            let s_product = rem(&start, product);
            for &r in group {
                let r64 = u64::from(r);
                // k with start + 4k ≡ c (mod r), for c = 0 and c = 1: k ≡ (c - start)·4^-1.
                // 2^-1 = (r + 1) / 2 modulo an odd r.
                let inv2 = r64.div_ceil(2);
                let inv4 = inv2 * inv2 % r64;
                let s = s_product % r64;
                for c in [0, 1] {
                    let mut k = (c + r64 - s) % r64 * inv4 % r64;
                    while k < u64::from(WINDOW) {
                        if let Some(slot) = struck.get_mut(usize::try_from(k).unwrap_or(usize::MAX))
                        {
                            *slot = true;
                        }
                        k += r64;
                    }
                }
            }
        }
        let survivors: Vec<u32> = (0..WINDOW)
            .filter(|&k| !struck.get(k as usize).copied().unwrap_or(true))
            .collect();
        Ok(Some(DeepSieve {
            start,
            bits: self.bits,
            survivors: survivors.into_iter(),
        }))
    }
}

impl<T: Unsigned + Zeroize> Iterator for DeepSieve<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        for k in self.survivors.by_ref() {
            let candidate = self.start.wrapping_add(&T::from(4 * u64::from(k)));
            // A carry into the top bits (start within 2^17 of 2^bits) leaves the range.
            if candidate.bits_vartime() == self.bits && candidate.bit_vartime(self.bits - 2) {
                return Some(candidate);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::{DeepSieveFactory, SIEVE_BOUND, sieving_primes};
    use crypto_bigint::U128;
    use crypto_primes::hazmat::SieveFactory;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn to_u128(x: &U128) -> u128 {
        let w = x.as_words();
        u128::from(w[0]) | (u128::from(w[1]) << 64)
    }

    #[test]
    fn sieving_primes_are_the_odd_primes_below_the_bound() {
        let primes = sieving_primes();
        assert_eq!(primes.len(), 82_024);
        assert_eq!(&primes[..5], &[3, 5, 7, 11, 13]);
        assert_eq!(*primes.last().unwrap(), 1_048_573);
        assert!(primes.iter().all(|&p| p < SIEVE_BOUND));
    }

    #[test]
    fn survivors_are_exactly_the_candidates_without_small_factors() {
        // Against trial division of p and (p-1)/2 by every sieving prime, for every
        // candidate of two windows (128-bit candidates): nothing struck wrongly, nothing
        // missed.
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let mut factory = DeepSieveFactory::<U128>::new(128).unwrap();
        for _ in 0..2 {
            let sieve = factory.make_sieve(&mut rng, None).unwrap().unwrap();
            let start = to_u128(&sieve.start);
            assert_eq!(start >> 126, 0b11, "two top bits set");
            assert_eq!(start & 3, 3, "start ≡ 3 (mod 4)");
            let survivors: std::collections::BTreeSet<u32> = sieve.survivors.clone().collect();
            for k in 0..super::WINDOW {
                let p = start + 4 * u128::from(k);
                let half = (p - 1) / 2;
                let clean = sieving_primes().iter().all(|&r| {
                    !p.is_multiple_of(u128::from(r)) && !half.is_multiple_of(u128::from(r))
                });
                assert_eq!(survivors.contains(&k), clean, "k = {k}");
            }
            let produced: Vec<u128> = sieve.map(|c| to_u128(&c)).collect();
            assert_eq!(produced.len(), survivors.len());
        }
    }

    #[test]
    fn sizes_below_64_bits_are_refused() {
        assert!(DeepSieveFactory::<U128>::new(63).is_none());
        assert!(DeepSieveFactory::<U128>::new(64).is_some());
    }
}
