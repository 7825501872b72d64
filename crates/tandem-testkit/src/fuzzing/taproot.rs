//! `tandem-protocol`'s Taproot signing (FROST with BIP340 challenges): each round's party
//! given arbitrary bytes, whole and as the payload of a genuine envelope.
//!
//! No state of this protocol is saveable (the client's holds nonces, the server's is dropped
//! after message 2 or kept in memory): each is rebuilt from the seeds of one honest run, so
//! every call starts from the same state.

use std::sync::LazyLock;

use tandem_curves::Secp256k1;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::hd::DerivationPath;
use tandem_protocol::key_share::KeyShare;
use tandem_protocol::message::SessionId;
use tandem_protocol::taproot::sign;

use super::both_forms;
use crate::transcript::rng;

/// The shares and genuine messages of one run (for the child `m/0/7`, so that paths are
/// exercised).
struct States {
    client: KeyShare<Secp256k1>,
    server: KeyShare<Secp256k1>,
    path: DerivationPath,
    m: [Vec<u8>; 3],
}

const MESSAGE: &[u8; 32] = b"fuzz: a BIP341 signature hash...";

fn client_state(s: &States) -> Option<(sign::ClientAwaitingResponse, Vec<u8>)> {
    sign::client_start(
        &s.client,
        SessionId([5; 32]),
        &s.path,
        MESSAGE,
        &mut rng(21),
    )
    .ok()
}

fn server_state(s: &States) -> Option<sign::ServerAwaitingShare> {
    sign::server_receive_request(&s.server, &s.m[0])
        .ok()?
        .approve(&s.server, &mut rng(22))
        .ok()
        .map(|(state, _)| state)
}

fn states() -> Option<States> {
    let (client, server) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(19), &mut rng(20), &mut NoTap).ok()?;
    let path = crate::fixtures::protocol::child_path();
    let mut s = States {
        client,
        server,
        path,
        m: [Vec::new(), Vec::new(), Vec::new()],
    };
    let (c, m1) = client_state(&s)?;
    s.m[0] = m1;
    let (_, m2) = sign::server_receive_request(&s.server, &s.m[0])
        .ok()?
        .approve(&s.server, &mut rng(22))
        .ok()?;
    let (_, m3) = c.receive(&s.client, &m2).ok()?;
    s.m[1] = m2;
    s.m[2] = m3;
    Some(s)
}

static STATES: LazyLock<Option<States>> = LazyLock::new(states);

/// BIP340 signing, server receiving the request (and approving it if it decodes).
pub fn bip340_server_request(data: &[u8]) {
    if let Some(s) = STATES.as_ref() {
        both_forms(&s.m[0], data, |m| {
            if let Ok(request) = sign::server_receive_request(&s.server, m) {
                let _ = request.approve(&s.server, &mut rng(10));
            }
        });
    }
}

/// BIP340 signing, client receiving the server's response.
pub fn bip340_client_response(data: &[u8]) {
    if let Some(s) = STATES.as_ref() {
        both_forms(&s.m[1], data, |m| {
            if let Some((state, _)) = client_state(s) {
                let _ = state.receive(&s.client, m);
            }
        });
    }
}

/// BIP340 signing, server receiving the client's share.
pub fn bip340_server_share(data: &[u8]) {
    if let Some(s) = STATES.as_ref() {
        both_forms(&s.m[2], data, |m| {
            if let Some(state) = server_state(s) {
                let _ = state.receive(&s.server, m);
            }
        });
    }
}

/// Genuine messages of the run, by target (the seeds of the three targets).
#[must_use]
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    STATES.as_ref().map_or_else(Vec::new, |s| {
        vec![
            ("bip340_server_request", s.m[0].clone()),
            ("bip340_client_response", s.m[1].clone()),
            ("bip340_server_share", s.m[2].clone()),
        ]
    })
}
