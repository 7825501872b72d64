//! The commands: each runs one wallet operation on an [`Engine`] (a local store, or the
//! device against a server) and prints the result.

use serde_json::json;
use tandem_wallet::{Status, Zeroizing};

use crate::KeyArgs;
use crate::engine::Engine;
use crate::inputs;
use crate::output::{
    Output, emit_addresses, emit_bip340, emit_ed25519, emit_generated, emit_presignatures,
    emit_secp256k1, emit_status, hex, set, status_chain, wallet_human, wallet_json,
};
use crate::ui::Ui;

/// Runs `f` with a progress callback drawing on stderr (silent with `--json`).
pub(crate) fn with_ui<T>(
    out: &Output,
    f: impl FnOnce(&mut (dyn FnMut(tandem_wallet::progress::Progress) + Send)) -> T,
) -> T {
    let ui = std::sync::Mutex::new(Ui::new(out.is_json()));
    let mut report = |event| {
        if let Ok(mut ui) = ui.lock() {
            ui.report(event);
        }
    };
    f(&mut report)
}

pub(crate) fn generate(wallet: &impl Engine, out: &Output) -> Result<(), String> {
    let info = with_ui(out, |p| wallet.generate(p))?;
    emit_generated(out, &info);
    Ok(())
}

/// The wallet's addresses and `xpub`; with a path, the child's keys and addresses too. The
/// wallet is read first (`info`: with `--server`, the device's pair must be the server's
/// current one), then the tree from the device's shares.
pub(crate) fn addresses(
    wallet: &impl Engine,
    out: &Output,
    path: Option<&str>,
) -> Result<(), String> {
    let path = path.map(|p| inputs::path(Some(p))).transpose()?;
    let info = wallet.info()?;
    let tree = wallet.tree()?;
    let child = path
        .map(|p| tree.derive(&p).map_err(|e| format!("--path {p}: {e}")))
        .transpose()?;
    emit_addresses(out, &info.addresses, &tree.xpub(), child.as_ref());
    Ok(())
}

pub(crate) fn status(wallet: &impl Engine, out: &Output) -> Result<(), String> {
    let info = wallet.info()?;
    emit_status(out, &info);
    Ok(())
}

/// What `sign` signs: the curve, the digest or message, the key (`--path`, `m` if absent).
pub(crate) struct SignArgs<'a> {
    pub(crate) curve: &'a str,
    pub(crate) scheme: Option<&'a str>,
    pub(crate) digest: Option<&'a str>,
    pub(crate) message: Option<&'a str>,
    pub(crate) path: Option<&'a str>,
}

pub(crate) fn sign(wallet: &impl Engine, out: &Output, args: &SignArgs<'_>) -> Result<(), String> {
    let path = inputs::path(args.path)?;
    // With --path, the output names the child and its key (from the device's tree).
    let signed_key = |curve| -> Result<Option<(String, String)>, String> {
        if args.path.is_none() {
            return Ok(None);
        }
        let child = wallet
            .tree()?
            .derive(&path)
            .map_err(|e| format!("--path {path}: {e}"))?;
        let key = match curve {
            "secp256k1" => hex(&child.public_keys.secp256k1_bytes()),
            _ => hex(child.public_keys.ed25519.as_bytes()),
        };
        Ok(Some((path.to_string(), key)))
    };
    match (args.curve, args.scheme, args.digest, args.message) {
        ("secp256k1", None | Some("ecdsa"), Some(digest), None) => {
            let digest = inputs::digest(digest)?;
            let key = signed_key("secp256k1")?;
            let signed = with_ui(out, |p| wallet.sign_secp256k1(&path, &digest, p))?;
            emit_secp256k1(out, &signed, key);
            Ok(())
        }
        ("secp256k1", Some("bip340"), None, Some(message)) => {
            let message = inputs::digest_named("message", message)?;
            let key = signed_key("secp256k1")?;
            let sig = with_ui(out, |p| wallet.sign_bip340(&path, &message, p))?;
            emit_bip340(out, &sig, key);
            Ok(())
        }
        ("ed25519", None | Some("eddsa"), None, Some(message)) => {
            let message = inputs::hex("message", message)?;
            let key = signed_key("ed25519")?;
            let sig = with_ui(out, |p| wallet.sign_ed25519(&path, &message, p))?;
            emit_ed25519(out, &sig, key);
            Ok(())
        }
        (curve, scheme, _, _) => Err(sign_usage(curve, scheme)),
    }
}

/// The error of a `sign` with the wrong arguments.
pub(crate) fn sign_usage(curve: &str, scheme: Option<&str>) -> String {
    match (curve, scheme) {
        ("secp256k1", None | Some("ecdsa")) => {
            "sign --curve secp256k1 takes --digest <32-byte hex> (and no --message)".into()
        }
        ("secp256k1", Some("bip340")) => {
            "sign --curve secp256k1 --scheme bip340 takes --message <32-byte hex> (and no --digest)"
                .into()
        }
        ("secp256k1", Some(other)) => {
            format!("unknown scheme {other:?} for secp256k1 (ecdsa or bip340)")
        }
        ("ed25519", None | Some("eddsa")) => {
            "sign --curve ed25519 takes --message <hex> (and no --digest)".into()
        }
        ("ed25519", Some(other)) => format!("unknown scheme {other:?} for ed25519 (eddsa)"),
        (other, _) => format!("unknown curve {other:?} (secp256k1 or ed25519)"),
    }
}

