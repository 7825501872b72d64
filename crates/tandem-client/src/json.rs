//! The JSON forms of a wallet, its addresses, signatures and progress reports: the command
//! line's `--json` output and the browser SDK's results are the same objects.

use serde_json::{Value, json};
use tandem_wallet::address::Addresses;
use tandem_wallet::progress::Progress;
use tandem_wallet::{Secp256k1Signed, SignMethod, WalletInfo};

use crate::client::hex;

/// `{"ethereum", "bitcoin", "bitcoin_taproot", "tron", "solana", "stellar"}` (`bitcoin_taproot`
/// is `null` for the key, one in about `2^128`, that has no Taproot output).
#[must_use]
pub fn addresses(a: &Addresses) -> Value {
    json!({
        "ethereum": a.ethereum,
        "bitcoin": a.bitcoin,
        "bitcoin_taproot": a.bitcoin_taproot,
        "tron": a.tron,
        "solana": a.solana,
        "stellar": a.stellar,
    })
}

/// The wallet: client id, both public keys (hex), the addresses.
#[must_use]
pub fn wallet(info: &WalletInfo) -> Value {
    json!({
        "client_id": info.client_id,
        "secp256k1": { "public_key": hex(&info.public_keys.secp256k1_bytes()) },
        "ed25519": { "public_key": hex(info.public_keys.ed25519.as_bytes()) },
        "addresses": addresses(&info.addresses),
    })
}

/// [`wallet`] with the statuses and the device's presignature count.
#[must_use]
pub fn status(info: &WalletInfo) -> Value {
    let mut value = wallet(info);
    if let Some(object) = value.as_object_mut() {
        object.insert("signing_status".into(), json!(info.signing_status.name()));
        object.insert(
            "backup_status".into(),
            json!(info.backup_status.map(|b| b.name())),
        );
        object.insert("presignatures".into(), json!(info.presignatures));
    }
    value
}

/// How a secp256k1 signature was made, as a word.
#[must_use]
pub fn sign_method(method: SignMethod) -> &'static str {
    match method {
        SignMethod::Presignature => "presignature",
        SignMethod::FullSigning => "full_signing",
    }
}

/// `{"signature": r‖s, "r", "s", "recovery_id"}` (hex; `s` is low): the command line's
/// `sign --curve secp256k1` output.
#[must_use]
pub fn secp256k1_signature(signed: &Secp256k1Signed) -> Value {
    let sig = &signed.signature;
    json!({
        "signature": hex(&sig.to_bytes()),
        "r": hex(&sig.r.to_bytes()),
        "s": hex(&sig.s.to_bytes()),
        "recovery_id": sig.recovery_id,
    })
}

/// [`secp256k1_signature`] with `"method"`: how it was made ([`sign_method`]), as the browser
/// SDK reports it.
#[must_use]
pub fn secp256k1_signature_with_method(signed: &Secp256k1Signed) -> Value {
    let mut value = secp256k1_signature(signed);
    if let Some(object) = value.as_object_mut() {
        object.insert("method".into(), json!(sign_method(signed.method)));
    }
    value
}

/// `{"signature": R‖s}` (hex).
#[must_use]
pub fn ed25519_signature(sig: &ed25519_dalek::Signature) -> Value {
    json!({ "signature": hex(&sig.to_bytes()) })
}

/// `{"signature": x(R)‖s, "output_key": x(Q)}` (hex): a BIP340 signature and the Taproot
/// output key it is valid under.
#[must_use]
pub fn bip340_signature(sig: &tandem_wallet::TaprootSignature) -> Value {
    json!({ "signature": hex(&sig.signature), "output_key": hex(&sig.output_key) })
}

/// A progress report: `{"step": "generating share", "curve": "secp256k1"|null, "party":
/// "client"}`, `{"status": "STORED_CLIENT"}`, `{"prime": 0|1, "candidates": n, "party"}` or
/// `{"paillier_key_ready": true, "party"}`. The step names are the seeds'.
#[must_use]
pub fn progress(event: &Progress) -> Value {
    match event {
        Progress::Step { step, curve, party } => json!({
            "step": step.name(),
            "curve": curve.map(|c| c.name()),
            "party": party.name(),
        }),
        Progress::Status(status) => json!({ "status": status.name() }),
        Progress::Prime {
            party,
            prime,
            candidates,
        } => json!({ "prime": prime, "candidates": candidates, "party": party.name() }),
        Progress::PaillierKeyReady { party } => {
            json!({ "paillier_key_ready": true, "party": party.name() })
        }
        _ => Value::Null,
    }
}
