//! Eject: combine the two shares of one pair into the private key, leaving threshold custody.
//!
//! Both shares must belong to the same pair (same sharing id; both backup shares, or both
//! signing shares), one of each side, and `x·G` must equal the wallet's public key before
//! anything is returned. The result is the raw key:
//!
//! - secp256k1: the 32-byte big-endian scalar, its WIF (compressed), and a
//!   [`k256::ecdsa::SigningKey`]: usable by any wallet.
//! - Ed25519: the 32-byte little-endian scalar. A threshold key has no RFC 8032 seed (the
//!   scalar is not the clamped hash of any seed that is known), so [`Ed25519Key::sign`] signs
//!   through ed25519-dalek's expanded-key signer; the nonce prefix is derived from the
//!   scalar (deterministic, as RFC 8032's), and the signatures pass `verify_strict`.
//!
//! **The tree comes along.** Each ejected key keeps the wallet's chain code (both shares must
//! carry the same one), so it derives the same non-hardened children as the 2-of-2 wallet
//! did (`tandem_protocol::hd`): [`Secp256k1Key::child`] and [`Ed25519Key::child`] add the
//! same public tweak, and [`Secp256k1Key::to_xprv`] is the BIP32 extended private key from
//! which any BIP32 library derives the wallet's secp256k1 children and addresses.

use core::fmt;

use ed25519_dalek::hazmat::ExpandedSecretKey;
use sha2::{Digest, Sha512};
use tandem_curves::{Curve, Ed25519, Point, Secp256k1, SecretScalar};
use tandem_protocol::Role;
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use ripemd::Ripemd160;
use tandem_protocol::Sharing;
use tandem_protocol::hd::{ChainCode, DerivationPath, Derived, HdError};

/// Why two shares were not combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EjectError {
    /// The shares belong to different pairs or different wallets.
    #[error("the two shares belong to different sharings")]
    DifferentSharings,
    /// Both shares are the same side of the pair (two client shares, or two server shares).
    #[error("both shares are the {0} side of the pair")]
    SameSide(Role),
    /// The combined key does not match the public key (corrupted share).
    #[error("the combined key does not match the public key")]
    KeyMismatch,
    /// The two shares carry different chain codes (they cannot be of one wallet's pair).
    #[error("the two shares carry different chain codes")]
    ChainCodeMismatch,
}

/// Combines the two shares of one pair: `x = a + b`, checked against the public key.
///
/// # Errors
/// [`EjectError`].
pub fn combine<C: Curve, S: Sharing<C>>(a: &S, b: &S) -> Result<SecretScalar<C>, EjectError> {
    let (a, b) = (a.key_share(), b.key_share());
    if a.sharing_id() != b.sharing_id() {
        return Err(EjectError::DifferentSharings);
    }
    if a.role() == b.role() {
        return Err(EjectError::SameSide(a.role()));
    }
    if !a.chain_code().ct_eq(b.chain_code()) {
        return Err(EjectError::ChainCodeMismatch);
    }
    let x = a.secret() + b.secret();
    if x.public_point() != a.public_key() {
        return Err(EjectError::KeyMismatch);
    }
    Ok(x)
}

/// The Bitcoin network a WIF string is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WifNetwork {
    /// Mainnet (version byte `0x80`, strings starting with `K` or `L`).
    Mainnet,
    /// Testnet, signet and regtest (version byte `0xef`, strings starting with `c`).
    Testnet,
}

/// An ejected secp256k1 private key (the wallet's, or a child's: [`Secp256k1Key::child`]),
/// with its place in the tree.
pub struct Secp256k1Key {
    secret: SecretScalar<Secp256k1>,
    public_key: Point<Secp256k1>,
    /// Chain code, depth, child number and parent (public).
    node: Derived<Secp256k1>,
}

/// BIP32's version bytes of a mainnet extended private key (`xprv`).
const XPRV: [u8; 4] = [0x04, 0x88, 0xAD, 0xE4];

impl Secp256k1Key {
    /// Combines the shares of one pair (see [`combine`]).
    ///
    /// # Errors
    /// [`EjectError`].
    pub fn eject<S: Sharing<Secp256k1>>(a: &S, b: &S) -> Result<Self, EjectError> {
        let secret = combine(a, b)?;
        let public_key = secret.public_point();
        let node = Derived::root(public_key, *a.key_share().chain_code());
        Ok(Self {
            secret,
            public_key,
            node,
        })
    }

