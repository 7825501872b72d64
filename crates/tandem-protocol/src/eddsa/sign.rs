//! Two-party FROST(Ed25519, SHA-512) signing, initiated by the client (RFC 9591 Section 5,
//! with the client as coordinator).
//!
//! Shares are additive (`x = x_c + x_s`); FROST is run with identifiers 1 (client) and 2
//! (server), whose Lagrange coefficients at zero are `lambda_1 = 2`, `lambda_2 = -1`. The
//! Shamir share handed to FROST is `s_i = x_i / lambda_i`, so `lambda_i * s_i = x_i` and the
//! output is an ordinary RFC 8032 signature under `X`.
//!
//! | round | from   | payload                                             | RFC 9591            |
//! |-------|--------|-----------------------------------------------------|---------------------|
//! | 1     | client | sharing id, path, message, `(D_c, E_c)` as eighths  | 5.1 commit          |
//! | 2     | server | `(D_s, E_s)` as eighths, `z_s`                      | 5.1 commit, 5.2 sign |
//! | 3     | client | `z_c` (optional)                                    | 5.2 sign            |
//!
//! Nonce commitments travel as `[8^-1]·D` and are multiplied by 8 on receipt, which puts them
//! in the prime-order subgroup by construction ([`super::wire`]). The client aggregates (5.3)
//! and verifies the signature before it releases it or `z_c`; only when that fails does it
//! check `z_s` alone (5.4) to name the culprit. Message 3 is for a server that wants the
//! signature too: it aggregates with `z_c` and verifies. A server that only co-signs drops
//! its [`ServerAwaitingShare`] after message 2. Verification is the cofactorless
//! equation, equivalent to `ed25519_dalek`'s `verify_strict` on validated points
//! ([`frost::verify_signature`]). A server can inspect the message ([`SignRequest::message`]) before it
//! approves. Nonces are generated fresh for each run, are not `Clone`, and are consumed by
//! signing.
//!
//! **Child keys** ([`hd`](crate::hd)). The request names a derivation path (`m`: the wallet's
//! own key). Both parties derive the child's public key and tweak `t` from their share's
//! public key and chain code; the client signs with `x_c + t`, the server with `x_s`, and the
//! FROST run is that of the child's sharing (`X_c + t·B`, `X_s`): the signature verifies
//! under the child key `X + t·B`. Nothing else changes; nonces are fresh per run as always.

use core::num::NonZeroU16;

use ed25519_dalek::Signature;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Ed25519, Scalar, SecretScalar};

use super::frost::{
    self, Element, FrostError, Identifier, SigningCommitments, SigningNonces, SigningPackage,
};
use super::wire::WireCommitments;
use crate::error::{Check, DecodeError, Error, Misuse, Refusal, misbehaved};
use crate::hd::DerivationPath;
use crate::key_share::KeyShare;
use crate::message::{ProtocolId, Role, SessionContext, SessionId};
use crate::stored::SessionState;

/// Round numbers of this protocol.
pub mod round {
    /// Client's request with its nonce commitments.
    pub const REQUEST: u8 = 1;
    /// Server's commitments and signature share.
    pub const RESPONSE: u8 = 2;
    /// Client's signature share.
    pub const CLIENT_SHARE: u8 = 3;
}

/// Round 1 payload (client to server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignRequestMsg {
    /// The sharing the client signs with; the server refuses any other.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub sharing_id: [u8; 32],
    /// The key to sign with: the wallet's (`m`) or a child's.
    pub path: DerivationPath,
    /// The message to sign.
    #[serde(with = "tandem_curves::encoding::var")]
    pub message: Vec<u8>,
    /// `(D_c, E_c)`, sent as `([8^-1]·D_c, [8^-1]·E_c)` ([`WireCommitments`]).
    pub commitments: WireCommitments,
}

/// Round 2 payload (server to client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignResponseMsg {
    /// `(D_s, E_s)`, sent as `([8^-1]·D_s, [8^-1]·E_s)` ([`WireCommitments`]).
    pub commitments: WireCommitments,
    /// `z_s`.
    pub share: Scalar<Ed25519>,
}

/// Round 3 payload (client to server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignShareMsg {
    /// `z_c`.
    pub share: Scalar<Ed25519>,
}

/// FROST identifier of the client.
pub const CLIENT_ID: Identifier = Identifier::from_nonzero(NonZeroU16::MIN);
/// FROST identifier of the server.
pub const SERVER_ID: Identifier = Identifier::from_nonzero(NonZeroU16::MIN.saturating_add(1));

