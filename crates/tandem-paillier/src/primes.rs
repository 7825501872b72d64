//! Safe-prime generation for Paillier keys, with a progress callback and cancellation.
//!
//! A safe prime `p = 2p' + 1` (`p'` prime) of [`PRIME_BITS`] bits with its two top bits set,
//! so that the product of two of them has exactly [`MODULUS_BITS`](crate::params::MODULUS_BITS)
//! bits. Candidates come from a sieve over every odd prime below 2^24 (removing candidates
//! where `p` or `p'` has such a factor; `sieve.rs`, crypto-primes' `SieveFactory`), tested in
//! batches on the threads of the [`crate::parallel`] pool in use. Each survivor first meets
//! a Fermat test to base 2 on `p`, then on `p'` ([`fermat_base_two`]: one squaring and one
//! modular doubling per exponent bit, about 12% cheaper than a Miller-Rabin exponentiation
//! even before the faster squaring of [`crate::monty`], and a candidate whose `p` is prime no
//! longer pays for a Lucas test when `p'` is composite); only a candidate passing both is
//! decided by crypto-primes' safe-prime test (Miller-Rabin base 2 and a strong Lucas test on
//! both `p` and `p'`, the BPSW'21 recommendation). Every prime passes a Fermat test, so the filter never
//! drops a safe prime: the same random stream yields the same prime with or without it. The
//! expected number of tested candidates for 1536 bits is in the thousands; the callback sees
//! each batch and can cancel.
//!
//! Timing: which candidates are rejected, and how many, is visible to a timing observer;
//! rejected candidates are independent of the prime finally returned. Threads change only
//! when a candidate is tested: in a batch, candidates after the prime may be tested too
//! (and are wiped with the batch), none is skipped before it, so the prime returned is the
//! one-thread search's. The Fermat ladder is constant time in the candidate (fixed length,
//! the doubling kept or dropped by a constant-time select); its Montgomery set-up, like the
//! one inside crypto-primes' tests, is variable time in the modulus.

use core::ops::ControlFlow;
use core::sync::atomic::{AtomicU64, Ordering};

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U1536, Uint};
use crypto_primes::hazmat::SieveFactory as _;
use crypto_primes::{Flavor, is_prime};
use rand_core::CryptoRng;
use subtle::{ConditionallySelectable as _, ConstantTimeEq as _};
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use crate::params::PRIME_BITS;
use crate::{bigint, monty, parallel};

pub(crate) mod sieve;
mod window;

pub use sieve::SIEVE_BOUND;
pub use window::{
    START_BYTES, WindowError, WindowPrime, WindowStart, draw_window_start_of_size, search_window,
    search_window_of_size,
};

/// Why prime generation stopped without a prime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PrimeGenError {
    /// The progress callback asked to stop.
    #[error("prime generation cancelled after {candidates} candidates")]
    Cancelled {
        /// Candidates tested before cancellation.
        candidates: u64,
    },
    /// The sieve could not be set up (a bug: the parameters are constants).
    #[error("prime sieve setup failed")]
    Sieve,
}

/// What the progress callback is told after each batch of tested candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrimeProgress {
    /// Candidates that survived the sieve and were tested so far.
    pub candidates: u64,
}

/// Candidates tested per batch and per thread: the progress callback runs (and can cancel)
/// after each batch, and the threads meet at its end.
const BATCH_PER_THREAD: usize = 16;

/// Generates a [`PRIME_BITS`]-bit safe prime with its two top bits set.
///
/// The candidates are tested in batches, on the threads of the [`crate::parallel`] pool in
/// use; within a batch the first candidate that passes (in the sieve's order) wins. The
/// random stream is drawn on the calling thread only (one random start per sieve window), so
/// for a given stream the prime is the same whatever the thread count, and the same as a
/// search on one thread: the first safe prime among the sieve's survivors.
///
/// `progress` is called, on the calling thread, after every batch (at most 16 candidates per
/// thread) with the number of candidates tested so far; returning `ControlFlow::Break(())`
/// cancels the search.
///
/// # Errors
/// [`PrimeGenError::Cancelled`] if the callback stopped the search.
pub fn generate_safe_prime<R: CryptoRng + ?Sized>(
    rng: &mut R,
    progress: &mut dyn FnMut(PrimeProgress) -> ControlFlow<()>,
) -> Result<U1536, PrimeGenError> {
    generate_safe_prime_of_size(rng, PRIME_BITS, progress)
}

/// The search of [`generate_safe_prime`] for any size of at least 64 bits and any integer
/// type: the production entry point fixes 1536 bits; tests run the same code on small sizes.
///
/// # Errors
/// As [`generate_safe_prime`].
#[doc(hidden)]
pub fn generate_safe_prime_of_size<const L: usize, R>(
    rng: &mut R,
    bits: u32,
    progress: &mut dyn FnMut(PrimeProgress) -> ControlFlow<()>,
) -> Result<Uint<L>, PrimeGenError>
where
    R: CryptoRng + ?Sized,
{
    let mut factory = sieve::DeepSieveFactory::<Uint<L>>::new(bits).ok_or(PrimeGenError::Sieve)?;
    let batch_size = BATCH_PER_THREAD.saturating_mul(parallel::current_threads());
    let tested = AtomicU64::new(0);
    // Each window of the sieve draws a fresh random start (the only use of the RNG); a batch
    // never spans two windows, so no window is drawn before the previous one is exhausted.
    loop {
        let mut window = factory
            .make_sieve(rng, None)
            .map_err(|_| PrimeGenError::Sieve)?
            .ok_or(PrimeGenError::Sieve)?;
        loop {
            // The candidates are secret (one of them is the prime): wiped after the batch.
            let batch: Zeroizing<Vec<Uint<L>>> =
                Zeroizing::new(window.by_ref().take(batch_size).collect());
            if batch.is_empty() {
                break;
            }
            let found = parallel::position_first(&batch, |candidate| {
                tested.fetch_add(1, Ordering::Relaxed);
                is_safe_prime_candidate(candidate)
            });
            if let Some(prime) = found.and_then(|i| batch.get(i)) {
                return Ok(*prime);
            }
            let candidates = tested.load(Ordering::Relaxed);
            if progress(PrimeProgress { candidates }).is_break() {
                return Err(PrimeGenError::Cancelled { candidates });
            }
        }
    }
}

