//! Πenc-elg (CGGMP24 Fig. 24): completeness, every field, the ElGamal link.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use proptest::prelude::*;
use support::{PROVER, VERIFIER, ctx, rng};
use tandem_curves::{Point, Scalar, Secp256k1, SecretScalar};
use tandem_paillier::bigint::{self, I1024, I4096, U3072, U6144};
use tandem_paillier::paillier::Ciphertext;
use tandem_paillier::proofs::ProofError;
use tandem_paillier::proofs::enc_elg::{self, EncElgProof, Statement};

struct Case {
    c: Ciphertext,
    a: Point<Secp256k1>,
    b: Point<Secp256k1>,
    x: Point<Secp256k1>,
    proof: EncElgProof,
}

impl Case {
    fn st(&self) -> Statement<'_> {
        Statement {
            key: PROVER.sk.public(),
            ciphertext: &self.c,
            a: &self.a,
            b: &self.b,
            x: &self.x,
        }
    }
    fn verify(&self, p: &EncElgProof) -> Result<(), ProofError> {
        p.verify(&self.st(), &VERIFIER.owner(), &ctx(b"s1"))
    }
}

/// A proof's inputs with `prover`'s way of proving.
type Prover = fn(
    &Statement<'_>,
    &I1024,
    &tandem_paillier::paillier::Nonce,
    &SecretScalar<Secp256k1>,
    &mut rand_chacha::ChaCha20Rng,
) -> Result<EncElgProof, ProofError>;

fn make(seed: u64) -> Case {
    make_by(seed, |st, x, rho, b, r| {
        enc_elg::prove(&PROVER.sk, st, x, rho, b, &VERIFIER.rp, &ctx(b"s1"), r)
    })
    .unwrap()
}

fn make_by(seed: u64, prover: Prover) -> Result<Case, ProofError> {
    let mut r = rng(seed);
    let x_scalar = SecretScalar::<Secp256k1>::random(&mut r);
    let x = tandem_paillier::proofs::signed_from_scalar(x_scalar.expose_secret());
    let (c, rho) = PROVER.sk.encrypt(&mut r, &x);
    let a = SecretScalar::<Secp256k1>::random(&mut r).public_point();
    let b_secret = SecretScalar::<Secp256k1>::random(&mut r);
    let b = b_secret.public_point();
    let big_x = a.mul_secret(&b_secret) + x_scalar.public_point();
    let mut case = Case {
        c,
        a,
        b,
        x: big_x,
        proof: dummy(),
    };
    case.proof = prover(&case.st(), &x, &rho, &b_secret, &mut r)?;
    Ok(case)
}

/// Randomness drawn first (`draw`, then `prove_drawn`: how presigning runs two proofs at
/// once) makes the proof `prove` makes from the same seed; drawn for another key or other
/// ring-Pedersen parameters, it is refused.
#[test]
fn randomness_drawn_first_gives_the_same_proof_and_serves_its_key_only() {
    let drawn = make_by(7, |st, x, rho, b, r| {
        let draws = enc_elg::draw(&PROVER.sk, &VERIFIER.rp, r)?;
        enc_elg::prove_drawn(&PROVER.sk, st, x, rho, b, &VERIFIER.rp, &ctx(b"s1"), draws)
    })
    .unwrap();
    let direct = make(7);
    assert!(drawn.proof == direct.proof);
    assert_eq!(drawn.verify(&drawn.proof), Ok(()));
    let other_key = make_by(7, |st, x, rho, b, r| {
        let draws = enc_elg::draw(&VERIFIER.sk, &VERIFIER.rp, r)?;
        enc_elg::prove_drawn(&PROVER.sk, st, x, rho, b, &VERIFIER.rp, &ctx(b"s1"), draws)
    });
    assert!(matches!(other_key, Err(ProofError::Statement(_))));
    let other_parameters = make_by(7, |st, x, rho, b, r| {
        let draws = enc_elg::draw(&PROVER.sk, &PROVER.rp, r)?;
        enc_elg::prove_drawn(&PROVER.sk, st, x, rho, b, &VERIFIER.rp, &ctx(b"s1"), draws)
    });
    assert!(matches!(other_parameters, Err(ProofError::Statement(_))));
}

fn dummy() -> EncElgProof {
    EncElgProof {
        s: U3072::ZERO,
        t: U3072::ZERO,
        d: Ciphertext(U6144::ZERO),
        y: Point::generator(),
        z: Point::generator(),
        z1: I1024::ZERO,
        z2: U3072::ZERO,
        z3: I4096::ZERO,
        w: Scalar::zero(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn honest_proofs_verify(seed in any::<u64>()) {
        let case = make(seed);
        prop_assert_eq!(case.verify(&case.proof), Ok(()));
        prop_assert_eq!(case.proof.verify(&case.st(), &VERIFIER.public(), &ctx(b"s1")), Ok(()));
    }
}

#[test]
fn every_field_tampered_is_rejected() {
    let case = make(1);
    type Tamper = fn(&mut EncElgProof);
    let cases: [(&str, Tamper); 9] = [
        ("S", |p| p.s = p.s.wrapping_add(&U3072::ONE)),
        ("T", |p| p.t = p.t.wrapping_add(&U3072::ONE)),
        ("D", |p| p.d.0 = p.d.0.wrapping_add(&U6144::ONE)),
        ("Y", |p| p.y = p.y + Point::generator()),
        ("Z", |p| p.z = p.z + Point::generator()),
        ("z1", |p| p.z1 = p.z1.wrapping_add(&I1024::ONE)),
        ("z2", |p| p.z2 = p.z2.wrapping_add(&U3072::ONE)),
        ("z3", |p| p.z3 = p.z3.wrapping_add(&I4096::ONE)),
        ("w", |p| p.w = p.w + Scalar::one()),
    ];
    for (name, f) in cases {
        let mut p = case.proof.clone();
        f(&mut p);
        assert!(case.verify(&p).is_err(), "{name}");
    }
}

#[test]
fn the_elgamal_commitment_must_match_the_plaintext() {
    // X for another plaintext, B for another randomness: the curve equations fail.
    let mut case = make(2);
    case.x = case.x + Point::generator();
    assert!(matches!(
        case.verify(&case.proof),
        Err(ProofError::Equation(_))
    ));
    let mut case = make(3);
    case.b = case.b + Point::generator();
    assert!(case.verify(&case.proof).is_err());
    let mut case = make(4);
    case.a = case.a + Point::generator();
    assert!(case.verify(&case.proof).is_err());
}

#[test]
fn bound_to_session_and_verifier() {
    let case = make(5);
    assert!(
        case.proof
            .verify(&case.st(), &VERIFIER.owner(), &ctx(b"s2"))
            .is_err()
    );
    assert!(
        case.proof
            .verify(&case.st(), &PROVER.owner(), &ctx(b"s1"))
            .is_err()
    );
}

#[test]
fn ranges_before_exponentiation() {
    let case = make(6);
    let mut p = case.proof.clone();
    p.z1 = I1024::MIN;
    assert_eq!(
        case.verify(&p),
        Err(ProofError::OutOfRange("Πenc-elg z1 in ±2^(ℓ+ε) (Fig. 24)"))
    );
    let mut p = case.proof.clone();
    p.z3 = I4096::MAX;
    assert_eq!(
        case.verify(&p),
        Err(ProofError::OutOfRange("Πenc-elg z3 in ±2^(ℓ+ε+1)·N̂"))
    );
    let _ = bigint::pow2::<4>(1);
}
