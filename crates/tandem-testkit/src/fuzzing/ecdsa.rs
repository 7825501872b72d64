//! `tandem-protocol` ECDSA: stored forms, and each party of aux info, presigning, signing and
//! full signing fed arbitrary bytes as the peer's message.
//!
//! The key shares come from the frozen fixture `test-vectors/v1/ecdsa-secp256k1.json`, read
//! at start-up (no prime generation or aux info); one honest run per protocol then provides
//! the genuine messages and the states. A state that cannot be saved (it holds nonces) is
//! rebuilt from its seeds where that is cheap (the signing client), and otherwise copied
//! through its serde form, which exists only under `cfg(fuzzing)` (cargo-fuzz builds): the
//! three presigning targets that need one are compiled only there.

use std::sync::LazyLock;

use tandem_curves::{CurveId, Secp256k1};
use tandem_protocol::ecdsa::{
    EcdsaKeyShare, Presignature, PresignaturePool, aux_info, full_sign, presign, sign,
};
use tandem_protocol::key_share::KeyShare;
use tandem_protocol::message::SessionId;
use tandem_protocol::stored::SessionState;

use super::{Saved, both_forms};
use crate::fixtures::protocol::ECDSA_FILE;
use crate::transcript::{load_v1, rng};

fn fixture_shares() -> Option<(EcdsaKeyShare, EcdsaKeyShare)> {
    let t = load_v1(ECDSA_FILE);
    Some((
        EcdsaKeyShare::from_bytes(t.output("client_key_share")).ok()?,
        EcdsaKeyShare::from_bytes(t.output("server_key_share")).ok()?,
    ))
}

/// A copy of a state that holds nonces, through its fuzzing-only serde form.
#[cfg(fuzzing)]
fn copy<T: serde::Serialize + serde::de::DeserializeOwned>(state: &T) -> Option<T> {
    use tandem_protocol::codec;
    codec::decode(&codec::encode(state).ok()?).ok()
}

fn core_copy(share: &EcdsaKeyShare) -> Option<KeyShare<Secp256k1>> {
    KeyShare::from_bytes(&share.core().to_bytes().ok()?).ok()
}

/// Each target builds only what it needs (start-up time is fuzzing time).
struct Keys {
    client: EcdsaKeyShare,
    server: EcdsaKeyShare,
}

static KEYS: LazyLock<Option<Keys>> =
    LazyLock::new(|| fixture_shares().map(|(client, server)| Keys { client, server }));

struct Aux {
    /// The five aux-info messages of one honest run.
    m: [Vec<u8>; 5],
    client_awaiting_reveal: Saved,
    server_awaiting_opening: Saved,
    client_awaiting_proofs: Saved,
    server_awaiting_proofs: Saved,
}

static AUX: LazyLock<Option<Aux>> = LazyLock::new(|| {
    let k = KEYS.as_ref()?;
    let fixture_key = crate::primes::paillier_key;
    let (c, m1) = aux_info::client_start(
        core_copy(&k.client)?,
        fixture_key(0)?,
        SessionId([0xa1; 32]),
        &mut rng(20),
    )
    .ok()?;
    let (s, m2) =
        aux_info::server_respond(core_copy(&k.server)?, fixture_key(1)?, &m1, &mut rng(21)).ok()?;
    let client_awaiting_reveal = c.save().ok()?;
    let server_awaiting_opening = s.save().ok()?;
    let c = aux_info::ClientAwaitingReveal::restore(CurveId::Secp256k1, &client_awaiting_reveal)
        .ok()?;
    let (c, m3) = c.receive(&m2).ok()?;
    let s = aux_info::ServerAwaitingOpening::restore(CurveId::Secp256k1, &server_awaiting_opening)
        .ok()?;
    let (s, m4) = s.receive(&m3, &mut rng(30)).ok()?;
    let (c, m5) = c.prove(&mut rng(29)).ok()?;
    Some(Aux {
        m: [m1, m2, m3, m4, m5],
        client_awaiting_reveal,
        server_awaiting_opening,
        client_awaiting_proofs: c.save().ok()?,
        server_awaiting_proofs: s.save().ok()?,
    })
});

