//! Two-party key generation, for both curves (CGGMP21 Fig. 5, specialised to n = 2).
//!
//! The client moves first and commits; the server, which speaks only after the client's
//! commitment, reveals its contribution in the clear; the client opens. Neither party can
//! choose its share after seeing the other's: the client is bound by its commitment, and the
//! server sees only a hash when it picks its share. Every public share comes with a Schnorr
//! proof of knowledge bound to the session and to the joint random id `rid` (rogue-key
//! protection).
//!
//! | round | from   | payload                                    | paper (Fig. 5)            |
//! |-------|--------|--------------------------------------------|---------------------------|
//! | 1     | client | `V_c = H(ssid, client, rid_c, X_c, A_c, u_c)` | round 1                |
//! | 2     | server | `rid_s`, `X_s`                             | round 2 (server moves second, no commitment needed) |
//! | 3     | client | `rid_c`, `X_c`, `u_c`, `ψ_c = (A_c, z_c)`  | rounds 2 and 3            |
//! | 4     | server | `ψ_s = (A_s, z_s)`                         | round 3                   |
//!
//! `rid = rid_c XOR rid_s`; each proof `ψ_i` proves knowledge of `x_i` with challenge
//! `H(ssid, i, rid, X_c, X_s, c, X_i, A_i)`, where `c` is the chain code below (so the two
//! proofs also confirm that both parties computed the same chain code). The server outputs its share after round 3 (and
//! sends round 4); the client outputs its share after verifying round 4.
//!
//! **The wallet's chain code** (BIP32's, for [`hd`](crate::hd) derivation) comes out of the
//! same run: `c = H("tandem/chain-code/v1", curve, ssid, rid, X_c, X_s, K)` with the
//! Diffie–Hellman point `K = x_c·X_s = x_s·X_c` ([`ChainCode::agreed`]). `rid` and the shares
//! are joint and unbiasable (the client commits to `rid_c` and `X_c` in `V_c` before it sees
//! `rid_s` and `X_s`; the server sees only `V_c` when it picks them), so neither party
//! chooses the chain code; `K` keeps it from anyone who only sees the messages. Both key
//! shares carry it; every later resharing keeps it.
//!
//! **Saving a run** ([`SessionState`]). The server's state after round 2
//! ([`ServerAwaitingOpening`]) and the client's after round 3 ([`ClientAwaitingServerProof`])
//! are saveable: two restorations cannot answer twice under one nonce (the list and the
//! reasons are in [`SessionState`]). The client's state after round 1
//! ([`ClientAwaitingServerShare`]) is not: its Schnorr nonce is committed in `V_c`, so an
//! interrupted key generation starts over.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{
    Commitment, Curve, Opening, Point, SchnorrNonce, SchnorrProof, SecretScalar, Transcript,
};

use crate::error::{Check, DecodeError, Error, misbehaved};
use crate::hd::ChainCode;
use crate::key_share::{KeyShare, PublicShares};
use crate::message::{ProtocolId, Role, SessionContext, SessionId, xor};
use crate::stored::SessionState;

/// Round numbers of this protocol.
pub mod round {
    /// Client's commitment.
    pub const COMMIT: u8 = 1;
    /// Server's contribution.
    pub const SERVER_SHARE: u8 = 2;
    /// Client's opening and proof.
    pub const CLIENT_OPENING: u8 = 3;
    /// Server's proof.
    pub const SERVER_PROOF: u8 = 4;
}

/// Round 1 payload (client to server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitMsg {
    /// `V_c`.
    pub commitment: Commitment,
}

/// Round 2 payload (server to client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ServerShareMsg<C: Curve> {
    /// `rid_s`.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub rid: [u8; 32],
    /// `X_s`.
    pub public_share: Point<C>,
}

/// Round 3 payload (client to server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ClientOpeningMsg<C: Curve> {
    /// `rid_c`.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub rid: [u8; 32],
    /// `X_c`.
    pub public_share: Point<C>,
    /// `u_c`, the commitment nonce.
    pub opening: Opening,
    /// `ψ_c = (A_c, z_c)`.
    pub proof: SchnorrProof<C>,
}

