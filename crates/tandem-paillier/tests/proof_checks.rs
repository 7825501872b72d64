//! Checks of the zero-knowledge proofs (Πmod, Πfac, Πenc, Πenc-elg, Πaff-g, Πelog) listed in
//! `CHECKS.md` that no other test provoked by name: each test crafts the bad input and
//! asserts the exact error, including the figure-tagged name of the failed equation or range.

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

use rand_chacha::ChaCha20Rng;
use tandem_curves::{Point, Scalar, Secp256k1, SecretScalar, Transcript};
use tandem_paillier::bigint::{self, I1024, I2048, I4096, I8192, MontyN, U3072, U6144};
use tandem_paillier::paillier::{Ciphertext, Nonce, SecretKey};
use tandem_paillier::proofs::aff_g::{self, AffGProof};
use tandem_paillier::proofs::elog::{self, ElogProof};
use tandem_paillier::proofs::enc::{self, EncProof};
use tandem_paillier::proofs::enc_elg::{self, EncElgProof};
use tandem_paillier::proofs::factor::{self, FacProof};
use tandem_paillier::proofs::modulus::{self, ModProof};
use tandem_paillier::proofs::{ProofError, signed_from_scalar};

use support::{parties, rng};

fn ctx() -> Transcript {
    let mut t = Transcript::new("tandem/test/checks");
    t.append("session", b"checks");
    t
}

/// `2·x mod n` (a unit stays a unit for odd n).
fn double_mod(x: &U3072, sk: &SecretKey) -> U3072 {
    let p = sk.public().params_n();
    MontyN::new(x, p).add(&MontyN::new(x, p)).retrieve()
}

// ---------------------------------------------------------------------------------------
// Πmod (Fig. 12): the two equations by name.

#[test]
fn pi_mod_equations_by_name() {
    let (_, p) = parties();
    let proof = modulus::prove(&p.sk, &ctx(), &mut rng(1));
    let verify = |m: &ModProof| m.verify(p.sk.public(), &ctx());
    assert_eq!(verify(&proof), Ok(()));
    let mut bad = proof.clone();
    bad.z[2] = double_mod(&bad.z[2], &p.sk);
    assert_eq!(
        verify(&bad),
        Err(ProofError::Repetition {
            index: 2,
            check: "Πmod z_i^N = y_i (Fig. 12)"
        })
    );
    let mut bad = proof;
    bad.x[4] = double_mod(&bad.x[4], &p.sk);
    assert_eq!(
        verify(&bad),
        Err(ProofError::Repetition {
            index: 4,
            check: "Πmod x_i^4 = (-1)^a_i w^b_i y_i (Fig. 12)"
        })
    );
}

// ---------------------------------------------------------------------------------------
// Πfac (Fig. 26).

fn fac() -> &'static FacProof {
    static P: OnceLock<FacProof> = OnceLock::new();
    P.get_or_init(|| {
        let (v, p) = parties();
        factor::prove(&p.sk, &v.rp, &ctx(), &mut rng(2)).unwrap()
    })
}

#[test]
fn pi_fac_every_check_by_name() {
    let (v, p) = parties();
    let verify = |f: &FacProof| f.verify(p.sk.public(), &v.owner(), &ctx());
    assert_eq!(verify(fac()), Ok(()));
    type Tamper = fn(&mut FacProof);
    let cases: [(Tamper, ProofError); 7] = [
        (
            |f| f.p_commitment = U3072::ZERO,
            ProofError::NotInGroup("Πfac P"),
        ),
        (
            |f| f.q_commitment = U3072::ZERO,
            ProofError::NotInGroup("Πfac Q"),
        ),
        (|f| f.b = U3072::ZERO, ProofError::NotInGroup("Πfac B")),
        (
            |f| f.w2 = I4096::MAX,
            ProofError::OutOfRange("Πfac w1, w2 in ±2^(ℓ+ε+1)·N̂"),
        ),
        (
            |f| f.z1 = f.z1.wrapping_add(&I4096::ONE),
            ProofError::Equation("Πfac s^z1 t^w1 = A P^e (Fig. 26)"),
        ),
        (
            |f| f.w2 = f.w2.wrapping_add(&I4096::ONE),
            ProofError::Equation("Πfac s^z2 t^w2 = B Q^e (Fig. 26)"),
        ),
        (
            |f| f.v = f.v.wrapping_add(&I8192::ONE),
            ProofError::Equation("Πfac Q^z1 t^v = T R^e (Fig. 26)"),
        ),
    ];
    for (f, want) in cases {
        let mut bad = fac().clone();
        f(&mut bad);
        assert_eq!(verify(&bad), Err(want));
    }
}

