//! Two-party resharing: backup, recover and refresh, on both curves.
//!
//! One protocol turns a source pair `(o_c, o_s)` with `o_c + o_s = x` into a fresh target pair
//! `(n_c, n_s) = (o_c + r, o_s − r)` of the same key, for a mask `r` that neither party can
//! choose. It is CGGMP's key refresh (CGGMP21 Fig. 6; CGGMP24 §3.3, "auxiliary info and key
//! refresh") specialised to two parties and additive shares: the "shares of zero"
//! `(+r, −r)` are derived from two committed seeds, the sum-of-changes check of the paper
//! holds by construction (`(P_c + r·G) + (P_s − r·G) = X`), and each party proves knowledge
//! of its new share (the paper's Schnorr proofs, here on the new share as key confirmation)
//! before the other stores anything.
//!
//! | message | from   | content |
//! |---------|--------|---------|
//! | 1 | client | source sharing id, `V_c = H(ctx, source, σ_c, E_c, u_c)` |
//! | 2 | server | `σ_s`, `E_s = e_s·G` (in the clear: the server moves second) |
//! | 3 | client | `σ_c`, `E_c = e_c·G`, `u_c`, `Q_c`, `ψ_c = PoK(n_c; Q_c)` |
//! | 4 | server | `Q_s`, `ψ_s = PoK(n_s; Q_s)` |
//!
//! `r = H(ctx, source sharing id, P_c, P_s, σ_c, σ_s, E_c, E_s, K)` with the Diffie–Hellman
//! point `K = e_c·E_s = e_s·E_c` (a 64-byte hash reduced mod `q`). The seeds make `r` unbiased;
//! `K` keeps it secret from everyone but the two parties: whoever sees or logs the messages
//! (a proxy, a request log, the driver's tap) cannot compute it. CGGMP21 Fig. 6 encrypts the
//! shares of zero for the same reason (CGGMP24 with a DH one-time pad, as here).
//! `Q_c = P_c + r·G`, `Q_s = P_s − r·G`. The client is bound by its commitment before it sees
//! `σ_s`; the server sees only a hash when it picks `σ_s`: short of aborting, neither can bias
//! `r` (an abort buys only a new run with fresh seeds). The server outputs its new share after
//! message 3, the client after message 4; a failed check on either side returns an error
//! naming the peer and outputs nothing, so the caller keeps its source share.
//!
//! Three operations use it, each with its own protocol id (messages of one are refused by
//! the others) and with typed inputs and outputs:
//!
//! | operation | source | target |
//! |---|---|---|
//! | [`Backup`] | signing pair ([`KeyShare`]) | backup pair ([`BackupShare`]) |
//! | [`Recover`] | backup pair | signing pair |
//! | [`Refresh`] | signing pair | signing pair |
//!
//! For secp256k1 the new signing pair of [`Recover`] and [`Refresh`] then needs fresh
//! Paillier and ring-Pedersen material: run [`crate::ecdsa::aux_info`] on the new
//! shares (see [`crate::driver::recover_ecdsa`]).
//!
//! **What two parties cannot avoid.** Each party knows its old and its new share, hence `r`,
//! hence the peer's change too. The mismatched pairs combine to nothing only for someone who
//! does not know `r`: both parties drop `r`, the seeds and the ephemeral keys when the run
//! ends (they are wiped from memory); nothing here stores them. The client's state after
//! message 1 is deliberately not saveable: restored twice, it would let the server answer the
//! same commitment with seeds chosen after seeing the opening. The server's saved state holds
//! `e_s` and must be deleted when the run ends.
//!
//! **Who stores first.** The server outputs its new share after message 3, the client after
//! message 4. A caller must keep the source share until the new pair has been used once (or
//! the peer confirmed): if message 4 is lost, the server holds the new share and the client
//! only the old one.
//!
//! **Checks.** Every peer value is checked before use, and a failed check names the peer and
//! leaves the caller's source share untouched (the protocol only reads it). The
//! Diffie–Hellman point keeps `r` from anyone who only sees the messages. A backup share
//! cannot sign: no signing API accepts the type.

mod derive;

use core::marker::PhantomData;

