//! Output: one JSON object on stdout with `--json`, readable lines otherwise.

use serde_json::{Value, json};
use tandem_wallet::address::Addresses;
use tandem_wallet::{Status, WalletInfo};

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
    json!({
        "ethereum": a.ethereum,
        "bitcoin": a.bitcoin,
        "tron": a.tron,
        "solana": a.solana,
        "stellar": a.stellar,
    })
}

pub(crate) fn addresses_human(a: &Addresses) -> Vec<(&'static str, String)> {
    vec![
        ("ethereum", a.ethereum.clone()),
        ("bitcoin", a.bitcoin.clone()),
        ("tron", a.tron.clone()),
        ("solana", a.solana.clone()),
        ("stellar", a.stellar.clone()),
    ]
}

pub(crate) fn wallet_json(info: &WalletInfo) -> Value {
    json!({
        "client_id": info.client_id,
        "secp256k1": { "public_key": hex(&info.public_keys.secp256k1_bytes()) },
        "ed25519": { "public_key": hex(info.public_keys.ed25519.as_bytes()) },
        "addresses": addresses_json(&info.addresses),
    })
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
