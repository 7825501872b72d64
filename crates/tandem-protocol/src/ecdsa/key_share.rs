//! The complete ECDSA key share: the secp256k1 share from key generation, our own Paillier
//! key and ring-Pedersen parameters (with their trapdoor), and the peer's Paillier key and
//! ring-Pedersen parameters, accepted only after their proofs verified (auxiliary-info
//! protocol).

use core::fmt;

use serde::{Deserialize, Serialize};
use tandem_curves::Secp256k1;
use tandem_paillier::bigint::{self, U1536, U3072};
use tandem_paillier::paillier::{PublicKey, SecretKey};
use tandem_paillier::ring_pedersen::{Params, ParamsWire, Trapdoor, Verifier};
use zeroize::Zeroize;

use crate::error::{DecodeError, Error};
use crate::key_share::{KeyShare, LegacyKeyShare};
use crate::message::Role;
use crate::stored::{self, StoredKind};

/// Our own auxiliary secrets: Paillier key, ring-Pedersen parameters on its modulus, `λ`.
pub struct OwnAux {
    pub(crate) paillier: SecretKey,
    pub(crate) rp: Params,
    pub(crate) trapdoor: Trapdoor,
}

impl fmt::Debug for OwnAux {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnAux(<redacted>)")
    }
}

impl OwnAux {
    /// Bundles a Paillier key with ring-Pedersen parameters on its modulus.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] if the parameters are not on the key's modulus.
    pub fn new(paillier: SecretKey, rp: Params, trapdoor: Trapdoor) -> Result<Self, DecodeError> {
        if rp.n() != paillier.public().n() {
            return Err(DecodeError::Inconsistent);
        }
        Ok(Self {
            paillier,
            rp,
            trapdoor,
        })
    }

    /// The verifier view of our parameters (trapdoor and CRT).
    #[must_use]
    pub fn verifier(&self) -> Verifier<'_> {
        Verifier::Owner {
            params: &self.rp,
            trapdoor: &self.trapdoor,
            sk: &self.paillier,
        }
    }

    /// Our Paillier secret key.
    #[must_use]
    pub fn paillier(&self) -> &SecretKey {
        &self.paillier
    }

    /// Our ring-Pedersen parameters.
    #[must_use]
    pub fn ring_pedersen(&self) -> &Params {
        &self.rp
    }
}

/// The peer's verified public auxiliary data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerAux {
    pub(crate) paillier: PublicKey,
    pub(crate) rp: Params,
}

impl PeerAux {
    /// The peer's Paillier key.
    #[must_use]
    pub fn paillier(&self) -> &PublicKey {
        &self.paillier
    }

    /// The peer's ring-Pedersen parameters.
    #[must_use]
    pub fn ring_pedersen(&self) -> &Params {
        &self.rp
    }
}

/// A party's complete ECDSA key share. Secrets wiped on drop; `Debug` redacted.
pub struct EcdsaKeyShare {
    pub(crate) core: KeyShare<Secp256k1>,
    pub(crate) own: OwnAux,
    pub(crate) peer: PeerAux,
    /// The group key in k256's verifying form, derived once: every signature is verified.
    verifying_key: k256::ecdsa::VerifyingKey,
}

impl fmt::Debug for EcdsaKeyShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaKeyShare")
            .field("core", &self.core)
            .field("own", &self.own)
            .finish_non_exhaustive()
    }
}

/// Stored body: the core share and both auxiliary parts (whose serde forms rebuild and
/// re-check everything; our `s` is recomputed as `t^λ`, which keeps the share under 3 KB),
/// and an integrity check over them.
#[derive(Serialize, Deserialize)]
struct Body {
    core: KeyShare<Secp256k1>,
    own: OwnAux,
    peer: PeerAux,
    #[serde(with = "tandem_curves::encoding::fixed")]
    check: [u8; 32],
}

/// Stored body of format 1: the core share without a chain code.
#[derive(Serialize, Deserialize)]
struct BodyV1 {
    core: LegacyKeyShare<Secp256k1>,
    own: OwnAux,
    peer: PeerAux,
    #[serde(with = "tandem_curves::encoding::fixed")]
    check: [u8; 32],
}

#[derive(Serialize)]
struct BodyRefV1<'a> {
    core: &'a LegacyKeyShare<Secp256k1>,
    own: &'a OwnAux,
    peer: &'a PeerAux,
}

#[derive(Serialize)]
struct BodyRef<'a> {
    core: &'a KeyShare<Secp256k1>,
    own: &'a OwnAux,
    peer: &'a PeerAux,
}

