//! Non-hardened hierarchical derivation: many keys from one 2-of-2 wallet, without ever
//! assembling its key.
//!
//! A child key is the parent key plus a public tweak: `X_child = X + t·G`, where `t` and the
//! child's chain code come from the parent's public key, its chain code and the child's index
//! (and nothing secret). Both parties compute `t` from public data, so a child's 2-of-2
//! sharing is the parent's with `t` added to one party's share, and since `t` enters an
//! ECDSA or Schnorr signature linearly, presignatures and nonces made for the parent serve
//! every child. This module is the derivation itself: paths, chain codes, tweaks and child
//! public keys. Hardened derivation (BIP32 indices `≥ 2^31`, SLIP-10 for Ed25519) hashes the
//! *private* key and cannot be done without assembling it: refused.
//!
//! - **secp256k1: BIP32 `CKDpub`**, exactly (`Secp256k1`'s [`Hd::child`]):
//!   `I = HMAC-SHA512(c_par, ser_P(K_par) ‖ ser_32(i))`, `t = parse_256(I_L)` (refused if
//!   `≥ n`), `K_i = K_par + t·G` (refused if the identity), `c_i = I_R`. The wallet's `xpub`
//!   (BIP32 serialization, `tandem-wallet`'s `xpub` module) lets any wallet library derive
//!   the same child keys and addresses.
//! - **Ed25519: Tandem's additive scheme, version 1** (`Ed25519`'s [`Hd::child`]):
//!   `Z = HMAC-SHA512(c_par, 0x02 ‖ A_par ‖ ser_32(i))`, `t = Z mod ℓ` (the 64 bytes read
//!   little-endian, a uniform scalar), `A_i = A_par + t·B` (refused if the identity), and
//!   `c_i` the right half of `HMAC-SHA512(c_par, 0x03 ‖ A_par ‖ ser_32(i))`. `A_par` is the
//!   32-byte RFC 8032 encoding. The prefixes and the halves follow the public derivation of
//!   BIP32-Ed25519 (Khovratovich and Law, 2017); the tweak differs: BIP32-Ed25519 adds
//!   `8·Z_L[0..28]` to a clamped *extended* key, which an RFC 8032 signer derives from a
//!   seed by hashing, and a 2-of-2 sharing has no seed. Our shares are plain scalars (FROST,
//!   RFC 9591, signs with any scalar), so the tweak can be a full uniform scalar. No other
//!   wallet derives these children: Solana and Stellar wallets use SLIP-10, hardened only,
//!   which no threshold wallet can run. The scheme is fixed by the vectors in
//!   `test-vectors/v1/hd/ed25519.json`.
//!
//! **What a non-hardened tree gives away** (BIP32 "Security"): anyone with the wallet's
//! extended public key links all its children, and the extended public key together with one
//! child's *private* key gives the parent's private key. In a 2-of-2 wallet no child's private
//! key exists anywhere unless the wallet is ejected: an ejected key is the whole tree's key.
//! Treat the `xpub` as the privacy of every account it covers.
//!
//! Everything here is public (keys, chain codes, tweaks, indices) except the Diffie–Hellman
//! point that [`ChainCode::agreed`] hashes (wiped after use): the derivation arithmetic is
//! variable-time on purpose and must never see a secret. A chain code is not a key, but it is
//! the privacy of the tree: key generation makes one that only the two parties (and, once a
//! backup exists, the custodian of its backup share) know.

mod ed25519;
mod path;
mod secp256k1;

use core::fmt;

