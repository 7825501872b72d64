//! Signing with derived (non-hardened) child keys through the protocols: the chain code
//! agreed in key generation and kept by every resharing, ECDSA from the wallet's
//! presignatures and full signing, and FROST, each verified under the child key by an
//! independent verifier (k256, ed25519-dalek) and not under the wallet's; parties that hold
//! different chain codes cannot sign or reshare.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use ed25519_dalek::VerifyingKey;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use tandem_curves::{Ed25519, Point, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{EcdsaKeyShare, EcdsaSignature};
use tandem_protocol::hd::{ChainCode, DerivationPath};
use tandem_protocol::reshare::{Backup, Recover, Refresh};
use tandem_protocol::{Check, Error, KeyShare, Refusal, Role};
use tandem_testkit::message::rng;

use support::{copy, keys, misbehaved};

fn ed_vk(p: &Point<Ed25519>) -> VerifyingKey {
    VerifyingKey::from_bytes(&p.to_bytes().unwrap().try_into().unwrap()).unwrap()
}

fn k256_vk(p: &Point<Secp256k1>) -> k256::ecdsa::VerifyingKey {
    k256::ecdsa::VerifyingKey::from_affine(p.inner().to_affine()).unwrap()
}

/// `share` with its chain code replaced (what a party with another tree would hold).
fn with_chain_code<C: tandem_curves::Curve>(share: &KeyShare<C>, cc: [u8; 32]) -> KeyShare<C> {
    KeyShare::new(
        share.role(),
        share.secret().duplicate(),
        *share.public_shares(),
        ChainCode::from_bytes(cc),
    )
    .unwrap()
}

fn ecdsa_with_chain_code(share: &EcdsaKeyShare, cc: [u8; 32]) -> EcdsaKeyShare {
    EcdsaKeyShare::new(
        with_chain_code(share.core(), cc),
        copy(share.own()),
        copy(share.peer()),
    )
    .unwrap()
}

/// Verifies `sig` on `digest` under `key` with k256, and that the recovery id recovers `key`.
fn verifies(sig: &EcdsaSignature, digest: &[u8; 32], key: &Point<Secp256k1>) -> bool {
    let k = sig.to_k256().unwrap();
    let ok = k256_vk(key).verify_prehash(digest, &k).is_ok();
    if ok {
        let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(
            digest,
            &k,
            sig.k256_recovery_id().unwrap(),
        )
        .unwrap();
        assert_eq!(
            recovered,
            k256_vk(key),
            "the recovery id recovers the child key"
        );
    }
    ok
}

#[test]
fn key_generation_agrees_a_chain_code_that_is_not_the_legacy_one() {
    let (c, s) = driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    assert_eq!(c.chain_code(), s.chain_code());
    assert_ne!(*c.chain_code(), ChainCode::legacy(&c.public_key()));
    // Another run (other randomness on either side), another chain code.
    let (c2, s2) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(3), &mut NoTap).unwrap();
    assert_eq!(c2.chain_code(), s2.chain_code());
    assert_ne!(c.chain_code(), c2.chain_code());
    // The stored form keeps it.
    let back = KeyShare::<Ed25519>::from_bytes(&c.to_bytes().unwrap()).unwrap();
    assert_eq!(back.chain_code(), c.chain_code());
}

