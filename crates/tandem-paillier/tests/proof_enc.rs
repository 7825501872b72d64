//! Πenc (CGGMP24 Fig. 11): completeness over plaintexts in range, tampering, ranges.

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
use tandem_paillier::bigint::{self, I1024, I4096, U3072, U6144};
use tandem_paillier::paillier::Ciphertext;
use tandem_paillier::proofs::ProofError;
use tandem_paillier::proofs::enc::{self, EncProof};

fn make(k: &I1024, seed: u64) -> (Ciphertext, EncProof) {
    let mut r = rng(seed);
    let (c, rho) = PROVER.sk.encrypt(&mut r, k);
    let p = enc::prove(&PROVER.sk, k, &rho, &c, &VERIFIER.rp, &ctx(b"s1"), &mut r).unwrap();
    (c, p)
}

fn verify(c: &Ciphertext, p: &EncProof) -> Result<(), ProofError> {
    p.verify(PROVER.sk.public(), c, &VERIFIER.owner(), &ctx(b"s1"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn honest_proofs_verify(seed in any::<u64>()) {
        // Any k in ±2^ℓ, including the extremes.
        let k: I1024 = bigint::random_signed_bits(&mut rng(seed), 256);
        let (c, p) = make(&k, seed);
        prop_assert_eq!(verify(&c, &p), Ok(()));
        prop_assert_eq!(p.verify(PROVER.sk.public(), &c, &VERIFIER.public(), &ctx(b"s1")), Ok(()));
    }
}

#[test]
fn extremes_of_the_range_verify() {
    let max = *bigint::pow2::<{ I1024::LIMBS }>(256).as_int();
    for k in [max, max.wrapping_neg(), I1024::ZERO] {
        let (c, p) = make(&k, 5);
        assert_eq!(verify(&c, &p), Ok(()));
    }
}

#[test]
fn bound_to_session_and_statement() {
    let (c, p) = make(&I1024::from_i64(7), 1);
    assert!(
        p.verify(PROVER.sk.public(), &c, &VERIFIER.owner(), &ctx(b"s2"))
            .is_err()
    );
    let (c2, _) = make(&I1024::from_i64(7), 2);
    assert!(
        verify(&c2, &p).is_err(),
        "another ciphertext of the same value"
    );
    assert!(
        p.verify(PROVER.sk.public(), &c, &PROVER.owner(), &ctx(b"s1"))
            .is_err(),
        "another verifier"
    );
}

#[test]
fn every_field_tampered_is_rejected() {
    let (c, p0) = make(&I1024::from_i64(-5), 3);
    type Tamper = fn(&mut EncProof);
    let cases: [(&str, Tamper); 6] = [
        ("S", |p| p.s = p.s.wrapping_add(&U3072::ONE)),
        ("A", |p| p.a.0 = p.a.0.wrapping_add(&U6144::ONE)),
        ("C", |p| p.c = p.c.wrapping_add(&U3072::ONE)),
        ("z1", |p| p.z1 = p.z1.wrapping_add(&I1024::ONE)),
        ("z2", |p| p.z2 = p.z2.wrapping_add(&U3072::ONE)),
        ("z3", |p| p.z3 = p.z3.wrapping_add(&I4096::ONE)),
    ];
    for (name, f) in cases {
        let mut p = p0.clone();
        f(&mut p);
        assert!(verify(&c, &p).is_err(), "{name}");
        assert!(
            p.verify(PROVER.sk.public(), &c, &VERIFIER.public(), &ctx(b"s1"))
                .is_err(),
            "{name} (public)"
        );
    }
}

#[test]
fn group_and_range_checks_come_first() {
    let (c, p0) = make(&I1024::from_i64(11), 4);
    let mut p = p0.clone();
    p.z2 = U3072::ZERO;
    assert_eq!(
        verify(&c, &p),
        Err(ProofError::NotInGroup("Πenc z2 ∈ Z*_N0 (Fig. 11)"))
    );
    let mut p = p0.clone();
    p.a = Ciphertext(U6144::ZERO);
    assert_eq!(
        verify(&c, &p),
        Err(ProofError::NotInGroup("Πenc A ∈ Z*_N0² (Fig. 11)"))
    );
    let bad_k = Ciphertext(PROVER.sk.p().resize());
    assert_eq!(
        verify(&bad_k, &p0),
        Err(ProofError::NotInGroup("Πenc K ∈ Z*_N0² (Fig. 11)"))
    );
    let mut p = p0.clone();
    p.z1 = I1024::MAX;
    assert_eq!(
        verify(&c, &p),
        Err(ProofError::OutOfRange("Πenc z1 in ±2^(ℓ+ε) (Fig. 11)"))
    );
    let mut p = p0.clone();
    p.z3 = I4096::MIN;
    assert_eq!(
        verify(&c, &p),
        Err(ProofError::OutOfRange("Πenc z3 in ±2^(ℓ+ε+1)·N̂"))
    );
}

#[test]
fn plaintext_far_out_of_range_is_caught() {
    // A prover encrypting k = 2^(ℓ+ε+8) cannot make z1 = α + e·k fit ±2^(ℓ+ε).
    let k = *bigint::pow2::<{ I1024::LIMBS }>(776).as_int();
    let (c, p) = make(&k, 6);
    assert_eq!(
        verify(&c, &p),
        Err(ProofError::OutOfRange("Πenc z1 in ±2^(ℓ+ε) (Fig. 11)"))
    );
}

#[test]
fn decoding_is_strict() {
    let (_, p) = make(&I1024::from_i64(1), 7);
    let bytes = postcard::to_allocvec(&p).unwrap();
    assert_eq!(postcard::from_bytes::<EncProof>(&bytes).unwrap(), p);
    for cut in [0, 10, bytes.len() - 1] {
        assert!(postcard::from_bytes::<EncProof>(&bytes[..cut]).is_err());
    }
}
