//! CGGMP24 presigning (Fig. 8) between the client and the server, client first.
//!
//! The three rounds of the paper (`presign/rounds.rs`) are interleaved so that each message carries
//! everything its sender can compute at that point:
//!
//! | message | from   | content |
//! |---------|--------|---------|
//! | 1 | client | client round 1 (`K, G`, ElGamal commitments, 2 × Πenc-elg) |
//! | 2 | server | server round 1, and server round 2 (`Γ`, Πelog, `D, F, D̂, F̂`, 2 × Πaff-g) |
//! | 3 | client | client round 2, and client round 3 (`δ, S, Δ`, Πelog) |
//! | 4 | server | server round 3 |
//!
//! Each party checks every proof of the peer with its own ring-Pedersen parameters, then
//! `δ·G = ΣΔ` and `δ·X = ΣS`, and outputs a [`Presignature`]: `R = Γ`, its shares
//! `k̃ = k/δ` and `χ̃ = χ/δ`, and both parties' public commitments `Δ̃ = Δ/δ`, `S̃ = S/δ`
//! with which a partial signature can be checked on its own (CGGMP24 Fig. 10).
//!
//! **No presigning state is saveable** ([`SessionState`](crate::stored::SessionState)): each
//! holds the party's nonces `k`, `γ`, fixed by its round-1 message before the peer's next
//! message arrives, so two restorations driven with two different peer messages would make
//! two presignatures under one nonce. A run that is interrupted starts over (a presignature
//! is cheap); the finished [`Presignature`] is stored in a pool ([`super::pool`]).

use core::fmt;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{CurveId, EncodedPoint, Point, Secp256k1, SecretScalar};

use super::EcdsaKeyShare;
use crate::error::{Check, DecodeError, Error, Misuse, Refusal, misbehaved};
use crate::message::{ProtocolId, Role, SessionContext, SessionId};
use crate::stored::{self, StoredKind};

pub(crate) mod rounds;
pub mod spend_once;

pub use rounds::{DeltaMsg, EncryptedNoncesMsg, MtaMsg};
use rounds::{Round1Secrets, Round2Secrets, Round3Secrets};

/// Message numbers of the client-first flow.
pub mod round {
    /// Client round 1.
    pub const CLIENT_NONCES: u8 = 1;
    /// Server rounds 1 and 2.
    pub const SERVER_NONCES_MTA: u8 = 2;
    /// Client rounds 2 and 3.
    pub const CLIENT_MTA_DELTA: u8 = 3;
    /// Server round 3.
    pub const SERVER_DELTA: u8 = 4;
}

/// Message 2 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncesAndMtaMsg {
    /// Server round 1.
    pub nonces: EncryptedNoncesMsg,
    /// Server round 2.
    pub mta: MtaMsg,
}

/// Message 3 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MtaAndDeltaMsg {
    /// Client round 2.
    pub mta: MtaMsg,
    /// Client round 3.
    pub delta: DeltaMsg,
}

/// Public commitments of one party in a presignature: `Δ̃_j = k̃_j·Γ`, `S̃_j = χ̃_j·Γ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyCommitments {
    /// `Δ̃_j`.
    pub big_delta: Point<Secp256k1>,
    /// `S̃_j`.
    pub s: Point<Secp256k1>,
}

/// A presignature share: used for exactly one signature.
///
/// Not `Clone`; consumed by value by [`super::sign`]. Its stored form
/// ([`Presignature::to_bytes`]) is for a pool ([`super::pool`]): the caller must delete the
/// stored copy *before* the partial signature made with it leaves the process.
///
/// Spending one presignature:
/// ```
/// # use tandem_protocol::ecdsa::{EcdsaKeyShare, Presignature, sign};
/// # use tandem_protocol::SessionId;
/// # fn f(share: &EcdsaKeyShare, p: Presignature, rng: &mut rand_chacha::ChaCha20Rng) {
/// let _ = sign::client_start(share, p, SessionId([0; 32]), &[0; 32], rng);
/// # }
/// ```
/// Spending it twice does not compile (the first use moved it):
/// ```compile_fail,E0382
/// # use tandem_protocol::ecdsa::{EcdsaKeyShare, Presignature, sign};
/// # use tandem_protocol::SessionId;
/// # fn f(share: &EcdsaKeyShare, p: Presignature, rng: &mut rand_chacha::ChaCha20Rng) {
/// let _ = sign::client_start(share, p, SessionId([0; 32]), &[0; 32], rng);
/// let _ = sign::client_start(share, p, SessionId([1; 32]), &[1; 32], rng);
/// # }
/// ```
/// and neither does copying it:
/// ```compile_fail,E0599
/// # fn f(p: tandem_protocol::ecdsa::Presignature) {
/// let copy = p.clone();
/// # }
/// ```
#[derive(Serialize, Deserialize)]
pub struct Presignature {
    pub(crate) id: SessionId,
    pub(crate) role: Role,
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub(crate) sharing_id: [u8; 32],
    /// `R = Γ`, with its encoding (hashed into every signature's re-randomiser).
    pub(crate) r: EncodedPoint<Secp256k1>,
    /// `k̃_i`.
    pub(crate) k: SecretScalar<Secp256k1>,
    /// `χ̃_i`.
    pub(crate) chi: SecretScalar<Secp256k1>,
    pub(crate) client: PartyCommitments,
    pub(crate) server: PartyCommitments,
}

