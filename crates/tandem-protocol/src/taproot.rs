//! Taproot: BIP340 Schnorr signatures for BIP341 key-path spends of BIP86 outputs, made by
//! the two parties from the wallet's secp256k1 shares.
//!
//! - [`bip340`]: tagged hashes, x-only keys, BIP341's TapTweak and BIP340 verification
//!   (public values);
//! - [`frost`]: FROST(secp256k1, SHA-256) with BIP340 challenges (the `secp256k1-tr`
//!   ciphersuite shape), for the two signers;
//! - [`sign`]: the two-party protocol (RFC 9591 rounds, the client as coordinator).

pub mod bip340;
pub mod frost;
pub mod sign;