use crate::error::misbehaved;
use crate::message::{SessionContext, client_session};
use crate::stored::SessionState;
use crate::{
    Check, DecodeError, Error, KeyShare, Misuse, ProtocolId, PublicShares, Refusal, Role, SessionId,
};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Commitment, Curve, Opening, Point, SchnorrNonce, SchnorrProof, SecretScalar};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::backup_share::{BackupShare, Sharing};
use crate::hd::ChainCode;
use derive::{MaskInputs, commitment_transcript, mask, proof_transcript, reshare};

/// Message numbers.
pub mod round {
    /// Client's commitment to its seed.
    pub const COMMIT: u8 = 1;
    /// Server's seed.
    pub const SERVER_SEED: u8 = 2;
    /// Client's opening, new public share and proof.
    pub const CLIENT_CONFIRM: u8 = 3;
    /// Server's new public share and proof.
    pub const SERVER_CONFIRM: u8 = 4;
}

/// A resharing operation: which pair goes in, which comes out. Sealed.
pub trait Operation: private::Sealed + Send + Sync + 'static {
    /// The protocol id (in every message and transcript).
    const PROTOCOL: ProtocolId;
    /// The pair the parties hold.
    type Source<C: Curve>: Sharing<C> + Sync;
    /// The pair they obtain.
    type Target<C: Curve>: Sharing<C> + Send;
}

/// Signing pair → fresh backup pair; the signing shares are unchanged.
#[derive(Debug)]
pub enum Backup {}
/// Backup pair → fresh signing pair; the backup pair stays valid (recovery can run again).
#[derive(Debug)]
pub enum Recover {}
/// Signing pair → fresh signing pair (proactive security).
#[derive(Debug)]
pub enum Refresh {}

impl Operation for Backup {
    const PROTOCOL: ProtocolId = ProtocolId::Backup;
    type Source<C: Curve> = KeyShare<C>;
    type Target<C: Curve> = BackupShare<C>;
}
impl Operation for Recover {
    const PROTOCOL: ProtocolId = ProtocolId::Recover;
    type Source<C: Curve> = BackupShare<C>;
    type Target<C: Curve> = KeyShare<C>;
}
impl Operation for Refresh {
    const PROTOCOL: ProtocolId = ProtocolId::Refresh;
    type Source<C: Curve> = KeyShare<C>;
    type Target<C: Curve> = KeyShare<C>;
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Backup {}
    impl Sealed for super::Recover {}
    impl Sealed for super::Refresh {}
}

/// A party's 32-byte seed for the mask; wiped on drop.
#[derive(Clone, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Seed(#[serde(with = "tandem_curves::encoding::fixed")] [u8; 32]);

impl core::fmt::Debug for Seed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Seed(<redacted>)")
    }
}

impl Seed {
    /// A seed from bytes (tests and fixtures; protocol runs draw their own).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The seed's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut s = [0u8; 32];
        rng.fill_bytes(&mut s);
        Self(s)
    }
}

/// Message 1 (client to server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitMsg {
    /// The source pair's id: a hash of its sharing id and the wallet's chain code
    /// ([`source_id`]), so that two parties holding different chain codes stop here.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub source: [u8; 32],
    /// `V_c`.
    pub commitment: Commitment,
}

/// Message 2 (server to client).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ServerSeedMsg<C: Curve> {
    /// `σ_s`.
    pub seed: Seed,
    /// `E_s = e_s·G`.
    pub ephemeral: Point<C>,
}

/// Message 3 (client to server).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ClientConfirmMsg<C: Curve> {
    /// `σ_c`.
    pub seed: Seed,
    /// `E_c = e_c·G`.
    pub ephemeral: Point<C>,
    /// `u_c`.
    pub opening: Opening,
    /// `Q_c`.
    pub new_public_share: Point<C>,
    /// `ψ_c`.
    pub proof: SchnorrProof<C>,
}

/// Message 4 (server to client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ServerConfirmMsg<C: Curve> {
    /// `Q_s`.
    pub new_public_share: Point<C>,
    /// `ψ_s`.
    pub proof: SchnorrProof<C>,
}

// The states hold seeds, ephemeral keys and new shares: nothing of them is printed.
tandem_curves::redacted_debug! {
    impl<O: Operation, C: Curve> ClientAwaitingSeed<O, C> => "reshare::ClientAwaitingSeed";
    impl<O: Operation, C: Curve> ClientAwaitingConfirmation<O, C> =>
        "reshare::ClientAwaitingConfirmation";
    impl<O: Operation, C: Curve> ServerAwaitingOpening<O, C> => "reshare::ServerAwaitingOpening";
}