    /// The private key of the child at `path` below this key: this key plus the BIP32 tweak,
    /// the same child the 2-of-2 wallet signs for at that path.
    ///
    /// # Errors
    /// [`HdError`] for a hardened, too deep or invalid path.
    pub fn child(&self, path: &DerivationPath) -> Result<Self, HdError> {
        let node = self.node.derive(path)?;
        // The tweak is public; the sum is constant-time in the secret.
        let secret = &self.secret + &node.tweak;
        let public_key = secret.public_point();
        if public_key != node.public_key {
            return Err(HdError::InvalidChild {
                depth: usize::from(node.depth),
                index: node.child_number,
            });
        }
        Ok(Self {
            secret,
            public_key,
            node: Derived {
                // The tweak is relative to the wallet's key; a child's own children start at 0.
                tweak: tandem_curves::Scalar::zero(),
                ..node
            },
        })
    }

    /// The chain code (the wallet's, or the child's).
    #[must_use]
    pub fn chain_code(&self) -> ChainCode {
        self.node.chain_code
    }

    /// The BIP32 extended private key (mainnet `xprv`): version `0x0488ADE4`, depth, the
    /// parent's fingerprint, the child number, the chain code, `0x00 ‖ key`, Base58Check.
    /// Any BIP32 wallet imports it and derives the wallet's non-hardened children.
    #[must_use]
    pub fn to_xprv(&self) -> Zeroizing<String> {
        let fingerprint = self.node.parent.map_or([0u8; 4], |parent| {
            let key = parent.to_bytes().unwrap_or_default();
            let id = Ripemd160::digest(sha2::Sha256::digest(&key));
            let mut out = [0u8; 4];
            out.copy_from_slice(id.get(..4).unwrap_or(&[0; 4]));
            out
        });
        let key = self.to_bytes();
        let mut payload = Zeroizing::new(Vec::with_capacity(78));
        payload.extend_from_slice(&XPRV);
        payload.push(self.node.depth);
        payload.extend_from_slice(&fingerprint);
        payload.extend_from_slice(&self.node.child_number.to_be_bytes());
        payload.extend_from_slice(&self.node.chain_code.to_bytes());
        payload.push(0);
        payload.extend_from_slice(&key[..]);
        Zeroizing::new(bs58::encode(&payload[..]).with_check().into_string())
    }

    /// The 32-byte big-endian private key.
    #[must_use]
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        self.secret.to_bytes()
    }

    /// Wallet Import Format for Bitcoin mainnet: `0x80 || key || 0x01` (compressed public
    /// key) in base58check. See [`Secp256k1Key::to_wif_for`] for testnet.
    #[must_use]
    pub fn to_wif(&self) -> Zeroizing<String> {
        self.to_wif_for(WifNetwork::Mainnet)
    }

    /// Wallet Import Format for `network`: `version || key || 0x01` in base58check.
    #[must_use]
    pub fn to_wif_for(&self, network: WifNetwork) -> Zeroizing<String> {
        let key = self.to_bytes();
        let mut payload = Zeroizing::new(Vec::with_capacity(34));
        payload.push(match network {
            WifNetwork::Mainnet => 0x80,
            WifNetwork::Testnet => 0xef,
        });
        payload.extend_from_slice(&key[..]);
        payload.push(0x01);
        Zeroizing::new(bs58::encode(&payload[..]).with_check().into_string())
    }

    /// A k256 signing key.
    ///
    /// # Errors
    /// Never for an ejected key (it is non-zero, since it matches a valid public key).
    pub fn signing_key(&self) -> Result<k256::ecdsa::SigningKey, k256::ecdsa::Error> {
        k256::ecdsa::SigningKey::from_bytes(&(*self.to_bytes()).into())
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> Point<Secp256k1> {
        self.public_key
    }
}

