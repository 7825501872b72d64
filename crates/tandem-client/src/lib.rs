//! Tandem's client half: the user's device in every wallet operation, talking to
//! `tandem server` through a [`Transport`] of the caller's choice.
//!
//! - [`Client`]: generate, presign, sign (secp256k1 from the device's presignature pool;
//!   Ed25519 FROST), info, with the device's lifecycle rule (pending shares, confirm,
//!   promote);
//! - [`api`]: the wire format both sides share (paths, JSON bodies, stable error codes);
//! - [`Transport`]: what carries a request (reqwest in the native command line, `fetch` in a
//!   browser);
//! - [`DeviceStore`] and [`FsDevice`]: the device's records.
//!
//! Pure Rust with no async runtime, no HTTP library and no database, so that it builds for
//! wasm32 and mobile targets. The protocol runs are the scripts of
//! `tandem_protocol::driver::parties`, unchanged, driven over an HTTP link; the server's side
//! of each run is `tandem-server`, which saves its state between requests in its database.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
mod client;
pub mod device;
mod error;
pub mod json;
mod lifecycle;
mod sign;
pub mod transport;

pub use client::Client;
pub use device::{DeviceLock, DeviceStore, FsDevice};
pub use error::ClientError;
pub use transport::{Body, Method, Request, Response, Transport};