use hmac::{Hmac, KeyInit, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::Sha512;
use tandem_curves::{Curve, Point, Scalar, Transcript};

use crate::message::SessionContext;

pub use path::{DerivationPath, HARDENED, MAX_DEPTH};

/// A BIP32 chain code: 32 bytes that, with a public key, determine every child.
///
/// Not secret in the sense of a key (an `xpub` carries it), but it is the privacy of the
/// whole tree: its `Debug` form is redacted.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCode(#[serde(with = "tandem_curves::encoding::fixed")] [u8; 32]);

impl ChainCode {
    /// The chain code's bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Its bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The chain code of a wallet made by key generation: a hash of the session, the joint
    /// random value `rid = rid_c ⊕ rid_s` of CGGMP21 Fig. 5, both public shares, and the
    /// Diffie–Hellman point `K = x_c·X_s = x_s·X_c` of the two shares.
    ///
    /// Neither party chooses it: the client commits to `rid_c` and `X_c` before it sees
    /// `rid_s` and `X_s`, and the server picks those seeing only the commitment (short of
    /// aborting, which only starts a new key generation). Only the two parties can compute
    /// it: `rid` and the public shares travel in the key-generation messages, but `K` needs
    /// one of the two secret shares, so a proxy or a log that sees every message cannot link
    /// the wallet's children. (The backup shares carry it, so the custodian of the backup
    /// pair learns it too.) `K` tells a party nothing it did not know (`x_c·X_s` is the
    /// client's own secret times a public point).
    /// Public so that an auditor (and the restore-twice detector's rebuilt transcript) can
    /// recompute it; only key generation makes a wallet's chain code.
    #[must_use]
    pub fn agreed<C: Curve>(
        ctx: &SessionContext,
        rid: &[u8; 32],
        shares: &crate::PublicShares<C>,
        shared: &Point<C>,
    ) -> Self {
        let mut t = Transcript::new("tandem/chain-code/v1");
        t.append("curve", C::ID.name().as_bytes());
        t.append("session", &ctx.session.0);
        t.append("rid", rid);
        t.append_point("client", &shares.client);
        t.append_point("server", &shares.server);
        // K is secret to the two parties: encoded into a buffer wiped on drop.
        let k = zeroize::Zeroizing::new(shared.to_bytes().unwrap_or_default());
        t.append("shared", &k);
        let mut out = [0u8; 32];
        t.challenge_bytes("chain-code", &mut out);
        Self(out)
    }

    /// The chain code of a wallet made before chain codes were stored (stored format 1): a
    /// hash of the curve and the wallet's public key. Unbiasable (the key is), the same for
    /// both parties and every later sharing, but **anyone who knows the public key can
    /// compute it**, and with it link every child key to the wallet. Wallets made since have
    /// a chain code only their two parties know ([`ChainCode::agreed`]).
    #[must_use]
    pub fn legacy<C: Curve>(public_key: &Point<C>) -> Self {
        let mut t = Transcript::new("tandem/chain-code/legacy/v1");
        t.append("curve", C::ID.name().as_bytes());
        t.append_point("public-key", public_key);
        let mut out = [0u8; 32];
        t.challenge_bytes("chain-code", &mut out);
        Self(out)
    }

    /// Constant-time equality (a chain code is the privacy of a tree).
    #[must_use]
    pub fn ct_eq(&self, other: &Self) -> bool {
        bool::from(subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]))
    }

    /// `HMAC-SHA512(self, parts…)`.
    fn hmac(&self, parts: &[&[u8]]) -> [u8; 64] {
        // A key shorter than SHA-512's block is zero-padded by HMAC itself (RFC 2104 §2),
        // so the block-sized key below is the same HMAC as the 32-byte one, and infallible.
        let mut key = [0u8; 128];
        if let Some(head) = key.get_mut(..32) {
            head.copy_from_slice(&self.0);
        }
        let mut mac = <Hmac<Sha512> as KeyInit>::new(&key.into());
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for ChainCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChainCode(<redacted>)")
    }
}

/// Why a path or a derivation was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HdError {
    /// The path text is not `m` followed by `/index` components.
    #[error("derivation path is malformed at component {position}")]
    Syntax {
        /// The component (1 for the first index after `m`; 0 for the `m` itself).
        position: usize,
    },
    /// A hardened index (`'`, `h`, `H`, or a value `≥ 2^31`). From [`Derived::child`]
    /// directly, the position is the child's depth.
    #[error(
        "derivation path component {position} is hardened: a 2-of-2 wallet derives only \
         non-hardened children (hardened ones need the assembled key)"
    )]
    Hardened {
        /// The component.
        position: usize,
    },
    /// More components than BIP32's one-byte depth holds.
    #[error("derivation path is {depth} levels deep, more than {MAX_DEPTH}")]
    TooDeep {
        /// The depth asked for.
        depth: usize,
    },
    /// BIP32's invalid child: the tweak is not below the group order, or the child key is
    /// the identity. Probability below `2^-127` per index; BIP32 says to use the next index.
    #[error("index {index} at depth {depth} gives no valid key: use the next index")]
    InvalidChild {
        /// The child's depth.
        depth: usize,
        /// Its index.
        index: u32,
    },
}

