//! Checks listed in `CHECKS.md` that no other test provoked: each test crafts the bad input,
//! asserts the exact error variant and, where the error names one, the culprit.
//!
//! The ECDSA key shares come from the frozen fixture `test-vectors/v1/ecdsa-secp256k1.json`
//! (no aux info at start-up). A state that is not saveable (it holds nonces) is rebuilt for
//! each use from the seeds of its run (the same seeds give the same state). Checks on private
//! fields of saved states and stored values (keygen and aux-info states, presignatures,
//! pools, `OwnAux`) are unit tests next to the types (`src/keygen.rs`, `src/ecdsa/tests.rs`,
//! `src/ecdsa/pool.rs`, `src/ecdsa/aux_info/tests.rs`, `src/ecdsa/key_share.rs`).

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::OnceLock;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_curves::{
    Commitment, Curve, CurveId, Ed25519, EncodedPoint, Point, Scalar, SchnorrProof, Secp256k1,
    SecretScalar,
};
use tandem_paillier::bigint::U3072;
use tandem_paillier::proofs::ProofError;
use tandem_protocol::codec;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::aux_info::{self, ClientAwaitingReveal, OpeningMsg, RevealMsg};
use tandem_protocol::ecdsa::full_sign::{self, FullSignResponseMsg};
use tandem_protocol::ecdsa::presign::{self, DeltaMsg, MtaAndDeltaMsg};
use tandem_protocol::ecdsa::sign::{self, SignFinishMsg, SignResponseMsg};
use tandem_protocol::ecdsa::{EcdsaKeyShare, OwnAux, PeerAux, Presignature, PresignaturePool};
use tandem_protocol::eddsa::frost::{
    FrostError, Identifier, SigningNonces, SigningPackage, derive_interpolating_value,
};
use tandem_protocol::eddsa::sign as eddsa_sign;
use tandem_protocol::keygen::{self, ClientOpeningMsg, CommitMsg, ServerShareMsg};
use tandem_protocol::message::{SessionContext, peek_header};
use tandem_protocol::stored::{self, SessionState};
use tandem_protocol::{
    Check, DecodeError, Error, KeyShare, Message, Misuse, ProtocolId, PublicShares, Refusal, Role,
    SessionId,
};

use tandem_testkit::ecdsa::fixture_pair;
use tandem_testkit::message::{payload, rng, tamper};
use tandem_testkit::primes;

/// A copy of a value (a share's auxiliary parts) through its serde form.
fn copy<T: Serialize + DeserializeOwned>(state: &T) -> T {
    codec::decode(&codec::encode(state).unwrap()).unwrap()
}

fn misbehaved<T>(r: Result<T, Error>) -> (Role, Check) {
    match r {
        Err(Error::Misbehaved { culprit, check }) => (culprit, check),
        Err(e) => panic!("expected an identifiable abort, got {e:?}"),
        Ok(_) => panic!("expected an identifiable abort, got success"),
    }
}

// ---------------------------------------------------------------------------------------
// Envelope, codec, stored formats.

