//! Shared helpers for the criterion benches in this folder (`cargo bench -p tandem-benches`).
//!
//! Each bench file measures one subject and its single-party baseline side by side, so that
//! the ratio is visible in the report.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// A deterministic RNG for benches (inputs do not affect the cost of the operations).
#[must_use]
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}
