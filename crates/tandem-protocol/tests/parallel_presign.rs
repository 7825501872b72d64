//! Presigning runs each round's two provers at once (round 1: the encryptions of `k` and `γ`
//! with their Πenc-elg proofs; round 2: the two MtA with their Πaff-g proofs) and its two
//! verifications at once, on the pool the caller entered (`tandem_paillier::parallel`). The
//! randomness is drawn first, in the one-thread order: a seeded run sends the same messages
//! and ends with the same presignatures with 1, 2 and 3 threads (and the frozen fixture
//! `test-vectors/v1/ecdsa-secp256k1.json` regenerates byte for byte).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_paillier::parallel::{self, ThreadPool};
use tandem_protocol::driver;
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::message::Role;
use tandem_testkit::ecdsa::{Pair, fixture_output, fixture_pair};
use tandem_testkit::transcript::rng;

/// Every message of a seeded presigning on a pool of `threads`, then both presignatures.
/// `cold`: with shares just decoded, whose Paillier nonce tables the first draws build
/// (from the same RNG); otherwise with the tables built beforehand.
fn presign_on(threads: usize, cold: bool) -> Vec<Vec<u8>> {
    let pool = ThreadPool::new(threads).unwrap();
    let _entered = pool.enter();
    let pair = if cold {
        let share = |name| EcdsaKeyShare::from_bytes(&fixture_output(name)).unwrap();
        Pair {
            client: share("client_key_share"),
            server: share("server_key_share"),
        }
    } else {
        fixture_pair()
    };
    let mut sent = Vec::new();
    let mut tap = |_: Role, msg: &mut Vec<u8>| sent.push(msg.clone());
    let (client, server) = driver::presign(
        &pair.client,
        &pair.server,
        &mut rng(41),
        &mut rng(42),
        &mut tap,
    )
    .unwrap();
    sent.push(client.to_bytes().unwrap().to_vec());
    sent.push(server.to_bytes().unwrap().to_vec());
    sent
}

#[test]
fn a_seeded_presignature_is_the_same_bytes_with_any_thread_count() {
    if !parallel::ENABLED {
        eprintln!("note: this build has no threads (`parallel` off); the pools run on one");
    }
    for cold in [false, true] {
        let one = presign_on(1, cold);
        assert_eq!(one.len(), 6, "4 messages and 2 presignatures");
        for threads in [2, 3] {
            let many = presign_on(threads, cold);
            for (i, (a, b)) in one.iter().zip(&many).enumerate() {
                assert!(
                    a == b,
                    "item {i} differs between 1 and {threads} threads (cold tables: {cold})"
                );
            }
        }
    }
}
