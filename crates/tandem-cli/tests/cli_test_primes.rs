//! The real `tandem` binary never takes the public fixture primes: with
//! `TANDEM_INSECURE_TEST_PRIMES=1` in its environment (the switch older test builds honoured,
//! and a `cargo test --release` left in `target/release/tandem`), `generate` still searches
//! fresh primes. The other CLI tests run `tandem-insecure-test-primes`, a test-only binary.
//!
//! This costs one real prime search per party (a few seconds).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/cli.rs"]
mod support;

use std::collections::BTreeSet;
use std::process::Command;

use tandem_protocol::ecdsa::EcdsaKeyShare;

use support::*;

#[test]
fn the_tandem_binary_ignores_the_test_primes_variable() {
    let dir = target_tempdir();
    let store = dir.path().join("store");
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .env("TANDEM_INSECURE_TEST_PRIMES", "1")
        .current_dir(scratch())
        .args(["--json", "--store", s(&store), "generate"])
        .output()
        .unwrap();
    json_ok(&out);

    let bytes = std::fs::read(store.join("device/secp256k1.share")).unwrap();
    let share = EcdsaKeyShare::from_bytes(&bytes).unwrap();
    let own = share.own().paillier();
    let moduli = [own.public().n().get(), share.peer().paillier().n().get()];

    let fixture_moduli: Vec<_> = (0..tandem_testkit::primes::key_count())
        .map(|i| {
            let key = tandem_testkit::primes::paillier_key(i).unwrap();
            key.public().n().get()
        })
        .collect();
    assert!(fixture_moduli.len() >= 2, "the fixture keys load");
    for (whose, n) in ["client", "server"].iter().zip(moduli) {
        let found = fixture_moduli.iter().position(|f| *f == n);
        assert_eq!(
            found, None,
            "the {whose}'s Paillier modulus is the public fixture key's of that index"
        );
    }
    let fixture_primes: BTreeSet<_> = tandem_testkit::primes::safe_primes().into_iter().collect();
    assert!(!fixture_primes.contains(own.p()), "p is a fixture prime");
    assert!(!fixture_primes.contains(own.q()), "q is a fixture prime");
}

#[test]
fn the_test_only_binary_refuses_to_run_without_the_variable() {
    let dir = target_tempdir();
    let store = dir.path().join("store");
    let out = Command::new(env!("CARGO_BIN_EXE_tandem-insecure-test-primes"))
        .env_remove("TANDEM_INSECURE_TEST_PRIMES")
        .current_dir(scratch())
        .args(["--json", "--store", s(&store), "generate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).is_empty());
    assert_contains(&text(&out.stderr), "TEST-ONLY");
    assert!(!store.exists(), "no wallet made");
}
