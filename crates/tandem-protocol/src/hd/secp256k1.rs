//! BIP32 `CKDpub` on secp256k1.

use tandem_curves::{Point, Scalar, Secp256k1};

use super::{ChainCode, Hd, ser32};

impl Hd for Secp256k1 {
    fn child(
        parent: &Point<Self>,
        chain_code: &ChainCode,
        index: u32,
    ) -> Option<(Scalar<Self>, ChainCode)> {
        // BIP32 CKDpub: I = HMAC-SHA512(c_par, ser_P(K_par) || ser_32(i)). `ser_P` is the
        // 33-byte compressed point (the canonical encoding of tandem-curves' secp256k1).
        let encoded = parent.to_bytes().ok()?;
        split(&chain_code.hmac(&[&encoded, &ser32(index)]))
    }
}

/// `(parse_256(I_L), I_R)`, or `None` if `I_L ≥ n` (BIP32: the child is invalid; the scalar
/// decoder refuses non-canonical values and never reduces).
pub(super) fn split(i: &[u8; 64]) -> Option<(Scalar<Secp256k1>, ChainCode)> {
    let (left, right) = i.split_at(32);
    let tweak = Scalar::<Secp256k1>::from_bytes(left).ok()?;
    let chain_code = ChainCode::from_bytes(right.try_into().ok()?);
    Some((tweak, chain_code))
}
