//! A dishonest client or server in every protocol of this crate: every field of every message
//! it sends is changed, dropped, duplicated or reordered (through the generic serde mutator
//! of `tandem_testkit::mutate`), and every whole message is dropped, duplicated, replayed from
//! another session or delivered out of order. The honest party must either refuse naming the
//! dishonest party, or finish with a correct output; no error may show its secret share.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::marker::PhantomData;
use std::sync::OnceLock;

use ed25519_dalek::{Signature, VerifyingKey};
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use tandem_curves::{Curve, CurveId, Ed25519, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{EcdsaKeyShare, EcdsaSignature, Presignature, presign, sign};
use tandem_protocol::eddsa::sign as eddsa_sign;
use tandem_protocol::hd::DerivationPath;
use tandem_protocol::keygen;
use tandem_protocol::taproot::bip340;
use tandem_protocol::taproot::sign::{self as bip340_sign, TaprootSignature};
use tandem_protocol::{KeyShare, Role, SessionId};
use tandem_testkit::ecdsa::fixture_pair;
use tandem_testkit::message::rng;
use tandem_testkit::mutate::{Mutation, Proto, Run, Stats, TapFn, attack_both, mutations};
use tandem_testkit::step;

fn secret_hex<C: Curve>(share: &KeyShare<C>) -> Vec<String> {
    let mut b = share.secret().to_bytes().to_vec();
    let fwd = base16ct::lower::encode_string(&b);
    b.reverse();
    vec![fwd, base16ct::lower::encode_string(&b)]
}

fn check_key_shares<C: Curve>(
    c: Option<&KeyShare<C>>,
    s: Option<&KeyShare<C>>,
) -> Result<(), String> {
    for (role, k) in [(Role::Client, c), (Role::Server, s)] {
        if k.is_some_and(|k| {
            k.role() != role || k.secret().public_point() != k.public_shares().of(role)
        }) {
            return Err(format!("{role} share inconsistent"));
        }
    }
    if let (Some(c), Some(s)) = (c, s) {
        if c.public_key() != s.public_key() || c.sharing_id() != s.sharing_id() {
            return Err("shares disagree on the key".into());
        }
        if (c.secret() + s.secret()).public_point() != c.public_key() {
            return Err("shares do not combine to the public key".into());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Key generation.

struct Keygen<C>(PhantomData<C>);

impl<C: Curve> Keygen<C> {
    fn run_inner(seed: u64, tap: &mut TapFn<'_>) -> Run<KeyShare<C>> {
        let mut run = Run::default();
        let (mut cr, mut sr) = (rng(seed), rng(seed + 1));
        let session = SessionId::random(&mut cr);
        let (c, mut m1) = step!(
            run,
            Role::Client,
            keygen::client_start::<C, _>(session, &mut cr)
        );
        tap(Role::Client, 1, &mut m1);
        let (s, mut m2) = step!(
            run,
            Role::Server,
            keygen::server_respond::<C, _>(&m1, &mut sr)
        );
        tap(Role::Server, 2, &mut m2);
        let (c, mut m3) = step!(run, Role::Client, c.receive(&m2));
        tap(Role::Client, 3, &mut m3);
        let (share, mut m4) = step!(run, Role::Server, s.receive(&m3, &mut sr));
        run.server = Some(share);
        tap(Role::Server, 4, &mut m4);
        run.client = Some(step!(run, Role::Client, c.receive(&m4)));
        run
    }
}

impl<C: Curve> Proto for Keygen<C> {
    type Out = KeyShare<C>;
    const NAME: &'static str = match C::ID {
        CurveId::Ed25519 => "keygen Ed25519",
        _ => "keygen secp256k1",
    };
    const MSGS: usize = 4;
    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<KeyShare<C>> {
        Self::run_inner(seed, tap)
    }
    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        match idx {
            1 => mutations::<keygen::CommitMsg>(p),
            2 => mutations::<keygen::ServerShareMsg<C>>(p),
            3 => mutations::<keygen::ClientOpeningMsg<C>>(p),
            _ => mutations::<keygen::ServerProofMsg<C>>(p),
        }
    }
    fn check(&self, run: Run<KeyShare<C>>) -> Result<(), String> {
        check_key_shares(run.client.as_ref(), run.server.as_ref())
    }
    fn secrets(&self, seed: u64, role: Role) -> Vec<String> {
        // Each party's share comes from its own RNG only: the clean run's share is the one
        // the honest party holds in every mutated run with the same seed.
        let run = Self::run_inner(seed, &mut |_, _, _| {});
        secret_hex(run.out(role).unwrap())
    }
}

#[test]
fn keygen_ed25519_dishonest_peer() {
    attack_both(&Keygen::<Ed25519>(PhantomData), 60);
}

#[test]
fn keygen_secp256k1_dishonest_peer() {
    attack_both(&Keygen::<Secp256k1>(PhantomData), 60);
}

// ---------------------------------------------------------------------------------------
// FROST Ed25519 signing.

const MESSAGE: &[u8] = b"malicious peer harness: message to sign";

fn ed_keys() -> &'static (KeyShare<Ed25519>, KeyShare<Ed25519>) {
    static KEYS: OnceLock<(KeyShare<Ed25519>, KeyShare<Ed25519>)> = OnceLock::new();
    KEYS.get_or_init(|| {
        driver::keygen::<Ed25519, _, _, _>(&mut rng(11), &mut rng(12), &mut NoTap).unwrap()
    })
}

struct EddsaSign;

impl Proto for EddsaSign {
    /// The signature and the message this party signed.
    type Out = (Signature, Vec<u8>);
    const NAME: &'static str = "FROST Ed25519 signing";
    const MSGS: usize = 3;
    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Self::Out> {
        let mut run = Run::default();
        let (c, s) = ed_keys();
        let (mut cr, mut sr) = (rng(seed), rng(seed + 1));
        let session = SessionId::random(&mut cr);
        let (cs, mut m1) = step!(
            run,
            Role::Client,
            eddsa_sign::client_start(c, session, MESSAGE, &mut cr)
        );
        tap(Role::Client, 1, &mut m1);
        let req = step!(
            run,
            Role::Server,
            eddsa_sign::server_receive_request(s, &m1)
        );
        let approved = req.message().to_vec();
        let (ss, mut m2) = step!(run, Role::Server, req.approve(s, &mut sr));
        tap(Role::Server, 2, &mut m2);
        let (sig, mut m3) = step!(run, Role::Client, cs.receive(c, &m2));
        run.client = Some((sig, MESSAGE.to_vec()));
        tap(Role::Client, 3, &mut m3);
        run.server = Some((step!(run, Role::Server, ss.receive(s, &m3)), approved));
        run
    }
    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        match idx {
            1 => mutations::<eddsa_sign::SignRequestMsg>(p),
            2 => mutations::<eddsa_sign::SignResponseMsg>(p),
            _ => mutations::<eddsa_sign::SignShareMsg>(p),
        }
    }
    fn check(&self, run: Run<Self::Out>) -> Result<(), String> {
        let key = ed_keys().0.public_key().to_bytes().unwrap();
        let vk = VerifyingKey::from_bytes(&key.try_into().unwrap()).unwrap();
        for (role, out) in [(Role::Client, run.client), (Role::Server, run.server)] {
            if let Some((sig, msg)) = out {
                vk.verify_strict(&msg, &sig)
                    .map_err(|_| format!("{role}'s signature does not verify"))?;
            }
        }
        Ok(())
    }
    fn secrets(&self, _: u64, role: Role) -> Vec<String> {
        let (c, s) = ed_keys();
        secret_hex(if role == Role::Client { c } else { s })
    }
}

