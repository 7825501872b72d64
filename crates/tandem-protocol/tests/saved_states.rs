//! Restoring a saved session state checks that its secrets belong to it: a presigning server
//! state whose saved nonce `k` is swapped for another session's is refused on restore
//! (`ServerAwaitingClient::validate`, CGGMP24 Fig. 8 round 1 relations), while the genuine
//! state restores and finishes the presignature.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::CurveId;
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::ecdsa::presign::{self, ServerAwaitingClient};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{DecodeError, SessionId};

const FIXTURE: &str = include_str!("../../../test-vectors/v1/ecdsa-secp256k1.json");

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn shares() -> (EcdsaKeyShare, EcdsaKeyShare) {
    let t: tandem_protocol::fixtures::Transcript = serde_json::from_str(FIXTURE).unwrap();
    let get = |name: &str| {
        let bytes = &t.outputs.iter().find(|(n, _)| n == name).unwrap().1.0;
        EcdsaKeyShare::from_bytes(bytes).unwrap()
    };
    (get("client_key_share"), get("server_key_share"))
}

#[test]
fn presign_server_state_with_foreign_secrets_is_refused() {
    let (client, server) = shares();
    let (c, m1) = presign::client_start(&client, SessionId([0x5a; 32]), &mut rng(1)).unwrap();
    // Two server states for the same client message, from different randomness: identical
    // context and sharing, different secrets.
    let (s_a, m2) = presign::server_respond(&server, &m1, &mut rng(2)).unwrap();
    let (s_b, _) = presign::server_respond(&server, &m1, &mut rng(3)).unwrap();
    let (a, b) = (s_a.save().unwrap(), s_b.save().unwrap());
    assert_eq!(a.len(), b.len());
    // The first differing byte is where the saved secrets start (k first, 32 bytes).
    let start = a.iter().zip(b.iter()).position(|(x, y)| x != y).unwrap();
    let mut spliced = a.clone();
    spliced[start..start + 32].copy_from_slice(&b[start..start + 32]);
    assert_eq!(
        ServerAwaitingClient::restore(CurveId::Secp256k1, &spliced).err(),
        Some(DecodeError::Inconsistent)
    );
    // The genuine state restores and completes.
    let s = ServerAwaitingClient::restore(CurveId::Secp256k1, &a).unwrap();
    let (c, m3) = c.receive(&client, &m2, &mut rng(4)).unwrap();
    let (server_presignature, m4) = s.receive(&server, &m3, &mut rng(5)).unwrap();
    let client_presignature = c.receive(&client, &m4).unwrap();
    assert!(server_presignature.matches_key(&server.core().public_key()));
    assert!(client_presignature.matches_key(&client.core().public_key()));
}