fn context<O: Operation, C: Curve>(session: SessionId, me: Role) -> SessionContext {
    SessionContext {
        protocol: O::PROTOCOL,
        curve: C::ID,
        session,
        me,
    }
}

/// The id of a resharing's source: `H(sharing id, chain code)`. The chain code travels
/// unchanged from the source pair to the target pair, so both parties must hold the same
/// one: message 1 carries this id (the chain code itself never appears in a message), the
/// server refuses a different one, and every transcript of the run is bound to it.
#[must_use]
pub fn source_id<C: Curve>(share: &KeyShare<C>) -> [u8; 32] {
    source_id_of(&share.sharing_id(), share.chain_code())
}

/// [`source_id`] from its parts.
fn source_id_of(sharing_id: &[u8; 32], chain_code: &ChainCode) -> [u8; 32] {
    let mut t = tandem_curves::Transcript::new("tandem/reshare/source/v1");
    t.append("sharing-id", sharing_id);
    t.append("chain-code", &chain_code.to_bytes());
    let mut out = [0u8; 32];
    t.challenge_bytes("source", &mut out);
    out
}

fn source_share<O: Operation, C: Curve>(
    source: &O::Source<C>,
    role: Role,
) -> Result<&KeyShare<C>, Error> {
    let share = source.key_share();
    share.require_role(role)?;
    Ok(share)
}

/// Client, message 1: commits to its seed.
///
/// # Errors
/// [`Misuse::WrongRole`] if `source` is not the client's share of its pair.
pub fn client_start<O: Operation, C: Curve, R: CryptoRng + ?Sized>(
    source: &O::Source<C>,
    session: SessionId,
    rng: &mut R,
) -> Result<(ClientAwaitingSeed<O, C>, Vec<u8>), Error> {
    let share = source_share::<O, C>(source, Role::Client)?;
    let ctx = context::<O, C>(session, Role::Client);
    let seed = Seed::random(rng);
    let ephemeral = SecretScalar::<C>::random_nonzero(rng);
    let source_id = source_id(share);
    let (commitment, opening) = Commitment::commit(
        commitment_transcript(&ctx, &source_id, &seed, &ephemeral.public_point()),
        rng,
    );
    let msg = ctx.seal(
        round::COMMIT,
        &CommitMsg {
            source: source_id,
            commitment,
        },
    )?;
    Ok((
        ClientAwaitingSeed {
            ctx,
            source: source_id,
            seed,
            ephemeral,
            opening,
            op: PhantomData,
        },
        msg,
    ))
}

/// Client after message 1. Holds the seed and the ephemeral key (secret) but no share: the
/// source share is passed again to [`ClientAwaitingSeed::receive`]. Not saveable (see the
/// module documentation): a run that is interrupted here starts again.
pub struct ClientAwaitingSeed<O: Operation, C: Curve> {
    ctx: SessionContext,
    source: [u8; 32],
    seed: Seed,
    ephemeral: SecretScalar<C>,
    opening: Opening,
    op: PhantomData<(O, C)>,
}

impl<O: Operation, C: Curve> ClientAwaitingSeed<O, C> {
    /// Client, message 3: derives the mask and its new share, opens its commitment and proves
    /// knowledge of the new share.
    ///
    /// # Errors
    /// [`Misuse::KeyShareChanged`] if `source` is not the share the run started with; a
    /// refused or malformed message.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        source: &O::Source<C>,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(ClientAwaitingConfirmation<O, C>, Vec<u8>), Error> {
        let share = source_share::<O, C>(source, Role::Client)?;
        if source_id(share) != self.source {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let msg: ServerSeedMsg<C> = self.ctx.open(round::SERVER_SEED, bytes)?;
        let own_ephemeral = self.ephemeral.public_point();
        let r = mask(
            &self.ctx,
            share.public_shares(),
            &MaskInputs {
                client_seed: &self.seed,
                server_seed: &msg.seed,
                client_ephemeral: &own_ephemeral,
                server_ephemeral: &msg.ephemeral,
                // The decoder refused the identity and, for Ed25519, points outside the
                // prime-order group: K is a random group element to anyone without e_c, e_s.
                shared: msg.ephemeral.mul_secret(&self.ephemeral),
            },
        )?;
        let (secret, target) = reshare(share, &r)?;
        let proof = SchnorrNonce::<C>::new(rng).prove(
            &secret,
            &target.client,
            &mut proof_transcript(&self.ctx, Role::Client, &self.source, &target),
        );
        let out = self.ctx.seal(
            round::CLIENT_CONFIRM,
            &ClientConfirmMsg {
                seed: self.seed.clone(),
                ephemeral: own_ephemeral,
                opening: self.opening,
                new_public_share: target.client,
                proof,
            },
        )?;
        Ok((
            ClientAwaitingConfirmation {
                ctx: self.ctx,
                source: self.source,
                secret,
                target,
                source_sharing_id: share.sharing_id(),
                chain_code: *share.chain_code(),
                op: PhantomData,
            },
            out,
        ))
    }
}