/// Round 4 payload (server to client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ServerProofMsg<C: Curve> {
    /// `ψ_s = (A_s, z_s)`.
    pub proof: SchnorrProof<C>,
}

fn context<C: Curve>(session: SessionId, me: Role) -> SessionContext {
    SessionContext {
        protocol: ProtocolId::Keygen,
        curve: C::ID,
        session,
        me,
    }
}

/// `V_c = H(ssid, client, rid_c, X_c, A_c, u_c)` (the nonce is added by [`Commitment`]).
fn commitment_transcript<C: Curve>(
    ctx: &SessionContext,
    rid: &[u8; 32],
    public_share: &Point<C>,
    schnorr_commitment: &Point<C>,
) -> Transcript {
    let mut t = ctx.transcript("tandem/keygen/commitment/v1");
    t.append("committer", Role::Client.name().as_bytes());
    t.append("rid", rid);
    t.append_point("public-share", public_share);
    t.append_point("schnorr-commitment", schnorr_commitment);
    t
}

/// Transcript of party `prover`'s Schnorr proof: session, prover, joint `rid`, both shares,
/// and the chain code the prover computed. Binding the chain code makes the two proofs a key
/// confirmation of it: a party that computed another chain code (a bug, a corrupted state)
/// fails the peer's proof, and no share is output with a chain code the peer does not hold.
fn proof_transcript<C: Curve>(
    ctx: &SessionContext,
    prover: Role,
    rid: &[u8; 32],
    shares: &PublicShares<C>,
    chain_code: &ChainCode,
) -> Transcript {
    let mut t = ctx.transcript("tandem/keygen/schnorr/v2");
    t.append("prover", prover.name().as_bytes());
    t.append("rid", rid);
    t.append_point("client-share", &shares.client);
    t.append_point("server-share", &shares.server);
    t.append("chain-code", &chain_code.to_bytes());
    t
}

/// The wallet's chain code ([`ChainCode::agreed`]) from this party's secret share and the
/// peer's public share: `K = x_own·X_peer` (constant time in the secret).
fn chain_code<C: Curve>(
    ctx: &SessionContext,
    rid: &[u8; 32],
    shares: &PublicShares<C>,
    own: &SecretScalar<C>,
) -> ChainCode {
    let peer = match ctx.me {
        Role::Client => shares.server,
        Role::Server => shares.client,
    };
    ChainCode::agreed(ctx, rid, shares, &peer.mul_secret(own))
}

/// Client, round 1: samples `x_c`, `rid_c`, the Schnorr nonce, and commits.
///
/// # Errors
/// Only if the message cannot be encoded.
pub fn client_start<C: Curve, R: CryptoRng + ?Sized>(
    session: SessionId,
    rng: &mut R,
) -> Result<(ClientAwaitingServerShare<C>, Vec<u8>), Error> {
    let ctx = context::<C>(session, Role::Client);
    let secret = SecretScalar::<C>::random_nonzero(rng);
    let public_share = secret.public_point();
    let mut rid = [0u8; 32];
    rng.fill_bytes(&mut rid);
    let nonce = SchnorrNonce::<C>::new(rng);
    // CGGMP21 Fig. 5 round 1: A_c is committed in V_c, before the server's contribution.
    let (commitment, opening) = Commitment::commit(
        commitment_transcript(&ctx, &rid, &public_share, &nonce.commitment()),
        rng,
    );
    let msg = ctx.seal(round::COMMIT, &CommitMsg { commitment })?;
    Ok((
        ClientAwaitingServerShare {
            ctx,
            secret,
            rid,
            nonce,
            opening,
        },
        msg,
    ))
}