#[test]
fn peek_header_failure_is_malformed_naming_the_client() {
    for garbage in [Vec::new(), vec![1u8], vec![0xff; 40]] {
        match keygen::server_respond::<Ed25519, _>(&garbage, &mut rng(1)) {
            Err(Error::Malformed {
                sender: Role::Client,
                ..
            }) => {}
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
    // Empty input: the version is missing.
    assert_eq!(peek_header(&[]), Err(DecodeError::Truncated));
}

#[test]
fn fixed_length_field_of_another_length_is_malformed() {
    // CommitMsg holds a 32-byte commitment; 31 bytes are refused by `encoding::fixed`.
    let (_, m1) = keygen::client_start::<Ed25519, _>(SessionId([1; 32]), &mut rng(2)).unwrap();
    let mut msg = Message::from_bytes(&m1).unwrap();
    msg.payload = {
        let mut p = vec![31u8];
        p.extend_from_slice(&[7u8; 31]);
        p
    };
    let bad = msg.to_bytes().unwrap();
    assert_eq!(
        keygen::server_respond::<Ed25519, _>(&bad, &mut rng(3))
            .err()
            .unwrap(),
        Error::Malformed {
            sender: Role::Client,
            reason: DecodeError::InvalidValue
        }
    );
}

#[test]
fn unknown_enum_tag_in_the_header_is_malformed() {
    // The protocol id is the second field of the header (after the version varint).
    let (client, _) = keygen::client_start::<Ed25519, _>(SessionId([2; 32]), &mut rng(4)).unwrap();
    let (_, m2) = {
        let (_, m1) = keygen::client_start::<Ed25519, _>(SessionId([2; 32]), &mut rng(4)).unwrap();
        keygen::server_respond::<Ed25519, _>(&m1, &mut rng(5)).unwrap()
    };
    let mut bad = m2.clone();
    assert_eq!(bad[1], 0, "protocol Keygen is variant 0");
    bad[1] = 100;
    match client.receive(&bad) {
        Err(Error::Malformed {
            sender: Role::Server,
            reason: DecodeError::InvalidValue,
        }) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn oversized_payload_cannot_be_sealed() {
    // codec::encode refuses more than MAX_ENCODED_LEN: a 1 MiB message to sign.
    let (c, _) = driver::keygen::<Ed25519, _, _, _>(&mut rng(5), &mut rng(6), &mut NoTap).unwrap();
    let message = vec![0u8; codec::MAX_ENCODED_LEN];
    assert_eq!(
        eddsa_sign::client_start(&c, SessionId([3; 32]), &message, &mut rng(7))
            .err()
            .unwrap(),
        Error::Misuse(Misuse::Encode)
    );
}

#[test]
fn stored_header_refusals() {
    assert_eq!(stored::peek(&[]), Err(DecodeError::Truncated));
    let (c, _) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(8), &mut rng(9), &mut NoTap).unwrap();
    let bytes = c.to_bytes().unwrap();
    // A key share read as a presignature: another kind.
    assert_eq!(
        Presignature::from_bytes(&bytes).err().unwrap(),
        Error::Storage(DecodeError::WrongKind)
    );
    // The version is read first.
    let mut v9 = bytes.clone();
    v9[0] = 9;
    assert_eq!(stored::peek(&v9), Err(DecodeError::UnsupportedVersion(9)));
}

#[test]
fn key_share_with_an_identity_public_key_is_refused() {
    let x = SecretScalar::<Secp256k1>::random_nonzero(&mut rng(10));
    let p = x.public_point();
    let shares = PublicShares {
        client: p,
        server: -p,
    };
    assert_eq!(
        KeyShare::new(Role::Client, x, shares).err(),
        Some(DecodeError::Inconsistent)
    );
}

// ---------------------------------------------------------------------------------------
// Key generation: the server's checks on a client that chose X_c after seeing X_s
// (possible only in a test, which knows the server's seeded RNG).

fn client_committing_to<C: Curve>(x_c: impl Fn(Point<C>) -> Point<C>) -> (Role, Check) {
    let sid = SessionId([5; 32]);
    // Learn X_s: the server's share depends only on its RNG.
    let (_, probe) = keygen::client_start::<C, _>(sid, &mut rng(13)).unwrap();
    let (_, probe_m2) = keygen::server_respond::<C, _>(&probe, &mut rng(14)).unwrap();
    let x_s = payload::<ServerShareMsg<C>>(&probe_m2).public_share;
    let public_share = x_c(x_s);
    // A commitment built exactly as `keygen::commitment_transcript` does.
    let ctx = SessionContext {
        protocol: ProtocolId::Keygen,
        curve: C::ID,
        session: sid,
        me: Role::Client,
    };
    let rid = [9u8; 32];
    let a = Point::<C>::generator();
    let mut t = ctx.transcript("tandem/keygen/commitment/v1");
    t.append("committer", b"client");
    t.append("rid", &rid);
    t.append_point("public-share", &public_share);
    t.append_point("schnorr-commitment", &a);
    let (commitment, opening) = Commitment::commit(t, &mut rng(15));
    let m1 = ctx
        .seal(keygen::round::COMMIT, &CommitMsg { commitment })
        .unwrap();
    let (server, m2) = keygen::server_respond::<C, _>(&m1, &mut rng(14)).unwrap();
    assert_eq!(payload::<ServerShareMsg<C>>(&m2).public_share, x_s);
    let m3 = ctx
        .seal(
            keygen::round::CLIENT_OPENING,
            &ClientOpeningMsg {
                rid,
                public_share,
                opening,
                proof: SchnorrProof {
                    commitment: a,
                    response: Scalar::one(),
                },
            },
        )
        .unwrap();
    misbehaved(server.receive(&m3, &mut rng(16)))
}

#[test]
fn keygen_client_echoing_the_servers_share_is_caught() {
    assert_eq!(
        client_committing_to::<Ed25519>(|x_s| x_s),
        (Role::Client, Check::EchoedValue)
    );
    assert_eq!(
        client_committing_to::<Secp256k1>(|x_s| x_s),
        (Role::Client, Check::EchoedValue)
    );
}

#[test]
fn keygen_client_cancelling_the_key_is_caught() {
    assert_eq!(
        client_committing_to::<Secp256k1>(|x_s| -x_s),
        (Role::Client, Check::DegenerateResult)
    );
    assert_eq!(
        client_committing_to::<Ed25519>(|x_s| -x_s),
        (Role::Client, Check::DegenerateResult)
    );
}

// ---------------------------------------------------------------------------------------
// FROST Ed25519.

#[test]
fn eddsa_server_state_only_accepts_its_own_key_share() {
    let (c, s) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(17), &mut rng(18), &mut NoTap).unwrap();
    let (_, s2) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(19), &mut rng(20), &mut NoTap).unwrap();
    let (client, m1) =
        eddsa_sign::client_start(&c, SessionId([6; 32]), b"m", &mut rng(21)).unwrap();
    let (server, m2) = eddsa_sign::server_receive_request(&s, &m1)
        .unwrap()
        .approve(&s, &mut rng(22))
        .unwrap();
    let (_, m3) = client.receive(&c, &m2).unwrap();
    assert_eq!(
        server.receive(&s2, &m3).err(),
        Some(Error::Misuse(Misuse::KeyShareChanged))
    );
    // The server state's role check comes first.
    let (client, m1) =
        eddsa_sign::client_start(&c, SessionId([7; 32]), b"m", &mut rng(23)).unwrap();
    let (server, m2) = eddsa_sign::server_receive_request(&s, &m1)
        .unwrap()
        .approve(&s, &mut rng(24))
        .unwrap();
    let (_, m3) = client.receive(&c, &m2).unwrap();
    assert!(matches!(
        server.receive(&c, &m3),
        Err(Error::Misuse(Misuse::WrongRole { .. }))
    ));
}

#[test]
fn frost_core_refusals_name_the_variant() {
    let id = |n| Identifier::new(n).unwrap();
    let sk = SecretScalar::<Ed25519>::random_nonzero(&mut rng(25));
    let group = tandem_protocol::eddsa::frost::Element::new(sk.public_point()).unwrap();
    let a = SigningNonces::from_randomness(&[1; 32], &[2; 32], &sk).unwrap();
    let b = SigningNonces::from_randomness(&[3; 32], &[4; 32], &sk).unwrap();
    let (ca, cb) = (a.commitments(), b.commitments());
    assert_eq!(
        SigningPackage::new(group, b"m", vec![]).err(),
        Some(FrostError::CommitmentList)
    );
    assert_eq!(
        SigningPackage::new(group, b"m", vec![(id(2), ca), (id(1), cb)]).err(),
        Some(FrostError::CommitmentList)
    );
    assert_eq!(
        SigningPackage::new(group, b"m", vec![(id(1), ca), (id(1), cb)]).err(),
        Some(FrostError::CommitmentList)
    );
    let pkg = SigningPackage::new(group, b"m", vec![(id(1), ca), (id(2), cb)]).unwrap();
    // Signer 1 with signer 2's nonces; a signer that is not in the package.
    assert_eq!(
        pkg.sign(id(1), &sk, b).err(),
        Some(FrostError::SignerCommitment)
    );
    assert_eq!(pkg.lambda(id(3)).err(), Some(FrostError::SignerCommitment));
    assert!(!pkg.verify_share(id(3), &sk.public_point(), &Scalar::one()));
    assert_eq!(
        derive_interpolating_value(&[id(1), id(2)], id(3)).err(),
        Some(FrostError::CommitmentList)
    );
    drop(a);
}

// ---------------------------------------------------------------------------------------
// ECDSA fixtures: the frozen key shares, one aux-info start, one presigning, signing and
// full-signing run with copies of every state.

struct Keys {
    client: EcdsaKeyShare,
    server: EcdsaKeyShare,
    /// Shares of another sharing with the same Paillier material (another keygen core).
    other_client: EcdsaKeyShare,
    other_server: EcdsaKeyShare,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pair = fixture_pair();
        let (client, server) = (pair.client, pair.server);
        let (core_c, core_s) =
            driver::keygen::<Secp256k1, _, _, _>(&mut rng(30), &mut rng(31), &mut NoTap).unwrap();
        let other = |core, share: &EcdsaKeyShare| {
            EcdsaKeyShare::new(core, copy(share.own()), copy(share.peer())).unwrap()
        };
        Keys {
            other_client: other(core_c, &client),
            other_server: other(core_s, &server),
            client,
            server,
        }
    })
}

