//! One sieve window's search shared among workers that have no threads in common: the
//! browser's Web Workers, each its own wasm instance (the wasm build has no threads).
//!
//! [`generate_safe_prime`](super::generate_safe_prime) draws one random start per window and
//! returns the first safe prime among the window's survivors, in the sieve's order. Here the
//! caller draws the start ([`WindowStart::draw`], the same draw), hands it to `shares`
//! workers, and worker `share` tests the survivors whose ordinal (their index in the
//! sieve's order) is `share` modulo `shares` with [`search_window`], asking `stop` before
//! each test. The workers share the lowest ordinal found so far; a worker stops at an ordinal
//! above it. Every survivor below the lowest ordinal found has then been tested by its
//! worker, so the lowest ordinal found is the window's first safe prime: the prime the
//! one-thread search finds from the same start, whatever the number of workers. A window
//! with no safe prime (about one in seven) leaves every worker empty-handed; the caller
//! draws the next start, as the one-thread search does.
//!
//! Each worker builds the window's sieve itself (~0.2 s native, the same work in every
//! worker: the wall time of one sieve, not its sum).

use core::ops::ControlFlow;

use crypto_bigint::{U1536, Uint};
use rand_core::CryptoRng;
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use super::{is_safe_prime_candidate, sieve};
use crate::params::PRIME_BITS;

/// The bytes of a [`WindowStart`] (big-endian, as [`PRIME_BITS`] bits).
pub const START_BYTES: usize = U1536::BYTES;

/// Why a shared window search could not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WindowError {
    /// A window start of the wrong length (from the caller).
    #[error("a window start is {START_BYTES} bytes, not {got}")]
    StartLength {
        /// The length given.
        got: usize,
    },
    /// A window start without both top bits set or not `3 (mod 4)`: not a start that
    /// [`WindowStart::draw`] makes (from the caller).
    #[error("a window start must have its two top bits set and be 3 modulo 4")]
    StartForm,
    /// A share outside `0..shares`, or no shares (from the caller).
    #[error("share {share} of {shares}: there must be at least one share, and share < shares")]
    Share {
        /// The share given.
        share: u32,
        /// The number of shares given.
        shares: u32,
    },
    /// The sieve could not be set up (a size below 64 bits; a bug for the production size).
    #[error("prime sieve setup failed")]
    Sieve,
}

/// The random start of one sieve window of [`PRIME_BITS`]-bit candidates. Secret: the prime
/// found lies within `2^22` of it. Wiped on drop, `<redacted>` in `Debug`, not `Clone`.
pub struct WindowStart {
    start: U1536,
}

impl core::fmt::Debug for WindowStart {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("WindowStart(<redacted>)")
    }
}

impl Drop for WindowStart {
    fn drop(&mut self) {
        self.start.zeroize();
    }
}

impl WindowStart {
    /// A fresh start: exactly the draw [`generate_safe_prime`](super::generate_safe_prime)
    /// makes for each of its windows (the same stream gives the same starts).
    pub fn draw<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self {
            start: sieve::draw_start(rng, PRIME_BITS),
        }
    }

    /// The start from its [`START_BYTES`] big-endian bytes (a worker receiving its job).
    ///
    /// # Errors
    /// [`WindowError::StartLength`] or [`WindowError::StartForm`].
    pub fn from_be_bytes(bytes: &[u8]) -> Result<Self, WindowError> {
        let start = crate::bigint::uint_from_be::<{ U1536::LIMBS }>(bytes)
            .ok_or(WindowError::StartLength { got: bytes.len() })?;
        let start = Self { start };
        if start.has_form() {
            Ok(start)
        } else {
            Err(WindowError::StartForm)
        }
    }

    /// The start's [`START_BYTES`] big-endian bytes, wiped on drop.
    #[must_use]
    pub fn to_be_bytes(&self) -> Zeroizing<[u8; START_BYTES]> {
        be_bytes(&self.start)
    }

    /// Whether `p` is a candidate of this window: `p = start + 4k` with `0 <= k <` the
    /// window's length. A coordinator checks a worker's answer with this (and
    /// [`is_valid_safe_prime`](super::is_valid_safe_prime)) before using it.
    #[must_use]
    pub fn contains(&self, p: &U1536) -> bool {
        let (offset, borrow) = p.borrowing_sub(&self.start, crypto_bigint::Limb::ZERO);
        // 4 · WINDOW = 2^22: an offset below it has at most 22 bits (`bits` is constant
        // time; only the outcome is observable).
        let below_bits = (4 * sieve::WINDOW).trailing_zeros();
        bool::from(borrow.is_zero())
            && offset.bits() <= below_bits
            && !bool::from(crate::bigint::ct(offset.bit(0)))
            && !bool::from(crate::bigint::ct(offset.bit(1)))
    }

    /// Both top bits of [`PRIME_BITS`] set, nothing above, and `≡ 3 (mod 4)`. These bits
    /// are fixed by the form (the same in every start), so branching on them reveals
    /// nothing of a well-formed start.
    fn has_form(&self) -> bool {
        let s = &self.start;
        s.bits() == PRIME_BITS
            && [PRIME_BITS - 2, 1, 0]
                .into_iter()
                .all(|i| bool::from(crate::bigint::ct(s.bit(i))))
    }
}