/// FROST identifier of a role: client 1, server 2.
#[must_use]
pub const fn identifier(role: Role) -> Identifier {
    match role {
        Role::Client => CLIENT_ID,
        Role::Server => SERVER_ID,
    }
}

/// `1 / lambda_i` for the two signers {1, 2}: `lambda_1 = 2 / (2 - 1) = 2` and
/// `lambda_2 = 1 / (1 - 2) = -1` (RFC 9591 Section 4.2), so the inverses are `1/2` and `-1`.
fn inverse_lambda(role: Role) -> Scalar<Ed25519> {
    match role {
        // `(l + 1) / 2`, a canonical scalar (`zero` is unreachable); a constant rather than
        // an inversion per signature. Checked against the RFC coefficients by a unit test.
        Role::Client => Scalar::from_bytes(&HALF).unwrap_or_else(|_| Scalar::zero()),
        Role::Server => -Scalar::one(),
    }
}

/// `1/2 mod l = (l + 1) / 2`, little-endian.
const HALF: [u8; 32] = [
    0xf7, 0xe9, 0x7a, 0x2e, 0x8d, 0x31, 0x09, 0x2c, 0x6b, 0xce, 0x7b, 0x51, 0xef, 0x7c, 0x6f, 0x0a,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08,
];

/// The FROST signing share `s_i = x_i / lambda_i`; it only hedges nonce generation
/// (Section 4.1). Signing itself uses `lambda_i * s_i = x_i` directly.
fn signing_share(key: &KeyShare<Ed25519>) -> SecretScalar<Ed25519> {
    key.secret() * &inverse_lambda(key.role())
}

fn fresh_nonces<R: CryptoRng + ?Sized>(
    rng: &mut R,
    key: &KeyShare<Ed25519>,
) -> Result<(SigningNonces, WireCommitments), Error> {
    SigningNonces::generate_for_wire(rng, &signing_share(key))
        .map_err(|_| Error::Misuse(Misuse::Degenerate))
}

fn context(session: SessionId, me: Role) -> SessionContext {
    SessionContext {
        protocol: ProtocolId::EddsaSign,
        curve: tandem_curves::CurveId::Ed25519,
        session,
        me,
    }
}

fn package(
    key: &KeyShare<Ed25519>,
    message: &[u8],
    client: SigningCommitments,
    server: SigningCommitments,
    last_mover: Role,
) -> Result<SigningPackage, Error> {
    SigningPackage::new(
        key.public_key_encoded(),
        message,
        vec![
            (identifier(Role::Client), client),
            (identifier(Role::Server), server),
        ],
    )
    .map_err(|e| match e {
        // R = identity needs the peer to cancel our nonces, which it could not have seen.
        FrostError::IdentityGroupCommitment => misbehaved(last_mover, Check::DegenerateResult),
        _ => Error::Internal("signing package"),
    })
}

/// Client, round 1: fresh nonces, and the request for `message` under the wallet's own key
/// ([`client_start_at`] with `m`).
///
/// # Errors
/// [`Misuse::WrongRole`] for a server share.
pub fn client_start<R: CryptoRng + ?Sized>(
    key: &KeyShare<Ed25519>,
    session: SessionId,
    message: &[u8],
    rng: &mut R,
) -> Result<(ClientAwaitingResponse, Vec<u8>), Error> {
    client_start_at(key, session, &DerivationPath::master(), message, rng)
}

/// The share of the child at `path`, or `None` for `m` (the share itself signs), refusing a
/// path that gives no key. `sender` is who chose the path.
fn child(
    key: &KeyShare<Ed25519>,
    path: &DerivationPath,
    sender: Role,
) -> Result<Option<KeyShare<Ed25519>>, Error> {
    if path.is_master() {
        return Ok(None);
    }
    key.child(path)
        .map(|(child, _)| Some(child))
        .map_err(|e| e.refusal(sender, key.role()))
}

