//! ECDSA key shares for tests: key generation and aux info with the test-only primes, built
//! once per test binary.

use std::sync::LazyLock;

use tandem_curves::Secp256k1;
use tandem_paillier::test_fixtures;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::EcdsaKeyShare;

use super::rng;

/// Client and server shares of one key.
pub(crate) struct Pair {
    pub(crate) client: EcdsaKeyShare,
    pub(crate) server: EcdsaKeyShare,
}

/// Keygen with seeds `seed`, `seed + 1`, aux info with fixture keys `keys.0` (client) and
/// `keys.1` (server).
pub(crate) fn pair(seed: u64, keys: (usize, usize)) -> Pair {
    let (c, s) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(seed), &mut rng(seed + 1), &mut NoTap)
            .unwrap();
    let (client, server) = driver::aux_info(
        c,
        s,
        test_fixtures::paillier_key(keys.0).unwrap(),
        test_fixtures::paillier_key(keys.1).unwrap(),
        &mut rng(seed + 2),
        &mut rng(seed + 3),
        &mut NoTap,
    )
    .unwrap();
    Pair { client, server }
}

/// The shared pair of most tests.
pub(crate) static PAIR: LazyLock<Pair> = LazyLock::new(|| pair(100, (0, 1)));

const FIXTURE: &str = include_str!("../../../../test-vectors/v1/ecdsa-secp256k1.json");

/// An output of the frozen fixture `test-vectors/v1/ecdsa-secp256k1.json` (its key shares,
/// presignatures, signatures), by name.
pub(crate) fn fixture_output(name: &str) -> Vec<u8> {
    let t: tandem_protocol::fixtures::Transcript = serde_json::from_str(FIXTURE).unwrap();
    let (_, out) = t.outputs.into_iter().find(|(n, _)| n == name).unwrap();
    out.0
}

/// The frozen fixture's key shares: no key generation or aux info at start-up.
pub(crate) fn fixture_pair() -> Pair {
    let share = |name| EcdsaKeyShare::from_bytes(&fixture_output(name)).unwrap();
    Pair {
        client: share("client_key_share"),
        server: share("server_key_share"),
    }
}
