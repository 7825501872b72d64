//! Helpers for the backup tests: seeded RNGs, key generation, message surgery.

#![allow(dead_code)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_curves::Curve;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::{KeyShare, Message, codec};

pub(crate) fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A signing pair from key generation with seeds `seed`, `seed + 1`.
pub(crate) fn signing_pair<C: Curve>(seed: u64) -> (KeyShare<C>, KeyShare<C>) {
    driver::keygen::<C, _, _, _>(&mut rng(seed), &mut rng(seed + 1), &mut NoTap).unwrap()
}

/// Decodes a message's payload as `T`, lets `f` change it, re-encodes (header untouched).
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
