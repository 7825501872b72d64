//! ECDSA signing from a presignature: one online round (CGGMP24 Fig. 10), client first, with
//! the presignature re-randomised per signature.
//!
//! | message | from   | content |
//! |---------|--------|---------|
//! | 1 | client | presignature id, sharing id, path, the 32-byte digest, `ρ_c` (32 fresh random bytes) |
//! | 2 | server | `ρ_s` (32 fresh random bytes), `R'`, `σ_s` |
//! | 3 | client | `σ_c`, optional: for a server that wants the verified signature too |
//!
//! The client holds the verified signature after message 2. A server that co-signs and needs
//! no copy (the wallet's case: the device broadcasts) simply drops its
//! [`ServerAwaitingFinish`]; one that does takes message 3 and verifies for itself
//! (`driver::ecdsa_sign_for_client` and `driver::ecdsa_sign` run the two variants).
//!
//! **Re-randomisation (Groth–Shoup, eprint 2021/1330).** With a presignature, `R = Γ` is
//! known before the digest is chosen; a signer who then accepts a digest picked by someone who
//! saw `R` can be made to produce a signature on another digest (GS §1.1.2). Here the nonce
//! point actually used is `R' = δ'^-1·Γ` with
//! `δ' = H(sign session, presignature id, sharing id, Γ, X, digest, ρ_c, ρ_s)`, and the server
//! draws `ρ_s` only after it has received the digest: whoever chooses the digest cannot know
//! `R'` when choosing it. The shares adapt linearly, `σ_i = δ'·(k̃_i·m + r'·χ̃_i)` with
//! `r' = x(R') mod q`, and each partial signature can be checked against the presignature's
//! public commitments, `σ_j·R' = m·Δ̃_j + r'·S̃_j` (the `δ'` cancels). Groth and Shoup analyse
//! the additive form `R·g^δ`; the multiplicative form is the one that CGGMP's shares admit
//! without an extra round (as NEAR's and Fireblocks' implementations do), so it is an
//! adaptation of their mitigation, not their proven construction. The digest is the caller's
//! to compute: both parties sign exactly the 32 bytes given, never a value derived from `R`.
//!
//! **Verification before release.** Each party verifies the final signature before it
//! returns it (and the client before its `σ_c` leaves): `s^-1·(m·G + r'·X)` must be exactly
//! the point `R'` — ECDSA verification, with the parity of the recovery id pinned as well.
//! The server computes `R'` and sends it; the client uses it as sent, since a signature
//! verifies with nonce point `R'` only if `R' = δ'^-1·Γ` (the nonce of `σ_c + σ_s` is
//! `(δ'·k̃)^-1·G = δ'^-1·Γ`); when the check fails it recomputes `R'` to name the culprit.
//! This saves the client one scalar multiplication per signature. Only on failure are the
//! partial signatures checked one by one (three multiplications).
//!
//! **Child keys** ([`hd`](crate::hd)). The request names a derivation path (`m`: the
//! wallet's own key). Both parties derive the child key `X + t·G` and the tweak `t` from
//! their share's key and chain code, and sign the message term `m + r'·t` instead of `m`:
//! `σ_i = δ'·(k̃_i·(m + r'·t) + r'·χ̃_i)`, checked as `σ_j·R' = (m + r'·t)·Δ̃_j + r'·S̃_j`.
//! The sum is `k·(m + r'·(x + t))` (with the re-randomised `k`), an ordinary ECDSA
//! signature under the child key, which is what each party verifies. Presignatures are made
//! for the wallet's sharing and serve every child; `δ'` hashes the path and the child key, so
//! the nonce point depends on which key signs. This is the combination Groth and Shoup
//! analyse (additive key derivation with presignatures, eprint 2021/1330): without
//! re-randomisation it admits a cube-root attack by whoever picks the message and the child
//! after seeing `R`; `ρ_s`, drawn after the request (path included) arrives, is the
//! mitigation they give for it.
//!
//! The signature is normalised to low `s` and carries its recovery id.

mod combine;

use core::fmt;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{EncodedPoint, Scalar, Secp256k1};

use super::EcdsaKeyShare;
use super::presign::{PartyCommitments, Presignature, context};
use crate::error::{DecodeError, Error, Misuse, Refusal};
use crate::hd::DerivationPath;
use crate::message::{ProtocolId, Role, SessionContext, SessionId};
use crate::stored::SessionState;
pub(crate) use combine::{
    Blame, Nonce, PublicNonce, SignedKey, combine_or_blame, nonce_point, partial, rerandomizer,
};