/// The search's predicate: the two Fermat filters, cheapest rejection first, then the full
/// safe-prime test. `p ≡ 3 (mod 4)` for every sieve candidate, so `p' = (p-1)/2` is odd.
/// The copies of the candidate it makes are wiped (the accepted one is the secret prime).
// public: the shift 1 is fixed (wrapping_shr_vartime is variable time in the shift only)
#[allow(clippy::disallowed_methods)]
fn is_safe_prime_candidate<const L: usize>(p: &Uint<L>) -> bool {
    let passes = |n: Uint<L>| {
        Odd::new(n).into_option().is_some_and(|odd| {
            let pass = fermat_base_two(&odd);
            odd.get().zeroize();
            pass
        })
    };
    passes(*p) && passes(p.wrapping_shr_vartime(1)) && is_prime(Flavor::Safe, p)
}

/// Fermat's test to base 2: whether `2^(n-1) ≡ 1 (mod n)`. Every odd prime passes, most
/// composites fail (base-2 pseudoprimes such as 341 pass, hence only a filter before the full
/// test).
///
/// Left-to-right binary exponentiation over all `bits_precision` bits of `n - 1`: per bit one
/// Montgomery squaring (the product-scanning squaring of [`crate::monty`]) and one modular
/// doubling (multiplying by the base 2), the doubled value chosen by a constant-time select
/// on the exponent bit. Constant time in `n` except for the Montgomery parameters
/// (`new_vartime`, as crypto-primes' Miller-Rabin sets up the same candidate; the
/// constant-time `FixedMontyParams::new`, with its constant-time divisions, measured 15%
/// slower per prime here).
#[doc(hidden)]
#[must_use]
pub fn fermat_base_two<const L: usize>(n: &Odd<Uint<L>>) -> bool {
    // NOT public (CHECKS.md G-8): n is a secret prime candidate (no constant-time set-up)
    #[allow(clippy::disallowed_methods)]
    let params = FixedMontyParams::new_vartime(*n);
    let one = FixedMontyForm::one(&params);
    let mut exponent = n.as_ref().wrapping_sub(&Uint::ONE);
    let mut z = one;
    for i in (0..Uint::<L>::BITS).rev() {
        z = monty::square(&z);
        let doubled = z + z;
        z = FixedMontyForm::conditional_select(&z, &doubled, bigint::ct(exponent.bit(i)));
    }
    exponent.zeroize();
    bool::from(z.as_montgomery().ct_eq(one.as_montgomery()))
}

/// Whether `p` is a safe prime of the size and form this crate requires: [`PRIME_BITS`] bits
/// with both top bits set, `p ≡ 3 (mod 4)`, `p` and `(p-1)/2` prime.
#[must_use]
pub fn is_valid_safe_prime(p: &U1536) -> bool {
    // public: the bit indices are fixed (variable time in the index only)
    #[allow(clippy::disallowed_methods)]
    let top_two_set = p.bit_vartime(PRIME_BITS - 1) && p.bit_vartime(PRIME_BITS - 2);
    top_two_set && is_prime(Flavor::Safe, p)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crypto_bigint::{Odd, U64};
    use crypto_primes::{Flavor, is_prime};

    use super::{fermat_base_two, is_safe_prime_candidate};

    fn pow2_mod(e: u64, n: u64) -> u64 {
        let (mut acc, mut base, mut e) = (1u128, 2u128 % u128::from(n), e);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc * base % u128::from(n);
            }
            base = base * base % u128::from(n);
            e >>= 1;
        }
        u64::try_from(acc).unwrap()
    }

    #[test]
    fn fermat_filter_agrees_with_plain_modular_arithmetic() {
        for n in (3u64..40_000)
            .step_by(2)
            .chain((u64::MAX - 4_000..u64::MAX).step_by(2))
        {
            let odd = Odd::new(U64::from(n)).unwrap();
            assert_eq!(fermat_base_two(&odd), pow2_mod(n - 1, n) == 1, "n = {n}");
        }
        // Base-2 pseudoprimes pass: the filter never decides alone.
        for n in [341u64, 561, 645, 1_105, 1_387, 1_729, 1_905, 2_047] {
            assert!(fermat_base_two(&Odd::new(U64::from(n)).unwrap()), "{n}");
            assert!(!is_prime(Flavor::Any, &U64::from(n)), "{n}");
        }
    }

    #[test]
    fn the_filtered_predicate_is_the_safe_prime_test() {
        // Every odd candidate ≡ 3 (mod 4) in two ranges, including the safe-prime pseudoprime
        // traps of the Fermat filter: the filter only ever saves work, never changes a verdict.
        let ranges = [(3u64, 200_000u64), (u64::MAX - 400_000, u64::MAX - 3)];
        let mut safe = 0;
        for (lo, hi) in ranges {
            for n in (lo..hi).filter(|n| n % 4 == 3) {
                let x = U64::from(n);
                let expected = is_prime(Flavor::Safe, &x);
                assert_eq!(is_safe_prime_candidate(&x), expected, "n = {n}");
                safe += usize::from(expected);
            }
        }
        assert!(safe > 1_000, "{safe} safe primes seen");
    }
}
