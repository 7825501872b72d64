//! `Debug` of every secret-holding type of this crate shows none of its secrets
//! (docs/security-checklist.md, "Secrets at rest and in memory"): Paillier primes, `φ(N)`, nonces,
//! the ring-Pedersen trapdoor `λ`, Πaff-g witnesses (a signing share, an MtA mask), secret
//! integers. Built from known secrets; hex in both byte orders and cases, limbs, byte lists and
//! decimals are looked for. (The prime search's sieve window is checked by a unit test in
//! `src/primes/sieve.rs`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

mod support;

use crypto_bigint::{Encoding, Random};
use support::{PROVER, VERIFIER, rng};
use tandem_paillier::bigint::{I1024, I2048, SecretInt, U3072};
use tandem_paillier::paillier::Nonce;
use tandem_paillier::proofs::aff_g::Witness;
use tandem_testkit::redaction::{self, assert_redacted};

fn be<T: Encoding>(x: &T) -> Vec<u8> {
    x.to_be_bytes().as_ref().to_vec()
}

#[test]
fn paillier_secret_keys_trapdoors_and_owners_print_no_secret() {
    let v = &*VERIFIER;
    let (p, q, phi) = (be(v.sk.p()), be(v.sk.q()), be(v.sk.phi()));
    let lambda = be(v.td.lambda());
    // φ(N) = N - p - q + 1 shares its top half with the public N: its low half is the secret.
    let secrets: [&[u8]; 4] = [&p, &q, &phi[192..], &lambda];
    assert_redacted(&v.sk, &secrets, &[]);
    assert_redacted(&v.td, &secrets, &[]);
    assert_redacted(&v.owner(), &secrets, &[]);
    // The public parts may show (and do): the start of the modulus.
    let n = be(v.sk.public().n().as_ref());
    let text = format!("{:?}", v.sk);
    assert!(text.contains(&redaction::forms(&n)[1][..16]), "{text}");
}

#[test]
fn nonces_witnesses_and_secret_integers_print_no_secret() {
    let mut r = rng(4242);
    let rho = Nonce(U3072::random_from_rng(&mut r));
    let rho_y = Nonce(U3072::random_from_rng(&mut r));
    let (rho_b, rho_y_b) = (be(&rho.0), be(&rho_y.0));
    assert_redacted(&rho, &[&rho_b], &[]);
    // x: a signing share lifted to an integer (negative here), y: an MtA mask.
    let x = I1024::from_i64(-0x1234_5678_9abc_def1);
    let y = I2048::from_i64(77_777_777_777);
    let (x_b, y_b) = (be(x.as_uint()), be(y.as_uint()));
    let small = I1024::from_i64(987_654_321);
    for witness_x in [&x, &small] {
        let witness = Witness {
            x: witness_x,
            y: &y,
            rho: &rho,
            rho_y: &rho_y,
        };
        let text = assert_redacted(
            &witness,
            &[&x_b, &y_b, &rho_b, &rho_y_b],
            &["987654321", "77777777777"],
        );
        assert!(text.contains("<redacted>"), "{text}");
    }
    let secret = SecretInt(x);
    assert_eq!(
        assert_redacted(&secret, &[&x_b], &[]),
        "SecretInt(<redacted>)"
    );
    // A prime lifted to a secret integer (as Πfac does).
    let p = PROVER.sk.p();
    let lifted = SecretInt::<{ U3072::LIMBS }>(*p.resize().as_int());
    assert_redacted(&lifted, &[&be(p)], &[]);
}
