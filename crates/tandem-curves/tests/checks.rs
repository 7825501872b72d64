//! Checks listed in `CHECKS.md` that no other test provoked: each test feeds the bad input
//! and asserts the exact refusal.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_curves::{Commitment, Ed25519, Scalar, ScalarError, Secp256k1, SecretScalar};

#[test]
fn scalars_of_the_wrong_length_are_refused() {
    for len in [0usize, 31, 33, 64] {
        let bytes = vec![1u8; len];
        assert_eq!(
            SecretScalar::<Secp256k1>::from_bytes(&bytes).err(),
            Some(ScalarError::Length { got: len })
        );
        assert_eq!(
            SecretScalar::<Ed25519>::from_bytes(&bytes).err(),
            Some(ScalarError::Length { got: len })
        );
        assert_eq!(
            Scalar::<Ed25519>::from_bytes(&bytes).err(),
            Some(ScalarError::Length { got: len })
        );
    }
    // Ed25519 secret scalars are refused at and above l as well (never reduced).
    assert_eq!(
        SecretScalar::<Ed25519>::from_bytes(&[0xff; 32]).err(),
        Some(ScalarError::NonCanonical)
    );
}

#[test]
fn fixed_width_byte_fields_refuse_other_lengths() {
    // A commitment is exactly 32 bytes, in binary (postcard) and text (hex) forms.
    let mut bin = vec![31u8];
    bin.extend_from_slice(&[7u8; 31]);
    assert!(postcard::from_bytes::<Commitment>(&bin).is_err());
    let mut bin = vec![32u8];
    bin.extend_from_slice(&[7u8; 32]);
    assert!(postcard::from_bytes::<Commitment>(&bin).is_ok());
    for text in [
        format!("\"{}\"", "07".repeat(31)),
        format!("\"{}\"", "07".repeat(33)),
        format!("\"{}0\"", "07".repeat(32)),
        format!("\"{}zz\"", "07".repeat(31)),
    ] {
        assert!(serde_json::from_str::<Commitment>(&text).is_err(), "{text}");
    }
    assert!(serde_json::from_str::<Commitment>(&format!("\"{}\"", "07".repeat(32))).is_ok());
}
