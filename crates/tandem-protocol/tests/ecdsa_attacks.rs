//! A dishonest peer in every ECDSA protocol: each value and each proof of each message is
//! tampered with in turn, and the honest party must abort naming the peer (identifiable
//! abort, CGGMP24 Section 4). Also replays across sessions, rounds and protocols.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use std::sync::LazyLock;

use tandem_curves::{Curve, EncodedPoint, Point, Scalar, Secp256k1};
use tandem_paillier::bigint::{I1024, I2048, I4096, U3072, U6144};
use tandem_paillier::paillier::Ciphertext;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::aux_info::{
    self, ClientAwaitingProofs, ClientAwaitingReveal, CommitMsg, OpeningMsg, ProofsMsg, RevealMsg,
    ServerAwaitingOpening, ServerAwaitingProofs,
};
use tandem_protocol::ecdsa::presign::{
    self, DeltaMsg, EncryptedNoncesMsg, MtaAndDeltaMsg, MtaMsg, NoncesAndMtaMsg,
};
use tandem_protocol::ecdsa::sign::{self, SignFinishMsg, SignResponseMsg};
use tandem_protocol::ecdsa::{PresignaturePool, full_sign};
use tandem_protocol::message::peek_header;
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Check, Error, Message, Refusal, Role, SessionId};
use tandem_testkit::ecdsa::PAIR;
use tandem_testkit::message::{rng, tamper};
use tandem_testkit::primes;

fn round_of(m: &[u8]) -> u8 {
    peek_header(m).unwrap().round
}

fn one() -> Ciphertext {
    Ciphertext(U6144::ONE)
}

fn bump_ct(c: &mut Ciphertext) {
    c.0 = c.0.wrapping_add(&U6144::from_u8(2));
}

fn bump_point(p: &mut Point<Secp256k1>) {
    *p = *p + Point::generator();
}

/// The error must be an identifiable abort (or a refusal) naming `culprit`.
fn assert_blames(err: &Error, culprit: Role, what: &str) {
    assert_eq!(err.culprit(), Some(culprit), "{what}: {err:?}");
    assert!(
        matches!(err, Error::Misbehaved { .. } | Error::Refused { .. }),
        "{what}: {err:?}"
    );
}

