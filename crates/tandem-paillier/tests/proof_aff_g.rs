//! Πaff-g (CGGMP24 Fig. 25): completeness, every field, ranges (Alpha-Rays), binding.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use std::sync::LazyLock;

use support::{PROVER, VERIFIER, ctx, rng};
use tandem_curves::{Point, Secp256k1, SecretScalar};
use tandem_paillier::bigint::{self, I1024, I2048, I4096, U3072, U6144};
use tandem_paillier::paillier::{Ciphertext, Nonce};
use tandem_paillier::proofs::ProofError;
use tandem_paillier::proofs::aff_g::{self, AffGProof, Statement, Witness};

/// The MtA statement of presigning: the verifier's `C` (its `K`), the prover's `x` and `y`.
struct Case {
    c: Ciphertext,
    d: Ciphertext,
    y: Ciphertext,
    x: Point<Secp256k1>,
    proof: AffGProof,
}

impl Case {
    fn st(&self) -> Statement<'_> {
        Statement {
            verifier_key: VERIFIER.sk.public(),
            prover_key: PROVER.sk.public(),
            c: &self.c,
            d: &self.d,
            y: &self.y,
            x: &self.x,
        }
    }
    fn verify(&self, p: &AffGProof) -> Result<(), ProofError> {
        p.verify(&self.st(), &VERIFIER.owner(), &ctx(b"s1"))
    }
}

/// The MtA statement for `x` and `y`, proved by `prover`.
fn make_by(
    seed: u64,
    x: I1024,
    y: I2048,
    x_point: Point<Secp256k1>,
    prover: impl FnOnce(
        &Statement<'_>,
        &Witness<'_>,
        &mut rand_chacha::ChaCha20Rng,
    ) -> Result<AffGProof, ProofError>,
) -> Result<Case, ProofError> {
    let mut r = rng(seed);
    let k: I1024 = bigint::random_signed_bits(&mut r, 256);
    let (c, _) = VERIFIER.sk.public().encrypt(&mut r, &k);
    let pk0 = VERIFIER.sk.public();
    let rho = Nonce(bigint::random_unit(&mut r, pk0.n()));
    let d = pk0.add(&pk0.scalar_mul(&c, &x, 1100), &pk0.encrypt_with(&y, &rho.0));
    let (yc, rho_y) = PROVER.sk.encrypt(&mut r, &y);
    let mut case = Case {
        c,
        d,
        y: yc,
        x: x_point,
        proof: placeholder(),
    };
    let w = Witness {
        x: &x,
        y: &y,
        rho: &rho,
        rho_y: &rho_y,
    };
    case.proof = prover(&case.st(), &w, &mut r)?;
    Ok(case)
}

fn make_with(seed: u64, x: I1024, y: I2048, x_point: Point<Secp256k1>) -> Case {
    make_by(seed, x, y, x_point, |st, w, r| {
        aff_g::prove(&PROVER.sk, st, w, &VERIFIER.rp, &ctx(b"s1"), r)
    })
    .unwrap()
}

/// Randomness drawn first (`draw`, then `prove_drawn`: how presigning runs its two MtA at
/// once) makes the proof `prove` makes from the same seed; drawn for other keys or other
/// ring-Pedersen parameters, it is refused.
#[test]
fn nonces_drawn_first_give_the_same_proof_and_serve_their_keys_only() {
    let mut r = rng(9);
    let x_s = SecretScalar::<Secp256k1>::random(&mut r);
    let x = tandem_paillier::proofs::signed_from_scalar(x_s.expose_secret());
    let y: I2048 = bigint::random_signed_bits(&mut r, 1280);
    let direct = make_with(9, x, y, x_s.public_point());
    let drawn = make_by(9, x, y, x_s.public_point(), |st, w, r| {
        let draws = aff_g::draw(&PROVER.sk, VERIFIER.sk.public(), &VERIFIER.rp, r)?;
        aff_g::prove_drawn(&PROVER.sk, st, w, &VERIFIER.rp, &ctx(b"s1"), draws)
    })
    .unwrap();
    assert!(drawn.proof == direct.proof);
    assert_eq!(drawn.verify(&drawn.proof), Ok(()));
    for (prover_key, verifier_key, rp) in [
        (&VERIFIER.sk, VERIFIER.sk.public(), &VERIFIER.rp),
        (&PROVER.sk, PROVER.sk.public(), &VERIFIER.rp),
        (&PROVER.sk, VERIFIER.sk.public(), &PROVER.rp),
    ] {
        let other = make_by(9, x, y, x_s.public_point(), |st, w, r| {
            let draws = aff_g::draw(prover_key, verifier_key, rp, r)?;
            aff_g::prove_drawn(&PROVER.sk, st, w, &VERIFIER.rp, &ctx(b"s1"), draws)
        });
        assert!(matches!(other, Err(ProofError::Statement(_))));
    }
}