#[test]
fn ecdsa_signs_for_every_child_from_the_wallets_presignatures() {
    let k = keys();
    let wallet = k.client.core().public_key();
    for (i, text) in ["m", "m/0", "m/1", "m/44/0/7"].iter().enumerate() {
        let path: DerivationPath = text.parse().unwrap();
        let child = k.client.core().derive(&path).unwrap();
        assert_eq!(child, k.server.core().derive(&path).unwrap());
        let seed = 100 + 10 * i as u64;
        // Presignatures are made for the wallet's sharing, whichever key they will sign for.
        let presignatures = driver::presign(
            &k.client,
            &k.server,
            &mut rng(seed),
            &mut rng(seed + 1),
            &mut NoTap,
        )
        .unwrap();
        let digest = [u8::try_from(i).unwrap() + 1; 32];
        let (sig, server_sig) = driver::ecdsa_sign_at(
            &k.client,
            &k.server,
            presignatures,
            &path,
            &digest,
            &mut rng(seed + 2),
            &mut rng(seed + 3),
            &mut NoTap,
        )
        .unwrap();
        assert_eq!(sig, server_sig);
        assert!(verifies(&sig, &digest, &child.public_key), "{text}");
        assert_eq!(path.is_master(), verifies(&sig, &digest, &wallet), "{text}");
    }
    // Full signing (no stored presignature) too.
    let path: DerivationPath = "m/3/9".parse().unwrap();
    let child = k.client.core().derive(&path).unwrap();
    let digest = [0x5a; 32];
    let (sig, _) = driver::ecdsa_full_sign_at(
        &k.client,
        &k.server,
        &path,
        &digest,
        &mut rng(150),
        &mut rng(151),
        &mut NoTap,
    )
    .unwrap();
    assert!(verifies(&sig, &digest, &child.public_key));
    assert!(!verifies(&sig, &digest, &wallet));
}

#[test]
fn frost_signs_for_every_child_key() {
    let (c, s) = driver::keygen::<Ed25519, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    for (i, text) in ["m", "m/0", "m/1", "m/501/0/7"].iter().enumerate() {
        let path: DerivationPath = text.parse().unwrap();
        let (cc, derived) = c.child(&path).unwrap();
        let (sc, other) = s.child(&path).unwrap();
        // Both parties arrive at the same child and the same sharing of it.
        assert_eq!(derived, other);
        assert_eq!(cc.public_key(), derived.public_key);
        assert_eq!(cc.sharing_id(), sc.sharing_id());
        // The server's secret is untouched; the client's carries the tweak.
        assert_eq!(sc.secret().public_point(), s.secret().public_point());
        let message = format!("pay from {text}");
        let seed = 10 + i as u64;
        let (sig, server_sig) = driver::eddsa_sign_at(
            &c,
            &s,
            &path,
            message.as_bytes(),
            &mut rng(seed),
            &mut rng(seed + 100),
            &mut NoTap,
        )
        .unwrap();
        assert_eq!(sig, server_sig);
        ed_vk(&derived.public_key)
            .verify_strict(message.as_bytes(), &sig)
            .unwrap();
        assert_eq!(
            path.is_master(),
            ed_vk(&c.public_key())
                .verify_strict(message.as_bytes(), &sig)
                .is_ok()
        );
    }
}

#[test]
fn parties_with_different_chain_codes_cannot_sign_a_child() {
    let path: DerivationPath = "m/1".parse().unwrap();
    // Ed25519: the server derives another child; the client names its share.
    let (c, s) = driver::keygen::<Ed25519, _, _, _>(&mut rng(3), &mut rng(4), &mut NoTap).unwrap();
    let other = with_chain_code(&s, [8; 32]);
    let r = driver::eddsa_sign_at(
        &c,
        &other,
        &path,
        b"x",
        &mut rng(5),
        &mut rng(6),
        &mut NoTap,
    );
    assert_eq!(misbehaved(r), (Role::Server, Check::SignatureShare));
    // The wallet's own key does not depend on the chain code.
    driver::eddsa_sign(&c, &other, b"x", &mut rng(5), &mut rng(6), &mut NoTap).unwrap();

    // ECDSA: the server signs with another child's tweak and its nonce point; the client
    // recomputes R' to name it, and its own partial signature never leaves.
    let k = keys();
    let other = ecdsa_with_chain_code(&k.server, [9; 32]);
    let presignatures =
        driver::presign(&k.client, &other, &mut rng(7), &mut rng(8), &mut NoTap).unwrap();
    let r = driver::ecdsa_sign_at(
        &k.client,
        &other,
        presignatures,
        &path,
        &[1; 32],
        &mut rng(9),
        &mut rng(10),
        &mut NoTap,
    );
    assert_eq!(misbehaved(r), (Role::Server, Check::NoncePoint));
}

