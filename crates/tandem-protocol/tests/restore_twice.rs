//! Every saveable state of this crate restored twice (`stored::SessionState`: a state is
//! saveable only if two restorations cannot produce two answers that share a secret nonce).
//!
//! Each case runs the protocol to the state with seeded RNGs, saves it, builds the peer's two
//! messages (re-running the honest peer with the same seeds to where it answers, then letting
//! it answer with two RNGs; or, where the honest answer is fixed by the transcript, an honest
//! message and a dishonest variant), and hands both to `tandem_testkit::nonce_reuse::restore_twice`,
//! which restores the bytes for every copy, decodes every message sent and every output, and
//! fails on any nonce answered twice. The detector is shown to fail on the states this rule
//! made unsaveable (`detector_*`), and `every_saveable_state_has_a_case` fails when an
//! implementation of `SessionState` anywhere in the workspace has no case.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

use crypto_bigint::Uint;
use tandem_curves::{Curve, CurveId, Ed25519, Scalar, Secp256k1};
use tandem_paillier::bigint::{self, I4096, U3072};
use tandem_paillier::proofs::factor::FacProof;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::aux_info::{self, OpeningMsg, ProofsMsg, RevealMsg};
use tandem_protocol::ecdsa::sign::SignFinishMsg;
use tandem_protocol::ecdsa::{EcdsaSignature, Presignature, full_sign, sign};
use tandem_protocol::eddsa::sign::{self as eddsa_sign, SignShareMsg};
use tandem_protocol::keygen::{self, ClientOpeningMsg, ServerProofMsg};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Error, KeyShare, SessionId, codec};
use tandem_testkit::ecdsa::{fixture_output, fixture_pair};
use tandem_testkit::harness;
use tandem_testkit::message::{rng, tamper};
use tandem_testkit::nonce_reuse::{
    self, Case, PeerB, Trace, findings, impls_in, restore_twice, saveable_states,
};
use tandem_testkit::primes::paillier_key;

#[path = "restore_twice/detector.rs"]
mod detector;

const SID: SessionId = SessionId([0x5e; 32]);

harness! {
    keygen_server_awaiting_opening => "keygen::ServerAwaitingOpening":
        |n| { keygen_server::<Secp256k1>(n); keygen_server::<Ed25519>(n) };
    keygen_client_awaiting_server_proof => "keygen::ClientAwaitingServerProof":
        |n| { keygen_client::<Secp256k1>(n); keygen_client::<Ed25519>(n) };
    aux_client_awaiting_reveal => "ecdsa::aux_info::ClientAwaitingReveal": aux_client_reveal;
    aux_server_awaiting_opening => "ecdsa::aux_info::ServerAwaitingOpening": aux_server_opening;
    aux_client_awaiting_proofs => "ecdsa::aux_info::ClientAwaitingProofs": aux_client_proofs;
    aux_server_awaiting_proofs => "ecdsa::aux_info::ServerAwaitingProofs": aux_server_proofs;
    ecdsa_sign_server_awaiting_finish => "ecdsa::sign::ServerAwaitingFinish": sign_server;
    full_sign_server_awaiting_client2 => "ecdsa::full_sign::ServerAwaitingClient2": full_sign_server;
    eddsa_sign_server_awaiting_share => "eddsa::sign::ServerAwaitingShare": eddsa_server;
}

fn bytes(b: &[u8]) -> Vec<u8> {
    b.to_vec()
}

// ---------------------------------------------------------------------------------------
// Key generation (CGGMP21 Fig. 5).

fn keygen_server<C: Curve>(name: &'static str) {
    let (client, m1) = keygen::client_start::<C, _>(SID, &mut rng(10)).unwrap();
    let (server, m2) = keygen::server_respond::<C, _>(&m1, &mut rng(11)).unwrap();
    let saved = server.save().unwrap();
    // CGGMP21 Fig. 5 round 3: rid_c, X_c, A_c and u_c are committed in V_c and
    // z_c = a_c + e·x_c follows, so the honest client's round 3 is fixed (its `receive` draws
    // no randomness): the client re-run from its seed answers the same.
    let (_, m3) = client.receive(&m2).unwrap();
    let (again, _) = keygen::client_start::<C, _>(SID, &mut rng(10)).unwrap();
    assert_eq!(again.receive(&m2).unwrap().1, m3);
    let forged = tamper::<ClientOpeningMsg<C>>(&m3, |m| {
        m.proof.response = m.proof.response + Scalar::one();
    });
    restore_twice(&Case {
        name,
        curve: C::ID,
        saved: &saved[..],
        peer: [m3, forged],
        peer_b: PeerB::Fixed("the client's round 3 is fixed by V_c"),
        one_rng_stream: &[],
        drive: &|s: keygen::ServerAwaitingOpening<C>, msg, rng, t| {
            let (share, m4) = s.receive(msg, rng)?;
            let m4: ServerProofMsg<C> = t.sent(&m4);
            t.nonce("keygen ψ_s", &m4.proof.commitment, &m4.proof.response);
            t.output("key share", &share.to_bytes()?[..]);
            Ok(())
        },
    });
}

