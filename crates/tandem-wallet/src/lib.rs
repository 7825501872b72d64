//! The Tandem wallet: one wallet per client, on secp256k1 (Ethereum, Bitcoin, Tron) and
//! Ed25519 (Solana, Stellar), with the lifecycle rules of `docs/design.md`.
//!
//! - [`Wallet`]: generate, sign (secp256k1 from a persisted presignature pool, or full
//!   signing; Ed25519 FROST), presign, backup, recover, refresh, eject, info;
//! - [`store`]: the [`Store`] trait (one byte store per party: client, server, custodian)
//!   and the filesystem store [`FsStore`], with the server's and the custodian's records
//!   encrypted at rest;
//! - [`status`]: `STORED_DATABASE` → `STORED_CLIENT`, `STORED_CUSTODIAN_BACKUP_SHARE` →
//!   `STORED_CLIENT_BACKUP_SHARE`;
//! - [`address`]: Ethereum (EIP-55), Bitcoin (P2WPKH), Tron, Solana and Stellar addresses;
//! - [`tree`]: the wallet's non-hardened key tree (its `xpub`, the keys and addresses of
//!   any child `m/…`), which [`Wallet::sign_secp256k1_at`] and [`Wallet::sign_ed25519_at`]
//!   sign for;
//! - [`progress`]: the steps long operations report;
//! - [`PaillierKeys`]: where the parties' Paillier keys come from: [`FreshPrimes`] for
//!   [`Wallet::new`], another source only through [`Wallet::with_paillier_keys`] (a pool of
//!   keys made ahead of time, for instance).
//! - [`Threaded`]: the thread-per-party executor of the protocols' runner, for the runs with
//!   the secp256k1 auxiliary information (both parties prove at once).
//!
//! ```no_run
//! use tandem_wallet::{BackupKey, DerivationPath, FsStore, Wallet};
//! use zeroize::Zeroizing;
//!
//! let wallet = Wallet::new(FsStore::create("./tandem-wallet")?);
//! let info = wallet.generate(&mut |_progress| {})?; // both curves; fresh Paillier primes: seconds
//! println!("{} {}", info.addresses.ethereum, info.addresses.solana);
//!
//! wallet.presign(4, &mut |_| {})?;                            // optional: a pool, persisted
//! let signed = wallet.sign_secp256k1(&[7u8; 32], &mut |_| {})?; // low-s (r, s) + recovery id
//! let sig = wallet.sign_ed25519(b"hello", &mut |_| {})?;      // RFC 8032 signature
//!
//! // Accounts: non-hardened child keys, from the chain code agreed in key generation.
//! let tree = wallet.tree()?;
//! println!("{}", tree.xpub());                  // BIP32 xpub: any wallet derives the same children
//! let account: DerivationPath = "m/0/1".parse()?;
//! let child = tree.derive(&account)?;           // keys and addresses of m/0/1 on both curves
//! let signed = wallet.sign_secp256k1_at(&account, &[7u8; 32], &mut |_| {})?; // same presignatures
//!
//! // Taproot: BIP340 under the BIP86 output key of the same secp256k1 key (info.addresses.bitcoin_taproot).
//! let taproot = wallet.sign_bip340(&[9u8; 32], &mut |_| {})?; // 64-byte signature + x-only output key
//!
//! let key = BackupKey::Password(Zeroizing::new(b"correct horse".to_vec()));
//! wallet.backup(&key, &mut |_| {})?;  // STORED_CUSTODIAN_BACKUP_SHARE -> STORED_CLIENT_BACKUP_SHARE
//! // ... the device is lost: client/ is gone ...
//! wallet.recover(&key, &mut |_| {})?; // fresh signing shares; the old device share is refused
//! # Ok::<(), tandem_wallet::WalletError>(())
//! ```
//!
//! Both parties run in this process; each reads and writes only its own records. Every
//! operation that writes holds the store's lock and writes only after every check and
//! protocol step has passed, in an order that keeps each pair in its old state or its new one
//! if the process is killed at any write ([`lifecycle`](crate) docs in `src/lifecycle.rs`);
//! the server's presignature pool is anchored against restores from older copies
//! (`src/pool.rs`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod address;
mod backup;
mod curve;
pub mod error;
mod lifecycle;
mod paillier;
mod pool;
pub mod progress;
pub mod record;
mod sign;
pub mod status;
pub mod store;
mod threaded;
pub mod tree;
mod wallet;
pub mod xpub;

pub use backup::{BackupKey, EjectedKeys};
pub use error::WalletError;
pub use paillier::{FreshPrimes, PaillierKeys};
pub use record::{BackupKeyKind, PublicKeys};
pub use sign::{MAX_PRESIGN_BATCH, Secp256k1Signed, SignMethod};
pub use status::{BackupStatus, SigningStatus, Status};
pub use store::{FsStore, Party, Store, StoreError, StoreLock};
pub use threaded::Threaded;
pub use tree::{Child, Tree};
pub use wallet::{Wallet, WalletInfo};

// What appears in this crate's API from the other Tandem crates and the curve libraries, so
// that a user of the wallet (the `tandem` command line) depends on this crate only.
pub use ed25519_dalek;
pub use k256;
pub use tandem_backup::{Ed25519Key, EjectError, EnvelopeError, Secp256k1Key, WifNetwork};
pub use tandem_curves::CurveId;
/// The Paillier secret key a [`PaillierKeys`] source returns.
pub use tandem_paillier::paillier::SecretKey as PaillierSecretKey;
/// The thread pools of the protocols' independent work (the safe-prime search, the proofs):
/// a party's thread count is its own setting.
pub use tandem_paillier::parallel;
pub use tandem_protocol::ecdsa::EcdsaSignature;
pub use tandem_protocol::hd::{DerivationPath, HdError};
pub use tandem_protocol::taproot::sign::TaprootSignature;
pub use tandem_protocol::{Check, Error as ProtocolError, Role};
pub use zeroize::Zeroizing;
