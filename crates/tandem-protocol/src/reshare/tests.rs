//! Unit tests of the saved resharing states (edits of their real fields).

#![allow(clippy::unwrap_used)]

use crate::stored::SessionState;
use crate::{DecodeError, Role, SessionId};
use tandem_curves::{Curve, Point, Secp256k1, SecretScalar};

use super::{ClientAwaitingConfirmation, ServerAwaitingOpening, client_start, server_respond};
use crate::reshare::test_support::{rng, signing_pair};
use crate::reshare::{Backup, Refresh};

/// The saved state `saved` restored, edited by `f` and saved again (saving does not
/// validate), then restored: the refusal.
fn restore_edited<S: SessionState>(saved: &[u8], f: impl FnOnce(&mut S)) -> Option<DecodeError> {
    let mut state = S::restore(Secp256k1::ID, saved).unwrap();
    f(&mut state);
    let edited = state.save().unwrap();
    S::restore(Secp256k1::ID, &edited).err()
}

#[test]
fn restored_reshare_states_are_checked() {
    type C = Secp256k1;
    let (c, s) = signing_pair::<C>(20);
    let sid = SessionId([3; 32]);
    let (client, m1) = client_start::<Refresh, C, _>(&c, sid, &mut rng(21)).unwrap();
    let (server, m2) = server_respond::<Refresh, C, _>(&s, &m1, &mut rng(22)).unwrap();
    let (client, _) = client.receive(&c, &m2, &mut rng(23)).unwrap();
    let saved_c = client.save().unwrap();
    let saved_s = server.save().unwrap();
    let client_edited =
        |f: fn(&mut ClientAwaitingConfirmation<Refresh, C>)| restore_edited(&saved_c, f);
    let inconsistent = Some(DecodeError::Inconsistent);
    assert_eq!(client_edited(|_| {}), None);
    // A new secret that is not the client's new public share.
    assert_eq!(
        client_edited(|m| m.target.client = m.target.client + Point::generator()),
        inconsistent
    );
    // A target whose public key is the identity.
    assert_eq!(
        client_edited(|m| m.target.server = -m.target.client),
        inconsistent
    );
    // A context of another party than the header says.
    assert_eq!(client_edited(|m| m.ctx.me = Role::Server), inconsistent);
    // A chain code (or source) that is not the one the run started from.
    assert_eq!(
        client_edited(|m| m.chain_code = crate::hd::ChainCode::from_bytes([9; 32])),
        inconsistent
    );
    assert_eq!(client_edited(|m| m.source_sharing_id[0] ^= 1), inconsistent);
    // A zero ephemeral key in the server's state.
    let server_edited = restore_edited::<ServerAwaitingOpening<Refresh, C>>(&saved_s, |m| {
        m.ephemeral = SecretScalar::new(C::scalar_zero());
    });
    assert_eq!(server_edited, inconsistent);
    // Saved for another operation.
    assert_eq!(
        ServerAwaitingOpening::<Backup, C>::restore(C::ID, &saved_s).err(),
        Some(DecodeError::WrongKind)
    );
}