/// The integrity check of a stored share: a hash of the encoded core share and auxiliary
/// parts. Not every field can be validated on its own (a peer's public share or `s`, our own
/// primes are only checked by the peer, later), so without it a corrupted file could load as
/// a share of another key. It detects corruption, not an adversary who can rewrite the file:
/// that is what encryption at rest is for.
///
/// Format 1 hashed the same fields with the key share in its format-1 form (no chain code):
/// [`BodyV1`] and [`LegacyKeyShare`] re-encode exactly those bytes.
fn integrity_check<B: Serialize>(body: &B) -> Result<[u8; 32], DecodeError> {
    // The encoding holds secrets: wiped when dropped (with every buffer it outgrew).
    let bytes = crate::codec::encode_secret(body)?;
    let mut t = tandem_curves::Transcript::new("tandem/ecdsa-key-share/integrity/v1");
    t.append("body", &bytes);
    let mut out = [0u8; 32];
    t.challenge_bytes("check", &mut out);
    Ok(out)
}

/// Compares a stored integrity check with the one recomputed over `body` (constant time).
fn check_integrity<B: Serialize>(body: &B, stored: &[u8; 32]) -> Result<(), Error> {
    let expected = integrity_check(body).map_err(Error::Storage)?;
    if bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &stored[..])) {
        Ok(())
    } else {
        Err(Error::Storage(DecodeError::Inconsistent))
    }
}

impl EcdsaKeyShare {
    /// Assembles a key share, checking that the auxiliary data fits together.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] if the peer's parameters are not on its Paillier modulus
    /// or its modulus equals ours.
    pub fn new(core: KeyShare<Secp256k1>, own: OwnAux, peer: PeerAux) -> Result<Self, DecodeError> {
        if peer.rp.n() != peer.paillier.n() || peer.paillier == *own.paillier.public() {
            return Err(DecodeError::Inconsistent);
        }
        let verifying_key =
            k256::ecdsa::VerifyingKey::from_affine(core.public_key().inner().to_affine())
                .map_err(|_| DecodeError::Inconsistent)?;
        Ok(Self {
            core,
            own,
            peer,
            verifying_key,
        })
    }

    /// The group public key as a `k256` verifying key.
    #[must_use]
    pub fn verifying_key(&self) -> &k256::ecdsa::VerifyingKey {
        &self.verifying_key
    }

    /// The secp256k1 share from key generation.
    #[must_use]
    pub fn core(&self) -> &KeyShare<Secp256k1> {
        &self.core
    }

    /// Our auxiliary secrets.
    #[must_use]
    pub fn own(&self) -> &OwnAux {
        &self.own
    }

    /// The peer's verified auxiliary data.
    #[must_use]
    pub fn peer(&self) -> &PeerAux {
        &self.peer
    }

    /// Which party holds this share.
    #[must_use]
    pub fn role(&self) -> Role {
        self.core.role()
    }

    /// The sharing id (see [`PublicShares::sharing_id`](crate::PublicShares::sharing_id)).
    #[must_use]
    pub fn sharing_id(&self) -> [u8; 32] {
        self.core.sharing_id()
    }

    /// Stored form (versioned, with the curve), in a buffer wiped on drop.
    ///
    /// # Errors
    /// If encoding fails.
    pub fn to_bytes(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        #[derive(Serialize)]
        struct StoredRef<'a> {
            core: &'a KeyShare<Secp256k1>,
            own: &'a OwnAux,
            peer: &'a PeerAux,
            #[serde(with = "tandem_curves::encoding::fixed")]
            check: [u8; 32],
        }
        let check = integrity_check(&BodyRef {
            core: &self.core,
            own: &self.own,
            peer: &self.peer,
        })
        .map_err(Error::Storage)?;
        let stored = StoredRef {
            core: &self.core,
            own: &self.own,
            peer: &self.peer,
            check,
        };
        stored::encode(
            StoredKind::EcdsaKeyShare,
            tandem_curves::CurveId::Secp256k1,
            &stored,
        )
        .map_err(Error::Storage)
    }

    /// Reads a stored share: refuses another version or curve, a failed integrity check
    /// (a hash over the whole stored body, so a changed `λ` or `t` is caught there: `s` is
    /// not stored but recomputed as `t^λ`), a secret that does not match its public share,
    /// malformed peer parameters, or a peer modulus equal to ours.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if stored::peek(bytes).map_err(Error::Storage)?.version == stored::FORMAT_1 {
            return Self::from_format_1(bytes);
        }
        let body: Body = stored::decode(
            StoredKind::EcdsaKeyShare,
            tandem_curves::CurveId::Secp256k1,
            bytes,
        )
        .map_err(Error::Storage)?;
        check_integrity(
            &BodyRef {
                core: &body.core,
                own: &body.own,
                peer: &body.peer,
            },
            &body.check,
        )?;
        Self::new(body.core, body.own, body.peer).map_err(Error::Storage)
    }

    /// [`EcdsaKeyShare::from_bytes`] for stored format 1: the core share reads with
    /// [`ChainCode::legacy`](crate::hd::ChainCode::legacy).
    fn from_format_1(bytes: &[u8]) -> Result<Self, Error> {
        let body: BodyV1 = stored::decode_format_1(
            StoredKind::EcdsaKeyShare,
            tandem_curves::CurveId::Secp256k1,
            bytes,
        )
        .map_err(Error::Storage)?;
        check_integrity(
            &BodyRefV1 {
                core: &body.core,
                own: &body.own,
                peer: &body.peer,
            },
            &body.check,
        )?;
        Self::new(body.core.0, body.own, body.peer).map_err(Error::Storage)
    }
}

