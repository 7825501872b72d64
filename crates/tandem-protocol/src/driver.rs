//! A small in-memory driver that runs both parties of a protocol in one process.
//!
//! Every message goes through its byte encoding, so the driver exercises exactly what a
//! real transport would carry. An optional [`Tap`] sees (and may alter) each message on the
//! way: tests use it to play a dishonest party, benches and the CLI pass [`NoTap`].

use ed25519_dalek::Signature;
use rand_core::CryptoRng;
use tandem_curves::{Curve, Ed25519};

use crate::eddsa::sign;
use crate::error::Error;
use crate::key_share::KeyShare;
use crate::keygen;
use crate::message::{Role, SessionId};

/// Observes each message between the parties; may replace it.
pub trait Tap {
    /// Called with each message `sender` sends; the bytes delivered are what `msg` holds
    /// afterwards.
    fn on_message(&mut self, sender: Role, msg: &mut Vec<u8>);
}

/// A [`Tap`] that leaves every message as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTap;

impl Tap for NoTap {
    fn on_message(&mut self, _sender: Role, _msg: &mut Vec<u8>) {}
}

impl<F: FnMut(Role, &mut Vec<u8>)> Tap for F {
    fn on_message(&mut self, sender: Role, msg: &mut Vec<u8>) {
        self(sender, msg);
    }
}

fn pass<T: Tap>(tap: &mut T, sender: Role, mut msg: Vec<u8>) -> Vec<u8> {
    tap.on_message(sender, &mut msg);
    msg
}

/// Runs two-party key generation on curve `C`. Returns `(client share, server share)`.
///
/// # Errors
/// The first error either party reports.
pub fn keygen<C: Curve, R1: CryptoRng, R2: CryptoRng, T: Tap>(
    client_rng: &mut R1,
    server_rng: &mut R2,
    tap: &mut T,
) -> Result<(KeyShare<C>, KeyShare<C>), Error> {
    let session = SessionId::random(client_rng);
    let (client, m1) = keygen::client_start::<C, _>(session, client_rng)?;
    let (server, m2) = keygen::server_respond::<C, _>(&pass(tap, Role::Client, m1), server_rng)?;
    let (client, m3) = client.receive(&pass(tap, Role::Server, m2))?;
    let (server_share, m4) = server.receive(&pass(tap, Role::Client, m3), server_rng)?;
    let client_share = client.receive(&pass(tap, Role::Server, m4))?;
    Ok((client_share, server_share))
}

/// Runs two-party FROST Ed25519 signing of `message`. Returns the signature as the client
/// and the server each obtained it (equal when both succeed).
///
/// # Errors
/// The first error either party reports.
pub fn eddsa_sign<R1: CryptoRng, R2: CryptoRng, T: Tap>(
    client_key: &KeyShare<Ed25519>,
    server_key: &KeyShare<Ed25519>,
    message: &[u8],
    client_rng: &mut R1,
    server_rng: &mut R2,
    tap: &mut T,
) -> Result<(Signature, Signature), Error> {
    let session = SessionId::random(client_rng);
    let (client, m1) = sign::client_start(client_key, session, message, client_rng)?;
    let request = sign::server_receive_request(server_key, &pass(tap, Role::Client, m1))?;
    let (server, m2) = request.approve(server_key, server_rng)?;
    let (client_sig, m3) = client.receive(client_key, &pass(tap, Role::Server, m2))?;
    let server_sig = server.receive(server_key, &pass(tap, Role::Client, m3))?;
    Ok((client_sig, server_sig))
}
