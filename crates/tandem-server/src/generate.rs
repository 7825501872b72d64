//! Generate, the server's half: key generation on secp256k1 (messages 1–4), on Ed25519
//! (messages 1–4), then the secp256k1 auxiliary information (messages 1, 3, 5; `aux.rs`)
//! with a Paillier key from the pool. Seven client messages, one step each:
//!
//! | step | client message | server state saved after it |
//! |---|---|---|
//! | 0 | secp256k1 keygen 1 (`V_c`) | `keygen::ServerAwaitingOpening<Secp256k1>` |
//! | 1 | secp256k1 keygen 3 (opening, proof) | – (its share carried) |
//! | 2 | Ed25519 keygen 1 | `keygen::ServerAwaitingOpening<Ed25519>` |
//! | 3 | Ed25519 keygen 3 | – (its share carried) |
//! | 4 | aux info 1 | `aux_info::ServerAwaitingOpening` |
//! | 5 | aux info 3 | `aux_info::ServerAwaitingProofs` |
//! | 6 | aux info 5 | finished: the pair stored pending (`STORED_DATABASE`) |

use rand_core::UnwrapErr;
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::KeyShare;
use tandem_protocol::keygen;
use tandem_protocol::stored::SessionState;

use crate::aux;
use crate::error::{Failure, Result, protocol};
use crate::session::{Finished, Next, Outcome, Saved};
use crate::state::App;

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

/// Key generation, message 1 in: the server's share message out, its state saved.
fn keygen_respond<C: Curve>(saved: &Saved, msg: &[u8]) -> Result<Outcome> {
    let (state, reply) = keygen::server_respond::<C, _>(msg, &mut rng()).map_err(protocol)?;
    let state = state.save().map_err(Failure::internal)?;
    Ok(Outcome {
        reply,
        next: Next::Continue(saved.next(state.to_vec(), None)),
    })
}

/// Key generation, message 3 in: the server's proof out, its share carried on.
fn keygen_finish<C: Curve>(saved: &Saved, msg: &[u8]) -> Result<Outcome> {
    let state = keygen::ServerAwaitingOpening::<C>::restore(C::ID, &saved.state)
        .map_err(Failure::internal)?;
    let (share, reply) = state.receive(msg, &mut rng()).map_err(protocol)?;
    let share = share.to_bytes().map_err(Failure::internal)?;
    Ok(Outcome {
        reply,
        next: Next::Continue(saved.next(Vec::new(), Some(share.to_vec()))),
    })
}

/// One step of generate (see the module docs).
pub(crate) async fn step(app: &App, step: i64, saved: Saved, msg: Vec<u8>) -> Result<Outcome> {
    match step {
        0 => {
            app.compute(move || keygen_respond::<Secp256k1>(&saved, &msg))
                .await?
        }
        1 => {
            app.compute(move || keygen_finish::<Secp256k1>(&saved, &msg))
                .await?
        }
        2 => {
            app.compute(move || keygen_respond::<Ed25519>(&saved, &msg))
                .await?
        }
        3 => {
            app.compute(move || keygen_finish::<Ed25519>(&saved, &msg))
                .await?
        }
        4 => aux::start(app, saved, 0, msg).await,
        5 => aux::opening(app, saved, msg).await,
        6 => {
            let secp = aux::proofs(app, &saved, msg).await?;
            let ed_bytes = saved
                .carried
                .get(1)
                .ok_or_else(|| Failure::internal("generate: no Ed25519 share carried"))?;
            let ed = KeyShare::<Ed25519>::from_bytes(ed_bytes).map_err(Failure::internal)?;
            Ok(Outcome {
                reply: Vec::new(),
                next: Next::Finish(Finished::Generated(Box::new((secp, ed)))),
            })
        }
        _ => Err(Failure::internal(format!("generate: no step {step}"))),
    }
}