/// Client after message 3: its new share, not yet confirmed by the server.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ClientAwaitingConfirmation<O: Operation, C: Curve> {
    ctx: SessionContext,
    #[serde(with = "tandem_curves::encoding::fixed")]
    source: [u8; 32],
    secret: SecretScalar<C>,
    target: PublicShares<C>,
    /// The source pair's sharing id and chain code, which the new share keeps:
    /// `source = source_id(sharing id, chain code)`, checked on restore.
    #[serde(with = "tandem_curves::encoding::fixed")]
    source_sharing_id: [u8; 32],
    chain_code: ChainCode,
    op: PhantomData<(O, C)>,
}

impl<O: Operation, C: Curve> ClientAwaitingConfirmation<O, C> {
    /// Client output: checks the server's new public share and its proof, returns the
    /// client's share of the target pair.
    ///
    /// # Errors
    /// [`Check::NewPublicShare`] or [`Check::SchnorrProof`] naming the server.
    pub fn receive(self, bytes: &[u8]) -> Result<O::Target<C>, Error> {
        let msg: ServerConfirmMsg<C> = self.ctx.open(round::SERVER_CONFIRM, bytes)?;
        // CGGMP21 Fig. 6 output step: the peer's new public share is the one derived from the
        // joint mask (both sides compute Q_s = P_s − r·G).
        if msg.new_public_share != self.target.server {
            return Err(misbehaved(Role::Server, Check::NewPublicShare));
        }
        // CGGMP21 Fig. 6 output step: verify ψ_s (here: knowledge of n_s for Q_s).
        msg.proof
            .verify(
                &self.target.server,
                &mut proof_transcript(&self.ctx, Role::Server, &self.source, &self.target),
            )
            .map_err(|_| misbehaved(Role::Server, Check::SchnorrProof))?;
        let share = KeyShare::new(
            Role::Client,
            self.secret.duplicate(),
            self.target,
            self.chain_code,
        )
        .map_err(Error::Storage)?;
        Ok(O::Target::<C>::from_key_share(share))
    }
}

/// Server, message 2: checks that the client reshares the same source pair, answers with its
/// seed.
///
/// # Errors
/// [`Refusal::KeyShareMismatch`] naming the client if it holds a share of another pair;
/// [`Misuse::WrongRole`] if `source` is not the server's (or custodian's) share.
pub fn server_respond<O: Operation, C: Curve, R: CryptoRng + ?Sized>(
    source: &O::Source<C>,
    bytes: &[u8],
    rng: &mut R,
) -> Result<(ServerAwaitingOpening<O, C>, Vec<u8>), Error> {
    let share = source_share::<O, C>(source, Role::Server)?;
    let session = client_session(bytes)?;
    let ctx = context::<O, C>(session, Role::Server);
    let msg: CommitMsg = ctx.open(round::COMMIT, bytes)?;
    // The same pair and the same chain code (`source_id`); compared in constant time, as
    // the id hashes the chain code.
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        &msg.source[..],
        &source_id(share)[..],
    )) {
        return Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        });
    }
    let seed = Seed::random(rng);
    let ephemeral = SecretScalar::<C>::random_nonzero(rng);
    let out = ctx.seal(
        round::SERVER_SEED,
        &ServerSeedMsg {
            seed: seed.clone(),
            ephemeral: ephemeral.public_point(),
        },
    )?;
    Ok((
        ServerAwaitingOpening {
            ctx,
            source: msg.source,
            commitment: msg.commitment,
            seed,
            ephemeral,
            op: PhantomData,
        },
        out,
    ))
}

/// Server after message 2.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ServerAwaitingOpening<O: Operation, C: Curve> {
    ctx: SessionContext,
    #[serde(with = "tandem_curves::encoding::fixed")]
    source: [u8; 32],
    commitment: Commitment,
    seed: Seed,
    ephemeral: SecretScalar<C>,
    op: PhantomData<(O, C)>,
}