/// Client state after round 1, waiting for the server's contribution (round 2).
///
/// **Not saveable** (no [`SessionState`]): it holds the Schnorr nonce `a_c` whose commitment
/// `A_c` is already fixed inside `V_c` (CGGMP21 Fig. 5 round 1), and the challenge of the
/// proof it makes next depends on the server's round 2. Restored twice and answered with two
/// different round-2 messages (a malicious server, or an honest stateless server answering a
/// retransmitted round 1), it would send `z = a_c + e·x_c` and `z' = a_c + e'·x_c`, from
/// which the server solves `x_c` and holds the whole key. An interrupted key generation
/// starts over with [`client_start`]. The server's state after round 2 is saveable
/// ([`ServerAwaitingOpening`]).
///
/// ```compile_fail,E0599
/// # use tandem_protocol::keygen::ClientAwaitingServerShare;
/// # use tandem_protocol::stored::SessionState;
/// # fn f(state: ClientAwaitingServerShare<tandem_curves::Ed25519>) {
/// let _ = state.save();
/// # }
/// ```
/// ```compile_fail,E0599
/// # use tandem_protocol::keygen::ClientAwaitingServerShare;
/// # use tandem_protocol::stored::SessionState;
/// # use tandem_curves::{CurveId, Ed25519};
/// let _ = ClientAwaitingServerShare::<Ed25519>::restore(CurveId::Ed25519, &[]);
/// ```
/// whereas the server's state saves:
/// ```
/// # use tandem_protocol::keygen::ServerAwaitingOpening;
/// # use tandem_protocol::stored::SessionState;
/// # fn f(state: ServerAwaitingOpening<tandem_curves::Ed25519>) {
/// let _ = state.save();
/// # }
/// ```
pub struct ClientAwaitingServerShare<C: Curve> {
    ctx: SessionContext,
    secret: SecretScalar<C>,
    rid: [u8; 32],
    /// `a_c`, with `A_c` (committed in `V_c`): used for exactly one proof.
    nonce: SchnorrNonce<C>,
    opening: Opening,
}

impl<C: Curve> ClientAwaitingServerShare<C> {
    /// Client, round 3: checks the server's share, opens the commitment and proves
    /// knowledge of `x_c` bound to the joint `rid`.
    ///
    /// # Errors
    /// [`Error::Refused`] / [`Error::Malformed`] for a message that does not belong here;
    /// [`Error::Misbehaved`] with [`Check::EchoedValue`] if the server sent our own share back.
    pub fn receive(self, bytes: &[u8]) -> Result<(ClientAwaitingServerProof<C>, Vec<u8>), Error> {
        let Self {
            ctx,
            secret,
            rid: own_rid,
            nonce,
            opening,
        } = self;
        let msg: ServerShareMsg<C> = ctx.open(round::SERVER_SHARE, bytes)?;
        let own_share = secret.public_point();
        // Reflection: the server must not present our own share as its contribution.
        if msg.public_share == own_share {
            return Err(misbehaved(Role::Server, Check::EchoedValue));
        }
        let shares = PublicShares {
            client: own_share,
            server: msg.public_share,
        };
        if shares.public_key().is_identity() {
            return Err(misbehaved(Role::Server, Check::DegenerateResult));
        }
        let rid = xor(&own_rid, &msg.rid);
        let chain = chain_code(&ctx, &rid, &shares, &secret);
        // CGGMP21 Fig. 5 round 3: ψ_c under the nonce committed in V_c, consumed here.
        let proof = nonce.prove(
            &secret,
            &own_share,
            &mut proof_transcript(&ctx, Role::Client, &rid, &shares, &chain),
        );
        let out = ctx.seal(
            round::CLIENT_OPENING,
            &ClientOpeningMsg {
                rid: own_rid,
                public_share: own_share,
                opening,
                proof,
            },
        )?;
        Ok((
            ClientAwaitingServerProof {
                ctx,
                secret,
                shares,
                rid,
            },
            out,
        ))
    }
}

/// Client state after round 3, waiting for the server's proof (round 4).
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ClientAwaitingServerProof<C: Curve> {
    ctx: SessionContext,
    secret: SecretScalar<C>,
    shares: PublicShares<C>,
    #[serde(with = "tandem_curves::encoding::fixed")]
    rid: [u8; 32],
}

