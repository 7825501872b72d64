//! Paillier: correctness, CRT paths against the plain ones, homomorphisms, validation.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use crypto_bigint::{Int, U1536};
use proptest::prelude::*;
use support::{PROVER, VERIFIER, rng};
use tandem_paillier::bigint::{self, I1024, I4096, MontyN, U3072, U6144};
use tandem_paillier::paillier::{Ciphertext, PaillierError, PublicKey, SecretKey, to_signed};
use tandem_testkit::primes as fixture_primes;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn signed_roundtrip(m in any::<i64>(), seed in any::<u64>()) {
        let sk = &PROVER.sk;
        let m = I1024::from_i64(m);
        let (c, _) = sk.encrypt(&mut rng(seed), &m);
        prop_assert_eq!(sk.decrypt_signed(&c), m.resize::<{ I4096::LIMBS }>());
        // Anyone can encrypt under the public key; the owner's CRT path gives the same value.
        let (c2, r) = sk.public().encrypt(&mut rng(seed), &m);
        prop_assert_eq!(sk.encrypt_with(&m, &r.0), c2);
        prop_assert_eq!(sk.decrypt_signed(&c2), m.resize::<{ I4096::LIMBS }>());
    }

    #[test]
    fn homomorphic_add_and_scalar_mul(a in any::<i32>(), b in any::<i32>(), k in any::<i32>(), seed in any::<u64>()) {
        let sk = &PROVER.sk;
        let pk = sk.public();
        let mut r = rng(seed);
        let (ca, _) = pk.encrypt(&mut r, &I1024::from_i64(a.into()));
        let (cb, _) = pk.encrypt(&mut r, &I1024::from_i64(b.into()));
        let sum = pk.add(&ca, &cb);
        prop_assert_eq!(sk.decrypt_signed(&sum), I4096::from_i64(i64::from(a) + i64::from(b)));
        let prod = pk.scalar_mul(&ca, &I1024::from_i64(k.into()), 40);
        prop_assert_eq!(sk.decrypt_signed(&prod), I4096::from_i64(i64::from(a) * i64::from(k)));
    }
}

#[test]
fn large_plaintexts_near_half_n() {
    let sk = &VERIFIER.sk;
    let n = sk.public().n().as_ref();
    let half = n.shr_vartime(1);
    for m in [
        half,
        half.wrapping_add(&U3072::ONE),
        n.wrapping_sub(&U3072::ONE),
        U3072::ZERO,
    ] {
        let signed = to_signed(&m, n);
        let (c, _) = sk.encrypt(&mut rng(3), &signed);
        assert_eq!(sk.decrypt(&c), m);
        assert_eq!(sk.decrypt_signed(&c), signed);
    }
    // (-N/2, N/2]: N/2 stays positive, N/2 + 1 becomes negative.
    assert!(!bool::from(to_signed(&half, n).is_negative()));
    assert!(bool::from(
        to_signed(&half.wrapping_add(&U3072::ONE), n).is_negative()
    ));
}

#[test]
fn crt_exponentiation_matches_plain() {
    let sk = &PROVER.sk;
    let pk = sk.public();
    let mut r = rng(4);
    for _ in 0..4 {
        let base = bigint::random_unit(&mut r, pk.n());
        let e = bigint::random_unit(&mut r, pk.n());
        let plain = MontyN::new(&base, pk.params_n()).pow_vartime(&e).retrieve();
        assert_eq!(sk.pow_mod_n(&base, &e), plain);
        let base2: U6144 = base.widening_mul(&e).into();
        let plain2 = bigint::MontyN2::new(&base2, pk.params_n2())
            .pow_vartime(pk.n().as_ref())
            .retrieve();
        assert_eq!(sk.pow_mod_n2(&base2, pk.n().as_ref()), plain2);
        // The owner's r^N from half-size exponentiations.
        let r_n = bigint::MontyN2::new(&base.resize(), pk.params_n2())
            .pow_vartime(pk.n().as_ref())
            .retrieve();
        assert_eq!(sk.nonce_power(&base), r_n);
        // Public signed exponents with CRT, unreduced.
        let c = bigint::MontyN2::new(&base2, pk.params_n2());
        for e in [
            I1024::from_i64(0),
            I1024::from_i64(1),
            I1024::from_i64(-1),
            bigint::random_signed_bits(&mut r, 770),
            bigint::random_signed_bits(&mut r, 770),
        ] {
            assert_eq!(
                sk.pow_mod_n2_public(&base2, &e),
                bigint::pow_signed_vartime(&c, &e).unwrap().retrieve()
            );
        }
    }
}

