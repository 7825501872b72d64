//! Πmod (CGGMP24 Fig. 12): completeness, tampering, statement refusals, known attacks.

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

use crypto_bigint::{JacobiSymbol, U1536};
use crypto_primes::{Flavor, random_prime};
use support::{PROVER, VERIFIER, ctx, rng};
use tandem_paillier::bigint::{self, U3072};
use tandem_paillier::paillier::{PaillierError, PublicKey, SecretKey};
use tandem_paillier::proofs::ProofError;
use tandem_paillier::proofs::modulus::{self, ModProof};
use tandem_testkit::primes as fixture_primes;

static PROOF: LazyLock<ModProof> =
    LazyLock::new(|| modulus::prove(&PROVER.sk, &ctx(b"s1"), &mut rng(1)));

fn verify(p: &ModProof) -> Result<(), ProofError> {
    p.verify(PROVER.sk.public(), &ctx(b"s1"))
}

#[test]
fn honest_proofs_verify_for_several_keys() {
    assert_eq!(verify(&PROOF), Ok(()));
    let sk2 = fixture_primes::paillier_key(2).unwrap();
    let p = modulus::prove(&sk2, &ctx(b"s9"), &mut rng(2));
    assert_eq!(p.verify(sk2.public(), &ctx(b"s9")), Ok(()));
}

#[test]
fn proof_is_bound_to_session_and_modulus() {
    assert!(matches!(
        PROOF.verify(PROVER.sk.public(), &ctx(b"s2")),
        Err(ProofError::Repetition { .. })
    ));
    assert!(PROOF.verify(VERIFIER.sk.public(), &ctx(b"s1")).is_err());
}

fn expect(p: &ModProof, want: &ProofError, what: &str) {
    assert_eq!(verify(p).as_ref().err(), Some(want), "{what}");
}

#[test]
fn every_field_tampered_is_rejected() {
    let n = *PROVER.sk.public().n().as_ref();
    let mut p = PROOF.clone();
    p.x[0] = p.x[0].wrapping_add(&U3072::ONE);
    assert!(
        matches!(verify(&p), Err(ProofError::Repetition { index: 0, .. })),
        "x_0"
    );
    let mut p = PROOF.clone();
    p.z[0] = p.z[0].wrapping_add(&U3072::ONE);
    assert!(
        matches!(verify(&p), Err(ProofError::Repetition { index: 0, .. })),
        "z_0"
    );
    let mut p = PROOF.clone();
    p.a[0] = !p.a[0];
    assert!(
        matches!(verify(&p), Err(ProofError::Repetition { index: 0, .. })),
        "a_0"
    );
    let mut p = PROOF.clone();
    p.b[0] = !p.b[0];
    assert!(
        matches!(verify(&p), Err(ProofError::Repetition { index: 0, .. })),
        "b_0"
    );
    let mut p = PROOF.clone();
    p.x[5] = p.x[5].wrapping_add(&U3072::ONE);
    assert!(
        matches!(verify(&p), Err(ProofError::Repetition { index: 5, .. })),
        "x_5"
    );
    // w changed: the challenges change and the roots no longer fit.
    let mut p = PROOF.clone();
    p.w =
        p.w.wrapping_add(&U3072::from_u8(4))
            .rem_vartime(&crypto_bigint::NonZero::new(n).unwrap());
    assert!(verify(&p).is_err(), "w");
    // Elements outside Z*_N.
    let mut p = PROOF.clone();
    p.z[3] = U3072::ZERO;
    expect(&p, &ProofError::NotInGroup("Πmod z_i"), "z_3 = 0");
    let mut p = PROOF.clone();
    p.x[3] = n;
    expect(&p, &ProofError::NotInGroup("Πmod x_i"), "x_3 = N");
}

#[test]
fn repetition_count_is_exact() {
    for len in [0usize, 1, 127] {
        let mut p = PROOF.clone();
        p.x.truncate(len);
        p.a.truncate(len);
        p.b.truncate(len);
        p.z.truncate(len);
        expect(
            &p,
            &ProofError::Length("Πmod repetitions (x, a, b, z)"),
            "truncated",
        );
    }
    // The N-th roots: exactly k = 8 (GRSB), not m.
    for len in [0usize, 7, 9, 128] {
        let mut p = PROOF.clone();
        p.z.resize(len, p.z[0]);
        expect(
            &p,
            &ProofError::Length("Πmod repetitions (x, a, b, z)"),
            "z count",
        );
    }
    let mut p = PROOF.clone();
    p.a.push(false);
    expect(
        &p,
        &ProofError::Length("Πmod repetitions (x, a, b, z)"),
        "one extra a",
    );
}

#[test]
fn w_sharing_a_factor_with_n_is_refused_cve_2025_66016() {
    // CGGMP24 adds gcd(w, N) = 1. With w = p (a factor of N), (w|N) = 0, and a verifier that
    // checked only the Jacobi symbol's sign or nothing at all could be fooled (cggmp21 < 0.6.3).
    let mut p = PROOF.clone();
    p.w = PROVER.sk.p().resize();
    expect(
        &p,
        &ProofError::NotInGroup("Πmod w (gcd(w, N) = 1, Fig. 12)"),
        "w = p",
    );
    let mut p = PROOF.clone();
    p.w = U3072::ZERO;
    expect(
        &p,
        &ProofError::NotInGroup("Πmod w (gcd(w, N) = 1, Fig. 12)"),
        "w = 0",
    );
}