/// Client, round 1: fresh nonces, and the request for `message` under the key at `path`
/// below the wallet's.
///
/// # Errors
/// [`Misuse::WrongRole`] for a server share; [`Misuse::Degenerate`] for the (negligible)
/// index that gives no key.
pub fn client_start_at<R: CryptoRng + ?Sized>(
    key: &KeyShare<Ed25519>,
    session: SessionId,
    path: &DerivationPath,
    message: &[u8],
    rng: &mut R,
) -> Result<(ClientAwaitingResponse, Vec<u8>), Error> {
    key.require_role(Role::Client)?;
    let ctx = context(session, Role::Client);
    let signer = child(key, path, Role::Client)?;
    let (nonces, commitments) = fresh_nonces(rng, signer.as_ref().unwrap_or(key))?;
    let request = SignRequestMsg {
        sharing_id: key.sharing_id(),
        path: path.clone(),
        message: message.to_vec(),
        commitments,
    };
    let out = ctx.seal(round::REQUEST, &request)?;
    Ok((
        ClientAwaitingResponse {
            ctx,
            sharing_id: request.sharing_id,
            signer,
            message: request.message,
            nonces,
        },
        out,
    ))
}

/// Client state after round 1: holds the nonces, waits for the server's response.
// Deliberately not serializable, in any build: this state holds signing nonces (see
// `stored::SessionState` for why it must not be saved and restored; the fuzz target
// rebuilds it from a seeded RNG).
pub struct ClientAwaitingResponse {
    ctx: SessionContext,
    /// The wallet's sharing (the share passed again to `receive` must be of it).
    sharing_id: [u8; 32],
    /// The share that signs: the child's at the request's path (`None`: the wallet's).
    signer: Option<KeyShare<Ed25519>>,
    message: Vec<u8>,
    nonces: SigningNonces,
}

impl ClientAwaitingResponse {
    /// Client, round 3: signs (consuming the nonces), aggregates and verifies the signature,
    /// naming the server if its share is bad. Returns the signature with the message
    /// carrying `z_c`.
    ///
    /// # Errors
    /// [`Check::SignatureShare`] naming the server for a bad `z_s`; [`Misuse`] if `key` is not
    /// the share the run started with.
    pub fn receive(
        self,
        key: &KeyShare<Ed25519>,
        bytes: &[u8],
    ) -> Result<(Signature, Vec<u8>), Error> {
        key.require_role(Role::Client)?;
        if key.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let ctx = self.ctx;
        let msg: SignResponseMsg = ctx.open(round::RESPONSE, bytes)?;
        let own = self.nonces.commitments();
        let key = self.signer.as_ref().unwrap_or(key);
        let pkg = package(
            key,
            &self.message,
            own,
            msg.commitments.commitments(),
            Role::Server,
        )?;
        let own_share = pkg
            .sign_weighted(identifier(Role::Client), key.secret(), self.nonces)
            .map_err(|_| Error::Internal("client signature share"))?;
        // RFC 9591 Section 5.3: aggregate and verify; only if that fails, check the server's
        // share (Section 5.4) to name the culprit. Our share is released only after success.
        let signature = match pkg.aggregate(&[own_share, msg.share]) {
            Ok(signature) => signature,
            Err(_) => {
                let server_share = key.public_shares().server;
                return Err(
                    if pkg.verify_share_weighted(
                        identifier(Role::Server),
                        &server_share,
                        &msg.share,
                    ) {
                        Error::Internal("aggregate of verified shares")
                    } else {
                        misbehaved(Role::Server, Check::SignatureShare)
                    },
                );
            }
        };
        let out = ctx.seal(round::CLIENT_SHARE, &SignShareMsg { share: own_share })?;
        Ok((signature, out))
    }
}

/// A client's signing request, decoded and checked, waiting for the server's approval.
#[derive(Debug)]
pub struct SignRequest {
    ctx: SessionContext,
    path: DerivationPath,
    message: Vec<u8>,
    client_commitments: SigningCommitments,
}

/// Server, round 1: decodes the client's request and checks that it is for this server's
/// sharing. The server can then inspect [`SignRequest::message`] and [`SignRequest::approve`].
///
/// # Errors
/// [`Refusal::KeyShareMismatch`] naming the client if it signs with another sharing (an old
/// share replaced by recovery or refresh, or another wallet's share); malformed or refused
/// messages.
pub fn server_receive_request(key: &KeyShare<Ed25519>, bytes: &[u8]) -> Result<SignRequest, Error> {
    key.require_role(Role::Server)?;
    let session = crate::message::client_session(bytes)?;
    let ctx = context(session, Role::Server);
    let msg: SignRequestMsg = ctx.open(round::REQUEST, bytes)?;
    if msg.sharing_id != key.sharing_id() {
        return Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        });
    }
    // The path's depth and indices were checked when it was decoded; the child is derived
    // in `approve`, from the share that signs.
    Ok(SignRequest {
        ctx,
        path: msg.path,
        message: msg.message,
        client_commitments: msg.commitments.commitments(),
    })
}

