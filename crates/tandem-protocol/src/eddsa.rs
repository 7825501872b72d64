//! EdDSA on Ed25519: the RFC 9591 FROST ciphersuite ([`frost`]) and the two-party signing
//! protocol built on it ([`sign`]), whose messages carry nonce commitments as eighths
//! ([`wire`]). Key generation is the curve-generic [`crate::keygen`].

pub mod frost;
pub mod sign;
pub mod wire;

pub use ed25519_dalek::Signature;