fn keygen_client<C: Curve>(name: &'static str) {
    let (client, m1) = keygen::client_start::<C, _>(SID, &mut rng(12)).unwrap();
    let (_, m2) = keygen::server_respond::<C, _>(&m1, &mut rng(13)).unwrap();
    let (client, m3) = client.receive(&m2).unwrap();
    let saved = client.save().unwrap();
    // The server re-run from its seed, then proving with two RNGs: two honest rounds 4.
    let m4 = |seed| {
        let (server, _) = keygen::server_respond::<C, _>(&m1, &mut rng(13)).unwrap();
        server.receive(&m3, &mut rng(seed)).unwrap().1
    };
    restore_twice(&Case {
        name,
        curve: C::ID,
        saved: &saved[..],
        peer: [m4(14), m4(15)],
        peer_b: PeerB::Honest,
        one_rng_stream: &[],
        drive: &|c: keygen::ClientAwaitingServerProof<C>, msg, _, t| {
            let share: KeyShare<C> = c.receive(msg)?;
            t.output("key share", &share.to_bytes()?[..]);
            Ok(())
        },
    });
}

// ---------------------------------------------------------------------------------------
// Auxiliary information (CGGMP24 Fig. 7), with the fixture primes: one honest run, its states
// saved, each peer answer made from the peer's saved state.

struct AuxRun {
    m: [Vec<u8>; 3],
    client_r2: Vec<u8>,
    server_r3: Vec<u8>,
    client_r4: Vec<u8>,
    server_r5: Vec<u8>,
}

fn aux_cores() -> (KeyShare<Secp256k1>, KeyShare<Secp256k1>) {
    driver::keygen::<Secp256k1, _, _, _>(&mut rng(30), &mut rng(31), &mut NoTap).unwrap()
}

static AUX: LazyLock<AuxRun> = LazyLock::new(|| {
    let (c, s) = aux_cores();
    let (client, m1) =
        aux_info::client_start(c, paillier_key(0).unwrap(), SID, &mut rng(32)).unwrap();
    let (server, m2) =
        aux_info::server_respond(s, paillier_key(1).unwrap(), &m1, &mut rng(33)).unwrap();
    let client_r2 = bytes(&client.save().unwrap()[..]);
    let server_r3 = bytes(&server.save().unwrap()[..]);
    let (opened, m3) = aux_client(&client_r2).receive(&m2).unwrap();
    let (client, _) = opened.prove(&mut rng(34)).unwrap();
    let (server, _) = aux_server(&server_r3).receive(&m3, &mut rng(35)).unwrap();
    AuxRun {
        client_r4: bytes(&client.save().unwrap()[..]),
        server_r5: bytes(&server.save().unwrap()[..]),
        m: [m1, m2, m3],
        client_r2,
        server_r3,
    }
});

fn aux_client(saved: &[u8]) -> aux_info::ClientAwaitingReveal {
    aux_info::ClientAwaitingReveal::restore(CurveId::Secp256k1, saved).unwrap()
}

fn aux_server(saved: &[u8]) -> aux_info::ServerAwaitingOpening {
    aux_info::ServerAwaitingOpening::restore(CurveId::Secp256k1, saved).unwrap()
}

