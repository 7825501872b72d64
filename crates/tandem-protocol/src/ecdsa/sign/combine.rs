//! The computations both signing protocols share ([`super`] and `full_sign`): the
//! re-randomised nonce of one signature (`δ'`, `R' = δ'^-1·Γ`, `r'`), the partial signatures,
//! and their combination into a verified signature, naming the culprit when it fails.

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::elliptic_curve::PrimeField;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::scalar::IsHigh;
use tandem_curves::{EncodedPoint, Point, Scalar, Secp256k1, Transcript};

use super::EcdsaSignature;
use crate::ecdsa::EcdsaKeyShare;
use crate::ecdsa::presign::{PartyCommitments, Presignature};
use crate::error::{Check, Error, Misuse, Refusal, misbehaved};
use crate::hd::DerivationPath;
use crate::message::{Role, SessionId};

/// The key one signature is for: the wallet's own (`m`) or the child at a path below it
/// ([`hd`](crate::hd)), `X_child = X + t·G`. Both parties derive it from public values (their
/// share's key and chain code, and the path in the request).
#[derive(Clone, Debug)]
pub(crate) struct SignedKey {
    /// The sharing whose key and chain code it was derived from.
    pub(crate) sharing_id: [u8; 32],
    pub(crate) path: DerivationPath,
    pub(crate) public_key: EncodedPoint<Secp256k1>,
    pub(crate) tweak: Scalar<Secp256k1>,
}

impl SignedKey {
    /// The key at `path` below `share`'s; `chooser` is the party that chose the path (named
    /// if it gives no key).
    pub(crate) fn derive(
        share: &EcdsaKeyShare,
        path: &DerivationPath,
        chooser: Role,
    ) -> Result<Self, Error> {
        if path.is_master() {
            // The wallet's key, with its cached encoding: no derivation, no tweak.
            return Ok(Self {
                sharing_id: share.sharing_id(),
                path: DerivationPath::master(),
                public_key: share.core().public_key_encoded(),
                tweak: Scalar::zero(),
            });
        }
        let invalid = || {
            if chooser == share.role() {
                Error::Misuse(Misuse::Degenerate)
            } else {
                Error::Refused {
                    sender: chooser,
                    reason: Refusal::InvalidPath,
                }
            }
        };
        let derived = share.core().derive(path).map_err(|_| invalid())?;
        Ok(Self {
            sharing_id: share.sharing_id(),
            path: path.clone(),
            public_key: EncodedPoint::new(derived.public_key).ok_or_else(invalid)?,
            tweak: derived.tweak,
        })
    }
}

/// The public values of one signature: `R'`, `r' = x(R') mod q`, `m`, and the message term
/// of the partial signatures `m + r'·t` (just `m` for the wallet's own key).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PublicNonce {
    r_point: EncodedPoint<Secp256k1>,
    r: Scalar<Secp256k1>,
    m: Scalar<Secp256k1>,
    /// `m + r'·t`: a signature under `X + t·G` on `m` is `k·(m + r'·(x + t))
    /// = k·((m + r'·t) + r'·x)`, so the parties sign `m + r'·t` with the wallet's sharing
    /// of `x`, and the same presignature serves every child.
    m_tweaked: Scalar<Secp256k1>,
    /// `x(R') >= q` (recovery id bit 1).
    x_high: bool,
    /// `y(R')` is odd (recovery id bit 0, before low-s normalisation).
    y_odd: bool,
}

impl PublicNonce {
    /// `r'`, the overflow bit and the parity come from `R'`'s encoding, which is SEC1
    /// compressed (`0x02` or `0x03` for the parity of `y`, then `x` big-endian): the point was
    /// encoded once, by the party that computed it or on decoding, and needs no further
    /// conversion to affine coordinates.
    pub(crate) fn new(
        r_point: EncodedPoint<Secp256k1>,
        digest: &[u8; 32],
        tweak: &Scalar<Secp256k1>,
    ) -> Self {
        let [tag, x @ ..] = *r_point.encoding();
        let x = k256::FieldBytes::from(x);
        let r = Scalar::new(<k256::Scalar as Reduce<k256::FieldBytes>>::reduce(&x));
        let x_high = bool::from(k256::Scalar::from_repr(x).is_none());
        let m = digest_scalar(digest);
        Self {
            r_point,
            r,
            m,
            m_tweaked: m + r * *tweak,
            x_high,
            y_odd: tag == 0x03,
        }
    }
}

/// Everything a party derives for one signature: the public values and `δ'`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Nonce {
    delta: Scalar<Secp256k1>,
    public: PublicNonce,
}

impl Nonce {
    pub(crate) fn public(&self) -> &PublicNonce {
        &self.public
    }

    pub(crate) fn r_point(&self) -> EncodedPoint<Secp256k1> {
        self.public.r_point
    }
}

