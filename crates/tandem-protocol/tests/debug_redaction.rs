//! `Debug` of every secret-holding type of this crate shows none of its secrets (docs/security-checklist.md,
//! "Secrets at rest and in memory"): key shares (both curves), ECDSA key shares and their own
//! auxiliary part (Paillier primes, `λ`), FROST nonces, and every protocol state that holds
//! secrets. Values are built from known secrets where the API allows, and their secrets are
//! looked for in hex (both byte orders and cases), limbs, byte lists and decimals; a state
//! prints its name only, and no 8-byte window of its serde form (which holds all its secrets,
//! for a saveable state) shows. Presignatures and pools hold their secrets in private fields:
//! their checks are unit tests (`src/ecdsa/tests.rs`, `src/ecdsa/pool.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use tandem_curves::{Curve, Ed25519, Secp256k1, SecretScalar};
use tandem_paillier::ring_pedersen::Verifier;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{aux_info, full_sign, presign, sign};
use tandem_protocol::eddsa::frost::SigningNonces;
use tandem_protocol::hd::ChainCode;
use tandem_protocol::{KeyShare, PublicShares, Role, SessionId, codec, eddsa, keygen};
use tandem_testkit::ecdsa::PAIR;
use tandem_testkit::message::rng;
use tandem_testkit::primes;
use tandem_testkit::redaction::{assert_name_only, assert_redacted};

const SMALL: u64 = 987_654_321;

/// A share whose secret is `secret` (canonical encoding), and the secret's bytes.
fn share_with<C: Curve>(secret: [u8; 32]) -> KeyShare<C> {
    let x = SecretScalar::<C>::from_bytes(&secret).unwrap();
    let public = PublicShares {
        client: x.public_point(),
        server: SecretScalar::<C>::random_nonzero(&mut rng(1)).public_point(),
    };
    KeyShare::new(Role::Client, x, public, ChainCode::from_bytes([3; 32])).unwrap()
}

fn key_shares_hide<C: Curve>(big: [u8; 32], small: [u8; 32]) {
    for secret in [big, small] {
        let share = share_with::<C>(secret);
        let text = assert_redacted(&share, &[&secret], &[&SMALL.to_string()]);
        assert!(text.contains("<redacted>"), "{text}");
    }
}

#[test]
fn key_shares_print_no_secret() {
    let mut big = [0u8; 32];
    for (b, v) in big.iter_mut().zip((0x11_u8..).step_by(7)) {
        *b = v;
    }
    let mut small = [0u8; 32];
    small[24..].copy_from_slice(&SMALL.to_be_bytes());
    key_shares_hide::<Secp256k1>(big, small);
    // Ed25519 encodings are little endian (and below 2^252 here).
    big.reverse();
    big[31] = 0x0b;
    small.reverse();
    key_shares_hide::<Ed25519>(big, small);
}

/// The secrets of an ECDSA key share: `x_i`, its Paillier primes, the low half of `φ(N)`
/// (the top half is that of the public `N`), `λ`.
fn ecdsa_secrets(share: &tandem_protocol::ecdsa::EcdsaKeyShare) -> Vec<Vec<u8>> {
    let own = share.own();
    let sk = own.paillier();
    let Verifier::Owner { trapdoor, .. } = own.verifier() else {
        panic!("our own verifier")
    };
    vec![
        share.core().secret().to_bytes().to_vec(),
        sk.p().to_be_bytes().as_ref().to_vec(),
        sk.q().to_be_bytes().as_ref().to_vec(),
        sk.phi().to_be_bytes().as_ref()[192..].to_vec(),
        trapdoor.lambda().to_be_bytes().as_ref().to_vec(),
    ]
}

#[test]
fn ecdsa_key_shares_print_no_secret() {
    let secrets = ecdsa_secrets(&PAIR.client);
    let refs: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
    assert_redacted(&PAIR.client, &refs, &[]);
    assert_redacted(PAIR.client.own(), &refs, &[]);
}

#[test]
fn frost_nonces_print_no_secret() {
    let sk = SecretScalar::<Ed25519>::random_nonzero(&mut rng(4));
    let nonces = SigningNonces::from_randomness(&[1; 32], &[2; 32], &sk).unwrap();
    let (d, e) = (nonces.hiding().to_bytes(), nonces.binding().to_bytes());
    let text = assert_redacted(&nonces, &[&d[..], &e[..], &sk.to_bytes()[..]], &[]);
    assert!(
        text.contains("<redacted>") && text.contains("commitments"),
        "{text}"
    );
}

