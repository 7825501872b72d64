//! Resharing, the server's half (`tandem_protocol::reshare`, four messages per curve), for
//! backup (`backup.rs`), recover and refresh. Recover and refresh (seven client messages):
//!
//! | step | client message | server state saved after it |
//! |---|---|---|
//! | 0 | secp256k1 resharing 1 | `reshare::ServerAwaitingOpening<O, Secp256k1>` |
//! | 1 | secp256k1 resharing 3 | – (the new key-generation share carried) |
//! | 2–4 | aux info 1, 3, 5 (`aux.rs`) | – (the complete ECDSA share carried) |
//! | 5 | Ed25519 resharing 1 | `reshare::ServerAwaitingOpening<O, Ed25519>` |
//! | 6 | Ed25519 resharing 3 | finished: the new pair stored pending the client's confirmation |
//!
//! The server's source: the custodian backup shares (recover: the provider's database or the
//! organization's webhook) or its current signing shares (refresh). The current pair keeps
//! signing until the client confirms the new one.

use rand_core::UnwrapErr;
use tandem_client::api::Operation as Op;
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::KeyShare;
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::reshare::{self as rs, Operation, Recover, Refresh};
use tandem_protocol::stored::SessionState;

use crate::error::{Failure, Result, protocol, protocol_step};
use crate::session::{Finished, Next, Outcome, Saved};
use crate::state::App;
use crate::{aux, backup, wallet};

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

/// Message 1 of a resharing: the server's message 2 out, its state saved.
pub(crate) fn respond<O: Operation, C: Curve>(
    source: &O::Source<C>,
    saved: &Saved,
    msg: &[u8],
) -> Result<Outcome> {
    let (state, reply) =
        rs::server_respond::<O, C, _>(source, msg, &mut rng()).map_err(protocol)?;
    let state = state.save().map_err(Failure::internal)?;
    Ok(Outcome {
        reply,
        next: Next::Continue(saved.next(state.to_vec(), None)),
    })
}

/// Message 3 of a resharing: the server's new share and message 4.
pub(crate) fn finish<O: Operation, C: Curve>(
    source: &O::Source<C>,
    saved: &Saved,
    msg: &[u8],
) -> Result<(O::Target<C>, Vec<u8>)> {
    let state = rs::ServerAwaitingOpening::<O, C>::restore(C::ID, &saved.state)
        .map_err(Failure::internal)?;
    state
        .receive(source, msg, &mut rng())
        .map_err(protocol_step)
}

/// The server's source shares on both curves.
enum Sources {
    Recover(
        Box<tandem_protocol::BackupShare<Secp256k1>>,
        Box<tandem_protocol::BackupShare<Ed25519>>,
    ),
    Refresh(
        std::sync::Arc<EcdsaKeyShare>,
        std::sync::Arc<KeyShare<Ed25519>>,
    ),
}

async fn sources(app: &App, client_id: &str, operation: Op) -> Result<Sources> {
    match operation {
        Op::Recover => {
            let w = backup::require_backup(app, client_id).await?;
            let (secp, ed) = backup::custodian_shares(app, client_id, &w).await?;
            Ok(Sources::Recover(Box::new(secp), Box::new(ed)))
        }
        _ => {
            let w = wallet::signable(app, client_id).await?;
            let secp = wallet::secp256k1_share(app, client_id, &w)?;
            let ed = wallet::ed25519_share(app, client_id, &w)?;
            Ok(Sources::Refresh(secp, ed))
        }
    }
}

fn carry<C: Curve>(saved: &Saved, share: &KeyShare<C>, reply: Vec<u8>) -> Result<Outcome> {
    let bytes = share.to_bytes().map_err(Failure::internal)?;
    Ok(Outcome {
        reply,
        next: Next::Continue(saved.next(Vec::new(), Some(bytes.to_vec()))),
    })
}

/// One step of recover or refresh (see the module docs).
pub(crate) async fn step(
    app: &App,
    client_id: &str,
    operation: Op,
    step: i64,
    saved: Saved,
    msg: Vec<u8>,
) -> Result<Outcome> {
    match step {
        0 | 1 | 5 | 6 => {
            let sources = sources(app, client_id, operation).await?;
            app.compute(move || curve_step(sources, step, &saved, &msg))
                .await?
        }
        2 => aux::start(app, saved, 0, msg).await,
        3 => aux::opening(app, saved, msg).await,
        4 => {
            let full = aux::proofs(app, &saved, msg).await?;
            let bytes = full.to_bytes().map_err(Failure::internal)?;
            Ok(Outcome {
                reply: Vec::new(),
                next: Next::Continue(saved.next(Vec::new(), Some(bytes.to_vec()))),
            })
        }
        _ => Err(Failure::internal(format!(
            "recover/refresh: no step {step}"
        ))),
    }
}

fn curve_step(sources: Sources, step: i64, saved: &Saved, msg: &[u8]) -> Result<Outcome> {
    match (sources, step) {
        (Sources::Recover(secp, _), 0) => respond::<Recover, Secp256k1>(&secp, saved, msg),
        (Sources::Refresh(secp, _), 0) => respond::<Refresh, Secp256k1>(secp.core(), saved, msg),
        (Sources::Recover(_, ed), 5) => respond::<Recover, Ed25519>(&ed, saved, msg),
        (Sources::Refresh(_, ed), 5) => respond::<Refresh, Ed25519>(&ed, saved, msg),
        (Sources::Recover(secp, _), 1) => {
            let (core, reply) = finish::<Recover, Secp256k1>(&secp, saved, msg)?;
            carry(saved, &core, reply)
        }
        (Sources::Refresh(secp, _), 1) => {
            let (core, reply) = finish::<Refresh, Secp256k1>(secp.core(), saved, msg)?;
            carry(saved, &core, reply)
        }
        (sources, 6) => {
            let (ed, reply) = match sources {
                Sources::Recover(_, ed) => finish::<Recover, Ed25519>(&ed, saved, msg)?,
                Sources::Refresh(_, ed) => finish::<Refresh, Ed25519>(&ed, saved, msg)?,
            };
            let secp_bytes = saved
                .carried
                .get(1)
                .ok_or_else(|| Failure::internal("recover/refresh: no ECDSA share carried"))?;
            let secp = EcdsaKeyShare::from_bytes(secp_bytes).map_err(Failure::internal)?;
            Ok(Outcome {
                reply,
                next: Next::Finish(Finished::Reshared(Box::new((secp, ed)))),
            })
        }
        _ => Err(Failure::internal("recover/refresh: step without a curve")),
    }
}
