//! `tandem demo`: the whole wallet lifecycle over HTTP, readable by a person. It starts
//! `tandem server` on a loopback port (SQLite in a temporary folder) and a local custodian
//! webhook, creates a client with the admin token, and runs the device (`tandem-client`)
//! against them: generate on both curves (fresh Paillier primes), sign on both curves and
//! verify with the chains' own libraries, presign and sign from the pool, back up under a
//! password, lose the device, recover on a new one, show that the lost device's share is
//! refused, sign again, eject and check the keys; after each step, what each side stores.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sha2::Digest;
use tandem_client::api::{self, ClientStatus};
use tandem_client::{Body, Client, ClientError, FsDevice, Method, Request, Transport};
use tandem_wallet::k256::ecdsa::VerifyingKey;
use tandem_wallet::k256::ecdsa::signature::hazmat::PrehashVerifier;
use tandem_wallet::{
    BackupKey, Child, DerivationPath, EcdsaSignature, PublicKeys, Tree, Zeroizing,
};

use crate::Primes;
use crate::engine::{Engine, Failed};
use crate::http::HttpTransport;
use crate::output::{hex, status_chain};
use crate::ui::Ui;

mod webhook;

const TOTAL: usize = 11;

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
    let ui = Mutex::new(Ui::new(false));
    let mut report = |event| {
        if let Ok(mut ui) = ui.lock() {
            ui.report(event);
        }
    };
    f(&mut report)
}

fn fail<E: Into<Failed>>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {}", e.into().message)
}

/// Verifies a secp256k1 signature with k256 and recovers the key from `(r, s, v)`.
fn check_ecdsa(keys: &PublicKeys, digest: &[u8; 32], sig: &EcdsaSignature) -> Result<(), String> {
    let key = VerifyingKey::from(&keys.secp256k1);
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
    detail("k256", "valid; ecrecover returns the signing key");
    Ok(())
}

/// Signs on both curves with the key at `path` and verifies under `keys` (that key's).
fn sign_both(
    wallet: &impl Engine,
    keys: &PublicKeys,
    path: &DerivationPath,
    note: &str,
) -> Result<(), String> {
    let message =
        format!("Transfer 1.5 SOL to 7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU ({note})");
    let start = Instant::now();
    let sig = progress(|p| wallet.sign_ed25519(path, message.as_bytes(), p))
        .map_err(fail("Ed25519 signing"))?;
    detail("ed25519 message", &message);
    detail("signature", hex(&sig.to_bytes()));
    keys.ed25519
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
        progress(|p| wallet.sign_secp256k1(path, &digest, p)).map_err(fail("secp256k1 signing"))?;
    detail("secp256k1 digest", hex(&digest));
    detail("r || s (low-s)", hex(&signed.signature.to_bytes()));
    detail(
        "made by",
        format!(
            "one online round from a presignature, recovery id {}, {}",
            signed.signature.recovery_id,
            elapsed(start)
        ),
    );
    check_ecdsa(keys, &digest, &signed.signature)?;

    // A Taproot key-path spend: BIP340 under the BIP86 output key of the same key.
    let sighash: [u8; 32] = sha2::Sha256::digest(format!("BIP341 sighash ({note})")).into();
    let start = Instant::now();
    let taproot =
        progress(|p| wallet.sign_bip340(path, &sighash, p)).map_err(fail("BIP340 signing"))?;
    detail("taproot sighash", hex(&sighash));
    detail("bip340 signature", hex(&taproot.signature));
    let output_key = tandem_wallet::address::taproot_output_key(&keys.secp256k1)
        .ok_or("the key has no Taproot output")?;
    let schnorr = k256::schnorr::VerifyingKey::from_slice(&output_key)
        .map_err(|e| format!("output key: {e}"))?;
    let sig = k256::schnorr::Signature::try_from(&taproot.signature[..])
        .map_err(|e| format!("BIP340 signature: {e}"))?;
    schnorr
        .verify_raw(&sighash, &sig)
        .map_err(|e| format!("BIP340 signature does not verify: {e}"))?;
    if taproot.output_key != output_key {
        return Err("BIP340 signature for another output key".into());
    }
    detail(
        "k256 schnorr",
        format!(
            "valid under the bc1p address's output key (BIP86), {}",
            elapsed(start)
        ),
    );
    Ok(())
}

/// The account the demo derives: `m/0/1`, on both curves.
fn account() -> DerivationPath {
    DerivationPath::from_indices(&[0, 1]).unwrap_or_default()
}