impl fmt::Debug for Presignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presignature")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("r", &self.r)
            .field("k", &self.k)
            .field("chi", &self.chi)
            .finish_non_exhaustive()
    }
}

impl Presignature {
    /// The presignature's id: the session id of the presigning run (both halves share it).
    #[must_use]
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// Which party holds this half.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// The sharing it belongs to.
    #[must_use]
    pub fn sharing_id(&self) -> [u8; 32] {
        self.sharing_id
    }

    /// `R`.
    #[must_use]
    pub fn r(&self) -> Point<Secp256k1> {
        *self.r.point()
    }

    /// The public commitments of `role`.
    #[must_use]
    pub fn commitments(&self, role: Role) -> PartyCommitments {
        match role {
            Role::Client => self.client,
            Role::Server => self.server,
        }
    }

    /// Internal consistency: the secret shares match our commitments, and the commitments of
    /// both parties sum to `G` (`ΣΔ̃_j = k·Γ/δ = G` since `δ = kγ`); with the key share,
    /// [`Presignature::matches_key`] also checks `ΣS̃_j = X`.
    pub(crate) fn validate(&self) -> Result<(), DecodeError> {
        let own = self.commitments(self.role);
        if self.r.point().mul_secret(&self.k) != own.big_delta
            || self.r.point().mul_secret(&self.chi) != own.s
        {
            return Err(DecodeError::Inconsistent);
        }
        if self.client.big_delta + self.server.big_delta != Point::generator() {
            return Err(DecodeError::Inconsistent);
        }
        Ok(())
    }

    /// Whether the presignature belongs to the key `public_key`: `ΣS̃_j = χ·Γ/δ = x·G`.
    #[must_use]
    pub fn matches_key(&self, public_key: &Point<Secp256k1>) -> bool {
        self.client.s + self.server.s == *public_key
    }

    /// Stored form for a presignature pool. Consumes the value: a presignature is either in
    /// memory or in the store, never both.
    ///
    /// # Errors
    /// If encoding fails.
    pub fn to_bytes(self) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        stored::encode(StoredKind::Presignature, CurveId::Secp256k1, &self).map_err(Error::Storage)
    }

    /// Reads a stored presignature, checking that its secret shares match its own public
    /// commitments.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let p: Self = stored::decode(StoredKind::Presignature, CurveId::Secp256k1, bytes)
            .map_err(Error::Storage)?;
        p.validate().map_err(Error::Storage)?;
        Ok(p)
    }
}

pub(crate) fn context(protocol: ProtocolId, session: SessionId, me: Role) -> SessionContext {
    SessionContext {
        protocol,
        curve: CurveId::Secp256k1,
        session,
        me,
    }
}

