//! The detector fails where it must: on the two states the rule made unsaveable (their old
//! behaviour rebuilt from seeds: a saved state's nonce is a function of its bytes, as the
//! seed's is here), and on each kind of reuse it knows. Each self-test also shows that the
//! finding is a real leak (the secret is computed from the two answers).

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::{Deserialize, Serialize};
use tandem_curves::{Point, SchnorrNonce, SecretScalar, Transcript};
use tandem_paillier::proofs::factor;
use tandem_paillier::ring_pedersen;
use tandem_protocol::ecdsa::presign;
use tandem_protocol::keygen::ServerShareMsg;
use tandem_protocol::message::SessionContext;
use tandem_protocol::{DecodeError, ProtocolId, Role};

use super::*;

fn kinds(f: &[nonce_reuse::Finding]) -> BTreeSet<&'static str> {
    f.iter().map(|f| f.kind).collect()
}

/// `e = H(transcript || X || A)` as `SchnorrNonce::prove` computes it (CGGMP21 Fig. 22).
fn schnorr_challenge<C: Curve>(mut t: Transcript, x: &Point<C>, a: &Point<C>) -> Scalar<C> {
    t.append_point("schnorr/statement", x);
    t.append_point("schnorr/commitment", a);
    t.challenge_scalar("schnorr/challenge")
}

/// `x = (z - z') / (e - e')` from two answers under one nonce.
fn extract<C: Curve>(z: [Scalar<C>; 2], e: [Scalar<C>; 2]) -> Scalar<C> {
    (z[0] - z[1]) * (e[0] - e[1]).invert().unwrap()
}

#[test]
fn detector_finds_one_schnorr_nonce_under_two_challenges() {
    type C = Secp256k1;
    let x = SecretScalar::<C>::random_nonzero(&mut rng(1));
    let big_x = x.public_point();
    // One nonce (one seed), two transcripts: two challenges.
    let prove = |label, seed| {
        SchnorrNonce::<C>::new(&mut rng(seed)).prove(&x, &big_x, &mut Transcript::new(label))
    };
    let (p1, p2, fresh) = (prove("first", 2), prove("second", 2), prove("second", 3));
    let mut t = [Trace::default(), Trace::default(), Trace::default()];
    for (t, p) in t.iter_mut().zip([&p1, &p2, &fresh]) {
        t.nonce("Schnorr", &p.commitment, &p.response);
    }
    assert_eq!(
        kinds(&findings(&[&t[0], &t[1]])),
        BTreeSet::from(["Schnorr"])
    );
    assert!(findings(&[&t[0], &t[2]]).is_empty(), "fresh nonces");
    assert!(
        findings(&[&t[0], &t[0]]).is_empty(),
        "the same answer twice"
    );
    let e = [("first", &p1), ("second", &p2)]
        .map(|(label, p)| schnorr_challenge(Transcript::new(label), &big_x, &p.commitment));
    assert_eq!(extract([p1.response, p2.response], e).mul_base(), big_x);
}

/// The keygen client state after round 1 as it was saveable: its saved bytes fixed its
/// Schnorr nonce (here through the seed that made it).
#[derive(Serialize, Deserialize)]
struct OldClientAwaitingServerShare {
    ctx: SessionContext,
    seed: u64,
}

impl SessionState for OldClientAwaitingServerShare {
    const PROTOCOL: ProtocolId = ProtocolId::Keygen;
    const ROLE: Role = Role::Client;
    const AWAITING_ROUND: u8 = keygen::round::SERVER_SHARE;
    fn context(&self) -> &SessionContext {
        &self.ctx
    }
    fn validate(&self) -> Result<(), DecodeError> {
        Ok(())
    }
}

#[test]
fn restore_twice_fails_on_the_old_saveable_keygen_client() {
    type C = Secp256k1;
    let (_, m1) = keygen::client_start::<C, _>(SID, &mut rng(70)).unwrap();
    let m2 = |seed| {
        keygen::server_respond::<C, _>(&m1, &mut rng(seed))
            .unwrap()
            .1
    };
    let ctx = SessionContext {
        protocol: ProtocolId::Keygen,
        curve: C::ID,
        session: SID,
        me: Role::Client,
    };
    let saved = OldClientAwaitingServerShare { ctx, seed: 70 }
        .save()
        .unwrap();
    let rounds3 = std::sync::Mutex::new(Vec::new());
    let failure = catch_unwind(AssertUnwindSafe(|| {
        restore_twice(&Case {
            name: "OldClientAwaitingServerShare",
            curve: C::ID,
            saved: &saved[..],
            peer: [m2(71), m2(72)],
            peer_b: PeerB::Honest,
            one_rng_stream: &[],
            drive: &|s: OldClientAwaitingServerShare, msg, _, t| {
                let (c, _) = keygen::client_start::<C, _>(SID, &mut rng(s.seed))?;
                let (_, m3) = c.receive(msg)?;
                rounds3.lock().unwrap().push((msg.to_vec(), m3.clone()));
                let m3: ClientOpeningMsg<C> = t.sent(&m3);
                t.nonce("keygen ψ_c", &m3.proof.commitment, &m3.proof.response);
                Ok(())
            },
        });
    }))
    .expect_err("the detector must refuse the old state");
    let text = failure.downcast_ref::<String>().unwrap();
    assert!(
        text.contains("one RNG per copy") && text.contains("keygen ψ_c"),
        "{text}"
    );
    // The server's gain: x_c from the copies' two rounds 3 (CGGMP21 Fig. 5: ψ_c is a Schnorr
    // proof under A_c with challenge H(ssid, client, rid, X_c, X_s, c, A_c)).
    let rounds3 = rounds3.into_inner().unwrap();
    let (m2a, m3a) = &rounds3[0];
    let (m2b, m3b) = rounds3.iter().find(|(m2, _)| m2 != m2a).unwrap();
    let answer = |m2: &[u8], m3: &[u8]| {
        let (s, c): (ServerShareMsg<C>, ClientOpeningMsg<C>) = (
            codec::decode(&payload(m2)).unwrap(),
            codec::decode(&payload(m3)).unwrap(),
        );
        let mut t = ctx.transcript("tandem/keygen/schnorr/v2");
        t.append("prover", b"client");
        let rid: [u8; 32] = core::array::from_fn(|i| c.rid[i] ^ s.rid[i]);
        t.append("rid", &rid);
        t.append_point("client-share", &c.public_share);
        t.append_point("server-share", &s.public_share);
        // The chain code the proof binds: the server computes it with its own x_s; here the
        // client's x_c (the first draw of its seeded RNG) gives the same K = x_c·X_s.
        let x_c = SecretScalar::<C>::random_nonzero(&mut rng(70));
        assert_eq!(x_c.public_point(), c.public_share);
        let shares = tandem_protocol::PublicShares {
            client: c.public_share,
            server: s.public_share,
        };
        let chain = tandem_protocol::hd::ChainCode::agreed(
            &ctx,
            &rid,
            &shares,
            &s.public_share.mul_secret(&x_c),
        );
        t.append("chain-code", &chain.to_bytes());
        let e = schnorr_challenge(t, &c.public_share, &c.proof.commitment);
        (c.proof.response, e, c.public_share)
    };
    let ((z1, e1, x_c), (z2, e2, _)) = (answer(m2a, m3a), answer(m2b, m3b));
    assert_eq!(extract([z1, z2], [e1, e2]).mul_base(), x_c);
}