/// Message numbers.
pub mod round {
    /// Client's request.
    pub const REQUEST: u8 = 1;
    /// Server's partial signature.
    pub const RESPONSE: u8 = 2;
    /// Client's partial signature.
    pub const FINISH: u8 = 3;
}

/// A standard ECDSA signature over secp256k1: `(r, s)` with low `s`, and the recovery id.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcdsaSignature {
    /// `r`.
    pub r: Scalar<Secp256k1>,
    /// `s`, at most `(q-1)/2`.
    pub s: Scalar<Secp256k1>,
    /// Recovery id: bit 0 the parity of `y(R')`, bit 1 set if `x(R') >= q`.
    pub recovery_id: u8,
}

impl fmt::Debug for EcdsaSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EcdsaSignature({}, v={})",
            tandem_curves::encoding::hex(&self.to_bytes()),
            self.recovery_id
        )
    }
}

impl EcdsaSignature {
    /// `r || s`, 64 bytes big-endian.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        let (r, s) = out.split_at_mut(32);
        r.copy_from_slice(&self.r.to_bytes());
        s.copy_from_slice(&self.s.to_bytes());
        out
    }

    /// As a `k256` signature.
    ///
    /// # Errors
    /// If `r` or `s` is zero (never for signatures made here).
    pub fn to_k256(&self) -> Result<k256::ecdsa::Signature, k256::ecdsa::Error> {
        k256::ecdsa::Signature::from_scalars(*self.r.inner(), *self.s.inner())
    }

    /// As a `k256` recovery id.
    #[must_use]
    pub fn k256_recovery_id(&self) -> Option<k256::ecdsa::RecoveryId> {
        k256::ecdsa::RecoveryId::from_byte(self.recovery_id)
    }
}

/// Message 1 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignRequestMsg {
    /// The presignature to spend.
    pub presignature: SessionId,
    /// The sharing.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub sharing_id: [u8; 32],
    /// The key to sign with: the wallet's (`m`) or a child's.
    pub path: DerivationPath,
    /// The digest to sign.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub digest: [u8; 32],
    /// `ρ_c`.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub rho: [u8; 32],
}

/// Message 2 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignResponseMsg {
    /// `ρ_s`.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub rho: [u8; 32],
    /// `R' = δ'^-1·Γ` as the server computed it (the client checks it through the final
    /// verification, which pins the exact point).
    pub r_point: EncodedPoint<Secp256k1>,
    /// `σ_s`.
    pub sigma: Scalar<Secp256k1>,
}

/// Message 3 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignFinishMsg {
    /// `σ_c`.
    pub sigma: Scalar<Secp256k1>,
}

fn check(share: &EcdsaKeyShare, presignature: &Presignature, role: Role) -> Result<(), Error> {
    share.core().require_role(role)?;
    if presignature.role != role
        || presignature.sharing_id != share.sharing_id()
        || !presignature.matches_key(&share.core().public_key())
    {
        return Err(Error::Misuse(Misuse::KeyShareChanged));
    }
    Ok(())
}

/// Client, message 1: spends `presignature` on `digest` under the wallet's own key
/// ([`client_start_at`] with `m`).
///
/// # Errors
/// [`Misuse`] if the presignature or share is the server's or of another sharing.
pub fn client_start<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    presignature: Presignature,
    session: SessionId,
    digest: &[u8; 32],
    rng: &mut R,
) -> Result<(ClientAwaitingPartial, Vec<u8>), Error> {
    client_start_at(
        share,
        presignature,
        session,
        &DerivationPath::master(),
        digest,
        rng,
    )
}

/// Client, message 1: spends `presignature` on `digest` under the key at `path` below the
/// wallet's.
///
/// # Errors
/// [`Misuse`] if the presignature or share is the server's or of another sharing;
/// [`Misuse::Degenerate`] for the (negligible) index that gives no key.
pub fn client_start_at<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    presignature: Presignature,
    session: SessionId,
    path: &DerivationPath,
    digest: &[u8; 32],
    rng: &mut R,
) -> Result<(ClientAwaitingPartial, Vec<u8>), Error> {
    check(share, &presignature, Role::Client)?;
    let key = SignedKey::derive(share, path, Role::Client)?;
    let ctx = context(ProtocolId::EcdsaSign, session, Role::Client);
    let mut rho = [0u8; 32];
    rng.fill_bytes(&mut rho);
    let msg = ctx.seal(
        round::REQUEST,
        &SignRequestMsg {
            presignature: presignature.id,
            sharing_id: share.sharing_id(),
            path: path.clone(),
            digest: *digest,
            rho,
        },
    )?;
    Ok((
        ClientAwaitingPartial {
            ctx,
            presignature,
            key,
            digest: *digest,
            rho,
        },
        msg,
    ))
}