// ---------------------------------------------------------------------------------------
// Πenc (Fig. 11).

#[test]
fn pi_enc_every_check_by_name() {
    let (v, p) = parties();
    let mut r = rng(3);
    let k = I1024::from_i64(-17);
    let (c, rho) = p.sk.encrypt(&mut r, &k);
    let proof = enc::prove(&p.sk, &k, &rho, &c, &v.rp, &ctx(), &mut r).unwrap();
    let verify = |e: &EncProof| e.verify(p.sk.public(), &c, &v.owner(), &ctx());
    assert_eq!(verify(&proof), Ok(()));
    type Tamper = Box<dyn Fn(&mut EncProof)>;
    let cases: Vec<(Tamper, ProofError)> = vec![
        (
            Box::new(|e| e.s = U3072::ZERO),
            ProofError::NotInGroup("Πenc S, C ∈ Z*_N̂ (Fig. 11)"),
        ),
        (
            Box::new(|e| e.c = U3072::ZERO),
            ProofError::NotInGroup("Πenc S, C ∈ Z*_N̂ (Fig. 11)"),
        ),
        (
            Box::new(|e| e.z1 = e.z1.wrapping_add(&I1024::ONE)),
            ProofError::Equation("Πenc s^z1 t^z3 = C·S^e (Fig. 11)"),
        ),
        (
            Box::new(|e| e.z2 = double_mod(&e.z2, &p.sk)),
            ProofError::Equation("Πenc enc(z1; z2) = A·K^e (Fig. 11)"),
        ),
    ];
    for (f, want) in cases {
        let mut bad = proof.clone();
        f(&mut bad);
        assert_eq!(verify(&bad), Err(want));
    }
}

// ---------------------------------------------------------------------------------------
// Πenc-elg (Fig. 24).

struct ElgCase {
    c: Ciphertext,
    a: Point<Secp256k1>,
    b: Point<Secp256k1>,
    x: Point<Secp256k1>,
    proof: EncElgProof,
}

impl ElgCase {
    fn verify(&self, proof: &EncElgProof) -> Result<(), ProofError> {
        let (v, p) = parties();
        let st = enc_elg::Statement {
            key: p.sk.public(),
            ciphertext: &self.c,
            a: &self.a,
            b: &self.b,
            x: &self.x,
        };
        proof.verify(&st, &v.owner(), &ctx())
    }
}

/// A Πenc-elg proof for `(C, A, B, X)`; `wrong_b` makes the statement's `B` another point
/// than `b·G` *before* the proof is made.
fn elg_case(seed: u64, wrong_b: bool) -> ElgCase {
    let (v, p) = parties();
    let mut r = rng(seed);
    let x_s = SecretScalar::<Secp256k1>::random_nonzero(&mut r);
    let x = signed_from_scalar(x_s.expose_secret());
    let (c, rho) = p.sk.encrypt(&mut r, &x);
    let a = SecretScalar::<Secp256k1>::random_nonzero(&mut r).public_point();
    let b_secret = SecretScalar::<Secp256k1>::random_nonzero(&mut r);
    let mut b = b_secret.public_point();
    if wrong_b {
        b = b + Point::generator();
    }
    let big_x = a.mul_secret(&b_secret) + x_s.public_point();
    let st = enc_elg::Statement {
        key: p.sk.public(),
        ciphertext: &c,
        a: &a,
        b: &b,
        x: &big_x,
    };
    let proof = enc_elg::prove(&p.sk, &st, &x, &rho, &b_secret, &v.rp, &ctx(), &mut r).unwrap();
    ElgCase {
        c,
        a,
        b,
        x: big_x,
        proof,
    }
}

