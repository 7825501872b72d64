//! The secp256k1 part of the demo: fresh Paillier keys (safe primes, one thread per party,
//! with progress bars), auxiliary information, a presignature, a signature from it, and
//! full signing; every signature verified with k256 and the key recovered from `(r, s, v)`.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use rand_core::UnwrapErr;
use sha2::Digest;
use tandem_curves::Secp256k1;
use tandem_protocol::KeyShare;
use tandem_protocol::driver;
use tandem_protocol::ecdsa::{self, EcdsaKeyShare, EcdsaSignature};

use super::{Wire, detail, hex, step};

fn os_rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Both parties' Paillier keys, each on its own thread (as on two machines), with a spinner
/// per party counting the candidates tested.
fn paillier_keys() -> Result<(ecdsa_keys::Pair, Duration, [u64; 2]), String> {
    let bars = MultiProgress::new();
    let style = ProgressStyle::with_template("      {prefix:<7} {spinner} {msg}")
        .map_err(|e| e.to_string())?;
    let bar = |who: &str| {
        let b = bars.add(ProgressBar::new_spinner());
        b.set_style(style.clone());
        b.set_prefix(who.to_string());
        b.enable_steady_tick(Duration::from_millis(120));
        b
    };
    let (client_bar, server_bar) = (bar("client"), bar("server"));
    let start = Instant::now();
    let generate = |b: &ProgressBar| {
        let mut tested = [0u64; 2];
        let key = ecdsa::generate_paillier_key(&mut os_rng(), &mut |prime, p| {
            if let Some(t) = tested.get_mut(prime) {
                *t = p.candidates;
            }
            b.set_message(format!(
                "safe prime {}/2, {} candidates tested",
                prime + 1,
                p.candidates
            ));
            ControlFlow::Continue(())
        });
        b.finish_with_message(format!(
            "two 1536-bit safe primes after {} + {} candidates",
            tested[0], tested[1]
        ));
        key.map(|k| (k, tested[0] + tested[1]))
    };
    let (client, server) = std::thread::scope(|s| {
        let c = s.spawn(|| generate(&client_bar));
        let srv = s.spawn(|| generate(&server_bar));
        (c.join(), srv.join())
    });
    let elapsed = start.elapsed();
    let (client, client_tested) = client
        .map_err(|_| "prime generation thread panicked".to_string())?
        .map_err(|e| e.to_string())?;
    let (server, server_tested) = server
        .map_err(|_| "prime generation thread panicked".to_string())?
        .map_err(|e| e.to_string())?;
    Ok((
        ecdsa_keys::Pair { client, server },
        elapsed,
        [client_tested, server_tested],
    ))
}

mod ecdsa_keys {
    use tandem_paillier::paillier::SecretKey;

    pub(super) struct Pair {
        pub(super) client: SecretKey,
        pub(super) server: SecretKey,
    }
}

fn check(
    public_key: &k256::ecdsa::VerifyingKey,
    digest: &[u8; 32],
    sig: &EcdsaSignature,
) -> Result<(), String> {
    let k = sig.to_k256().map_err(|e| e.to_string())?;
    public_key
        .verify_prehash(digest, &k)
        .map_err(|e| format!("signature does not verify: {e}"))?;
    let v = sig
        .k256_recovery_id()
        .ok_or_else(|| "bad recovery id".to_string())?;
    let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(digest, &k, v)
        .map_err(|e| format!("ecrecover failed: {e}"))?;
    if &recovered != public_key {
        return Err("ecrecover returned another key".into());
    }
    Ok(())
}

/// Runs the ECDSA steps `first..first+5` of `total`.
pub(crate) fn run(
    client: KeyShare<Secp256k1>,
    server: KeyShare<Secp256k1>,
    first: usize,
    total: usize,
) -> Result<(), String> {
    let public_key = k256::ecdsa::VerifyingKey::from_sec1_bytes(client.public_key_bytes())
        .map_err(|e| e.to_string())?;

    step(
        first,
        total,
        "Paillier keys: two fresh 1536-bit safe primes per party (N = 3072 bits), one thread each",
    );
    let (keys, elapsed, tested) = paillier_keys()?;
    detail(
        "candidates",
        format!(
            "client {}, server {} tested (primality after sieving)",
            tested[0], tested[1]
        ),
    );
    detail("wall time", secs(elapsed));

    step(
        first + 1,
        total,
        "auxiliary info (CGGMP24): Paillier-Blum Πmod, no small factor Πfac, ring-Pedersen Πprm, both ways",
    );
    let mut wire = Wire::default();
    let start = Instant::now();
    let (client, server): (EcdsaKeyShare, EcdsaKeyShare) = driver::aux_info(
        client,
        server,
        keys.client,
        keys.server,
        &mut os_rng(),
        &mut os_rng(),
        &mut wire,
    )
    .map_err(|e| format!("aux info failed: {e}"))?;
    detail("exchanged", wire.summary(start.elapsed()));
    let stored = client.to_bytes().map_err(|e| e.to_string())?;
    detail(
        "client share",
        format!(
            "{} bytes stored (versioned, integrity-checked)",
            stored.len()
        ),
    );

    step(
        first + 2,
        total,
        "presignature (CGGMP24 Fig. 8: Πenc-elg, Πaff-g, Πelog), made ahead of any message \
         (the first one also builds per-key exponentiation tables)",
    );
    let mut wire = Wire::default();
    let start = Instant::now();
    let (cp, sp) = driver::presign(&client, &server, &mut os_rng(), &mut os_rng(), &mut wire)
        .map_err(|e| format!("presigning failed: {e}"))?;
    detail("exchanged", wire.summary(start.elapsed()));

    let tx = b"Transfer 0.25 ETH to 0x52908400098527886E0F7030069857D2E4169EE7";
    let digest: [u8; 32] = sha2::Sha256::digest(tx).into();
    step(
        first + 3,
        total,
        "2-of-2 ECDSA signature from the presignature (one round, re-randomised per digest)",
    );
    detail("message", String::from_utf8_lossy(tx));
    detail("digest", hex(&digest));
    let mut wire = Wire::default();
    let start = Instant::now();
    let (sig, server_copy) = driver::ecdsa_sign(
        &client,
        &server,
        cp,
        sp,
        &digest,
        &mut os_rng(),
        &mut os_rng(),
        &mut wire,
    )
    .map_err(|e| format!("signing failed: {e}"))?;
    if sig != server_copy {
        return Err("client and server hold different signatures".into());
    }
    detail("r", hex(&sig.r.to_bytes()));
    detail("s (low)", hex(&sig.s.to_bytes()));
    detail("recovery id", sig.recovery_id);
    detail("exchanged", wire.summary(start.elapsed()));
    check(&public_key, &digest, &sig)?;
    detail("k256", "valid; ecrecover returns the wallet key");

    step(
        first + 4,
        total,
        "full signing (presign + sign in one run, for an empty presignature pool)",
    );
    let mut wire = Wire::default();
    let start = Instant::now();
    let (full, _) = driver::ecdsa_full_sign(
        &client,
        &server,
        &digest,
        &mut os_rng(),
        &mut os_rng(),
        &mut wire,
    )
    .map_err(|e| format!("full signing failed: {e}"))?;
    detail("exchanged", wire.summary(start.elapsed()));
    check(&public_key, &digest, &full)?;
    detail(
        "k256",
        "valid (a different r: every signature has its own nonce)",
    );
    Ok(())
}
