//! Checks of ECDSA presigning, the presignature pool, signing from a presignature and full
//! signing listed in `CHECKS.md` that no other test provoked: each test crafts the bad input,
//! asserts the exact error variant and, where the error names one, the culprit.
//!
//! The ECDSA key shares come from the frozen fixture `test-vectors/v1/ecdsa-secp256k1.json`
//! (no aux info at start-up: `support`). A state that is not saveable (it holds nonces) is
//! rebuilt for each use from the seeds of its run (the same seeds give the same state).
//! Checks on private fields of saved states and stored values (presignatures, pools) are unit
//! tests next to the types (`src/ecdsa/tests.rs`, `src/ecdsa/pool.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use std::sync::OnceLock;

use tandem_curves::{CurveId, EncodedPoint, Point, Scalar};
use tandem_paillier::proofs::ProofError;
use tandem_protocol::ecdsa::aux_info;
use tandem_protocol::ecdsa::full_sign::{self, FullSignResponseMsg};
use tandem_protocol::ecdsa::presign::{self, DeltaMsg, MtaAndDeltaMsg};
use tandem_protocol::ecdsa::sign::{self, SignFinishMsg, SignResponseMsg};
use tandem_protocol::ecdsa::{Presignature, PresignaturePool};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Check, Error, Misuse, Refusal, Role, SessionId};

use support::{core_copy, keys, misbehaved};
use tandem_testkit::message::{payload, rng, tamper};
use tandem_testkit::primes;

// ---------------------------------------------------------------------------------------
// ECDSA fixtures: one presigning, signing and full-signing run with copies of every state
// (the key shares: `support::keys`).

struct PresignRun {
    m: [Vec<u8>; 4],
    client_presignature: Vec<u8>,
    server_presignature: Vec<u8>,
}

const PRESIGN_SESSION: SessionId = SessionId([0x41; 32]);

fn presign_run() -> &'static PresignRun {
    static RUN: OnceLock<PresignRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let k = keys();
        let (c, m1) = presign_client_after_m1();
        let (s, m2) = presign_server_after_m2(&m1);
        let (c, m3) = c.receive(&k.client, &m2, &mut rng(42)).unwrap();
        let (sp, m4) = s.receive(&k.server, &m3, &mut rng(43)).unwrap();
        let cp = c.receive(&k.client, &m4).unwrap();
        PresignRun {
            m: [m1, m2, m3, m4],
            client_presignature: cp.to_bytes().unwrap().to_vec(),
            server_presignature: sp.to_bytes().unwrap().to_vec(),
        }
    })
}

/// The presigning client after message 1 (it holds nonces: rebuilt from its seed).
fn presign_client_after_m1() -> (presign::ClientAwaitingServer, Vec<u8>) {
    presign::client_start(&keys().client, PRESIGN_SESSION, &mut rng(40)).unwrap()
}

/// The presigning server after message 2 (rebuilt from its seed).
fn presign_server_after_m2(m1: &[u8]) -> (presign::ServerAwaitingClient, Vec<u8>) {
    presign::server_respond(&keys().server, m1, &mut rng(41)).unwrap()
}

/// The presigning client after message 3 (rebuilt from the seeds of the run).
fn presign_client_after_m3() -> presign::ClientAwaitingServerRound3 {
    let p = presign_run();
    let (c, _) = presign_client_after_m1();
    c.receive(&keys().client, &p.m[1], &mut rng(42)).unwrap().0
}

#[test]
fn presign_delta_zero_is_refused_by_the_client() {
    // δ_s = -δ_c makes δ = 0 (CGGMP24 Fig. 8 output: δ must be invertible).
    let (k, p) = (keys(), presign_run());
    let delta_c = payload::<MtaAndDeltaMsg>(&p.m[2]).delta.delta;
    let bad = tamper::<DeltaMsg>(&p.m[3], |r| r.delta = -delta_c);
    let client = presign_client_after_m3();
    assert_eq!(
        misbehaved(client.receive(&k.client, &bad)),
        (Role::Server, Check::Delta)
    );
}

