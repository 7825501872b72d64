//! Generate, the server's half: key generation on secp256k1 (messages 1–4), on Ed25519
//! (messages 1–4), then the secp256k1 auxiliary information (messages 1, 3, 5) with a
//! Paillier key from the pool. Seven client messages, one step each:
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
use tandem_protocol::ecdsa::aux_info;
use tandem_protocol::keygen;
use tandem_protocol::stored::SessionState;

use crate::error::{Failure, Result, protocol};
use crate::paillier;
use crate::session::{Finished, Next, Outcome, Saved};
use crate::state::App;

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

fn saved_state(bytes: tandem_protocol::Error) -> Failure {
    Failure::internal(bytes)
}

fn decode(e: tandem_protocol::error::DecodeError) -> Failure {
    Failure::internal(e)
}

/// Key generation, message 1 in: the server's share message out, its state saved.
fn keygen_respond<C: Curve>(msg: &[u8], carried: Vec<Vec<u8>>) -> Result<Outcome> {
    let (state, reply) = keygen::server_respond::<C, _>(msg, &mut rng()).map_err(protocol)?;
    let state = state.save().map_err(decode)?;
    Ok(Outcome {
        reply,
        next: Next::Continue(Saved::new(state.to_vec(), carried)),
    })
}

/// Key generation, message 3 in: the server's proof out, its share carried on.
fn keygen_finish<C: Curve>(saved: &Saved, msg: &[u8]) -> Result<Outcome> {
    let state = keygen::ServerAwaitingOpening::<C>::restore(C::ID, &saved.state).map_err(decode)?;
    let (share, reply) = state.receive(msg, &mut rng()).map_err(protocol)?;
    let mut carried = saved.carried.clone();
    carried.push(share.to_bytes().map_err(saved_state)?.to_vec());
    Ok(Outcome {
        reply,
        next: Next::Continue(Saved::new(Vec::new(), carried)),
    })
}

/// One step of generate (see the module docs).
pub(crate) async fn step(
    app: &App,
    _client_id: &str,
    step: i64,
    saved: Saved,
    msg: Vec<u8>,
) -> Result<Outcome> {
    match step {
        0 => {
            app.compute(move || keygen_respond::<Secp256k1>(&msg, Vec::new()))
                .await?
        }
        1 => {
            app.compute(move || keygen_finish::<Secp256k1>(&saved, &msg))
                .await?
        }
        2 => {
            app.compute(move || keygen_respond::<Ed25519>(&msg, saved.carried.clone()))
                .await?
        }
        3 => {
            app.compute(move || keygen_finish::<Ed25519>(&saved, &msg))
                .await?
        }
        4 => {
            let key = paillier::take(app).await?;
            app.compute(move || {
                let core_bytes = saved
                    .carried
                    .first()
                    .ok_or_else(|| Failure::internal("generate: no secp256k1 share carried"))?;
                let core = KeyShare::<Secp256k1>::from_bytes(core_bytes).map_err(saved_state)?;
                let (state, reply) =
                    aux_info::server_respond(core, key, &msg, &mut rng()).map_err(protocol)?;
                let state = state.save().map_err(decode)?;
                Ok(Outcome {
                    reply,
                    next: Next::Continue(Saved::new(state.to_vec(), saved.carried.clone())),
                })
            })
            .await?
        }
        5 => {
            app.compute(move || {
                let state = aux_info::ServerAwaitingOpening::restore(Secp256k1::ID, &saved.state)
                    .map_err(decode)?;
                let (state, reply) = state.receive(&msg, &mut rng()).map_err(protocol)?;
                let state = state.save().map_err(decode)?;
                Ok(Outcome {
                    reply,
                    next: Next::Continue(Saved::new(state.to_vec(), saved.carried.clone())),
                })
            })
            .await?
        }
        6 => {
            app.compute(move || {
                let state = aux_info::ServerAwaitingProofs::restore(Secp256k1::ID, &saved.state)
                    .map_err(decode)?;
                let secp = state.receive(&msg).map_err(protocol)?;
                let ed_bytes = saved
                    .carried
                    .get(1)
                    .ok_or_else(|| Failure::internal("generate: no Ed25519 share carried"))?;
                let ed = KeyShare::<Ed25519>::from_bytes(ed_bytes).map_err(saved_state)?;
                Ok(Outcome {
                    reply: Vec::new(),
                    next: Next::Finish(Finished::Generated(Box::new((secp, ed)))),
                })
            })
            .await?
        }
        _ => Err(Failure::internal(format!("generate: no step {step}"))),
    }
}
