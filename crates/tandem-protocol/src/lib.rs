//! Tandem's two-party protocols, sans-IO.
//!
//! Each protocol is a sequence of typestates: a party is a value; feeding it the peer's
//! message (bytes) returns the next state and the message to send, or the output. States are
//! consumed by value, so a round cannot be run twice. The states that can be restored twice
//! without answering twice under one secret nonce are serializable
//! ([`stored::SessionState`], which lists them and the reasons), so a server can save a
//! half-finished session between two requests and resume it elsewhere; the others (a
//! client's key-generation state after its commitment, every presigning state, a signer
//! holding nonces) live in memory only, and an interrupted run starts over. Nothing here
//! performs I/O or spawns threads. The [`runner`] is how every two-party run is done: each
//! protocol's parties as scripts ([`driver::parties`]) and an executor that runs them, in
//! memory on one thread here ([`runner::InMemory`], which the [`driver`] functions use), one
//! thread per party in the wallet.
//!
//! Any error ends the run: the state is consumed, its secrets are wiped, and a retry starts
//! a new session with fresh randomness (an aborted run is never resumed).
//!
//! - [`message`]: the envelope (version, protocol, curve, session, round, sender) and the
//!   checks every incoming message passes before its payload is decoded.
//! - [`keygen`]: two-party key generation for either curve (CGGMP21 Fig. 5, n = 2).
//! - [`eddsa`]: RFC 9591 FROST(Ed25519, SHA-512) and the two-party signing protocol.
//! - [`ecdsa`]: CGGMP24 ECDSA on secp256k1 (auxiliary information, presigning, signing, full
//!   signing, the presignature pool).
//! - [`reshare`]: resharing a pair into a fresh pair of the same key (backup, recover,
//!   refresh; CGGMP21 Fig. 6 for n = 2), and [`backup_share`], the backup pair's share type.
//! - [`runner`] and [`driver`]: every protocol's two parties as scripts, run in memory or by
//!   another executor.
//! - [`error`]: one error type that separates peer misbehaviour (with blame), undecodable
//!   input, refused messages, API misuse, storage errors and internal bugs.
//!
//! # Ed25519: key generation and signing, message by message
//!
//! Every protocol is message-in / message-out; the caller moves the bytes. Here both parties
//! run in one process (the [`driver`] does the same for you):
//!
//! ```rust
//! use rand_core::UnwrapErr;
//! use tandem_curves::Ed25519;
//! use tandem_protocol::{eddsa::sign, keygen, SessionId};
//!
//! let (mut client_rng, mut server_rng) = (UnwrapErr(getrandom::SysRng), UnwrapErr(getrandom::SysRng));
//!
//! // Key generation: 4 messages, client first.
//! let (client, m1) = keygen::client_start::<Ed25519, _>(SessionId::random(&mut client_rng), &mut client_rng)?;
//! let (server, m2) = keygen::server_respond::<Ed25519, _>(&m1, &mut server_rng)?;
//! let (client, m3) = client.receive(&m2)?;
//! let (server_share, m4) = server.receive(&m3, &mut server_rng)?; // the server stores its share
//! let client_share = client.receive(&m4)?;                         // then the device stores its share
//!
//! // Signing: the client asks, the server inspects the message and co-signs.
//! let msg = b"transfer 1 SOL";
//! let (client, m1) = sign::client_start(&client_share, SessionId::random(&mut client_rng), msg, &mut client_rng)?;
//! let request = sign::server_receive_request(&server_share, &m1)?;
//! assert_eq!(request.message(), msg);
//! let (server, m2) = request.approve(&server_share, &mut server_rng)?;
//! let (signature, m3) = client.receive(&client_share, &m2)?;   // verified before it is returned
//! assert_eq!(server.receive(&server_share, &m3)?, signature);  // the server gets it too
//! # Ok::<(), tandem_protocol::Error>(())
//! ```
//!
//! # secp256k1: aux info, presigning, one-round signing
//!
//! secp256k1 adds the auxiliary information (each party's Paillier key, proved to the other)
//! and presignatures; the [`driver`] runs each protocol's messages between two local parties,
//! and [`ecdsa::sign`] shows the online round message by message:
//!
//! ```rust,no_run
//! use rand_core::UnwrapErr;
//! use tandem_curves::Secp256k1;
//! use tandem_protocol::driver::{self, NoTap};
//! use tandem_protocol::ecdsa::{self, PresignaturePool};
//!
//! let (mut c_rng, mut s_rng) = (UnwrapErr(getrandom::SysRng), UnwrapErr(getrandom::SysRng));
//! let (c_key, s_key) = driver::keygen::<Secp256k1, _, _, _>(&mut c_rng, &mut s_rng, &mut NoTap)?;
//! // Two 1536-bit safe primes per party (seconds to tens of seconds; each party on its machine).
//! let c_paillier = ecdsa::generate_paillier_key(&mut c_rng, &mut |_, _| core::ops::ControlFlow::Continue(()))?;
//! let s_paillier = ecdsa::generate_paillier_key(&mut s_rng, &mut |_, _| core::ops::ControlFlow::Continue(()))?;
//! let (client, server) = driver::aux_info(c_key, s_key, c_paillier, s_paillier, &mut c_rng, &mut s_rng, &mut NoTap)?;
//!
//! // Presign ahead of time; each side keeps its half in a pool that remembers spent ids.
//! let (c_pre, s_pre) = driver::presign(&client, &server, &mut c_rng, &mut s_rng, &mut NoTap)?;
//! let (c_pool, s_pool) = (PresignaturePool::new(&client), PresignaturePool::new(&server));
//! let id = c_pre.id();
//! c_pool.insert(c_pre)?;
//! s_pool.insert(s_pre)?;
//!
//! // One online round. The client verifies the signature before releasing it; here the server
//! // also takes the optional third message and verifies its own copy
//! // (`driver::ecdsa_sign_for_client` stops after two messages, as the wallet does).
//! let digest = [7u8; 32]; // keccak256 of the transaction, for instance
//! let (c_sig, s_sig) = driver::ecdsa_sign(&client, &server, c_pool.take(id)?, s_pool.take(id)?,
//!                                         &digest, &mut c_rng, &mut s_rng, &mut NoTap)?;
//! assert_eq!(c_sig, s_sig);
//! let (r_s, v): ([u8; 64], u8) = (c_sig.to_bytes(), c_sig.recovery_id);
//! # let _ = (r_s, v);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod backup_share;
pub mod codec;
pub mod driver;
pub mod ecdsa;
pub mod eddsa;
pub mod error;
pub mod hd;
mod hedge;
pub mod key_share;
pub mod keygen;
pub mod message;
mod redacted;
pub mod reshare;
pub mod runner;
pub mod stored;
pub mod taproot;

pub use backup_share::{BackupKind, BackupShare, Sharing};
pub use error::{Check, DecodeError, Error, Misuse, Refusal};
pub use key_share::{KeyShare, PublicShares};
pub use message::{Header, Message, ProtocolId, Role, SessionId};