#[test]
fn eddsa_sign_dishonest_peer() {
    attack_both(&EddsaSign, 40);
}

// ---------------------------------------------------------------------------------------
// Taproot: FROST with BIP340 challenges on the secp256k1 shares.

fn secp_keys() -> &'static (KeyShare<Secp256k1>, KeyShare<Secp256k1>) {
    static KEYS: OnceLock<(KeyShare<Secp256k1>, KeyShare<Secp256k1>)> = OnceLock::new();
    KEYS.get_or_init(|| {
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(13), &mut rng(14), &mut NoTap).unwrap()
    })
}

struct Bip340Sign;

impl Proto for Bip340Sign {
    /// The signature and the message this party signed.
    type Out = (TaprootSignature, Vec<u8>);
    const NAME: &'static str = "BIP340 (Taproot) signing";
    const MSGS: usize = 3;
    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Self::Out> {
        let mut run = Run::default();
        let (c, s) = secp_keys();
        let (mut cr, mut sr) = (rng(seed), rng(seed + 1));
        let session = SessionId::random(&mut cr);
        let (cs, mut m1) = step!(
            run,
            Role::Client,
            bip340_sign::client_start(c, session, &DerivationPath::master(), MESSAGE, &mut cr)
        );
        tap(Role::Client, 1, &mut m1);
        let req = step!(
            run,
            Role::Server,
            bip340_sign::server_receive_request(s, &m1)
        );
        let approved = req.message().to_vec();
        let (ss, mut m2) = step!(run, Role::Server, req.approve(s, &mut sr));
        tap(Role::Server, 2, &mut m2);
        let (sig, mut m3) = step!(run, Role::Client, cs.receive(c, &m2));
        run.client = Some((sig, MESSAGE.to_vec()));
        tap(Role::Client, 3, &mut m3);
        run.server = Some((step!(run, Role::Server, ss.receive(s, &m3)), approved));
        run
    }
    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        match idx {
            1 => mutations::<bip340_sign::SignRequestMsg>(p),
            2 => mutations::<bip340_sign::SignResponseMsg>(p),
            _ => mutations::<bip340_sign::SignShareMsg>(p),
        }
    }
    /// Every signature output is valid BIP340 for the message that party signed, under the
    /// BIP86 output key of the wallet's key (the client asked for `m`).
    fn check(&self, run: Run<Self::Out>) -> Result<(), String> {
        let wallet = secp_keys().0.public_key();
        let output_key = bip340::TapTweak::of(&wallet).unwrap().output_key();
        for (role, out) in [(Role::Client, run.client), (Role::Server, run.server)] {
            if let Some((sig, msg)) = out {
                if sig.output_key != output_key {
                    return Err(format!("{role} signed under another key"));
                }
                bip340::verify(&output_key, &msg, &sig.signature)
                    .map_err(|e| format!("{role}'s signature does not verify: {e}"))?;
            }
        }
        Ok(())
    }
    fn secrets(&self, _: u64, role: Role) -> Vec<String> {
        let (c, s) = secp_keys();
        secret_hex(if role == Role::Client { c } else { s })
    }
}