/// Builds this party's presignature from the round results (CGGMP24 Fig. 8, output).
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish(
    share: &EcdsaKeyShare,
    ctx: &SessionContext,
    peer_r1: &EncryptedNoncesMsg,
    own_r2: &MtaMsg,
    peer_r2: &MtaMsg,
    s1: &Round1Secrets,
    s3: &Round3Secrets,
    own_r3: &DeltaMsg,
    peer_r3: &DeltaMsg,
) -> Result<Presignature, Error> {
    let gamma = own_r2.gamma + peer_r2.gamma;
    let delta = rounds::verify_round3(share, ctx, peer_r1, &gamma, own_r3, peer_r3)?;
    // Round 3 refused Γ = identity already; this encodes Γ once for every later use.
    let encoded_gamma =
        EncodedPoint::new(gamma).ok_or_else(|| misbehaved(ctx.peer(), Check::DegenerateResult))?;
    let delta_inv = delta
        .invert()
        .ok_or(Error::Internal("δ checked non-zero"))?;
    let k = &s1.k * &delta_inv;
    let chi = &s3.chi * &delta_inv;
    let commit = |r3: &DeltaMsg| PartyCommitments {
        big_delta: &r3.big_delta * &delta_inv,
        s: &r3.s * &delta_inv,
    };
    let (client, server) = match ctx.me {
        Role::Client => (commit(own_r3), commit(peer_r3)),
        Role::Server => (commit(peer_r3), commit(own_r3)),
    };
    Ok(Presignature {
        id: ctx.session,
        role: ctx.me,
        sharing_id: share.sharing_id(),
        r: encoded_gamma,
        k,
        chi,
        client,
        server,
    })
}

fn check_share(share: &EcdsaKeyShare, role: Role) -> Result<(), Error> {
    share.core().require_role(role)
}

/// Client, message 1.
///
/// # Errors
/// [`Misuse::WrongRole`] for a server share.
pub fn client_start<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    session: SessionId,
    rng: &mut R,
) -> Result<(ClientAwaitingServer, Vec<u8>), Error> {
    check_share(share, Role::Client)?;
    let ctx = context(ProtocolId::Presign, session, Role::Client);
    let (secrets, r1) = rounds::round1(share, &ctx, rng)?;
    let msg = ctx.seal(round::CLIENT_NONCES, &r1)?;
    Ok((ClientAwaitingServer::new(ctx, share, secrets, r1), msg))
}

/// Client after message 1.
// Deliberately not serializable: this state holds signing nonces (see `stored::SessionState`
// for why it must not be saved and restored). Only a cargo-fuzz build (`cfg(fuzzing)`, which
// cargo-fuzz sets and no dependent crate can) derives serde, for the fuzz targets to copy it.
#[cfg_attr(fuzzing, derive(Serialize, Deserialize))]
pub struct ClientAwaitingServer {
    pub(crate) ctx: SessionContext,
    #[cfg_attr(fuzzing, serde(with = "tandem_curves::encoding::fixed"))]
    pub(crate) sharing_id: [u8; 32],
    pub(crate) secrets: Round1Secrets,
    pub(crate) r1: EncryptedNoncesMsg,
}

impl ClientAwaitingServer {
    pub(crate) fn new(
        ctx: SessionContext,
        share: &EcdsaKeyShare,
        secrets: Round1Secrets,
        r1: EncryptedNoncesMsg,
    ) -> Self {
        Self {
            ctx,
            sharing_id: share.sharing_id(),
            secrets,
            r1,
        }
    }

    /// Client, message 3: checks the server's rounds 1 and 2, sends its rounds 2 and 3.
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the server and the check.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        share: &EcdsaKeyShare,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(ClientAwaitingServerRound3, Vec<u8>), Error> {
        let (state, r2, r3) = self.process(share, bytes, round::SERVER_NONCES_MTA, rng)?;
        let msg = state.ctx.seal(
            round::CLIENT_MTA_DELTA,
            &MtaAndDeltaMsg { mta: r2, delta: r3 },
        )?;
        Ok((state, msg))
    }

    pub(crate) fn process<R: CryptoRng + ?Sized>(
        self,
        share: &EcdsaKeyShare,
        bytes: &[u8],
        expected_round: u8,
        rng: &mut R,
    ) -> Result<(ClientAwaitingServerRound3, MtaMsg, DeltaMsg), Error> {
        check_share(share, Role::Client)?;
        if share.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let ctx = self.ctx;
        let msg: NoncesAndMtaMsg = ctx.open(expected_round, bytes)?;
        self.process_payload(share, msg, rng)
    }

