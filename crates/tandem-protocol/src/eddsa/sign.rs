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
//! | 1     | client | sharing id, message, `(D_c, E_c)`                   | 5.1 commit          |
//! | 2     | server | `(D_s, E_s)`, `z_s`                                 | 5.1 commit, 5.2 sign |
//! | 3     | client | `z_c`                                               | 5.2 sign            |
//!
//! The client verifies `z_s` (5.4) before releasing `z_c`, aggregates (5.3) and checks the
//! result with `verify_strict`; the server verifies `z_c` and aggregates too, so both hold
//! the signature. A server can inspect the message ([`SignRequest::message`]) before it
//! approves. Nonces are generated fresh for each run, are not `Clone`, and are consumed by
//! signing.

use core::num::NonZeroU16;

use ed25519_dalek::Signature;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Ed25519, Point, Scalar, SecretScalar};

use super::frost::{
    self, FrostError, Identifier, SigningCommitments, SigningNonces, SigningPackage,
};
use crate::error::{Check, DecodeError, Error, Misuse, Refusal, misbehaved};
use crate::key_share::{KeyShare, PublicShares};
use crate::message::{ProtocolId, Role, SessionContext, SessionId, peek_header};
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
    /// The message to sign.
    #[serde(with = "tandem_curves::encoding::var")]
    pub message: Vec<u8>,
    /// `(D_c, E_c)`.
    pub commitments: SigningCommitments,
}

/// Round 2 payload (server to client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignResponseMsg {
    /// `(D_s, E_s)`.
    pub commitments: SigningCommitments,
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

fn lambda(role: Role) -> Result<Scalar<Ed25519>, Error> {
    let participants = [identifier(Role::Client), identifier(Role::Server)];
    frost::derive_interpolating_value(&participants, identifier(role))
        .map_err(|_| Error::Internal("Lagrange coefficient"))
}

/// The FROST signing share `s_i = x_i / lambda_i`.
fn signing_share(key: &KeyShare<Ed25519>) -> Result<SecretScalar<Ed25519>, Error> {
    let inv = lambda(key.role())?
        .invert()
        .ok_or(Error::Internal("Lagrange coefficient is zero"))?;
    Ok(key.secret() * &inv)
}

/// The FROST verifying share `PK_i = X_i / lambda_i`.
fn verifying_share(shares: &PublicShares<Ed25519>, role: Role) -> Result<Point<Ed25519>, Error> {
    let inv = lambda(role)?
        .invert()
        .ok_or(Error::Internal("Lagrange coefficient is zero"))?;
    Ok(&shares.of(role) * &inv)
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
    key: &PublicShares<Ed25519>,
    message: &[u8],
    client: SigningCommitments,
    server: SigningCommitments,
    last_mover: Role,
) -> Result<SigningPackage, Error> {
    SigningPackage::new(
        key.public_key(),
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

/// Client, round 1: fresh nonces, and the request for `message`.
///
/// # Errors
/// [`Misuse::WrongRole`] for a server share.
pub fn client_start<R: CryptoRng + ?Sized>(
    key: &KeyShare<Ed25519>,
    session: SessionId,
    message: &[u8],
    rng: &mut R,
) -> Result<(ClientAwaitingResponse, Vec<u8>), Error> {
    key.require_role(Role::Client)?;
    let ctx = context(session, Role::Client);
    let nonces = SigningNonces::generate(rng, &signing_share(key)?);
    let request = SignRequestMsg {
        sharing_id: key.sharing_id(),
        message: message.to_vec(),
        commitments: nonces.commitments(),
    };
    let out = ctx.seal(round::REQUEST, &request)?;
    Ok((
        ClientAwaitingResponse {
            ctx,
            sharing_id: request.sharing_id,
            message: request.message,
            nonces,
        },
        out,
    ))
}

/// Client state after round 1: holds the nonces, waits for the server's response.
#[derive(Serialize, Deserialize)]
pub struct ClientAwaitingResponse {
    ctx: SessionContext,
    #[serde(with = "tandem_curves::encoding::fixed")]
    sharing_id: [u8; 32],
    #[serde(with = "tandem_curves::encoding::var")]
    message: Vec<u8>,
    nonces: SigningNonces,
}

impl ClientAwaitingResponse {
    /// Client, round 3: verifies the server's share, signs (consuming the nonces),
    /// aggregates and verifies the signature. Returns it with the message carrying `z_c`.
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
        let pkg = package(
            key.public_shares(),
            &self.message,
            own,
            msg.commitments,
            Role::Server,
        )?;
        // RFC 9591 Section 5.4: verify the server's share before releasing ours.
        let server_vk = verifying_share(key.public_shares(), Role::Server)?;
        if !pkg.verify_share(identifier(Role::Server), &server_vk, &msg.share) {
            return Err(misbehaved(Role::Server, Check::SignatureShare));
        }
        let own_share = pkg
            .sign(identifier(Role::Client), &signing_share(key)?, self.nonces)
            .map_err(|_| Error::Internal("client signature share"))?;
        let signature = pkg
            .aggregate(&[own_share, msg.share])
            .map_err(|_| Error::Internal("aggregate of verified shares"))?;
        let out = ctx.seal(round::CLIENT_SHARE, &SignShareMsg { share: own_share })?;
        Ok((signature, out))
    }
}

impl SessionState for ClientAwaitingResponse {
    const PROTOCOL: ProtocolId = ProtocolId::EddsaSign;
    const ROLE: Role = Role::Client;
    const AWAITING_ROUND: u8 = round::RESPONSE;

    fn context(&self) -> &SessionContext {
        &self.ctx
    }

    fn validate(&self) -> Result<(), DecodeError> {
        if bool::from(self.nonces.hiding().is_zero()) || bool::from(self.nonces.binding().is_zero())
        {
            return Err(DecodeError::Inconsistent);
        }
        Ok(())
    }
}

/// A client's signing request, decoded and checked, waiting for the server's approval.
#[derive(Debug)]
pub struct SignRequest {
    ctx: SessionContext,
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
    let session = peek_header(bytes)
        .map_err(|reason| Error::Malformed {
            sender: Role::Client,
            reason,
        })?
        .session;
    let ctx = context(session, Role::Server);
    let msg: SignRequestMsg = ctx.open(round::REQUEST, bytes)?;
    if msg.sharing_id != key.sharing_id() {
        return Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        });
    }
    Ok(SignRequest {
        ctx,
        message: msg.message,
        client_commitments: msg.commitments,
    })
}

