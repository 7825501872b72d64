//! `Debug` of every secret-holding type of this crate shows none of its secrets
//! (docs/security-checklist.md, "Secrets at rest and in memory"): checked on values built from
//! known secrets, in hex of both byte orders and both cases, and as decimals for small secrets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use rand_core::SeedableRng;
use tandem_curves::{Curve, Ed25519, SchnorrNonce, Secp256k1, SecretScalar, Transcript};
use tandem_testkit::redaction::{self, assert_redacted};

/// A large secret (a random-looking 32-byte value below both group orders) and a small one.
const BIG: [u8; 32] = [
    0x0d, 0x1e, 0x2f, 0x30, 0x41, 0x52, 0x63, 0x74, 0x85, 0x96, 0xa7, 0xb8, 0xc9, 0xda, 0xeb, 0xfc,
    0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0x5f,
];
const SMALL: u64 = 987_654_321;

/// The canonical encodings of `BIG` and `SMALL` as scalars of `C` (big endian for secp256k1,
/// little endian for Ed25519: the redaction check tries both orders anyway).
fn encodings<C: Curve>() -> [[u8; 32]; 2] {
    let (mut big, mut small) = (BIG, [0u8; 32]);
    if C::ID == tandem_curves::CurveId::Secp256k1 {
        small[24..].copy_from_slice(&SMALL.to_be_bytes());
    } else {
        big.reverse();
        small[..8].copy_from_slice(&SMALL.to_le_bytes());
    }
    [big, small]
}

fn secret_scalars_are_redacted<C: Curve>() {
    for bytes in encodings::<C>() {
        let secret = SecretScalar::<C>::from_bytes(&bytes).unwrap();
        let text = assert_redacted(&secret, &[&bytes], &[&SMALL.to_string()]);
        assert!(text.contains("<redacted>"), "{text}");
    }
}

/// A Schnorr nonce's secret cannot be set from outside (nonces are only drawn); it is read
/// back after the fact from a proof of the zero witness, `z = a + e·0 = a`.
fn schnorr_nonces_are_redacted<C: Curve>() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    for _ in 0..4 {
        let nonce = SchnorrNonce::<C>::new(&mut rng);
        let text = format!("{nonce:?}{nonce:#?}");
        let zero = SecretScalar::<C>::new(C::scalar_zero());
        let proof = nonce.prove(&zero, &zero.public_point(), &mut Transcript::new("t"));
        let a = proof.response.to_bytes();
        assert!(
            !redaction::shows(&text, &[&a]),
            "the nonce's Debug shows its secret: {text}"
        );
        assert!(text.contains("<redacted>"), "{text}");
    }
}

#[test]
fn schnorr_nonces_print_no_secret() {
    schnorr_nonces_are_redacted::<Secp256k1>();
    schnorr_nonces_are_redacted::<Ed25519>();
}

#[test]
fn secret_scalars_print_no_secret() {
    secret_scalars_are_redacted::<Secp256k1>();
    secret_scalars_are_redacted::<Ed25519>();
}

#[test]
fn transcripts_print_nothing_they_absorbed() {
    // Transcripts absorb secrets (reshare seeds, commitment openings before they are sent).
    let mut t = Transcript::new("tandem/test/redaction");
    t.append("secret", &BIG);
    t.append_u64("small", SMALL);
    assert_eq!(
        assert_redacted(&t, &[&BIG], &[&SMALL.to_string()]),
        "Transcript(..)"
    );
}

#[test]
fn the_redaction_macro_prints_the_name_only() {
    struct Holder<C: Curve>(SecretScalar<C>, [u8; 32]);
    tandem_curves::redacted_debug! {
        impl<C: Curve> Holder<C> => "Holder";
    }
    let holder = Holder(SecretScalar::<Secp256k1>::from_bytes(&BIG).unwrap(), BIG);
    assert_eq!(assert_redacted(&holder, &[&BIG], &[]), "Holder(<redacted>)");
    assert_eq!(format!("{holder:#?}"), "Holder(<redacted>)");
    // The redaction check itself catches a derived `Debug` (the forms it looks for are real).
    for leak in [format!("{:?}", holder.1), format!("{:02X?}", holder.1)] {
        assert!(
            redaction::forms(&BIG)
                .iter()
                .any(|f| leak.contains(f.as_str())),
            "{leak}"
        );
    }
}