/// Πfac's `z1 = α + e·p`, `z2 = β + e·q` (CGGMP24 Fig. 26): two proofs for one `N0` under one
/// `α` (or `β`) and two challenges give `gcd(z1 - z1', N0) = p`. Their commitments are made
/// with the verifier's parameters, so they do not identify the nonce: compared by value.
fn pi_fac_factor(n0: &[u8], a: &[u8], b: &[u8]) -> Option<Uint<{ I4096::LIMBS }>> {
    let n0: U3072 = bigint::uint_from_be(n0).unwrap();
    let n0 = n0.resize::<{ I4096::LIMBS }>();
    let (a, b): (FacProof, FacProof) = (codec::decode(a).unwrap(), codec::decode(b).unwrap());
    [(a.z1, b.z1), (a.z2, b.z2)].into_iter().find_map(|(x, y)| {
        let g = x.wrapping_sub(&y).abs().gcd_vartime(&n0);
        (x != y && g != Uint::ONE).then_some(g)
    })
}

fn pi_fac_reveals(n0: &[u8], a: &[u8], b: &[u8]) -> bool {
    pi_fac_factor(n0, a, b).is_some()
}

/// Πfac of a message 4 or 5 (Πmod has no secret nonce: its `w` is public and its responses
/// are the fourth and `N`-th roots of challenge values, chosen deterministically; CGGMP24
/// Fig. 12).
fn record_proofs(t: &mut Trace, own_n: &U3072, p: &ProofsMsg) {
    t.pair(
        "Πfac",
        own_n.to_be_bytes().as_ref(),
        &codec::encode(&p.factor).unwrap(),
        pi_fac_reveals,
    );
}

fn aux_client_reveal(name: &'static str) {
    let aux = &*AUX;
    // The server re-run from its key with another RNG: other s, t, Πprm and ρ_s.
    let (_, s) = aux_cores();
    let (_, other_m2) =
        aux_info::server_respond(s, paillier_key(1).unwrap(), &aux.m[0], &mut rng(36)).unwrap();
    restore_twice(&Case {
        name,
        curve: CurveId::Secp256k1,
        saved: &aux.client_r2,
        peer: [aux.m[1].clone(), other_m2],
        peer_b: PeerB::Honest,
        // Πmod and Πfac are made after the restore; their nonces are hedged with the
        // client's Paillier secret and the server's reveal (`hedge`), so even one replayed
        // RNG stream under two server messages draws other nonces.
        one_rng_stream: &[],
        drive: &|c: aux_info::ClientAwaitingReveal, msg, rng, t| {
            let (opened, m3) = c.receive(msg)?;
            let m3: OpeningMsg = t.sent(&m3);
            // CGGMP24 Fig. 13: Πprm's z_i = a_i + e_i·λ under A_i = t^{a_i}.
            let prm = &m3.reveal.prm;
            for (a, z) in prm.commitments.iter().zip(&prm.responses) {
                let (a, z) = (a.to_be_bytes(), z.to_be_bytes());
                t.nonce("Πprm", a.as_ref(), z.as_ref());
            }
            let (_, m5) = opened.prove(rng)?;
            let m5: ProofsMsg = t.sent(&m5);
            record_proofs(t, &m3.reveal.n, &m5);
            Ok(())
        },
    });
}

fn aux_server_opening(name: &'static str) {
    let aux = &*AUX;
    let n_s = codec::decode::<RevealMsg>(&payload(&aux.m[1])).unwrap().n;
    // CGGMP24 Fig. 7 round 3: the opening reveals what V_c committed (ClientAwaitingReveal's
    // `receive` draws no randomness): the client's round 3 is fixed.
    assert_eq!(
        aux_client(&aux.client_r2).receive(&aux.m[1]).unwrap().1,
        aux.m[2]
    );
    let forged = tamper::<OpeningMsg>(&aux.m[2], |m| m.reveal.rho[0] ^= 1);
    restore_twice(&Case {
        name,
        curve: CurveId::Secp256k1,
        saved: &aux.server_r3,
        peer: [aux.m[2].clone(), forged],
        peer_b: PeerB::Fixed("the client's opening is fixed by V_c"),
        one_rng_stream: &[],
        drive: &|s: aux_info::ServerAwaitingOpening, msg, rng, t| {
            let (_, m4) = s.receive(msg, rng)?;
            let m4: ProofsMsg = t.sent(&m4);
            record_proofs(t, &n_s, &m4);
            Ok(())
        },
    });
}

