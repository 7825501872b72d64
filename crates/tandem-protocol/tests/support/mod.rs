//! Shared by the `*_checks.rs` tests: the ECDSA key shares of the frozen fixture
//! `test-vectors/v1/ecdsa-secp256k1.json` (no aux info at start-up) with shares of another
//! sharing, built once per test binary; copies of stored values; the culprit and check of an
//! identifiable abort.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::sync::OnceLock;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_curves::Secp256k1;
use tandem_protocol::codec;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::{Check, Error, KeyShare, Role};

use tandem_testkit::ecdsa::fixture_pair;
use tandem_testkit::message::rng;

/// A copy of a value (a share's auxiliary parts) through its serde form.
pub fn copy<T: Serialize + DeserializeOwned>(state: &T) -> T {
    codec::decode(&codec::encode(state).unwrap()).unwrap()
}

pub fn misbehaved<T>(r: Result<T, Error>) -> (Role, Check) {
    match r {
        Err(Error::Misbehaved { culprit, check }) => (culprit, check),
        Err(e) => panic!("expected an identifiable abort, got {e:?}"),
        Ok(_) => panic!("expected an identifiable abort, got success"),
    }
}

pub struct Keys {
    pub client: EcdsaKeyShare,
    pub server: EcdsaKeyShare,
    /// Shares of another sharing with the same Paillier material (another keygen core).
    pub other_client: EcdsaKeyShare,
    pub other_server: EcdsaKeyShare,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pair = fixture_pair();
        let (client, server) = (pair.client, pair.server);
        let (core_c, core_s) =
            driver::keygen::<Secp256k1, _, _, _>(&mut rng(30), &mut rng(31), &mut NoTap).unwrap();
        let other = |core, share: &EcdsaKeyShare| {
            EcdsaKeyShare::new(core, copy(share.own()), copy(share.peer())).unwrap()
        };
        Keys {
            other_client: other(core_c, &client),
            other_server: other(core_s, &server),
            client,
            server,
        }
    })
}

pub fn core_copy(share: &EcdsaKeyShare) -> KeyShare<Secp256k1> {
    KeyShare::from_bytes(&share.core().to_bytes().unwrap()).unwrap()
}
