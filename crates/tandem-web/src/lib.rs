//! Tandem's client half in the browser: the wasm-bindgen bindings of `tandem-client` that
//! the JavaScript SDK (`web/`) runs in a Web Worker.
//!
//! Nothing of the protocols is here: every operation is `tandem_client::Client`'s, the same
//! Rust as the native client; this crate only binds it. The transport and the device store
//! are the JavaScript host's (module `host`): the page's `fetch` to `tandem server`, and IndexedDB
//! records sealed with a non-extractable WebCrypto key. The safe-prime search runs on the
//! SDK's pool of prime workers (module `primes`: each worker its own instance of this module).
//! Results are the JSON objects of
//! `tandem_client::json` (the command line's `--json` output), as strings.
//!
//! Errors are thrown as JavaScript `Error`s named `TandemError` with `kind` (`transport`,
//! `server`, `bad_answer`, `protocol`, `device`, `no_wallet`, `device_has_wallet`,
//! `stale_device`, `backup`, `limit`, `primes`, `internal`, `input`), `code` (the server's
//! stable error code, for `server`), `status` (HTTP) and `message`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod host;
mod primes;

pub use primes::{bench_safe_prime_pool, search_safe_prime_window};

use std::ops::ControlFlow;

use rand_core::UnwrapErr;
use tandem_client::{Client, ClientError};
use tandem_wallet::BackupKey;
use tandem_wallet::progress::Progress;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use host::{HostDevice, HostTransport, host_progress};

/// A thrown `TandemError`.
fn thrown(kind: &str, message: &str, code: Option<&str>, status: Option<u16>) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("TandemError");
    let set = |key: &str, value: JsValue| {
        // Setting a property of a fresh Error object cannot fail; if it did, the error
        // would still carry its message.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str(key), &value);
    };
    set("kind", JsValue::from_str(kind));
    set("code", code.map_or(JsValue::NULL, JsValue::from_str));
    set("status", status.map_or(JsValue::NULL, JsValue::from));
    error.into()
}

