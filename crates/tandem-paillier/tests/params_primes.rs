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
        assert!(
            calls.windows(2).all(|w| w[1] > w[0]),
            "counts increase with each batch"
        );
    }
}

/// The primes the search found for these seeds before it ran on several threads (a sequential
/// loop over the sieve's survivors, crypto-primes' `sieve_and_find`), and the candidates it
/// tested: ChaCha20 seeded with 0, 1, 2; 512 bits.
const SEEDED_512: [(&str, u64); 3] = [
    (
        "c02e9d0d87c0a6001c9a1f731ec9a8d03ca0557886321ce6e5716b57188ca2582f923fffd2a6f534dc5b6a6901840fc0fb65827e6efd22a8063cded681f758c3",
        68,
    ),
    (
        "cc429ac540f199dea219883441539ede601f170e2e915711ec49577cc8fe0e006e5444e5790776a78bf5be960a7b073e272b497da1b770c69e6360455045f15f",
        76,
    ),
    (
        "e6deb8ea07610f8ddd0bcd3c44670d18d3171b58bb110d34176e6495b4ccf82c93ad8a16cb6c5f3bb6ed68bba06ee59c52fe9280fb5874ac124fcf4f53bb5107",
        223,
    ),
];

#[test]
fn the_prime_depends_on_the_seed_only_not_on_the_threads() {
    use crypto_bigint::U512;
    use rand_core::SeedableRng;
    use tandem_paillier::parallel::ThreadPool;
    for threads in [1, 2, 3, 8] {
        let pool = ThreadPool::new(threads).unwrap();
        let _entered = pool.enter();
        for (seed, (expected, sequential_tests)) in SEEDED_512.iter().enumerate() {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed as u64);
            let mut tested = 0;
            let p: U512 = generate_safe_prime_of_size(&mut rng, 512, &mut |pr| {
                tested = pr.candidates;
                ControlFlow::Continue(())
            })
            .unwrap();
            assert_eq!(
                format!("{p:x}"),
                *expected,
                "seed {seed}, {threads} threads"
            );
            // Batches: the last progress report is at most the sequential count (the batch
            // that holds the prime is not reported).
            assert!(tested <= *sequential_tests, "seed {seed}: {tested} tested");
        }
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
    // Cancelled at the end of the first batch that reaches 3 candidates (the callback runs
    // after each batch), with the count it was shown.
    match r {
        Err(PrimeGenError::Cancelled { candidates }) => assert!(candidates >= 3, "{candidates}"),
        other => panic!("not cancelled: {other:?}"),
    }
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
