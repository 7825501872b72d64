//! Profiling helper: Πaff-g proofs in a loop (fixture keys), with a breakdown of the pieces.

#![allow(clippy::disallowed_methods)] // profiling example: timing is not a secret here
#![allow(clippy::unwrap_used, missing_docs, clippy::print_stderr)]
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{Secp256k1, SecretScalar, Transcript};
use tandem_paillier::bigint::{self, I1024, I2048, I4096, MontyN2};
use tandem_paillier::paillier::Nonce;
use tandem_paillier::proofs::aff_g;
use tandem_testkit::primes as fixture_primes;

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let mut r = ChaCha20Rng::seed_from_u64(1);
    let (sk0, rp0, _) = fixture_primes::aux(0, &mut r).unwrap();
    let (sk1, _, _) = fixture_primes::aux(1, &mut r).unwrap();
    let pk0 = sk0.public();
    let m = I1024::from_i64(5);
    let (cc, _) = pk0.encrypt(&mut r, &m);
    let (xw, yw) = (I1024::from_i64(-5), I2048::from_i64(77_777));
    let rd = Nonce(bigint::random_unit(&mut r, pk0.n()));
    let d = pk0.add(&pk0.scalar_mul(&cc, &xw, 16), &pk0.encrypt_with(&yw, &rd.0));
    let (yc, ry) = sk1.encrypt(&mut r, &yw);
    let xpt = SecretScalar::<Secp256k1>::new(-k256::Scalar::from(5u64)).public_point();
    let st = aff_g::Statement {
        verifier_key: pk0,
        prover_key: sk1.public(),
        c: &cc,
        d: &d,
        y: &yc,
        x: &xpt,
    };
    let w = aff_g::Witness {
        x: &xw,
        y: &yw,
        rho: &rd,
        rho_y: &ry,
    };
    let ctx = Transcript::new("p");
    std::hint::black_box(aff_g::prove(&sk1, &st, &w, &rp0, &ctx, &mut r).unwrap());
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(aff_g::prove(&sk1, &st, &w, &rp0, &ctx, &mut r).unwrap());
    }
    eprintln!("aff-g prove {:?}", t.elapsed() / n);
    // Pieces.
    let alpha: I1024 = bigint::random_signed_bits(&mut r, 768);
    let c_m = MontyN2::new(&cc.0, pk0.params_n2());
    let c_inv = c_m.invert_vartime().unwrap();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(bigint::pow_secret(&c_m, &c_inv, &alpha, 770));
    }
    eprintln!("C^alpha mod N0^2 (ct, 770 bits) {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(pk0.encrypt_with(&yw, &rd.0));
    }
    eprintln!("foreign encryption {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(sk1.encrypt(&mut r, &yw));
    }
    eprintln!("own encryption {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(pk0.random_nonce(&mut r));
    }
    eprintln!("foreign nonce from tables {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(sk1.random_nonce(&mut r));
    }
    eprintln!("own nonce from tables {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(sk1.decrypt(&cc));
    }
    eprintln!("decrypt (wrong key, timing only) {:?}", t.elapsed() / n);
    let g: I4096 = bigint::random_signed_bits(&mut r, 3841);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(rp0.commit(&alpha, 770, &g, 3843));
    }
    eprintln!("commitment (770, 3842 bits) {:?}", t.elapsed() / n);
    // Verifier side (verifier 0 owns N0 and N-hat).
    let (sk0b, rp0b, td0b) = fixture_primes::aux(0, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let _ = (sk0b, rp0b, td0b);
    let (sk0, rp0, td0) = fixture_primes::aux(0, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let owner = tandem_paillier::ring_pedersen::Verifier::Owner {
        params: &rp0,
        trapdoor: &td0,
        sk: &sk0,
    };
    let pk0 = sk0.public();
    let (cc, _) = pk0.encrypt(&mut r, &m);
    let d = pk0.add(&pk0.scalar_mul(&cc, &xw, 16), &pk0.encrypt_with(&yw, &rd.0));
    let st = aff_g::Statement {
        verifier_key: pk0,
        prover_key: sk1.public(),
        c: &cc,
        d: &d,
        y: &yc,
        x: &xpt,
    };
    let proof = aff_g::prove(&sk1, &st, &w, &rp0, &ctx, &mut r).unwrap();
    proof.verify(&st, &owner, &ctx).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        proof.verify(&st, &owner, &ctx).unwrap();
    }
    eprintln!("aff-g verify (owner) {:?}", t.elapsed() / n);
    let z: I1024 = bigint::random_signed_bits(&mut r, 769);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            sk0.pow_mod_n2(
                &cc.0,
                &bigint::reduce_signed(
                    &z,
                    &crypto_bigint::NonZero::new(pk0.n().as_ref().widening_mul(sk0.phi()).into())
                        .unwrap(),
                ),
            ),
        );
    }
    eprintln!("  C^z1 via pow_mod_n2 (ct CRT) {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(sk0.encrypt_with(&yw, &rd.0));
    }
    eprintln!("  owner encrypt_with (ct CRT) {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(owner.commit(&z, &g));
    }
    eprintln!("  trapdoor commit {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(sk0.decrypt(&cc));
    }
    eprintln!("decrypt {:?}", t.elapsed() / n);
}