#[test]
fn every_resharing_keeps_the_chain_code_and_refuses_another() {
    let (c, s) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(20), &mut rng(21), &mut NoTap).unwrap();
    let chain = *c.chain_code();
    let (rc, rs) = driver::reshare::<Refresh, Ed25519, _, _, _>(
        &c,
        &s,
        &mut rng(22),
        &mut rng(23),
        &mut NoTap,
    )
    .unwrap();
    assert_eq!((*rc.chain_code(), *rs.chain_code()), (chain, chain));
    let (bc, bk) =
        driver::reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng(24), &mut rng(25), &mut NoTap)
            .unwrap();
    assert_eq!((*bc.chain_code(), *bk.chain_code()), (chain, chain));
    let (nc, ns) = driver::reshare::<Recover, Ed25519, _, _, _>(
        &bc,
        &bk,
        &mut rng(26),
        &mut rng(27),
        &mut NoTap,
    )
    .unwrap();
    assert_eq!((*nc.chain_code(), *ns.chain_code()), (chain, chain));
    // The recovered pair signs for the same child as the original.
    let path: DerivationPath = "m/7".parse().unwrap();
    let (sig, _) = driver::eddsa_sign_at(
        &nc,
        &ns,
        &path,
        b"m",
        &mut rng(28),
        &mut rng(29),
        &mut NoTap,
    )
    .unwrap();
    ed_vk(&c.derive(&path).unwrap().public_key)
        .verify_strict(b"m", &sig)
        .unwrap();
    // A server holding another chain code refuses the run at message 1.
    let other = with_chain_code(&s, [1; 32]);
    let r = driver::reshare::<Refresh, Ed25519, _, _, _>(
        &c,
        &other,
        &mut rng(30),
        &mut rng(31),
        &mut NoTap,
    );
    assert!(
        matches!(
            r,
            Err(Error::Refused {
                sender: Role::Client,
                reason: Refusal::KeyShareMismatch
            })
        ),
        "{r:?}"
    );
}

#[test]
fn a_share_of_stored_format_1_reads_with_the_legacy_chain_code() {
    // The frozen ECDSA fixture is of format 1 (before chain codes).
    let k = keys();
    let legacy = ChainCode::legacy(&k.client.core().public_key());
    assert_eq!(*k.client.core().chain_code(), legacy);
    assert_eq!(*k.server.core().chain_code(), legacy);
    // Written again, it is format 2 and keeps that chain code.
    let again = EcdsaKeyShare::from_bytes(&k.client.to_bytes().unwrap()).unwrap();
    assert_eq!(*again.core().chain_code(), legacy);
    assert_eq!(
        tandem_protocol::stored::peek(&k.client.to_bytes().unwrap())
            .unwrap()
            .version,
        tandem_protocol::stored::STORED_VERSION
    );
}

/// The ECDSA signing request with its path as a plain sequence, to send paths that
/// `DerivationPath` cannot hold (same encoding as `sign::SignRequestMsg`).
#[derive(serde::Serialize, serde::Deserialize)]
struct RawEcdsaRequest {
    presignature: tandem_protocol::SessionId,
    #[serde(with = "tandem_curves::encoding::fixed")]
    sharing_id: [u8; 32],
    path: Vec<u32>,
    #[serde(with = "tandem_curves::encoding::fixed")]
    digest: [u8; 32],
    #[serde(with = "tandem_curves::encoding::fixed")]
    rho: [u8; 32],
}

/// The same for Ed25519 (`eddsa::sign::SignRequestMsg`).
#[derive(serde::Serialize, serde::Deserialize)]
struct RawEddsaRequest {
    #[serde(with = "tandem_curves::encoding::fixed")]
    sharing_id: [u8; 32],
    path: Vec<u32>,
    #[serde(with = "tandem_curves::encoding::var")]
    message: Vec<u8>,
    commitments: tandem_protocol::eddsa::wire::WireCommitments,
}

/// Paths a client may send but no key has: hardened, too deep. Refused as malformed before
/// anything else (the server derives nothing).
fn bad_paths() -> Vec<(&'static str, Vec<u32>)> {
    vec![
        ("hardened", vec![0, 1 << 31]),
        ("all ones", vec![u32::MAX]),
        ("256 deep", vec![0; 256]),
        ("1000 deep", vec![7; 1000]),
    ]
}