fn to_js(error: ClientError) -> JsValue {
    let message = error.to_string();
    let kind = match &error {
        ClientError::Transport(_) => "transport",
        ClientError::Server { status, code, .. } => {
            // The code's wire name (snake_case), as the server sent it.
            let name = serde_json::to_value(code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            return thrown("server", &message, name.as_deref(), Some(*status));
        }
        ClientError::BadAnswer(_) => "bad_answer",
        ClientError::Protocol { .. } => "protocol",
        ClientError::Device(_) => "device",
        ClientError::NoWallet => "no_wallet",
        ClientError::DeviceHasWallet { .. } => "device_has_wallet",
        ClientError::StaleDevice(_) => "stale_device",
        ClientError::Backup(_) => "backup",
        ClientError::Limit(_) => "limit",
        ClientError::Primes(_) => "primes",
        _ => "internal",
    };
    thrown(kind, &message, None, None)
}

fn input(message: &str) -> JsValue {
    thrown("input", message, None, None)
}

/// Progress reports go to `tandemHost.progress` as JSON.
fn report(event: Progress) {
    host_progress(&tandem_client::json::progress(&event).to_string());
}

/// The client id of an API key (`tdk_<client id>_<secret>`), or an `input` error.
///
/// # Errors
/// A `TandemError` of kind `input` if the key is not an API key.
#[wasm_bindgen(js_name = clientIdOfKey)]
pub fn client_id_of_key(api_key: &str) -> Result<String, JsValue> {
    tandem_client::api::client_id_of_key(api_key)
        .map(str::to_owned)
        .ok_or_else(|| input("not a Tandem API key"))
}

/// One 1536-bit safe prime from the browser's randomness (for the benchmark page); returns
/// the candidates tested.
///
/// # Errors
/// A `TandemError` of kind `primes` if the search fails.
#[wasm_bindgen(js_name = benchSafePrime)]
pub fn bench_safe_prime() -> Result<f64, JsValue> {
    let mut tested = 0u64;
    tandem_paillier::primes::generate_safe_prime(&mut UnwrapErr(getrandom::SysRng), &mut |p| {
        tested = p.candidates;
        ControlFlow::Continue(())
    })
    .map_err(|e| thrown("primes", &e.to_string(), None, None))?;
    // A count of candidates, far below 2^53.
    #[allow(clippy::cast_precision_loss)]
    Ok(tested as f64)
}

/// The device's half of one wallet, bound to JavaScript.
#[wasm_bindgen]
pub struct Wallet {
    client: Client<HostTransport, HostDevice>,
}

fn json(value: &serde_json::Value) -> String {
    value.to_string()
}

fn digest(bytes: &[u8]) -> Result<[u8; 32], JsValue> {
    <[u8; 32]>::try_from(bytes).map_err(|_| input("a secp256k1 digest is 32 bytes"))
}

fn password(bytes: &[u8]) -> BackupKey {
    BackupKey::Password(Zeroizing::new(bytes.to_vec()))
}

impl Wallet {
    /// A backup under `key`: `{"statuses": [...]}`.
    fn backup_with(&self, key: &BackupKey) -> Result<String, JsValue> {
        let statuses = self.client.backup(key, &mut report).map_err(to_js)?;
        let names: Vec<&str> = statuses.iter().map(|s| s.name()).collect();
        Ok(json(&serde_json::json!({ "statuses": names })))
    }

    /// A recovery with `key`: the wallet's status JSON.
    fn recover_with(&self, key: &BackupKey) -> Result<String, JsValue> {
        let info = self.client.recover(key, &mut report).map_err(to_js)?;
        Ok(json(&tandem_client::json::status(&info)))
    }
}

fn passkey(prf: &[u8]) -> Result<BackupKey, JsValue> {
    if prf.len() != 32 {
        return Err(input("a passkey's PRF output is 32 bytes"));
    }
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(prf);
    Ok(BackupKey::Passkey(key))
}

#[wasm_bindgen]
impl Wallet {
    /// The wallet of the client `client_id` (from [`client_id_of_key`]); its Paillier keys
    /// come from fresh safe primes, searched on the SDK's `prime_workers` prime workers
    /// (module `primes`), or here in the worker when there are none.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new(client_id: &str, prime_workers: u32) -> Wallet {
        let source = if prime_workers > 0 {
            primes::BrowserPrimes::Pool
        } else {
            primes::BrowserPrimes::InWorker
        };
        Wallet {
            client: Client::with_paillier_keys(HostTransport, HostDevice, client_id, source),
        }
    }

    /// Creates the wallet on both curves with the server; the wallet's JSON.
    ///
    /// # Errors
    /// A `TandemError` (see the crate docs).
    pub fn generate(&self) -> Result<String, JsValue> {
        let info = self.client.generate(&mut report).map_err(to_js)?;
        Ok(json(&tandem_client::json::wallet(&info)))
    }

    /// The wallet with its statuses and the device's presignature count.
    ///
    /// # Errors
    /// A `TandemError`; kind `no_wallet` on a device with no wallet whose server holds none.
    pub fn status(&self) -> Result<String, JsValue> {
        let info = self.client.info(&mut report).map_err(to_js)?;
        Ok(json(&tandem_client::json::status(&info)))
    }

    /// Makes `count` presignatures with the server; the number the device holds.
    ///
    /// # Errors
    /// A `TandemError`.
    pub fn presign(&self, count: u32) -> Result<u32, JsValue> {
        let count = usize::try_from(count).map_err(|_| input("count"))?;
        let held = self.client.presign(count, &mut report).map_err(to_js)?;
        u32::try_from(held).map_err(|_| input("count"))
    }

    /// Signs a 32-byte digest with the secp256k1 key (ECDSA, low s, with the recovery id).
    ///
    /// # Errors
    /// A `TandemError`; kind `input` if `digest` is not 32 bytes.
    #[wasm_bindgen(js_name = signSecp256k1)]
    pub fn sign_secp256k1(&self, digest_bytes: &[u8]) -> Result<String, JsValue> {
        let digest = digest(digest_bytes)?;
        let signed = self
            .client
            .sign_secp256k1(&digest, &mut report)
            .map_err(to_js)?;
        Ok(json(&tandem_client::json::secp256k1_signature_with_method(
            &signed,
        )))
    }

    /// Signs `message` with the Ed25519 key (FROST, RFC 9591).
    ///
    /// # Errors
    /// A `TandemError`.
    #[wasm_bindgen(js_name = signEd25519)]
    pub fn sign_ed25519(&self, message: &[u8]) -> Result<String, JsValue> {
        let sig = self
            .client
            .sign_ed25519(message, &mut report)
            .map_err(to_js)?;
        Ok(json(&tandem_client::json::ed25519_signature(&sig)))
    }

    /// Signs a 32-byte BIP341 signature hash for a Taproot key-path spend: a BIP340 Schnorr
    /// signature under the output key of the wallet's `bitcoin_taproot` address (BIP86).
    ///
    /// # Errors
    /// A `TandemError`; kind `input` if `sighash` is not 32 bytes.
    #[wasm_bindgen(js_name = signBip340)]
    pub fn sign_bip340(&self, sighash_bytes: &[u8]) -> Result<String, JsValue> {
        let sighash = digest(sighash_bytes)?;
        let sig = self
            .client
            .sign_bip340(&sighash, &mut report)
            .map_err(to_js)?;
        Ok(json(&tandem_client::json::bip340_signature(&sig)))
    }

    /// Backs the wallet up, the client backup share sealed under `password` (UTF-8 bytes;
    /// Argon2id, the same envelope as the native client's); the statuses reached.
    ///
    /// # Errors
    /// A `TandemError`.
    #[wasm_bindgen(js_name = backupPassword)]
    pub fn backup_password(&self, password_bytes: &[u8]) -> Result<String, JsValue> {
        self.backup_with(&password(password_bytes))
    }

    /// Recovers the wallet on this device from a password backup; the wallet's JSON.
    ///
    /// # Errors
    /// A `TandemError`; kind `backup` for a wrong password.
    #[wasm_bindgen(js_name = recoverPassword)]
    pub fn recover_password(&self, password_bytes: &[u8]) -> Result<String, JsValue> {
        self.recover_with(&password(password_bytes))
    }

    /// Backs the wallet up, the client backup share sealed under `prf` (the 32-byte output of
    /// the passkey's WebAuthn PRF extension, obtained by the SDK on the page).
    ///
    /// # Errors
    /// A `TandemError`; kind `input` if `prf` is not 32 bytes.
    #[wasm_bindgen(js_name = backupPasskey)]
    pub fn backup_passkey(&self, prf: &[u8]) -> Result<String, JsValue> {
        self.backup_with(&passkey(prf)?)
    }

    /// Recovers the wallet on this device from a passkey backup; the wallet's JSON.
    ///
    /// # Errors
    /// A `TandemError`; kind `backup` for another passkey.
    #[wasm_bindgen(js_name = recoverPasskey)]
    pub fn recover_passkey(&self, prf: &[u8]) -> Result<String, JsValue> {
        self.recover_with(&passkey(prf)?)
    }

    /// Refreshes the signing pair (new shares of the same keys); the wallet's JSON.
    ///
    /// # Errors
    /// A `TandemError`.
    pub fn refresh(&self) -> Result<String, JsValue> {
        let info = self.client.refresh(&mut report).map_err(to_js)?;
        Ok(json(&tandem_client::json::status(&info)))
    }
}
