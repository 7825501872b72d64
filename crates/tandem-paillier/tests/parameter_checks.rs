//! Checks of Paillier keys, ring-Pedersen parameters and encodings listed in `CHECKS.md` that
//! no other test provoked: each test crafts the bad input and asserts the exact error.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use tandem_paillier::bigint::{U1536, U3072};
use tandem_paillier::paillier::{Ciphertext, PaillierError, SecretKey};
use tandem_paillier::params::REPETITIONS;
use tandem_paillier::proofs::modulus::ModProof;
use tandem_paillier::ring_pedersen::{Params, RingPedersenError, Trapdoor};
use tandem_testkit::primes as fixture_primes;

use support::parties;

// ---------------------------------------------------------------------------------------
// Keys, parameters, encodings.

#[test]
fn unchecked_primes_are_still_checked_for_form() {
    let ps = fixture_primes::safe_primes();
    let (p, q) = (ps[0], ps[1]);
    for (name, a, b) in [
        ("p = q", p, p),
        ("even p", p.wrapping_add(&U1536::ONE), q),
        ("1535-bit p", p.shr_vartime(1), q),
    ] {
        assert_eq!(
            SecretKey::from_primes_unchecked(a, b).err(),
            Some(PaillierError::InvalidPrime),
            "{name}"
        );
    }
}

#[test]
fn trapdoor_lambda_must_be_below_phi() {
    // t = τ² has order dividing φ(N)/4, so λ + k·φ(N)/4 gives the same s = t^λ; the first
    // such value at or above φ(N) is refused because λ must be reduced.
    let (v, _) = parties();
    let (phi, quarter) = (*v.sk.phi(), v.sk.phi().shr_vartime(2));
    let mut lambda = *v.td.lambda();
    while lambda < phi {
        let next = lambda.wrapping_add(&quarter);
        assert!(next > lambda, "no wrap-around");
        lambda = next;
    }
    assert_eq!(v.sk.pow_mod_n(v.rp.t(), &lambda), *v.rp.s());
    assert!(Trapdoor::from_lambda(lambda, &v.rp, &v.sk).is_none());
}

#[test]
fn ring_pedersen_degenerate_and_non_unit_values() {
    let (v, _) = parties();
    let n = *v.rp.n().as_ref();
    let (s, t) = (*v.rp.s(), *v.rp.t());
    let minus_one = n.wrapping_sub(&U3072::ONE);
    let q: U3072 = v.sk.q().resize();
    for (name, got, want) in [
        (
            "s = N-1",
            Params::new(n, minus_one, t),
            RingPedersenError::Degenerate,
        ),
        (
            "t = 1",
            Params::new(n, s, U3072::ONE),
            RingPedersenError::Degenerate,
        ),
        (
            "t multiple of q",
            Params::new(n, s, q),
            RingPedersenError::NotUnit,
        ),
    ] {
        assert_eq!(got.err(), Some(want), "{name}");
    }
}

#[test]
fn fixed_width_integers_and_repetition_counts_on_decoding() {
    // A ciphertext is exactly 768 bytes.
    let short = postcard::to_allocvec(&serde_bytes(&[1u8; 767])).unwrap();
    assert!(postcard::from_bytes::<Ciphertext>(&short).is_err());
    let exact = postcard::to_allocvec(&serde_bytes(&[1u8; 768])).unwrap();
    assert!(postcard::from_bytes::<Ciphertext>(&exact).is_ok());
    // A repeated proof field holds at most m = 128 entries.
    let proof = |n: usize| ModProof {
        w: U3072::ONE,
        x: vec![U3072::ONE; n],
        a: vec![false; n],
        b: vec![false; n],
        z: vec![U3072::ONE; n],
    };
    let ok = postcard::to_allocvec(&proof(REPETITIONS)).unwrap();
    assert!(postcard::from_bytes::<ModProof>(&ok).is_ok());
    let long = postcard::to_allocvec(&proof(REPETITIONS + 1)).unwrap();
    assert!(postcard::from_bytes::<ModProof>(&long).is_err());
}

struct Bytes<'a>(&'a [u8]);
impl serde::Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}
fn serde_bytes(b: &[u8]) -> Bytes<'_> {
    Bytes(b)
}
