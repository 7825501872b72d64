//! Πprm (CGGMP24 Fig. 13): completeness, tampering, and parameters with `s ∉ ⟨t⟩`.

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

use crypto_bigint::{JacobiSymbol, NonZero};
use support::{PROVER, VERIFIER, ctx, rng};
use tandem_paillier::bigint::{self, U3072};
use tandem_paillier::proofs::ProofError;
use tandem_paillier::proofs::prm::{self, PrmProof};
use tandem_paillier::ring_pedersen::Params;

static PROOF: LazyLock<PrmProof> =
    LazyLock::new(|| prm::prove(&PROVER.rp, &PROVER.td, &PROVER.sk, &ctx(b"s1"), &mut rng(1)));

fn verify(p: &PrmProof) -> Result<(), ProofError> {
    p.verify(&PROVER.rp, &ctx(b"s1"))
}

#[test]
fn honest_proofs_verify() {
    assert_eq!(verify(&PROOF), Ok(()));
    for seed in 2..4 {
        let p = prm::prove(
            &VERIFIER.rp,
            &VERIFIER.td,
            &VERIFIER.sk,
            &ctx(b"s7"),
            &mut rng(seed),
        );
        assert_eq!(p.verify(&VERIFIER.rp, &ctx(b"s7")), Ok(()));
    }
}

#[test]
fn bound_to_session_and_parameters() {
    assert!(PROOF.verify(&PROVER.rp, &ctx(b"other")).is_err());
    assert!(PROOF.verify(&VERIFIER.rp, &ctx(b"s1")).is_err());
}

#[test]
fn every_field_tampered_is_rejected() {
    let n = *PROVER.rp.n().as_ref();
    let mut p = PROOF.clone();
    p.commitments[0] = p.commitments[0].wrapping_add(&U3072::ONE);
    assert!(verify(&p).is_err(), "A_0 (changes the challenge too)");
    let mut p = PROOF.clone();
    p.responses[0] = p.responses[0].wrapping_add(&U3072::ONE);
    assert!(
        matches!(verify(&p), Err(ProofError::Repetition { index: 0, .. })),
        "z_0"
    );
    let mut p = PROOF.clone();
    p.responses[127] = p.responses[127].wrapping_sub(&U3072::ONE);
    assert!(
        matches!(verify(&p), Err(ProofError::Repetition { index: 127, .. })),
        "z_127"
    );
    let mut p = PROOF.clone();
    p.responses[9] = n;
    assert_eq!(
        verify(&p),
        Err(ProofError::OutOfRange("Πprm z_i < N (Fig. 13)")),
        "z_9 = N"
    );
    let mut p = PROOF.clone();
    p.commitments[9] = U3072::ZERO;
    assert_eq!(verify(&p), Err(ProofError::NotInGroup("Πprm A_i")));
    let mut p = PROOF.clone();
    p.commitments[9] = PROVER.sk.p().resize();
    assert_eq!(verify(&p), Err(ProofError::NotInGroup("Πprm A_i")));
}

#[test]
fn repetition_count_is_exact() {
    for len in [0usize, 1, 127] {
        let mut p = PROOF.clone();
        p.commitments.truncate(len);
        p.responses.truncate(len);
        assert_eq!(
            verify(&p),
            Err(ProofError::Length("Πprm repetitions (A_i, z_i)"))
        );
    }
}

#[test]
fn s_outside_the_subgroup_of_t_cannot_be_proved() {
    // s with Jacobi symbol -1 is not a square, so it is not a power of the square t; a prover
    // without λ (here: a wrong λ) cannot answer the challenge bits that are 1.
    let v = &*PROVER;
    let n = v.rp.n();
    let mut r = rng(8);
    let s = loop {
        let s = bigint::random_unit(&mut r, n);
        if matches!(s.jacobi_symbol_vartime(n), JacobiSymbol::MinusOne) {
            break s;
        }
    };
    let bad = Params::new(*n.as_ref(), s, *v.rp.t()).unwrap();
    let phi = NonZero::new(*v.sk.phi()).unwrap();
    let fake_lambda: U3072 = crypto_bigint::RandomMod::random_mod_vartime(&mut r, &phi);
    let proof = prm::prove_with_lambda(&bad, &fake_lambda, &v.sk, &ctx(b"s1"), &mut r);
    assert!(matches!(
        proof.verify(&bad, &ctx(b"s1")),
        Err(ProofError::Repetition { .. })
    ));
    // A prover with the right λ for t but lying about s fails the same way.
    let proof = prm::prove_with_lambda(&bad, v.td.lambda(), &v.sk, &ctx(b"s1"), &mut r);
    assert!(matches!(
        proof.verify(&bad, &ctx(b"s1")),
        Err(ProofError::Repetition { .. })
    ));
}