#[test]
fn a_server_refuses_a_path_no_key_has() {
    use tandem_protocol::ecdsa::sign as ecdsa_sign;
    use tandem_protocol::eddsa::sign as eddsa_sign;
    use tandem_protocol::{DecodeError, SessionId};
    use tandem_testkit::message::tamper;

    let k = keys();
    let (cp, sp) =
        driver::presign(&k.client, &k.server, &mut rng(40), &mut rng(41), &mut NoTap).unwrap();
    let (_state, m1) =
        ecdsa_sign::client_start(&k.client, cp, SessionId([4; 32]), &[1; 32], &mut rng(42))
            .unwrap();
    let (c, s) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(43), &mut rng(44), &mut NoTap).unwrap();
    let (_estate, e1) =
        eddsa_sign::client_start(&c, SessionId([5; 32]), b"x", &mut rng(45)).unwrap();
    for (name, path) in bad_paths() {
        let bad = tamper::<RawEcdsaRequest>(&m1, |r| r.path = path.clone());
        match ecdsa_sign::server_receive_request(&k.server, &bad) {
            Err(Error::Malformed {
                sender: Role::Client,
                reason: DecodeError::InvalidValue,
            }) => {}
            other => panic!("ECDSA, {name}: {other:?}"),
        }
        let bad = tamper::<RawEddsaRequest>(&e1, |r| r.path = path.clone());
        match eddsa_sign::server_receive_request(&s, &bad) {
            Err(Error::Malformed {
                sender: Role::Client,
                reason: DecodeError::InvalidValue,
            }) => {}
            other => panic!("Ed25519, {name}: {other:?}"),
        }
    }
    // The deepest path a key has is accepted, and the server shows it before approving.
    let deepest = vec![3; 255];
    let ok = tamper::<RawEcdsaRequest>(&m1, |r| r.path = deepest.clone());
    let request = ecdsa_sign::server_receive_request(&k.server, &ok).unwrap();
    assert_eq!(request.path().indices(), &deepest[..]);
    drop(sp);
}

#[test]
fn a_path_changed_in_transit_gives_no_signature() {
    use tandem_protocol::ecdsa::sign as ecdsa_sign;
    use tandem_protocol::eddsa::sign as eddsa_sign;
    use tandem_protocol::{Check, SessionId};
    use tandem_testkit::message::tamper;

    // ECDSA: the server signs for m/2 while the client asked for m/1. The client recomputes
    // R' (δ' hashes the path) and names the server; σ_c never leaves.
    let k = keys();
    let (cp, sp) =
        driver::presign(&k.client, &k.server, &mut rng(50), &mut rng(51), &mut NoTap).unwrap();
    let path: DerivationPath = "m/1".parse().unwrap();
    let (state, m1) = ecdsa_sign::client_start_at(
        &k.client,
        cp,
        SessionId([6; 32]),
        &path,
        &[2; 32],
        &mut rng(52),
    )
    .unwrap();
    let moved = tamper::<RawEcdsaRequest>(&m1, |r| r.path = vec![2]);
    let request = ecdsa_sign::server_receive_request(&k.server, &moved).unwrap();
    let (_, m2) = request.approve(&k.server, sp, &mut rng(53)).unwrap();
    assert_eq!(
        misbehaved(state.receive(&k.client, &m2)),
        (Role::Server, Check::NoncePoint)
    );

    // Ed25519: the server's share is for another child; the client names it.
    let (c, s) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(54), &mut rng(55), &mut NoTap).unwrap();
    let (state, e1) =
        eddsa_sign::client_start_at(&c, SessionId([7; 32]), &path, b"x", &mut rng(56)).unwrap();
    let moved = tamper::<RawEddsaRequest>(&e1, |r| r.path = vec![2]);
    let request = eddsa_sign::server_receive_request(&s, &moved).unwrap();
    let (_, e2) = request.approve(&s, &mut rng(57)).unwrap();
    assert_eq!(
        misbehaved(state.receive(&c, &e2)),
        (Role::Server, Check::SignatureShare)
    );
}