/// The account's keys and addresses from `wallet`'s tree, printed.
fn show_account(tree: &Tree) -> Result<Child, String> {
    let child = tree
        .derive(&account())
        .map_err(|e| format!("derivation: {e}"))?;
    detail("path", &child.path);
    for (chain, address) in [
        ("ethereum", &child.addresses.ethereum),
        ("bitcoin", &child.addresses.bitcoin),
        ("solana", &child.addresses.solana),
    ] {
        detail(chain, address);
    }
    Ok(child)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        std::fs::copy(entry.path(), to.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The demo's server, custodian webhook and their runtime; stopped on drop.
struct Service {
    runtime: Option<tokio::runtime::Runtime>,
    url: String,
    admin_token: Zeroizing<String>,
    custody: Arc<Mutex<webhook::Custody>>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
        }
    }
}

async fn stopped(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Starts the custodian webhook and `tandem server` (SQLite in `dir`) on loopback ports.
fn start_service(dir: &Path, primes: Primes) -> Result<Service, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let custody = Arc::new(Mutex::new(webhook::Custody::default()));
    let mut secret = Zeroizing::new(vec![0u8; 32]);
    getrandom::fill(&mut secret).map_err(|e| e.to_string())?;
    let hook_listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| e.to_string())?;
    let hook_url = format!(
        "http://{}",
        hook_listener.local_addr().map_err(|e| e.to_string())?
    );
    runtime.spawn(webhook::serve(
        hook_listener,
        secret.clone(),
        custody.clone(),
        stopped(stop_rx.clone()),
    ));
    let config = tandem_server::Config {
        database: format!("sqlite://{}", dir.join("server.sqlite").display()),
        key_file: dir.join("master.key"),
        admin_key_file: dir.join("admin.token"),
        spend_anchor: dir.join("spend.anchor"),
        limits: tandem_server::Limits {
            paillier_pool: 2,
            ..tandem_server::Limits::default()
        },
        paillier: primes.source(),
        custodian: tandem_server::Custodian::Webhook(tandem_server::Webhook::new(
            &hook_url,
            secret,
            tandem_server::custodian::WEBHOOK_TIMEOUT,
        )?),
    };
    let app = runtime
        .block_on(tandem_server::build(config))
        .map_err(|e| e.to_string())?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    runtime.spawn(tandem_server::serve(listener, app, stopped(stop_rx)));
    let admin_token = Zeroizing::new(
        std::fs::read_to_string(dir.join("admin.token"))
            .map_err(|e| e.to_string())?
            .trim()
            .to_owned(),
    );
    println!(
        "Server:    {url} (tandem server: axum, SQLite {})",
        dir.join("server.sqlite").display()
    );
    println!(
        "Custodian: {hook_url}/backup, /backup/fetch (the organization's webhook, HMAC-signed requests)"
    );
    Ok(Service {
        runtime: Some(runtime),
        url,
        admin_token,
        custody,
        stop: Some(stop),
    })
}

impl Service {
    /// The admin's view of a client.
    fn status(&self, client_id: &str) -> Result<ClientStatus, String> {
        let admin = HttpTransport::new(&self.url, self.admin_token.clone())?;
        let response = admin
            .send(Request {
                method: Method::Get,
                path: api::path::client(client_id),
                body: Body::Empty,
                idempotency_key: None,
                step: None,
            })
            .map_err(|e| e.to_string())?;
        serde_json::from_slice(&response.body).map_err(|e| e.to_string())
    }

    /// A new client: `(client id, API key)`.
    fn create_client(&self) -> Result<(String, Zeroizing<String>), String> {
        let admin = HttpTransport::new(&self.url, self.admin_token.clone())?;
        let response = admin
            .send(Request {
                method: Method::Post,
                path: api::path::CLIENTS.into(),
                body: Body::Empty,
                idempotency_key: None,
                step: None,
            })
            .map_err(|e| e.to_string())?;
        let created: api::CreatedClient =
            serde_json::from_slice(&response.body).map_err(|e| e.to_string())?;
        Ok((
            created.client_id.clone(),
            Zeroizing::new(created.api_key.clone()),
        ))
    }

