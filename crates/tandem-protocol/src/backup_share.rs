//! Backup shares and the two kinds of pair.
//!
//! A wallet key `x` is shared twice on each curve (`docs/design.md`, "The four shares"):
//! the **signing pair** `x_c + x_s = x` ([`KeyShare`], client and server) and the **backup
//! pair** `b_c + b_k = x` ([`BackupShare`], client backup and custodian backup). The two
//! pairs are independent sharings: each has its own public shares and therefore its own
//! sharing id, and a share of one pair combined with a share of the other gives nothing
//! (as long as the resharing mask is erased; see the crate documentation).
//!
//! A [`BackupShare`] cannot sign: no signing API accepts it. Its only uses are recovery
//! ([`crate::reshare::Recover`]) and `tandem_backup::eject`.

use core::fmt;

use crate::hd::ChainCode;
use crate::stored::{self, StoredKind};
use crate::{DecodeError, Error, KeyShare, PublicShares, Role};
use serde::{Deserialize, Serialize};
use tandem_curves::{Curve, Point, SecretScalar, Transcript};
use zeroize::Zeroizing;

/// Which share of the backup pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BackupKind {
    /// `b_c`: encrypted by the client; the ciphertext is kept by the organization, the key by
    /// the user (cloud storage, password, passkey).
    ClientBackup,
    /// `b_k`: kept by the custodian (the organization), encrypted at rest.
    CustodianBackup,
}

impl BackupKind {
    /// The protocol role that holds this share during recovery: the client backup share is
    /// the client's, the custodian share is brought by the organization's side.
    #[must_use]
    pub const fn role(self) -> Role {
        match self {
            Self::ClientBackup => Role::Client,
            Self::CustodianBackup => Role::Server,
        }
    }

    /// The kind held by `role`.
    #[must_use]
    pub const fn of(role: Role) -> Self {
        match role {
            Role::Client => Self::ClientBackup,
            Role::Server => Self::CustodianBackup,
        }
    }

    /// A stable name (for associated data and file names).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::ClientBackup => "client-backup",
            Self::CustodianBackup => "custodian-backup",
        }
    }
}

/// One share of the backup pair: `b_c` or `b_k`, with both public backup shares.
///
/// Not `Clone`; the secret is wiped on drop and printed as `<redacted>`.
pub struct BackupShare<C: Curve> {
    share: KeyShare<C>,
}

/// Stored body (format 2): the share, the wallet's chain code and an integrity check over
/// the public part.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct Body<C: Curve> {
    kind: BackupKind,
    secret: SecretScalar<C>,
    public: PublicShares<C>,
    chain_code: ChainCode,
    #[serde(with = "tandem_curves::encoding::fixed")]
    check: [u8; 32],
}

/// Stored body of format 1: no chain code (read with [`ChainCode::legacy`]).
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct BodyV1<C: Curve> {
    kind: BackupKind,
    secret: SecretScalar<C>,
    public: PublicShares<C>,
    #[serde(with = "tandem_curves::encoding::fixed")]
    check: [u8; 32],
}

/// A hash over the public part: a peer's public share cannot be checked on its own, so
/// without it a corrupted file would load as a share of another key (or with another chain
/// code). It detects corruption, not an adversary who rewrites the file (that is what the
/// envelope is for). Format 1 had no chain code (`None`), and its own label.
fn integrity_check<C: Curve>(
    kind: BackupKind,
    public: &PublicShares<C>,
    chain_code: Option<&ChainCode>,
) -> [u8; 32] {
    let mut t = Transcript::new(match chain_code {
        Some(_) => "tandem/backup-share/integrity/v2",
        None => "tandem/backup-share/integrity/v1",
    });
    t.append("curve", C::ID.name().as_bytes());
    t.append("kind", kind.name().as_bytes());
    t.append_point("client-backup", &public.client);
    t.append_point("custodian-backup", &public.server);
    if let Some(chain_code) = chain_code {
        t.append("chain-code", &chain_code.to_bytes());
    }
    let mut out = [0u8; 32];
    t.challenge_bytes("check", &mut out);
    out
}

fn check_matches(expected: &[u8; 32], got: &[u8; 32]) -> Result<(), Error> {
    if bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &got[..])) {
        Ok(())
    } else {
        Err(Error::Storage(DecodeError::Inconsistent))
    }
}

impl<C: Curve> BackupShare<C> {
    /// Assembles a backup share, checking `secret·G` against the public share of `kind` and
    /// that the public key is not the identity.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] if the values do not fit together.
    pub fn new(
        kind: BackupKind,
        secret: SecretScalar<C>,
        public: PublicShares<C>,
        chain_code: ChainCode,
    ) -> Result<Self, DecodeError> {
        Ok(Self {
            share: KeyShare::new(kind.role(), secret, public, chain_code)?,
        })
    }

    /// Which backup share this is.
    #[must_use]
    pub fn kind(&self) -> BackupKind {
        BackupKind::of(self.share.role())
    }

    /// The wallet's public key (`B_c + B_k`, equal to the signing pair's).
    #[must_use]
    pub fn public_key(&self) -> Point<C> {
        self.share.public_key()
    }

    /// Both public backup shares (`client` is `B_c`, `server` is the custodian's `B_k`).
    #[must_use]
    pub fn public_shares(&self) -> &PublicShares<C> {
        self.share.public_shares()
    }

    /// The wallet's chain code (the signing pair's, carried by the backup).
    #[must_use]
    pub fn chain_code(&self) -> &ChainCode {
        self.share.chain_code()
    }

    /// The backup pair's sharing id (differs from the signing pair's).
    #[must_use]
    pub fn sharing_id(&self) -> [u8; 32] {
        self.share.sharing_id()
    }