/// Presigning up to the message `upto` (1 to 4), with the states awaiting each message
/// (copies, in fuzzing builds only) and the stored presignatures `(client, server)`.
struct Presign {
    m: Vec<Vec<u8>>,
    #[cfg(fuzzing)]
    client_r2: Option<presign::ClientAwaitingServer>,
    #[cfg(fuzzing)]
    server_r3: Option<presign::ServerAwaitingClient>,
    #[cfg(fuzzing)]
    client_r4: Option<presign::ClientAwaitingServerRound3>,
    presignatures: Option<(Saved, Saved)>,
}

fn presign_run(k: &Keys, upto: usize) -> Option<Presign> {
    let mut out = Presign {
        m: Vec::new(),
        #[cfg(fuzzing)]
        client_r2: None,
        #[cfg(fuzzing)]
        server_r3: None,
        #[cfg(fuzzing)]
        client_r4: None,
        presignatures: None,
    };
    let (c, p1) = presign::client_start(&k.client, SessionId([0xb1; 32]), &mut rng(22)).ok()?;
    out.m.push(p1);
    #[cfg(fuzzing)]
    {
        out.client_r2 = copy(&c);
    }
    if upto < 2 {
        return Some(out);
    }
    let (s, p2) = presign::server_respond(&k.server, out.m.first()?, &mut rng(23)).ok()?;
    #[cfg(fuzzing)]
    {
        out.server_r3 = copy(&s);
    }
    if upto < 3 {
        out.m.push(p2);
        return Some(out);
    }
    let (c, p3) = c.receive(&k.client, &p2, &mut rng(24)).ok()?;
    #[cfg(fuzzing)]
    {
        out.client_r4 = copy(&c);
    }
    let (sp, p4) = s.receive(&k.server, &p3, &mut rng(25)).ok()?;
    let cp = c.receive(&k.client, &p4).ok()?;
    out.m.extend([p2, p3, p4]);
    out.presignatures = Some((cp.to_bytes().ok()?, sp.to_bytes().ok()?));
    Some(out)
}

static PRESIGN_1: LazyLock<Option<Presign>> = LazyLock::new(|| presign_run(KEYS.as_ref()?, 1));
#[cfg(fuzzing)]
static PRESIGN_2: LazyLock<Option<Presign>> = LazyLock::new(|| presign_run(KEYS.as_ref()?, 2));
static PRESIGN_4: LazyLock<Option<Presign>> = LazyLock::new(|| presign_run(KEYS.as_ref()?, 4));

const SIGN_SESSION: SessionId = SessionId([0xc1; 32]);
const SIGN_DIGEST: [u8; 32] = [7; 32];

struct Sign {
    m: [Vec<u8>; 3],
    client_presignature: Saved,
    server_presignature: Saved,
    server_r3: Saved,
}

/// The signing client after its request: it holds the presignature's nonce share, so it is
/// not serializable; rebuilt from the stored presignature and the seed (cheap: no proofs).
fn sign_client(k: &Keys, s: &Sign) -> Option<sign::ClientAwaitingPartial> {
    let cp = Presignature::from_bytes(&s.client_presignature).ok()?;
    sign::client_start(&k.client, cp, SIGN_SESSION, &SIGN_DIGEST, &mut rng(26))
        .ok()
        .map(|(c, _)| c)
}

static SIGN: LazyLock<Option<Sign>> = LazyLock::new(|| {
    let k = KEYS.as_ref()?;
    let (client_presignature, server_presignature) = presign_run(k, 4)?.presignatures?;
    let cp = Presignature::from_bytes(&client_presignature).ok()?;
    let (c, s1) =
        sign::client_start(&k.client, cp, SIGN_SESSION, &SIGN_DIGEST, &mut rng(26)).ok()?;
    let sp = Presignature::from_bytes(&server_presignature).ok()?;
    let (s, s2) = sign::server_receive_request(&k.server, &s1)
        .ok()?
        .approve(&k.server, sp, &mut rng(27))
        .ok()?;
    let (_, s3) = c.receive(&k.client, &s2).ok()?;
    Some(Sign {
        m: [s1, s2, s3],
        client_presignature,
        server_presignature,
        server_r3: s.save().ok()?,
    })
});

static FULL_M1: LazyLock<Option<Vec<u8>>> = LazyLock::new(|| {
    let k = KEYS.as_ref()?;
    full_sign::client_start(&k.client, SessionId([0xd1; 32]), &[8; 32], &mut rng(28))
        .ok()
        .map(|(_, m)| m)
});