    pub(crate) fn process_payload<R: CryptoRng + ?Sized>(
        self,
        share: &EcdsaKeyShare,
        msg: NoncesAndMtaMsg,
        rng: &mut R,
    ) -> Result<(ClientAwaitingServerRound3, MtaMsg, DeltaMsg), Error> {
        let ctx = self.ctx;
        if msg.nonces.sharing_id != self.sharing_id {
            return Err(Error::Refused {
                sender: Role::Server,
                reason: Refusal::KeyShareMismatch,
            });
        }
        let [c0, c1] = rounds::verify_round1(share, &ctx, &msg.nonces)?;
        let [c2, c3] = rounds::verify_round2(share, &ctx, &self.r1, &msg.nonces, &msg.mta)?;
        rounds::check_batch(&ctx, &[c0, c1, c2, c3], rng)?;
        let (s2, r2) = rounds::round2(share, &ctx, &self.secrets, &self.r1, &msg.nonces, rng)?;
        let (s3, r3) = rounds::round3(
            share,
            &ctx,
            &self.secrets,
            &s2,
            &self.r1,
            &r2,
            &msg.mta,
            rng,
        )?;
        Ok((
            ClientAwaitingServerRound3 {
                ctx,
                sharing_id: self.sharing_id,
                secrets: self.secrets,
                secrets3: s3,
                server_r1: msg.nonces,
                own_r2: r2.clone(),
                server_r2: msg.mta,
                own_r3: r3.clone(),
            },
            r2,
            r3,
        ))
    }
}

/// Client after message 3.
// Deliberately not serializable: this state holds signing nonces (see `stored::SessionState`
// for why it must not be saved and restored). Only a cargo-fuzz build (`cfg(fuzzing)`, which
// cargo-fuzz sets and no dependent crate can) derives serde, for the fuzz targets to copy it.
#[cfg_attr(fuzzing, derive(Serialize, Deserialize))]
pub struct ClientAwaitingServerRound3 {
    pub(crate) ctx: SessionContext,
    #[cfg_attr(fuzzing, serde(with = "tandem_curves::encoding::fixed"))]
    pub(crate) sharing_id: [u8; 32],
    pub(crate) secrets: Round1Secrets,
    pub(crate) secrets3: Round3Secrets,
    pub(crate) server_r1: EncryptedNoncesMsg,
    pub(crate) own_r2: MtaMsg,
    pub(crate) server_r2: MtaMsg,
    pub(crate) own_r3: DeltaMsg,
}

impl ClientAwaitingServerRound3 {
    /// Client output: checks the server's round 3 and the `δ` equations.
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the server.
    pub fn receive(self, share: &EcdsaKeyShare, bytes: &[u8]) -> Result<Presignature, Error> {
        let msg: DeltaMsg = self.ctx.open(round::SERVER_DELTA, bytes)?;
        self.finish(share, &msg)
    }

    pub(crate) fn finish(
        self,
        share: &EcdsaKeyShare,
        msg: &DeltaMsg,
    ) -> Result<Presignature, Error> {
        check_share(share, Role::Client)?;
        if share.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        finish(
            share,
            &self.ctx,
            &self.server_r1,
            &self.own_r2,
            &self.server_r2,
            &self.secrets,
            &self.secrets3,
            &self.own_r3,
            msg,
        )
    }
}

/// Server, message 2: checks the client's round 1, answers with rounds 1 and 2.
///
/// # Errors
/// [`Refusal::KeyShareMismatch`] if the client presigns for another sharing;
/// [`Error::Misbehaved`] naming the client for a bad proof.
pub fn server_respond<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    bytes: &[u8],
    rng: &mut R,
) -> Result<(ServerAwaitingClient, Vec<u8>), Error> {
    let (state, first) =
        server_first(share, bytes, ProtocolId::Presign, round::CLIENT_NONCES, rng)?;
    let msg = state.ctx.seal(round::SERVER_NONCES_MTA, &first)?;
    Ok((state, msg))
}

pub(crate) fn server_first<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    bytes: &[u8],
    protocol: ProtocolId,
    expected_round: u8,
    rng: &mut R,
) -> Result<(ServerAwaitingClient, NoncesAndMtaMsg), Error> {
    check_share(share, Role::Server)?;
    let session = crate::message::client_session(bytes)?;
    let ctx = context(protocol, session, Role::Server);
    let client_r1: EncryptedNoncesMsg = ctx.open(expected_round, bytes)?;
    server_first_payload(share, ctx, client_r1, rng)
}

pub(crate) fn server_first_payload<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    ctx: SessionContext,
    client_r1: EncryptedNoncesMsg,
    rng: &mut R,
) -> Result<(ServerAwaitingClient, NoncesAndMtaMsg), Error> {
    if client_r1.sharing_id != share.sharing_id() {
        return Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        });
    }
    let checks = rounds::verify_round1(share, &ctx, &client_r1)?;
    rounds::check_batch(&ctx, &checks, rng)?;
    let (secrets, r1) = rounds::round1(share, &ctx, rng)?;
    let (secrets2, r2) = rounds::round2(share, &ctx, &secrets, &r1, &client_r1, rng)?;
    Ok((
        ServerAwaitingClient {
            ctx,
            sharing_id: share.sharing_id(),
            secrets,
            secrets2,
            client_r1,
            own_r1: r1.clone(),
            own_r2: r2.clone(),
        },
        NoncesAndMtaMsg {
            nonces: r1,
            mta: r2,
        },
    ))
}

