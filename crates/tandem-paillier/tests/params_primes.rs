//! The security level's relations (CGGMP24 App. C.1) and safe-prime generation.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use core::ops::ControlFlow;

use crypto_bigint::U256;
use crypto_primes::{Flavor, is_prime};
use tandem_paillier::params::{self, LEVEL_128};
use tandem_paillier::primes::{
    self, PrimeGenError, generate_safe_prime, generate_safe_prime_of_size,
};
use tandem_testkit::primes as fixture_primes;

#[test]
fn level_satisfies_appendix_c1() {
    let l = LEVEL_128;
    assert_eq!(l.kappa, 256, "κ = bits of the secp256k1 order");
    assert!(l.ell >= l.kappa, "ℓ >= κ");
    assert!(l.epsilon >= l.ell + l.kappa, "ε >= ℓ + κ");
    assert!(l.ell_prime >= 3 * l.ell + l.epsilon, "ℓ' >= 3ℓ + ε");
    assert!(l.modulus_bits >= l.ell_prime + l.epsilon, "log N >= ℓ' + ε");
    assert!(
        l.modulus_bits >= 4 * l.ell + 2 * l.epsilon,
        "Πfac: log N >= 4ℓ + 2ε"
    );
    assert_eq!(
        l.repetitions, 128,
        "m = 128 for 128-bit statistical soundness"
    );
    assert_eq!(2 * l.prime_bits, l.modulus_bits);
    assert_eq!(l.modulus_bits, 3072, "N of 3072 bits for 128-bit security");
    assert_eq!(params::MAX_REPETITIONS, l.repetitions);
}

#[test]
fn fixture_primes_are_distinct_valid_safe_primes() {
    let ps = fixture_primes::safe_primes();
    assert!(ps.len() >= 12, "{} fixture primes", ps.len());
    for (i, p) in ps.iter().enumerate() {
        assert!(primes::is_valid_safe_prime(p), "fixture prime {i}");
        for q in &ps[..i] {
            assert_ne!(p, q);
        }
    }
    assert_eq!(fixture_primes::key_count(), ps.len() / 2);
}

#[test]
fn generation_yields_safe_primes_and_reports_progress() {
    let mut rng = support::rng(1);
    for _ in 0..4 {
        let mut calls = Vec::new();
        let p: U256 = generate_safe_prime_of_size(&mut rng, 192, &mut |pr| {
            calls.push(pr.candidates);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(p.bits_vartime(), 192);
        assert!(p.bit_vartime(191) && p.bit_vartime(190), "top two bits set");
        assert!(is_prime(Flavor::Safe, &p));
        assert!(is_prime(Flavor::Any, &p.shr_vartime(1)), "(p-1)/2 prime");
        assert!(!calls.is_empty());
        assert!(
            calls.windows(2).all(|w| w[1] == w[0] + 1),
            "counts increase by one"
        );
    }
}

#[test]
fn generation_can_be_cancelled() {
    let mut rng = support::rng(2);
    let r = generate_safe_prime(&mut rng, &mut |pr| {
        if pr.candidates >= 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(r, Err(PrimeGenError::Cancelled { candidates: 3 }));
}

#[test]
fn validity_check_refuses_wrong_primes() {
    let p = fixture_primes::safe_primes()[0];
    assert!(primes::is_valid_safe_prime(&p));
    // p + 2 is even-adjacent composite or at least not a safe prime with overwhelming odds;
    // p - 2^1534 clears the second top bit.
    assert!(!primes::is_valid_safe_prime(
        &p.wrapping_add(&crypto_bigint::U1536::from_u8(2))
    ));
    let cleared = p.bitxor(&crypto_bigint::U1536::ONE.shl_vartime(1534));
    assert!(
        !primes::is_valid_safe_prime(&cleared),
        "second top bit must be set"
    );
}

#[test]
fn fermat_filter_passes_the_fixture_primes_and_their_halves() {
    use crypto_bigint::{Odd, U1536};
    let mut rejected = 0;
    for p in fixture_primes::safe_primes().iter().take(4) {
        assert!(primes::fermat_base_two(&Odd::new(*p).unwrap()));
        assert!(primes::fermat_base_two(
            &Odd::new(p.shr_vartime(1)).unwrap()
        ));
        // Composite odd neighbours fail.
        for d in [2u8, 4, 6] {
            let n = p.wrapping_add(&U1536::from_u8(d));
            assert!(!is_prime(Flavor::Any, &n));
            rejected += usize::from(!primes::fermat_base_two(&Odd::new(n).unwrap()));
        }
    }
    assert_eq!(rejected, 12);
}