impl SignRequest {
    /// The message the client asks to sign.
    #[must_use]
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The key the client asks to sign with: `m` for the wallet's, else a child's path.
    #[must_use]
    pub fn path(&self) -> &DerivationPath {
        &self.path
    }

    /// Server, round 2: fresh nonces, signature share, response.
    ///
    /// # Errors
    /// [`Misuse::WrongRole`]; [`Check::DegenerateResult`] if the group commitment is the
    /// identity.
    pub fn approve<R: CryptoRng + ?Sized>(
        self,
        key: &KeyShare<Ed25519>,
        rng: &mut R,
    ) -> Result<(ServerAwaitingShare, Vec<u8>), Error> {
        key.require_role(Role::Server)?;
        let parent = key;
        let child = child(parent, &self.path, Role::Client)?;
        let key = child.as_ref().unwrap_or(parent);
        let (nonces, wire) = fresh_nonces(rng, key)?;
        let pkg = package(
            key,
            &self.message,
            self.client_commitments,
            wire.commitments(),
            Role::Client,
        )?;
        let share = pkg
            .sign_weighted(identifier(Role::Server), key.secret(), nonces)
            .map_err(|_| Error::Internal("server signature share"))?;
        let out = self.ctx.seal(
            round::RESPONSE,
            &SignResponseMsg {
                commitments: wire,
                share,
            },
        )?;
        Ok((
            ServerAwaitingShare {
                ctx: self.ctx,
                sharing_id: parent.sharing_id(),
                path: self.path,
                message: self.message,
                group_commitment: pkg.group_commitment(),
                server_share: share,
            },
            out,
        ))
    }
}

/// Server state after round 2: public values only (the server's nonces are spent).
#[derive(Serialize, Deserialize)]
pub struct ServerAwaitingShare {
    ctx: SessionContext,
    #[serde(with = "tandem_curves::encoding::fixed")]
    sharing_id: [u8; 32],
    /// The key the signature is for: the wallet's (`m`), or the child's at this path
    /// (derived again from the server's share for the last step).
    path: DerivationPath,
    #[serde(with = "tandem_curves::encoding::var")]
    message: Vec<u8>,
    /// `R`, kept so that the last step does not recompute the binding factors.
    group_commitment: Element,
    server_share: Scalar<Ed25519>,
}

impl ServerAwaitingShare {
    /// Server output: aggregates with the client's share and verifies the signature.
    ///
    /// # Errors
    /// [`Check::SignatureShare`] naming the client for a bad `z_c`.
    pub fn receive(self, key: &KeyShare<Ed25519>, bytes: &[u8]) -> Result<Signature, Error> {
        key.require_role(Role::Server)?;
        if key.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let msg: SignShareMsg = self.ctx.open(round::CLIENT_SHARE, bytes)?;
        let public_key = match child(key, &self.path, Role::Client)? {
            Some(child) => child.public_key_encoded(),
            None => key.public_key_encoded(),
        };
        // RFC 9591 Section 5.3: z = z_c + z_s must give a valid signature under the signed
        // key. Our own share is correct, so a failure is the client's share (Section 5.4).
        let z = msg.share + self.server_share;
        frost::verify_signature(&self.group_commitment, &z, &public_key, &self.message)
            .map_err(|_| misbehaved(Role::Client, Check::SignatureShare))
    }
}

impl SessionState for ServerAwaitingShare {
    const PROTOCOL: ProtocolId = ProtocolId::EddsaSign;
    const ROLE: Role = Role::Server;
    const AWAITING_ROUND: u8 = round::CLIENT_SHARE;

    fn context(&self) -> &SessionContext {
        &self.ctx
    }

    fn validate(&self) -> Result<(), DecodeError> {
        // Nothing to cross-check: every field is checked by its own decoder (points valid and
        // not the identity, scalars canonical), none is derived from another field of this
        // state, and the signature is verified before it is released, so an altered state can
        // only end in a refusal.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_lambdas_match_the_rfc_coefficients() {
        let participants = [CLIENT_ID, SERVER_ID];
        for role in [Role::Client, Role::Server] {
            let lambda =
                frost::derive_interpolating_value(&participants, identifier(role)).unwrap();
            assert_eq!(lambda * inverse_lambda(role), Scalar::one(), "{role}");
        }
    }
}
