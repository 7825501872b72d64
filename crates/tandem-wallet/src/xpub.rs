//! BIP32 extended public keys (`xpub…`) of the wallet's secp256k1 key and its children.
//!
//! Serialization (BIP32 "Serialization format"): 78 bytes, Base58Check-encoded:
//! version `0x0488B21E` (mainnet public), depth (1 byte), the parent's fingerprint (the first
//! 4 bytes of HASH160 of the parent's compressed key; zero at depth 0), the child number
//! (4 bytes, big-endian), the chain code (32 bytes), and the compressed public key
//! (33 bytes). Any BIP32 wallet library derives the same non-hardened children from it.
//!
//! Parsing is strict, since an `xpub` may come from anyone: the length is bounded before
//! decoding; the checksum, the version (a private `xprv` or another network's version is
//! refused, and so is anything else), the key's prefix and its point, and BIP32's rules for
//! depth 0 (zero fingerprint and child number) are all checked, each with its own
//! [`XpubError`]. All of it is public data; nothing here is constant-time.

use core::fmt;
use core::str::FromStr;

use ripemd::Ripemd160;
use sha2::{Digest as _, Sha256};
use tandem_curves::{Point, Secp256k1};
use tandem_protocol::hd::{ChainCode, DerivationPath, Derived, HdError};

/// BIP32's version bytes of a mainnet extended public key (`xpub`).
const XPUB: [u8; 4] = [0x04, 0x88, 0xB2, 0x1E];
/// BIP32's version bytes of a mainnet extended private key (`xprv`): refused here.
const XPRV: [u8; 4] = [0x04, 0x88, 0xAD, 0xE4];
/// The serialized length.
const LEN: usize = 78;
/// Longest text looked at: 82 bytes (with the checksum) are at most 112 Base58 digits.
const MAX_TEXT: usize = 112;

/// Why an `xpub` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XpubError {
    /// Not Base58, or longer than an `xpub` can be.
    #[error("not a Base58 extended key")]
    Encoding,
    /// The Base58Check checksum does not match.
    #[error("extended key checksum does not match")]
    Checksum,
    /// Not 78 bytes.
    #[error("extended key is {0} bytes, not 78")]
    Length(usize),
    /// A private extended key (`xprv`): never accepted where a public one is expected.
    #[error("this is a private extended key (xprv); give the xpub")]
    Private,
    /// Another version (another network, or not BIP32).
    #[error("unknown extended key version {0:02x?}")]
    Version([u8; 4]),
    /// The key is not a compressed secp256k1 point.
    #[error("extended key's public key is not a valid compressed secp256k1 point")]
    PublicKey,
    /// Depth 0 with a parent fingerprint or a child number.
    #[error("extended key of depth 0 with a non-zero parent fingerprint or child number")]
    Root,
    /// Derivation refused.
    #[error(transparent)]
    Derive(#[from] HdError),
}

/// A BIP32 extended public key on secp256k1.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Xpub {
    depth: u8,
    parent_fingerprint: [u8; 4],
    child_number: u32,
    chain_code: ChainCode,
    public_key: Point<Secp256k1>,
}

/// HASH160 (SHA-256, then RIPEMD-160) of a compressed key: BIP32's key identifier.
fn hash160(key: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(key)).into()
}

impl Xpub {
    /// The extended key of a derived key (the wallet's own at depth 0).
    #[must_use]
    pub fn from_derived(d: &Derived<Secp256k1>) -> Self {
        Self {
            depth: d.depth,
            parent_fingerprint: d.parent.map_or([0; 4], |p| fingerprint(&p)),
            child_number: d.child_number,
            chain_code: d.chain_code,
            public_key: d.public_key,
        }
    }

    /// As a derivation root, for [`Xpub::derive`].
    fn as_derived(&self) -> Derived<Secp256k1> {
        Derived {
            public_key: self.public_key,
            chain_code: self.chain_code,
            tweak: tandem_curves::Scalar::zero(),
            depth: self.depth,
            child_number: self.child_number,
            parent: None,
        }
    }

