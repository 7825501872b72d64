//! Output: one JSON object on stdout with `--json`, readable lines otherwise.

use serde_json::{Value, json};
use tandem_wallet::address::Addresses;
use tandem_wallet::xpub::Xpub;
use tandem_wallet::{Child, Secp256k1Signed, SignMethod, Status, WalletInfo, ed25519_dalek};

pub(crate) struct Output {
    json: bool,
}

/// The statuses an operation reached, in order: `A -> B`.
pub(crate) fn status_chain(statuses: &[Status]) -> String {
    statuses
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(" -> ")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// Prints `value` as JSON, or `human` lines.
    pub(crate) fn emit(&self, value: &Value, human: &[(&str, String)]) {
        if self.json {
            println!("{value}");
        } else {
            for (label, text) in human {
                if label.is_empty() {
                    println!("{text}");
                } else {
                    println!("{label:<18} {text}");
                }
            }
        }
    }
}

pub(crate) fn addresses_json(a: &Addresses) -> Value {
    tandem_client::json::addresses(a)
}

pub(crate) fn addresses_human(a: &Addresses) -> Vec<(&'static str, String)> {
    vec![
        ("ethereum", a.ethereum.clone()),
        ("bitcoin", a.bitcoin.clone()),
        (
            "taproot",
            a.bitcoin_taproot
                .clone()
                .unwrap_or_else(|| "none (no Taproot output for this key)".into()),
        ),
        ("tron", a.tron.clone()),
        ("solana", a.solana.clone()),
        ("stellar", a.stellar.clone()),
    ]
}

pub(crate) fn wallet_json(info: &WalletInfo) -> Value {
    tandem_client::json::wallet(info)
}

pub(crate) fn wallet_human(info: &WalletInfo) -> Vec<(&'static str, String)> {
    let mut lines = vec![
        ("client id", info.client_id.clone()),
        ("secp256k1 key", hex(&info.public_keys.secp256k1_bytes())),
        ("ed25519 key", hex(info.public_keys.ed25519.as_bytes())),
    ];
    lines.extend(addresses_human(&info.addresses));
    lines
}

/// Adds a field to a JSON object (the values built here are always objects).
pub(crate) fn set(value: &mut Value, key: &str, field: Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert(key.to_owned(), field);
    }
}

/// `generate`'s output (local and `--server`).
pub(crate) fn emit_generated(out: &Output, info: &WalletInfo) {
    let mut human = vec![(
        "",
        "wallet generated (signing shares STORED_CLIENT)".to_string(),
    )];
    human.extend(wallet_human(info));
    out.emit(&wallet_json(info), &human);
}

/// `status`'s output.
pub(crate) fn emit_status(out: &Output, info: &WalletInfo) {
    let backup = info.backup_status.map(|b| b.name());
    let value = tandem_client::json::status(info);
    let mut human = wallet_human(info);
    human.push(("signing status", info.signing_status.name().to_string()));
    human.push(("backup status", backup.unwrap_or("none").to_string()));
    human.push(("presignatures", info.presignatures.to_string()));
    out.emit(&value, &human);
}

/// `addresses`'s output: the wallet's addresses and `xpub`; with a path, the child's path,
/// public keys, addresses and `xpub`.
pub(crate) fn emit_addresses(
    out: &Output,
    addresses: &Addresses,
    xpub: &Xpub,
    child: Option<&Child>,
) {
    let mut value = json!({ "addresses": addresses_json(addresses), "xpub": xpub.to_string() });
    let mut human = addresses_human(addresses);
    human.push(("xpub", xpub.to_string()));
    if let Some(child) = child {
        set(
            &mut value,
            "child",
            json!({
                "path": child.path.to_string(),
                "secp256k1": { "public_key": hex(&child.public_keys.secp256k1_bytes()) },
                "ed25519": { "public_key": hex(child.public_keys.ed25519.as_bytes()) },
                "addresses": addresses_json(&child.addresses),
                "xpub": child.xpub.to_string(),
            }),
        );
        human.push(("", String::new()));
        human.push(("path", child.path.to_string()));
        human.push(("secp256k1 key", hex(&child.public_keys.secp256k1_bytes())));
        human.push(("ed25519 key", hex(child.public_keys.ed25519.as_bytes())));
        human.extend(addresses_human(&child.addresses));
        human.push(("child xpub", child.xpub.to_string()));
    }
    out.emit(&value, &human);
}

/// Adds the signed key (`path`, `public_key`) to a signature's output, when `--path` was
/// given.
fn with_key(
    mut value: Value,
    human: &mut Vec<(&str, String)>,
    key: Option<(String, String)>,
) -> Value {
    if let Some((path, public_key)) = key {
        human.push(("path", path.clone()));
        human.push(("public key", public_key.clone()));
        set(&mut value, "path", json!(path));
        set(&mut value, "public_key", json!(public_key));
    }
    value
}

/// A secp256k1 signature's output (with the child's path and key if `key`).
pub(crate) fn emit_secp256k1(
    out: &Output,
    signed: &Secp256k1Signed,
    key: Option<(String, String)>,
) {
    let sig = &signed.signature;
    let (r, s) = (hex(&sig.r.to_bytes()), hex(&sig.s.to_bytes()));
    let method = match signed.method {
        SignMethod::Presignature => "from a presignature (one round)",
        SignMethod::FullSigning => "full signing (no presignature in the pool)",
    };
    let mut human = vec![
        ("signature", hex(&sig.to_bytes())),
        ("r", r.clone()),
        ("s (low)", s.clone()),
        ("recovery id", sig.recovery_id.to_string()),
        ("made by", method.to_string()),
    ];
    let value = with_key(
        tandem_client::json::secp256k1_signature(signed),
        &mut human,
        key,
    );
    out.emit(&value, &human);
}

/// An Ed25519 signature's output (with the child's path and key if `key`).
pub(crate) fn emit_ed25519(
    out: &Output,
    sig: &ed25519_dalek::Signature,
    key: Option<(String, String)>,
) {
    let mut human = vec![("signature", hex(&sig.to_bytes()))];
    let value = with_key(tandem_client::json::ed25519_signature(sig), &mut human, key);
    out.emit(&value, &human);
}

/// A BIP340 signature's output: the signature and the Taproot output key (with the child's
/// path and internal key if `key`).
pub(crate) fn emit_bip340(
    out: &Output,
    sig: &tandem_wallet::TaprootSignature,
    key: Option<(String, String)>,
) {
    let mut human = vec![
        ("signature", hex(&sig.signature)),
        ("output key", hex(&sig.output_key)),
    ];
    let value = with_key(tandem_client::json::bip340_signature(sig), &mut human, key);
    out.emit(&value, &human);
}

/// `presign`'s output.
pub(crate) fn emit_presignatures(out: &Output, held: usize) {
    out.emit(
        &json!({ "presignatures": held }),
        &[("presignatures", format!("{held} ready on this device"))],
    );
}
