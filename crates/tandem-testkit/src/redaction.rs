//! The check of every crate's `tests/debug_redaction.rs`: a value's `Debug` output, compact
//! and pretty, shows none of the secrets it holds.

use std::fmt::Debug;

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The forms in which secret bytes (big-endian) could show in a `Debug` output: hex in both
/// byte orders, lower and upper case, without leading zero bytes (so a value printed at any
/// width is caught); the hex of each 8-byte limb (crypto-bigint prints limbs); and the start
/// of the byte list, decimal or hex (`[u8; N]`'s own `Debug`, `{:x?}`).
pub fn forms(secret_be: &[u8]) -> Vec<String> {
    let start = secret_be
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(secret_be.len());
    let be = &secret_be[start..];
    assert!(be.len() >= 4, "a secret of at least 4 significant bytes");
    let le: Vec<u8> = be.iter().rev().copied().collect();
    let mut out = Vec::new();
    for bytes in [be, &le[..]] {
        let hex = to_hex(bytes);
        out.push(hex.to_uppercase());
        out.push(hex);
    }
    for limb in secret_be.rchunks(8) {
        let hex = to_hex(limb);
        let trimmed = hex.trim_start_matches('0');
        if trimmed.len() >= 8 {
            out.push(trimmed.to_uppercase());
            out.push(trimmed.to_owned());
        }
    }
    for bytes in [be, &le[..]] {
        let list: Vec<String> = bytes.iter().take(6).map(u8::to_string).collect();
        out.push(list.join(", "));
        let list: Vec<String> = bytes.iter().take(6).map(|b| format!("{b:02x}")).collect();
        out.push(list.join(", ").to_uppercase());
        out.push(list.join(", "));
    }
    out
}

/// Asserts that neither `{:?}` nor `{:#?}` of `value` contains any form of the secrets (big
/// endian bytes) nor the decimal of a small secret; returns the compact form.
pub fn assert_redacted<T: Debug>(value: &T, secrets: &[&[u8]], decimals: &[&str]) -> String {
    let compact = format!("{value:?}");
    let pretty = format!("{value:#?}");
    for text in [&compact, &pretty] {
        for secret in secrets {
            for form in forms(secret) {
                assert!(!text.contains(&form), "{form} shows in {text}");
            }
        }
        for decimal in decimals {
            assert!(!text.contains(decimal), "{decimal} shows in {text}");
        }
    }
    compact
}

/// Asserts that no 8-byte window of `encoded` (a value's stored form, which holds all its
/// secrets) shows in hex, either case, in `{:?}` or `{:#?}` of the value.
pub fn assert_hides_encoding<T: Debug>(value: &T, encoded: &[u8]) {
    let compact = format!("{value:?}");
    let pretty = format!("{value:#?}");
    for window in encoded.windows(8) {
        if window.iter().filter(|&&b| b != 0).count() < 6 {
            continue; // zero padding and small integers say nothing
        }
        let hex = to_hex(window);
        let rev: Vec<u8> = window.iter().rev().copied().collect();
        let rev = to_hex(&rev);
        for text in [&compact, &pretty] {
            let lower = text.to_lowercase();
            assert!(
                !lower.contains(&hex) && !lower.contains(&rev),
                "{hex} shows in {text}"
            );
        }
    }
}

/// Asserts that `value` prints `name(<redacted>)`, compact and pretty (a protocol state), and
/// that no 8-byte window of its serde form `encoded` (when it has one) shows.
pub fn assert_name_only<T: Debug>(value: &T, name: &str, encoded: Option<&[u8]>) {
    let expected = format!("{name}(<redacted>)");
    assert_eq!(format!("{value:?}"), expected);
    assert_eq!(format!("{value:#?}"), expected);
    if let Some(encoded) = encoded {
        assert_hides_encoding(value, encoded);
    }
}

/// Whether `text` contains any form of the secrets (big-endian bytes).
pub fn shows(text: &str, secrets: &[&[u8]]) -> bool {
    secrets
        .iter()
        .any(|secret| forms(secret).iter().any(|form| text.contains(form)))
}
