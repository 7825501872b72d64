//! Secrets, transcripts, commitments and Schnorr proofs.

#![allow(clippy::disallowed_methods)]
// test code: timing is not a secret here

// Helpers outside #[test] functions unwrap too: a panic in a test is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{
    Commitment, Curve, Ed25519, Opening, Point, Scalar, SchnorrNonce, Secp256k1, SecretScalar,
    Transcript, VerifyError, hash_to_scalar,
};

#[test]
fn zero_has_no_inverse() {
    assert_eq!(Scalar::<Secp256k1>::zero().invert_vartime(), None);
    assert_eq!(Scalar::<Ed25519>::zero().invert_vartime(), None);
}

#[test]
fn secret_scalar_debug_is_redacted() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let s = SecretScalar::<Secp256k1>::random(&mut rng);
    let hex = base16ct::lower::encode_string(s.to_bytes().as_slice());
    let dbg = format!("{s:?}");
    assert!(dbg.contains("<redacted>"));
    assert!(!dbg.contains(&hex[..16]));
    let nonce = SchnorrNonce::<Ed25519>::new(&mut rng);
    assert!(format!("{nonce:?}").contains("<redacted>"));
}

#[test]
fn secret_scalar_equality_and_zeroize() {
    use zeroize::Zeroize;
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let a = SecretScalar::<Ed25519>::random(&mut rng);
    let b = a.duplicate();
    assert_eq!(a, b);
    let c = SecretScalar::<Ed25519>::random(&mut rng);
    assert_ne!(a, c);
    let mut d = a.duplicate();
    d.zeroize();
    assert!(bool::from(d.is_zero()));
}

#[test]
fn transcript_framing_is_unambiguous() {
    let mut t1 = Transcript::new("test");
    t1.append("a", b"bc");
    let mut t2 = Transcript::new("test");
    t2.append("ab", b"c");
    let mut t3 = Transcript::new("test");
    t3.append("a", b"b");
    t3.append("", b"c");
    let c1: Scalar<Secp256k1> = t1.challenge_scalar("e");
    let c2: Scalar<Secp256k1> = t2.challenge_scalar("e");
    let c3: Scalar<Secp256k1> = t3.challenge_scalar("e");
    assert_ne!(c1, c2);
    assert_ne!(c1, c3);
    assert_ne!(c2, c3);
}

#[test]
fn transcript_binds_domain_label_length_and_history() {
    let base = |domain| {
        let mut t = Transcript::new(domain);
        t.append("x", b"1");
        t
    };
    let mut out1 = [0u8; 32];
    base("d1").challenge_bytes("e", &mut out1);
    let mut out2 = [0u8; 32];
    base("d2").challenge_bytes("e", &mut out2);
    assert_ne!(out1, out2, "domain");
    let mut out3 = [0u8; 32];
    base("d1").challenge_bytes("f", &mut out3);
    assert_ne!(out1, out3, "label");
    let mut out4 = [0u8; 33];
    base("d1").challenge_bytes("e", &mut out4);
    assert_ne!(out1[..], out4[..32], "length");
    let mut t = base("d1");
    let mut first = [0u8; 32];
    let mut second = [0u8; 32];
    t.challenge_bytes("e", &mut first);
    t.challenge_bytes("e", &mut second);
    assert_eq!(first, out1, "deterministic");
    assert_ne!(first, second, "second challenge differs");
    // hash_to_scalar: parts are length-prefixed.
    let h1: Scalar<Ed25519> = hash_to_scalar("d", &[b"ab", b"c"]);
    let h2: Scalar<Ed25519> = hash_to_scalar("d", &[b"a", b"bc"]);
    let h3: Scalar<Ed25519> = hash_to_scalar("d", &[b"abc"]);
    assert_ne!(h1, h2);
    assert_ne!(h1, h3);
}

fn commit_transcript(role: &'static str, value: &[u8]) -> Transcript {
    let mut t = Transcript::new("test/commit");
    t.append("role", role.as_bytes());
    t.append("value", value);
    t
}

#[test]
fn commitment_opens_only_to_its_values() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let (c, opening) = Commitment::commit(commit_transcript("client", b"v"), &mut rng);
    assert_eq!(
        c.verify(commit_transcript("client", b"v"), &opening),
        Ok(())
    );
    assert_eq!(
        c.verify(commit_transcript("client", b"w"), &opening),
        Err(VerifyError::CommitmentOpening)
    );
    // Echoed as the other party's commitment: the role is bound, so it does not open.
    assert_eq!(
        c.verify(commit_transcript("server", b"v"), &opening),
        Err(VerifyError::CommitmentOpening)
    );
    let mut bad = opening;
    bad.0[0] ^= 1;
    assert_eq!(
        c.verify(commit_transcript("client", b"v"), &bad),
        Err(VerifyError::CommitmentOpening)
    );
    // Hiding: the same values committed twice give different commitments.
    let (c2, _) = Commitment::commit(commit_transcript("client", b"v"), &mut rng);
    assert_ne!(c, c2);
    let _unused: Opening = opening;
}

