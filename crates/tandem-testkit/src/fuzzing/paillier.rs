//! `tandem-paillier`: decode a proof from arbitrary bytes and verify it against a fixed
//! statement built from the test-only fixture keys. Every call must return, never panic.

#![allow(clippy::disallowed_methods)] // test code (fuzz harness): timing is not a secret here

use std::sync::LazyLock;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_curves::{Point, Secp256k1, SecretScalar, Transcript};

use tandem_paillier::bigint::{self, I1024, I2048};
use tandem_paillier::paillier::{Ciphertext, Nonce, SecretKey};
use tandem_paillier::proofs::{aff_g, elog, enc, enc_elg, factor, modulus, prm};
use tandem_paillier::ring_pedersen::{Params, Trapdoor, Verifier};

use crate::primes;

struct Setup {
    verifier: (SecretKey, Params, Trapdoor),
    prover: (SecretKey, Params, Trapdoor),
    k: Ciphertext,
    k_rho: Nonce,
    k_plain: I1024,
    elg: (
        Point<Secp256k1>,
        Point<Secp256k1>,
        Point<Secp256k1>,
        SecretScalar<Secp256k1>,
    ),
    aff: (
        Ciphertext,
        Ciphertext,
        Ciphertext,
        Point<Secp256k1>,
        I1024,
        I2048,
        Nonce,
        Nonce,
    ),
    elog: [Point<Secp256k1>; 5],
    elog_witness: (SecretScalar<Secp256k1>, SecretScalar<Secp256k1>),
}

fn ctx() -> Transcript {
    Transcript::new("tandem/fuzz/proofs")
}

fn setup() -> Option<Setup> {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let verifier = primes::aux(0, &mut rng)?;
    let prover = primes::aux(1, &mut rng)?;
    let k_plain = I1024::from_i64(-1234);
    let (k, k_rho) = prover.0.encrypt(&mut rng, &k_plain);
    // enc-elg: X = b·A + x·G with x = k_plain.
    let a = SecretScalar::<Secp256k1>::random(&mut rng).public_point();
    let b = SecretScalar::<Secp256k1>::random(&mut rng);
    let x = SecretScalar::<Secp256k1>::new(-k256::Scalar::from(1234u64));
    let elg = (a, b.public_point(), a.mul_secret(&b) + x.public_point(), b);
    // aff-g: D = C^x (1+N0)^y ρ^N0 under the verifier's key, Y = enc_N1(y).
    let pk0 = verifier.0.public();
    let (c, _) = pk0.encrypt(&mut rng, &I1024::from_i64(99));
    let (xw, yw) = (I1024::from_i64(-5), I2048::from_i64(77_777));
    // public: N0 is a public modulus and this is test code
    let rho = Nonce(bigint::random_unit(&mut rng, pk0.n()));
    let d = pk0.add(&pk0.scalar_mul(&c, &xw, 16), &pk0.encrypt_with(&yw, &rho.0));
    let (y, rho_y) = prover.0.encrypt(&mut rng, &yw);
    let xp = SecretScalar::<Secp256k1>::new(-k256::Scalar::from(5u64)).public_point();
    // elog.
    let lambda = SecretScalar::<Secp256k1>::random(&mut rng);
    let yy = SecretScalar::<Secp256k1>::random(&mut rng);
    let ex = SecretScalar::<Secp256k1>::random(&mut rng).public_point();
    let h = SecretScalar::<Secp256k1>::random(&mut rng).public_point();
    let elog = [
        lambda.public_point(),
        yy.public_point() + ex.mul_secret(&lambda),
        ex,
        h.mul_secret(&yy),
        h,
    ];
    Some(Setup {
        verifier,
        prover,
        k,
        k_rho,
        k_plain,
        elg,
        aff: (c, d, y, xp, xw, yw, rho, rho_y),
        elog,
        elog_witness: (lambda, yy),
    })
}

static SETUP: LazyLock<Option<Setup>> = LazyLock::new(setup);

fn owner(s: &Setup) -> Verifier<'_> {
    Verifier::Owner {
        params: &s.verifier.1,
        trapdoor: &s.verifier.2,
        sk: &s.verifier.0,
    }
}

fn decode<T: DeserializeOwned>(data: &[u8]) -> Option<T> {
    postcard::from_bytes(data).ok()
}

/// Πmod: decode and verify for the prover's modulus.
pub fn proof_mod(data: &[u8]) {
    if let (Some(s), Some(p)) = (SETUP.as_ref(), decode::<modulus::ModProof>(data)) {
        let _ = p.verify(s.prover.0.public(), &ctx());
    }
}

