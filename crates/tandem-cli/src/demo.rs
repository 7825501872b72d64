//! `tandem demo`: key generation on both curves, a 2-of-2 Ed25519 signature, and the whole
//! secp256k1 ECDSA path (fresh Paillier keys, aux info, presignature, signature, full
//! signature), every signature verified, with both parties in this process talking through
//! the in-memory driver.

mod ecdsa;

use std::time::Instant;

use ed25519_dalek::VerifyingKey;
use rand_core::UnwrapErr;
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::driver::{self, Tap};
use tandem_protocol::{KeyShare, Role};

/// Counts the messages and bytes the parties exchange.
#[derive(Default)]
struct Wire {
    messages: usize,
    bytes: usize,
}

impl Wire {
    fn summary(&self, elapsed: std::time::Duration) -> String {
        let bytes = if self.bytes >= 10_000 {
            format!("{:.1} KB", self.bytes as f64 / 1000.0)
        } else {
            format!("{} bytes", self.bytes)
        };
        let time = if elapsed.as_secs_f64() >= 1.0 {
            format!("{:.2} s", elapsed.as_secs_f64())
        } else {
            format!("{:.2} ms", elapsed.as_secs_f64() * 1e3)
        };
        format!(
            "{} messages, {bytes}, {time} (both parties, this machine)",
            self.messages
        )
    }
}

impl Tap for Wire {
    fn on_message(&mut self, _sender: Role, msg: &mut Vec<u8>) {
        self.messages += 1;
        self.bytes += msg.len();
    }
}

fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

fn step(n: usize, total: usize, what: &str) {
    println!("[{n}/{total}] {what}");
}

fn detail(label: &str, value: impl std::fmt::Display) {
    println!("      {label:<14} {value}");
}

fn keygen<C: Curve>(
    title: &str,
    n: usize,
    total: usize,
) -> Result<(KeyShare<C>, KeyShare<C>), String> {
    step(n, total, title);
    let mut wire = Wire::default();
    let start = Instant::now();
    let (client, server) = driver::keygen::<C, _, _, _>(
        &mut UnwrapErr(getrandom::SysRng),
        &mut UnwrapErr(getrandom::SysRng),
        &mut wire,
    )
    .map_err(|e| format!("key generation failed: {e}"))?;
    let elapsed = start.elapsed();
    let pk = client.public_key().to_bytes().map_err(|e| e.to_string())?;
    detail("public key", hex(&pk));
    detail(
        "client share",
        format!(
            "public {} (secret stays on the device)",
            hex(&client
                .public_shares()
                .client
                .to_bytes()
                .map_err(|e| e.to_string())?)
        ),
    );
    detail(
        "server share",
        format!(
            "public {} (secret stays on the server)",
            hex(&server
                .public_shares()
                .server
                .to_bytes()
                .map_err(|e| e.to_string())?)
        ),
    );
    detail("exchanged", wire.summary(elapsed));
    Ok((client, server))
}

/// Runs the demo.
///
/// # Errors
/// A readable message if any step fails.
pub(crate) fn run() -> Result<(), String> {
    println!("Tandem demo: one wallet key, shared between the user's device (client) and the");
    println!("provider's server. Each holds a share; no machine ever holds the whole key.");
    println!();
    let total = 9;
    let (secp_client, secp_server) = keygen::<Secp256k1>(
        "secp256k1 key generation (CGGMP21 Fig. 5, commit / reveal / Schnorr proofs)",
        1,
        total,
    )?;
    let (client, server) = keygen::<Ed25519>(
        "Ed25519 key generation (same protocol, Ed25519 group)",
        2,
        total,
    )?;

    let message = b"Transfer 1.5 SOL to 7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU";
    step(
        3,
        total,
        "2-of-2 Ed25519 signature (FROST, RFC 9591): client requests, server co-signs",
    );
    detail("message", String::from_utf8_lossy(message));
    let mut wire = Wire::default();
    let start = Instant::now();
    let (signature, server_copy) = driver::eddsa_sign(
        &client,
        &server,
        message,
        &mut UnwrapErr(getrandom::SysRng),
        &mut UnwrapErr(getrandom::SysRng),
        &mut wire,
    )
    .map_err(|e| format!("signing failed: {e}"))?;
    let elapsed = start.elapsed();
    detail("signature", hex(&signature.to_bytes()));
    detail("exchanged", wire.summary(elapsed));
    if signature != server_copy {
        return Err("client and server hold different signatures".into());
    }

    step(
        4,
        total,
        "verify with ed25519-dalek (verify_strict), as any Solana or Stellar node would",
    );
    let pk: [u8; 32] = client
        .public_key_bytes()
        .try_into()
        .map_err(|_| "public key is not 32 bytes".to_string())?;
    let key = VerifyingKey::from_bytes(&pk).map_err(|e| e.to_string())?;
    key.verify_strict(message, &signature)
        .map_err(|e| format!("signature does not verify: {e}"))?;
    detail("result", "valid");
    let mut tampered = message.to_vec();
    if let Some(last) = tampered.last_mut() {
        *last ^= 1;
    }
    if key.verify_strict(&tampered, &signature).is_ok() {
        return Err("a signature verified for a message it does not sign".into());
    }
    detail("other message", "rejected, as it must be");

    ecdsa::run(secp_client, secp_server, 5, total)?;
    println!();
    println!("Done. Backup shares, recovery and the wallet store come with the next milestones.");
    Ok(())
}
