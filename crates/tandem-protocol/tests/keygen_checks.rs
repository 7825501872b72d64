//! Checks of key generation listed in `CHECKS.md` that no other test provoked: the server's
//! checks on a client that chose X_c after seeing X_s (possible only in a test, which knows
//! the server's seeded RNG); each test asserts the exact check and the culprit.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use tandem_curves::{Commitment, Curve, Ed25519, Point, Scalar, SchnorrProof, Secp256k1};
use tandem_protocol::keygen::{self, ClientOpeningMsg, CommitMsg, ServerShareMsg};
use tandem_protocol::message::SessionContext;
use tandem_protocol::{Check, ProtocolId, Role, SessionId};

use support::misbehaved;
use tandem_testkit::message::{payload, rng};

// ---------------------------------------------------------------------------------------
// Key generation: the server's checks on a client that chose X_c after seeing X_s
// (possible only in a test, which knows the server's seeded RNG).

fn client_committing_to<C: Curve>(x_c: impl Fn(Point<C>) -> Point<C>) -> (Role, Check) {
    let sid = SessionId([5; 32]);
    // Learn X_s: the server's share depends only on its RNG.
    let (_, probe) = keygen::client_start::<C, _>(sid, &mut rng(13)).unwrap();
    let (_, probe_m2) = keygen::server_respond::<C, _>(&probe, &mut rng(14)).unwrap();
    let x_s = payload::<ServerShareMsg<C>>(&probe_m2).public_share;
    let public_share = x_c(x_s);
    // A commitment built exactly as `keygen::commitment_transcript` does.
    let ctx = SessionContext {
        protocol: ProtocolId::Keygen,
        curve: C::ID,
        session: sid,
        me: Role::Client,
    };
    let rid = [9u8; 32];
    let a = Point::<C>::generator();
    let mut t = ctx.transcript("tandem/keygen/commitment/v1");
    t.append("committer", b"client");
    t.append("rid", &rid);
    t.append_point("public-share", &public_share);
    t.append_point("schnorr-commitment", &a);
    let (commitment, opening) = Commitment::commit(t, &mut rng(15));
    let m1 = ctx
        .seal(keygen::round::COMMIT, &CommitMsg { commitment })
        .unwrap();
    let (server, m2) = keygen::server_respond::<C, _>(&m1, &mut rng(14)).unwrap();
    assert_eq!(payload::<ServerShareMsg<C>>(&m2).public_share, x_s);
    let m3 = ctx
        .seal(
            keygen::round::CLIENT_OPENING,
            &ClientOpeningMsg {
                rid,
                public_share,
                opening,
                proof: SchnorrProof {
                    commitment: a,
                    response: Scalar::one(),
                },
            },
        )
        .unwrap();
    misbehaved(server.receive(&m3, &mut rng(16)))
}

#[test]
fn keygen_client_echoing_the_servers_share_is_caught() {
    assert_eq!(
        client_committing_to::<Ed25519>(|x_s| x_s),
        (Role::Client, Check::EchoedValue)
    );
    assert_eq!(
        client_committing_to::<Secp256k1>(|x_s| x_s),
        (Role::Client, Check::EchoedValue)
    );
}

#[test]
fn keygen_client_cancelling_the_key_is_caught() {
    assert_eq!(
        client_committing_to::<Secp256k1>(|x_s| -x_s),
        (Role::Client, Check::DegenerateResult)
    );
    assert_eq!(
        client_committing_to::<Ed25519>(|x_s| -x_s),
        (Role::Client, Check::DegenerateResult)
    );
}
