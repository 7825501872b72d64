//! TEST-ONLY pregenerated 1536-bit safe primes (`test-vectors/primes/safe-primes-1536.json`),
//! read once per process, so that tests, benches and fixtures do not spend seconds
//! generating primes. The primes are public: a key built from them protects nothing.

use std::sync::LazyLock;

use crypto_bigint::U1536;
use serde::Deserialize;
use tandem_paillier::paillier::SecretKey;
use tandem_paillier::ring_pedersen::{self, Params, Trapdoor};

use crate::paths;

/// The file, relative to `test-vectors/`.
pub const FILE: &str = "primes/safe-primes-1536.json";

#[derive(Deserialize)]
struct File {
    safe_primes: Vec<String>,
}

static PRIMES: LazyLock<Vec<U1536>> = LazyLock::new(|| {
    let path = paths::test_vectors().join(FILE);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let file: File = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    file.safe_primes
        .iter()
        .map(|h| {
            assert!(
                h.len() == 384 && h.bytes().all(|b| b.is_ascii_hexdigit()),
                "{path:?}: not 1536 bits of hex"
            );
            U1536::from_be_hex(h)
        })
        .collect()
});

/// The fixture primes, in file order.
#[must_use]
pub fn safe_primes() -> Vec<U1536> {
    PRIMES.clone()
}

/// The `i`-th fixture Paillier key (primes `2i` and `2i+1`), built without re-testing
/// primality (`tandem-paillier/tests/params_primes.rs` tests every fixture prime once).
#[must_use]
pub fn paillier_key(i: usize) -> Option<SecretKey> {
    let (p, q) = (PRIMES.get(2 * i)?, PRIMES.get(2 * i + 1)?);
    SecretKey::from_primes_unchecked(*p, *q).ok()
}

/// The number of distinct fixture keys.
#[must_use]
pub fn key_count() -> usize {
    PRIMES.len() / 2
}

/// A fixture Paillier key with ring-Pedersen parameters on its modulus (randomness from
/// `rng`).
#[must_use]
pub fn aux<R: rand_core::CryptoRng + ?Sized>(
    i: usize,
    rng: &mut R,
) -> Option<(SecretKey, Params, Trapdoor)> {
    let sk = paillier_key(i)?;
    let (params, trapdoor) = ring_pedersen::generate(&sk, rng).ok()?;
    Some((sk, params, trapdoor))
}