/// A saveable state prints `name(<redacted>)`, and no window of its serde form shows.
fn state_is_redacted<T: std::fmt::Debug + serde::Serialize>(state: &T, name: &str) {
    assert_name_only(state, name, Some(&codec::encode_secret(state).unwrap()));
}

fn keygen_states_are_redacted<C: Curve>() {
    let (c, m1) = keygen::client_start::<C, _>(SessionId([1; 32]), &mut rng(5)).unwrap();
    // Not serializable (not saveable): its name only.
    assert_name_only(&c, "keygen::ClientAwaitingServerShare", None);
    let (s, m2) = keygen::server_respond::<C, _>(&m1, &mut rng(6)).unwrap();
    state_is_redacted(&s, "keygen::ServerAwaitingOpening");
    let (c, _) = c.receive(&m2).unwrap();
    state_is_redacted(&c, "keygen::ClientAwaitingServerProof");
}

#[test]
fn every_secret_holding_state_prints_its_name_only() {
    keygen_states_are_redacted::<Secp256k1>();
    keygen_states_are_redacted::<Ed25519>();
    // Aux info: each state holds the Paillier primes and the key share.
    let core = |s: &tandem_protocol::ecdsa::EcdsaKeyShare| {
        KeyShare::<Secp256k1>::from_bytes(&s.core().to_bytes().unwrap()).unwrap()
    };
    let key = |i| primes::paillier_key(i).unwrap();
    let (c, m1) =
        aux_info::client_start(core(&PAIR.client), key(0), SessionId([2; 32]), &mut rng(7))
            .unwrap();
    state_is_redacted(&c, "aux_info::ClientAwaitingReveal");
    let (s, m2) = aux_info::server_respond(core(&PAIR.server), key(1), &m1, &mut rng(8)).unwrap();
    state_is_redacted(&s, "aux_info::ServerAwaitingOpening");
    let (c, m3) = c.receive(&m2).unwrap();
    assert_name_only(&c, "aux_info::ClientOpened", None);
    let (s, _) = s.receive(&m3, &mut rng(9)).unwrap();
    state_is_redacted(&s, "aux_info::ServerAwaitingProofs");
    let (c, _) = c.prove(&mut rng(10)).unwrap();
    state_is_redacted(&c, "aux_info::ClientAwaitingProofs");
    // Presigning: nonces k, γ and the MtA masks (not serializable: the name only).
    let (c, p1) = presign::client_start(&PAIR.client, SessionId([3; 32]), &mut rng(11)).unwrap();
    assert_name_only(&c, "presign::ClientAwaitingServer", None);
    let (s, p2) = presign::server_respond(&PAIR.server, &p1, &mut rng(12)).unwrap();
    assert_name_only(&s, "presign::ServerAwaitingClient", None);
    let (c, _) = c.receive(&PAIR.client, &p2, &mut rng(13)).unwrap();
    assert_name_only(&c, "presign::ClientAwaitingServerRound3", None);
    // Online signing holds the presignature; full signing its presigning secrets.
    let (cp, _) = driver::presign(
        &PAIR.client,
        &PAIR.server,
        &mut rng(14),
        &mut rng(15),
        &mut NoTap,
    )
    .unwrap();
    let (c, _) =
        sign::client_start(&PAIR.client, cp, SessionId([4; 32]), &[7; 32], &mut rng(16)).unwrap();
    assert_name_only(&c, "sign::ClientAwaitingPartial", None);
    let (c, f1) =
        full_sign::client_start(&PAIR.client, SessionId([5; 32]), &[8; 32], &mut rng(17)).unwrap();
    assert_name_only(&c, "full_sign::ClientAwaitingServer1", None);
    let (s, f2) = full_sign::server_respond(&PAIR.server, &f1, &mut rng(18)).unwrap();
    assert_name_only(&s, "full_sign::ServerAwaitingClient1", None);
    let (c, _) = c.receive(&PAIR.client, &f2, &mut rng(19)).unwrap();
    assert_name_only(&c, "full_sign::ClientAwaitingServer2", None);
    // FROST: the client's nonces (not serializable: its name and share only are checked).
    let mut x = [0x21; 32];
    x[31] = 0x05;
    let ed = share_with::<Ed25519>(x);
    let (c, _) = eddsa::sign::client_start(&ed, SessionId([6; 32]), b"m", &mut rng(20)).unwrap();
    assert_eq!(
        assert_redacted(&c, &[&x], &[]),
        "eddsa::sign::ClientAwaitingResponse(<redacted>)"
    );
}