#[test]
fn presign_delta_zero_is_refused_by_the_server() {
    let (k, p) = (keys(), presign_run());
    let delta_s = payload::<DeltaMsg>(&p.m[3]).delta;
    let bad = tamper::<MtaAndDeltaMsg>(&p.m[2], |m| m.delta.delta = -delta_s);
    let (server, _) = presign_server_after_m2(&p.m[0]);
    assert_eq!(
        misbehaved(server.receive(&k.server, &bad, &mut rng(44))),
        (Role::Client, Check::Delta)
    );
}

#[test]
fn presign_states_only_accept_their_own_key_share() {
    let (k, p) = (keys(), presign_run());
    let changed = Some(Error::Misuse(Misuse::KeyShareChanged));
    let (c1, _) = presign_client_after_m1();
    assert_eq!(
        c1.receive(&k.other_client, &p.m[1], &mut rng(45)).err(),
        changed
    );
    let (c1, _) = presign_client_after_m1();
    assert!(matches!(
        c1.receive(&k.server, &p.m[1], &mut rng(45)),
        Err(Error::Misuse(Misuse::WrongRole { .. }))
    ));
    let c3 = presign_client_after_m3();
    assert_eq!(c3.receive(&k.other_client, &p.m[3]).err(), changed);
    let (s, _) = presign_server_after_m2(&p.m[0]);
    assert_eq!(
        s.receive(&k.other_server, &p.m[2], &mut rng(46)).err(),
        changed
    );
}

// ---------------------------------------------------------------------------------------
// Presignature pool (the stored pool's refusals: `src/ecdsa/pool.rs`).

#[test]
fn pool_insert_and_take_refusals() {
    let (k, p) = (keys(), presign_run());
    let pool = PresignaturePool::new(&k.server);
    // The client's half in the server's pool.
    assert_eq!(
        pool.insert(Presignature::from_bytes(&p.client_presignature).unwrap())
            .err(),
        Some(Error::Misuse(Misuse::KeyShareChanged))
    );
    // An id the pool never held: refused naming the peer that asked.
    assert_eq!(
        pool.take(SessionId([0x43; 32])).err(),
        Some(Error::Refused {
            sender: Role::Client,
            reason: Refusal::PresignatureMismatch
        })
    );
}

#[test]
fn only_the_right_role_starts_or_answers() {
    let k = keys();
    let wrong =
        |expected: Role, got: Role| Some(Error::Misuse(Misuse::WrongRole { expected, got }));
    // Aux info with swapped core shares.
    assert_eq!(
        aux_info::client_start(
            core_copy(&k.server),
            primes::paillier_key(2).unwrap(),
            SessionId([0x48; 32]),
            &mut rng(80),
        )
        .err(),
        wrong(Role::Client, Role::Server)
    );
    let (_, m1) = aux_info::client_start(
        core_copy(&k.client),
        primes::paillier_key(2).unwrap(),
        SessionId([0x48; 32]),
        &mut rng(80),
    )
    .unwrap();
    assert_eq!(
        aux_info::server_respond(
            core_copy(&k.client),
            primes::paillier_key(3).unwrap(),
            &m1,
            &mut rng(81),
        )
        .err(),
        wrong(Role::Server, Role::Client)
    );
    // Signing and full signing answered with the client's share.
    let r = sign_run();
    assert_eq!(
        sign::server_receive_request(&k.client, &r.m[0]).err(),
        wrong(Role::Server, Role::Client)
    );
    let f = full_run();
    assert_eq!(
        full_sign::server_respond(&k.client, &f.m[0], &mut rng(82)).err(),
        wrong(Role::Server, Role::Client)
    );
}

// ---------------------------------------------------------------------------------------
// Signing from a presignature.

struct SignRun {
    m: [Vec<u8>; 3],
    server_after_m2: Vec<u8>,
}

const DIGEST: [u8; 32] = [0x5c; 32];

/// The signing client after message 1 (it holds the presignature: rebuilt from the stored
/// presignature and its seed).
fn sign_client_after_m1() -> (sign::ClientAwaitingPartial, Vec<u8>) {
    let (k, p) = (keys(), presign_run());
    let cp = Presignature::from_bytes(&p.client_presignature).unwrap();
    sign::client_start(&k.client, cp, SessionId([0x44; 32]), &DIGEST, &mut rng(50)).unwrap()
}

