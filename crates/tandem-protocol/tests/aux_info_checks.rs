//! Checks of ECDSA auxiliary information (CGGMP24 Fig. 7) and of stored ECDSA key shares
//! listed in `CHECKS.md` that no other test provoked: each test crafts the bad input, asserts
//! the exact error variant and, where the error names one, the culprit.
//!
//! The ECDSA key shares come from the frozen fixture `test-vectors/v1/ecdsa-secp256k1.json`
//! (no aux info at start-up: `support`). Checks on private fields of saved states and stored
//! values (aux-info states, `OwnAux`) are unit tests next to the types
//! (`src/ecdsa/aux_info/tests.rs`, `src/ecdsa/key_share.rs`).

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use std::sync::OnceLock;

use tandem_curves::{Commitment, CurveId};
use tandem_paillier::bigint::U3072;
use tandem_paillier::proofs::ProofError;
use tandem_protocol::codec;
use tandem_protocol::ecdsa::aux_info::{self, ClientAwaitingReveal, OpeningMsg, RevealMsg};
use tandem_protocol::ecdsa::{EcdsaKeyShare, OwnAux, PeerAux};
use tandem_protocol::message::SessionContext;
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Check, DecodeError, Error, ProtocolId, Role, SessionId};

use support::{copy, core_copy, keys, misbehaved};
use tandem_testkit::message::{payload, rng, tamper};
use tandem_testkit::primes;

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