impl HdError {
    /// The protocol error of a signing request whose path gives no key: `sender` chose the
    /// path, `me` is the party deriving. BIP32's invalid child (probability below 2^-120
    /// per index) met on our own request is `Misuse::Degenerate` (the caller tries the next
    /// index, as BIP32 says); anything else is the sender's `Refusal::InvalidPath`.
    pub(crate) fn refusal(&self, sender: crate::Role, me: crate::Role) -> crate::Error {
        match self {
            Self::InvalidChild { .. } if sender == me => {
                crate::Error::Misuse(crate::Misuse::Degenerate)
            }
            _ => crate::Error::Refused {
                sender,
                reason: crate::Refusal::InvalidPath,
            },
        }
    }
}

/// A curve with a non-hardened child-key derivation.
pub trait Hd: Curve {
    /// The tweak `t` and chain code of child `index` (`< 2^31`) of `parent`, or `None` for
    /// BIP32's invalid child (the tweak out of range). The caller checks the child key for
    /// the identity.
    fn child(
        parent: &Point<Self>,
        chain_code: &ChainCode,
        index: u32,
    ) -> Option<(Scalar<Self>, ChainCode)>;
}

/// A derived public key: where it is in the tree and how it was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Derived<C: Curve> {
    /// The child's public key, `X + tweak·G`.
    pub public_key: Point<C>,
    /// The child's chain code.
    pub chain_code: ChainCode,
    /// The sum of the tweaks along the path: what the client adds to its share.
    pub tweak: Scalar<C>,
    /// The path's length (0: the wallet's own key).
    pub depth: u8,
    /// The last index (0 at depth 0).
    pub child_number: u32,
    /// The parent's public key (for an `xpub`'s fingerprint); `None` at depth 0.
    pub parent: Option<Point<C>>,
}

impl<C: Curve> Derived<C> {
    /// The root: the wallet's key and chain code, no tweak.
    #[must_use]
    pub fn root(public_key: Point<C>, chain_code: ChainCode) -> Self {
        Self {
            public_key,
            chain_code,
            tweak: Scalar::zero(),
            depth: 0,
            child_number: 0,
            parent: None,
        }
    }

    /// Child `index` of this key.
    ///
    /// # Errors
    /// [`HdError::Hardened`] for `index ≥ 2^31`, [`HdError::TooDeep`] past depth 255,
    /// [`HdError::InvalidChild`].
    pub fn child(&self, index: u32) -> Result<Self, HdError>
    where
        C: Hd,
    {
        let depth = usize::from(self.depth) + 1;
        if index >= HARDENED {
            return Err(HdError::Hardened { position: depth });
        }
        let depth_byte = u8::try_from(depth).map_err(|_| HdError::TooDeep { depth })?;
        let invalid = HdError::InvalidChild { depth, index };
        // Public values only: variable time is fine (module docs).
        let (t, chain_code) =
            C::child(&self.public_key, &self.chain_code, index).ok_or(invalid.clone())?;
        let public_key = self.public_key + t.mul_base();
        if public_key.is_identity() {
            return Err(invalid);
        }
        Ok(Self {
            public_key,
            chain_code,
            tweak: self.tweak + t,
            depth: depth_byte,
            child_number: index,
            parent: Some(self.public_key),
        })
    }

    /// The key at `path` below this one.
    ///
    /// # Errors
    /// As [`Derived::child`], at the first step that fails.
    pub fn derive(&self, path: &DerivationPath) -> Result<Self, HdError>
    where
        C: Hd,
    {
        path.indices()
            .iter()
            .try_fold(*self, |key, &index| key.child(index))
    }
}

/// `ser_32(i)`: the index as 4 big-endian bytes (BIP32).
fn ser32(index: u32) -> [u8; 4] {
    index.to_be_bytes()
}

#[cfg(test)]
mod tests;
