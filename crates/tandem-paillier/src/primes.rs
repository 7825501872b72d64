//! Safe-prime generation for Paillier keys, with a progress callback and cancellation.
//!
//! A safe prime `p = 2p' + 1` (`p'` prime) of [`PRIME_BITS`] bits with its two top bits set,
//! so that the product of two of them has exactly [`MODULUS_BITS`](crate::params::MODULUS_BITS)
//! bits. Candidates come from a sieve over every odd prime below 2^24 (removing candidates
//! where `p` or `p'` has such a factor; `sieve.rs`, plugged into crypto-primes'
//! `sieve_and_find`); each survivor is tested with crypto-primes' safe-prime test
//! (Miller-Rabin base 2 and a strong Lucas test on both `p` and `p'`, the BPSW'21
//! recommendation). The expected number of tested candidates for 1536 bits is in the
//! thousands; the callback sees each one and can cancel.
//!
//! Timing: which candidates are rejected, and how many, is visible to a timing observer;
//! rejected candidates are independent of the prime finally returned.

use core::cell::{Cell, RefCell};
use core::ops::ControlFlow;

use crypto_bigint::U1536;
use crypto_primes::{Flavor, is_prime, sieve_and_find};
use rand_core::CryptoRng;
use thiserror::Error;

use crate::params::PRIME_BITS;

pub(crate) mod sieve;

pub use sieve::SIEVE_BOUND;

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

/// What the progress callback is told after each tested candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrimeProgress {
    /// Candidates that survived the sieve and were tested so far.
    pub candidates: u64,
}

/// Generates a [`PRIME_BITS`]-bit safe prime with its two top bits set.
///
/// `progress` is called after every tested candidate; returning `ControlFlow::Break(())`
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
pub fn generate_safe_prime_of_size<T, R>(
    rng: &mut R,
    bits: u32,
    progress: &mut dyn FnMut(PrimeProgress) -> ControlFlow<()>,
) -> Result<T, PrimeGenError>
where
    T: crypto_bigint::UnsignedWithMontyForm
        + crypto_bigint::RandomBits
        + crypto_bigint::RandomMod
        + zeroize::Zeroize,
    R: CryptoRng + ?Sized,
{
    let factory = sieve::DeepSieveFactory::<T>::new(bits).ok_or(PrimeGenError::Sieve)?;
    let candidates = Cell::new(0u64);
    let cancelled = Cell::new(false);
    let progress = RefCell::new(progress);
    // `sieve_and_find` stops at the first candidate the predicate accepts; a cancellation
    // "accepts" the current candidate to end the loop, and the result is then discarded.
    let found = sieve_and_find(rng, factory, |_rng, candidate: &T| {
        let prime = is_prime(Flavor::Safe, candidate);
        candidates.set(candidates.get() + 1);
        let flow = progress
            .try_borrow_mut()
            .map_or(ControlFlow::Continue(()), |mut f| {
                (*f)(PrimeProgress {
                    candidates: candidates.get(),
                })
            });
        if flow.is_break() {
            cancelled.set(true);
            return true;
        }
        prime
    })
    .map_err(|_| PrimeGenError::Sieve)?;
    if cancelled.get() {
        return Err(PrimeGenError::Cancelled {
            candidates: candidates.get(),
        });
    }
    found.ok_or(PrimeGenError::Sieve)
}

/// Whether `p` is a safe prime of the size and form this crate requires: [`PRIME_BITS`] bits
/// with both top bits set, `p ≡ 3 (mod 4)`, `p` and `(p-1)/2` prime.
#[must_use]
pub fn is_valid_safe_prime(p: &U1536) -> bool {
    let top_two_set = p.bit_vartime(PRIME_BITS - 1) && p.bit_vartime(PRIME_BITS - 2);
    top_two_set && is_prime(Flavor::Safe, p)
}