fn core_copy(share: &EcdsaKeyShare) -> KeyShare<Secp256k1> {
    KeyShare::from_bytes(&share.core().to_bytes().unwrap()).unwrap()
}

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

// ---------------------------------------------------------------------------------------
// Auxiliary information (CGGMP24 Fig. 7): every refusal of the peer's parameters, by name.

struct AuxRun {
    m2: Vec<u8>,
    client_awaiting_reveal: Vec<u8>,
}

fn aux_run() -> &'static AuxRun {
    static RUN: OnceLock<AuxRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let k = keys();
        let (c, m1) = aux_info::client_start(
            core_copy(&k.client),
            primes::paillier_key(2).unwrap(),
            SessionId([0x46; 32]),
            &mut rng(70),
        )
        .unwrap();
        let (_, m2) = aux_info::server_respond(
            core_copy(&k.server),
            primes::paillier_key(3).unwrap(),
            &m1,
            &mut rng(71),
        )
        .unwrap();
        AuxRun {
            m2,
            client_awaiting_reveal: c.save().unwrap().to_vec(),
        }
    })
}

#[test]
fn aux_server_parameters_refused_by_name() {
    let a = aux_run();
    let other = primes::aux(4, &mut rng(72)).unwrap().1.to_wire();
    type Tamper = Box<dyn Fn(&mut RevealMsg)>;
    let cases: Vec<(&str, Tamper, Check)> = vec![
        (
            "N of 3071 bits",
            Box::new(|r| r.n = r.n.shr_vartime(1)),
            Check::AuxParameters("Paillier modulus must have exactly 3072 bits and be odd"),
        ),
        (
            "N even",
            Box::new(|r| r.n = r.n.wrapping_add(&U3072::ONE)),
            Check::AuxParameters("Paillier modulus must have exactly 3072 bits and be odd"),
        ),
        (
            "s = t",
            Box::new(|r| r.ring_pedersen.s = r.ring_pedersen.t),
            Check::AuxParameters("ring-Pedersen s, t must be distinct units other than 1 and N-1"),
        ),
        (
            "t not a unit",
            Box::new(|r| r.ring_pedersen.t = U3072::ZERO),
            Check::AuxParameters("ring-Pedersen s, t must be distinct units other than 1 and N-1"),
        ),
        (
            "ring-Pedersen on another modulus",
            Box::new(move |r| r.ring_pedersen = other.clone()),
            Check::AuxParameters("ring-Pedersen modulus differs from the Paillier modulus"),
        ),
        (
            "Πprm short",
            Box::new(|r| {
                r.prm.commitments.pop();
                r.prm.responses.pop();
            }),
            Check::Proof(ProofError::Length("Πprm repetitions (A_i, z_i)")),
        ),
        (
            "Πprm A_0 = 0",
            Box::new(|r| r.prm.commitments[0] = U3072::ZERO),
            Check::Proof(ProofError::NotInGroup("Πprm A_i")),
        ),
        (
            "Πprm z_0 = N",
            Box::new(|r| r.prm.responses[0] = r.n),
            Check::Proof(ProofError::OutOfRange("Πprm z_i < N (Fig. 13)")),
        ),
        (
            "Πprm z_3 + 1",
            Box::new(|r| r.prm.responses[3] = r.prm.responses[3].wrapping_add(&U3072::ONE)),
            Check::Proof(ProofError::Repetition {
                index: 3,
                check: "Πprm t^z_i = A_i s^e_i (Fig. 13)",
            }),
        ),
    ];
    for (name, f, expected) in cases {
        let client =
            ClientAwaitingReveal::restore(CurveId::Secp256k1, &a.client_awaiting_reveal).unwrap();
        let bad = tamper::<RevealMsg>(&a.m2, |r| f(r));
        // The parameters are checked before the client opens its commitment; Πprm after
        // (the opening reveals nothing secret) and before the client proves anything under
        // the server's parameters.
        let result = match client.receive(&bad) {
            Ok((opened, _opening)) => {
                assert!(name.starts_with("Πprm"), "{name}: opened on bad parameters");
                opened.prove(&mut rng(73)).map(|_| ())
            }
            Err(e) => Err(e),
        };
        assert_eq!(misbehaved(result), (Role::Server, expected), "{name}");
    }
}

