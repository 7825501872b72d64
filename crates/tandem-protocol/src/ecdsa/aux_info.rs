//! Auxiliary information: each party's Paillier key and ring-Pedersen parameters, proved to
//! the other (CGGMP24 Fig. 7, auxiliary part; CGGMP21 Fig. 6), specialised to two parties with
//! the client first.
//!
//! | round | from   | payload | checks by the receiver |
//! |-------|--------|---------|------------------------|
//! | 1 | client | sharing id, `V_c = H(ssid, client, N_c, s_c, t_c, ψ̂_c, ρ_c, u_c)` | sharing id is ours |
//! | 2 | server | `N_s, s_s, t_s`, `ψ̂_s` = Πprm, `ρ_s` | `N_s` 3072 bits, odd, `≠ N_c`; `(s, t)` units, distinct, not ±1, on `N_s`; then (before the client's Πfac) Πprm |
//! | 3 | client | opening of `V_c` | opening; the round-2 checks on the client's values, Πprm included |
//! | 4 | server | `ψ_s` = Πmod(`N_s`), `ψ'_s` = Πfac(`N_s`) under the client's parameters | Πmod; Πfac with our trapdoor |
//! | 5 | client | `ψ_c` = Πmod(`N_c`), `ψ'_c` = Πfac(`N_c`) under the server's parameters | Πmod; Πfac with our trapdoor |
//!
//! `ρ = ρ_c XOR ρ_s` binds Πmod and Πfac (CGGMP24 Fig. 7, round 3); Πprm is made before `ρ`
//! exists (the client's inside `V_c`, the server's after it has seen `V_c`). Each party verifies the other's Πprm *before* it makes its
//! own Πfac with the other's parameters. The ring-Pedersen parameters live on the party's
//! Paillier modulus (as in CGGMP21 Fig. 6), so Πmod and Πfac also cover that modulus.
//!
//! Rounds 4 and 5 are the two halves of the paper's round 3, which both parties send at once:
//! once the client has opened (round 3), each party knows `ρ` and the other's parameters, and
//! the two make their proofs at the same time. The client sends its opening as soon as the
//! server's round 2 passes the cheap checks ([`ClientAwaitingReveal::receive`]), then verifies
//! the server's Πprm and proves ([`ClientOpened::prove`], round 5) while the server does the
//! same (round 4); on two machines the proving takes the time of one party's, not of both in
//! turn. Neither party's proofs depend on the other's: the paper's adversary may already
//! see the honest party's round-3 proofs before sending its own (rushing), and an honest
//! party sends its proofs before it has checked the other's. Each party outputs its key share
//! once the other's proofs verify (the client on round 4, the server on round 5).
//!
//! For a deployment on two machines:
//! - A client that holds its share does not know that the server accepted round 5. Store the
//!   new share as the current one only after the server confirms (for a refresh or recovery,
//!   keep the old share until then), as for resharing.
//! - Rounds 4 and 5 cross on the wire. Process each session's messages in round order: a
//!   round 5 that reaches a server still working on round 3 (or whose state is not yet saved)
//!   waits in a queue keyed by the header's session and round; given to the wrong state it is
//!   refused (`WrongRound`) and the session is lost. The client likewise keeps round 4 until
//!   [`ClientOpened::prove`] returns.
//! - The server now proves (Πmod and Πfac, about 55 exponentiations at 3072 bits) after the
//!   client has spent only a Πprm and a commitment; rate-limit aux-info sessions per client.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Commitment, Opening, Secp256k1, Transcript};
use tandem_paillier::bigint::{self, U3072};
use tandem_paillier::paillier::{PublicKey, SecretKey};
use tandem_paillier::proofs::factor::{self, FacProof};
use tandem_paillier::proofs::modulus::{self, ModProof};
use tandem_paillier::proofs::prm::{self, PrmProof};
use tandem_paillier::ring_pedersen::{self, Params, ParamsWire};
use zeroize::Zeroizing;

use super::key_share::{EcdsaKeyShare, OwnAux, PeerAux};
use crate::error::{Check, DecodeError, Error, Refusal, misbehaved};
use crate::key_share::KeyShare;
use crate::message::{ProtocolId, Role, SessionContext, SessionId, xor};
use crate::stored::SessionState;

/// Round numbers.
pub mod round {
    /// Client's commitment.
    pub const COMMIT: u8 = 1;
    /// Server's parameters and Πprm.
    pub const SERVER_REVEAL: u8 = 2;
    /// Client's opening.
    pub const CLIENT_OPENING: u8 = 3;
    /// Server's Πmod and Πfac.
    pub const SERVER_PROOFS: u8 = 4;
    /// Client's Πmod and Πfac.
    pub const CLIENT_PROOFS: u8 = 5;
}

