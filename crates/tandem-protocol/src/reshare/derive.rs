//! What both parties of a resharing derive from the messages: the commitment and
//! key-confirmation transcripts, the mask `r`, and the new pair.

use crate::message::SessionContext;
use crate::{Error, KeyShare, Misuse, PublicShares, Role};
use tandem_curves::{Curve, Point, SecretScalar, Transcript};
use zeroize::Zeroizing;

use super::Seed;

pub(super) fn commitment_transcript<C: Curve>(
    ctx: &SessionContext,
    source: &[u8; 32],
    seed: &Seed,
    ephemeral: &Point<C>,
) -> Transcript {
    let mut t = ctx.transcript("tandem/reshare/commitment/v1");
    t.append("committer", Role::Client.name().as_bytes());
    t.append("source", source);
    t.append("seed", &seed.0);
    t.append_point("ephemeral", ephemeral);
    t
}

/// Both parties' seeds and ephemeral public keys, and the Diffie–Hellman point.
pub(super) struct MaskInputs<'a, C: Curve> {
    pub(super) client_seed: &'a Seed,
    pub(super) server_seed: &'a Seed,
    pub(super) client_ephemeral: &'a Point<C>,
    pub(super) server_ephemeral: &'a Point<C>,
    pub(super) shared: Point<C>,
}

/// `r = H(ctx, source, P_c, P_s, σ_c, σ_s, E_c, E_s, K)`, wide reduction; refused if zero
/// (probability `2^-252`: a new run).
pub(super) fn mask<C: Curve>(
    ctx: &SessionContext,
    source: &PublicShares<C>,
    inputs: &MaskInputs<'_, C>,
) -> Result<SecretScalar<C>, Error> {
    let mut t = ctx.transcript("tandem/reshare/mask/v1");
    t.append("source", &source.sharing_id());
    t.append_point("client-share", &source.client);
    t.append_point("server-share", &source.server);
    t.append("client-seed", &inputs.client_seed.0);
    t.append("server-seed", &inputs.server_seed.0);
    t.append_point("client-ephemeral", inputs.client_ephemeral);
    t.append_point("server-ephemeral", inputs.server_ephemeral);
    t.append_point("shared", &inputs.shared);
    let mut wide = Zeroizing::new([0u8; 64]);
    t.challenge_bytes("mask", &mut wide[..]);
    let r = SecretScalar::<C>::from_wide_bytes(&wide);
    if bool::from(r.is_zero()) {
        return Err(Error::Misuse(Misuse::Degenerate));
    }
    Ok(r)
}

/// The new pair from the source pair and the mask: own new secret and both new public shares
/// `Q_c = P_c + r·G`, `Q_s = P_s − r·G`. Both parties compute both, so each can check the
/// peer's announced share against its own computation.
pub(super) fn reshare<C: Curve>(
    own: &KeyShare<C>,
    r: &SecretScalar<C>,
) -> Result<(SecretScalar<C>, PublicShares<C>), Error> {
    let source = own.public_shares();
    let delta = r.public_point();
    let target = PublicShares {
        client: source.client + delta,
        server: source.server - delta,
    };
    // CGGMP21 Fig. 6, output: new public shares must not be the identity (a zero share is
    // a known share); the key itself is unchanged by construction.
    if target.client.is_identity() || target.server.is_identity() {
        return Err(Error::Misuse(Misuse::Degenerate));
    }
    let secret = match own.role() {
        Role::Client => own.secret() + r,
        Role::Server => own.secret() - r,
    };
    Ok((secret, target))
}

/// Key confirmation: the proof of knowledge of party `prover`'s new share, bound to the
/// session, the source pair and both new public shares (CGGMP21 Fig. 6 round 3, Schnorr
/// proofs ψ, here on the new share).
pub(super) fn proof_transcript<C: Curve>(
    ctx: &SessionContext,
    prover: Role,
    source: &[u8; 32],
    target: &PublicShares<C>,
) -> Transcript {
    let mut t = ctx.transcript("tandem/reshare/confirm/v1");
    t.append("prover", prover.name().as_bytes());
    t.append("source", source);
    t.append_point("client-share", &target.client);
    t.append_point("server-share", &target.server);
    t
}