#[test]
fn pi_enc_elg_every_check_by_name() {
    let (_, p) = parties();
    let case = elg_case(4, false);
    assert_eq!(case.verify(&case.proof), Ok(()));
    type Tamper = Box<dyn Fn(&mut EncElgProof)>;
    let cases: Vec<(Tamper, ProofError)> = vec![
        (
            Box::new(|e| e.d = Ciphertext(U6144::ZERO)),
            ProofError::NotInGroup("Πenc-elg D ∈ Z*_N0² (Fig. 24)"),
        ),
        (
            Box::new(|e| e.t = U3072::ZERO),
            ProofError::NotInGroup("Πenc-elg S, T ∈ Z*_N̂ (Fig. 24)"),
        ),
        (
            Box::new(|e| e.z2 = U3072::ZERO),
            ProofError::NotInGroup("Πenc-elg z2 ∈ Z*_N0 (Fig. 24)"),
        ),
        (
            Box::new(|e| e.z3 = e.z3.wrapping_add(&I4096::ONE)),
            ProofError::Equation("Πenc-elg s^z1 t^z3 = T·S^e (Fig. 24)"),
        ),
        (
            Box::new(|e| e.w = e.w + Scalar::one()),
            ProofError::Equation("Πenc-elg w·A + z1·G = Y' + e·X (Fig. 24)"),
        ),
        (
            Box::new(|e| e.z2 = double_mod(&e.z2, &p.sk)),
            ProofError::Equation("Πenc-elg enc(z1; z2) = D·C^e (Fig. 24)"),
        ),
    ];
    for (f, want) in cases {
        let mut bad = case.proof.clone();
        f(&mut bad);
        assert_eq!(case.verify(&bad), Err(want));
    }
    // C itself outside Z*_N0².
    let mut bad_c = elg_case(5, false);
    bad_c.c = Ciphertext(p.sk.p().resize());
    assert_eq!(
        bad_c.verify(&bad_c.proof),
        Err(ProofError::NotInGroup("Πenc-elg C ∈ Z*_N0² (Fig. 24)"))
    );
    // B is not b·G for the b the prover used: only the second curve equation fails.
    let wrong_b = elg_case(6, true);
    assert_eq!(
        wrong_b.verify(&wrong_b.proof),
        Err(ProofError::Equation("Πenc-elg w·G = Z + e·B (Fig. 24)"))
    );
}

// ---------------------------------------------------------------------------------------
// Πaff-g (Fig. 25).

struct AffCase {
    c: Ciphertext,
    d: Ciphertext,
    y: Ciphertext,
    x: Point<Secp256k1>,
    proof: AffGProof,
}

impl AffCase {
    fn st(&self) -> aff_g::Statement<'_> {
        let (v, p) = parties();
        aff_g::Statement {
            verifier_key: v.sk.public(),
            prover_key: p.sk.public(),
            c: &self.c,
            d: &self.d,
            y: &self.y,
            x: &self.x,
        }
    }
    fn verify_with(&self, st: &aff_g::Statement<'_>, proof: &AffGProof) -> Result<(), ProofError> {
        proof.verify(st, &parties().0.owner(), &ctx())
    }
    fn verify(&self, proof: &AffGProof) -> Result<(), ProofError> {
        self.verify_with(&self.st(), proof)
    }
}