/// `m = int(digest) mod q` (the digest is a 256-bit big-endian integer, as in ECDSA).
fn digest_scalar(digest: &[u8; 32]) -> Scalar<Secp256k1> {
    Scalar::new(<k256::Scalar as Reduce<k256::FieldBytes>>::reduce(
        &(*digest).into(),
    ))
}

/// `δ' = H(sign session, presignature id, sharing id, Γ, path, X_child, digest, ρ_c, ρ_s)`,
/// non-zero (`X_child = X` for `m`).
pub(crate) fn rerandomizer(
    sign_session: &SessionId,
    presignature: &Presignature,
    key: &SignedKey,
    digest: &[u8; 32],
    rho_c: &[u8; 32],
    rho_s: &[u8; 32],
) -> Result<Scalar<Secp256k1>, Error> {
    let mut t = Transcript::new("tandem/ecdsa/rerandomize/v1");
    t.append("sign-session", &sign_session.0);
    t.append("presignature", &presignature.id.0);
    t.append("sharing-id", &presignature.sharing_id);
    // Γ's encoding, computed once per presignature (the bytes `append_point` would absorb).
    t.append("gamma", presignature.r.encoding());
    t.append(
        "path-depth",
        &[u8::try_from(key.path.indices().len()).unwrap_or(u8::MAX)],
    );
    for index in key.path.indices() {
        t.append("path-index", &index.to_be_bytes());
    }
    // The signed key's encoding (for `m`, cached by the key share: the same bytes
    // `append_point` would absorb).
    t.append("public-key", key.public_key.encoding().as_ref());
    t.append("digest", digest);
    t.append("rho-client", rho_c);
    t.append("rho-server", rho_s);
    let delta: Scalar<Secp256k1> = t.challenge_scalar("delta-prime");
    if delta.is_zero() {
        return Err(Error::Misuse(Misuse::Degenerate));
    }
    Ok(delta)
}

/// `R' = δ'^-1·Γ`, encoded (Γ and δ' are public: variable time).
// public: Γ and δ' are public (both parties publish them)
#[allow(clippy::disallowed_methods)]
pub(crate) fn nonce_point(
    gamma: &Point<Secp256k1>,
    delta: &Scalar<Secp256k1>,
) -> Result<EncodedPoint<Secp256k1>, Error> {
    let delta_inv = delta
        .invert_vartime()
        .ok_or(Error::Misuse(Misuse::Degenerate))?;
    EncodedPoint::new(gamma.mul_vartime(&delta_inv)).ok_or(Error::Misuse(Misuse::Degenerate))
}

impl Nonce {
    /// The nonce of one signature from `δ'` and `R'`.
    pub(crate) fn new(
        delta: Scalar<Secp256k1>,
        r_point: EncodedPoint<Secp256k1>,
        digest: &[u8; 32],
        key: &SignedKey,
    ) -> Result<Self, Error> {
        let public = PublicNonce::new(r_point, digest, &key.tweak);
        if public.r.is_zero() {
            return Err(Error::Misuse(Misuse::Degenerate));
        }
        Ok(Self { delta, public })
    }
}

/// `σ_i = δ'·(k̃_i·(m + r'·t) + r'·χ̃_i)`, consuming the presignature (`t = 0` for the
/// wallet's own key).
pub(crate) fn partial(presignature: Presignature, n: &Nonce) -> Scalar<Secp256k1> {
    let p = &n.public;
    let s = &(&(&presignature.k * &p.m_tweaked) + &(&presignature.chi * &p.r)) * &n.delta;
    s.reveal()
}

/// `σ_j·R' = (m + r'·t)·Δ̃_j + r'·S̃_j` (CGGMP24 Fig. 10 with the message term of a child
/// key; the `δ'` cancels; variable time, public values).
// public: R', Δ_j, S_j, m, t, r' and the partial signature σ_j are public
#[allow(clippy::disallowed_methods)]
fn partial_is_valid(c: &PartyCommitments, n: &PublicNonce, sigma: &Scalar<Secp256k1>) -> bool {
    n.r_point.point().mul_vartime(sigma)
        == c.big_delta.mul_vartime(&n.m_tweaked) + c.s.mul_vartime(&n.r)
}

/// What a party knows to name the culprit when the combined signature fails.
pub(crate) struct Blame<'a> {
    /// The peer.
    pub(crate) peer: Role,
    /// The peer's presignature commitments.
    pub(crate) commitments: &'a PartyCommitments,
    /// For the client, which took `R'` from the server: `Γ` and `δ'` to recompute it.
    pub(crate) recompute: Option<(Point<Secp256k1>, Scalar<Secp256k1>)>,
}