fn sign_run() -> &'static SignRun {
    static RUN: OnceLock<SignRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let (k, p) = (keys(), presign_run());
        let sp = Presignature::from_bytes(&p.server_presignature).unwrap();
        let (c, m1) = sign_client_after_m1();
        let (s, m2) = sign::server_receive_request(&k.server, &m1)
            .unwrap()
            .approve(&k.server, sp, &mut rng(51))
            .unwrap();
        let server_after_m2 = s.save().unwrap();
        let (_, m3) = c.receive(&k.client, &m2).unwrap();
        SignRun {
            m: [m1, m2, m3],
            server_after_m2: server_after_m2.to_vec(),
        }
    })
}

#[test]
fn sign_partial_signatures_that_cancel_are_named() {
    // σ_c = -σ_s (or σ_s = -σ_c) makes s = 0: refused as a bad partial signature
    // (CGGMP24 Fig. 10 check), never as a degenerate signature.
    let (k, r) = (keys(), sign_run());
    let sigma_s = payload::<SignResponseMsg>(&r.m[1]).sigma;
    let sigma_c = payload::<SignFinishMsg>(&r.m[2]).sigma;
    let server =
        sign::ServerAwaitingFinish::restore(CurveId::Secp256k1, &r.server_after_m2).unwrap();
    let bad = tamper::<SignFinishMsg>(&r.m[2], |m| m.sigma = -sigma_s);
    assert_eq!(
        misbehaved(server.receive(&k.server, &bad)),
        (Role::Client, Check::PartialSignature)
    );
    let (client, _) = sign_client_after_m1();
    let bad = tamper::<SignResponseMsg>(&r.m[1], |m| m.sigma = -sigma_c);
    assert_eq!(
        misbehaved(client.receive(&k.client, &bad)),
        (Role::Server, Check::PartialSignature)
    );
}

#[test]
fn sign_states_only_accept_their_own_key_share() {
    let (k, p, r) = (keys(), presign_run(), sign_run());
    let changed = Some(Error::Misuse(Misuse::KeyShareChanged));
    let server =
        sign::ServerAwaitingFinish::restore(CurveId::Secp256k1, &r.server_after_m2).unwrap();
    assert_eq!(server.receive(&k.other_server, &r.m[2]).err(), changed);
    let (client, _) = sign_client_after_m1();
    assert_eq!(client.receive(&k.other_client, &r.m[1]).err(), changed);
    // Approving with a share of another sharing.
    let request = sign::server_receive_request(&k.server, &r.m[0]).unwrap();
    let sp = Presignature::from_bytes(&p.server_presignature).unwrap();
    assert_eq!(
        request.approve(&k.other_server, sp, &mut rng(52)).err(),
        changed
    );
}

// ---------------------------------------------------------------------------------------
// Full signing.

struct FullRun {
    m: [Vec<u8>; 5],
    server_after_m3: Vec<u8>,
}

/// The full-signing client after message 1 (it holds nonces: rebuilt from its seed).
fn full_client_after_m1() -> (full_sign::ClientAwaitingServer1, Vec<u8>) {
    let k = keys();
    full_sign::client_start(&k.client, SessionId([0x45; 32]), &DIGEST, &mut rng(60)).unwrap()
}

/// The full-signing server after message 2 (rebuilt from its seed).
fn full_server_after_m1(m1: &[u8]) -> (full_sign::ServerAwaitingClient1, Vec<u8>) {
    full_sign::server_respond(&keys().server, m1, &mut rng(61)).unwrap()
}

/// The full-signing client after message 3 (rebuilt from the seeds of the run).
fn full_client_after_m2() -> full_sign::ClientAwaitingServer2 {
    let (c, _) = full_client_after_m1();
    c.receive(&keys().client, &full_run().m[1], &mut rng(62))
        .unwrap()
        .0
}

