//! Tandem's additive non-hardened derivation on Ed25519, version 1 (see the module above).

use tandem_curves::{Ed25519, Point, Scalar};

use super::{ChainCode, Hd, ser32};

/// Prefix of the tweak's HMAC input (as BIP32-Ed25519's `Z`).
const TWEAK: u8 = 0x02;
/// Prefix of the chain code's HMAC input (as BIP32-Ed25519's child chain code).
const CHAIN: u8 = 0x03;

impl Hd for Ed25519 {
    fn child(
        parent: &Point<Self>,
        chain_code: &ChainCode,
        index: u32,
    ) -> Option<(Scalar<Self>, ChainCode)> {
        let encoded = parent.to_bytes().ok()?;
        let i = ser32(index);
        // t = Z mod ℓ, Z = HMAC-SHA512(c, 0x02 || A || ser_32(i)) read little-endian: a
        // uniform scalar (the 512-bit value is reduced, bias below 2^-259).
        let z = chain_code.hmac(&[&[TWEAK], &encoded, &i]);
        let tweak = Scalar::<Ed25519>::from_wide_bytes(&z);
        // c_i = the right half of HMAC-SHA512(c, 0x03 || A || ser_32(i)).
        let c = chain_code.hmac(&[&[CHAIN], &encoded, &i]);
        let (_, right) = c.split_at(32);
        Some((tweak, ChainCode::from_bytes(right.try_into().ok()?)))
    }
}