impl<C: Curve> ClientAwaitingServerProof<C> {
    /// Client output: verifies the server's proof of knowledge of `x_s` and returns the
    /// client's key share.
    ///
    /// # Errors
    /// [`Check::SchnorrProof`] naming the server if its proof does not verify.
    pub fn receive(self, bytes: &[u8]) -> Result<KeyShare<C>, Error> {
        let msg: ServerProofMsg<C> = self.ctx.open(round::SERVER_PROOF, bytes)?;
        let chain = chain_code(&self.ctx, &self.rid, &self.shares, &self.secret);
        // CGGMP21 Fig. 5, output step: verify ψ_s for X_s under (ssid, server, rid), and the
        // chain code (key confirmation).
        msg.proof
            .verify(
                &self.shares.server,
                &mut proof_transcript(&self.ctx, Role::Server, &self.rid, &self.shares, &chain),
            )
            .map_err(|_| misbehaved(Role::Server, Check::SchnorrProof))?;
        KeyShare::new(Role::Client, self.secret.duplicate(), self.shares, chain)
            .map_err(Error::Storage)
    }
}

impl<C: Curve> SessionState for ClientAwaitingServerProof<C> {
    const PROTOCOL: ProtocolId = ProtocolId::Keygen;
    const ROLE: Role = Role::Client;
    const AWAITING_ROUND: u8 = round::SERVER_PROOF;

    fn context(&self) -> &SessionContext {
        &self.ctx
    }

    fn validate(&self) -> Result<(), DecodeError> {
        if self.secret.public_point() != self.shares.client
            || self.shares.public_key().is_identity()
        {
            return Err(DecodeError::Inconsistent);
        }
        Ok(())
    }
}

/// Server, round 2: receives the client's commitment (the session id is taken from it) and
/// answers with its own contribution.
///
/// # Errors
/// [`Error::Malformed`] / [`Error::Refused`] if the message is not a keygen round 1 from the
/// client for curve `C`.
pub fn server_respond<C: Curve, R: CryptoRng + ?Sized>(
    bytes: &[u8],
    rng: &mut R,
) -> Result<(ServerAwaitingOpening<C>, Vec<u8>), Error> {
    let session = crate::message::client_session(bytes)?;
    let ctx = context::<C>(session, Role::Server);
    let msg: CommitMsg = ctx.open(round::COMMIT, bytes)?;
    let secret = SecretScalar::<C>::random_nonzero(rng);
    let public_share = secret.public_point();
    let mut rid = [0u8; 32];
    rng.fill_bytes(&mut rid);
    let out = ctx.seal(round::SERVER_SHARE, &ServerShareMsg { rid, public_share })?;
    Ok((
        ServerAwaitingOpening {
            ctx,
            commitment: msg.commitment,
            secret,
            rid,
        },
        out,
    ))
}

/// Server state after round 2, waiting for the client's opening (round 3).
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ServerAwaitingOpening<C: Curve> {
    ctx: SessionContext,
    commitment: Commitment,
    secret: SecretScalar<C>,
    #[serde(with = "tandem_curves::encoding::fixed")]
    rid: [u8; 32],
}

impl<C: Curve> ServerAwaitingOpening<C> {
    /// Server output: checks the opening and the client's proof, returns the server's key
    /// share and the round 4 message with the server's proof.
    ///
    /// # Errors
    /// [`Check::CommitmentOpening`], [`Check::EchoedValue`], [`Check::SchnorrProof`] naming the
    /// client, or a refused / malformed message.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(KeyShare<C>, Vec<u8>), Error> {
        let ctx = self.ctx;
        let msg: ClientOpeningMsg<C> = ctx.open(round::CLIENT_OPENING, bytes)?;
        // CGGMP21 Fig. 5, round 3: the opening must match V_c.
        self.commitment
            .verify(
                commitment_transcript(&ctx, &msg.rid, &msg.public_share, &msg.proof.commitment),
                &msg.opening,
            )
            .map_err(|_| misbehaved(Role::Client, Check::CommitmentOpening))?;
        let own_share = self.secret.public_point();
        if msg.public_share == own_share {
            return Err(misbehaved(Role::Client, Check::EchoedValue));
        }
        let shares = PublicShares {
            client: msg.public_share,
            server: own_share,
        };
        if shares.public_key().is_identity() {
            return Err(misbehaved(Role::Client, Check::DegenerateResult));
        }
        let rid = xor(&msg.rid, &self.rid);
        let chain = chain_code(&ctx, &rid, &shares, &self.secret);
        // CGGMP21 Fig. 5, output step: verify ψ_c for X_c under (ssid, client, rid), and the
        // chain code (key confirmation).
        msg.proof
            .verify(
                &shares.client,
                &mut proof_transcript(&ctx, Role::Client, &rid, &shares, &chain),
            )
            .map_err(|_| misbehaved(Role::Client, Check::SchnorrProof))?;
        let proof = SchnorrNonce::<C>::new(rng).prove(
            &self.secret,
            &own_share,
            &mut proof_transcript(&ctx, Role::Server, &rid, &shares, &chain),
        );
        let out = ctx.seal(round::SERVER_PROOF, &ServerProofMsg { proof })?;
        let share = KeyShare::new(Role::Server, self.secret.duplicate(), shares, chain)
            .map_err(Error::Storage)?;
        Ok((share, out))
    }
}