    /// The share in the form the resharing protocol runs on (role = [`BackupKind::role`]).
    pub(crate) fn as_key_share(&self) -> &KeyShare<C> {
        &self.share
    }

    pub(crate) fn from_key_share(share: KeyShare<C>) -> Self {
        Self { share }
    }

    /// Stored form: header (version, kind, curve), the share, an integrity check; in a
    /// buffer wiped on drop.
    ///
    /// # Errors
    /// If encoding fails.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let kind = self.kind();
        let public = *self.share.public_shares();
        let chain_code = *self.share.chain_code();
        let body = Body {
            kind,
            secret: self.share.secret().duplicate(),
            public,
            chain_code,
            check: integrity_check(kind, &public, Some(&chain_code)),
        };
        stored::encode(StoredKind::BackupShare, C::ID, &body).map_err(Error::Storage)
    }

    /// Reads a stored backup share: refuses another version or curve, another kind of stored
    /// data, a failed integrity check, and a secret that does not match its public share.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if stored::peek(bytes).map_err(Error::Storage)?.version == stored::FORMAT_1 {
            let body: BodyV1<C> = stored::decode_format_1(StoredKind::BackupShare, C::ID, bytes)
                .map_err(Error::Storage)?;
            check_matches(&integrity_check(body.kind, &body.public, None), &body.check)?;
            let chain_code = ChainCode::legacy(&body.public.public_key());
            return Self::new(body.kind, body.secret, body.public, chain_code)
                .map_err(Error::Storage);
        }
        let body: Body<C> =
            stored::decode(StoredKind::BackupShare, C::ID, bytes).map_err(Error::Storage)?;
        check_matches(
            &integrity_check(body.kind, &body.public, Some(&body.chain_code)),
            &body.check,
        )?;
        Self::new(body.kind, body.secret, body.public, body.chain_code).map_err(Error::Storage)
    }
}

impl<C: Curve> fmt::Debug for BackupShare<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupShare")
            .field("curve", &C::ID)
            .field("kind", &self.kind())
            .field("public_key", &self.share.public_key())
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A share of either pair, as the resharing protocol and `tandem_backup::eject` see it. Sealed:
/// implemented by [`KeyShare`] (signing pair) and [`BackupShare`] (backup pair) only.
pub trait Sharing<C: Curve>: private::Sealed + Sized {
    /// The pair this type belongs to (for error messages and transcripts).
    const PAIR: &'static str;
    /// The underlying additive share.
    fn key_share(&self) -> &KeyShare<C>;
    /// Wraps a freshly reshared additive share.
    fn from_key_share(share: KeyShare<C>) -> Self;
}

impl<C: Curve> Sharing<C> for KeyShare<C> {
    const PAIR: &'static str = "signing";
    fn key_share(&self) -> &KeyShare<C> {
        self
    }
    fn from_key_share(share: KeyShare<C>) -> Self {
        share
    }
}

impl<C: Curve> Sharing<C> for BackupShare<C> {
    const PAIR: &'static str = "backup";
    fn key_share(&self) -> &KeyShare<C> {
        self.as_key_share()
    }
    fn from_key_share(share: KeyShare<C>) -> Self {
        Self::from_key_share(share)
    }
}

mod private {
    use tandem_curves::Curve;

    pub trait Sealed {}
    impl<C: Curve> Sealed for crate::KeyShare<C> {}
    impl<C: Curve> Sealed for super::BackupShare<C> {}
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::stored::{self, StoredKind};
    use crate::{DecodeError, Error};
    use tandem_curves::{Curve, Ed25519, Point};

    use super::{BackupKind, BackupShare, Body, integrity_check};
    use crate::reshare::test_support::{backup_pair, signing_pair};

    type C = Ed25519;

    #[test]
    fn stored_backup_share_checks() {
        let (bc, _) = backup_pair();
        let bytes = bc.to_bytes().unwrap();
        let storage = |b: &[u8]| BackupShare::<C>::from_bytes(b).err();
        let edited = |f: &dyn Fn(&mut Body<C>)| {
            let mut body: Body<C> = stored::decode(StoredKind::BackupShare, C::ID, &bytes).unwrap();
            f(&mut body);
            stored::encode(StoredKind::BackupShare, C::ID, &body).unwrap()
        };
        let inconsistent = Some(Error::Storage(DecodeError::Inconsistent));
        assert_eq!(storage(&edited(&|_| {})), None);
        // The integrity check itself.
        assert_eq!(storage(&edited(&|m| m.check[0] ^= 1)), inconsistent);
        // A public share changed: the integrity check catches it when not recomputed...
        let changed = edited(&|m| m.public.server = m.public.server + Point::generator());
        assert_eq!(storage(&changed), inconsistent);
        // ... and with a recomputed check, the secret no longer matches its public share.
        let recomputed = edited(&|m| {
            m.public.client = m.public.client + Point::generator();
            m.check = integrity_check(m.kind, &m.public, Some(&m.chain_code));
        });
        assert_eq!(storage(&recomputed), inconsistent);
        // The chain code changed: the integrity check covers it.
        let chain = edited(&|m| m.chain_code = crate::hd::ChainCode::from_bytes([7; 32]));
        assert_eq!(storage(&chain), inconsistent);
        // The kind says custodian, the secret is the client backup's.
        let swapped = edited(&|m| {
            m.kind = BackupKind::CustodianBackup;
            m.check = integrity_check(m.kind, &m.public, Some(&m.chain_code));
        });
        assert_eq!(storage(&swapped), inconsistent);
        // Another kind of stored data.
        let (c, _) = signing_pair::<C>(34);
        assert_eq!(
            storage(&c.to_bytes().unwrap()),
            Some(Error::Storage(DecodeError::WrongKind))
        );
    }
}