#[test]
fn foreign_nonces_are_nth_powers() {
    // Nonces under a key whose factors the encrypter does not know: r is a unit and r^N is
    // exact; the ciphertexts decrypt.
    let pk = VERIFIER.sk.public();
    let mut r = rng(12);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..8 {
        let (rho, rho_n) = pk.random_nonce(&mut r);
        assert!(pk.validate_nonce(&rho.0).is_ok());
        let plain = bigint::MontyN2::new(&rho.0.resize(), pk.params_n2())
            .pow_vartime(pk.n().as_ref())
            .retrieve();
        assert_eq!(rho_n, plain);
        assert!(seen.insert(rho.0), "nonces repeat");
        let m = I1024::from_i64(7);
        let (c, nonce) = pk.encrypt(&mut r, &m);
        assert_eq!(pk.encrypt_with(&m, &nonce.0), c);
        assert_eq!(VERIFIER.sk.decrypt_signed(&c), I4096::from_i64(7));
    }
}

#[test]
fn ciphertext_validation() {
    let pk = VERIFIER.sk.public();
    let n2 = *pk.n_squared().as_ref();
    let p: U3072 = VERIFIER.sk.p().resize();
    let bad = [
        ("zero", U6144::ZERO),
        ("N^2", n2),
        ("max", U6144::MAX),
        ("multiple of p", p.resize()),
        ("multiple of N", pk.n().as_ref().resize()),
    ];
    for (name, v) in bad {
        assert_eq!(
            pk.validate_ciphertext(&Ciphertext(v)),
            Err(PaillierError::InvalidCiphertext),
            "{name}"
        );
    }
    let (c, _) = pk.encrypt(&mut rng(5), &I1024::from_i64(5));
    assert_eq!(pk.validate_ciphertext(&c), Ok(()));
    assert_eq!(
        pk.validate_nonce(&U3072::ZERO),
        Err(PaillierError::InvalidNonce)
    );
    assert_eq!(pk.validate_nonce(&p), Err(PaillierError::InvalidNonce));
}

#[test]
fn key_construction_refusals() {
    let ps = fixture_primes::safe_primes();
    assert_eq!(
        SecretKey::from_primes(ps[0], ps[0]).err(),
        Some(PaillierError::InvalidPrime)
    );
    let not_safe = ps[0].wrapping_add(&U1536::from_u8(2));
    assert_eq!(
        SecretKey::from_primes(ps[0], not_safe).err(),
        Some(PaillierError::InvalidPrime)
    );
    assert!(SecretKey::from_primes(ps[0], ps[1]).is_ok());
    let n = *VERIFIER.sk.public().n().as_ref();
    assert_eq!(
        PublicKey::from_modulus(n.wrapping_add(&U3072::ONE)).err(),
        Some(PaillierError::ModulusEven)
    );
    assert_eq!(
        PublicKey::from_modulus(n.shr_vartime(1)).err(),
        Some(PaillierError::ModulusSize(3071))
    );
    assert_eq!(
        PublicKey::from_modulus(U3072::from_u8(15)).err(),
        Some(PaillierError::ModulusSize(4))
    );
}

#[test]
fn secrets_are_redacted() {
    let dbg = format!("{:?}", PROVER.sk);
    assert!(dbg.contains("<redacted>"));
    let p_hex = format!("{:x}", PROVER.sk.p());
    assert!(!dbg.contains(&p_hex[..32]));
    let (_, nonce) = PROVER.sk.encrypt(&mut rng(6), &Int::<4>::ONE);
    assert_eq!(format!("{nonce:?}"), "Nonce(<redacted>)");
}

#[test]
fn generator_nonces_are_exact_nth_powers() {
    // ρ^N mod N² from the generator tables equals the plain CRT exponentiation, and ρ is a
    // unit; the encryption made with it decrypts.
    let sk = &PROVER.sk;
    let pk = sk.public();
    let mut r = rng(11);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..16 {
        let (rho, rho_n) = sk.random_nonce(&mut r);
        assert!(pk.validate_nonce(&rho.0).is_ok());
        assert_eq!(rho_n, sk.pow_mod_n2(&rho.0.resize(), pk.n().as_ref()));
        assert!(seen.insert(rho.0), "nonces repeat");
        let m = I1024::from_i64(-42);
        let (c, nonce) = sk.encrypt(&mut r, &m);
        assert_eq!(sk.encrypt_with(&m, &nonce.0), c);
        assert_eq!(sk.decrypt_signed(&c), I4096::from_i64(-42));
    }
}