/// Combines two partial signatures and verifies the result; if it does not verify, names
/// the culprit: a wrong `R'` (the client recomputes `δ'^-1·Γ`), else a partial signature
/// that fails CGGMP24 Fig. 10's check. Those checks cost scalar multiplications, so they run
/// only when the signature fails.
pub(crate) fn combine_or_blame(
    n: &PublicNonce,
    own: &Scalar<Secp256k1>,
    peer: &Scalar<Secp256k1>,
    blame: &Blame<'_>,
    public_key: &Point<Secp256k1>,
    digest: &[u8; 32],
) -> Result<EcdsaSignature, Error> {
    let (sigma_c, sigma_s) = match blame.peer {
        Role::Server => (own, peer),
        Role::Client => (peer, own),
    };
    combine(n, sigma_c, sigma_s, public_key, digest).map_err(|e| {
        if let Some((gamma, delta)) = &blame.recompute
            && nonce_point(gamma, delta).ok() != Some(n.r_point)
        {
            return misbehaved(blame.peer, Check::NoncePoint);
        }
        if partial_is_valid(blame.commitments, n, peer) {
            e
        } else {
            misbehaved(blame.peer, Check::PartialSignature)
        }
    })
}

/// `s = σ_c + σ_s`, verified under the signed key `X` (the wallet's or a child's),
/// normalised to low `s`, with its recovery id.
///
/// The verification is ECDSA's, computed exactly: `R_v = s^-1·(m·G + r'·X)` must be the point
/// `R'` itself (not only share its `x`), which implies `x(R_v) mod q = r'` and also fixes the
/// parity that goes into the recovery id. Variable time (public values).
fn combine(
    n: &PublicNonce,
    sigma_c: &Scalar<Secp256k1>,
    sigma_s: &Scalar<Secp256k1>,
    public_key: &Point<Secp256k1>,
    digest: &[u8; 32],
) -> Result<EcdsaSignature, Error> {
    let s_raw = *sigma_c + *sigma_s;
    // Variable time on s, like any ECDSA verification. s is public once the signature is
    // released; when the check below fails, the client withholds σ_c, yet timing here could
    // tell the server something about s = σ_c + σ_s, i.e. about σ_c: a partial signature on
    // the digest the client itself asked to sign, from a presignature spent either way. All
    // it could complete is the signature the client wanted, so nothing secret is at stake.
    // public: s is the signature's s; see the comment above on σ_c
    #[allow(clippy::disallowed_methods)]
    let s_inv = s_raw
        .invert_vartime()
        .ok_or(Error::Misuse(Misuse::Degenerate))?;
    // public: X, m, r' and s are the signature and its public key
    #[allow(clippy::disallowed_methods)]
    let r_v = public_key.mul_base_add_vartime(&(n.m * s_inv), &(n.r * s_inv));
    if r_v != *n.r_point.point() {
        return Err(Error::Internal(
            "verified partial signatures combine to an invalid signature",
        ));
    }
    let mut s = s_raw;
    let mut y_odd = n.y_odd;
    if bool::from(s.inner().is_high()) {
        s = -s;
        y_odd = !y_odd;
    }
    let signature = EcdsaSignature {
        r: n.r,
        s,
        recovery_id: u8::from(y_odd) | (u8::from(n.x_high) << 1),
    };
    // The exact check above is ECDSA verification; k256's own verifier agrees (checked in
    // debug builds, and by the test suite with ecrecover).
    debug_assert!(signature.to_k256().is_ok_and(|sig| {
        k256::ecdsa::VerifyingKey::from_affine(public_key.inner().to_affine())
            .is_ok_and(|vk| vk.verify_prehash(digest, &sig).is_ok())
    }));
    Ok(signature)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
    use k256::elliptic_curve::point::AffineCoordinates;

    use super::*;

    /// `r'`, the overflow bit and the parity read from `R'`'s SEC1 encoding are those of the
    /// affine point, for both parities.
    #[test]
    fn nonce_values_read_from_the_encoding_match_the_affine_point() {
        let mut parities = [0usize; 2];
        for i in 1..=64u64 {
            let p = Point::<Secp256k1>::generator().mul_vartime(&Scalar::from_u64(i * 7919));
            let n = PublicNonce::new(EncodedPoint::new(p).unwrap(), &[9; 32], &Scalar::zero());
            let affine = p.inner().to_affine();
            let x = affine.x();
            assert_eq!(
                n.r,
                Scalar::new(<k256::Scalar as Reduce<k256::FieldBytes>>::reduce(&x))
            );
            assert_eq!(n.x_high, bool::from(k256::Scalar::from_repr(x).is_none()));
            assert_eq!(n.y_odd, bool::from(affine.y_is_odd()));
            assert_eq!(n.m, digest_scalar(&[9; 32]));
            parities[usize::from(n.y_odd)] += 1;
        }
        assert!(parities[0] > 0 && parities[1] > 0, "{parities:?}");
    }
}