/// Client after message 1. Holds the presignature until the server answers.
// Deliberately not serializable: this state holds signing nonces (see
// `stored::SessionState` for why it must not be saved and restored).
pub struct ClientAwaitingPartial {
    ctx: SessionContext,
    presignature: Presignature,
    key: SignedKey,
    digest: [u8; 32],
    rho: [u8; 32],
}

impl ClientAwaitingPartial {
    /// Client output: checks `σ_s`, adds its own partial signature, verifies the result.
    /// Returns the signature and message 3.
    ///
    /// # Errors
    /// [`Check::PartialSignature`](crate::Check::PartialSignature) naming the server.
    pub fn receive(
        self,
        share: &EcdsaKeyShare,
        bytes: &[u8],
    ) -> Result<(EcdsaSignature, Vec<u8>), Error> {
        check(share, &self.presignature, Role::Client)?;
        let msg: SignResponseMsg = self.ctx.open(round::RESPONSE, bytes)?;
        let public_key = *self.key.public_key.point();
        let delta = rerandomizer(
            &self.ctx.session,
            &self.presignature,
            &self.key,
            &self.digest,
            &self.rho,
            &msg.rho,
        )?;
        // The server's R' is used as sent: σ_c leaves only if the signature verifies with
        // exactly that point as its nonce, which happens only if R' = δ'^-1·Γ.
        let n = Nonce::new(delta, msg.r_point, &self.digest, &self.key)?;
        let gamma = *self.presignature.r.point();
        let server = self.presignature.server;
        let sigma_c = partial(self.presignature, &n);
        let signature = combine_or_blame(
            n.public(),
            &sigma_c,
            &msg.sigma,
            &Blame {
                peer: Role::Server,
                commitments: &server,
                recompute: Some((gamma, delta)),
            },
            &public_key,
            &self.digest,
        )?;
        let out = self
            .ctx
            .seal(round::FINISH, &SignFinishMsg { sigma: sigma_c })?;
        Ok((signature, out))
    }
}

/// A client's signing request, decoded and checked; the server fetches the presignature it
/// names from its pool and can inspect the digest before approving.
#[derive(Debug)]
pub struct SignRequest {
    ctx: SessionContext,
    request: SignRequestMsg,
}

/// Server: decodes message 1.
///
/// # Errors
/// [`Refusal::KeyShareMismatch`] if the client signs for another sharing.
pub fn server_receive_request(share: &EcdsaKeyShare, bytes: &[u8]) -> Result<SignRequest, Error> {
    share.core().require_role(Role::Server)?;
    let session = crate::message::client_session(bytes)?;
    let ctx = context(ProtocolId::EcdsaSign, session, Role::Server);
    let request: SignRequestMsg = ctx.open(round::REQUEST, bytes)?;
    if request.sharing_id != share.sharing_id() {
        return Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        });
    }
    // The path's depth and indices were checked when it was decoded; the child key is
    // derived in `approve`, from the share that signs, once the presignature is found.
    Ok(SignRequest { ctx, request })
}

impl SignRequest {
    /// The presignature the client wants to spend.
    #[must_use]
    pub fn presignature_id(&self) -> SessionId {
        self.request.presignature
    }

    /// The digest to sign.
    #[must_use]
    pub fn digest(&self) -> &[u8; 32] {
        &self.request.digest
    }

    /// The key to sign with: `m` for the wallet's, else a child's path.
    #[must_use]
    pub fn path(&self) -> &DerivationPath {
        &self.request.path
    }