/// Round 1 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitMsg {
    /// The sharing these parameters are for.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub sharing_id: [u8; 32],
    /// `V_c`.
    pub commitment: Commitment,
}

/// A party's public auxiliary data with its Πprm and its share of `ρ`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealMsg {
    /// `N` (Paillier and ring-Pedersen modulus).
    #[serde(with = "bigint::serde_uint")]
    pub n: U3072,
    /// `(N, s, t)`.
    pub ring_pedersen: ParamsWire,
    /// `ψ̂` = Πprm.
    pub prm: PrmProof,
    /// `ρ_i`.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub rho: [u8; 32],
}

/// Round 3 payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningMsg {
    /// The client's revealed values.
    pub reveal: RevealMsg,
    /// `u_c`.
    pub opening: Opening,
}

/// Round 4 (server) and round 5 (client) payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofsMsg {
    /// Πmod for the sender's `N`.
    pub modulus: ModProof,
    /// Πfac for the sender's `N`, under the receiver's ring-Pedersen parameters.
    pub factor: FacProof,
}

fn context(session: SessionId, me: Role) -> SessionContext {
    SessionContext {
        protocol: ProtocolId::AuxInfo,
        curve: tandem_curves::CurveId::Secp256k1,
        session,
        me,
    }
}

/// Transcript of a proof by `prover`; `rho` once it exists.
fn proof_ctx(
    ctx: &SessionContext,
    sharing_id: &[u8; 32],
    prover: Role,
    rho: Option<&[u8; 32]>,
) -> Transcript {
    let mut t = ctx.transcript("tandem/aux-info/proof/v1");
    t.append("sharing-id", sharing_id);
    t.append("prover", prover.name().as_bytes());
    if let Some(rho) = rho {
        t.append("rho", rho);
    }
    t
}

fn commitment_transcript(
    ctx: &SessionContext,
    sharing_id: &[u8; 32],
    reveal: &RevealMsg,
) -> Result<Transcript, Error> {
    let mut t = ctx.transcript("tandem/aux-info/commitment/v1");
    t.append("sharing-id", sharing_id);
    t.append("committer", Role::Client.name().as_bytes());
    // The whole revealed message, in its canonical encoding.
    let bytes = crate::codec::encode(reveal).map_err(|_| Error::Internal("encode aux reveal"))?;
    t.append("reveal", &bytes);
    Ok(t)
}

/// Generates ring-Pedersen parameters on our Paillier modulus and proves them (Πprm).
fn prepare<R: CryptoRng + ?Sized>(
    ctx: &SessionContext,
    sharing_id: &[u8; 32],
    paillier: SecretKey,
    rng: &mut R,
) -> Result<(OwnAux, RevealMsg), Error> {
    let (rp, trapdoor) = ring_pedersen::generate(&paillier, rng)
        .map_err(|_| Error::Misuse(crate::Misuse::Degenerate))?;
    let proof = prm::prove(
        &rp,
        &trapdoor,
        &paillier,
        &proof_ctx(ctx, sharing_id, ctx.me, None),
        rng,
    );
    let mut rho = [0u8; 32];
    rng.fill_bytes(&mut rho);
    let reveal = RevealMsg {
        n: *paillier.public().n().as_ref(),
        ring_pedersen: rp.to_wire(),
        prm: proof,
        rho,
    };
    let own = OwnAux::new(paillier, rp, trapdoor).map_err(Error::Storage)?;
    Ok((own, reveal))
}

/// The checks on the peer's revealed parameters (table above, round 2), then Πprm.
fn accept_peer(
    ctx: &SessionContext,
    sharing_id: &[u8; 32],
    own: &OwnAux,
    reveal: &RevealMsg,
) -> Result<PeerAux, Error> {
    let peer = check_peer_parameters(ctx, own, reveal)?;
    // CGGMP24 Fig. 7 round 3 / Fig. 13: s ∈ ⟨t⟩.
    reveal
        .prm
        .verify(&peer.rp, &proof_ctx(ctx, sharing_id, ctx.peer(), None))
        .map_err(|e| misbehaved(ctx.peer(), Check::Proof(e)))?;
    Ok(peer)
}

