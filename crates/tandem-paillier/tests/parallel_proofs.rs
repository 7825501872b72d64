//! The proofs that run their repetitions on several threads (`tandem_paillier::parallel`):
//! the same seed gives the same bytes with 1, 2 and 3 threads, every proof verifies on any
//! pool, and a verifier names the same (lowest) failing repetition whatever the thread count.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use support::{PROVER, VERIFIER, ctx, rng};
use tandem_paillier::bigint::U3072;
use tandem_paillier::parallel::{self, ThreadPool};
use tandem_paillier::proofs::ProofError;
use tandem_paillier::proofs::{factor, modulus, prm};

fn on<T>(threads: usize, f: impl FnOnce() -> T) -> T {
    let pool = ThreadPool::new(threads).unwrap();
    let _entered = pool.enter();
    f()
}

/// Πmod and Πprm of the prover's key, from fixed seeds, on the pool entered.
fn mod_and_prm() -> (modulus::ModProof, prm::PrmProof) {
    let m = modulus::prove(&PROVER.sk, &ctx(b"par"), &mut rng(7));
    let p = prm::prove(
        &PROVER.rp,
        &PROVER.td,
        &PROVER.sk,
        &ctx(b"par"),
        &mut rng(8),
    );
    (m, p)
}

/// The three proofs of the auxiliary information, as bytes, made on a pool of `threads`.
fn proofs(threads: usize) -> [Vec<u8>; 3] {
    on(threads, || {
        let (m, p) = mod_and_prm();
        let f = factor::prove(&PROVER.sk, &VERIFIER.rp, &ctx(b"par"), &mut rng(9)).unwrap();
        [
            postcard::to_allocvec(&m).unwrap(),
            postcard::to_allocvec(&p).unwrap(),
            postcard::to_allocvec(&f).unwrap(),
        ]
    })
}

#[test]
fn proofs_are_the_same_bytes_with_any_thread_count() {
    if !parallel::ENABLED {
        eprintln!("note: this build has no threads (`parallel` off); the pools run on one");
    }
    let one = proofs(1);
    for threads in [2, 3] {
        let many = proofs(threads);
        for (name, (a, b)) in ["Πmod", "Πprm", "Πfac"].iter().zip(one.iter().zip(&many)) {
            assert!(a == b, "{name}: different bytes with {threads} threads");
        }
    }
}

#[test]
fn verifiers_name_the_lowest_failing_repetition_on_any_pool() {
    let (m, p) = mod_and_prm();
    for threads in [1, 2, 3] {
        on(threads, || {
            assert_eq!(m.verify(PROVER.sk.public(), &ctx(b"par")), Ok(()));
            assert_eq!(p.verify(&PROVER.rp, &ctx(b"par")), Ok(()));
            // Two N-th roots broken (indices 2 and 6): the verifier reports index 2.
            let mut bad = m.clone();
            for i in [6, 2] {
                bad.z[i] = bad.z[i].wrapping_add(&U3072::ONE);
            }
            match bad.verify(PROVER.sk.public(), &ctx(b"par")) {
                Err(ProofError::Repetition { index: 2, .. }) => {}
                other => panic!("{threads} threads: {other:?}"),
            }
            // Πprm responses broken at 100 and 9: index 9.
            let mut bad = p.clone();
            for i in [100, 9] {
                bad.responses[i] = bad.responses[i].wrapping_add(&U3072::ONE);
            }
            match bad.verify(&PROVER.rp, &ctx(b"par")) {
                Err(ProofError::Repetition { index: 9, .. }) => {}
                other => panic!("{threads} threads: {other:?}"),
            }
        });
    }
}