    /// Server, message 2: spends `presignature` (which must be the one named in the request),
    /// draws `ρ_s`, returns `σ_s`.
    ///
    /// # Errors
    /// [`Refusal::PresignatureMismatch`] naming the client if the presignature is not the one
    /// it asked for; [`Misuse`] for a share of another role or sharing.
    pub fn approve<R: CryptoRng + ?Sized>(
        self,
        share: &EcdsaKeyShare,
        presignature: Presignature,
        rng: &mut R,
    ) -> Result<(ServerAwaitingFinish, Vec<u8>), Error> {
        check(share, &presignature, Role::Server)?;
        if share.sharing_id() != self.request.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        if presignature.id != self.request.presignature {
            return Err(Error::Refused {
                sender: Role::Client,
                reason: Refusal::PresignatureMismatch,
            });
        }
        // The path must give a key below ours.
        let key = SignedKey::derive(share, &self.request.path, Role::Client)?;
        let mut rho = [0u8; 32];
        rng.fill_bytes(&mut rho);
        let delta = rerandomizer(
            &self.ctx.session,
            &presignature,
            &key,
            &self.request.digest,
            &self.request.rho,
            &rho,
        )?;
        let n = Nonce::new(
            delta,
            nonce_point(presignature.r.point(), &delta)?,
            &self.request.digest,
            &key,
        )?;
        let client = presignature.client;
        let sigma = partial(presignature, &n);
        let out = self.ctx.seal(
            round::RESPONSE,
            &SignResponseMsg {
                rho,
                r_point: n.r_point(),
                sigma,
            },
        )?;
        Ok((
            ServerAwaitingFinish(ServerFinish {
                ctx: self.ctx,
                client,
                r_point: n.r_point(),
                digest: self.request.digest,
                path: key.path,
                sigma,
                sharing_id: share.sharing_id(),
            }),
            out,
        ))
    }
}

/// The server's last step in both signing protocols ([`ServerAwaitingFinish`] here,
/// `full_sign::ServerAwaitingClient2`): public values only, the presignature is spent.
#[derive(Serialize, Deserialize)]
pub(crate) struct ServerFinish {
    pub(crate) ctx: SessionContext,
    pub(crate) client: PartyCommitments,
    pub(crate) r_point: EncodedPoint<Secp256k1>,
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub(crate) digest: [u8; 32],
    /// The signed key's path (derived again for the last step).
    pub(crate) path: DerivationPath,
    pub(crate) sigma: Scalar<Secp256k1>,
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub(crate) sharing_id: [u8; 32],
}

impl ServerFinish {
    /// [`SessionState::validate`] of the states that wrap this one.
    pub(crate) fn validate(&self) -> Result<(), DecodeError> {
        // Nothing to cross-check: every field is checked by its own decoder (points valid and
        // not the identity, scalars canonical), none is derived from another field of this
        // state, and the signature is verified before it is released, so an altered state can
        // only end in a refusal.
        Ok(())
    }

    /// Checks `σ_c` (message `round`), combines and verifies the signature.
    pub(crate) fn receive(
        self,
        share: &EcdsaKeyShare,
        round: u8,
        bytes: &[u8],
    ) -> Result<EcdsaSignature, Error> {
        share.core().require_role(Role::Server)?;
        if share.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let msg: SignFinishMsg = self.ctx.open(round, bytes)?;
        let key = SignedKey::derive(share, &self.path, Role::Client)?;
        let n = PublicNonce::new(self.r_point, &self.digest, &key.tweak);
        combine_or_blame(
            &n,
            &self.sigma,
            &msg.sigma,
            &Blame {
                peer: Role::Client,
                commitments: &self.client,
                recompute: None,
            },
            key.public_key.point(),
            &self.digest,
        )
    }
}

/// Server after message 2: public values only (the presignature is spent).
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerAwaitingFinish(ServerFinish);

impl ServerAwaitingFinish {
    /// Server output: checks `σ_c`, combines and verifies the signature.
    ///
    /// # Errors
    /// [`Check::PartialSignature`](crate::Check::PartialSignature) naming the client.
    pub fn receive(self, share: &EcdsaKeyShare, bytes: &[u8]) -> Result<EcdsaSignature, Error> {
        self.0.receive(share, round::FINISH, bytes)
    }
}

impl SessionState for ServerAwaitingFinish {
    const PROTOCOL: ProtocolId = ProtocolId::EcdsaSign;
    const ROLE: Role = Role::Server;
    const AWAITING_ROUND: u8 = round::FINISH;
    fn context(&self) -> &SessionContext {
        &self.0.ctx
    }
    fn validate(&self) -> Result<(), DecodeError> {
        self.0.validate()
    }
}
