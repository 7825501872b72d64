//! ECDSA signing without a stored presignature: CGGMP24 presigning and the online round in
//! one run, for callers with an empty presignature pool.
//!
//! | message | from   | content |
//! |---------|--------|---------|
//! | 1 | client | presigning message 1, the path, the digest, `ρ_c` |
//! | 2 | server | presigning message 2 |
//! | 3 | client | presigning message 3 |
//! | 4 | server | presigning message 4, `ρ_s`, `σ_s` |
//! | 5 | client | `σ_c` |
//!
//! The presignature made in the run is spent at once, inside the run; the re-randomisation
//! and checks are those of [`super::sign`]. Five messages instead of the 4 + 3 of presigning
//! followed by signing.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use super::EcdsaKeyShare;
use super::presign::{
    self, ClientAwaitingServer, ClientAwaitingServerRound3, DeltaMsg, EncryptedNoncesMsg,
    MtaAndDeltaMsg, NoncesAndMtaMsg, ServerAwaitingClient,
};
use super::sign::{self, EcdsaSignature, SignFinishMsg};
use crate::error::{DecodeError, Error};
use crate::hd::DerivationPath;
use crate::message::{ProtocolId, Role, SessionContext, SessionId};
use crate::stored::SessionState;
use tandem_curves::{EncodedPoint, Scalar, Secp256k1};

/// Message numbers.
pub mod round {
    /// Client: presigning message 1, digest, `ρ_c`.
    pub const REQUEST: u8 = 1;
    /// Server: presigning message 2.
    pub const SERVER_NONCES_MTA: u8 = 2;
    /// Client: presigning message 3.
    pub const CLIENT_MTA_DELTA: u8 = 3;
    /// Server: presigning message 4, `ρ_s`, `σ_s`.
    pub const RESPONSE: u8 = 4;
    /// Client: `σ_c`.
    pub const FINISH: u8 = 5;
}

/// Message 1 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullSignRequestMsg {
    /// Client presigning round 1.
    pub presign: EncryptedNoncesMsg,
    /// The key to sign with: the wallet's (`m`) or a child's ([`sign`]'s child keys).
    pub path: DerivationPath,
    /// The digest to sign.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub digest: [u8; 32],
    /// `ρ_c`.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub rho: [u8; 32],
}

/// Message 4 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullSignResponseMsg {
    /// Server presigning round 3.
    pub presign: DeltaMsg,
    /// `ρ_s`.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub rho: [u8; 32],
    /// `R' = δ'^-1·Γ` as the server computed it.
    pub r_point: EncodedPoint<Secp256k1>,
    /// `σ_s`.
    pub sigma: Scalar<Secp256k1>,
}

/// Client, message 1.
///
/// # Errors
/// [`Misuse::WrongRole`](crate::Misuse::WrongRole) for a server share.
pub fn client_start<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    session: SessionId,
    digest: &[u8; 32],
    rng: &mut R,
) -> Result<(ClientAwaitingServer1, Vec<u8>), Error> {
    client_start_at(share, session, &DerivationPath::master(), digest, rng)
}

/// Client, message 1, signing with the key at `path` below the wallet's.
///
/// # Errors
/// [`Misuse::WrongRole`](crate::Misuse::WrongRole) for a server share;
/// [`Misuse::Degenerate`](crate::Misuse::Degenerate) for the (negligible) index that gives no
/// key.
pub fn client_start_at<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    session: SessionId,
    path: &DerivationPath,
    digest: &[u8; 32],
    rng: &mut R,
) -> Result<(ClientAwaitingServer1, Vec<u8>), Error> {
    share.core().require_role(Role::Client)?;
    let key = sign::SignedKey::derive(share, path, Role::Client)?;
    let ctx = presign::context(ProtocolId::EcdsaFullSign, session, Role::Client);
    let (secrets, r1) = presign::rounds::round1(share, &ctx, rng)?;
    let mut rho = [0u8; 32];
    rng.fill_bytes(&mut rho);
    let msg = ctx.seal(
        round::REQUEST,
        &FullSignRequestMsg {
            presign: r1.clone(),
            path: path.clone(),
            digest: *digest,
            rho,
        },
    )?;
    Ok((
        ClientAwaitingServer1 {
            presign: ClientAwaitingServer::new(ctx, share, secrets, r1),
            key,
            digest: *digest,
            rho,
        },
        msg,
    ))
}

/// Client after message 1.
// Deliberately not serializable: this state holds signing nonces (see
// `stored::SessionState` for why it must not be saved and restored).
pub struct ClientAwaitingServer1 {
    presign: ClientAwaitingServer,
    key: sign::SignedKey,
    digest: [u8; 32],
    rho: [u8; 32],
}

impl ClientAwaitingServer1 {
    /// Client, message 3.
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the server.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        share: &EcdsaKeyShare,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(ClientAwaitingServer2, Vec<u8>), Error> {
        let (presign, r2, r3) =
            self.presign
                .process(share, bytes, round::SERVER_NONCES_MTA, rng)?;
        let msg = presign.ctx.seal(
            round::CLIENT_MTA_DELTA,
            &MtaAndDeltaMsg { mta: r2, delta: r3 },
        )?;
        Ok((
            ClientAwaitingServer2 {
                presign,
                key: self.key,
                digest: self.digest,
                rho: self.rho,
            },
            msg,
        ))
    }
}

/// Client after message 3.
// Deliberately not serializable: this state holds signing nonces (see
// `stored::SessionState` for why it must not be saved and restored).
pub struct ClientAwaitingServer2 {
    presign: ClientAwaitingServerRound3,
    key: sign::SignedKey,
    digest: [u8; 32],
    rho: [u8; 32],
}