impl fmt::Debug for Secp256k1Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secp256k1Key")
            .field("public_key", &self.public_key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// An ejected Ed25519 private scalar, with an expanded-key signer and the chain code.
pub struct Ed25519Key {
    expanded: ExpandedSecretKey,
    verifying_key: ed25519_dalek::VerifyingKey,
    chain_code: ChainCode,
}

impl Ed25519Key {
    /// Combines the shares of one pair (see [`combine`]).
    ///
    /// # Errors
    /// [`EjectError`].
    pub fn eject<S: Sharing<Ed25519>>(a: &S, b: &S) -> Result<Self, EjectError> {
        let secret = combine(a, b)?;
        Self::from_scalar(secret, *a.key_share().chain_code())
    }

    /// The private scalar of the child at `path` below this key (Tandem's Ed25519
    /// derivation: this scalar plus the public tweak), the same child the 2-of-2 wallet signs
    /// for at that path.
    ///
    /// # Errors
    /// [`HdError`] for a hardened, too deep or invalid path.
    pub fn child(&self, path: &DerivationPath) -> Result<Self, HdError> {
        let public_key = Point::<Ed25519>::from_bytes(self.verifying_key.as_bytes())
            .map_err(|_| HdError::InvalidChild { depth: 0, index: 0 })?;
        let node = Derived::root(public_key, self.chain_code).derive(path)?;
        let invalid = HdError::InvalidChild {
            depth: usize::from(node.depth),
            index: node.child_number,
        };
        let scalar = SecretScalar::<Ed25519>::new(self.expanded.scalar);
        Self::from_scalar(&scalar + &node.tweak, node.chain_code).map_err(|_| invalid)
    }

    /// The chain code (the wallet's, or the child's).
    #[must_use]
    pub fn chain_code(&self) -> ChainCode {
        self.chain_code
    }

    fn from_scalar(
        secret: SecretScalar<Ed25519>,
        chain_code: ChainCode,
    ) -> Result<Self, EjectError> {
        let public_key = secret.public_point();
        // The nonce prefix RFC 8032 would take from the seed's hash; with no seed, a hash of
        // the scalar under a Tandem domain (deterministic nonces, as in RFC 8032).
        let mut hasher = Sha512::new();
        hasher.update(b"tandem/eject/ed25519/nonce-prefix/v1");
        hasher.update(&secret.to_bytes()[..]);
        let mut digest = Zeroizing::new([0u8; 64]);
        digest.copy_from_slice(&hasher.finalize());
        let (_, upper) = digest.split_at(32);
        let mut hash_prefix = [0u8; 32];
        hash_prefix.copy_from_slice(upper);
        let expanded = ExpandedSecretKey {
            scalar: *secret.expose_secret(),
            hash_prefix,
        };
        hash_prefix.zeroize();
        let verifying_key = ed25519_dalek::VerifyingKey::from(&expanded);
        if verifying_key.as_bytes()[..] != public_key.to_bytes().unwrap_or_default()[..] {
            return Err(EjectError::KeyMismatch);
        }
        Ok(Self {
            expanded,
            verifying_key,
            chain_code,
        })
    }

    /// The 32-byte little-endian private scalar.
    #[must_use]
    pub fn scalar_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.expanded.scalar.to_bytes())
    }

    /// Signs `message` (Ed25519, RFC 8032 signature format, verifies under
    /// [`Ed25519Key::verifying_key`] with `verify_strict`).
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> ed25519_dalek::Signature {
        ed25519_dalek::hazmat::raw_sign::<Sha512>(&self.expanded, message, &self.verifying_key)
    }

    /// The public key.
    #[must_use]
    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.verifying_key
    }
}

impl fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519Key")
            .field("verifying_key", &self.verifying_key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// BIP32 test vector 2: the master `xprv` and its non-hardened child `m/0`.
    const TV2_MASTER: &str = "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U";
    const TV2_M0: &str = "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt";

    /// The ejected form of test vector 2's master key: its key and chain code read at BIP32's
    /// offsets of the published `xprv`.
    fn tv2_master() -> Secp256k1Key {
        let bytes = bs58::decode(TV2_MASTER)
            .with_check(None)
            .into_vec()
            .unwrap();
        assert_eq!((bytes.len(), &bytes[..4]), (78, &XPRV[..]));
        let chain: [u8; 32] = bytes[13..45].try_into().unwrap();
        let secret = SecretScalar::<Secp256k1>::from_bytes(&bytes[46..78]).unwrap();
        let public_key = secret.public_point();
        Secp256k1Key {
            secret,
            public_key,
            node: Derived::root(public_key, ChainCode::from_bytes(chain)),
        }
    }

    #[test]
    fn xprv_of_the_key_and_of_a_child_match_bip32_test_vector_2() {
        let master = tv2_master();
        assert_eq!(master.to_xprv().as_str(), TV2_MASTER);
        let child = master.child(&"m/0".parse().unwrap()).unwrap();
        assert_eq!(child.to_xprv().as_str(), TV2_M0);
        // The child's private key is the master's plus the public derivation's tweak.
        let node = master.node.derive(&"m/0".parse().unwrap()).unwrap();
        assert_eq!(child.public_key(), node.public_key);
        assert_eq!(child.chain_code(), node.chain_code);
        // Two steps equal one path.
        let a = master.child(&"m/0/5".parse().unwrap()).unwrap();
        let b = child.child(&"m/5".parse().unwrap()).unwrap();
        assert_eq!(a.to_xprv().as_str(), b.to_xprv().as_str());
    }
}