fn schnorr_cases<C: Curve>(seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let x = SecretScalar::<C>::random_nonzero(&mut rng);
    let big_x = x.public_point();
    let ctx = |sid: &[u8]| {
        let mut t = Transcript::new("test/schnorr");
        t.append("sid", sid);
        t
    };
    let proof = SchnorrNonce::<C>::new(&mut rng).prove(&x, &big_x, &mut ctx(b"s1"));
    assert_eq!(proof.verify(&big_x, &mut ctx(b"s1")), Ok(()));
    // Another session (transcript) does not verify.
    assert_eq!(
        proof.verify(&big_x, &mut ctx(b"s2")),
        Err(VerifyError::SchnorrProof)
    );
    // Another statement.
    let other = SecretScalar::<C>::random(&mut rng).public_point();
    assert_eq!(
        proof.verify(&other, &mut ctx(b"s1")),
        Err(VerifyError::SchnorrProof)
    );
    // Tampered response and commitment.
    let mut p2 = proof;
    p2.response = p2.response + Scalar::one();
    assert_eq!(
        p2.verify(&big_x, &mut ctx(b"s1")),
        Err(VerifyError::SchnorrProof)
    );
    let mut p3 = proof;
    p3.commitment = p3.commitment + Point::generator();
    assert_eq!(
        p3.verify(&big_x, &mut ctx(b"s1")),
        Err(VerifyError::SchnorrProof)
    );
    // The identity statement never verifies (z = a, A = a*G would otherwise pass).
    let a = SchnorrNonce::<C>::new(&mut rng);
    let zero = SecretScalar::<C>::new(C::scalar_zero());
    let p4 = a.prove(&zero, &Point::identity(), &mut ctx(b"s1"));
    assert_eq!(
        p4.verify(&Point::identity(), &mut ctx(b"s1")),
        Err(VerifyError::SchnorrProof)
    );
}

#[test]
fn schnorr_sound_and_bound() {
    schnorr_cases::<Secp256k1>(10);
    schnorr_cases::<Ed25519>(11);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn schnorr_complete(seed in any::<u64>()) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let x = SecretScalar::<Secp256k1>::random_nonzero(&mut rng);
        let mut t = Transcript::new("p");
        let proof = SchnorrNonce::new(&mut rng).prove(&x, &x.public_point(), &mut t.clone());
        prop_assert!(proof.verify(&x.public_point(), &mut t).is_ok());
        let y = SecretScalar::<Ed25519>::random_nonzero(&mut rng);
        let mut t = Transcript::new("p");
        let proof = SchnorrNonce::new(&mut rng).prove(&y, &y.public_point(), &mut t.clone());
        prop_assert!(proof.verify(&y.public_point(), &mut t).is_ok());
    }

    #[test]
    fn scalar_encoding_roundtrips(bytes in any::<[u8; 32]>()) {
        // Canonical values decode and re-encode identically; others are refused.
        if let Ok(s) = Scalar::<Secp256k1>::from_bytes(&bytes) {
            prop_assert_eq!(s.to_bytes(), bytes);
        }
        if let Ok(s) = Scalar::<Ed25519>::from_bytes(&bytes) {
            prop_assert_eq!(s.to_bytes(), bytes);
        }
    }

    #[test]
    fn vartime_inverse_is_the_inverse(seed in any::<u64>()) {
        // The variable-time inverse (public scalars) agrees with the constant-time one.
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let s = Scalar::<Secp256k1>::random(&mut rng);
        prop_assert_eq!(s.invert_vartime(), s.invert());
        prop_assert_eq!(s.invert_vartime().map(|i| i * s), Some(Scalar::from_u64(1)));
        let e = Scalar::<Ed25519>::random(&mut rng);
        prop_assert_eq!(e.invert_vartime(), e.invert());
    }

    #[test]
    fn point_decoding_never_panics_and_roundtrips(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(p) = Point::<Secp256k1>::from_bytes(&bytes) {
            prop_assert_eq!(p.to_bytes().unwrap(), bytes.clone());
        }
        if let Ok(p) = Point::<Ed25519>::from_bytes(&bytes) {
            prop_assert_eq!(p.to_bytes().unwrap(), bytes);
        }
    }
}