/// The server's aux-info checks on a client that committed to `reveal` (the commitment is
/// built exactly as `aux_info::commitment_transcript` does).
fn aux_server_on(reveal: RevealMsg) -> (Role, Check) {
    misbehaved(aux_server_result(reveal))
}

/// The server's round-4 step on a client that committed to `reveal`.
fn aux_server_result(reveal: RevealMsg) -> Result<(), Error> {
    let k = keys();
    let sid = SessionId([0x47; 32]);
    let ctx = SessionContext {
        protocol: ProtocolId::AuxInfo,
        curve: CurveId::Secp256k1,
        session: sid,
        me: Role::Client,
    };
    let sharing_id = k.client.sharing_id();
    let mut t = ctx.transcript("tandem/aux-info/commitment/v1");
    t.append("sharing-id", &sharing_id);
    t.append("committer", b"client");
    t.append("reveal", &codec::encode(&reveal).unwrap());
    let (commitment, opening) = Commitment::commit(t, &mut rng(74));
    let m1 = ctx
        .seal(
            aux_info::round::COMMIT,
            &aux_info::CommitMsg {
                sharing_id,
                commitment,
            },
        )
        .unwrap();
    let (server, _) = aux_info::server_respond(
        core_copy(&k.server),
        primes::paillier_key(3).unwrap(),
        &m1,
        &mut rng(75),
    )
    .unwrap();
    let m3 = ctx
        .seal(
            aux_info::round::CLIENT_OPENING,
            &OpeningMsg { reveal, opening },
        )
        .unwrap();
    server.receive(&m3, &mut rng(76)).map(|_| ())
}