fn aux_client_proofs(name: &'static str) {
    let aux = &*AUX;
    let m4 = |seed| {
        aux_server(&aux.server_r3)
            .receive(&aux.m[2], &mut rng(seed))
            .unwrap()
            .1
    };
    restore_twice(&Case {
        name,
        curve: CurveId::Secp256k1,
        saved: &aux.client_r4,
        peer: [m4(40), m4(41)],
        peer_b: PeerB::Honest,
        one_rng_stream: &[],
        drive: &|c: aux_info::ClientAwaitingProofs, msg, _, t| {
            t.output("ECDSA key share", &c.receive(msg)?.to_bytes()?[..]);
            Ok(())
        },
    });
}

fn aux_server_proofs(name: &'static str) {
    let aux = &*AUX;
    let m5 = |seed| {
        let (opened, _) = aux_client(&aux.client_r2).receive(&aux.m[1]).unwrap();
        opened.prove(&mut rng(seed)).unwrap().1
    };
    restore_twice(&Case {
        name,
        curve: CurveId::Secp256k1,
        saved: &aux.server_r5,
        peer: [m5(42), m5(43)],
        peer_b: PeerB::Honest,
        one_rng_stream: &[],
        drive: &|s: aux_info::ServerAwaitingProofs, msg, _, t| {
            t.output("ECDSA key share", &s.receive(msg)?.to_bytes()?[..]);
            Ok(())
        },
    });
}

fn payload(bytes: &[u8]) -> Vec<u8> {
    tandem_protocol::Message::from_bytes(bytes).unwrap().payload
}

// ---------------------------------------------------------------------------------------
// Signing (CGGMP24 Fig. 10 with Groth–Shoup re-randomisation; RFC 9591): the server's last
// states hold public values only.

const DIGEST: [u8; 32] = [0x42; 32];

fn sign_server(name: &'static str) {
    let k = fixture_pair();
    let presignature = |n| Presignature::from_bytes(&fixture_output(n)).unwrap();
    // The client holds the presignature (not serializable): made anew from it and its seed
    // for each use (the same state every time).
    let client = || {
        let p = presignature("client_presignature");
        sign::client_start(&k.client, p, SID, &DIGEST, &mut rng(50)).unwrap()
    };
    let (_, m1) = client();
    let (server, m2) = sign::server_receive_request(&k.server, &m1)
        .unwrap()
        .approve(&k.server, presignature("server_presignature"), &mut rng(51))
        .unwrap();
    let m3 = || client().0.receive(&k.client, &m2).unwrap().1;
    let receive = |s: sign::ServerAwaitingFinish, m: &[u8]| s.receive(&k.server, m);
    ecdsa_server_finish(name, &server.save().unwrap()[..], &m3, &receive);
}

fn full_sign_server(name: &'static str) {
    let k = fixture_pair();
    // The client holds nonces (not serializable): made anew from its seed for each use.
    let client = || full_sign::client_start(&k.client, SID, &DIGEST, &mut rng(52)).unwrap();
    let (_, m1) = client();
    let (server, m2) = full_sign::server_respond(&k.server, &m1, &mut rng(53)).unwrap();
    let (_, m3) = client().0.receive(&k.client, &m2, &mut rng(54)).unwrap();
    let (server, m4) = server.receive(&k.server, &m3, &mut rng(55)).unwrap();
    let m5 = || {
        let (c, _) = client().0.receive(&k.client, &m2, &mut rng(54)).unwrap();
        c.receive(&k.client, &m4).unwrap().1
    };
    let receive = |s: full_sign::ServerAwaitingClient2, m: &[u8]| s.receive(&k.server, m);
    ecdsa_server_finish(name, &server.save().unwrap()[..], &m5, &receive);
}

/// `ServerAwaitingFinish::receive` or `ServerAwaitingClient2::receive`, with the share.
type Finish<'a, S> = dyn Fn(S, &[u8]) -> Result<EcdsaSignature, Error> + 'a;

/// The server's last ECDSA state (either protocol) against the client's `σ_c`.
fn ecdsa_server_finish<S: SessionState>(
    name: &'static str,
    saved: &[u8],
    answer: &dyn Fn() -> Vec<u8>,
    receive: &Finish<'_, S>,
) {
    // σ_c = δ'·(k̃_c·m + r'·χ̃_c) is fixed by the presignature and both ρ (the client's
    // `receive` draws no randomness): its state, copied in memory, answers the same twice.
    assert_eq!(answer(), answer());
    let forged = tamper::<SignFinishMsg>(&answer(), |m| m.sigma = m.sigma + Scalar::one());
    restore_twice(&Case {
        name,
        curve: CurveId::Secp256k1,
        saved,
        peer: [answer(), forged],
        peer_b: PeerB::Fixed("σ_c is fixed by the presignature and ρ_c, ρ_s"),
        one_rng_stream: &[],
        drive: &|s: S, msg, _, t| {
            let sig = receive(s, msg)?;
            t.nonce("ECDSA nonce r", &sig.r, &(DIGEST, sig.s));
            t.output("ECDSA signature", &sig.to_bytes());
            Ok(())
        },
    });
}