    /// The extended key at `path` below this one (public derivation, BIP32 `CKDpub`).
    ///
    /// # Errors
    /// [`XpubError::Derive`].
    pub fn derive(&self, path: &DerivationPath) -> Result<Self, XpubError> {
        let d = self.as_derived().derive(path)?;
        let mut out = Self::from_derived(&d);
        if path.is_master() {
            // Nothing derived: keep this key's own place in its tree.
            out.parent_fingerprint = self.parent_fingerprint;
        }
        Ok(out)
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> Point<Secp256k1> {
        self.public_key
    }

    /// The chain code.
    #[must_use]
    pub fn chain_code(&self) -> ChainCode {
        self.chain_code
    }

    /// The depth in its tree.
    #[must_use]
    pub fn depth(&self) -> u8 {
        self.depth
    }

    /// The 78 serialized bytes.
    fn to_bytes(self) -> [u8; LEN] {
        let mut out = [0u8; LEN];
        let key = compressed(&self.public_key);
        let parts: [&[u8]; 6] = [
            &XPUB,
            &[self.depth],
            &self.parent_fingerprint,
            &self.child_number.to_be_bytes(),
            &self.chain_code.to_bytes(),
            &key,
        ];
        let mut at = 0;
        for part in parts {
            if let Some(slot) = out.get_mut(at..at + part.len()) {
                slot.copy_from_slice(part);
            }
            at += part.len();
        }
        out
    }
}

/// The 33-byte compressed key (the canonical encoding; never the identity here).
fn compressed(p: &Point<Secp256k1>) -> [u8; 33] {
    p.to_bytes()
        .ok()
        .and_then(|v| v.try_into().ok())
        .unwrap_or([0; 33])
}

/// BIP32 fingerprint: the first 4 bytes of HASH160 of the compressed key.
fn fingerprint(p: &Point<Secp256k1>) -> [u8; 4] {
    let [a, b, c, d, ..] = hash160(&compressed(p));
    [a, b, c, d]
}

impl fmt::Display for Xpub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.to_bytes()).with_check().into_string())
    }
}

impl fmt::Debug for Xpub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The chain code is the privacy of the tree: only the depth is shown.
        write!(f, "Xpub(depth {}, <redacted>)", self.depth)
    }
}

impl FromStr for Xpub {
    type Err = XpubError;

    fn from_str(text: &str) -> Result<Self, XpubError> {
        if text.len() > MAX_TEXT {
            return Err(XpubError::Encoding);
        }
        let bytes = bs58::decode(text)
            .with_check(None)
            .into_vec()
            .map_err(|e| match e {
                bs58::decode::Error::InvalidChecksum { .. } => XpubError::Checksum,
                _ => XpubError::Encoding,
            })?;
        let bytes: [u8; LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| XpubError::Length(bytes.len()))?;
        let (version, rest) = bytes.split_at(4);
        let (depth, rest) = rest.split_at(1);
        let (fp, rest) = rest.split_at(4);
        let (child, rest) = rest.split_at(4);
        let (chain, key) = rest.split_at(32);
        let version: [u8; 4] = version.try_into().map_err(|_| XpubError::Length(LEN))?;
        match version {
            XPUB => {}
            XPRV => return Err(XpubError::Private),
            other => return Err(XpubError::Version(other)),
        }
        // BIP32: a public key is 0x02 or 0x03 and an x on the curve (the decoder checks both
        // and refuses the 65-byte form by its length).
        if !matches!(key.first(), Some(0x02 | 0x03)) {
            return Err(XpubError::PublicKey);
        }
        let public_key = Point::<Secp256k1>::from_bytes(key).map_err(|_| XpubError::PublicKey)?;
        let depth = depth.first().copied().unwrap_or(0);
        let parent_fingerprint: [u8; 4] = fp.try_into().map_err(|_| XpubError::Length(LEN))?;
        let child_number =
            u32::from_be_bytes(child.try_into().map_err(|_| XpubError::Length(LEN))?);
        // BIP32 test vector 5: depth 0 with a parent or an index is not a master key.
        if depth == 0 && (parent_fingerprint != [0; 4] || child_number != 0) {
            return Err(XpubError::Root);
        }
        Ok(Self {
            depth,
            parent_fingerprint,
            child_number,
            chain_code: ChainCode::from_bytes(
                chain.try_into().map_err(|_| XpubError::Length(LEN))?,
            ),
            public_key,
        })
    }
}

#[cfg(test)]
mod tests;
