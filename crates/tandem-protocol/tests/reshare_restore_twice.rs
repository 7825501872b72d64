//! Every saveable resharing state restored twice, for backup, recover and refresh on both
//! curves (`tandem_protocol::stored::SessionState`: a state is saveable only if two
//! restorations cannot produce two answers that share a secret nonce). The harness and its
//! detector are `tandem_testkit::nonce_reuse` (whose self-tests are in
//! `tandem-protocol/tests/restore_twice/detector.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

use std::collections::BTreeSet;
use std::path::Path;

use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::SessionId;
use tandem_protocol::Sharing;
use tandem_protocol::reshare::{self, ClientAwaitingConfirmation, ServerAwaitingOpening};
use tandem_protocol::reshare::{Backup, Operation, Recover, Refresh};
use tandem_protocol::reshare::{ClientConfirmMsg, ServerConfirmMsg};
use tandem_protocol::stored::SessionState;
use tandem_testkit::harness;
use tandem_testkit::message::{rng, signing_pair};
use tandem_testkit::nonce_reuse::{Case, PeerB, restore_twice, saveable_states};

const SID: SessionId = SessionId([0x5f; 32]);

/// `$run::<O, C>(name)` for the three operations on both curves.
macro_rules! for_every_operation {
    ($run:ident, $name:expr) => {{
        $run::<Backup, Secp256k1>($name);
        $run::<Backup, Ed25519>($name);
        $run::<Recover, Secp256k1>($name);
        $run::<Recover, Ed25519>($name);
        $run::<Refresh, Secp256k1>($name);
        $run::<Refresh, Ed25519>($name);
    }};
}

harness! {
    reshare_client_awaiting_confirmation => "reshare::ClientAwaitingConfirmation":
        |n| for_every_operation!(client, n);
    reshare_server_awaiting_opening => "reshare::ServerAwaitingOpening":
        |n| for_every_operation!(server, n);
}

/// The source pair of operation `O`: a signing pair from key generation, read as `O`'s
/// source (for `Recover`, as a backup pair of the same key).
fn source<O: Operation, C: Curve>() -> (O::Source<C>, O::Source<C>) {
    let (c, s) = signing_pair::<C>(20);
    (
        <O::Source<C> as Sharing<C>>::from_key_share(c),
        <O::Source<C> as Sharing<C>>::from_key_share(s),
    )
}

fn target_bytes<O: Operation, C: Curve>(t: &O::Target<C>) -> Vec<u8> {
    t.key_share().to_bytes().unwrap()[..].to_vec()
}

fn client<O: Operation, C: Curve>(name: &'static str) {
    let (c, s) = source::<O, C>();
    let (client, m1) = reshare::client_start::<O, C, _>(&c, SID, &mut rng(21)).unwrap();
    let (_, m2) = reshare::server_respond::<O, C, _>(&s, &m1, &mut rng(22)).unwrap();
    let (client, m3) = client.receive(&c, &m2, &mut rng(23)).unwrap();
    let saved = client.save().unwrap();
    // The server re-run from its seed, then proving ψ_s with two RNGs: two honest messages 4.
    let m4 = |seed| {
        let (server, _) = reshare::server_respond::<O, C, _>(&s, &m1, &mut rng(22)).unwrap();
        server.receive(&s, &m3, &mut rng(seed)).unwrap().1
    };
    restore_twice(&Case {
        name,
        curve: C::ID,
        saved: &saved[..],
        peer: [m4(24), m4(25)],
        peer_b: PeerB::Honest,
        one_rng_stream: &[],
        drive: &|c: ClientAwaitingConfirmation<O, C>, msg, _, t| {
            t.output("new share", &target_bytes::<O, C>(&c.receive(msg)?));
            Ok(())
        },
    });
}

fn server<O: Operation, C: Curve>(name: &'static str) {
    let (c, s) = source::<O, C>();
    let (_, m1) = reshare::client_start::<O, C, _>(&c, SID, &mut rng(26)).unwrap();
    let (server, m2) = reshare::server_respond::<O, C, _>(&s, &m1, &mut rng(27)).unwrap();
    let saved = server.save().unwrap();
    // The client re-run from its seed to its commitment (CGGMP21 Fig. 6: σ_c, E_c committed),
    // then proving ψ_c with two RNGs: two honest messages 3 that open the same commitment.
    let m3 = |seed| {
        let (client, _) = reshare::client_start::<O, C, _>(&c, SID, &mut rng(26)).unwrap();
        client.receive(&c, &m2, &mut rng(seed)).unwrap().1
    };
    restore_twice(&Case {
        name,
        curve: C::ID,
        saved: &saved[..],
        peer: [m3(28), m3(29)],
        peer_b: PeerB::Honest,
        one_rng_stream: &[],
        drive: &|server: ServerAwaitingOpening<O, C>, msg, rng, t| {
            let (target, m4) = server.receive(&s, msg, rng)?;
            let m4: ServerConfirmMsg<C> = t.sent(&m4);
            // CGGMP21 Fig. 6 output: ψ_s = (A_s, z_s), challenge bound to the new shares only.
            t.nonce("reshare ψ_s", &m4.proof.commitment, &m4.proof.response);
            t.output("new share", &target_bytes::<O, C>(&target));
            Ok(())
        },
    });
    // The two messages 3 differ only in ψ_c (a fresh Schnorr nonce of the client each time).
    let payload = |seed| {
        let bytes = m3(seed);
        let msg = tandem_protocol::Message::from_bytes(&bytes).unwrap();
        tandem_protocol::codec::decode::<ClientConfirmMsg<C>>(&msg.payload).unwrap()
    };
    let (a, b) = (payload(28), payload(29));
    assert_eq!(a.new_public_share, b.new_public_share);
    assert_ne!(a.proof, b.proof);
}

#[test]
fn every_saveable_state_has_a_case() {
    // This crate's other saveable states are `restore_twice.rs`'s cases.
    let found: BTreeSet<String> = saveable_states(Path::new(env!("CARGO_MANIFEST_DIR")))
        .into_iter()
        .filter(|state| state.starts_with("reshare::"))
        .collect();
    let listed = HARNESS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        found, listed,
        "SessionState implementations vs. cases of this file"
    );
}