#[test]
fn bip340_sign_dishonest_peer() {
    attack_both(&Bip340Sign, 40);
}

// ---------------------------------------------------------------------------------------
// ECDSA: the frozen fixture key shares (no aux-info run), presigning and online signing.

const DIGEST: [u8; 32] = [0x5a; 32];

fn ecdsa_keys() -> &'static (EcdsaKeyShare, EcdsaKeyShare) {
    static KEYS: OnceLock<(EcdsaKeyShare, EcdsaKeyShare)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pair = fixture_pair();
        (pair.client, pair.server)
    })
}

fn ecdsa_secrets(role: Role) -> Vec<String> {
    let (c, s) = ecdsa_keys();
    secret_hex(if role == Role::Client {
        c.core()
    } else {
        s.core()
    })
}

/// One online signing run from two presignatures; `(client, server)` outputs.
fn ecdsa_sign_run(
    cp: Presignature,
    sp: Presignature,
    seed: u64,
    tap: &mut TapFn<'_>,
) -> Run<(EcdsaSignature, [u8; 32])> {
    let mut run = Run::default();
    let (c, s) = ecdsa_keys();
    let (mut cr, mut sr) = (rng(seed), rng(seed + 1));
    let session = SessionId::random(&mut cr);
    let (cs, mut m1) = step!(
        run,
        Role::Client,
        sign::client_start(c, cp, session, &DIGEST, &mut cr)
    );
    tap(Role::Client, 1, &mut m1);
    let req = step!(run, Role::Server, sign::server_receive_request(s, &m1));
    let approved = *req.digest();
    let (ss, mut m2) = step!(run, Role::Server, req.approve(s, sp, &mut sr));
    tap(Role::Server, 2, &mut m2);
    let (sig, mut m3) = step!(run, Role::Client, cs.receive(c, &m2));
    run.client = Some((sig, DIGEST));
    tap(Role::Client, 3, &mut m3);
    run.server = Some((step!(run, Role::Server, ss.receive(s, &m3)), approved));
    run
}

fn check_ecdsa(run: Run<(EcdsaSignature, [u8; 32])>) -> Result<(), String> {
    let vk = ecdsa_keys().0.verifying_key();
    for (role, out) in [(Role::Client, run.client), (Role::Server, run.server)] {
        if let Some((sig, digest)) = out {
            let k = sig
                .to_k256()
                .map_err(|_| format!("{role}'s signature is degenerate"))?;
            vk.verify_prehash(&digest, &k)
                .map_err(|_| format!("{role}'s signature does not verify"))?;
        }
    }
    Ok(())
}

