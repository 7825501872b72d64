//! `tandem demo`: the whole wallet lifecycle in a temporary store, readable by a person:
//! generate on both curves (fresh Paillier primes), sign on both curves and verify with the
//! chains' own libraries, presign and sign from the pool, back up under a password, lose the
//! device, recover, show that the lost device's share is refused, sign again, eject and
//! check the keys.

use std::path::Path;
use std::time::Instant;

use sha2::Digest;
use tandem_wallet::k256::ecdsa::VerifyingKey;
use tandem_wallet::k256::ecdsa::signature::hazmat::PrehashVerifier;
use tandem_wallet::{
    BackupKey, EcdsaSignature, FsStore, Party, Wallet, WalletError, WalletInfo, Zeroizing,
};

use crate::Primes;
use crate::output::{hex, status_chain};
use crate::ui::Ui;

const TOTAL: usize = 10;

fn step(n: usize, what: &str) {
    println!();
    println!("[{n}/{TOTAL}] {what}");
}

fn detail(label: &str, value: impl std::fmt::Display) {
    println!("      {label:<16} {value}");
}

fn elapsed(start: Instant) -> String {
    let s = start.elapsed().as_secs_f64();
    if s >= 1.0 {
        format!("{s:.1} s")
    } else {
        format!("{:.1} ms", s * 1e3)
    }
}

/// Runs `f` with progress drawn on stderr.
fn progress<T>(
    f: impl FnOnce(&mut (dyn FnMut(tandem_wallet::progress::Progress) + Send)) -> T,
) -> T {
    let ui = std::sync::Mutex::new(Ui::new(false));
    let mut report = |event| {
        if let Ok(mut ui) = ui.lock() {
            ui.report(event);
        }
    };
    f(&mut report)
}

