//! Backup shares, recovery, refresh and eject for Tandem wallets, on secp256k1 and Ed25519.
//!
//! A wallet key `x` is held as two independent 2-of-2 sharings (`../shared/DESIGN.md`):
//! the signing pair `x_c + x_s` (device and server) and the backup pair `b_c + b_k` (client
//! backup, kept encrypted, and custodian backup). This crate provides:
//!
//! - [`reshare`]: the two-party resharing protocol (sans-IO, typestate, versioned messages)
//!   behind [`reshare::Backup`] (signing → backup pair), [`reshare::Recover`] (backup →
//!   signing pair) and [`reshare::Refresh`] (signing → signing pair);
//! - [`share`]: the [`BackupShare`] type and its stored form;
//! - [`eject`]: the two shares of one pair combined into the private key, checked against
//!   the public key (secp256k1 bytes and WIF; Ed25519 scalar with an expanded-key signer);
//! - [`envelope`]: the AES-256-GCM envelope for the client backup share (random key,
//!   Argon2id password, or caller secret);
//! - [`driver`]: both parties in one process, and the secp256k1 recover / refresh that add
//!   fresh Paillier material.
//!
//! **Security notes.** Every peer value is checked before use, and a failed check names the
//! peer and leaves the caller's source share untouched (the protocol only reads it). In two
//! parties each side learns the mask `r` (its own old and new shares determine it); the
//! mismatched pairs combine to nothing only for someone who does not know `r`, so the mask
//! and seeds live in wiped memory for one run and are never stored. A backup share cannot sign:
//! no signing API accepts the type.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod driver;
pub mod eject;
pub mod envelope;
#[cfg(feature = "fixtures")]
pub mod fixtures;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod reshare;
pub mod share;

pub use eject::{Ed25519Key, EjectError, Secp256k1Key};
pub use envelope::{EnvelopeError, KeySource, PasswordParams};
pub use reshare::{Backup, Operation, Recover, Refresh};
pub use share::{BackupKind, BackupShare, Sharing};
