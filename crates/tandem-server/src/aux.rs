//! The secp256k1 auxiliary information (CGGMP24 Fig. 7), the server's three steps, shared by
//! generate, recover and refresh: client messages 1, 3 and 5.
//!
//! | step | client message | server state saved after it |
//! |---|---|---|
//! | start | 1 (`V_c`) | `aux_info::ServerAwaitingOpening` (with a Paillier key from the pool) |
//! | opening | 3 (reveal, Πprm) | `aux_info::ServerAwaitingProofs` |
//! | proofs | 5 (Πmod, Πfac) | – (the complete ECDSA share is the output) |

use rand_core::UnwrapErr;
use tandem_curves::{Curve, Secp256k1};
use tandem_protocol::KeyShare;
use tandem_protocol::ecdsa::{EcdsaKeyShare, aux_info};
use tandem_protocol::stored::SessionState;

use crate::error::{Failure, Result, protocol};
use crate::paillier;
use crate::session::{Next, Outcome, Saved};
use crate::state::App;

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

/// Message 1 with the key-generation (or reshared) share `core`, carried at `index`.
pub(crate) async fn start(app: &App, saved: Saved, index: usize, msg: Vec<u8>) -> Result<Outcome> {
    let key = paillier::take(app).await?;
    app.compute(move || {
        let core_bytes = saved
            .carried
            .get(index)
            .ok_or_else(|| Failure::internal("aux info: no secp256k1 share carried"))?;
        let core = KeyShare::<Secp256k1>::from_bytes(core_bytes).map_err(Failure::internal)?;
        let (state, reply) =
            aux_info::server_respond(core, key, &msg, &mut rng()).map_err(protocol)?;
        let state = state.save().map_err(Failure::internal)?;
        Ok(Outcome {
            reply,
            next: Next::Continue(saved.next(state.to_vec(), None)),
        })
    })
    .await?
}

/// Message 3.
pub(crate) async fn opening(app: &App, saved: Saved, msg: Vec<u8>) -> Result<Outcome> {
    app.compute(move || {
        let state = aux_info::ServerAwaitingOpening::restore(Secp256k1::ID, &saved.state)
            .map_err(Failure::internal)?;
        let (state, reply) = state.receive(&msg, &mut rng()).map_err(protocol)?;
        let state = state.save().map_err(Failure::internal)?;
        Ok(Outcome {
            reply,
            next: Next::Continue(saved.next(state.to_vec(), None)),
        })
    })
    .await?
}

/// Message 5: the server's complete ECDSA share.
pub(crate) async fn proofs(app: &App, saved: &Saved, msg: Vec<u8>) -> Result<EcdsaKeyShare> {
    let state = saved.state.clone();
    app.compute(move || {
        let state = aux_info::ServerAwaitingProofs::restore(Secp256k1::ID, &state)
            .map_err(Failure::internal)?;
        state.receive(&msg).map_err(protocol)
    })
    .await?
}