fn fail(what: &str) -> impl FnOnce(WalletError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Verifies a secp256k1 signature with k256 and recovers the key from `(r, s, v)`.
fn check_ecdsa(info: &WalletInfo, digest: &[u8; 32], sig: &EcdsaSignature) -> Result<(), String> {
    let key = VerifyingKey::from(&info.public_keys.secp256k1);
    let k = sig.to_k256().map_err(|e| e.to_string())?;
    key.verify_prehash(digest, &k)
        .map_err(|e| format!("signature does not verify: {e}"))?;
    let v = sig
        .k256_recovery_id()
        .ok_or_else(|| "bad recovery id".to_string())?;
    let recovered = VerifyingKey::recover_from_prehash(digest, &k, v)
        .map_err(|e| format!("ecrecover failed: {e}"))?;
    if recovered != key {
        return Err("ecrecover returned another key".into());
    }
    detail("k256", "valid; ecrecover returns the wallet key");
    Ok(())
}

fn sign_both(wallet: &Wallet<FsStore>, info: &WalletInfo, note: &str) -> Result<(), String> {
    let message =
        format!("Transfer 1.5 SOL to 7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU ({note})");
    let start = Instant::now();
    let sig = progress(|p| wallet.sign_ed25519(message.as_bytes(), p))
        .map_err(fail("Ed25519 signing"))?;
    detail("ed25519 message", &message);
    detail("signature", hex(&sig.to_bytes()));
    info.public_keys
        .ed25519
        .verify_strict(message.as_bytes(), &sig)
        .map_err(|e| format!("Ed25519 signature does not verify: {e}"))?;
    detail(
        "ed25519-dalek",
        format!("valid (verify_strict), {}", elapsed(start)),
    );

    let tx = format!("Transfer 0.25 ETH to 0x52908400098527886E0F7030069857D2E4169EE7 ({note})");
    let digest: [u8; 32] = sha2::Sha256::digest(tx.as_bytes()).into();
    let start = Instant::now();
    let signed =
        progress(|p| wallet.sign_secp256k1(&digest, p)).map_err(fail("secp256k1 signing"))?;
    detail("secp256k1 digest", hex(&digest));
    detail("r || s (low-s)", hex(&signed.signature.to_bytes()));
    detail(
        "made by",
        format!(
            "{:?}, recovery id {}, {}",
            signed.method,
            signed.signature.recovery_id,
            elapsed(start)
        ),
    );
    check_ecdsa(info, &digest, &signed.signature)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        std::fs::copy(entry.path(), to.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Runs the demo.
///
/// # Errors
/// A readable message if any step fails.
pub(crate) fn run(primes: Primes) -> Result<(), String> {
    println!("Tandem demo: one wallet on secp256k1 and Ed25519, shared between the user's device");
    println!("(client) and the provider's server. Each holds a share; no machine holds the key.");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = dir.path().join("store");
    let store = FsStore::create(&root).map_err(|e| e.to_string())?;
    let wallet = primes.wallet(store.clone());
    println!(
        "Store: {} (client/, server/, custodian/, kms/)",
        root.display()
    );

    step(
        1,
        "generate: key generation on both curves, fresh Paillier keys (two 1536-bit safe primes per party, one thread each), CGGMP24 aux info",
    );
    let start = Instant::now();
    let info = progress(|p| wallet.generate(p)).map_err(fail("generate"))?;
    detail("time", elapsed(start));
    detail("client id", &info.client_id);
    detail("secp256k1 key", hex(&info.public_keys.secp256k1_bytes()));
    detail("ed25519 key", hex(info.public_keys.ed25519.as_bytes()));
    for (chain, address) in [
        ("ethereum", &info.addresses.ethereum),
        ("bitcoin", &info.addresses.bitcoin),
        ("tron", &info.addresses.tron),
        ("solana", &info.addresses.solana),
        ("stellar", &info.addresses.stellar),
    ] {
        detail(chain, address);
    }

    step(
        2,
        "sign on both curves (empty presignature pool: secp256k1 uses full signing) and verify",
    );
    sign_both(&wallet, &info, "first")?;

    step(
        3,
        "presign: two secp256k1 presignatures made ahead of time, then a one-round signature",
    );
    let start = Instant::now();
    let held = progress(|p| wallet.presign(2, p)).map_err(fail("presign"))?;
    detail(
        "pool",
        format!("{held} presignatures on the device, {}", elapsed(start)),
    );
    sign_both(&wallet, &info, "from the pool")?;
    detail(
        "pool",
        format!(
            "{} left (the one used was spent in the store before signing)",
            wallet.info().map_err(fail("info"))?.presignatures
        ),
    );

    step(
        4,
        "backup: the signing pair reshared into a fresh backup pair; the client's sealed under a password (Argon2id + AES-256-GCM)",
    );
    let password = BackupKey::Password(Zeroizing::new(b"correct horse battery staple".to_vec()));
    let statuses = progress(|p| wallet.backup(&password, p)).map_err(fail("backup"))?;
    detail("statuses", status_chain(&statuses));

    step(
        5,
        "the device is lost: its folder is gone (a copy is kept to play the thief later)",
    );
    let client_dir = store.party_dir(Party::Client);
    let stolen = dir.path().join("stolen-device");
    copy_dir(&client_dir, &stolen)?;
    std::fs::remove_dir_all(&client_dir).map_err(|e| e.to_string())?;
    match progress(|p| wallet.sign_ed25519(b"anything", p)) {
        Err(e @ WalletError::NoDeviceShare) => detail("sign", format!("refused: {e}")),
        other => return Err(format!("signing without a device share: {other:?}")),
    }
    let wrong = BackupKey::Password(Zeroizing::new(b"wrong password".to_vec()));
    match progress(|p| wallet.recover(&wrong, p)) {
        Err(e @ WalletError::Envelope(_)) => detail("wrong password", format!("refused: {e}")),
        other => return Err(format!("recovery with a wrong password: {other:?}")),
    }

    step(
        6,
        "recover on a new device: backup pair reshared into a new signing pair, fresh Paillier keys",
    );
    let start = Instant::now();
    let recovered = progress(|p| wallet.recover(&password, p)).map_err(fail("recover"))?;
    detail("time", elapsed(start));
    if recovered.public_keys != info.public_keys || recovered.addresses != info.addresses {
        return Err("recovery changed the wallet's keys".into());
    }
    detail("keys", "unchanged: same public keys and addresses");

    step(
        7,
        "the lost device's share is put back: the server refuses it",
    );
    let new_client = dir.path().join("new-device");
    copy_dir(&client_dir, &new_client)?;
    std::fs::remove_dir_all(&client_dir).map_err(|e| e.to_string())?;
    copy_dir(&stolen, &client_dir)?;
    let refused = progress(|p| wallet.sign_secp256k1(&[1u8; 32], p));
    std::fs::remove_dir_all(&client_dir).map_err(|e| e.to_string())?;
    copy_dir(&new_client, &client_dir)?;
    match refused {
        Err(e @ WalletError::StaleDeviceShare) => detail("sign", format!("refused: {e}")),
        other => return Err(format!("the old device share signed: {other:?}")),
    }

    step(8, "sign again on both curves with the recovered shares");
    sign_both(&wallet, &recovered, "after recovery")?;

    step(
        9,
        "eject: both backup shares combined into the private keys, checked against the public keys",
    );
    let keys = progress(|p| wallet.eject(&password, p)).map_err(fail("eject"))?;
    let signing_key = keys
        .secp256k1
        .signing_key()
        .map_err(|e| format!("ejected secp256k1 key: {e}"))?;
    if signing_key.verifying_key() != &VerifyingKey::from(&info.public_keys.secp256k1) {
        return Err("ejected secp256k1 key does not match".into());
    }
    detail(
        "secp256k1",
        "private key matches the wallet's public key (WIF available)",
    );
    let message = b"signed by the ejected key";
    let sig = keys.ed25519.sign(message);
    info.public_keys
        .ed25519
        .verify_strict(message, &sig)
        .map_err(|e| format!("ejected Ed25519 key: {e}"))?;
    detail(
        "ed25519",
        "private scalar signs for the wallet's public key (verify_strict)",
    );

    step(10, "done: the store is deleted with the temporary folder");
    drop(dir);
    println!();
    println!(
        "Done: generate, sign (both curves, pool and full), backup, device lost, recover, old share refused, sign, eject."
    );
    Ok(())
}
