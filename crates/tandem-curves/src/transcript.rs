//! A Fiat-Shamir transcript with an unambiguous encoding.
//!
//! The transcript is a SHAKE256 sponge. Every item it absorbs is a frame
//! `tag || u64-be(len(label)) || label || u64-be(len(data)) || data`, so two different
//! sequences of (label, data) items can never produce the same byte stream (the TSSHOCK
//! class of attacks relies on exactly such ambiguity). Challenges are read from a copy of the
//! sponge after absorbing a challenge frame that names the label and output length, so a
//! challenge depends on everything absorbed before it, and on its own purpose and size.

use sha3::Shake256;
use sha3::digest::{ExtendableOutput, Update, XofReader};
use zeroize::Zeroizing;

use crate::curve::Curve;
use crate::point::Point;
use crate::scalar::Scalar;

const TAG_DOMAIN: u8 = 0x01;
const TAG_APPEND: u8 = 0x02;
const TAG_CHALLENGE: u8 = 0x03;

/// Domain-separated Fiat-Shamir transcript. See the module documentation.
#[derive(Clone)]
pub struct Transcript {
    sponge: Shake256,
}

impl core::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Transcript(..)")
    }
}

impl Transcript {
    /// A fresh transcript for the protocol step named by `domain`
    /// (e.g. `"tandem/keygen/schnorr/v1"`).
    #[must_use]
    pub fn new(domain: &'static str) -> Self {
        let mut t = Self {
            sponge: Shake256::default(),
        };
        t.frame(TAG_DOMAIN, "tandem-transcript-v1", domain.as_bytes());
        t
    }

    fn frame(&mut self, tag: u8, label: &str, data: &[u8]) {
        self.sponge.update(&[tag]);
        self.sponge.update(&(label.len() as u64).to_be_bytes());
        self.sponge.update(label.as_bytes());
        self.sponge.update(&(data.len() as u64).to_be_bytes());
        self.sponge.update(data);
    }

    /// Absorbs a labelled byte string.
    pub fn append(&mut self, label: &'static str, data: &[u8]) {
        self.frame(TAG_APPEND, label, data);
    }

    /// Absorbs a labelled integer (8 bytes, big-endian).
    pub fn append_u64(&mut self, label: &'static str, v: u64) {
        self.frame(TAG_APPEND, label, &v.to_be_bytes());
    }

    /// Absorbs a point. The identity is absorbed as an empty string (it has no wire
    /// encoding; no other point encodes to zero bytes).
    pub fn append_point<C: Curve>(&mut self, label: &'static str, p: &Point<C>) {
        let bytes = p.to_bytes().unwrap_or_default();
        self.frame(TAG_APPEND, label, &bytes);
    }

    /// Absorbs a public scalar.
    pub fn append_scalar<C: Curve>(&mut self, label: &'static str, s: &Scalar<C>) {
        self.frame(TAG_APPEND, label, &s.to_bytes());
    }

    /// Fills `out` with challenge bytes bound to everything absorbed so far, to `label` and to
    /// `out.len()`. The challenge frame stays in the transcript, so a second challenge with
    /// the same label differs from the first.
    pub fn challenge_bytes(&mut self, label: &'static str, out: &mut [u8]) {
        self.frame(TAG_CHALLENGE, label, &(out.len() as u64).to_be_bytes());
        let mut reader = self.sponge.clone().finalize_xof();
        reader.read(out);
    }

    /// A challenge scalar: 64 bytes reduced modulo the group order (statistically uniform).
    #[must_use]
    pub fn challenge_scalar<C: Curve>(&mut self, label: &'static str) -> Scalar<C> {
        let mut wide = Zeroizing::new([0u8; 64]);
        self.challenge_bytes(label, wide.as_mut_slice());
        Scalar::from_wide_bytes(&wide)
    }
}

/// Domain-separated hash to a scalar: `H_domain(parts...)`, each part length-prefixed.
#[must_use]
pub fn hash_to_scalar<C: Curve>(domain: &'static str, parts: &[&[u8]]) -> Scalar<C> {
    let mut t = Transcript::new(domain);
    t.append_u64("parts", parts.len() as u64);
    for part in parts {
        t.append("part", part);
    }
    t.challenge_scalar("hash-to-scalar")
}