/// A worker's find: the ordinal of the survivor (its index in the window's sieve order) and
/// the safe prime. Secret: wiped on drop, `<redacted>` in `Debug`, not `Clone`.
pub struct WindowPrime {
    ordinal: u32,
    prime: U1536,
}

impl core::fmt::Debug for WindowPrime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WindowPrime")
            .field("ordinal", &self.ordinal)
            .field("prime", &"<redacted>")
            .finish()
    }
}

impl Drop for WindowPrime {
    fn drop(&mut self) {
        self.prime.zeroize();
    }
}

impl WindowPrime {
    /// The survivor's index in the window's sieve order: the lowest across the workers wins.
    #[must_use]
    pub fn ordinal(&self) -> u32 {
        self.ordinal
    }

    /// The safe prime's [`START_BYTES`] big-endian bytes, wiped on drop.
    #[must_use]
    pub fn to_be_bytes(&self) -> Zeroizing<[u8; START_BYTES]> {
        be_bytes(&self.prime)
    }

    /// The safe prime.
    #[must_use]
    pub fn prime(&self) -> &U1536 {
        &self.prime
    }
}

/// The [`START_BYTES`] big-endian bytes of a secret integer, wiped on drop (as is the
/// encoder's copy).
fn be_bytes(x: &U1536) -> Zeroizing<[u8; START_BYTES]> {
    let mut out = Zeroizing::new([0u8; START_BYTES]);
    let encoded = Zeroizing::new(x.to_be_bytes());
    out.copy_from_slice(encoded.as_ref());
    out
}

/// Worker `share` of `shares`: tests the survivors of `start`'s window whose ordinal is
/// `share` modulo `shares`, in order, and returns the first safe prime among them. `stop` is
/// asked with each ordinal before its test; `ControlFlow::Break(())` (another worker found a
/// prime at a lower ordinal, or the search is cancelled) ends the search with `None`. `None`
/// too when the share holds no safe prime.
///
/// # Errors
/// [`WindowError::Share`] for a share outside `0..shares`.
pub fn search_window(
    start: &WindowStart,
    share: u32,
    shares: u32,
    stop: &mut dyn FnMut(u32) -> ControlFlow<()>,
) -> Result<Option<WindowPrime>, WindowError> {
    let found = search_window_of_size(start.start, PRIME_BITS, share, shares, stop)?;
    Ok(found.map(|(ordinal, prime)| WindowPrime {
        ordinal,
        prime: *prime,
    }))
}

/// The draw of [`WindowStart::draw`] for any size from 64 bits to the type's and any integer
/// type (tests run the same code on small sizes).
///
/// # Errors
/// [`WindowError::Sieve`] for a size outside that range.
#[doc(hidden)]
pub fn draw_window_start_of_size<const L: usize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    bits: u32,
) -> Result<Uint<L>, WindowError> {
    if bits < sieve::MIN_BITS || bits > Uint::<L>::BITS {
        return Err(WindowError::Sieve);
    }
    Ok(sieve::draw_start(rng, bits))
}

/// The search of [`search_window`] for any size of at least 64 bits and any integer type;
/// `start` must be of the form [`draw_window_start_of_size`] makes.
///
/// # Errors
/// [`WindowError::Share`] for a share outside `0..shares`, [`WindowError::Sieve`] below 64
/// bits.
#[doc(hidden)]
pub fn search_window_of_size<const L: usize>(
    start: Uint<L>,
    bits: u32,
    share: u32,
    shares: u32,
    stop: &mut dyn FnMut(u32) -> ControlFlow<()>,
) -> Result<Option<(u32, Zeroizing<Uint<L>>)>, WindowError> {
    if share >= shares {
        return Err(WindowError::Share { share, shares });
    }
    if bits < sieve::MIN_BITS || bits > Uint::<L>::BITS {
        return Err(WindowError::Sieve);
    }
    let window = sieve::window(start, bits);
    let step = usize::try_from(shares).map_err(|_| WindowError::Share { share, shares })?;
    let first = usize::try_from(share).map_err(|_| WindowError::Share { share, shares })?;
    for (ordinal, &k) in window
        .survivors()
        .iter()
        .enumerate()
        .skip(first)
        .step_by(step)
    {
        // At most 2^20 survivors per window: the ordinal fits.
        let ordinal = u32::try_from(ordinal).map_err(|_| WindowError::Sieve)?;
        if stop(ordinal).is_break() {
            return Ok(None);
        }
        // A candidate that carried out of the range ends the window (all later ones do too).
        let Some(candidate) = window.candidate(k) else {
            return Ok(None);
        };
        let candidate = Zeroizing::new(candidate);
        if is_safe_prime_candidate(&candidate) {
            return Ok(Some((ordinal, candidate)));
        }
    }
    Ok(None)
}