struct Presign;

impl Proto for Presign {
    type Out = Presignature;
    const NAME: &'static str = "ECDSA presigning";
    const MSGS: usize = 4;
    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Presignature> {
        let mut run = Run::default();
        let (c, s) = ecdsa_keys();
        let (mut cr, mut sr) = (rng(seed), rng(seed + 1));
        let session = SessionId::random(&mut cr);
        let (cs, mut m1) = step!(
            run,
            Role::Client,
            presign::client_start(c, session, &mut cr)
        );
        tap(Role::Client, 1, &mut m1);
        let (ss, mut m2) = step!(run, Role::Server, presign::server_respond(s, &m1, &mut sr));
        tap(Role::Server, 2, &mut m2);
        let (cs, mut m3) = step!(run, Role::Client, cs.receive(c, &m2, &mut cr));
        tap(Role::Client, 3, &mut m3);
        let (sp, mut m4) = step!(run, Role::Server, ss.receive(s, &m3, &mut sr));
        run.server = Some(sp);
        tap(Role::Server, 4, &mut m4);
        run.client = Some(step!(run, Role::Client, cs.receive(c, &m4)));
        run
    }
    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        match idx {
            1 => mutations::<presign::EncryptedNoncesMsg>(p),
            2 => mutations::<presign::NoncesAndMtaMsg>(p),
            3 => mutations::<presign::MtaAndDeltaMsg>(p),
            _ => mutations::<presign::DeltaMsg>(p),
        }
    }
    fn check(&self, run: Run<Presignature>) -> Result<(), String> {
        let pk = ecdsa_keys().0.core().public_key();
        for (role, p) in [(Role::Client, &run.client), (Role::Server, &run.server)] {
            if p.as_ref().is_some_and(|p| !p.matches_key(&pk)) {
                return Err(format!("{role}'s presignature is for another key"));
            }
        }
        // Both presignatures: they must sign correctly together.
        if let (Some(cp), Some(sp)) = (run.client, run.server) {
            let sig = ecdsa_sign_run(cp, sp, 1, &mut |_, _, _| {});
            if let Some((who, e)) = &sig.err {
                return Err(format!(
                    "signing with the presignatures failed at {who}: {e}"
                ));
            }
            check_ecdsa(sig)?;
        }
        Ok(())
    }
    fn secrets(&self, _: u64, role: Role) -> Vec<String> {
        ecdsa_secrets(role)
    }
    fn payload_limit(&self) -> usize {
        8
    }
    fn header_limit(&self) -> usize {
        2
    }
}

#[test]
fn presign_dishonest_peer() {
    attack_both(&Presign, 20);
}

/// A fresh presignature pair (stored form), made once.
fn presignatures() -> &'static (Vec<u8>, Vec<u8>) {
    static P: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    P.get_or_init(|| {
        let run = Presign.run(500, &mut |_, _, _| {});
        let (c, s) = (run.client.unwrap(), run.server.unwrap());
        (
            c.to_bytes().unwrap().to_vec(),
            s.to_bytes().unwrap().to_vec(),
        )
    })
}

struct EcdsaSign;

impl Proto for EcdsaSign {
    type Out = (EcdsaSignature, [u8; 32]);
    const NAME: &'static str = "ECDSA online signing";
    const MSGS: usize = 3;
    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Self::Out> {
        let (c, s) = presignatures();
        let cp = Presignature::from_bytes(c).unwrap();
        let sp = Presignature::from_bytes(s).unwrap();
        ecdsa_sign_run(cp, sp, seed, tap)
    }
    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        match idx {
            1 => mutations::<sign::SignRequestMsg>(p),
            2 => mutations::<sign::SignResponseMsg>(p),
            _ => mutations::<sign::SignFinishMsg>(p),
        }
    }
    fn check(&self, run: Run<Self::Out>) -> Result<(), String> {
        check_ecdsa(run)
    }
    fn secrets(&self, _: u64, role: Role) -> Vec<String> {
        ecdsa_secrets(role)
    }
}

#[test]
fn ecdsa_sign_dishonest_peer() {
    attack_both(&EcdsaSign, 40);
}
