//! Profiling helper: `profile_presign [presign|sign|k256] N`: N presignatures between
//! fixture keys with a per-step breakdown, N online signatures from one stored presignature
//! pair, or N k256 sign + verify (baseline); for perf or callgrind.

#![allow(clippy::disallowed_methods)] // profiling example: timing is not a secret here
#![allow(clippy::unwrap_used, missing_docs, clippy::print_stderr)]
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::Secp256k1;
use tandem_protocol::SessionId;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{EcdsaKeyShare, presign};

fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "presign".into());
    let n: u32 = std::env::args()
        .nth(2)
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
                tandem_testkit::primes::paillier_key(0).unwrap(),
                tandem_testkit::primes::paillier_key(1).unwrap(),
                &mut c,
                &mut s,
                &mut NoTap,
            )
            .unwrap();
            let (c_bytes, s_bytes) = (cs.to_bytes().unwrap(), ss.to_bytes().unwrap());
            let bytes = postcard::to_allocvec(&(&*c_bytes, &*s_bytes)).unwrap();
            std::fs::write(&cache, bytes).unwrap();
            (cs, ss)
        }
    };
    if what == "ops" {
        use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
        use tandem_curves::{Point, Scalar, SecretScalar};
        fn time<T>(n: u32, name: &str, f: &mut dyn FnMut() -> T) {
            std::hint::black_box(f());
            let t = Instant::now();
            for _ in 0..n {
                std::hint::black_box(f());
            }
            eprintln!("{name:<40} {:?}", t.elapsed() / n);
        }
        let p = SecretScalar::<Secp256k1>::random(&mut c).public_point();
        let k = SecretScalar::<Secp256k1>::random(&mut c);
        let e = Scalar::<Secp256k1>::new(
            k256::Scalar::from(12_345_678_901_u64) * k256::Scalar::from(98_765_432_109_u64),
        );
        time(n, "mul_secret (ct, variable base)", &mut || {
            p.mul_secret(&k)
        });
        time(n, "mul_vartime (variable base)", &mut || p.mul_vartime(&e));
        time(n, "mul_base (ct)", &mut || e.mul_base());
        time(n, "to_affine", &mut || p.inner().to_affine());
        time(n, "scalar invert", &mut || e.invert());
        let bytes = p.to_bytes().unwrap();
        time(n, "point decode (decompress + checks)", &mut || {
            Point::<Secp256k1>::from_bytes(&bytes).is_ok()
        });
        let sk = k256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
        let vk = *sk.verifying_key();
        let sig: k256::ecdsa::Signature = sk.sign_prehash(&[1; 32]).unwrap();
        time(n, "k256 verify_prehash", &mut || {
            vk.verify_prehash(&[1; 32], &sig).unwrap()
        });
        time(n, "k256 VerifyingKey::from_affine", &mut || {
            k256::ecdsa::VerifyingKey::from_affine(p.inner().to_affine()).is_ok()
        });
        return;
    }
    if what == "k256" {
        use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
        let sk = k256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
        for _ in 0..n {
            let sig: k256::ecdsa::Signature = sk.sign_prehash(&[1; 32]).unwrap();
            sk.verifying_key().verify_prehash(&[1; 32], &sig).unwrap();
        }
        return;
    }
    // Warm-up: builds the lazily created tables.
    let (cp, sp) = driver::presign(&cs, &ss, &mut c, &mut s, &mut NoTap).unwrap();
    if what == "sign" {
        // Per message, client-output signing (messages 1 and 2) and the server's message 3;
        // the stored-presignature decodes are outside the timings.
        use tandem_protocol::ecdsa::sign as ecdsa_sign;
        let stored = (cp.to_bytes().unwrap(), sp.to_bytes().unwrap());
        let mut steps = [Duration::ZERO; 5];
        for _ in 0..n {
            let cp = tandem_protocol::ecdsa::Presignature::from_bytes(&stored.0).unwrap();
            let sp = tandem_protocol::ecdsa::Presignature::from_bytes(&stored.1).unwrap();
            let t = Instant::now();
            let (client, m1) =
                ecdsa_sign::client_start(&cs, cp, SessionId::random(&mut c), &[1; 32], &mut c)
                    .unwrap();
            let t1 = Instant::now();
            let request = ecdsa_sign::server_receive_request(&ss, &m1).unwrap();
            let t2 = Instant::now();
            let (server, m2) = request.approve(&ss, sp, &mut s).unwrap();
            let t3 = Instant::now();
            let (_sig, m3) = client.receive(&cs, &m2).unwrap();
            let t4 = Instant::now();
            std::hint::black_box(server.receive(&ss, &m3).unwrap());
            let t5 = Instant::now();
            for (d, (a, b)) in
                steps
                    .iter_mut()
                    .zip([(t, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5)])
            {
                *d += b - a;
            }
        }
        for (name, d) in [
            "client: message 1",
            "server: decode message 1",
            "server: R', sigma_s, message 2",
            "client: verify, signature, message 3",
            "server: message 3, verify (optional)",
        ]
        .iter()
        .zip(steps)
        {
            eprintln!("{:>8.1} µs  {name}", d.as_secs_f64() * 1e6 / f64::from(n));
        }
        return;
    }
    drop((cp, sp));
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
