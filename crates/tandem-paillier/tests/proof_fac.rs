//! Πfac (CGGMP24 Fig. 26): completeness, tampering, ranges before exponentiation, BitForge.

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

use crypto_bigint::{U3072, Uint};
use support::{PROVER, VERIFIER, ctx, rng};
use tandem_paillier::bigint::{I4096, I8192};
use tandem_paillier::paillier::PublicKey;
use tandem_paillier::proofs::ProofError;
use tandem_paillier::proofs::factor::{self, FacProof};

static PROOF: LazyLock<FacProof> =
    LazyLock::new(|| factor::prove(&PROVER.sk, &VERIFIER.rp, &ctx(b"s1"), &mut rng(1)).unwrap());

fn verify(p: &FacProof) -> Result<(), ProofError> {
    p.verify(PROVER.sk.public(), &VERIFIER.owner(), &ctx(b"s1"))
}

#[test]
fn honest_proofs_verify_by_owner_and_publicly() {
    assert_eq!(verify(&PROOF), Ok(()));
    assert_eq!(
        PROOF.verify(PROVER.sk.public(), &VERIFIER.public(), &ctx(b"s1")),
        Ok(())
    );
    for seed in 2..6 {
        let p = factor::prove(&VERIFIER.sk, &PROVER.rp, &ctx(b"s4"), &mut rng(seed)).unwrap();
        assert_eq!(
            p.verify(VERIFIER.sk.public(), &PROVER.owner(), &ctx(b"s4")),
            Ok(())
        );
    }
}

#[test]
fn bound_to_session_statement_and_parameters() {
    assert!(
        PROOF
            .verify(PROVER.sk.public(), &VERIFIER.owner(), &ctx(b"s2"))
            .is_err()
    );
    assert!(
        PROOF
            .verify(VERIFIER.sk.public(), &VERIFIER.owner(), &ctx(b"s1"))
            .is_err(),
        "other N0"
    );
    assert!(
        PROOF
            .verify(PROVER.sk.public(), &PROVER.owner(), &ctx(b"s1"))
            .is_err(),
        "other ring-Pedersen"
    );
}

#[test]
fn every_field_tampered_is_rejected() {
    let one = U3072::ONE;
    type Tamper = fn(&mut FacProof);
    let cases: [(&str, Tamper); 10] = [
        ("P", |p| {
            p.p_commitment = p.p_commitment.wrapping_add(&U3072::ONE)
        }),
        ("Q", |p| {
            p.q_commitment = p.q_commitment.wrapping_add(&U3072::ONE)
        }),
        ("A", |p| p.a = p.a.wrapping_add(&U3072::ONE)),
        ("B", |p| p.b = p.b.wrapping_add(&U3072::ONE)),
        ("T", |p| p.t = p.t.wrapping_add(&U3072::ONE)),
        ("z1", |p| p.z1 = p.z1.wrapping_add(&I4096::ONE)),
        ("z2", |p| p.z2 = p.z2.wrapping_sub(&I4096::ONE)),
        ("w1", |p| p.w1 = p.w1.wrapping_add(&I4096::ONE)),
        ("w2", |p| p.w2 = p.w2.wrapping_add(&I4096::ONE)),
        ("v", |p| p.v = p.v.wrapping_add(&I8192::ONE)),
    ];
    for (name, f) in cases {
        let mut p = PROOF.clone();
        f(&mut p);
        assert!(verify(&p).is_err(), "{name}");
        assert!(
            p.verify(PROVER.sk.public(), &VERIFIER.public(), &ctx(b"s1"))
                .is_err(),
            "{name} (public)"
        );
    }
    let mut p = PROOF.clone();
    p.t = U3072::ZERO;
    assert_eq!(verify(&p), Err(ProofError::NotInGroup("Πfac T")));
    let mut p = PROOF.clone();
    p.a = VERIFIER.sk.q().resize();
    assert_eq!(verify(&p), Err(ProofError::NotInGroup("Πfac A")));
    let _ = one;
}