/// The checks of [`accept_peer`] before Πprm: sizes, units, distinct moduli. Not yet usable
/// as a verifier's parameters.
fn check_peer_parameters(
    ctx: &SessionContext,
    own: &OwnAux,
    reveal: &RevealMsg,
) -> Result<PeerAux, Error> {
    let peer = ctx.peer();
    let aux = |what| misbehaved(peer, Check::AuxParameters(what));
    let paillier = PublicKey::from_modulus(reveal.n)
        .map_err(|_| aux("Paillier modulus must have exactly 3072 bits and be odd"))?;
    if paillier == *own.paillier().public() {
        return Err(aux("peer's modulus equals ours"));
    }
    let rp = Params::from_wire(&reveal.ring_pedersen)
        .map_err(|_| aux("ring-Pedersen s, t must be distinct units other than 1 and N-1"))?;
    if rp.n() != paillier.n() {
        return Err(aux(
            "ring-Pedersen modulus differs from the Paillier modulus",
        ));
    }
    Ok(PeerAux { paillier, rp })
}

/// Πmod and Πfac for our modulus, Πfac under the peer's parameters.
fn prove_modulus<R: CryptoRng + ?Sized>(
    ctx: &SessionContext,
    sharing_id: &[u8; 32],
    rho: &[u8; 32],
    own: &OwnAux,
    peer: &PeerAux,
    rng: &mut R,
) -> Result<(ModProof, FacProof), Error> {
    let t = proof_ctx(ctx, sharing_id, ctx.me, Some(rho));
    // Hedged nonces (`crate::hedge`): this runs after a restorable state (the client's
    // `ClientAwaitingReveal`, the server's `ServerAwaitingOpening`); a replayed RNG stream
    // under another peer message must not repeat Πfac's α (z1 = α + e·p) or Πmod's r.
    let mut hedge_context = t.clone();
    let peer_params = peer.ring_pedersen();
    for (label, value) in [
        ("hedge/peer-paillier-n", peer.paillier().n().get()),
        ("hedge/peer-rp-n", peer_params.n().get()),
        ("hedge/peer-rp-s", *peer_params.s()),
        ("hedge/peer-rp-t", *peer_params.t()),
    ] {
        hedge_context.append(label, value.to_be_bytes().as_ref());
    }
    let key = own.paillier();
    let mut secret = Zeroizing::new(Vec::with_capacity(2 * 192));
    secret.extend_from_slice(Zeroizing::new(key.p().to_be_bytes()).as_ref());
    secret.extend_from_slice(Zeroizing::new(key.q().to_be_bytes()).as_ref());
    let mut rng = crate::hedge::rng(rng, &secret, hedge_context);
    let modulus = modulus::prove(key, &t, &mut rng);
    let factor = factor::prove(key, peer_params, &t, &mut rng)
        .map_err(|_| Error::Internal("Πfac prover"))?;
    Ok((modulus, factor))
}

/// Either party after sending its proofs (the client's state after round 5, the server's
/// after round 4): it only verifies the peer's.
#[derive(Serialize, Deserialize)]
struct AwaitingProofs {
    ctx: SessionContext,
    core: KeyShare<Secp256k1>,
    own: OwnAux,
    peer: PeerAux,
    #[serde(with = "tandem_curves::encoding::fixed")]
    rho: [u8; 32],
}

impl AwaitingProofs {
    /// Either party's output: the peer's Πmod and Πfac (message `round`) verified, the key
    /// share assembled.
    fn receive(self, round: u8, bytes: &[u8]) -> Result<EcdsaKeyShare, Error> {
        let msg: ProofsMsg = self.ctx.open(round, bytes)?;
        let sharing_id = self.core.sharing_id();
        verify_modulus(
            &self.ctx,
            &sharing_id,
            &self.rho,
            &self.own,
            &self.peer,
            &msg.modulus,
            &msg.factor,
        )?;
        EcdsaKeyShare::new(self.core, self.own, self.peer).map_err(Error::Storage)
    }
}

fn verify_modulus(
    ctx: &SessionContext,
    sharing_id: &[u8; 32],
    rho: &[u8; 32],
    own: &OwnAux,
    peer: &PeerAux,
    modulus: &ModProof,
    factor: &FacProof,
) -> Result<(), Error> {
    let who = ctx.peer();
    let t = proof_ctx(ctx, sharing_id, who, Some(rho));
    // CGGMP24 Fig. 7 output step: Πmod then Πfac (with our own ring-Pedersen parameters).
    modulus
        .verify(peer.paillier(), &t)
        .map_err(|e| misbehaved(who, Check::Proof(e)))?;
    factor
        .verify(peer.paillier(), &own.verifier(), &t)
        .map_err(|e| misbehaved(who, Check::Proof(e)))
}