fn check_of(err: &Error) -> Check {
    match err {
        Error::Misbehaved { check, .. } => *check,
        other => panic!("expected an identifiable abort, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Presigning (CGGMP24 Fig. 8).

/// Runs presigning with `f` applied to the payload of message `round`; returns the error.
fn presign_attack<T: serde::Serialize + serde::de::DeserializeOwned>(
    round: u8,
    f: impl Fn(&mut T),
) -> Error {
    let p = &*PAIR;
    let mut tap = |_: Role, m: &mut Vec<u8>| {
        if round_of(m) == round {
            *m = tamper::<T>(m, &f);
        }
    };
    driver::presign(&p.client, &p.server, &mut rng(1), &mut rng(2), &mut tap)
        .expect_err("tampering must be detected")
}

type R1Tamper = fn(&mut EncryptedNoncesMsg);
type R2Tamper = fn(&mut MtaMsg);
type R3Tamper = fn(&mut DeltaMsg);

/// Every field of a round-1 message (CGGMP24 Fig. 8, round 1 and the checks of round 2).
fn round1_tampers() -> Vec<(&'static str, R1Tamper)> {
    vec![
        ("K", |r| bump_ct(&mut r.k)),
        ("G", |r| bump_ct(&mut r.g)),
        ("Y", |r| bump_point(&mut r.y)),
        ("A1", |r| bump_point(&mut r.a1)),
        ("A2", |r| bump_point(&mut r.a2)),
        ("B1", |r| bump_point(&mut r.b1)),
        ("B2", |r| bump_point(&mut r.b2)),
        ("psi0.z1", |r| {
            r.psi0.z1 = r.psi0.z1.wrapping_add(&I1024::ONE);
        }),
        ("psi0.z2", |r| {
            r.psi0.z2 = r.psi0.z2.wrapping_add(&U3072::ONE);
        }),
        ("psi1.w", |r| r.psi1.w = r.psi1.w + Scalar::one()),
        ("psi1.D", |r| bump_ct(&mut r.psi1.d)),
        ("K := 1", |r| r.k = one()),
    ]
}

/// Every field of a round-2 message (CGGMP24 Fig. 8, round 2 and the checks of round 3).
fn round2_tampers() -> Vec<(&'static str, R2Tamper)> {
    vec![
        ("Gamma", |r| bump_point(&mut r.gamma)),
        ("psi~.z", |r| r.psi_tilde.z = r.psi_tilde.z + Scalar::one()),
        ("psi~.A", |r| bump_point(&mut r.psi_tilde.a)),
        ("D", |r| bump_ct(&mut r.d)),
        ("F", |r| bump_ct(&mut r.f)),
        ("D^", |r| bump_ct(&mut r.d_hat)),
        ("F^", |r| bump_ct(&mut r.f_hat)),
        ("psi.z1", |r| r.psi.z1 = r.psi.z1.wrapping_add(&I1024::ONE)),
        ("psi.z2", |r| r.psi.z2 = r.psi.z2.wrapping_add(&I2048::ONE)),
        ("psi.z3", |r| r.psi.z3 = r.psi.z3.wrapping_add(&I4096::ONE)),
        ("psi.w_y", |r| {
            r.psi.w_y = r.psi.w_y.wrapping_add(&U3072::ONE)
        }),
        ("psi^.w", |r| {
            r.psi_hat.w = r.psi_hat.w.wrapping_add(&U3072::ONE);
        }),
        ("psi^.B_x", |r| bump_point(&mut r.psi_hat.b_x)),
        ("psi^.E", |r| {
            r.psi_hat.e = r.psi_hat.e.wrapping_add(&U3072::ONE)
        }),
    ]
}

/// Every field of a round-3 message (CGGMP24 Fig. 8, round 3 and the output checks), with the
/// check expected to catch it.
fn round3_tampers() -> Vec<(&'static str, R3Tamper, Option<Check>)> {
    vec![
        (
            "delta",
            |r| r.delta = r.delta + Scalar::one(),
            Some(Check::Delta),
        ),
        ("S", |r| bump_point(&mut r.s), Some(Check::Chi)),
        ("Delta", |r| bump_point(&mut r.big_delta), None),
        (
            "psi'.z",
            |r| r.psi_prime.z = r.psi_prime.z + Scalar::one(),
            None,
        ),
        ("psi'.B", |r| bump_point(&mut r.psi_prime.b), None),
    ]
}

fn assert_proof_or(err: &Error, expected: Option<Check>, culprit: Role, what: &str) {
    assert_blames(err, culprit, what);
    match expected {
        Some(c) => assert_eq!(check_of(err), c, "{what}"),
        None => assert!(matches!(check_of(err), Check::Proof(_)), "{what}: {err:?}"),
    }
}

#[test]
fn presign_client_round1_tampered() {
    // The server checks the client's Πenc-elg proofs before it uses K (CGGMP24 Fig. 8
    // round 2 step 1): nothing of the server's is computed on an unchecked K.
    for (name, f) in round1_tampers() {
        let e = presign_attack::<EncryptedNoncesMsg>(presign::round::CLIENT_NONCES, f);
        assert_proof_or(&e, None, Role::Client, name);
    }
}

#[test]
fn presign_server_round1_tampered() {
    for (name, f) in round1_tampers() {
        let e = presign_attack::<NoncesAndMtaMsg>(presign::round::SERVER_NONCES_MTA, |m| {
            f(&mut m.nonces)
        });
        assert_proof_or(&e, None, Role::Server, name);
    }
}

#[test]
fn presign_server_round2_tampered() {
    for (name, f) in round2_tampers() {
        let e =
            presign_attack::<NoncesAndMtaMsg>(presign::round::SERVER_NONCES_MTA, |m| f(&mut m.mta));
        assert_proof_or(&e, None, Role::Server, name);
    }
}

#[test]
fn presign_client_round2_tampered() {
    for (name, f) in round2_tampers() {
        let e = presign_attack::<MtaAndDeltaMsg>(presign::round::CLIENT_MTA_DELTA, |m| {
            f(&mut m.mta);
        });
        assert_proof_or(&e, None, Role::Client, name);
    }
}

#[test]
fn presign_round3_tampered_either_way() {
    for (name, f, expected) in round3_tampers() {
        let e = presign_attack::<MtaAndDeltaMsg>(presign::round::CLIENT_MTA_DELTA, |m| {
            f(&mut m.delta);
        });
        assert_proof_or(&e, expected, Role::Client, name);
        let e = presign_attack::<DeltaMsg>(presign::round::SERVER_DELTA, f);
        assert_proof_or(&e, expected, Role::Server, name);
    }
}

#[test]
fn presign_for_another_sharing_is_refused() {
    let e = presign_attack::<EncryptedNoncesMsg>(presign::round::CLIENT_NONCES, |r| {
        r.sharing_id[0] ^= 1
    });
    assert_eq!(
        e,
        Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch
        }
    );
    let e = presign_attack::<NoncesAndMtaMsg>(presign::round::SERVER_NONCES_MTA, |m| {
        m.nonces.sharing_id[0] ^= 1;
    });
    assert_eq!(
        e,
        Error::Refused {
            sender: Role::Server,
            reason: Refusal::KeyShareMismatch
        }
    );
}

#[test]
fn presign_peer_echoing_our_round1_is_caught() {
    // The server answers with the client's own K, G and proofs as its round 1: the proofs
    // are bound to the prover's role and key, so they do not verify as the server's.
    let p = &*PAIR;
    let (client, m1) = presign::client_start(&p.client, SessionId([9; 32]), &mut rng(3)).unwrap();
    let (_, m2) = presign::server_respond(&p.server, &m1, &mut rng(4)).unwrap();
    let client_r1: EncryptedNoncesMsg =
        tandem_protocol::codec::decode(&Message::from_bytes(&m1).unwrap().payload).unwrap();
    let echoed = tamper::<NoncesAndMtaMsg>(&m2, |m| m.nonces = client_r1.clone());
    let e = client
        .receive(&p.client, &echoed, &mut rng(5))
        .err()
        .unwrap();
    assert_blames(&e, Role::Server, "echo");
}

#[test]
fn presign_replays_are_refused() {
    let p = &*PAIR;
    // Two sessions side by side.
    let (client_a, m1a) =
        presign::client_start(&p.client, SessionId([1; 32]), &mut rng(10)).unwrap();
    let (_, m1b) = presign::client_start(&p.client, SessionId([2; 32]), &mut rng(11)).unwrap();
    let (server_a, _) = presign::server_respond(&p.server, &m1a, &mut rng(12)).unwrap();
    let (_, m2b) = presign::server_respond(&p.server, &m1b, &mut rng(13)).unwrap();
    // Session B's message in session A.
    let e = client_a
        .receive(&p.client, &m2b, &mut rng(14))
        .err()
        .unwrap();
    assert_eq!(
        e,
        Error::Refused {
            sender: Role::Server,
            reason: Refusal::WrongSession
        }
    );
    // An old round replayed: the client's first message where its second is expected.
    let e = server_a
        .receive(&p.server, &m1a, &mut rng(15))
        .err()
        .unwrap();
    assert!(
        matches!(
            e,
            Error::Refused {
                sender: Role::Client,
                reason: Refusal::WrongRound { .. }
            }
        ),
        "{e:?}"
    );
    // A presigning message offered to full signing.
    let e = full_sign::server_respond(&p.server, &m1a, &mut rng(16))
        .err()
        .unwrap();
    assert!(
        matches!(
            e,
            Error::Refused {
                sender: Role::Client,
                reason: Refusal::WrongProtocol { .. }
            }
        ),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Signing from a presignature (CGGMP24 Fig. 10 with the Groth-Shoup re-randomisation).

#[test]
fn sign_partial_signatures_tampered() {
    let p = &*PAIR;
    let digest = [0x5a; 32];
    // The server's σ_s, ρ_s or R': the client names the server and the check.
    type Tamper = fn(&mut SignResponseMsg);
    let server_tampers: [(&str, Tamper, Check); 4] = [
        (
            "sigma_s",
            |m| m.sigma = m.sigma + Scalar::one(),
            Check::PartialSignature,
        ),
        ("rho_s", |m| m.rho[0] ^= 1, Check::NoncePoint),
        (
            "R'",
            |m| m.r_point = shift(m.r_point, Point::generator()),
            Check::NoncePoint,
        ),
        ("-R'", |m| m.r_point = negate(m.r_point), Check::NoncePoint),
    ];
    for (i, (name, f, check)) in server_tampers.into_iter().enumerate() {
        let (cp, sp) = driver::presign(
            &p.client,
            &p.server,
            &mut rng(20 + i as u64),
            &mut rng(30),
            &mut NoTap,
        )
        .unwrap();
        let mut tap = |from: Role, m: &mut Vec<u8>| {
            if from == Role::Server {
                *m = tamper::<SignResponseMsg>(m, f);
            }
        };
        let e = driver::ecdsa_sign(
            &p.client,
            &p.server,
            cp,
            sp,
            &digest,
            &mut rng(40),
            &mut rng(41),
            &mut tap,
        )
        .err()
        .unwrap();
        assert_eq!(
            e,
            Error::Misbehaved {
                culprit: Role::Server,
                check
            },
            "{name}"
        );
    }
    // The client's σ_c: the server names the client.
    let (cp, sp) =
        driver::presign(&p.client, &p.server, &mut rng(50), &mut rng(51), &mut NoTap).unwrap();
    let mut tap = |from: Role, m: &mut Vec<u8>| {
        if from == Role::Client && round_of(m) == sign::round::FINISH {
            *m = tamper::<SignFinishMsg>(m, |f| f.sigma = f.sigma + Scalar::one());
        }
    };
    let e = driver::ecdsa_sign(
        &p.client,
        &p.server,
        cp,
        sp,
        &digest,
        &mut rng(52),
        &mut rng(53),
        &mut tap,
    )
    .err()
    .unwrap();
    assert_eq!(
        e,
        Error::Misbehaved {
            culprit: Role::Client,
            check: Check::PartialSignature
        }
    );
}

#[test]
fn a_presignature_is_never_spent_twice() {
    // The server's pool: the second request for the same presignature is refused, also
    // after a restart from the stored pool, and a restored copy cannot be put back.
    let p = &*PAIR;
    let (cp, sp) =
        driver::presign(&p.client, &p.server, &mut rng(70), &mut rng(71), &mut NoTap).unwrap();
    let stored_copy = {
        // What a careless store might still hold after the presignature was spent.
        let pool = PresignaturePool::new(&p.server);
        pool.insert(sp).unwrap();
        pool.to_bytes().unwrap()
    };
    let pool = PresignaturePool::from_bytes(&stored_copy, &p.server).unwrap();
    let cp_bytes = cp.to_bytes().unwrap();
    let cp = tandem_protocol::ecdsa::Presignature::from_bytes(&cp_bytes).unwrap();
    let id = cp.id();
    let (client, m1) =
        sign::client_start(&p.client, cp, SessionId([8; 32]), &[3; 32], &mut rng(72)).unwrap();
    let request = sign::server_receive_request(&p.server, &m1).unwrap();
    let sp = pool.take(request.presignature_id()).unwrap();
    let (server, m2) = request.approve(&p.server, sp, &mut rng(73)).unwrap();
    let (sig, m3) = client.receive(&p.client, &m2).unwrap();
    assert_eq!(server.receive(&p.server, &m3).unwrap(), sig);
    // Replay of the same request: refused, naming the client.
    let replay = sign::server_receive_request(&p.server, &m1).unwrap();
    assert_eq!(
        pool.take(replay.presignature_id()).err(),
        Some(Error::Refused {
            sender: Role::Client,
            reason: Refusal::PresignatureSpent
        })
    );
    // After a restart from the pool's stored form: still spent.
    let restarted = PresignaturePool::from_bytes(&pool.to_bytes().unwrap(), &p.server).unwrap();
    assert_eq!(
        restarted.take(id).err(),
        Some(Error::Refused {
            sender: Role::Client,
            reason: Refusal::PresignatureSpent
        })
    );
    // The stale stored copy of the spent presignature cannot be put back.
    let stale = PresignaturePool::from_bytes(&stored_copy, &p.server).unwrap();
    let stale_sp = stale.take(id).unwrap();
    assert_eq!(
        restarted.insert(stale_sp).err(),
        Some(Error::Misuse(tandem_protocol::Misuse::PresignatureReused))
    );
    // The client's copy read back twice from its stored form is also refused by its pool.
    let client_pool = PresignaturePool::new(&p.client);
    client_pool
        .insert(tandem_protocol::ecdsa::Presignature::from_bytes(&cp_bytes).unwrap())
        .unwrap();
    assert!(client_pool.take_any().is_some());
    assert_eq!(
        client_pool
            .insert(tandem_protocol::ecdsa::Presignature::from_bytes(&cp_bytes).unwrap())
            .err(),
        Some(Error::Misuse(tandem_protocol::Misuse::PresignatureReused))
    );
    assert!(client_pool.take_any().is_none());
}

// ---------------------------------------------------------------------------------------
// Auxiliary information (CGGMP24 Fig. 7): the honest run is made once; each attack restores
// the victim's saved state and feeds it a tampered message.

struct AuxRun {
    m: [Vec<u8>; 5],
    client_awaiting_reveal: Vec<u8>,
    server_awaiting_opening: Vec<u8>,
    client_awaiting_proofs: Vec<u8>,
    server_awaiting_proofs: Vec<u8>,
}

static AUX: LazyLock<AuxRun> = LazyLock::new(|| {
    let (c, s) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(80), &mut rng(81), &mut NoTap).unwrap();
    let (client, m1) = aux_info::client_start(
        c,
        primes::paillier_key(2).unwrap(),
        SessionId([0xa0; 32]),
        &mut rng(82),
    )
    .unwrap();
    let client_awaiting_reveal = save_copy(client);
    let client = ClientAwaitingReveal::restore(Secp256k1::ID, &client_awaiting_reveal).unwrap();
    let (server, m2) =
        aux_info::server_respond(s, primes::paillier_key(3).unwrap(), &m1, &mut rng(83)).unwrap();
    let server_awaiting_opening = save_copy(server);
    let server = ServerAwaitingOpening::restore(Secp256k1::ID, &server_awaiting_opening).unwrap();
    let (client, m3) = client.receive(&m2).unwrap();
    let (client, m5) = client.prove(&mut rng(84)).unwrap();
    let client_awaiting_proofs = save_copy(client);
    let (server, m4) = server.receive(&m3, &mut rng(85)).unwrap();
    let server_awaiting_proofs = save_copy(server);
    AuxRun {
        m: [m1, m2, m3, m4, m5],
        client_awaiting_reveal,
        server_awaiting_opening,
        client_awaiting_proofs,
        server_awaiting_proofs,
    }
});

fn save_copy<S: SessionState>(s: S) -> Vec<u8> {
    s.save().unwrap().to_vec()
}

/// The client's steps on round 2: the parameter checks before it opens, Πprm before it proves.
fn aux_client_on_reveal(m2: &[u8]) -> Error {
    let c = ClientAwaitingReveal::restore(Secp256k1::ID, &AUX.client_awaiting_reveal).unwrap();
    c.receive(m2)
        .and_then(|(opened, _)| opened.prove(&mut rng(84)))
        .expect_err("must be refused")
}

fn aux_server_on_opening(m3: &[u8]) -> Error {
    let s = ServerAwaitingOpening::restore(Secp256k1::ID, &AUX.server_awaiting_opening).unwrap();
    s.receive(m3, &mut rng(85)).expect_err("must be refused")
}

fn aux_client_on_proofs(m4: &[u8]) -> Error {
    let c = ClientAwaitingProofs::restore(Secp256k1::ID, &AUX.client_awaiting_proofs).unwrap();
    c.receive(m4).expect_err("must be refused")
}

fn aux_server_on_proofs(m5: &[u8]) -> Error {
    let s = ServerAwaitingProofs::restore(Secp256k1::ID, &AUX.server_awaiting_proofs).unwrap();
    s.receive(m5).expect_err("must be refused")
}

type RevealTamper = fn(&mut RevealMsg);

fn reveal_tampers() -> Vec<(&'static str, RevealTamper)> {
    vec![
        ("N", |r| r.n = r.n.wrapping_add(&U3072::from_u8(2))),
        ("N even", |r| r.n = r.n.wrapping_add(&U3072::ONE)),
        ("s", |r| {
            r.ring_pedersen.s = r.ring_pedersen.s.wrapping_add(&U3072::ONE);
        }),
        ("t", |r| {
            r.ring_pedersen.t = r.ring_pedersen.t.wrapping_add(&U3072::ONE);
        }),
        ("s = t", |r| r.ring_pedersen.s = r.ring_pedersen.t),
        ("prm commitment", |r| {
            r.prm.commitments[5] = r.prm.commitments[5].wrapping_add(&U3072::ONE);
        }),
        ("prm response", |r| {
            r.prm.responses[127] = r.prm.responses[127].wrapping_add(&U3072::ONE);
        }),
        ("prm truncated", |r| {
            r.prm.responses.pop();
        }),
    ]
}

#[test]
fn aux_server_reveal_tampered() {
    for (name, f) in reveal_tampers() {
        let e = aux_client_on_reveal(&tamper::<RevealMsg>(&AUX.m[1], f));
        assert_blames(&e, Role::Server, name);
    }
    // The server echoes the client's own modulus: refused before any proof is checked.
    let m3: OpeningMsg =
        tandem_protocol::codec::decode(&Message::from_bytes(&AUX.m[2]).unwrap().payload).unwrap();
    let e = aux_client_on_reveal(&tamper::<RevealMsg>(&AUX.m[1], |r| *r = m3.reveal.clone()));
    assert_eq!(
        check_of(&e),
        Check::AuxParameters("peer's modulus equals ours")
    );
}

#[test]
fn aux_client_opening_tampered() {
    for (name, f) in reveal_tampers() {
        let e = aux_server_on_opening(&tamper::<OpeningMsg>(&AUX.m[2], |m| f(&mut m.reveal)));
        // The revealed values no longer open the round-1 commitment.
        assert_eq!(check_of(&e), Check::CommitmentOpening, "{name}");
        assert_blames(&e, Role::Client, name);
    }
    type Tamper = fn(&mut OpeningMsg);
    let cases: [(&str, Tamper); 2] = [
        ("rho_c", |m| m.reveal.rho[0] ^= 1),
        ("opening", |m| m.opening.0[3] ^= 1),
    ];
    for (name, f) in cases {
        let e = aux_server_on_opening(&tamper::<OpeningMsg>(&AUX.m[2], f));
        assert_blames(&e, Role::Client, name);
        assert_eq!(check_of(&e), Check::CommitmentOpening, "{name}");
    }
}

#[test]
fn aux_client_proofs_tampered() {
    type Tamper = fn(&mut ProofsMsg);
    let cases: [(&str, Tamper); 5] = [
        ("Πmod w", |m| {
            m.modulus.w = m.modulus.w.wrapping_add(&U3072::ONE)
        }),
        ("Πmod z", |m| {
            m.modulus.z[5] = m.modulus.z[5].wrapping_add(&U3072::ONE)
        }),
        ("Πfac P", |m| {
            m.factor.p_commitment = m.factor.p_commitment.wrapping_add(&U3072::ONE)
        }),
        ("Πfac z1", |m| {
            m.factor.z1 = m.factor.z1.wrapping_add(&I4096::ONE)
        }),
        // The server's own proofs sent back as the client's: made for another modulus and
        // under the other party's transcript.
        ("server's proofs echoed", |m| {
            *m = tandem_protocol::codec::decode(&Message::from_bytes(&AUX.m[3]).unwrap().payload)
                .unwrap();
        }),
    ];
    for (name, f) in cases {
        let e = aux_server_on_proofs(&tamper::<ProofsMsg>(&AUX.m[4], f));
        assert_blames(&e, Role::Client, name);
        assert!(matches!(check_of(&e), Check::Proof(_)), "{name}: {e:?}");
    }
    // The honest message is accepted by the restored state (the fixture is sound).
    let s = ServerAwaitingProofs::restore(Secp256k1::ID, &AUX.server_awaiting_proofs).unwrap();
    assert!(s.receive(&AUX.m[4]).is_ok());
}

#[test]
fn aux_server_proofs_tampered() {
    type Tamper = fn(&mut ProofsMsg);
    let cases: [(&str, Tamper); 5] = [
        ("Πmod x", |m| {
            m.modulus.x[0] = m.modulus.x[0].wrapping_add(&U3072::ONE)
        }),
        ("Πmod a", |m| m.modulus.a[7] = !m.modulus.a[7]),
        ("Πmod truncated", |m| {
            m.modulus.z.pop();
        }),
        ("Πfac T", |m| {
            m.factor.t = m.factor.t.wrapping_add(&U3072::ONE)
        }),
        ("Πfac z2", |m| {
            m.factor.z2 = m.factor.z2.wrapping_add(&I4096::ONE)
        }),
    ];
    for (name, f) in cases {
        let e = aux_client_on_proofs(&tamper::<ProofsMsg>(&AUX.m[3], f));
        assert_blames(&e, Role::Server, name);
        assert!(matches!(check_of(&e), Check::Proof(_)), "{name}: {e:?}");
    }
    // The honest messages are accepted by the restored states (the fixture is sound).
    let c = ClientAwaitingProofs::restore(Secp256k1::ID, &AUX.client_awaiting_proofs).unwrap();
    assert!(c.receive(&AUX.m[3]).is_ok());
}

#[test]
fn aux_commitment_and_sharing_refusals() {
    // Round 1 for another sharing.
    let (_, s) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(80), &mut rng(81), &mut NoTap).unwrap();
    let bad = tamper::<CommitMsg>(&AUX.m[0], |m| m.sharing_id[0] ^= 1);
    let e = aux_info::server_respond(s, primes::paillier_key(3).unwrap(), &bad, &mut rng(83))
        .err()
        .unwrap();
    assert_eq!(
        e,
        Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch
        }
    );
}

/// `R' + P`, re-encoded (a tampering server sends a valid encoding of a wrong point).
fn shift(r: EncodedPoint<Secp256k1>, p: Point<Secp256k1>) -> EncodedPoint<Secp256k1> {
    EncodedPoint::new(*r.point() + p).unwrap()
}

/// `-R'`: the same `x`, the other parity.
fn negate(r: EncodedPoint<Secp256k1>) -> EncodedPoint<Secp256k1> {
    EncodedPoint::new(-*r.point()).unwrap()
}
