//! TEST-ONLY kit of Tandem (never published): everything the tests, the benches, the fuzz
//! targets and the fixture generator share, in one place outside the library crates.
//!
//! - [`primes`]: the public fixture safe primes of `test-vectors/primes/` and the Paillier
//!   keys made from them;
//! - [`transcript`]: recorded protocol runs as stored in `test-vectors/v1/`, their typed
//!   loaders, and the recording tap;
//! - [`fixtures`]: the generators of every fixture and fuzz seed (the `fixtures` binary:
//!   `cargo run -p tandem-testkit --bin fixtures [-- --write]`);
//! - [`fuzzing`]: the entry points of the cargo-fuzz targets in `fuzz/`;
//! - [`message`]: seeded RNGs and message surgery (payload edits, headers);
//! - [`ecdsa`]: ECDSA key shares for tests (fixture primes, or the frozen fixture's);
//! - [`mutate`]: the generic payload mutator and the malicious-peer harness; [`aux_steps`]
//!   and [`reshare_steps`]: the memoized aux-info and the resharing runs it attacks;
//! - [`nonce_reuse`]: the restore-twice harness and its nonce-reuse detector;
//! - [`redaction`]: the check that a `Debug` output shows no secret;
//! - [`wallet`]: the fixture-primes key source of the wallet ([`wallet::FixturePrimes`]) and
//!   the wallet test helpers; [`crash_states`]: the stores a kill after each write leaves.
//!
//! Every crate's tests use it as a dev-dependency (a cycle through this crate is fine for
//! integration tests; a library's own `#[cfg(test)]` unit tests cannot use it). Nothing here
//! is compiled into a published crate: the only optional user is the TEST-ONLY binary
//! `tandem-insecure-test-primes` of `tandem-cli` (feature `insecure-test-primes`).

#![forbid(unsafe_code)]
// Test code: a failed precondition is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

pub mod aux_steps;
pub mod crash_states;
pub mod ecdsa;
pub mod fixtures;
pub mod fuzzing;
pub mod message;
pub mod mutate;
pub mod nonce_reuse;
pub mod paths;
pub mod postgres;
pub mod primes;
pub mod redaction;
pub mod reshare_steps;
pub mod transcript;
pub mod wallet;