    /// One line per side: what the device, the server and the custodian hold.
    fn stores(&self, client_id: &str, device: &Path) -> Result<(), String> {
        let mut files: Vec<String> = std::fs::read_dir(device)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| !name.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        detail(
            "device stores",
            if files.is_empty() {
                "nothing".to_owned()
            } else {
                files.join(", ")
            },
        );
        let s = self.status(client_id)?;
        detail(
            "server stores",
            format!(
                "signing {}, backup {}, {} presignature halves (sealed in SQLite)",
                s.signing_share_status.map_or("none", |x| x.name()),
                s.backup_share_status.map_or("none", |x| x.name()),
                s.presignatures
            ),
        );
        let (stored, fetched) = self.custody.lock().map(|c| c.received).unwrap_or_default();
        detail(
            "custodian",
            format!("{stored} shares stored, {fetched} fetched (webhook requests)"),
        );
        Ok(())
    }
}

/// Runs the demo: a real server on loopback, the device talking to it over HTTP.
///
/// # Errors
/// A readable message if any step fails.
pub(crate) fn run(primes: Primes) -> Result<(), String> {
    println!("Tandem demo: one wallet on secp256k1 and Ed25519, shared between the user's device");
    println!("(client) and the provider's server (over HTTP on loopback). Each holds a share; no");
    println!("machine holds the key.");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let service = start_service(dir.path(), primes)?;
    let (client_id, api_key) = service.create_client()?;
    println!(
        "Client:    {client_id} (created with the admin token; its API key authenticates the device)"
    );
    let connect = |store: &Path| -> Result<Client<HttpTransport, FsDevice>, String> {
        let transport = HttpTransport::new(&service.url, api_key.clone())?;
        let device = FsDevice::create(store).map_err(|e| e.to_string())?;
        Ok(primes.client(transport, device, client_id.clone()))
    };
    let phone_dir = dir.path().join("phone");
    let phone = connect(&phone_dir)?;

    step(
        1,
        "generate: key generation on both curves over HTTP; the device's fresh Paillier key (two 1536-bit safe primes), the server's from its background pool; CGGMP24 aux info",
    );
    let start = Instant::now();
    let info = progress(|p| phone.generate(p)).map_err(fail("generate"))?;
    detail("time", elapsed(start));
    detail("secp256k1 key", hex(&info.public_keys.secp256k1_bytes()));
    detail("ed25519 key", hex(info.public_keys.ed25519.as_bytes()));
    for (chain, address) in [
        ("ethereum", info.addresses.ethereum.as_str()),
        ("bitcoin", &info.addresses.bitcoin),
        (
            "taproot",
            info.addresses.bitcoin_taproot.as_deref().unwrap_or("none"),
        ),
        ("tron", &info.addresses.tron),
        ("solana", &info.addresses.solana),
        ("stellar", &info.addresses.stellar),
    ] {
        detail(chain, address);
    }
    service.stores(&client_id, &phone_dir)?;

    step(
        2,
        "sign on both curves and verify (secp256k1: a presignature is made first, then one online round; and a Taproot BIP340 signature from the same shares)",
    );
    let wallet_key = DerivationPath::master();
    sign_both(&phone, &info.public_keys, &wallet_key, "first")?;

    step(
        3,
        "presign: three secp256k1 presignatures made ahead of time, then a one-round signature",
    );
    let start = Instant::now();
    let held = progress(|p| phone.presign(3, p)).map_err(fail("presign"))?;
    detail(
        "pool",
        format!("{held} presignatures on the device, {}", elapsed(start)),
    );
    sign_both(&phone, &info.public_keys, &wallet_key, "from the pool")?;
    service.stores(&client_id, &phone_dir)?;

    step(
        4,
        "accounts: the wallet's xpub, and account m/0/1 on both curves (non-hardened, from public keys and the chain code agreed in key generation); it signs from the same presignature pool",
    );
    let tree = phone.tree().map_err(fail("tree"))?;
    let xpub = tree.xpub();
    detail("xpub", xpub);
    let child = show_account(&tree)?;
    // Any BIP32 library derives the same secp256k1 key from the xpub alone.
    let from_xpub = xpub
        .derive(&account())
        .map_err(|e| format!("xpub derivation: {e}"))?;
    if from_xpub.to_string() != child.xpub.to_string() {
        return Err("the xpub derives another child".into());
    }
    detail(
        "from the xpub",
        "BIP32 public derivation gives the same key",
    );
    sign_both(&phone, &child.public_keys, &account(), "account m/0/1")?;

    step(
        5,
        "backup: the signing pair reshared into a fresh backup pair; the custodian's shares go to the webhook, the device's are sealed under a password (Argon2id + AES-256-GCM) and stored by the server",
    );
    let password = BackupKey::Password(Zeroizing::new(b"correct horse battery staple".to_vec()));
    let statuses = progress(|p| phone.backup(&password, p)).map_err(fail("backup"))?;
    detail("statuses", status_chain(&statuses));
    service.stores(&client_id, &phone_dir)?;

    step(
        6,
        "the device is lost: its folder is gone (a copy is kept to play the thief later)",
    );
    let stolen = dir.path().join("stolen-phone");
    copy_dir(&phone_dir, &stolen)?;
    std::fs::remove_dir_all(&phone_dir).map_err(|e| e.to_string())?;
    match progress(|p| phone.sign_ed25519(b"anything", p)) {
        Err(e @ ClientError::NoWallet) => detail("sign", format!("refused: {e}")),
        other => return Err(format!("signing without a device share: {other:?}")),
    }
    let laptop_dir = dir.path().join("laptop");
    let laptop = connect(&laptop_dir)?;
    let wrong = BackupKey::Password(Zeroizing::new(b"wrong password".to_vec()));
    match progress(|p| laptop.recover(&wrong, p)) {
        Err(e @ ClientError::Backup(_)) => detail("wrong password", format!("refused: {e}")),
        other => return Err(format!("recovery with a wrong password: {other:?}")),
    }

    step(
        7,
        "recover on a new device: the sealed backup from the server, the custodian's share from the webhook, reshared into a new signing pair with a fresh Paillier key",
    );
    let start = Instant::now();
    let recovered = progress(|p| laptop.recover(&password, p)).map_err(fail("recover"))?;
    detail("time", elapsed(start));
    if recovered.public_keys != info.public_keys || recovered.addresses != info.addresses {
        return Err("recovery changed the wallet's keys".into());
    }
    detail("keys", "unchanged: same public keys and addresses");
    service.stores(&client_id, &laptop_dir)?;

    step(
        8,
        "the stolen copy of the lost device tries to sign: the server refuses its share",
    );
    let thief = connect(&stolen)?;
    match progress(|p| thief.sign_ed25519(b"drain the wallet", p)) {
        Err(e @ (ClientError::Server { .. } | ClientError::StaleDevice(_))) => {
            detail("sign", format!("refused: {e}"));
        }
        other => return Err(format!("the old device share signed: {other:?}")),
    }

    step(
        9,
        "sign again on both curves from the new device, with the wallet's key and account m/0/1 (the chain code came back with the backup)",
    );
    sign_both(
        &laptop,
        &recovered.public_keys,
        &wallet_key,
        "after recovery",
    )?;
    let recovered_child = show_account(&laptop.tree().map_err(fail("tree"))?)?;
    if recovered_child != child {
        return Err("the recovered wallet derives another account".into());
    }
    sign_both(
        &laptop,
        &child.public_keys,
        &account(),
        "account m/0/1 after recovery",
    )?;

    step(
        10,
        "eject: the client backup shares (opened with the password) and the custodian's (from the webhook) combined into the private keys, checked against the public keys",
    );
    let keys = progress(|p| laptop.eject(&password, p)).map_err(fail("eject"))?;
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
    // The ejected keys keep the chain codes: they derive the same account.
    let secp_child = keys
        .secp256k1
        .child(&account())
        .map_err(|e| format!("ejected secp256k1 child: {e}"))?;
    let ed_child = keys
        .ed25519
        .child(&account())
        .map_err(|e| format!("ejected Ed25519 child: {e}"))?;
    let secp_child_key = secp_child
        .signing_key()
        .map_err(|e| format!("ejected secp256k1 child: {e}"))?;
    if secp_child_key.verifying_key() != &VerifyingKey::from(&child.public_keys.secp256k1)
        || ed_child.verifying_key() != child.public_keys.ed25519
    {
        return Err("the ejected keys derive another account".into());
    }
    detail(
        "account m/0/1",
        "the ejected keys (an xprv for secp256k1) derive the same account keys",
    );

    step(
        11,
        "done: the server stops; the database and stores go with the temporary folder",
    );
    drop(phone);
    drop(laptop);
    drop(thief);
    drop(service);
    drop(dir);
    println!();
    println!(
        "Done over HTTP: generate, sign (both curves), presign, accounts (xpub, m/0/1), backup (custodian webhook), device lost, recover, old share refused, sign, eject."
    );
    Ok(())
}
