//! Backup shares, recovery, refresh and eject for Tandem wallets, on secp256k1 and Ed25519.
//!
//! A wallet key `x` is held as two independent 2-of-2 sharings (`docs/design.md`):
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
//! - [`driver`]: resharing's two parties as scripts of the `tandem_protocol::runner` (alone,
//!   and the secp256k1 recover / refresh followed by auxiliary information with fresh
//!   Paillier material, in one run), and runs of them with both parties in one process.
//!
//! ```
//! use tandem_backup::driver::reshare;
//! use tandem_backup::envelope::{self, KeySource};
//! use tandem_backup::{Backup, BackupKind, Ed25519Key, Recover};
//! use tandem_curves::Ed25519;
//! use tandem_protocol::driver::{self, NoTap};
//!
//! let (mut c_rng, mut s_rng) = (rand_core::UnwrapErr(getrandom::SysRng), rand_core::UnwrapErr(getrandom::SysRng));
//! let (client, server) = driver::keygen::<Ed25519, _, _, _>(&mut c_rng, &mut s_rng, &mut NoTap)?;
//!
//! // Backup: the signing pair reshared into a fresh, mismatched backup pair (4 messages).
//! let (client_backup, custodian_backup) =
//!     reshare::<Backup, Ed25519, _, _, _>(&client, &server, &mut c_rng, &mut s_rng, &mut NoTap)?;
//! // The client backup share leaves the device only sealed (AES-256-GCM; here a cloud key).
//! let cloud_key = [42u8; 32]; // random, kept in the user's cloud storage
//! let sealed = envelope::seal(&client_backup, "wallet-7", &KeySource::RandomKey(&cloud_key), &mut c_rng)?;
//!
//! // Device lost: open the envelope and recover a fresh signing pair of the same key.
//! let restored = envelope::open::<Ed25519>(&sealed, "wallet-7", BackupKind::ClientBackup, &KeySource::RandomKey(&cloud_key))?;
//! let (new_client, new_server) =
//!     reshare::<Recover, Ed25519, _, _, _>(&restored, &custodian_backup, &mut c_rng, &mut s_rng, &mut NoTap)?;
//! assert_eq!(new_client.public_key(), client.public_key());
//! // The lost device's share no longer signs with the new server share (refused, named).
//! assert!(driver::eddsa_sign(&client, &new_server, b"x", &mut c_rng, &mut s_rng, &mut NoTap).is_err());
//!
//! // Eject: both backup shares combined into the key, checked against the public key.
//! let key = Ed25519Key::eject(&restored, &custodian_backup)?;
//! assert!(key.verifying_key().verify_strict(b"hi", &key.sign(b"hi")).is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Security notes.** Every peer value is checked before use, and a failed check names the
//! peer and leaves the caller's source share untouched (the protocol only reads it). In two
//! parties each side learns the mask `r` (its own old and new shares determine it); the
//! mismatched pairs combine to nothing only for someone who does not know `r`, so the mask,
//! seeds and ephemeral Diffie–Hellman keys live in wiped memory for one run and are never
//! stored; the Diffie–Hellman point keeps `r` from anyone who only sees the messages. A backup share cannot sign:
//! no signing API accepts the type.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod driver;
pub mod eject;
pub mod envelope;
pub mod reshare;
pub mod share;
#[cfg(test)]
mod test_support;

pub use eject::{Ed25519Key, EjectError, Secp256k1Key, WifNetwork};
pub use envelope::{EnvelopeError, KeySource, PasswordParams};
pub use reshare::{Backup, Operation, Recover, Refresh};
pub use share::{BackupKind, BackupShare, Sharing};
