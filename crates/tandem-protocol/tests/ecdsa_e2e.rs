//! ECDSA end to end: keygen, aux info (fixture primes), presign, sign and full sign for
//! several keys and digests; verification with k256 and public-key recovery (ecrecover);
//! saved server states; stored forms and their refusals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use std::sync::LazyLock;

use k256::ecdsa::VerifyingKey;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use rand_core::Rng;
use tandem_curves::{Point, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{
    EcdsaKeyShare, EcdsaSignature, Presignature, full_sign, presign, sign,
};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{DecodeError, Error, KeyShare, Misuse, Role, SessionId};
use tandem_testkit::ecdsa::{PAIR, Pair, pair};
use tandem_testkit::message::rng;

/// A second key, with other seeds and other fixture primes.
static PAIR2: LazyLock<Pair> = LazyLock::new(|| pair(200, (4, 5)));

fn verifying_key(p: &Pair) -> VerifyingKey {
    VerifyingKey::from_affine(p.client.core().public_key().inner().to_affine()).unwrap()
}

/// The checks every wallet relies on: k256 verifies, `s` is low, and ecrecover returns the
/// wallet's key from `(r, s, v)`.
fn check_signature(p: &Pair, digest: &[u8; 32], sig: &EcdsaSignature) {
    let vk = verifying_key(p);
    let k = sig.to_k256().unwrap();
    vk.verify_prehash(digest, &k).unwrap();
    assert!(k.normalize_s() == k, "s must be low");
    assert!(sig.recovery_id <= 1, "x(R) >= q is negligible");
    let recovered =
        VerifyingKey::recover_from_prehash(digest, &k, sig.k256_recovery_id().unwrap()).unwrap();
    assert_eq!(recovered, vk);
    // The 64-byte form is r || s.
    assert_eq!(&sig.to_bytes()[..32], k.r().to_bytes().as_slice());
}

#[test]
fn presign_then_sign_for_many_keys_and_digests() {
    for (p, seed) in [(&*PAIR, 1_u64), (&*PAIR2, 2)] {
        assert_eq!(p.client.core().public_key(), p.server.core().public_key());
        assert_eq!(p.client.sharing_id(), p.server.sharing_id());
        let mut digests = rng(seed);
        for i in 0..3 {
            let mut digest = [0u8; 32];
            digests.fill_bytes(&mut digest);
            let (cp, sp) = driver::presign(
                &p.client,
                &p.server,
                &mut rng(seed * 100 + i),
                &mut rng(seed * 100 + 50 + i),
                &mut NoTap,
            )
            .unwrap();
            assert_eq!(cp.id(), sp.id());
            assert_eq!(cp.r(), sp.r());
            let (c_sig, s_sig) = driver::ecdsa_sign(
                &p.client,
                &p.server,
                cp,
                sp,
                &digest,
                &mut rng(seed * 1000 + i),
                &mut rng(seed * 1000 + 500 + i),
                &mut NoTap,
            )
            .unwrap();
            assert_eq!(c_sig, s_sig, "both parties hold the same signature");
            check_signature(p, &digest, &c_sig);
        }
    }
}

#[test]
fn client_output_signing_stops_after_two_messages() {
    // The client's verified signature after request and response; the server takes no
    // message 3, and its presignature is spent all the same.
    let p = &*PAIR;
    let (cp, sp) =
        driver::presign(&p.client, &p.server, &mut rng(31), &mut rng(32), &mut NoTap).unwrap();
    let mut seen = Vec::new();
    let mut tap = |from: Role, m: &mut Vec<u8>| {
        seen.push((
            from,
            tandem_protocol::message::peek_header(m).unwrap().round,
        ));
    };
    let digest = [0x5a; 32];
    let sig = driver::ecdsa_sign_for_client(
        &p.client,
        &p.server,
        cp,
        sp,
        &digest,
        &mut rng(33),
        &mut rng(34),
        &mut tap,
    )
    .unwrap();
    check_signature(p, &digest, &sig);
    assert_eq!(seen, vec![(Role::Client, 1), (Role::Server, 2)]);
}

#[test]
fn full_signing_without_a_presignature() {
    for (p, digest) in [(&*PAIR, [0xee; 32]), (&*PAIR2, [0u8; 32])] {
        let (c_sig, s_sig) = driver::ecdsa_full_sign(
            &p.client,
            &p.server,
            &digest,
            &mut rng(7),
            &mut rng(8),
            &mut NoTap,
        )
        .unwrap();
        assert_eq!(c_sig, s_sig);
        check_signature(p, &digest, &c_sig);
    }
}

#[test]
fn digest_extremes() {
    // The digest is reduced modulo q as in ECDSA: all-ones (above q) and zero both sign.
    let p = &*PAIR;
    for digest in [[0xff; 32], [0u8; 32]] {
        let (cp, sp) =
            driver::presign(&p.client, &p.server, &mut rng(9), &mut rng(10), &mut NoTap).unwrap();
        let (sig, _) = driver::ecdsa_sign(
            &p.client,
            &p.server,
            cp,
            sp,
            &digest,
            &mut rng(11),
            &mut rng(12),
            &mut NoTap,
        )
        .unwrap();
        check_signature(p, &digest, &sig);
    }
}

#[test]
fn the_same_presignature_rerandomised_gives_distinct_nonces() {
    // Groth-Shoup: R' = δ'·Γ depends on the digest and both parties' fresh ρ, so R' is not
    // known when the digest is chosen. Two runs over presignatures from the same seeds (the
    // same Γ) and the same digest give different r.
    let p = &*PAIR;
    let run = |server_seed: u64| {
        let (cp, sp) =
            driver::presign(&p.client, &p.server, &mut rng(20), &mut rng(21), &mut NoTap).unwrap();
        let gamma = cp.r();
        let (sig, _) = driver::ecdsa_sign(
            &p.client,
            &p.server,
            cp,
            sp,
            &[3; 32],
            &mut rng(22),
            &mut rng(server_seed),
            &mut NoTap,
        )
        .unwrap();
        (gamma, sig)
    };
    let (g1, s1) = run(23);
    let (g2, s2) = run(24);
    assert_eq!(g1, g2, "same presigning seeds, same Γ");
    assert_ne!(s1.r, s2.r, "the server's ρ_s changes R'");
    let gx = tandem_curves::Scalar::<Secp256k1>::new(
        <k256::Scalar as k256::elliptic_curve::ops::Reduce<k256::FieldBytes>>::reduce(
            &k256::elliptic_curve::point::AffineCoordinates::x(&g1.inner().to_affine()),
        ),
    );
    assert_ne!(s1.r, gx, "r is not x(Γ)");
}

#[test]
fn server_states_save_and_resume() {
    // A stateless server stores its half-finished signing runs between requests. Presigning
    // states hold nonces (CGGMP24 Fig. 8 round 1: k, γ fixed by K, G) and are never saved:
    // two restorations could make twin presignatures (`stored::SessionState`); an interrupted
    // presigning run starts over.
    let p = &*PAIR;
    let (client, m1) = presign::client_start(&p.client, SessionId([1; 32]), &mut rng(30)).unwrap();
    let (server, m2) = presign::server_respond(&p.server, &m1, &mut rng(31)).unwrap();
    let (client, m3) = client.receive(&p.client, &m2, &mut rng(32)).unwrap();
    let (sp, m4) = server.receive(&p.server, &m3, &mut rng(33)).unwrap();
    let cp = client.receive(&p.client, &m4).unwrap();

    let (client, m1) =
        sign::client_start(&p.client, cp, SessionId([2; 32]), &[4; 32], &mut rng(34)).unwrap();
    let (server, m2) = sign::server_receive_request(&p.server, &m1)
        .unwrap()
        .approve(&p.server, sp, &mut rng(35))
        .unwrap();
    let saved = server.save().unwrap();
    let server =
        sign::ServerAwaitingFinish::restore(tandem_curves::CurveId::Secp256k1, &saved).unwrap();
    let (sig, m3) = client.receive(&p.client, &m2).unwrap();
    assert_eq!(server.receive(&p.server, &m3).unwrap(), sig);
    check_signature(p, &[4; 32], &sig);

    // Full signing: the server's last state (public values only) is saveable.
    let (client, m1) =
        full_sign::client_start(&p.client, SessionId([3; 32]), &[5; 32], &mut rng(36)).unwrap();
    let (server, m2) = full_sign::server_respond(&p.server, &m1, &mut rng(37)).unwrap();
    assert_eq!(server.digest(), &[5; 32]);
    let (client, m3) = client.receive(&p.client, &m2, &mut rng(38)).unwrap();
    let (server, m4) = server.receive(&p.server, &m3, &mut rng(39)).unwrap();
    let server = full_sign::ServerAwaitingClient2::restore(
        tandem_curves::CurveId::Secp256k1,
        &server.save().unwrap(),
    )
    .unwrap();
    let (sig, m5) = client.receive(&p.client, &m4).unwrap();
    assert_eq!(server.receive(&p.server, &m5).unwrap(), sig);
    check_signature(p, &[5; 32], &sig);
    // A saved state is refused as another state type (another protocol with the same layout),
    // or on the other curve.
    assert!(
        full_sign::ServerAwaitingClient2::restore(tandem_curves::CurveId::Secp256k1, &saved)
            .is_err()
    );
    assert!(sign::ServerAwaitingFinish::restore(tandem_curves::CurveId::Ed25519, &saved).is_err());
}

#[test]
fn stored_key_shares_round_trip_and_refuse_tampering() {
    let p = &*PAIR;
    for share in [&p.client, &p.server] {
        let bytes = share.to_bytes().unwrap();
        assert!(
            bytes.len() <= 3 * 1024,
            "a stored ECDSA key share is {} bytes",
            bytes.len()
        );
        let back = EcdsaKeyShare::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes().unwrap(), bytes, "canonical");
        assert_eq!(back.core().public_key(), share.core().public_key());
        assert_eq!(back.sharing_id(), share.sharing_id());
        assert_eq!(back.role(), share.role());
        // Any flipped byte is refused: the checks on each value, then the integrity check
        // for values that cannot be checked alone (the peer's public share and parameters).
        for i in (0..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            if let Ok(s) = EcdsaKeyShare::from_bytes(&bad) {
                panic!("byte {i} flipped was accepted: {:?}", s.role());
            }
        }
        // A key share of another kind, a truncated one, trailing bytes.
        let core = share.core().to_bytes().unwrap();
        assert!(matches!(
            EcdsaKeyShare::from_bytes(&core),
            Err(Error::Storage(DecodeError::WrongKind))
        ));
        assert!(EcdsaKeyShare::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(EcdsaKeyShare::from_bytes(&long).is_err());
        let _: KeyShare<Secp256k1> = KeyShare::from_bytes(&core).unwrap();
    }
}

#[test]
fn stored_presignatures_round_trip_and_refuse_tampering() {
    let p = &*PAIR;
    let (cp, sp) =
        driver::presign(&p.client, &p.server, &mut rng(40), &mut rng(41), &mut NoTap).unwrap();
    let (id, r) = (cp.id(), cp.r());
    let c_bytes = cp.to_bytes().unwrap();
    let s_bytes = sp.to_bytes().unwrap();
    // The secret shares must match the public commitments stored beside them, and the
    // commitments must sum to G: a flip anywhere but in the peer's S̃ (checked against the
    // public key when signing) and the two labels (presignature id, sharing id) is refused; a
    // flipped label only makes the presignature unusable (the peer has no presignature of
    // that id, the key share another sharing id).
    let original = Presignature::from_bytes(&c_bytes).unwrap();
    for i in 0..c_bytes.len() {
        let mut bad = c_bytes.clone();
        bad[i] ^= 1;
        if let Ok(back) = Presignature::from_bytes(&bad) {
            let key = p.client.core().public_key();
            assert!(
                back.id() != original.id()
                    || back.sharing_id() != original.sharing_id()
                    || !back.matches_key(&key),
                "byte {i} flipped was accepted: {back:?}"
            );
            assert_eq!(back.r(), original.r());
            assert_eq!(
                back.commitments(Role::Client),
                original.commitments(Role::Client)
            );
        }
    }
    drop(original);
    let cp = Presignature::from_bytes(&c_bytes).unwrap();
    let sp = Presignature::from_bytes(&s_bytes).unwrap();
    assert_eq!((cp.id(), cp.r(), cp.role()), (id, r, Role::Client));
    assert_eq!(sp.role(), Role::Server);
    // Secrets are redacted in Debug.
    let dbg = format!("{cp:?}");
    assert!(dbg.contains("redacted"), "{dbg}");
    let (sig, _) = driver::ecdsa_sign(
        &p.client,
        &p.server,
        cp,
        sp,
        &[6; 32],
        &mut rng(42),
        &mut rng(43),
        &mut NoTap,
    )
    .unwrap();
    check_signature(p, &[6; 32], &sig);
}

#[test]
fn presignatures_only_sign_with_their_own_share_and_role() {
    let (p, q) = (&*PAIR, &*PAIR2);
    let (cp, sp) =
        driver::presign(&p.client, &p.server, &mut rng(50), &mut rng(51), &mut NoTap).unwrap();
    // The client's presignature with another key's share, and the server's as the client's.
    assert_eq!(
        sign::client_start(&q.client, cp, SessionId([1; 32]), &[0; 32], &mut rng(52))
            .err()
            .unwrap(),
        Error::Misuse(Misuse::KeyShareChanged)
    );
    assert_eq!(
        sign::client_start(&p.client, sp, SessionId([1; 32]), &[0; 32], &mut rng(53))
            .err()
            .unwrap(),
        Error::Misuse(Misuse::KeyShareChanged)
    );
    // A request naming another presignature than the one approved.
    let (cp2, sp2) =
        driver::presign(&p.client, &p.server, &mut rng(54), &mut rng(55), &mut NoTap).unwrap();
    let (cp3, _sp3) =
        driver::presign(&p.client, &p.server, &mut rng(56), &mut rng(57), &mut NoTap).unwrap();
    drop(cp2);
    let (_, m1) =
        sign::client_start(&p.client, cp3, SessionId([2; 32]), &[0; 32], &mut rng(58)).unwrap();
    let e = sign::server_receive_request(&p.server, &m1)
        .unwrap()
        .approve(&p.server, sp2, &mut rng(59))
        .err()
        .unwrap();
    assert_eq!(
        e,
        Error::Refused {
            sender: Role::Client,
            reason: tandem_protocol::Refusal::PresignatureMismatch
        }
    );
    // Another key's server share refuses the request outright.
    let (cp4, _) =
        driver::presign(&p.client, &p.server, &mut rng(60), &mut rng(61), &mut NoTap).unwrap();
    let (_, m1) =
        sign::client_start(&p.client, cp4, SessionId([3; 32]), &[0; 32], &mut rng(62)).unwrap();
    assert_eq!(
        sign::server_receive_request(&q.server, &m1).err().unwrap(),
        Error::Refused {
            sender: Role::Client,
            reason: tandem_protocol::Refusal::KeyShareMismatch
        }
    );
    let _ = Point::<Secp256k1>::generator();
}

#[test]
fn only_the_client_initiates() {
    // The server co-signs; it cannot start presigning, signing or full signing.
    let p = &*PAIR;
    let wrong_role = Error::Misuse(Misuse::WrongRole {
        expected: Role::Client,
        got: Role::Server,
    });
    assert_eq!(
        presign::client_start(&p.server, SessionId([1; 32]), &mut rng(70))
            .err()
            .unwrap(),
        wrong_role
    );
    assert_eq!(
        full_sign::client_start(&p.server, SessionId([1; 32]), &[0; 32], &mut rng(71))
            .err()
            .unwrap(),
        wrong_role
    );
    // And the client cannot answer as the server.
    let (_, m1) = presign::client_start(&p.client, SessionId([2; 32]), &mut rng(72)).unwrap();
    assert_eq!(
        presign::server_respond(&p.client, &m1, &mut rng(73))
            .err()
            .unwrap(),
        Error::Misuse(Misuse::WrongRole {
            expected: Role::Server,
            got: Role::Client,
        })
    );
}
