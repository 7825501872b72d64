//! Seeded RNGs, key generation, and message surgery for tests: decode a payload, change it,
//! re-encode it under the same header.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_curves::Curve;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::{Header, KeyShare, Message, codec};

pub use crate::transcript::rng;

/// A signing pair from key generation with seeds `seed`, `seed + 1`.
#[must_use]
pub fn signing_pair<C: Curve>(seed: u64) -> (KeyShare<C>, KeyShare<C>) {
    driver::keygen::<C, _, _, _>(&mut rng(seed), &mut rng(seed + 1), &mut NoTap).unwrap()
}

/// A message's payload decoded as `T`.
#[must_use]
pub fn payload<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> T {
    codec::decode(&Message::from_bytes(bytes).unwrap().payload).unwrap()
}

/// Decodes a message's payload as `T`, lets `f` change it, re-encodes (header untouched).
#[must_use]
pub fn tamper<T: Serialize + DeserializeOwned>(bytes: &[u8], f: impl FnOnce(&mut T)) -> Vec<u8> {
    let mut msg = Message::from_bytes(bytes).unwrap();
    let mut payload: T = codec::decode(&msg.payload).unwrap();
    f(&mut payload);
    msg.payload = codec::encode(&payload).unwrap();
    msg.to_bytes().unwrap()
}

/// Replaces the payload with arbitrary bytes.
#[must_use]
pub fn with_payload(bytes: &[u8], payload: Vec<u8>) -> Vec<u8> {
    let mut msg = Message::from_bytes(bytes).unwrap();
    msg.payload = payload;
    msg.to_bytes().unwrap()
}

/// Rewrites header fields.
#[must_use]
pub fn with_header(bytes: &[u8], f: impl FnOnce(&mut Header)) -> Vec<u8> {
    let mut msg = Message::from_bytes(bytes).unwrap();
    f(&mut msg.header);
    // Encode without the version check so that unknown versions can be produced.
    postcard::to_allocvec(&msg).unwrap()
}

/// A postcard byte string: varint length then bytes (the layout of every byte field).
pub fn bytes_field(out: &mut Vec<u8>, b: &[u8]) {
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
pub fn bump_scalar_bytes(b: &mut [u8; 32], big_endian: bool) {
    if big_endian {
        b[31] ^= 1;
    } else {
        b[0] ^= 1;
    }
}