/// A Πaff-g proof; `wrong_x` makes `X` another point than `x·G` before the proof is made.
fn aff_case(seed: u64, wrong_x: bool) -> AffCase {
    let (v, p) = parties();
    let mut r = rng(seed);
    let pk0 = v.sk.public();
    let k: I1024 = bigint::random_signed_bits(&mut r, 256);
    let (c, _) = pk0.encrypt(&mut r, &k);
    let x_s = SecretScalar::<Secp256k1>::random_nonzero(&mut r);
    let x = signed_from_scalar(x_s.expose_secret());
    let y: I2048 = bigint::random_signed_bits(&mut r, 1280);
    let rho = Nonce(bigint::random_unit(&mut r, pk0.n()));
    let d = pk0.add(&pk0.scalar_mul(&c, &x, 300), &pk0.encrypt_with(&y, &rho.0));
    let (yc, rho_y) = p.sk.encrypt(&mut r, &y);
    let mut x_point = x_s.public_point();
    if wrong_x {
        x_point = x_point + Point::generator();
    }
    let mut case = AffCase {
        c,
        d,
        y: yc,
        x: x_point,
        proof: placeholder(),
    };
    let w = aff_g::Witness {
        x: &x,
        y: &y,
        rho: &rho,
        rho_y: &rho_y,
    };
    case.proof = aff_g::prove(&p.sk, &case.st(), &w, &v.rp, &ctx(), &mut r).unwrap();
    case
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

#[test]
fn pi_aff_g_every_check_by_name() {
    let (v, p) = parties();
    let case = aff_case(7, false);
    assert_eq!(case.verify(&case.proof), Ok(()));
    type Tamper = Box<dyn Fn(&mut AffGProof)>;
    let cases: Vec<(Tamper, ProofError)> = vec![
        (
            Box::new(|a| a.a = Ciphertext(U6144::ZERO)),
            ProofError::NotInGroup("Πaff-g A ∈ Z*_N0²"),
        ),
        (
            Box::new(|a| a.e = U3072::ZERO),
            ProofError::NotInGroup("Πaff-g E, S, F, T ∈ Z*_N̂"),
        ),
        (
            Box::new(|a| a.t = U3072::ZERO),
            ProofError::NotInGroup("Πaff-g E, S, F, T ∈ Z*_N̂"),
        ),
        (
            Box::new(|a| a.z3 = I4096::MIN),
            ProofError::OutOfRange("Πaff-g z3, z4 in ±2^(ℓ+ε+1)·N̂"),
        ),
        (
            Box::new(|a| a.w = double_mod(&a.w, &v.sk)),
            ProofError::Equation("Πaff-g C^z1 (1+N0)^z2 w^N0 = A D^e (Fig. 25)"),
        ),
        (
            Box::new(|a| a.z3 = a.z3.wrapping_add(&I4096::ONE)),
            ProofError::Equation("Πaff-g s^z1 t^z3 = E S^e (Fig. 25)"),
        ),
        (
            Box::new(|a| a.z4 = a.z4.wrapping_add(&I4096::ONE)),
            ProofError::Equation("Πaff-g s^z2 t^z4 = F T^e (Fig. 25)"),
        ),
        (
            Box::new(|a| a.w_y = double_mod(&a.w_y, &p.sk)),
            ProofError::Equation("Πaff-g enc_N1(z2; w_y) = B_y Y^e (Fig. 25)"),
        ),
    ];
    for (f, want) in cases {
        let mut bad = case.proof.clone();
        f(&mut bad);
        assert_eq!(case.verify(&bad), Err(want));
    }
    // Statement ciphertexts outside their groups.
    let zero = Ciphertext(U6144::ZERO);
    let mut st = case.st();
    st.c = &zero;
    assert_eq!(
        case.verify_with(&st, &case.proof),
        Err(ProofError::NotInGroup("Πaff-g C ∈ Z*_N0²"))
    );
    let mut st = case.st();
    st.d = &zero;
    assert_eq!(
        case.verify_with(&st, &case.proof),
        Err(ProofError::NotInGroup("Πaff-g D ∈ Z*_N0²"))
    );
    let mut st = case.st();
    st.y = &zero;
    assert_eq!(
        case.verify_with(&st, &case.proof),
        Err(ProofError::NotInGroup("Πaff-g Y ∈ Z*_N1²"))
    );
    // X is not x·G for the x the prover used: only the curve equation fails.
    let wrong_x = aff_case(8, true);
    assert_eq!(
        wrong_x.verify(&wrong_x.proof),
        Err(ProofError::Equation("Πaff-g z1·G = B_x + e·X (Fig. 25)"))
    );
}

// ---------------------------------------------------------------------------------------
// Πelog (Fig. 23).

#[test]
fn pi_elog_each_equation_by_name() {
    let mut r = rng(9);
    let lambda = SecretScalar::<Secp256k1>::random_nonzero(&mut r);
    let y = SecretScalar::<Secp256k1>::random_nonzero(&mut r);
    let x = SecretScalar::<Secp256k1>::random_nonzero(&mut r).public_point();
    let h = SecretScalar::<Secp256k1>::random_nonzero(&mut r).public_point();
    let l = lambda.public_point();
    let m = y.public_point() + x.mul_secret(&lambda);
    let good_y = h.mul_secret(&y);
    let prove_for = |yy: &Point<Secp256k1>, r: &mut ChaCha20Rng| {
        let st = elog::Statement {
            l: &l,
            m: &m,
            x: &x,
            y: yy,
            h: &h,
        };
        elog::prove(&st, &lambda, &y, &ctx(), r)
    };
    let verify = |yy: &Point<Secp256k1>, p: &ElogProof| {
        let st = elog::Statement {
            l: &l,
            m: &m,
            x: &x,
            y: yy,
            h: &h,
        };
        p.verify(&st, &ctx())
    };
    let proof = prove_for(&good_y, &mut r);
    assert_eq!(verify(&good_y, &proof), Ok(()));
    let mut bad = proof.clone();
    bad.z = bad.z + Scalar::one();
    assert_eq!(
        verify(&good_y, &bad),
        Err(ProofError::Equation("Πelog z·G = A + e·L (Fig. 23)"))
    );
    let mut bad = proof;
    bad.u = bad.u + Scalar::one();
    assert_eq!(
        verify(&good_y, &bad),
        Err(ProofError::Equation("Πelog u·G + z·X = N + e·M (Fig. 23)"))
    );
    // Y is not y·H for the y the prover used: only the third equation fails.
    let wrong_y = good_y + Point::generator();
    let proof = prove_for(&wrong_y, &mut r);
    assert_eq!(
        verify(&wrong_y, &proof),
        Err(ProofError::Equation("Πelog u·H = B + e·Y (Fig. 23)"))
    );
}
