//! Backups of Tandem wallets at rest, on secp256k1 and Ed25519: the encrypted envelope of the
//! client backup share, and eject.
//!
//! A wallet key `x` is held as two independent 2-of-2 sharings (`docs/design.md`):
//! the signing pair `x_c + x_s` (device and server) and the backup pair `b_c + b_k` (client
//! backup, kept encrypted, and custodian backup). The resharing protocol that makes and uses
//! the backup pair (backup, recover, refresh) is a protocol like the others and lives in
//! `tandem_protocol::reshare`, with the [`BackupShare`] type; this crate is what happens to
//! backup shares outside a protocol run:
//!
//! - [`envelope`]: the AES-256-GCM envelope for the client backup share (random key,
//!   Argon2id password, or caller secret);
//! - [`eject`]: the two shares of one pair combined into the private key, checked against
//!   the public key (secp256k1 bytes and WIF; Ed25519 scalar with an expanded-key signer).
//!
//! ```
//! use tandem_backup::Ed25519Key;
//! use tandem_backup::envelope::{self, KeySource};
//! use tandem_protocol::BackupKind;
//! use tandem_protocol::driver::reshare;
//! use tandem_protocol::reshare::{Backup, Recover};
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod eject;
pub mod envelope;
#[cfg(test)]
mod test_support;

pub use eject::{Ed25519Key, EjectError, Secp256k1Key, WifNetwork};
pub use envelope::{EnvelopeError, KeySource, PasswordParams};
pub use tandem_protocol::{BackupKind, BackupShare};
