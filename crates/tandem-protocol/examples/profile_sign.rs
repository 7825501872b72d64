//! Profiling helper: `profile_sign [sign|client-sign|keygen|dalek-sign|dalek-verify] N` runs N operations, for perf or
//! callgrind instruction counts.
#![allow(clippy::unwrap_used, missing_docs, clippy::print_stdout)]
use ed25519_dalek::Signer;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::Ed25519;
use tandem_protocol::driver::{self, NoTap};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("sign", String::as_str);
    let n: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut c = ChaCha20Rng::seed_from_u64(1);
    let mut s = ChaCha20Rng::seed_from_u64(2);
    let (ck, sk) = driver::keygen::<Ed25519, _, _, _>(&mut c, &mut s, &mut NoTap).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let sig = key.sign(b"m");
    for _ in 0..n {
        match what {
            "sign" => drop(driver::eddsa_sign(&ck, &sk, b"m", &mut c, &mut s, &mut NoTap).unwrap()),
            "client-sign" => drop(
                driver::eddsa_sign_for_client(&ck, &sk, b"m", &mut c, &mut s, &mut NoTap).unwrap(),
            ),
            "keygen" => {
                drop(driver::keygen::<Ed25519, _, _, _>(&mut c, &mut s, &mut NoTap).unwrap())
            }
            "dalek-sign" => drop(key.sign(b"m")),
            "dalek-verify" => key.verifying_key().verify_strict(b"m", &sig).unwrap(),
            _ => {}
        }
    }
}