#[test]
fn responses_out_of_range_are_refused_before_any_exponentiation() {
    // The largest representable values: the range check refuses them (OutOfRange), so the
    // verifier never exponentiates with them (cggmp21 issue #209: unbounded exponents).
    let mut p = PROOF.clone();
    p.z1 = I4096::MAX;
    assert_eq!(
        verify(&p),
        Err(ProofError::OutOfRange(
            "Πfac z1, z2 in ±2^(ℓ+ε)·√N0 (Fig. 26)"
        ))
    );
    let mut p = PROOF.clone();
    p.z2 = I4096::MIN;
    assert_eq!(
        verify(&p),
        Err(ProofError::OutOfRange(
            "Πfac z1, z2 in ±2^(ℓ+ε)·√N0 (Fig. 26)"
        ))
    );
    let mut p = PROOF.clone();
    p.w1 = I4096::MIN;
    assert_eq!(
        verify(&p),
        Err(ProofError::OutOfRange("Πfac w1, w2 in ±2^(ℓ+ε+1)·N̂"))
    );
    let mut p = PROOF.clone();
    p.v = I8192::MAX;
    assert_eq!(
        verify(&p),
        Err(ProofError::OutOfRange("Πfac v in ±2^(ℓ+ε+1)·N0·N̂"))
    );
    // Just over the paper's bound for z1: 2^(ℓ+ε)·√N0 + 1.
    let n0 = PROVER.sk.public().n().as_ref();
    let bound: Uint<{ I4096::LIMBS }> =
        tandem_paillier::bigint::pow2_times(768, &n0.floor_sqrt_vartime()).unwrap();
    let mut p = PROOF.clone();
    p.z1 = *bound.wrapping_add(&Uint::ONE).as_int();
    assert_eq!(
        verify(&p),
        Err(ProofError::OutOfRange(
            "Πfac z1, z2 in ±2^(ℓ+ε)·√N0 (Fig. 26)"
        ))
    );
}

/// The 16 primes below 2^15 closest to it, and their product (about 2^240 < 2^ℓ).
fn small_primes_product() -> U3072 {
    let mut primes = Vec::new();
    let mut c: u64 = 1 << 15;
    while primes.len() < 16 {
        c -= 1;
        if (2..c)
            .take_while(|d| d * d <= c)
            .all(|d| !c.is_multiple_of(d))
        {
            primes.push(c);
        }
    }
    primes
        .iter()
        .fold(U3072::ONE, |acc, p| acc.wrapping_mul(&U3072::from_u64(*p)))
}

#[test]
fn bitforge_modulus_with_small_factors_fails() {
    // BitForge (CVE-2023-33241): N = p_1 ··· p_16 · q with small p_i lets a verifier-side
    // attacker read the key modulo each p_i. Πfac forces both factors above 2^ℓ: the prover's
    // only split puts the small factors on one side and a cofactor far above 2^(ℓ+ε)·√N0 on
    // the other, so z2 = β + e·q leaves its range.
    let small = small_primes_product();
    assert!(small.bits_vartime() < 256);
    // A cofactor making N exactly 3072 bits and odd (its primality does not matter here).
    let mut r = rng(9);
    let cofactor_bits = 3072 - small.bits_vartime() + 1;
    let mut n = U3072::ZERO;
    let mut q = U3072::ZERO;
    for _ in 0..64 {
        let c: U3072 = crypto_bigint::RandomBits::random_bits(&mut r, cofactor_bits);
        let c = c
            .bitor(&U3072::ONE)
            .bitor(&U3072::ONE.shl_vartime(cofactor_bits - 1));
        let candidate = small.wrapping_mul(&c);
        if candidate.bits_vartime() == 3072 {
            n = candidate;
            q = c;
            break;
        }
    }
    assert_eq!(n.bits_vartime(), 3072);
    let pk = PublicKey::from_modulus(n).unwrap();
    let proof =
        factor::prove_with_factors(&pk, &small, &q, &VERIFIER.rp, &ctx(b"bf"), &mut r).unwrap();
    assert_eq!(
        proof.verify(&pk, &VERIFIER.owner(), &ctx(b"bf")),
        Err(ProofError::OutOfRange(
            "Πfac z1, z2 in ±2^(ℓ+ε)·√N0 (Fig. 26)"
        ))
    );
    // Swapping the roles of the factors fails the same way (z1 this time).
    let proof =
        factor::prove_with_factors(&pk, &q, &small, &VERIFIER.rp, &ctx(b"bf"), &mut r).unwrap();
    assert!(matches!(
        proof.verify(&pk, &VERIFIER.owner(), &ctx(b"bf")),
        Err(ProofError::OutOfRange(_))
    ));
}

#[test]
fn wrong_factorisation_fails_the_equations() {
    // Factors whose product is not N0: the last equation (with R = s^N0) fails.
    let p: U3072 = PROVER.sk.p().resize();
    let q: U3072 = PROVER.sk.q().resize().wrapping_add(&U3072::from_u8(2));
    let proof = factor::prove_with_factors(
        PROVER.sk.public(),
        &p,
        &q,
        &VERIFIER.rp,
        &ctx(b"s1"),
        &mut rng(3),
    )
    .unwrap();
    assert_eq!(
        verify(&proof),
        Err(ProofError::Equation("Πfac Q^z1 t^v = T R^e (Fig. 26)"))
    );
}