fn full_run() -> &'static FullRun {
    static RUN: OnceLock<FullRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let k = keys();
        let (c, m1) = full_client_after_m1();
        let (s, m2) = full_server_after_m1(&m1);
        let (c, m3) = c.receive(&k.client, &m2, &mut rng(62)).unwrap();
        let (s, m4) = s.receive(&k.server, &m3, &mut rng(63)).unwrap();
        let server_after_m3 = s.save().unwrap();
        let (_, m5) = c.receive(&k.client, &m4).unwrap();
        FullRun {
            m: [m1, m2, m3, m4, m5],
            server_after_m3: server_after_m3.to_vec(),
        }
    })
}

#[test]
fn full_sign_server_message_4_tampered() {
    let (k, f) = (keys(), full_run());
    let delta_c = payload::<MtaAndDeltaMsg>(&f.m[2]).delta.delta;
    type Tamper = Box<dyn Fn(&mut FullSignResponseMsg)>;
    let cases: Vec<(&str, Tamper, Option<Check>)> = vec![
        (
            "sigma_s",
            Box::new(|m| m.sigma = m.sigma + Scalar::one()),
            Some(Check::PartialSignature),
        ),
        (
            "rho_s",
            Box::new(|m| m.rho[3] ^= 1),
            Some(Check::NoncePoint),
        ),
        (
            "R'",
            Box::new(|m| {
                m.r_point = EncodedPoint::new(*m.r_point.point() + Point::generator()).unwrap();
            }),
            Some(Check::NoncePoint),
        ),
        (
            "delta + 1",
            Box::new(|m| m.presign.delta = m.presign.delta + Scalar::one()),
            Some(Check::Delta),
        ),
        (
            "delta = -delta_c",
            Box::new(move |m| m.presign.delta = -delta_c),
            Some(Check::Delta),
        ),
        (
            "S",
            Box::new(|m| m.presign.s = m.presign.s + Point::generator()),
            Some(Check::Chi),
        ),
        (
            "psi'.u",
            Box::new(|m| m.presign.psi_prime.u = m.presign.psi_prime.u + Scalar::one()),
            None,
        ),
    ];
    for (name, f_edit, expected) in cases {
        let client = full_client_after_m2();
        let bad = tamper::<FullSignResponseMsg>(&f.m[3], |m| f_edit(m));
        let (culprit, check) = misbehaved(client.receive(&k.client, &bad));
        assert_eq!(culprit, Role::Server, "{name}");
        match expected {
            Some(c) => assert_eq!(check, c, "{name}"),
            None => assert_eq!(
                check,
                Check::Proof(ProofError::Equation("Πelog u·G + z·X = N + e·M (Fig. 23)")),
                "{name}"
            ),
        }
    }
}

#[test]
fn full_sign_client_delta_zero_is_refused_by_the_server() {
    let (k, f) = (keys(), full_run());
    let delta_s = payload::<FullSignResponseMsg>(&f.m[3]).presign.delta;
    let bad = tamper::<MtaAndDeltaMsg>(&f.m[2], |m| m.delta.delta = -delta_s);
    let (server, _) = full_server_after_m1(&f.m[0]);
    assert_eq!(
        misbehaved(server.receive(&k.server, &bad, &mut rng(64))),
        (Role::Client, Check::Delta)
    );
}

#[test]
fn full_sign_client_partial_signature_is_checked() {
    let (k, f) = (keys(), full_run());
    let sigma_s = payload::<FullSignResponseMsg>(&f.m[3]).sigma;
    for (name, sigma) in [
        (
            "sigma_c + 1",
            payload::<SignFinishMsg>(&f.m[4]).sigma + Scalar::one(),
        ),
        ("sigma_c = -sigma_s", -sigma_s),
    ] {
        let server =
            full_sign::ServerAwaitingClient2::restore(CurveId::Secp256k1, &f.server_after_m3)
                .unwrap();
        let bad = tamper::<SignFinishMsg>(&f.m[4], |m| m.sigma = sigma);
        assert_eq!(
            misbehaved(server.receive(&k.server, &bad)),
            (Role::Client, Check::PartialSignature),
            "{name}"
        );
    }
    let server =
        full_sign::ServerAwaitingClient2::restore(CurveId::Secp256k1, &f.server_after_m3).unwrap();
    assert_eq!(
        server.receive(&k.other_server, &f.m[4]).err(),
        Some(Error::Misuse(Misuse::KeyShareChanged))
    );
}
