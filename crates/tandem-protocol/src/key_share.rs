//! Two-of-two additive key shares: `x = x_client + x_server`.

use core::fmt;

use serde::{Deserialize, Serialize};
use tandem_curves::{Curve, EncodedPoint, Point, SecretScalar, Transcript};
use zeroize::Zeroizing;

use crate::error::{DecodeError, Error, Misuse};
use crate::hd::ChainCode;
use crate::message::Role;
use crate::stored::{self, StoredKind};

/// The public side of a sharing: both public shares. The public key is their sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct PublicShares<C: Curve> {
    /// `X_client = x_client * G`.
    pub client: Point<C>,
    /// `X_server = x_server * G`.
    pub server: Point<C>,
}

impl<C: Curve> PublicShares<C> {
    /// The group public key `X = X_client + X_server`.
    #[must_use]
    pub fn public_key(&self) -> Point<C> {
        self.client + self.server
    }

    /// The public share of `role`.
    #[must_use]
    pub fn of(&self, role: Role) -> Point<C> {
        match role {
            Role::Client => self.client,
            Role::Server => self.server,
        }
    }

    /// Identifies this sharing: a hash of the curve and both public shares. Two shares
    /// combine only if their sharing ids are equal; a share replaced by recovery or refresh
    /// belongs to another sharing.
    #[must_use]
    pub fn sharing_id(&self) -> [u8; 32] {
        let mut t = Transcript::new("tandem/sharing-id/v1");
        t.append("curve", C::ID.name().as_bytes());
        t.append_point("client", &self.client);
        t.append_point("server", &self.server);
        let mut id = [0u8; 32];
        t.challenge_bytes("sharing-id", &mut id);
        id
    }
}

/// One party's share of a 2-of-2 key: its secret `x_i`, both public shares, and the
/// wallet's chain code ([`hd`](crate::hd)).
///
/// Secret material is wiped on drop and never printed. Stored with
/// [`KeyShare::to_bytes`] (versioned, with the curve) and read back with
/// [`KeyShare::from_bytes`], which checks that the secret matches its public share. A share
/// of stored format 1 (before chain codes) reads back with [`ChainCode::legacy`].
pub struct KeyShare<C: Curve> {
    role: Role,
    secret: SecretScalar<C>,
    public: PublicShares<C>,
    /// The wallet's chain code: agreed in key generation, carried unchanged by every
    /// resharing (backup, recovery, refresh), the same in both parties' shares.
    chain_code: ChainCode,
    /// Derived once at construction (the share is immutable): signing uses them on every
    /// message, and each costs point compressions.
    public_key: EncodedPoint<C>,
    sharing_id: [u8; 32],
}

/// Stored body, format 2.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct KeyShareBody<C: Curve> {
    role: Role,
    secret: SecretScalar<C>,
    public: PublicShares<C>,
    chain_code: ChainCode,
}

/// Stored body, format 1: no chain code.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct KeyShareBodyV1<C: Curve> {
    role: Role,
    secret: SecretScalar<C>,
    public: PublicShares<C>,
}

/// A key share in its stored form of format 1 (no chain code), for the stored structures of
/// format 1 that embed one: it decodes to a share with [`ChainCode::legacy`], and encodes
/// back to the same bytes (the structures' integrity checks hash that encoding).
pub(crate) struct LegacyKeyShare<C: Curve>(pub(crate) KeyShare<C>);

impl<C: Curve> Serialize for LegacyKeyShare<C> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        KeyShareBodyV1 {
            role: self.0.role,
            secret: self.0.secret.duplicate(),
            public: self.0.public,
        }
        .serialize(serializer)
    }
}

impl<'de, C: Curve> Deserialize<'de> for LegacyKeyShare<C> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let body = KeyShareBodyV1::<C>::deserialize(deserializer)?;
        let chain_code = ChainCode::legacy(&body.public.public_key());
        KeyShare::new(body.role, body.secret, body.public, chain_code)
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

impl<C: Curve> KeyShare<C> {
    /// Assembles a key share, checking `secret * G == public.of(role)` and that the public
    /// key is not the identity.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] if the values do not fit together.
    pub fn new(
        role: Role,
        secret: SecretScalar<C>,
        public: PublicShares<C>,
        chain_code: ChainCode,
    ) -> Result<Self, DecodeError> {
        // The identity has no encoding.
        let public_key = EncodedPoint::new(public.public_key()).ok_or(DecodeError::Inconsistent)?;
        if secret.public_point() != public.of(role) {
            return Err(DecodeError::Inconsistent);
        }
        Ok(Self {
            role,
            secret,
            public,
            chain_code,
            public_key,
            sharing_id: public.sharing_id(),
        })
    }

    /// Which party holds this share.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// The group public key.
    #[must_use]
    pub fn public_key(&self) -> Point<C> {
        *self.public_key.point()
    }

    /// The group public key with its encoding.
    #[must_use]
    pub fn public_key_encoded(&self) -> EncodedPoint<C> {
        self.public_key
    }

    /// The canonical encoding of the group public key.
    #[must_use]
    pub fn public_key_bytes(&self) -> &[u8] {
        self.public_key.encoding().as_ref()
    }