impl<O: Operation, C: Curve> ServerAwaitingOpening<O, C> {
    /// Server output: checks the client's opening, its new public share and proof, then
    /// returns the server's share of the target pair and message 4.
    ///
    /// # Errors
    /// [`Check::CommitmentOpening`], [`Check::NewPublicShare`] or [`Check::SchnorrProof`]
    /// naming the client; [`Misuse::KeyShareChanged`] if `source` is not the share the run
    /// started with.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        source: &O::Source<C>,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(O::Target<C>, Vec<u8>), Error> {
        let share = source_share::<O, C>(source, Role::Server)?;
        if source_id(share) != self.source {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let msg: ClientConfirmMsg<C> = self.ctx.open(round::CLIENT_CONFIRM, bytes)?;
        // CGGMP21 Fig. 6 round 2: the revealed seed must open the round-1 commitment.
        self.commitment
            .verify(
                commitment_transcript(&self.ctx, &self.source, &msg.seed, &msg.ephemeral),
                &msg.opening,
            )
            .map_err(|_| misbehaved(Role::Client, Check::CommitmentOpening))?;
        let own_ephemeral = self.ephemeral.public_point();
        let r = mask(
            &self.ctx,
            share.public_shares(),
            &MaskInputs {
                client_seed: &msg.seed,
                server_seed: &self.seed,
                client_ephemeral: &msg.ephemeral,
                server_ephemeral: &own_ephemeral,
                shared: msg.ephemeral.mul_secret(&self.ephemeral),
            },
        )?;
        let (secret, target) = reshare(share, &r)?;
        // CGGMP21 Fig. 6 output step: the client's new public share and its proof.
        if msg.new_public_share != target.client {
            return Err(misbehaved(Role::Client, Check::NewPublicShare));
        }
        msg.proof
            .verify(
                &target.client,
                &mut proof_transcript(&self.ctx, Role::Client, &self.source, &target),
            )
            .map_err(|_| misbehaved(Role::Client, Check::SchnorrProof))?;
        let proof = SchnorrNonce::<C>::new(rng).prove(
            &secret,
            &target.server,
            &mut proof_transcript(&self.ctx, Role::Server, &self.source, &target),
        );
        let out = self.ctx.seal(
            round::SERVER_CONFIRM,
            &ServerConfirmMsg {
                new_public_share: target.server,
                proof,
            },
        )?;
        let share = KeyShare::new(Role::Server, secret, target, *share.chain_code())
            .map_err(Error::Storage)?;
        Ok((O::Target::<C>::from_key_share(share), out))
    }
}

// Saveable states (a server can keep a half-finished run between two requests), under the
// rule of `SessionState`: two restorations cannot produce two answers that share a secret
// nonce. None holds a nonce: the Schnorr nonces are drawn and spent inside one call, and the
// server's challenge depends only on the new shares, which the client's commitment fixes
// (CGGMP21 Fig. 6). The client's state after message 1 is not saveable (module
// documentation). `tests/restore_twice.rs` restores each twice against two honest messages.

impl<O: Operation, C: Curve> SessionState for ClientAwaitingConfirmation<O, C> {
    const PROTOCOL: ProtocolId = O::PROTOCOL;
    const ROLE: Role = Role::Client;
    const AWAITING_ROUND: u8 = round::SERVER_CONFIRM;
    fn context(&self) -> &SessionContext {
        &self.ctx
    }
    fn validate(&self) -> Result<(), DecodeError> {
        if self.secret.public_point() != self.target.client
            || self.target.server.is_identity()
            || self.target.public_key().is_identity()
            || source_id_of(&self.source_sharing_id, &self.chain_code) != self.source
        {
            return Err(DecodeError::Inconsistent);
        }
        Ok(())
    }
}

impl<O: Operation, C: Curve> SessionState for ServerAwaitingOpening<O, C> {
    const PROTOCOL: ProtocolId = O::PROTOCOL;
    const ROLE: Role = Role::Server;
    const AWAITING_ROUND: u8 = round::CLIENT_CONFIRM;
    fn context(&self) -> &SessionContext {
        &self.ctx
    }
    fn validate(&self) -> Result<(), DecodeError> {
        if bool::from(self.ephemeral.is_zero()) {
            return Err(DecodeError::Inconsistent);
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