#[test]
fn w_with_jacobi_plus_one_is_refused() {
    let pk = PROVER.sk.public();
    let mut r = rng(3);
    let w = loop {
        let w = bigint::random_unit(&mut r, pk.n());
        if matches!(w.jacobi_symbol_vartime(pk.n()), JacobiSymbol::One) {
            break w;
        }
    };
    let mut p = PROOF.clone();
    p.w = w;
    expect(
        &p,
        &ProofError::NotInGroup("Πmod w (Jacobi symbol -1, Fig. 12)"),
        "(w|N) = 1",
    );
}

#[test]
fn prime_square_and_even_moduli_are_refused() {
    // N = p² (3072 bits: p has its two top bits set).
    let p = fixture_primes::safe_primes()[4];
    let p_sq: U3072 = p.widening_mul(&p).into();
    let pk = PublicKey::from_modulus(p_sq).unwrap();
    assert_eq!(
        PROOF.verify(&pk, &ctx(b"s1")),
        Err(ProofError::Statement("Πmod: N is a perfect square"))
    );
    // A prime N.
    let prime: U3072 = random_prime(&mut rng(4), Flavor::Any, 3072);
    let pk = PublicKey::from_modulus(prime).unwrap();
    assert_eq!(
        PROOF.verify(&pk, &ctx(b"s1")),
        Err(ProofError::Statement("Πmod: N is prime"))
    );
    // An even N never becomes a public key.
    let even = PROVER.sk.public().n().as_ref().wrapping_add(&U3072::ONE);
    assert_eq!(
        PublicKey::from_modulus(even).err(),
        Some(PaillierError::ModulusEven)
    );
}

#[test]
fn non_blum_modulus_fails() {
    // p ≡ q ≡ 1 (mod 4): -1 is a square mod both primes, so the four candidates
    // ±y, ±wy do not cover every residue class and the honest prover's algorithm cannot
    // produce fourth roots for about half of the challenges.
    let mut r = rng(5);
    let mut draw = || loop {
        let p: U1536 = random_prime(&mut r, Flavor::Any, 1536);
        if p.bit_vartime(1534) && p.as_words()[0] & 3 == 1 {
            break p;
        }
    };
    let (p, q) = (draw(), draw());
    let sk = SecretKey::from_primes_unchecked(p, q).unwrap();
    assert!(SecretKey::from_primes(p, q).is_err(), "not safe primes");
    let proof = modulus::prove(&sk, &ctx(b"s1"), &mut rng(6));
    assert!(matches!(
        proof.verify(sk.public(), &ctx(b"s1")),
        Err(ProofError::Repetition { .. })
    ));
}

#[test]
fn proof_decodes_strictly() {
    let bytes = postcard::to_allocvec(&*PROOF).unwrap();
    let back: ModProof = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, *PROOF);
    for cut in [0, 1, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            postcard::from_bytes::<ModProof>(&bytes[..cut]).is_err(),
            "prefix {cut}"
        );
    }
}

/// A 3072-bit odd modulus `r · p · P`: `p` a fixture prime, `P` a fresh prime (no other factor
/// below 2^16).
fn modulus_with_factor(r: u64, seed: u64) -> U3072 {
    use crypto_bigint::U4096;
    let bits = 1536 - (63 - r.leading_zeros());
    let p: U4096 = fixture_primes::safe_primes()[5].resize();
    let mut g = rng(seed);
    loop {
        let big: U1536 = random_prime(&mut g, Flavor::Any, bits);
        // No overflow: 1536 + bits + log2(r) + 1 < 4096.
        let n = p
            .wrapping_mul(&big.resize::<{ U4096::LIMBS }>())
            .wrapping_mul(&U4096::from_u64(r));
        if n.bits_vartime() == 3072 {
            return n.resize();
        }
    }
}

#[test]
fn small_prime_factors_are_refused_grsb() {
    // GRSB Section 3.2: only k = 8 N-th roots are checked, which is sound because N has no
    // prime factor below 2^16. Every such factor is found: the first and the last prime of
    // the range and one from the middle (the primes are grouped into 64-bit products).
    for (r, seed) in [(3u64, 10u64), (257, 11), (40_009, 12), (65_521, 13)] {
        let pk = PublicKey::from_modulus(modulus_with_factor(r, seed)).unwrap();
        assert_eq!(
            PROOF.verify(&pk, &ctx(b"s1")),
            Err(ProofError::Statement(
                "Πmod: N has a prime factor below 2^16 (GRSB)"
            )),
            "factor {r}"
        );
    }
    // 65537, the first prime past the bound, gets through the statement checks (and then
    // fails on w or the roots, which belong to another modulus).
    let pk = PublicKey::from_modulus(modulus_with_factor(65_537, 14)).unwrap();
    let got = PROOF.verify(&pk, &ctx(b"s1"));
    assert!(
        matches!(
            got,
            Err(ProofError::Repetition { index: 0, .. } | ProofError::NotInGroup(_))
        ),
        "{got:?}"
    );
}

#[test]
fn honest_proof_carries_eight_nth_roots_and_principal_fourth_roots() {
    use tandem_paillier::params::{MOD_NTH_ROOTS, REPETITIONS};
    assert_eq!(PROOF.z.len(), MOD_NTH_ROOTS);
    assert_eq!(PROOF.x.len(), REPETITIONS);
    // Each x_i is the fourth root that is a quadratic residue modulo both primes (the
    // canonical root, as in the figure): its Legendre symbols are +1.
    let sk = &PROVER.sk;
    for x in &PROOF.x {
        for prime in [sk.p_odd(), sk.q_odd()] {
            let r: U1536 = x.rem(prime.as_nz_ref());
            assert_eq!(r.jacobi_symbol_vartime(prime), JacobiSymbol::One);
        }
    }
}