/// Stored form of [`OwnAux`]: the primes, `t` and `λ` (`s = t^λ` is recomputed and the whole
/// checked on decoding).
#[derive(Serialize, Deserialize)]
struct OwnAuxBody {
    #[serde(with = "bigint::serde_uint")]
    p: U1536,
    #[serde(with = "bigint::serde_uint")]
    q: U1536,
    #[serde(with = "bigint::serde_uint")]
    t: U3072,
    #[serde(with = "bigint::serde_uint")]
    lambda: U3072,
}

impl Drop for OwnAuxBody {
    fn drop(&mut self) {
        self.p.zeroize();
        self.q.zeroize();
        self.lambda.zeroize();
    }
}

impl OwnAuxBody {
    fn rebuild(&self) -> Result<OwnAux, DecodeError> {
        let sk = SecretKey::from_primes_unchecked(self.p, self.q)
            .map_err(|_| DecodeError::Inconsistent)?;
        let s = sk.pow_mod_n(&self.t, &self.lambda);
        let rp = Params::new(*sk.public().n().as_ref(), s, self.t)
            .map_err(|_| DecodeError::Inconsistent)?;
        let trapdoor =
            Trapdoor::from_lambda(self.lambda, &rp, &sk).ok_or(DecodeError::Inconsistent)?;
        OwnAux::new(sk, rp, trapdoor)
    }
}

impl Serialize for OwnAux {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        OwnAuxBody {
            p: *self.paillier.p(),
            q: *self.paillier.q(),
            t: *self.rp.t(),
            lambda: *self.trapdoor.lambda(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for OwnAux {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        OwnAuxBody::deserialize(deserializer)?
            .rebuild()
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for PeerAux {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.rp.to_wire().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PeerAux {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = ParamsWire::deserialize(deserializer)?;
        let rp = Params::from_wire(&wire).map_err(serde::de::Error::custom)?;
        let paillier = PublicKey::from_modulus(wire.n).map_err(serde::de::Error::custom)?;
        Ok(Self { paillier, rp })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tandem_paillier::bigint::U3072;

    use super::{OwnAux, OwnAuxBody};
    use crate::codec;
    use crate::ecdsa::tests::fixture_shares;
    use crate::error::DecodeError;

    #[test]
    fn own_aux_storage_checks() {
        // Our own auxiliary secrets: s is recomputed as t^λ on loading, so what is checked
        // is λ < φ(N) (`Trapdoor::from_lambda`) and a valid prime pair
        // (`from_primes_unchecked`).
        let (client, _) = fixture_shares();
        let own = client.own();
        let stored = |f: fn(&mut OwnAuxBody)| {
            let mut body = OwnAuxBody {
                p: *own.paillier.p(),
                q: *own.paillier.q(),
                t: *own.rp.t(),
                lambda: *own.trapdoor.lambda(),
            };
            f(&mut body);
            codec::decode::<OwnAux>(&codec::encode(&body).unwrap()).err()
        };
        assert_eq!(stored(|_| {}), None);
        assert_eq!(
            stored(|b| b.lambda = U3072::MAX),
            Some(DecodeError::InvalidValue)
        );
        assert_eq!(stored(|b| b.q = b.p), Some(DecodeError::InvalidValue));
    }
}
