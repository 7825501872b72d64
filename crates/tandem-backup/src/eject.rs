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

use core::fmt;

use ed25519_dalek::hazmat::ExpandedSecretKey;
use sha2::{Digest, Sha512};
use tandem_curves::{Curve, Ed25519, Point, Secp256k1, SecretScalar};
use tandem_protocol::Role;
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use tandem_protocol::Sharing;

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

/// An ejected secp256k1 private key.
pub struct Secp256k1Key {
    secret: SecretScalar<Secp256k1>,
    public_key: Point<Secp256k1>,
}

impl Secp256k1Key {
    /// Combines the shares of one pair (see [`combine`]).
    ///
    /// # Errors
    /// [`EjectError`].
    pub fn eject<S: Sharing<Secp256k1>>(a: &S, b: &S) -> Result<Self, EjectError> {
        let secret = combine(a, b)?;
        let public_key = secret.public_point();
        Ok(Self { secret, public_key })
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

/// An ejected Ed25519 private scalar, with an expanded-key signer.
pub struct Ed25519Key {
    expanded: ExpandedSecretKey,
    verifying_key: ed25519_dalek::VerifyingKey,
}

impl Ed25519Key {
    /// Combines the shares of one pair (see [`combine`]).
    ///
    /// # Errors
    /// [`EjectError`].
    pub fn eject<S: Sharing<Ed25519>>(a: &S, b: &S) -> Result<Self, EjectError> {
        let secret = combine(a, b)?;
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
