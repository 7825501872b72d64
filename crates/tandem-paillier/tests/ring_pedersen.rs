//! Ring-Pedersen parameters: generation, validation, the owner's trapdoor.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use proptest::prelude::*;
use support::{VERIFIER, rng};
use tandem_paillier::bigint::{self, I1024, I4096, U3072};
use tandem_paillier::ring_pedersen::{Params, RingPedersenError, Trapdoor};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn trapdoor_commitment_equals_public(seed in any::<u64>()) {
        let v = &*VERIFIER;
        let mut r = rng(seed);
        let a: I1024 = bigint::random_signed_bits(&mut r, 769);
        let b: I4096 = bigint::random_signed_bits(&mut r, 3841);
        let public = v.rp.commit_vartime(&a, &b);
        prop_assert_eq!(v.public().commit(&a, &b), public);
        prop_assert_eq!(v.owner().commit(&a, &b), public);
        // And the constant-time prover path.
        prop_assert_eq!(v.rp.commit(&a, 770, &b, 3842), public);
    }
}

#[test]
fn parameters_are_validated() {
    let v = &*VERIFIER;
    let n = *v.rp.n().as_ref();
    let (s, t) = (*v.rp.s(), *v.rp.t());
    assert!(Params::new(n, s, t).is_ok());
    let p: U3072 = v.sk.p().resize();
    let minus_one = n.wrapping_sub(&U3072::ONE);
    let cases = [
        (
            "even modulus",
            Params::new(n.wrapping_add(&U3072::ONE), s, t),
            RingPedersenError::Modulus,
        ),
        (
            "short modulus",
            Params::new(n.shr_vartime(1), s, t),
            RingPedersenError::Modulus,
        ),
        (
            "s zero",
            Params::new(n, U3072::ZERO, t),
            RingPedersenError::NotUnit,
        ),
        (
            "s multiple of p",
            Params::new(n, p, t),
            RingPedersenError::NotUnit,
        ),
        ("t >= N", Params::new(n, s, n), RingPedersenError::NotUnit),
        (
            "s == t",
            Params::new(n, t, t),
            RingPedersenError::Degenerate,
        ),
        (
            "s == 1",
            Params::new(n, U3072::ONE, t),
            RingPedersenError::Degenerate,
        ),
        (
            "t == N-1",
            Params::new(n, s, minus_one),
            RingPedersenError::Degenerate,
        ),
    ];
    for (name, got, want) in cases {
        assert_eq!(got.err(), Some(want), "{name}");
    }
}

#[test]
fn trapdoor_rebuild_checks_s_equals_t_to_lambda() {
    let v = &*VERIFIER;
    let lambda = *v.td.lambda();
    assert!(Trapdoor::from_lambda(lambda, &v.rp, &v.sk).is_some());
    assert!(Trapdoor::from_lambda(lambda.wrapping_add(&U3072::ONE), &v.rp, &v.sk).is_none());
    assert!(
        Trapdoor::from_lambda(lambda, &support::PROVER.rp, &v.sk).is_none(),
        "another modulus"
    );
    assert!(format!("{:?}", v.td).contains("<redacted>"));
    let _ = rng(0);
}