#[test]
fn aux_client_echoing_the_servers_modulus_is_caught() {
    // The fixture key the server uses is known in advance here: the client commits to it.
    let server_key = primes::aux(3, &mut rng(77)).unwrap();
    let reveal = RevealMsg {
        n: *server_key.0.public().n().as_ref(),
        ring_pedersen: server_key.1.to_wire(),
        prm: payload::<RevealMsg>(&aux_run().m2).prm,
        rho: [0; 32],
    };
    assert_eq!(
        aux_server_on(reveal.clone()),
        (
            Role::Client,
            Check::AuxParameters("peer's modulus equals ours")
        )
    );
    let mut even = reveal;
    even.n = even.n.wrapping_add(&U3072::ONE);
    assert_eq!(
        aux_server_on(even),
        (
            Role::Client,
            Check::AuxParameters("Paillier modulus must have exactly 3072 bits and be odd")
        )
    );
}

/// An honest client reveal for the session of [`aux_server_on`] (its Πprm bound to that
/// session and the client's role): the client's opening after an honest server's round 2.
fn honest_client_reveal() -> RevealMsg {
    let k = keys();
    let (client, m1) = aux_info::client_start(
        core_copy(&k.client),
        primes::paillier_key(2).unwrap(),
        SessionId([0x47; 32]),
        &mut rng(78),
    )
    .unwrap();
    let (_, m2) = aux_info::server_respond(
        core_copy(&k.server),
        primes::paillier_key(3).unwrap(),
        &m1,
        &mut rng(75),
    )
    .unwrap();
    let (_, m3) = client.receive(&m2).unwrap();
    payload::<OpeningMsg>(&m3).reveal
}