/// Stored ECDSA key shares, presignatures and presignature pools.
pub fn ecdsa_stored(data: &[u8]) {
    let _ = EcdsaKeyShare::from_bytes(data);
    let _ = Presignature::from_bytes(data);
    if let Some(k) = KEYS.as_ref() {
        let _ = PresignaturePool::from_bytes(data, &k.client);
        let _ = PresignaturePool::from_bytes(data, &k.server);
    }
}

/// Aux info, server receiving the client's commitment (round 1).
pub fn aux_server_commit(data: &[u8]) {
    if let (Some(k), Some(a)) = (KEYS.as_ref(), AUX.as_ref()) {
        both_forms(&a.m[0], data, |m| {
            if let (Some(core), Some(key)) = (core_copy(&k.server), crate::primes::paillier_key(1))
            {
                let _ = aux_info::server_respond(core, key, m, &mut rng(30));
            }
        });
    }
}

/// Aux info, client receiving the server's parameters and Πprm (round 2).
pub fn aux_client_reveal(data: &[u8]) {
    if let Some(a) = AUX.as_ref() {
        both_forms(&a.m[1], data, |m| {
            if let Ok(state) = aux_info::ClientAwaitingReveal::restore(
                CurveId::Secp256k1,
                &a.client_awaiting_reveal,
            ) {
                // A message that passes the parameter checks also meets the Πprm verifier
                // (and, if that accepts, the client's proving: only honest input gets there).
                if let Ok((opened, _)) = state.receive(m) {
                    let _ = opened.prove(&mut rng(31));
                }
            }
        });
    }
}

/// Aux info, server receiving the client's opening (its parameters, Πprm and the
/// decommitment): every decodable input runs the server's checks, Πprm's verifier included.
pub fn aux_server_opening(data: &[u8]) {
    if let Some(a) = AUX.as_ref() {
        both_forms(&a.m[2], data, |m| {
            if let Ok(state) = aux_info::ServerAwaitingOpening::restore(
                CurveId::Secp256k1,
                &a.server_awaiting_opening,
            ) {
                let _ = state.receive(m, &mut rng(37));
            }
        });
    }
}

/// Aux info, client receiving the server's Πmod and Πfac (round 4).
pub fn aux_client_proofs(data: &[u8]) {
    if let Some(a) = AUX.as_ref() {
        both_forms(&a.m[3], data, |m| {
            if let Ok(state) = aux_info::ClientAwaitingProofs::restore(
                CurveId::Secp256k1,
                &a.client_awaiting_proofs,
            ) {
                let _ = state.receive(m);
            }
        });
    }
}

/// Aux info, server receiving the client's Πmod and Πfac (round 5).
pub fn aux_server_proofs(data: &[u8]) {
    if let Some(a) = AUX.as_ref() {
        both_forms(&a.m[4], data, |m| {
            if let Ok(state) = aux_info::ServerAwaitingProofs::restore(
                CurveId::Secp256k1,
                &a.server_awaiting_proofs,
            ) {
                let _ = state.receive(m);
            }
        });
    }
}

/// Presigning, server receiving the client's round 1.
pub fn presign_server_round1(data: &[u8]) {
    if let (Some(k), Some(p)) = (KEYS.as_ref(), PRESIGN_1.as_ref())
        && let Some(template) = p.m.first()
    {
        both_forms(template, data, |m| {
            let _ = presign::server_respond(&k.server, m, &mut rng(32));
        });
    }
}

/// Presigning, client receiving the server's rounds 1 and 2 (fuzzing builds only: the state
/// is copied through its serde form).
#[cfg(fuzzing)]
pub fn presign_client_round2(data: &[u8]) {
    if let (Some(k), Some(p)) = (KEYS.as_ref(), PRESIGN_2.as_ref())
        && let (Some(template), Some(state)) = (p.m.get(1), p.client_r2.as_ref())
    {
        both_forms(template, data, |m| {
            if let Some(state) = copy(state) {
                let _ = state.receive(&k.client, m, &mut rng(33));
            }
        });
    }
}

/// Presigning, server receiving the client's rounds 2 and 3 (fuzzing builds only).
#[cfg(fuzzing)]
pub fn presign_server_round3(data: &[u8]) {
    if let (Some(k), Some(p)) = (KEYS.as_ref(), PRESIGN_4.as_ref())
        && let (Some(template), Some(state)) = (p.m.get(2), p.server_r3.as_ref())
    {
        both_forms(template, data, |m| {
            if let Some(state) = copy(state) {
                let _ = state.receive(&k.server, m, &mut rng(34));
            }
        });
    }
}

