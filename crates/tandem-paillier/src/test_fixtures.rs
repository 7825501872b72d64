//! TEST-ONLY pregenerated safe primes (`test-vectors/primes/safe-primes-1536.json`), so that
//! tests and benches do not spend seconds generating primes. Compiled only with the
//! `test-fixtures` feature, which only dev-dependencies enable. The primes are public: a key
//! built from them protects nothing.

use crypto_bigint::U1536;
use serde::Deserialize;

use crate::paillier::SecretKey;
use crate::ring_pedersen::{self, Params, Trapdoor};

const JSON: &str = include_str!("../../../test-vectors/primes/safe-primes-1536.json");

#[derive(Deserialize)]
struct File {
    safe_primes: Vec<String>,
}

/// The fixture primes, in file order. Empty if the file is malformed (the test suite checks
/// it is not).
#[must_use]
pub fn safe_primes() -> Vec<U1536> {
    let Ok(file) = serde_json::from_str::<File>(JSON) else {
        return Vec::new();
    };
    file.safe_primes
        .iter()
        .filter(|h| h.len() == 384 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|h| U1536::from_be_hex(h))
        .collect()
}

/// The `i`-th fixture Paillier key (primes `2i` and `2i+1`), built without re-testing
/// primality (the suite tests every fixture prime once).
#[must_use]
pub fn paillier_key(i: usize) -> Option<SecretKey> {
    let primes = safe_primes();
    let (p, q) = (primes.get(2 * i)?, primes.get(2 * i + 1)?);
    SecretKey::from_primes_unchecked(*p, *q).ok()
}

/// The number of distinct fixture keys.
#[must_use]
pub fn key_count() -> usize {
    safe_primes().len() / 2
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