impl ClientAwaitingServer2 {
    /// Client output: finishes presigning, checks `σ_s`, signs, verifies. Returns the
    /// signature and message 5.
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the server.
    pub fn receive(
        self,
        share: &EcdsaKeyShare,
        bytes: &[u8],
    ) -> Result<(EcdsaSignature, Vec<u8>), Error> {
        let ctx = self.presign.ctx;
        let msg: FullSignResponseMsg = ctx.open(round::RESPONSE, bytes)?;
        let presignature = self.presign.finish(share, &msg.presign)?;
        let public_key = *self.key.public_key.point();
        let delta = sign::rerandomizer(
            &ctx.session,
            &presignature,
            &self.key,
            &self.digest,
            &self.rho,
            &msg.rho,
        )?;
        let n = sign::Nonce::new(delta, msg.r_point, &self.digest, &self.key)?;
        let gamma = presignature.r();
        let server = presignature.commitments(Role::Server);
        let sigma_c = sign::partial(presignature, &n);
        let signature = sign::combine_or_blame(
            n.public(),
            &sigma_c,
            &msg.sigma,
            &sign::Blame {
                peer: Role::Server,
                commitments: &server,
                recompute: Some((gamma, delta)),
            },
            &public_key,
            &self.digest,
        )?;
        let out = ctx.seal(round::FINISH, &SignFinishMsg { sigma: sigma_c })?;
        Ok((signature, out))
    }
}

/// Server, message 2.
///
/// # Errors
/// As [`presign::server_respond`].
pub fn server_respond<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    bytes: &[u8],
    rng: &mut R,
) -> Result<(ServerAwaitingClient1, Vec<u8>), Error> {
    share.core().require_role(Role::Server)?;
    let session = crate::message::client_session(bytes)?;
    let ctx = presign::context(ProtocolId::EcdsaFullSign, session, Role::Server);
    let request: FullSignRequestMsg = ctx.open(round::REQUEST, bytes)?;
    // The path must give a key below ours (decoding checked its depth and indices).
    let key = sign::SignedKey::derive(share, &request.path, Role::Client)?;
    let (presign, first): (ServerAwaitingClient, NoncesAndMtaMsg) =
        presign::server_first_payload(share, ctx, request.presign, rng)?;
    let msg = ctx.seal(round::SERVER_NONCES_MTA, &first)?;
    Ok((
        ServerAwaitingClient1 {
            presign,
            key,
            digest: request.digest,
            rho: request.rho,
        },
        msg,
    ))
}

/// Server after message 2.
// Deliberately not serializable: this state holds signing nonces (see
// `stored::SessionState` for why it must not be saved and restored).
pub struct ServerAwaitingClient1 {
    presign: ServerAwaitingClient,
    key: sign::SignedKey,
    digest: [u8; 32],
    rho: [u8; 32],
}

impl ServerAwaitingClient1 {
    /// The digest the client asks to sign (for the server's policy check).
    #[must_use]
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The key the client asks to sign with: `m` for the wallet's, else a child's path.
    #[must_use]
    pub fn path(&self) -> &DerivationPath {
        &self.key.path
    }

    /// Server, message 4: finishes presigning and spends the fresh presignature at once.
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the client.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        share: &EcdsaKeyShare,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(ServerAwaitingClient2, Vec<u8>), Error> {
        // The child key was derived from the share of message 1: the same share must go on.
        if share.sharing_id() != self.key.sharing_id {
            return Err(Error::Misuse(crate::Misuse::KeyShareChanged));
        }
        let ctx = self.presign.ctx;
        let msg: MtaAndDeltaMsg = ctx.open(round::CLIENT_MTA_DELTA, bytes)?;
        let (presignature, r3) = self.presign.process_payload(share, &msg, rng)?;
        let mut rho = [0u8; 32];
        rng.fill_bytes(&mut rho);
        let delta = sign::rerandomizer(
            &ctx.session,
            &presignature,
            &self.key,
            &self.digest,
            &self.rho,
            &rho,
        )?;
        let n = sign::Nonce::new(
            delta,
            sign::nonce_point(&presignature.r(), &delta)?,
            &self.digest,
            &self.key,
        )?;
        let client = presignature.commitments(Role::Client);
        let sigma = sign::partial(presignature, &n);
        let out = ctx.seal(
            round::RESPONSE,
            &FullSignResponseMsg {
                presign: r3,
                rho,
                r_point: n.r_point(),
                sigma,
            },
        )?;
        Ok((
            ServerAwaitingClient2(sign::ServerFinish {
                ctx,
                client,
                r_point: n.r_point(),
                digest: self.digest,
                path: self.key.path,
                sigma,
                sharing_id: share.sharing_id(),
            }),
            out,
        ))
    }
}

/// Server after message 4: public values only (the presignature is spent).
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerAwaitingClient2(sign::ServerFinish);

impl ServerAwaitingClient2 {
    /// Server output: checks `σ_c`, combines, verifies.
    ///
    /// # Errors
    /// [`Check::PartialSignature`](crate::Check::PartialSignature) naming the client.
    pub fn receive(self, share: &EcdsaKeyShare, bytes: &[u8]) -> Result<EcdsaSignature, Error> {
        self.0.receive(share, round::FINISH, bytes)
    }
}

impl SessionState for ServerAwaitingClient2 {
    const PROTOCOL: ProtocolId = ProtocolId::EcdsaFullSign;
    const ROLE: Role = Role::Server;
    const AWAITING_ROUND: u8 = round::FINISH;
    fn context(&self) -> &SessionContext {
        &self.0.ctx
    }
    fn validate(&self) -> Result<(), DecodeError> {
        self.0.validate()
    }
}
