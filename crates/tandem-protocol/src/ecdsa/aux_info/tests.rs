//! Unit tests of the saved aux-info states (edits of their real fields).

#![allow(clippy::unwrap_used)]

use tandem_curves::CurveId;
use tandem_paillier::paillier::SecretKey;

use super::{ClientAwaitingReveal, client_start};
use crate::ecdsa::EcdsaKeyShare;
use crate::ecdsa::tests::{fixture_shares, rng};
use crate::error::DecodeError;
use crate::key_share::KeyShare;
use crate::message::SessionId;
use crate::stored::SessionState;

#[test]
fn restored_aux_state_with_the_servers_share_is_refused() {
    let (client, server) = fixture_shares();
    let core =
        |share: &EcdsaKeyShare| KeyShare::from_bytes(&share.core().to_bytes().unwrap()).unwrap();
    let own = client.own().paillier();
    let key = SecretKey::from_primes_unchecked(*own.p(), *own.q()).unwrap();
    let (state, _) = client_start(core(&client), key, SessionId([0x46; 32]), &mut rng(70)).unwrap();
    let saved = state.save().unwrap();
    let mut state = ClientAwaitingReveal::restore(CurveId::Secp256k1, &saved).unwrap();
    state.core = core(&server);
    let edited = state.save().unwrap();
    assert_eq!(
        ClientAwaitingReveal::restore(CurveId::Secp256k1, &edited).err(),
        Some(DecodeError::Inconsistent)
    );
}
