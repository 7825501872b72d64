//! `tandem-protocol`: the envelope, stored key shares, saved states, key generation and
//! Ed25519 signing.
//!
//! Each function feeds arbitrary bytes to one decoder or one party in one round. A party is
//! restored from a saved state made once by a seeded honest run (or, for a state that is
//! not saveable, rebuilt from the same seeds or copied through its fuzzing-only serde form),
//! then given the input twice:
//! as a whole message, and as the payload of an otherwise correct envelope (so that mutations
//! reach the payload validators instead of dying at the header checks). Every call must
//! return (an error or a next state), never panic, hang or allocate without bound.

use std::sync::LazyLock;

use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{aux_info, full_sign};
use tandem_protocol::eddsa::sign;
use tandem_protocol::key_share::KeyShare;
use tandem_protocol::keygen;
use tandem_protocol::message::{Message, SessionId, peek_header};
use tandem_protocol::stored::SessionState;

use super::{Saved, both_forms};
use crate::transcript::rng;

/// Saved states and genuine messages of one keygen run on curve `C`.
struct KeygenStates {
    m: [Vec<u8>; 4],
    server_r3: Saved,
    client_r4: Saved,
}

/// The client's state after round 1 (not saveable: its Schnorr nonce is committed), rebuilt
/// from the seeds of [`keygen_states`].
fn keygen_client_r2<C: Curve>() -> Option<keygen::ClientAwaitingServerShare<C>> {
    keygen::client_start::<C, _>(SessionId([9; 32]), &mut rng(1))
        .ok()
        .map(|(c, _)| c)
}

fn keygen_states<C: Curve>() -> Option<KeygenStates> {
    let (c, m1) = keygen::client_start::<C, _>(SessionId([9; 32]), &mut rng(1)).ok()?;
    let (s, m2) = keygen::server_respond::<C, _>(&m1, &mut rng(2)).ok()?;
    let server_r3 = keygen::server_respond::<C, _>(&m1, &mut rng(2))
        .ok()?
        .0
        .save()
        .ok()?;
    let (c, m3) = c.receive(&m2).ok()?;
    let client_r4 = c.save().ok()?;
    let (_, m4) = s.receive(&m3, &mut rng(3)).ok()?;
    Some(KeygenStates {
        m: [m1, m2, m3, m4],
        server_r3,
        client_r4,
    })
}

static KEYGEN_SECP: LazyLock<Option<KeygenStates>> = LazyLock::new(keygen_states::<Secp256k1>);
static KEYGEN_ED: LazyLock<Option<KeygenStates>> = LazyLock::new(keygen_states::<Ed25519>);

/// The message envelope and header peeking.
pub fn envelope(data: &[u8]) {
    let _ = Message::from_bytes(data);
    let _ = peek_header(data);
}

/// Stored key shares of both curves.
pub fn key_share(data: &[u8]) {
    let _ = KeyShare::<Secp256k1>::from_bytes(data);
    let _ = KeyShare::<Ed25519>::from_bytes(data);
}

/// Every saved session state type of both curves.
pub fn saved_session(data: &[u8]) {
    fn all<C: Curve>(data: &[u8]) {
        let _ = keygen::ClientAwaitingServerProof::<C>::restore(C::ID, data);
        let _ = keygen::ServerAwaitingOpening::<C>::restore(C::ID, data);
    }
    all::<Secp256k1>(data);
    all::<Ed25519>(data);
    let _ = sign::ServerAwaitingShare::restore(Ed25519::ID, data);
    let secp = Secp256k1::ID;
    let _ = aux_info::ClientAwaitingReveal::restore(secp, data);
    let _ = aux_info::ClientAwaitingProofs::restore(secp, data);
    let _ = aux_info::ServerAwaitingOpening::restore(secp, data);
    let _ = aux_info::ServerAwaitingProofs::restore(secp, data);
    let _ = tandem_protocol::ecdsa::sign::ServerAwaitingFinish::restore(secp, data);
    let _ = full_sign::ServerAwaitingClient2::restore(secp, data);
}

/// Key generation, server receiving round 1.
pub fn keygen_server_round1(data: &[u8]) {
    fn run<C: Curve>(states: &Option<KeygenStates>, data: &[u8]) {
        if let Some(s) = states {
            both_forms(&s.m[0], data, |m| {
                let _ = keygen::server_respond::<C, _>(m, &mut rng(4));
            });
        }
    }
    run::<Secp256k1>(&KEYGEN_SECP, data);
    run::<Ed25519>(&KEYGEN_ED, data);
}

