//! Shared helpers for the protocol tests: seeded RNGs and message surgery.

#![allow(dead_code)]

pub(crate) mod ecdsa;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_protocol::codec;
use tandem_protocol::{Header, Message};

pub(crate) fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Decodes a message's payload as `T`, lets `f` change it, re-encodes.
pub(crate) fn tamper<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    f: impl FnOnce(&mut T),
) -> Vec<u8> {
    let mut msg = Message::from_bytes(bytes).unwrap();
    let mut payload: T = codec::decode(&msg.payload).unwrap();
    f(&mut payload);
    msg.payload = codec::encode(&payload).unwrap();
    msg.to_bytes().unwrap()
}

/// Replaces the payload with arbitrary bytes.
pub(crate) fn with_payload(bytes: &[u8], payload: Vec<u8>) -> Vec<u8> {
    let mut msg = Message::from_bytes(bytes).unwrap();
    msg.payload = payload;
    msg.to_bytes().unwrap()
}

/// Rewrites header fields.
pub(crate) fn with_header(bytes: &[u8], f: impl FnOnce(&mut Header)) -> Vec<u8> {
    let mut msg = Message::from_bytes(bytes).unwrap();
    f(&mut msg.header);
    // Encode without the version check so that unknown versions can be produced.
    postcard::to_allocvec(&msg).unwrap()
}

/// A postcard byte string: varint length then bytes (the layout of every byte field).
pub(crate) fn bytes_field(out: &mut Vec<u8>, b: &[u8]) {
    let mut len = b.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(b);
}

/// Flips one bit of a scalar encoding while keeping it canonical (low byte for both curves'
/// encodings: secp256k1 is big-endian, so flip the last byte; Ed25519 little-endian, first).
pub(crate) fn bump_scalar_bytes(b: &mut [u8; 32], big_endian: bool) {
    if big_endian {
        b[31] ^= 1;
    } else {
        b[0] ^= 1;
    }
}
