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
//! - [`error`]: one error type that separates peer misbehaviour (with blame), undecodable
//!   input, refused messages, API misuse, storage errors and internal bugs.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod codec;
pub mod driver;
pub mod ecdsa;
pub mod eddsa;
pub mod error;
#[cfg(feature = "fixtures")]
pub mod fixtures;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod hedge;
pub mod key_share;
pub mod keygen;
pub mod message;
mod redacted;
pub mod runner;
pub mod stored;

pub use error::{Check, DecodeError, Error, Misuse, Refusal};
pub use key_share::{KeyShare, PublicShares};
pub use message::{Header, Message, ProtocolId, Role, SessionId};

/// The README's code examples, compiled and run as doctests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