#[test]
fn aux_server_checks_the_committed_parameters_and_prm_before_proving() {
    // The values open the commitment, so only the parameter checks and Πprm stand between
    // them and the server's Πfac under the client's parameters (AUX-5..7).
    let honest = honest_client_reveal();
    let other = primes::aux(4, &mut rng(79)).unwrap().1.to_wire();
    type Tamper = Box<dyn Fn(&mut RevealMsg)>;
    let cases: Vec<(&str, Tamper, Check)> = vec![
        (
            "s = t",
            Box::new(|r| r.ring_pedersen.s = r.ring_pedersen.t),
            Check::AuxParameters("ring-Pedersen s, t must be distinct units other than 1 and N-1"),
        ),
        (
            "ring-Pedersen on another modulus",
            Box::new(move |r| r.ring_pedersen = other.clone()),
            Check::AuxParameters("ring-Pedersen modulus differs from the Paillier modulus"),
        ),
        (
            "Πprm z_3 + 1",
            Box::new(|r| r.prm.responses[3] = r.prm.responses[3].wrapping_add(&U3072::ONE)),
            Check::Proof(ProofError::Repetition {
                index: 3,
                check: "Πprm t^z_i = A_i s^e_i (Fig. 13)",
            }),
        ),
    ];
    for (name, f, expected) in cases {
        let mut reveal = honest.clone();
        f(&mut reveal);
        assert_eq!(aux_server_on(reveal), (Role::Client, expected), "{name}");
    }
    // The untouched reveal passes: the cases above fail on their tampering alone.
    assert!(aux_server_result(honest).is_ok());
}

// ---------------------------------------------------------------------------------------
// Stored ECDSA key shares and their auxiliary parts.

#[test]
fn ecdsa_key_share_storage_checks() {
    let k = keys();
    // The integrity check (the last 32 bytes of the stored share).
    let mut bytes = k.client.to_bytes().unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assert_eq!(
        EcdsaKeyShare::from_bytes(&bytes).err(),
        Some(Error::Storage(DecodeError::Inconsistent))
    );
    // Our own auxiliary secrets (λ < φ(N), a valid prime pair): `src/ecdsa/key_share.rs`
    // (`own_aux_storage_checks`).
    // The peer's parameters with s = t.
    let mut wire = k.client.peer().ring_pedersen().to_wire();
    wire.s = wire.t;
    assert_eq!(
        codec::decode::<PeerAux>(&codec::encode(&wire).unwrap()).err(),
        Some(DecodeError::InvalidValue)
    );
    // The peer's modulus equal to ours.
    let own_as_peer: PeerAux =
        codec::decode(&codec::encode(&k.client.own().ring_pedersen().to_wire()).unwrap()).unwrap();
    assert_eq!(
        EcdsaKeyShare::new(core_copy(&k.client), copy(k.client.own()), own_as_peer).err(),
        Some(DecodeError::Inconsistent)
    );
    // Ring-Pedersen parameters on another modulus than the Paillier key.
    let (sk, _, _) = primes::aux(2, &mut rng(78)).unwrap();
    let (_, rp, td) = primes::aux(3, &mut rng(79)).unwrap();
    assert_eq!(
        OwnAux::new(sk, rp, td).err(),
        Some(DecodeError::Inconsistent)
    );
}