impl<C: Curve> SessionState for ServerAwaitingOpening<C> {
    const PROTOCOL: ProtocolId = ProtocolId::Keygen;
    const ROLE: Role = Role::Server;
    const AWAITING_ROUND: u8 = round::CLIENT_OPENING;

    fn context(&self) -> &SessionContext {
        &self.ctx
    }

    fn validate(&self) -> Result<(), DecodeError> {
        if bool::from(self.secret.is_zero()) {
            return Err(DecodeError::Inconsistent);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use tandem_curves::{Curve, Point, SecretScalar};

    use super::{ClientAwaitingServerProof, ServerAwaitingOpening, client_start, server_respond};
    use crate::error::DecodeError;
    use crate::message::{Role, SessionId};
    use crate::stored::SessionState;

    type C = tandem_curves::Secp256k1;

    fn rng(seed: u64) -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(seed)
    }

    /// The saved state `saved` restored, edited by `f` and saved again (saving does not
    /// validate), then restored: the refusal.
    fn restore_edited<S: SessionState>(
        saved: &[u8],
        f: impl FnOnce(&mut S),
    ) -> Option<DecodeError> {
        let mut state = S::restore(C::ID, saved).unwrap();
        f(&mut state);
        let edited = state.save().unwrap();
        S::restore(C::ID, &edited).err()
    }

    #[test]
    fn restored_keygen_states_are_checked() {
        // The two saveable keygen states; the client's state after round 1 is not saveable
        // (its Schnorr nonce is committed in V_c, CGGMP21 Fig. 5 round 1) and stays in memory.
        let (client, m1) = client_start::<C, _>(SessionId([4; 32]), &mut rng(11)).unwrap();
        let (server, m2) = server_respond::<C, _>(&m1, &mut rng(12)).unwrap();
        let saved_s = server.save().unwrap();
        let inconsistent = Some(DecodeError::Inconsistent);
        assert_eq!(
            restore_edited::<ServerAwaitingOpening<C>>(&saved_s, |_| {}),
            None
        );
        // Server after round 2: a zero secret.
        assert_eq!(
            restore_edited::<ServerAwaitingOpening<C>>(&saved_s, |s| {
                s.secret = SecretScalar::new(C::scalar_zero());
            }),
            inconsistent
        );

        // Client after round 3.
        let (client, _) = client.receive(&m2).unwrap();
        let saved_c = client.save().unwrap();
        let edited = |f: fn(&mut ClientAwaitingServerProof<C>)| restore_edited(&saved_c, f);
        assert_eq!(edited(|_| {}), None);
        // The context inside says server while the header says client.
        assert_eq!(edited(|c| c.ctx.me = Role::Server), inconsistent);
        // A secret that is not the client's public share.
        assert_eq!(
            edited(|c| c.shares.client = c.shares.client + Point::generator()),
            inconsistent
        );
        // A joint key that is the identity.
        assert_eq!(edited(|c| c.shares.server = -c.shares.client), inconsistent);
    }
}