#[test]
fn detector_finds_twin_presignatures() {
    // The presigning server state as it was saveable: restored twice (here: the server re-run
    // from one seed, the same k_s and γ_s, CGGMP24 Fig. 8 round 1), driven with two honest
    // client messages 3 (the client answering with two RNGs).
    let k = fixture_pair();
    let (_, m1) = presign::client_start(&k.client, SID, &mut rng(80)).unwrap();
    // Each copy with its own key share read from storage (a share caches its Paillier nonce
    // tables, built from the RNG on first use).
    let servers = [fixture_pair().server, fixture_pair().server];
    let server = |share| presign::server_respond(share, &m1, &mut rng(81)).unwrap();
    let ((s1, m2), (s2, m2_again)) = (server(&servers[0]), server(&servers[1]));
    assert_eq!(m2, m2_again);
    // The client holds nonces (not serializable): rebuilt from its seed for each answer.
    let m3 = |seed| {
        let (c, _) = presign::client_start(&k.client, SID, &mut rng(80)).unwrap();
        c.receive(&k.client, &m2, &mut rng(seed)).unwrap().1
    };
    let (m3a, m3b) = (m3(82), m3(83));
    assert_ne!(m3a, m3b);
    let mut traces = [Trace::default(), Trace::default()];
    for (((t, s), share), m3) in traces
        .iter_mut()
        .zip([s1, s2])
        .zip(&servers)
        .zip([m3a, m3b])
    {
        let (p, _) = s.receive(share, &m3, &mut rng(84)).unwrap();
        let (id, r) = (p.id(), p.r());
        let stored = p.to_bytes().unwrap();
        t.nonce("presignature id", &id, &stored[..]);
        t.nonce("presignature R", &r, &stored[..]);
    }
    let f = findings(&[&traces[0], &traces[1]]);
    let expected = BTreeSet::from(["presignature id", "presignature R"]);
    assert_eq!(kinds(&f), expected, "{f:?}");
}

#[test]
fn detector_finds_one_pi_fac_nonce_under_two_challenges() {
    // What one replayed RNG stream gave aux info's client before its nonces were hedged
    // (`hedge`): Πfac twice under one α, β with two challenges (and here one verifier; its
    // commitments differ anyway under another).
    let (sk, verifier) = (paillier_key(0).unwrap(), paillier_key(1).unwrap());
    let (rp, _) = ring_pedersen::generate(&verifier, &mut rng(90)).unwrap();
    let prove = |label, seed| {
        let p = factor::prove(&sk, &rp, &Transcript::new(label), &mut rng(seed)).unwrap();
        codec::encode(&p).unwrap()
    };
    let proofs = [prove("first", 91), prove("second", 91), prove("second", 92)];
    let n0 = sk.public().n().as_ref().to_be_bytes();
    let mut t = [Trace::default(), Trace::default(), Trace::default()];
    for (t, p) in t.iter_mut().zip(&proofs) {
        t.pair("Πfac", n0.as_ref(), p, pi_fac_reveals);
    }
    assert_eq!(kinds(&findings(&[&t[0], &t[1]])), BTreeSet::from(["Πfac"]));
    assert!(findings(&[&t[0], &t[2]]).is_empty(), "fresh nonces");
    let g = pi_fac_factor(n0.as_ref(), &proofs[0], &proofs[1]).unwrap();
    let factors = [sk.p(), sk.q()].map(|f| f.resize::<{ I4096::LIMBS }>());
    assert!(factors.contains(&g), "the gcd is a prime factor of N0");
}

#[test]
fn detector_compares_outputs() {
    let mut t = [Trace::default(), Trace::default(), Trace::default()];
    t[0].output("key share", b"one");
    t[1].output("key share", b"two");
    t[2].output("key share", b"one");
    assert_eq!(
        kinds(&findings(&[&t[0], &t[1]])),
        BTreeSet::from(["key share"])
    );
    assert!(findings(&[&t[0], &t[2]]).is_empty());
}