    /// Both public shares.
    #[must_use]
    pub fn public_shares(&self) -> &PublicShares<C> {
        &self.public
    }

    /// This share's sharing id (see [`PublicShares::sharing_id`]).
    #[must_use]
    pub fn sharing_id(&self) -> [u8; 32] {
        self.sharing_id
    }

    /// The wallet's chain code: the root of its non-hardened tree ([`hd`](crate::hd)).
    #[must_use]
    pub fn chain_code(&self) -> &ChainCode {
        &self.chain_code
    }

    /// The secret share `x_i`.
    #[must_use]
    pub fn secret(&self) -> &SecretScalar<C> {
        &self.secret
    }

    /// Checks that this share belongs to `expected`'s role.
    ///
    /// # Errors
    /// [`Misuse::WrongRole`].
    pub fn require_role(&self, expected: Role) -> Result<(), Error> {
        if self.role == expected {
            Ok(())
        } else {
            Err(Error::Misuse(Misuse::WrongRole {
                expected,
                got: self.role,
            }))
        }
    }

    /// This party's share of the child key at `path` below this share's key (with the
    /// wallet's chain code, [`hd`](crate::hd)), and where the child is in the tree; the
    /// child share carries the child's chain code.
    ///
    /// The child's sharing is this one with the public tweak `t` added on the client's side:
    /// `x_client + t` and `X_client + t·G`, the server's share unchanged, so that the sum is
    /// the child's key `x + t`. Both parties derive the same `t` from public values, and each
    /// computes only its own side (the server's share is returned as it is, with the child's
    /// public shares). Nothing is stored: a child share is made again for each use.
    ///
    /// # Errors
    /// [`HdError`](crate::hd::HdError) for a hardened, too deep or invalid path.
    pub fn child(
        &self,
        path: &crate::hd::DerivationPath,
    ) -> Result<(Self, crate::hd::Derived<C>), crate::hd::HdError>
    where
        C: crate::hd::Hd,
    {
        let derived = self.derive(path)?;
        // The tweak is public (derived from public values only).
        let t = derived.tweak;
        let public = PublicShares {
            client: self.public.client + t.mul_base(),
            server: self.public.server,
        };
        let secret = match self.role {
            Role::Client => &self.secret + &t,
            Role::Server => self.secret.duplicate(),
        };
        // `new` checks the secret against its public share and the key against the identity:
        // both hold by construction (a child key is never the identity, `Derived::child`).
        let share = Self::new(self.role, secret, public, derived.chain_code).map_err(|_| {
            crate::hd::HdError::InvalidChild {
                depth: usize::from(derived.depth),
                index: derived.child_number,
            }
        })?;
        Ok((share, derived))
    }

    /// The public key and chain code at `path` below this share's key (public values only;
    /// the share itself is not needed, and nothing secret is touched).
    ///
    /// # Errors
    /// [`HdError`](crate::hd::HdError) for a hardened, too deep or invalid path.
    pub fn derive(
        &self,
        path: &crate::hd::DerivationPath,
    ) -> Result<crate::hd::Derived<C>, crate::hd::HdError>
    where
        C: crate::hd::Hd,
    {
        crate::hd::Derived::root(self.public_key(), self.chain_code).derive(path)
    }

    /// Stored form: header (version, kind, curve) and body, in a buffer wiped on drop.
    ///
    /// # Errors
    /// If encoding fails.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let body = KeyShareBody {
            role: self.role,
            secret: self.secret.duplicate(),
            public: self.public,
            chain_code: self.chain_code,
        };
        stored::encode(StoredKind::KeyShare, C::ID, &body).map_err(Error::Storage)
    }

    /// Reads a stored key share, refusing an unknown version, another curve, malformed bytes
    /// and a secret that does not match its public share. Format 1 (no chain code) reads
    /// with [`ChainCode::legacy`].
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if stored::peek(bytes).map_err(Error::Storage)?.version == stored::FORMAT_1 {
            let LegacyKeyShare(share) = stored::decode_format_1(StoredKind::KeyShare, C::ID, bytes)
                .map_err(Error::Storage)?;
            return Ok(share);
        }
        let body: KeyShareBody<C> =
            stored::decode(StoredKind::KeyShare, C::ID, bytes).map_err(Error::Storage)?;
        Self::new(body.role, body.secret, body.public, body.chain_code).map_err(Error::Storage)
    }
}

impl<C: Curve> fmt::Debug for KeyShare<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyShare")
            .field("curve", &C::ID)
            .field("role", &self.role)
            .field("public_key", &self.public_key)
            .field("secret", &self.secret)
            .finish()
    }
}

impl<C: Curve> Serialize for KeyShare<C> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        KeyShareBody {
            role: self.role,
            secret: self.secret.duplicate(),
            public: self.public,
            chain_code: self.chain_code,
        }
        .serialize(serializer)
    }
}

impl<'de, C: Curve> Deserialize<'de> for KeyShare<C> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let body = KeyShareBody::<C>::deserialize(deserializer)?;
        Self::new(body.role, body.secret, body.public, body.chain_code)
            .map_err(serde::de::Error::custom)
    }
}