/// Πprm: decode and verify for the prover's ring-Pedersen parameters.
pub fn proof_prm(data: &[u8]) {
    if let (Some(s), Some(p)) = (SETUP.as_ref(), decode::<prm::PrmProof>(data)) {
        let _ = p.verify(&s.prover.1, &ctx());
    }
}

/// Πfac: decode and verify (owner and public verifiers).
pub fn proof_fac(data: &[u8]) {
    if let (Some(s), Some(p)) = (SETUP.as_ref(), decode::<factor::FacProof>(data)) {
        let _ = p.verify(s.prover.0.public(), &owner(s), &ctx());
        let _ = p.verify(
            s.prover.0.public(),
            &Verifier::Public(&s.verifier.1),
            &ctx(),
        );
    }
}

/// Πenc.
pub fn proof_enc(data: &[u8]) {
    if let (Some(s), Some(p)) = (SETUP.as_ref(), decode::<enc::EncProof>(data)) {
        let _ = p.verify(s.prover.0.public(), &s.k, &owner(s), &ctx());
    }
}

fn elg_statement(s: &Setup) -> enc_elg::Statement<'_> {
    enc_elg::Statement {
        key: s.prover.0.public(),
        ciphertext: &s.k,
        a: &s.elg.0,
        b: &s.elg.1,
        x: &s.elg.2,
    }
}

/// Πenc-elg.
pub fn proof_enc_elg(data: &[u8]) {
    if let (Some(s), Some(p)) = (SETUP.as_ref(), decode::<enc_elg::EncElgProof>(data)) {
        let _ = p.verify(&elg_statement(s), &owner(s), &ctx());
    }
}

fn aff_statement(s: &Setup) -> aff_g::Statement<'_> {
    aff_g::Statement {
        verifier_key: s.verifier.0.public(),
        prover_key: s.prover.0.public(),
        c: &s.aff.0,
        d: &s.aff.1,
        y: &s.aff.2,
        x: &s.aff.3,
    }
}

/// Πaff-g.
pub fn proof_aff_g(data: &[u8]) {
    if let (Some(s), Some(p)) = (SETUP.as_ref(), decode::<aff_g::AffGProof>(data)) {
        let _ = p.verify(&aff_statement(s), &owner(s), &ctx());
    }
}

fn elog_statement(s: &Setup) -> elog::Statement<'_> {
    let [l, m, x, y, h] = &s.elog;
    elog::Statement { l, m, x, y, h }
}

/// Πelog.
pub fn proof_elog(data: &[u8]) {
    if let (Some(s), Some(p)) = (SETUP.as_ref(), decode::<elog::ElogProof>(data)) {
        let _ = p.verify(&elog_statement(s), &ctx());
    }
}

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    postcard::to_allocvec(v).unwrap_or_default()
}

/// One valid proof per target, encoded: the seed corpus (`corpus/<target>/valid-proof`).
pub(crate) fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let Some(s) = SETUP.as_ref() else {
        return Vec::new();
    };
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let (vsk, vrp, _) = &s.verifier;
    let (psk, prp, ptd) = &s.prover;
    let mut out = vec![
        ("proof_mod", encode(&modulus::prove(psk, &ctx(), &mut rng))),
        (
            "proof_prm",
            encode(&prm::prove(prp, ptd, psk, &ctx(), &mut rng)),
        ),
        (
            "proof_elog",
            encode(&elog::prove(
                &elog_statement(s),
                &s.elog_witness.0,
                &s.elog_witness.1,
                &ctx(),
                &mut rng,
            )),
        ),
    ];
    if let Ok(p) = factor::prove(psk, vrp, &ctx(), &mut rng) {
        out.push(("proof_fac", encode(&p)));
    }
    if let Ok(p) = enc::prove(psk, &s.k_plain, &s.k_rho, &s.k, vrp, &ctx(), &mut rng) {
        out.push(("proof_enc", encode(&p)));
    }
    if let Ok(p) = enc_elg::prove(
        psk,
        &elg_statement(s),
        &s.k_plain,
        &s.k_rho,
        &s.elg.3,
        vrp,
        &ctx(),
        &mut rng,
    ) {
        out.push(("proof_enc_elg", encode(&p)));
    }
    let w = aff_g::Witness {
        x: &s.aff.4,
        y: &s.aff.5,
        rho: &s.aff.6,
        rho_y: &s.aff.7,
    };
    if let Ok(p) = aff_g::prove(psk, &aff_statement(s), &w, vrp, &ctx(), &mut rng) {
        out.push(("proof_aff_g", encode(&p)));
    }
    let _ = vsk;
    out
}