/// Presigning, client receiving the server's round 3 (fuzzing builds only).
#[cfg(fuzzing)]
pub fn presign_client_round4(data: &[u8]) {
    if let (Some(k), Some(p)) = (KEYS.as_ref(), PRESIGN_4.as_ref())
        && let (Some(template), Some(state)) = (p.m.get(3), p.client_r4.as_ref())
    {
        both_forms(template, data, |m| {
            if let Some(state) = copy(state) {
                let _ = state.receive(&k.client, m);
            }
        });
    }
}

/// Signing, server receiving a request (and approving it with its presignature).
pub fn ecdsa_sign_server_request(data: &[u8]) {
    if let (Some(k), Some(s)) = (KEYS.as_ref(), SIGN.as_ref()) {
        both_forms(&s.m[0], data, |m| {
            if let (Ok(request), Ok(p)) = (
                sign::server_receive_request(&k.server, m),
                Presignature::from_bytes(&s.server_presignature),
            ) {
                let _ = request.approve(&k.server, p, &mut rng(35));
            }
        });
    }
}

/// Signing, client receiving the server's partial signature.
pub fn ecdsa_sign_client_response(data: &[u8]) {
    if let (Some(k), Some(s)) = (KEYS.as_ref(), SIGN.as_ref()) {
        both_forms(&s.m[1], data, |m| {
            if let Some(state) = sign_client(k, s) {
                let _ = state.receive(&k.client, m);
            }
        });
    }
}

/// Signing, server receiving the client's partial signature.
pub fn ecdsa_sign_server_finish(data: &[u8]) {
    if let (Some(k), Some(s)) = (KEYS.as_ref(), SIGN.as_ref()) {
        both_forms(&s.m[2], data, |m| {
            if let Ok(state) = sign::ServerAwaitingFinish::restore(CurveId::Secp256k1, &s.server_r3)
            {
                let _ = state.receive(&k.server, m);
            }
        });
    }
}

/// Full signing, server receiving the request (presigning round 1 and the digest).
pub fn full_sign_server_request(data: &[u8]) {
    if let (Some(k), Some(m1)) = (KEYS.as_ref(), FULL_M1.as_ref()) {
        both_forms(m1, data, |m| {
            let _ = full_sign::server_respond(&k.server, m, &mut rng(36));
        });
    }
}

/// Genuine messages and states for the seed corpora, by target.
pub(crate) fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let (Some(k), Some(a), Some(p), Some(s), Some(f)) = (
        KEYS.as_ref(),
        AUX.as_ref(),
        PRESIGN_4.as_ref(),
        SIGN.as_ref(),
        FULL_M1.as_ref(),
    ) else {
        return Vec::new();
    };
    let mut out = vec![
        ("aux_server_commit", a.m[0].clone()),
        ("aux_client_reveal", a.m[1].clone()),
        ("aux_server_opening", a.m[2].clone()),
        ("aux_client_proofs", a.m[3].clone()),
        ("aux_server_proofs", a.m[4].clone()),
        ("ecdsa_sign_server_request", s.m[0].clone()),
        ("ecdsa_sign_client_response", s.m[1].clone()),
        ("ecdsa_sign_server_finish", s.m[2].clone()),
        ("full_sign_server_request", f.clone()),
        ("ecdsa_stored", s.server_presignature.to_vec()),
        ("saved_session", s.server_r3.to_vec()),
        ("saved_session", a.client_awaiting_reveal.to_vec()),
        ("saved_session", a.server_awaiting_proofs.to_vec()),
    ];
    let targets = [
        "presign_server_round1",
        "presign_client_round2",
        "presign_server_round3",
        "presign_client_round4",
    ];
    for (target, m) in targets.into_iter().zip(&p.m) {
        out.push((target, m.clone()));
    }
    for share in [&k.client, &k.server] {
        if let Ok(b) = share.to_bytes() {
            out.push(("ecdsa_stored", b.to_vec()));
        }
    }
    let pool = PresignaturePool::new(&k.server);
    if let Ok(p) = Presignature::from_bytes(&s.server_presignature)
        && pool.insert(p).is_ok()
        && let Ok(b) = pool.to_bytes()
    {
        out.push(("ecdsa_stored", b.to_vec()));
    }
    out
}
