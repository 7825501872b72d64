//! Pure-Rust Paillier encryption, ring-Pedersen parameters and the zero-knowledge proofs of
//! CGGMP24 (Canetti, Gennaro, Goldfeder, Makriyannis, Peled, "UC Non-Interactive, Proactive,
//! Threshold ECDSA with Identifiable Aborts", eprint 2021/060, 2024 revision).
//!
//! No C: big integers are `crypto-bigint`, primes `crypto-primes`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bigint;
pub mod fixed_base;
pub mod monty;
pub mod paillier;
pub mod parallel;
pub mod params;
pub mod primes;
pub mod proofs;
pub mod ring_pedersen;