/// Key generation, client receiving round 2.
pub fn keygen_client_round2(data: &[u8]) {
    fn run<C: Curve>(states: &Option<KeygenStates>, data: &[u8]) {
        if let Some(s) = states {
            both_forms(&s.m[1], data, |m| {
                if let Some(state) = keygen_client_r2::<C>() {
                    let _ = state.receive(m);
                }
            });
        }
    }
    run::<Secp256k1>(&KEYGEN_SECP, data);
    run::<Ed25519>(&KEYGEN_ED, data);
}

/// Key generation, server receiving round 3.
pub fn keygen_server_round3(data: &[u8]) {
    fn run<C: Curve>(states: &Option<KeygenStates>, data: &[u8]) {
        if let Some(s) = states {
            both_forms(&s.m[2], data, |m| {
                if let Ok(state) = keygen::ServerAwaitingOpening::<C>::restore(C::ID, &s.server_r3)
                {
                    let _ = state.receive(m, &mut rng(5));
                }
            });
        }
    }
    run::<Secp256k1>(&KEYGEN_SECP, data);
    run::<Ed25519>(&KEYGEN_ED, data);
}

/// Key generation, client receiving round 4.
pub fn keygen_client_round4(data: &[u8]) {
    fn run<C: Curve>(states: &Option<KeygenStates>, data: &[u8]) {
        if let Some(s) = states {
            both_forms(&s.m[3], data, |m| {
                if let Ok(state) =
                    keygen::ClientAwaitingServerProof::<C>::restore(C::ID, &s.client_r4)
                {
                    let _ = state.receive(m);
                }
            });
        }
    }
    run::<Secp256k1>(&KEYGEN_SECP, data);
    run::<Ed25519>(&KEYGEN_ED, data);
}

/// Saved states and genuine messages of one Ed25519 signing run.
struct SignStates {
    client: KeyShare<Ed25519>,
    server: KeyShare<Ed25519>,
    m: [Vec<u8>; 3],
    server_r3: Saved,
}

fn sign_states() -> Option<SignStates> {
    let (client, server) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(6), &mut rng(7), &mut NoTap).ok()?;
    let (c, m1) = sign::client_start(&client, SessionId([8; 32]), b"fuzz", &mut rng(8)).ok()?;
    let (s, m2) = sign::server_receive_request(&server, &m1)
        .ok()?
        .approve(&server, &mut rng(9))
        .ok()?;
    let (_, m3) = c.receive(&client, &m2).ok()?;
    let server_r3 = s.save().ok()?;
    Some(SignStates {
        client,
        server,
        m: [m1, m2, m3],
        server_r3,
    })
}

static SIGN: LazyLock<Option<SignStates>> = LazyLock::new(sign_states);

/// Ed25519 signing, server receiving the request (and approving it if it decodes).
pub fn eddsa_server_request(data: &[u8]) {
    if let Some(s) = SIGN.as_ref() {
        both_forms(&s.m[0], data, |m| {
            if let Ok(request) = sign::server_receive_request(&s.server, m) {
                let _ = request.approve(&s.server, &mut rng(10));
            }
        });
    }
}

/// Ed25519 signing, client receiving the server's response.
pub fn eddsa_client_response(data: &[u8]) {
    if let Some(s) = SIGN.as_ref() {
        both_forms(&s.m[1], data, |m| {
            // The client's state holds its nonces and cannot be saved: rebuild it (the
            // seeded RNG gives the same state every time).
            if let Ok((state, _)) =
                sign::client_start(&s.client, SessionId([8; 32]), b"fuzz", &mut rng(8))
            {
                let _ = state.receive(&s.client, m);
            }
        });
    }
}

/// Ed25519 signing, server receiving the client's share.
pub fn eddsa_server_share(data: &[u8]) {
    if let Some(s) = SIGN.as_ref() {
        both_forms(&s.m[2], data, |m| {
            if let Ok(state) = sign::ServerAwaitingShare::restore(Ed25519::ID, &s.server_r3) {
                let _ = state.receive(&s.server, m);
            }
        });
    }
}
