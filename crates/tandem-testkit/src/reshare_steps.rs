//! The four resharing messages of the malicious-peer harnesses (`malicious_peer.rs`,
//! `malicious_peer_ecdsa.rs` of `tandem-backup`), each past the harness's tap.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::Curve;
use tandem_protocol::reshare;
use tandem_protocol::reshare::Operation;
use tandem_protocol::{Error, Role, SessionId};

use crate::mutate::{Run, TapFn};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Each party's target, `(client's, server's)`, if that party got that far.
pub type Targets<O, C> = (
    Option<<O as Operation>::Target<C>>,
    Option<<O as Operation>::Target<C>>,
);

/// Runs operation `O` on curve `C` from `client`'s and `server`'s source shares with the
/// RNGs of `seed` (the same seed gives the same messages); the first error goes into `run`.
/// Returns `(client's target, server's target)`, each if that party got that far (the server
/// outputs after message 3, the client after message 4).
pub fn reshare_steps<O: Operation, C: Curve, Out>(
    client: &O::Source<C>,
    server: &O::Source<C>,
    seed: u64,
    run: &mut Run<Out>,
    tap: &mut TapFn<'_>,
) -> Targets<O, C> {
    let (mut cr, mut sr) = (rng(seed), rng(seed + 1));
    let by = |who: Role| move |e: Error| (who, e);
    let mut first = || {
        let session = SessionId::random(&mut cr);
        let (cs, mut m1) =
            reshare::client_start::<O, C, _>(client, session, &mut cr).map_err(by(Role::Client))?;
        tap(Role::Client, 1, &mut m1);
        let (ss, mut m2) =
            reshare::server_respond::<O, C, _>(server, &m1, &mut sr).map_err(by(Role::Server))?;
        tap(Role::Server, 2, &mut m2);
        let (cs, mut m3) = cs.receive(client, &m2, &mut cr).map_err(by(Role::Client))?;
        tap(Role::Client, 3, &mut m3);
        let (target, mut m4) = ss.receive(server, &m3, &mut sr).map_err(by(Role::Server))?;
        tap(Role::Server, 4, &mut m4);
        Ok((cs, target, m4))
    };
    let (cs, server_target, m4) = match first() {
        Ok(v) => v,
        Err(e) => {
            run.err = Some(e);
            return (None, None);
        }
    };
    match cs.receive(&m4) {
        Ok(client_target) => (Some(client_target), Some(server_target)),
        Err(e) => {
            run.err = Some((Role::Client, e));
            (None, Some(server_target))
        }
    }
}
