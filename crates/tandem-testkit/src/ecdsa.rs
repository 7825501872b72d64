//! ECDSA key shares for tests: key generation and aux info with the fixture primes (built
//! once per process), or the frozen fixture's shares (no aux info at start-up).

use std::sync::LazyLock;

use tandem_curves::Secp256k1;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::EcdsaKeyShare;

use crate::fixtures::protocol::ECDSA_FILE;
use crate::primes;
use crate::transcript::{load_v1, rng};

/// Client and server shares of one key.
#[derive(Debug)]
pub struct Pair {
    /// The client's share.
    pub client: EcdsaKeyShare,
    /// The server's share.
    pub server: EcdsaKeyShare,
}

/// Keygen with seeds `seed`, `seed + 1`, aux info with fixture keys `keys.0` (client) and
/// `keys.1` (server).
#[must_use]
pub fn pair(seed: u64, keys: (usize, usize)) -> Pair {
    let (c, s) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(seed), &mut rng(seed + 1), &mut NoTap)
            .unwrap();
    let (client, server) = driver::aux_info(
        c,
        s,
        primes::paillier_key(keys.0).unwrap(),
        primes::paillier_key(keys.1).unwrap(),
        &mut rng(seed + 2),
        &mut rng(seed + 3),
        &mut NoTap,
    )
    .unwrap();
    Pair { client, server }
}

/// The shared pair of most tests.
pub static PAIR: LazyLock<Pair> = LazyLock::new(|| pair(100, (0, 1)));

/// An output of the frozen fixture `test-vectors/v1/ecdsa-secp256k1.json` (its key shares,
/// presignatures, signatures), by name.
#[must_use]
pub fn fixture_output(name: &str) -> Vec<u8> {
    load_v1(ECDSA_FILE).output(name).to_vec()
}

/// The frozen fixture's key shares: no key generation or aux info at start-up. Both are
/// [`warm`]: a state rebuilt from its seed with them is the same state every time.
#[must_use]
pub fn fixture_pair() -> Pair {
    let t = load_v1(ECDSA_FILE);
    let share = |name| {
        let share = EcdsaKeyShare::from_bytes(t.output(name)).unwrap();
        warm(&share);
        share
    };
    Pair {
        client: share("client_key_share"),
        server: share("server_key_share"),
    }
}

/// Builds the share's Paillier nonce tables now (its own key's and the peer's), from a fixed
/// seed. A key's tables are drawn from the RNG of its first encryption (in presigning), so
/// without this the first run with a share draws more from its RNG than every later run with
/// the same seed: a state that holds nonces and is rebuilt from its seed (it cannot be
/// copied) would differ from the one that sent the message.
pub fn warm(share: &EcdsaKeyShare) {
    let own = share.own().paillier();
    let _ = own.random_nonce(&mut rng(0));
    let _ = own.public().random_nonce(&mut rng(0));
    let _ = share.peer().paillier().random_nonce(&mut rng(0));
}