/// Server after message 2.
///
/// **Not saveable** (no [`SessionState`](crate::stored::SessionState)): it holds the
/// server's presigning nonces `k_s`, `γ_s` (and the MtA masks), already fixed by its round-1
/// message (CGGMP24 Fig. 8 round 1: `K_s = enc(k_s)`, `A_2 = a·Y + k_s·G`,
/// `B_2 = b·Y + γ_s·G`). Restored twice and driven with two different valid client
/// messages 3, it would output two presignatures with the same id and the same `k_s` but
/// different `χ_s` (offsets the client knows), and one signature with each reveals the key.
/// An interrupted presigning run starts over: a presignature is cheap. Its one stored form is
/// **spend-once** ([`spend_once`]): for a stateless server whose store takes each saved copy
/// exactly once (a delete-returning transaction), the same rule as for a stored presignature.
///
/// ```compile_fail,E0599
/// # use tandem_protocol::ecdsa::presign::ServerAwaitingClient;
/// # use tandem_protocol::stored::SessionState;
/// # fn f(state: ServerAwaitingClient) {
/// let _ = state.save();
/// # }
/// ```
/// ```compile_fail,E0599
/// # use tandem_protocol::ecdsa::presign::ServerAwaitingClient;
/// # use tandem_protocol::stored::SessionState;
/// let _ = ServerAwaitingClient::restore(tandem_curves::CurveId::Secp256k1, &[]);
/// ```
// Deliberately not serializable: this state holds presigning nonces (see `stored::SessionState`
// for why it must not be saved and restored like one). Its only stored form is the spend-once
// API of `spend_once` (a crate-private mirror, no public serde). A cargo-fuzz build
// (`cfg(fuzzing)`, which no dependent crate can set) derives serde for the fuzz targets.
#[cfg_attr(fuzzing, derive(Serialize, Deserialize))]
pub struct ServerAwaitingClient {
    pub(crate) ctx: SessionContext,
    #[cfg_attr(fuzzing, serde(with = "tandem_curves::encoding::fixed"))]
    pub(crate) sharing_id: [u8; 32],
    pub(crate) secrets: Round1Secrets,
    pub(crate) secrets2: Round2Secrets,
    pub(crate) client_r1: EncryptedNoncesMsg,
    pub(crate) own_r1: EncryptedNoncesMsg,
    pub(crate) own_r2: MtaMsg,
}

impl ServerAwaitingClient {
    /// Server output: checks the client's rounds 2 and 3, returns its presignature and
    /// message 4.
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the client and the check.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        share: &EcdsaKeyShare,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(Presignature, Vec<u8>), Error> {
        let msg: MtaAndDeltaMsg = self.ctx.open(round::CLIENT_MTA_DELTA, bytes)?;
        let ctx = self.ctx;
        let (presignature, r3) = self.process_payload(share, &msg, rng)?;
        let out = ctx.seal(round::SERVER_DELTA, &r3)?;
        Ok((presignature, out))
    }

    pub(crate) fn process_payload<R: CryptoRng + ?Sized>(
        self,
        share: &EcdsaKeyShare,
        msg: &MtaAndDeltaMsg,
        rng: &mut R,
    ) -> Result<(Presignature, DeltaMsg), Error> {
        check_share(share, Role::Server)?;
        if share.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let ctx = self.ctx;
        let checks = rounds::verify_round2(share, &ctx, &self.own_r1, &self.client_r1, &msg.mta)?;
        rounds::check_batch(&ctx, &checks, rng)?;
        let (s3, r3) = rounds::round3(
            share,
            &ctx,
            &self.secrets,
            &self.secrets2,
            &self.own_r1,
            &self.own_r2,
            &msg.mta,
            rng,
        )?;
        let presignature = finish(
            share,
            &ctx,
            &self.client_r1,
            &self.own_r2,
            &msg.mta,
            &self.secrets,
            &s3,
            &r3,
            &msg.delta,
        )?;
        Ok((presignature, r3))
    }
}
