//! The wallet's key tree: its two keys with their chain codes, the `xpub`, and the public
//! keys and addresses of any non-hardened child (`tandem_protocol::hd`). Public values
//! only: a device computes them from its own shares, a watch-only wallet from the `xpub`.

use tandem_curves::{Ed25519, Point, Secp256k1};
use tandem_protocol::KeyShare;
use tandem_protocol::hd::{DerivationPath, Derived, HdError};

use crate::address::Addresses;
use crate::record::PublicKeys;
use crate::xpub::Xpub;

/// The roots of the wallet's two trees (its keys and chain codes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    secp256k1: Derived<Secp256k1>,
    ed25519: Derived<Ed25519>,
}

/// A key of the tree: the wallet's own (`m`) or a child's, on both curves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    /// Where it is.
    pub path: DerivationPath,
    /// Its public keys.
    pub public_keys: PublicKeys,
    /// Its addresses.
    pub addresses: Addresses,
    /// Its secp256k1 extended public key (BIP32): at `m`, the wallet's `xpub`.
    pub xpub: Xpub,
}

impl Tree {
    /// The tree of a wallet, from either party's shares (both hold the same public keys and
    /// chain codes).
    #[must_use]
    pub fn new(secp256k1: &KeyShare<Secp256k1>, ed25519: &KeyShare<Ed25519>) -> Self {
        Self {
            secp256k1: Derived::root(secp256k1.public_key(), *secp256k1.chain_code()),
            ed25519: Derived::root(ed25519.public_key(), *ed25519.chain_code()),
        }
    }

    /// The wallet's extended public key (BIP32, mainnet `xpub`, depth 0): any BIP32 wallet
    /// library derives the same secp256k1 children from it. It links every child: treat it
    /// as the privacy of every account it covers.
    #[must_use]
    pub fn xpub(&self) -> Xpub {
        Xpub::from_derived(&self.secp256k1)
    }

    /// The key at `path` on both curves (`m`: the wallet's own), with its addresses.
    ///
    /// # Errors
    /// [`HdError`] for a hardened, too deep or invalid path (an invalid child has probability
    /// below `2^-127` per index; BIP32 says to use the next index).
    pub fn derive(&self, path: &DerivationPath) -> Result<Child, HdError> {
        let secp = self.secp256k1.derive(path)?;
        let ed = self.ed25519.derive(path)?;
        let invalid = || HdError::InvalidChild {
            depth: usize::from(secp.depth),
            index: secp.child_number,
        };
        let public_keys = PublicKeys {
            secp256k1: k256_key(&secp.public_key).ok_or_else(invalid)?,
            ed25519: dalek_key(&ed.public_key).ok_or_else(invalid)?,
        };
        Ok(Child {
            path: path.clone(),
            addresses: Addresses::new(&public_keys.secp256k1, &public_keys.ed25519),
            public_keys,
            xpub: Xpub::from_derived(&secp),
        })
    }
}

fn k256_key(p: &Point<Secp256k1>) -> Option<k256::PublicKey> {
    k256::PublicKey::from_affine(p.inner().to_affine()).ok()
}

fn dalek_key(p: &Point<Ed25519>) -> Option<ed25519_dalek::VerifyingKey> {
    let bytes: [u8; 32] = p.to_bytes().ok()?.try_into().ok()?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()
}