impl SignRequest {
    /// The message the client asks to sign.
    #[must_use]
    pub fn message(&self) -> &[u8] {
        &self.message
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
        let share_secret = signing_share(key)?;
        let nonces = SigningNonces::generate(rng, &share_secret);
        let server_commitments = nonces.commitments();
        let pkg = package(
            key.public_shares(),
            &self.message,
            self.client_commitments,
            server_commitments,
            Role::Client,
        )?;
        let share = pkg
            .sign(identifier(Role::Server), &share_secret, nonces)
            .map_err(|_| Error::Internal("server signature share"))?;
        let out = self.ctx.seal(
            round::RESPONSE,
            &SignResponseMsg {
                commitments: server_commitments,
                share,
            },
        )?;
        Ok((
            ServerAwaitingShare {
                ctx: self.ctx,
                sharing_id: key.sharing_id(),
                message: self.message,
                client_commitments: self.client_commitments,
                server_commitments,
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
    #[serde(with = "tandem_curves::encoding::var")]
    message: Vec<u8>,
    client_commitments: SigningCommitments,
    server_commitments: SigningCommitments,
    server_share: Scalar<Ed25519>,
}

impl ServerAwaitingShare {
    /// Server output: verifies the client's share, aggregates and verifies the signature.
    ///
    /// # Errors
    /// [`Check::SignatureShare`] naming the client for a bad `z_c`.
    pub fn receive(self, key: &KeyShare<Ed25519>, bytes: &[u8]) -> Result<Signature, Error> {
        key.require_role(Role::Server)?;
        if key.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let msg: SignShareMsg = self.ctx.open(round::CLIENT_SHARE, bytes)?;
        let pkg = package(
            key.public_shares(),
            &self.message,
            self.client_commitments,
            self.server_commitments,
            Role::Client,
        )?;
        // RFC 9591 Section 5.4.
        let client_vk = verifying_share(key.public_shares(), Role::Client)?;
        if !pkg.verify_share(identifier(Role::Client), &client_vk, &msg.share) {
            return Err(misbehaved(Role::Client, Check::SignatureShare));
        }
        pkg.aggregate(&[msg.share, self.server_share])
            .map_err(|_| misbehaved(Role::Client, Check::Signature))
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
        Ok(())
    }
}
