//! Unit tests of stored presignatures (edits of their real fields), and the frozen ECDSA
//! fixture they start from, `test-vectors/v1/ecdsa-secp256k1.json`, read at run time
//! (`tandem-testkit` depends on this crate, so its loaders cannot serve unit tests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{Point, SecretScalar};

use super::{EcdsaKeyShare, Presignature, sign};
use crate::error::{DecodeError, Error, Misuse};
use crate::message::SessionId;

pub(crate) fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The outputs of the frozen ECDSA fixture, by name (read once).
static FIXTURE: LazyLock<BTreeMap<String, Vec<u8>>> = LazyLock::new(|| {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/v1/ecdsa-secp256k1.json");
    let text = std::fs::read_to_string(&path).expect("the ECDSA fixture");
    let t: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let outputs = t["outputs"].as_array().expect("outputs");
    outputs
        .iter()
        .map(|o| {
            let name = o[0].as_str().expect("a name").to_owned();
            let hex = o[1].as_str().expect("hex");
            (name, base16ct::lower::decode_vec(hex).expect("hex"))
        })
        .collect()
});

/// An output of the frozen ECDSA fixture, by name.
pub(crate) fn fixture_output(name: &str) -> Vec<u8> {
    FIXTURE.get(name).expect("the output").clone()
}

/// The fixture's key shares (client, server).
pub(crate) fn fixture_shares() -> (EcdsaKeyShare, EcdsaKeyShare) {
    let share = |name| EcdsaKeyShare::from_bytes(&fixture_output(name)).unwrap();
    (share("client_key_share"), share("server_key_share"))
}

/// The fixture's presignature of `role` (`"client"` or `"server"`).
pub(crate) fn fixture_presignature(role: &str) -> Presignature {
    Presignature::from_bytes(&fixture_output(&format!("{role}_presignature"))).unwrap()
}

/// The client's presignature edited by `f`, stored and read back.
fn edited(f: impl FnOnce(&mut Presignature)) -> Result<Presignature, Error> {
    let mut p = fixture_presignature("client");
    f(&mut p);
    Presignature::from_bytes(&p.to_bytes().unwrap())
}

#[test]
fn stored_presignature_consistency_checks() {
    let inconsistent = Some(Error::Storage(DecodeError::Inconsistent));
    assert!(edited(|_| {}).is_ok());
    // Own k̃ does not match own Δ̃ = k̃·Γ.
    let k = SecretScalar::random_nonzero(&mut rng(47));
    assert_eq!(edited(|m| m.k = k).err(), inconsistent);
    // Own χ̃ does not match own S̃ = χ̃·Γ.
    let chi = SecretScalar::random_nonzero(&mut rng(48));
    assert_eq!(edited(|m| m.chi = chi).err(), inconsistent);
    // The peer's Δ̃ changed: Δ̃_c + Δ̃_s ≠ G.
    let bumped = edited(|m| m.server.big_delta = m.server.big_delta + Point::generator());
    assert_eq!(bumped.err(), inconsistent);
}

#[test]
fn presignature_of_another_key_is_refused_at_signing() {
    // The peer's S̃ cannot be checked on its own; Σ S̃ = X is checked against the key share
    // when signing (`Presignature::matches_key`).
    let (client, _) = fixture_shares();
    let presignature = edited(|m| m.server.s = m.server.s + Point::generator()).unwrap();
    assert!(!presignature.matches_key(&client.core().public_key()));
    let started = sign::client_start(
        &client,
        presignature,
        SessionId([0x42; 32]),
        &[1; 32],
        &mut rng(49),
    );
    assert_eq!(started.err(), Some(Error::Misuse(Misuse::KeyShareChanged)));
}

/// Whether `text` shows `secret` (big endian) in hex, either byte order or case.
pub(crate) fn shows(text: &str, secret: &[u8]) -> bool {
    let be = base16ct::lower::encode_string(secret);
    let rev: Vec<u8> = secret.iter().rev().copied().collect();
    let le = base16ct::lower::encode_string(&rev);
    let lower = text.to_lowercase();
    lower.contains(&be) || lower.contains(&le)
}

#[test]
fn presignatures_print_no_secret() {
    // The integration test `tests/debug_redaction.rs` checks every other secret-holding
    // type; a presignature's k̃ and χ̃ are private, so its check is here.
    let p = fixture_presignature("client");
    let (k, chi) = (p.k.to_bytes(), p.chi.to_bytes());
    for text in [format!("{p:?}"), format!("{p:#?}")] {
        assert!(text.contains("<redacted>"), "{text}");
        assert!(!shows(&text, &k[..]) && !shows(&text, &chi[..]), "{text}");
    }
}