fn make(seed: u64) -> Case {
    let mut r = rng(seed ^ 0xabc);
    let x_s = SecretScalar::<Secp256k1>::random(&mut r);
    let x = tandem_paillier::proofs::signed_from_scalar(x_s.expose_secret());
    // y = -β with β ∈ ±2^ℓ' (as in presigning).
    let y: I2048 = bigint::random_signed_bits(&mut r, 1280);
    make_with(seed, x, y, x_s.public_point())
}

fn placeholder() -> AffGProof {
    AffGProof {
        a: Ciphertext(U6144::ZERO),
        b_x: Point::generator(),
        b_y: Ciphertext(U6144::ZERO),
        e: U3072::ZERO,
        s: U3072::ZERO,
        f: U3072::ZERO,
        t: U3072::ZERO,
        z1: I1024::ZERO,
        z2: I2048::ZERO,
        z3: I4096::ZERO,
        z4: I4096::ZERO,
        w: U3072::ZERO,
        w_y: U3072::ZERO,
    }
}

static CASE: LazyLock<Case> = LazyLock::new(|| make(1));

#[test]
fn honest_proofs_verify() {
    assert_eq!(CASE.verify(&CASE.proof), Ok(()));
    assert_eq!(
        CASE.proof
            .verify(&CASE.st(), &VERIFIER.public(), &ctx(b"s1")),
        Ok(())
    );
    for seed in 2..5 {
        let case = make(seed);
        assert_eq!(case.verify(&case.proof), Ok(()), "seed {seed}");
    }
}

#[test]
fn every_field_tampered_is_rejected() {
    type Tamper = fn(&mut AffGProof);
    let cases: [(&str, Tamper); 13] = [
        ("A", |p| p.a.0 = p.a.0.wrapping_add(&U6144::ONE)),
        ("B_x", |p| p.b_x = p.b_x + Point::generator()),
        ("B_y", |p| p.b_y.0 = p.b_y.0.wrapping_add(&U6144::ONE)),
        ("E", |p| p.e = p.e.wrapping_add(&U3072::ONE)),
        ("S", |p| p.s = p.s.wrapping_add(&U3072::ONE)),
        ("F", |p| p.f = p.f.wrapping_add(&U3072::ONE)),
        ("T", |p| p.t = p.t.wrapping_add(&U3072::ONE)),
        ("z1", |p| p.z1 = p.z1.wrapping_add(&I1024::ONE)),
        ("z2", |p| p.z2 = p.z2.wrapping_add(&I2048::ONE)),
        ("z3", |p| p.z3 = p.z3.wrapping_add(&I4096::ONE)),
        ("z4", |p| p.z4 = p.z4.wrapping_sub(&I4096::ONE)),
        ("w", |p| p.w = p.w.wrapping_add(&U3072::ONE)),
        ("w_y", |p| p.w_y = p.w_y.wrapping_add(&U3072::ONE)),
    ];
    for (name, f) in cases {
        let mut p = CASE.proof.clone();
        f(&mut p);
        assert!(CASE.verify(&p).is_err(), "{name}");
    }
}

#[test]
fn statement_binding() {
    // D for another multiplier, Y for another y, X for another x, another session.
    let other = make(9);
    let mut st = CASE.st();
    st.d = &other.d;
    assert!(
        CASE.proof
            .verify(&st, &VERIFIER.owner(), &ctx(b"s1"))
            .is_err(),
        "D"
    );
    let mut st = CASE.st();
    st.y = &other.y;
    assert!(
        CASE.proof
            .verify(&st, &VERIFIER.owner(), &ctx(b"s1"))
            .is_err(),
        "Y"
    );
    let mut st = CASE.st();
    st.x = &other.x;
    assert!(
        CASE.proof
            .verify(&st, &VERIFIER.owner(), &ctx(b"s1"))
            .is_err(),
        "X"
    );
    assert!(
        CASE.proof
            .verify(&CASE.st(), &VERIFIER.owner(), &ctx(b"s2"))
            .is_err(),
        "session"
    );
}