fn eddsa_server(name: &'static str) {
    let message: &[u8] = b"restore twice";
    let (client, server) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(60), &mut rng(61), &mut NoTap).unwrap();
    let (_, m1) = eddsa_sign::client_start(&client, SID, message, &mut rng(62)).unwrap();
    let (s, m2) = eddsa_sign::server_receive_request(&server, &m1)
        .unwrap()
        .approve(&server, &mut rng(63))
        .unwrap();
    let saved = s.save().unwrap();
    // RFC 9591 §5.2: z_c = d_c + e_c·ρ_c + λ_c·s_c·c is fixed by the client's nonces and the
    // commitment list (its `receive` draws no randomness). The client (not serializable: it
    // holds its nonces) is rebuilt from its seed for each answer.
    let m3 = || {
        let (c, _) = eddsa_sign::client_start(&client, SID, message, &mut rng(62)).unwrap();
        c.receive(&client, &m2).unwrap().1
    };
    assert_eq!(m3(), m3());
    let forged = tamper::<SignShareMsg>(&m3(), |m| m.share = m.share + Scalar::one());
    restore_twice(&Case {
        name,
        curve: CurveId::Ed25519,
        saved: &saved[..],
        peer: [m3(), forged],
        peer_b: PeerB::Fixed("z_c is fixed by the client's nonces and the commitments"),
        one_rng_stream: &[],
        drive: &|s: eddsa_sign::ServerAwaitingShare, msg, _, t| {
            let sig = s.receive(&server, msg)?.to_bytes();
            let (r, z) = sig.split_at(32);
            t.nonce("Ed25519 nonce R", r, &(message, z));
            t.output("Ed25519 signature", &sig);
            Ok(())
        },
    });
}

// ---------------------------------------------------------------------------------------
// Coverage: every implementation of `SessionState` in the workspace has a case.

#[test]
fn every_saveable_state_has_a_case() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The resharing states are driven by `reshare_restore_twice.rs`, whose own
    // `every_saveable_state_has_a_case` compares them with the sources; every other state here.
    let (resharing, found): (BTreeSet<String>, BTreeSet<String>) = saveable_states(here)
        .into_iter()
        .partition(|state| state.starts_with("reshare::"));
    let listed = HARNESS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        found, listed,
        "SessionState implementations vs. cases of this file"
    );
    let reshare_cases =
        std::fs::read_to_string(here.join("tests/reshare_restore_twice.rs")).unwrap();
    for state in resharing {
        assert!(reshare_cases.contains(&format!("\"{state}\"")), "{state}");
    }
    // Another crate with saveable states runs the same harness in its tests/restore_twice.rs,
    // whose own `every_saveable_state_has_a_case` compares its cases with its sources.
    for dir in nonce_reuse::workspace_crates(here) {
        let states = saveable_states(&dir);
        if dir == here || states.is_empty() {
            continue;
        }
        let harness = std::fs::read_to_string(dir.join("tests/restore_twice.rs"))
            .unwrap_or_else(|_| panic!("{dir:?} has saveable states but no restore_twice.rs"));
        assert!(harness.contains("fn every_saveable_state_has_a_case()"));
        for state in states {
            assert!(
                harness.contains(&format!("\"{state}\"")),
                "{dir:?}: {state}"
            );
        }
    }
}

#[test]
fn the_scanner_reads_impl_headers_only() {
    let src = "impl<C: Curve> SessionState for Alpha<C> {}\n\
               impl<O: Operation, C: Curve>\n    SessionState for Beta<O, C> {}\n\
               /// `impl SessionState for Gamma` in a doc comment\n\
               fn f() { let _ = \"SessionState for Delta\"; }";
    assert_eq!(impls_in(src), ["Alpha", "Beta"]);
}
