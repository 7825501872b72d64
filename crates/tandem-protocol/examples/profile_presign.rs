//! Profiling helper: N presignatures between fixture keys, with a per-step breakdown.
#![allow(clippy::unwrap_used, missing_docs, clippy::print_stderr)]
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::Secp256k1;
use tandem_protocol::SessionId;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{EcdsaKeyShare, presign};

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let mut c = ChaCha20Rng::seed_from_u64(1);
    let mut s = ChaCha20Rng::seed_from_u64(2);
    // Key shares are cached in the temp directory so that profilers see presigning only.
    let cache = std::env::temp_dir().join("tandem-profile-shares.bin");
    let (cs, ss) = match std::fs::read(&cache) {
        Ok(bytes) => {
            let (a, b): (Vec<u8>, Vec<u8>) = postcard::from_bytes(&bytes).unwrap();
            (
                EcdsaKeyShare::from_bytes(&a).unwrap(),
                EcdsaKeyShare::from_bytes(&b).unwrap(),
            )
        }
        Err(_) => {
            let (ck, sk) =
                driver::keygen::<Secp256k1, _, _, _>(&mut c, &mut s, &mut NoTap).unwrap();
            let (cs, ss) = driver::aux_info(
                ck,
                sk,
                tandem_paillier::test_fixtures::paillier_key(0).unwrap(),
                tandem_paillier::test_fixtures::paillier_key(1).unwrap(),
                &mut c,
                &mut s,
                &mut NoTap,
            )
            .unwrap();
            let bytes =
                postcard::to_allocvec(&(cs.to_bytes().unwrap(), ss.to_bytes().unwrap())).unwrap();
            std::fs::write(&cache, bytes).unwrap();
            (cs, ss)
        }
    };
    // Warm-up: builds the lazily created tables.
    drop(driver::presign(&cs, &ss, &mut c, &mut s, &mut NoTap).unwrap());
    let mut steps = [Duration::ZERO; 5];
    for _ in 0..n {
        let t = Instant::now();
        let (client, m1) = presign::client_start(&cs, SessionId::random(&mut c), &mut c).unwrap();
        steps[0] += t.elapsed();
        let t = Instant::now();
        let (server, m2) = presign::server_respond(&ss, &m1, &mut s).unwrap();
        steps[1] += t.elapsed();
        let t = Instant::now();
        let (client, m3) = client.receive(&cs, &m2, &mut c).unwrap();
        steps[2] += t.elapsed();
        let t = Instant::now();
        let (_sp, m4) = server.receive(&ss, &m3, &mut s).unwrap();
        steps[3] += t.elapsed();
        let t = Instant::now();
        let _cp = client.receive(&cs, &m4).unwrap();
        steps[4] += t.elapsed();
    }
    let names = [
        "client r1",
        "server r1+r2 (verify 2 enc-elg, 2 MtA)",
        "client r2+r3 (verify 2 enc-elg + 2 aff-g, 2 MtA)",
        "server r3 (verify 2 aff-g)",
        "client out",
    ];
    let total: Duration = steps.iter().sum();
    for (name, d) in names.iter().zip(steps) {
        eprintln!("{:>8.1} ms  {name}", d.as_secs_f64() * 1e3 / f64::from(n));
    }
    eprintln!(
        "{:>8.1} ms  total per presignature (both parties)",
        total.as_secs_f64() * 1e3 / f64::from(n)
    );
}