/// Client, round 1. `paillier` is a freshly generated key ([`super::generate_paillier_key`];
/// tests use the fixture primes).
///
/// # Errors
/// [`crate::Misuse::WrongRole`] for a server share.
pub fn client_start<R: CryptoRng + ?Sized>(
    core: KeyShare<Secp256k1>,
    paillier: SecretKey,
    session: SessionId,
    rng: &mut R,
) -> Result<(ClientAwaitingReveal, Vec<u8>), Error> {
    core.require_role(Role::Client)?;
    let ctx = context(session, Role::Client);
    let sharing_id = core.sharing_id();
    let (own, reveal) = prepare(&ctx, &sharing_id, paillier, rng)?;
    let (commitment, opening) =
        Commitment::commit(commitment_transcript(&ctx, &sharing_id, &reveal)?, rng);
    let msg = ctx.seal(
        round::COMMIT,
        &CommitMsg {
            sharing_id,
            commitment,
        },
    )?;
    Ok((
        ClientAwaitingReveal {
            ctx,
            core,
            own,
            reveal,
            opening,
        },
        msg,
    ))
}

/// Client after round 1.
#[derive(Serialize, Deserialize)]
pub struct ClientAwaitingReveal {
    ctx: SessionContext,
    core: KeyShare<Secp256k1>,
    own: OwnAux,
    reveal: RevealMsg,
    opening: Opening,
}

impl ClientAwaitingReveal {
    /// Client, round 3: checks the server's parameters (all but Πprm, which
    /// [`ClientOpened::prove`] verifies before it uses them) and opens its commitment. Send
    /// the message, then call [`ClientOpened::prove`] without waiting for the server.
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the server and the check; refused or malformed messages.
    pub fn receive(self, bytes: &[u8]) -> Result<(ClientOpened, Vec<u8>), Error> {
        let ctx = self.ctx;
        let msg: RevealMsg = ctx.open(round::SERVER_REVEAL, bytes)?;
        check_peer_parameters(&ctx, &self.own, &msg)?;
        let rho = xor(&self.reveal.rho, &msg.rho);
        let out = ctx.seal(
            round::CLIENT_OPENING,
            &OpeningMsg {
                reveal: self.reveal,
                opening: self.opening,
            },
        )?;
        Ok((
            ClientOpened {
                ctx,
                core: self.core,
                own: self.own,
                server: msg,
                rho,
            },
            out,
        ))
    }
}

/// Client after sending round 3, before its proofs: a step that waits for no message, so it
/// is not a saveable [`SessionState`] (if the client stops here, it starts a new session).
pub struct ClientOpened {
    ctx: SessionContext,
    core: KeyShare<Secp256k1>,
    own: OwnAux,
    server: RevealMsg,
    rho: [u8; 32],
}

impl ClientOpened {
    /// Client, round 5: verifies the server's Πprm, then proves Πmod and Πfac (the latter
    /// under the server's parameters). Runs while the server makes round 4.
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the server if its Πprm fails.
    pub fn prove<R: CryptoRng + ?Sized>(
        self,
        rng: &mut R,
    ) -> Result<(ClientAwaitingProofs, Vec<u8>), Error> {
        let ctx = self.ctx;
        let sharing_id = self.core.sharing_id();
        let peer = accept_peer(&ctx, &sharing_id, &self.own, &self.server)?;
        let (modulus, factor) = prove_modulus(&ctx, &sharing_id, &self.rho, &self.own, &peer, rng)?;
        let out = ctx.seal(round::CLIENT_PROOFS, &ProofsMsg { modulus, factor })?;
        Ok((
            ClientAwaitingProofs(AwaitingProofs {
                ctx,
                core: self.core,
                own: self.own,
                peer,
                rho: self.rho,
            }),
            out,
        ))
    }
}

/// Client after round 5.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientAwaitingProofs(AwaitingProofs);

impl ClientAwaitingProofs {
    /// Client output: verifies the server's Πmod and Πfac, returns the complete key share.
    ///
    /// # Errors
    /// [`Check::Proof`] naming the server.
    pub fn receive(self, bytes: &[u8]) -> Result<EcdsaKeyShare, Error> {
        self.0.receive(round::SERVER_PROOFS, bytes)
    }
}