#[test]
fn secret_modulus_sampling_is_in_range_and_spread() {
    // The constant-time sampler for secret moduli (φ(N), p - 1): always below the modulus,
    // and roughly uniform (a small modulus, so every residue class is hit often).
    use crypto_bigint::{NonZero, U64, U576, U4096};
    let mut r = rng(41);
    let m = NonZero::new(U64::from_u64(1000)).unwrap();
    assert_spread(0..1000, 100, 2_000, || {
        bigint::random_mod_secret::<{ U64::LIMBS }, { U576::LIMBS }, _>(&mut r, &m).as_words()[0]
    });
    // Full size: below φ(N), and not stuck in a narrow range.
    let phi = NonZero::new(*PROVER.sk.phi()).unwrap();
    let draws: Vec<U3072> = (0..16)
        .map(|_| bigint::random_mod_secret::<{ U3072::LIMBS }, { U4096::LIMBS }, _>(&mut r, &phi))
        .collect();
    assert!(draws.iter().all(|x| x < phi.as_ref()));
    assert!(draws.iter().any(|x| x.bits() >= 3070));
    assert!(draws.windows(2).all(|w| w[0] != w[1]));
}

/// Draws `per_bucket` values per bucket of `width` over `range`: every draw in the range, and
/// every bucket within ±10% of its expected count (overwhelming odds for a uniform sampler).
fn assert_spread(
    range: std::ops::Range<u64>,
    width: u64,
    per_bucket: u32,
    mut draw: impl FnMut() -> u64,
) {
    let count = usize::try_from((range.end - range.start) / width).unwrap();
    let mut buckets = vec![0u32; count];
    for _ in 0..u64::from(per_bucket) * count as u64 {
        let v = draw();
        assert!(range.contains(&v), "{v} outside {range:?}");
        buckets[usize::try_from((v - range.start) / width).unwrap()] += 1;
    }
    let (low, high) = (per_bucket * 9 / 10, per_bucket * 11 / 10);
    assert!(
        buckets.iter().all(|b| (low..=high).contains(b)),
        "{buckets:?}"
    );
}

#[test]
fn units_modulo_a_secret_prime_are_drawn_in_constant_time_and_never_zero() {
    // `random_unit_mod_secret_prime` (the Paillier owner's generator tables: p is secret): a
    // wide draw reduced mod p, zero rejected. Uniform on 1..p for a small prime (every unit
    // hit, never 0, never p or above)...
    use crypto_bigint::{Odd, U2048};
    let mut r = rng(43);
    let seven = Odd::new(U1536::from_u64(7)).unwrap();
    assert_spread(1..7, 1, 2_000, || {
        let x = bigint::random_unit_mod_secret_prime::<{ U1536::LIMBS }, { U2048::LIMBS }, _>(
            &mut r, &seven,
        );
        x.as_words()[0]
    });
    // ...and at full size: below the fixture prime, non-zero, spread over its whole range.
    let p = Odd::new(*PROVER.sk.p()).unwrap();
    let draws: Vec<U1536> = (0..32)
        .map(|_| {
            bigint::random_unit_mod_secret_prime::<{ U1536::LIMBS }, { U2048::LIMBS }, _>(
                &mut r, &p,
            )
        })
        .collect();
    assert!(
        draws
            .iter()
            .all(|x| x < p.as_ref() && !bool::from(x.is_zero()))
    );
    assert!(draws.iter().any(|x| x.bits() >= 1534));
    assert!(draws.windows(2).all(|w| w[0] != w[1]));
}

#[test]
fn variable_time_unit_sampling_is_only_called_with_public_moduli() {
    // `bigint::random_unit` runs a rejection loop and a gcd in time depending on the modulus
    // and the value: every call in the workspace's library code says why both are public, the
    // secret ring-Pedersen `τ` uses `random_secret_unit`, and the
    // generator tables of the Paillier owner (modulo a secret prime) use the constant-time
    // sampler. A source scan: reverting the fix makes this fail.
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut calls = 0;
    let mut stack = vec![crates];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let in_src = path.components().any(|c| c.as_os_str() == "src");
            if !in_src || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if line.contains("bigint::random_unit(") && !line.trim_start().starts_with("//") {
                    calls += 1;
                    // The lint (`disallowed-methods`) makes every call allow it; the
                    // allow's one-line reason must say what is public.
                    let before = lines[i.saturating_sub(3)..i].join(" ");
                    assert!(
                        before.contains("public"),
                        "{}:{}: a variable-time unit draw without `// public: ...`",
                        path.display(),
                        i + 1
                    );
                }
            }
            if path.ends_with("paillier/nonces.rs") {
                let tables = text.split("fn prime_tables").nth(1).unwrap();
                let body = tables.split("\n}\n").next().unwrap();
                assert!(body.contains("random_unit_mod_secret_prime"), "{body}");
                assert!(!body.contains("bigint::random_unit("), "{body}");
            }
        }
    }
    assert!(
        calls >= 3,
        "{calls} calls found: the scan looks in the wrong place"
    );
}