#[test]
fn group_membership_and_ranges_first() {
    let mut p = CASE.proof.clone();
    p.w = U3072::ZERO;
    assert_eq!(
        CASE.verify(&p),
        Err(ProofError::NotInGroup("Πaff-g w ∈ Z*_N0"))
    );
    let mut p = CASE.proof.clone();
    p.w_y = PROVER.sk.p().resize();
    assert_eq!(
        CASE.verify(&p),
        Err(ProofError::NotInGroup("Πaff-g w_y ∈ Z*_N1"))
    );
    let mut p = CASE.proof.clone();
    p.b_y = Ciphertext(U6144::ZERO);
    assert_eq!(
        CASE.verify(&p),
        Err(ProofError::NotInGroup("Πaff-g B_y ∈ Z*_N1²"))
    );
    let mut p = CASE.proof.clone();
    p.z1 = I1024::MAX;
    assert_eq!(
        CASE.verify(&p),
        Err(ProofError::OutOfRange("Πaff-g z1 in ±2^(ℓ+ε) (Fig. 25)"))
    );
    let mut p = CASE.proof.clone();
    p.z2 = I2048::MIN;
    assert_eq!(
        CASE.verify(&p),
        Err(ProofError::OutOfRange("Πaff-g z2 in ±2^(ℓ'+ε) (Fig. 25)"))
    );
    let mut p = CASE.proof.clone();
    p.z4 = I4096::MAX;
    assert_eq!(
        CASE.verify(&p),
        Err(ProofError::OutOfRange("Πaff-g z3, z4 in ±2^(ℓ+ε+1)·N̂"))
    );
}

#[test]
fn alpha_rays_out_of_range_mta_values_are_caught() {
    // Alpha-Rays (Tymokhanov, Shlomovits): a malicious MtA party uses an out-of-range
    // multiplier or additive mask to learn bits of the other party's secret from whether
    // the protocol aborts. The range checks of Πaff-g refuse such values.
    let huge_x = *bigint::pow2::<{ I1024::LIMBS }>(780).as_int();
    let case = make_with(20, huge_x, I2048::from_i64(5), Point::generator());
    assert!(matches!(
        case.verify(&case.proof),
        Err(ProofError::OutOfRange(_)) | Err(ProofError::Equation(_))
    ));
    let huge_y = *bigint::pow2::<{ I2048::LIMBS }>(1800).as_int();
    let x_s = SecretScalar::<Secp256k1>::new(k256::Scalar::from(3u64));
    let case = make_with(21, I1024::from_i64(3), huge_y, x_s.public_point());
    assert_eq!(
        case.verify(&case.proof),
        Err(ProofError::OutOfRange("Πaff-g z2 in ±2^(ℓ'+ε) (Fig. 25)"))
    );
    // Just inside ℓ': accepted.
    let ok_y = *bigint::pow2::<{ I2048::LIMBS }>(1280).as_int();
    let case = make_with(22, I1024::from_i64(3), ok_y, x_s.public_point());
    assert_eq!(case.verify(&case.proof), Ok(()));
}

#[test]
fn batched_paillier_equations_name_the_failing_proof() {
    use tandem_paillier::proofs::batch;
    let cases = [make(11), make(12), make(13)];
    let deferred = |proofs: &[AffGProof]| {
        cases
            .iter()
            .zip(proofs)
            .map(|(c, p)| p.verify_deferred(&c.st(), &VERIFIER.owner(), &ctx(b"s1")))
            .collect::<Result<Vec<_>, _>>()
    };
    let honest: Vec<AffGProof> = cases.iter().map(|c| c.proof.clone()).collect();
    for seed in 0..4 {
        assert_eq!(
            batch::verify(&deferred(&honest).unwrap(), &mut rng(seed)),
            Ok(())
        );
    }
    // w_y enters only the deferred equation: doubling it (still a unit) passes every other
    // check, and the batch names the equation.
    let n1 = PROVER.sk.public().n();
    let mut bad = honest.clone();
    bad[1].w_y = bigint::MontyN::new(&bad[1].w_y, PROVER.sk.public().params_n())
        .add(&bigint::MontyN::new(
            &bad[1].w_y,
            PROVER.sk.public().params_n(),
        ))
        .retrieve();
    assert!(bad[1].w_y < *n1.as_ref());
    let checks = deferred(&bad).unwrap();
    assert_eq!(checks[0].check(), Ok(()));
    assert!(checks[1].check().is_err());
    for seed in 0..4 {
        assert_eq!(
            batch::verify(&checks, &mut rng(seed)),
            Err(ProofError::Equation(
                "Πaff-g enc_N1(z2; w_y) = B_y Y^e (Fig. 25)"
            ))
        );
    }
    // A single equation is checked on its own.
    assert_eq!(batch::verify(&checks[..1], &mut rng(1)), Ok(()));
    assert!(batch::verify(&checks[1..2], &mut rng(1)).is_err());
}