/// Server, round 2: answers the client's commitment with its parameters and Πprm.
///
/// # Errors
/// [`Refusal::KeyShareMismatch`] if the client's sharing id is not ours; malformed or
/// refused messages; [`crate::Misuse::WrongRole`].
pub fn server_respond<R: CryptoRng + ?Sized>(
    core: KeyShare<Secp256k1>,
    paillier: SecretKey,
    bytes: &[u8],
    rng: &mut R,
) -> Result<(ServerAwaitingOpening, Vec<u8>), Error> {
    core.require_role(Role::Server)?;
    let session = crate::message::client_session(bytes)?;
    let ctx = context(session, Role::Server);
    let msg: CommitMsg = ctx.open(round::COMMIT, bytes)?;
    let sharing_id = core.sharing_id();
    if msg.sharing_id != sharing_id {
        return Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        });
    }
    let (own, reveal) = prepare(&ctx, &sharing_id, paillier, rng)?;
    let rho = reveal.rho;
    let out = ctx.seal(round::SERVER_REVEAL, &reveal)?;
    Ok((
        ServerAwaitingOpening {
            ctx,
            core,
            own,
            commitment: msg.commitment,
            rho,
        },
        out,
    ))
}

/// Server after round 2.
#[derive(Serialize, Deserialize)]
pub struct ServerAwaitingOpening {
    ctx: SessionContext,
    core: KeyShare<Secp256k1>,
    own: OwnAux,
    commitment: Commitment,
    #[serde(with = "tandem_curves::encoding::fixed")]
    rho: [u8; 32],
}

impl ServerAwaitingOpening {
    /// Server, round 4: checks the opening, the client's parameters and Πprm; then proves
    /// its own Πmod and Πfac (the client's arrive in round 5).
    ///
    /// # Errors
    /// [`Error::Misbehaved`] naming the client and the check.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(ServerAwaitingProofs, Vec<u8>), Error> {
        let ctx = self.ctx;
        let sharing_id = self.core.sharing_id();
        let msg: OpeningMsg = ctx.open(round::CLIENT_OPENING, bytes)?;
        // CGGMP24 Fig. 7 round 3: the opening matches V_c.
        self.commitment
            .verify(
                commitment_transcript(&ctx, &sharing_id, &msg.reveal)?,
                &msg.opening,
            )
            .map_err(|_| misbehaved(Role::Client, Check::CommitmentOpening))?;
        let peer = accept_peer(&ctx, &sharing_id, &self.own, &msg.reveal)?;
        let rho = xor(&msg.reveal.rho, &self.rho);
        let (modulus, factor) = prove_modulus(&ctx, &sharing_id, &rho, &self.own, &peer, rng)?;
        let out = ctx.seal(round::SERVER_PROOFS, &ProofsMsg { modulus, factor })?;
        Ok((
            ServerAwaitingProofs(AwaitingProofs {
                ctx,
                core: self.core,
                own: self.own,
                peer,
                rho,
            }),
            out,
        ))
    }
}

/// Server after round 4.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerAwaitingProofs(AwaitingProofs);

impl ServerAwaitingProofs {
    /// Server output: verifies the client's Πmod and Πfac, returns the complete key share.
    ///
    /// # Errors
    /// [`Check::Proof`] naming the client.
    pub fn receive(self, bytes: &[u8]) -> Result<EcdsaKeyShare, Error> {
        self.0.receive(round::CLIENT_PROOFS, bytes)
    }
}

/// The body of a saveable state's [`SessionState`] implementation (`$role`'s state waiting for
/// message `$round`; its fields, or those of the state it wraps). Each holds the key share
/// it started with, whose role [`SessionState::restore`] checks against the state's; every
/// other value is checked by its own decoder, and the peer's by the next step.
macro_rules! saveable {
    ($role:ident awaiting $round:ident $(, fields of .$inner:tt)?) => {
        const PROTOCOL: ProtocolId = ProtocolId::AuxInfo;
        const ROLE: Role = Role::$role;
        const AWAITING_ROUND: u8 = round::$round;
        fn context(&self) -> &SessionContext {
            &self$(.$inner)?.ctx
        }
        fn share_role(&self) -> Option<Role> {
            Some(self$(.$inner)?.core.role())
        }
        fn validate(&self) -> Result<(), DecodeError> {
            Ok(())
        }
    };
}

impl SessionState for ClientAwaitingReveal {
    saveable!(Client awaiting SERVER_REVEAL);
}

impl SessionState for ClientAwaitingProofs {
    saveable!(Client awaiting SERVER_PROOFS, fields of .0);
}

impl SessionState for ServerAwaitingOpening {
    saveable!(Server awaiting CLIENT_OPENING);
}

impl SessionState for ServerAwaitingProofs {
    saveable!(Server awaiting CLIENT_PROOFS, fields of .0);
}

#[cfg(test)]
mod tests;