/// RFC 9591 Section 4.2: a participant list with a repeated identifier is refused by the
/// interpolation itself, not only by the signing package.
#[test]
fn interpolation_refuses_repeated_identifiers() {
    use tandem_protocol::eddsa::frost::{FrostError, Identifier, derive_interpolating_value};
    let id = |n: u16| Identifier::new(n).unwrap();
    for list in [
        vec![id(1), id(2), id(2)],
        vec![id(1), id(1), id(2)],
        vec![id(2), id(1), id(2)],
    ] {
        assert!(matches!(
            derive_interpolating_value(&list, id(1)),
            Err(FrostError::CommitmentList)
        ));
    }
    assert!(derive_interpolating_value(&[id(1), id(2)], id(1)).is_ok());
}

/// A first message with the wire version byte changed (the version is the envelope's first
/// field; 1 encodes as the single byte 0x01).
fn with_version_2(m: &[u8]) -> Vec<u8> {
    assert_eq!(m[0], 1, "wire version 1 is one varint byte");
    let mut v = m.to_vec();
    v[0] = 2;
    v
}

#[test]
fn every_server_refuses_a_first_message_of_an_unknown_version() {
    // The server starts its session from the client's first message; an unknown version is a
    // refusal naming the client, as in every later round (not a decoding failure).
    let expect = |r: Result<(), Error>, what: &str| {
        assert_eq!(
            r,
            Err(Error::Refused {
                sender: Role::Client,
                reason: Refusal::UnsupportedVersion(2)
            }),
            "{what}"
        );
    };
    let k = keys();
    let (_, m1) = keygen::client_start::<Ed25519, _>(SessionId([0x51; 32]), &mut rng(90)).unwrap();
    expect(
        keygen::server_respond::<Ed25519, _>(&with_version_2(&m1), &mut rng(91)).map(drop),
        "keygen",
    );
    let (ec, es) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(92), &mut rng(93), &mut NoTap).unwrap();
    let (_, m1) = eddsa_sign::client_start(&ec, SessionId([0x52; 32]), b"m", &mut rng(94)).unwrap();
    expect(
        eddsa_sign::server_receive_request(&es, &with_version_2(&m1)).map(drop),
        "FROST signing",
    );
    let (_, m1) = aux_info::client_start(
        core_copy(&k.client),
        primes::paillier_key(2).unwrap(),
        SessionId([0x53; 32]),
        &mut rng(95),
    )
    .unwrap();
    expect(
        aux_info::server_respond(
            core_copy(&k.server),
            primes::paillier_key(3).unwrap(),
            &with_version_2(&m1),
            &mut rng(96),
        )
        .map(drop),
        "aux info",
    );
    let (_, m1) = presign::client_start(&k.client, SessionId([0x54; 32]), &mut rng(97)).unwrap();
    expect(
        presign::server_respond(&k.server, &with_version_2(&m1), &mut rng(98)).map(drop),
        "presigning",
    );
    let (_, m1) =
        full_sign::client_start(&k.client, SessionId([0x55; 32]), &[1; 32], &mut rng(99)).unwrap();
    expect(
        full_sign::server_respond(&k.server, &with_version_2(&m1), &mut rng(100)).map(drop),
        "full signing",
    );
    let (c, s) = driver::presign(
        &k.client,
        &k.server,
        &mut rng(101),
        &mut rng(102),
        &mut NoTap,
    )
    .unwrap();
    drop(s);
    let (_, m1) =
        sign::client_start(&k.client, c, SessionId([0x56; 32]), &[2; 32], &mut rng(103)).unwrap();
    expect(
        sign::server_receive_request(&k.server, &with_version_2(&m1)).map(drop),
        "signing",
    );
}