pub(crate) fn presign(wallet: &impl Engine, out: &Output, count: usize) -> Result<(), String> {
    let held = with_ui(out, |p| wallet.presign(count, p))?;
    emit_presignatures(out, held);
    Ok(())
}

fn statuses_json(statuses: &[Status]) -> serde_json::Value {
    json!(statuses.iter().map(|s| s.name()).collect::<Vec<_>>())
}

pub(crate) fn backup(wallet: &impl Engine, out: &Output, key: &KeyArgs) -> Result<(), String> {
    let (backup_key, created) = inputs::backup_key(key, true)?;
    let result = with_ui(out, |p| wallet.backup(&backup_key, p));
    let statuses = match result {
        Ok(statuses) => statuses,
        Err(e) => {
            // A key file made for a backup that did not happen protects nothing: remove it.
            // When the outcome is unknown (the store failed while committing), keep it: the
            // backup may have taken effect, sealed under this key.
            if created
                && !e.indeterminate
                && let Some(path) = &key.key_file
            {
                let _ = std::fs::remove_file(path);
            }
            return Err(e.message);
        }
    };
    let last = statuses.last().map_or("none", |s| s.name());
    let mut human = vec![("statuses", status_chain(&statuses))];
    if created && let Some(path) = &key.key_file {
        human.push((
            "backup key",
            format!("new random key written to {}", path.display()),
        ));
    }
    out.emit(
        &json!({ "statuses": statuses_json(&statuses), "status": last }),
        &human,
    );
    Ok(())
}

pub(crate) fn recover(wallet: &impl Engine, out: &Output, key: &KeyArgs) -> Result<(), String> {
    let (backup_key, _) = inputs::backup_key(key, false)?;
    let mut statuses = Vec::new();
    let info = with_ui(out, |p| {
        wallet.recover(&backup_key, &mut |event| {
            if let tandem_wallet::progress::Progress::Status(s) = event {
                statuses.push(s);
            }
            p(event);
        })
    })?;
    let mut value = wallet_json(&info);
    set(&mut value, "statuses", statuses_json(&statuses));
    set(&mut value, "status", json!(info.signing_status.name()));
    let mut human = vec![("statuses", status_chain(&statuses))];
    human.extend(wallet_human(&info));
    out.emit(&value, &human);
    Ok(())
}

pub(crate) fn refresh(wallet: &impl Engine, out: &Output) -> Result<(), String> {
    let info = with_ui(out, |p| wallet.refresh(p))?;
    let mut value = wallet_json(&info);
    set(&mut value, "status", json!(info.signing_status.name()));
    out.emit(
        &value,
        &[(
            "refreshed",
            "new signing shares on both curves; old shares and presignatures no longer sign".into(),
        )],
    );
    Ok(())
}

pub(crate) fn eject(wallet: &impl Engine, out: &Output, key: &KeyArgs) -> Result<(), String> {
    let (backup_key, _) = inputs::backup_key(key, false)?;
    let keys = with_ui(out, |p| wallet.eject(&backup_key, p))?;
    // The keys are printed from wiped buffers only (no JSON value or label list holding a
    // copy); hex needs no JSON escaping.
    let secp = Zeroizing::new(hex(&keys.secp256k1.to_bytes()[..]));
    let xprv = keys.secp256k1.to_xprv();
    let ed = Zeroizing::new(hex(&keys.ed25519.scalar_bytes()[..]));
    // The chain codes come along: the ejected keys derive the wallet's children (`xprv` for
    // any BIP32 wallet; the Ed25519 chain code for Tandem's derivation).
    let ed_chain = hex(&keys.ed25519.chain_code().to_bytes());
    let text = if out.is_json() {
        Zeroizing::new(format!(
            "{{\"secp256k1\":{{\"private_key\":\"{}\",\"xprv\":\"{}\"}},\"ed25519\":{{\"private_scalar\":\"{}\",\"chain_code\":\"{}\"}}}}",
            secp.as_str(),
            xprv.as_str(),
            ed.as_str(),
            ed_chain
        ))
    } else {
        let wif = keys.secp256k1.to_wif();
        Zeroizing::new(format!(
            "{:<18} {}\n{:<18} {}\n{:<18} {}\n{:<18} {}\n{:<18} {}",
            "secp256k1 key",
            secp.as_str(),
            "secp256k1 WIF",
            wif.as_str(),
            "secp256k1 xprv",
            xprv.as_str(),
            "ed25519 scalar",
            ed.as_str(),
            "ed25519 chain",
            ed_chain
        ))
    };
    println!("{}", text.as_str());
    Ok(())
}
