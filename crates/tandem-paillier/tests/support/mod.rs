//! Shared fixtures: two parties' Paillier keys (from the test-only primes) with ring-Pedersen
//! parameters, built once per test binary.

#![allow(dead_code, unreachable_pub)]

use std::sync::{LazyLock, OnceLock};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::Transcript;
use tandem_paillier::paillier::SecretKey;
use tandem_paillier::ring_pedersen::{Params, Trapdoor, Verifier};
use tandem_testkit::primes as fixture_primes;

pub struct Party {
    pub sk: SecretKey,
    pub rp: Params,
    pub td: Trapdoor,
}

impl Party {
    pub fn owner(&self) -> Verifier<'_> {
        Verifier::Owner {
            params: &self.rp,
            trapdoor: &self.td,
            sk: &self.sk,
        }
    }

    pub fn public(&self) -> Verifier<'_> {
        Verifier::Public(&self.rp)
    }
}

fn party(i: usize) -> Party {
    let (sk, rp, td) = fixture_primes::aux(i, &mut ChaCha20Rng::seed_from_u64(1000 + i as u64))
        .expect("fixture key");
    Party { sk, rp, td }
}

/// A party of the `*_checks.rs` tests (keys of their own: other ring-Pedersen seeds than
/// [`VERIFIER`] and [`PROVER`]).
fn checks_party(i: usize) -> Party {
    let (sk, rp, td) = fixture_primes::aux(i, &mut rng(2000 + i as u64)).unwrap();
    Party { sk, rp, td }
}

/// The verifier (owns N0 and the ring-Pedersen parameters) and the prover of the
/// `*_checks.rs` tests.
pub fn parties() -> &'static (Party, Party) {
    static P: OnceLock<(Party, Party)> = OnceLock::new();
    P.get_or_init(|| (checks_party(0), checks_party(1)))
}

/// The verifier in most tests (owns N0 and N̂).
pub static VERIFIER: LazyLock<Party> = LazyLock::new(|| party(0));
/// The prover in most tests.
pub static PROVER: LazyLock<Party> = LazyLock::new(|| party(1));

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn ctx(session: &[u8]) -> Transcript {
    let mut t = Transcript::new("tandem/test/proofs");
    t.append("session", session);
    t.append("prover", b"client");
    t
}
