//! Two-party FROST Ed25519 signing: completeness, verify_strict, and a dishonest peer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use curve25519_dalek::constants::EIGHT_TORSION;
use ed25519_dalek::VerifyingKey;
use proptest::prelude::*;
use tandem_curves::{Curve, Ed25519, Point, Scalar, SecretScalar};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::eddsa::frost::SigningNonces;
use tandem_protocol::eddsa::sign::{self, SignRequestMsg, SignResponseMsg, SignShareMsg};
use tandem_protocol::eddsa::wire::WireCommitments;
use tandem_protocol::message::peek_header;
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Check, DecodeError, Error, KeyShare, Misuse, Refusal, Role, SessionId};
use tandem_testkit::message::{bytes_field, rng, tamper, with_header, with_payload};

fn keys(seed: u64) -> (KeyShare<Ed25519>, KeyShare<Ed25519>) {
    driver::keygen::<Ed25519, _, _, _>(&mut rng(seed), &mut rng(seed + 1000), &mut NoTap).unwrap()
}

fn vk(k: &KeyShare<Ed25519>) -> VerifyingKey {
    VerifyingKey::from_bytes(&k.public_key().to_bytes().unwrap().try_into().unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn keygen_and_sign_always_verify(seed in any::<u64>(), message in proptest::collection::vec(any::<u8>(), 0..200)) {
        let (c, s) = keys(seed);
        let (sig_c, sig_s) = driver::eddsa_sign(&c, &s, &message, &mut rng(seed ^ 1), &mut rng(seed ^ 2), &mut NoTap).unwrap();
        prop_assert_eq!(sig_c, sig_s);
        prop_assert!(vk(&c).verify_strict(&message, &sig_c).is_ok());
        // Not valid for another message.
        let mut other = message.clone();
        other.push(1);
        prop_assert!(vk(&c).verify_strict(&other, &sig_c).is_err());
    }
}

#[test]
fn different_messages_and_runs_give_different_signatures() {
    let (c, s) = keys(1);
    let (a, _) =
        driver::eddsa_sign(&c, &s, b"pay alice", &mut rng(2), &mut rng(3), &mut NoTap).unwrap();
    let (b, _) =
        driver::eddsa_sign(&c, &s, b"pay bob", &mut rng(2), &mut rng(3), &mut NoTap).unwrap();
    assert_ne!(a, b);
    // Same message, fresh nonces: a different (equally valid) signature.
    let (a2, _) =
        driver::eddsa_sign(&c, &s, b"pay alice", &mut rng(4), &mut rng(5), &mut NoTap).unwrap();
    assert_ne!(a, a2);
    assert!(vk(&c).verify_strict(b"pay alice", &a2).is_ok());
}

fn round(m: &[u8]) -> u8 {
    peek_header(m).unwrap().round
}

fn attack(f: impl FnMut(Role, &mut Vec<u8>)) -> Error {
    let (c, s) = keys(7);
    let mut tap = f;
    driver::eddsa_sign(&c, &s, b"m", &mut rng(8), &mut rng(9), &mut tap).unwrap_err()
}

#[test]
fn bad_server_share_is_named() {
    let e = attack(|from, m| {
        if from == Role::Server && round(m) == 2 {
            *m = tamper::<SignResponseMsg>(m, |p| p.share = p.share + Scalar::one());
        }
    });
    assert_eq!(
        e,
        Error::Misbehaved {
            culprit: Role::Server,
            check: Check::SignatureShare
        }
    );
}

#[test]
fn server_swapping_its_commitments_is_named() {
    // Commitments changed after the share was computed: the share no longer verifies.
    let e = attack(|from, m| {
        if from == Role::Server && round(m) == 2 {
            *m = tamper::<SignResponseMsg>(m, |p| {
                let [hiding, binding] = *p.commitments.eighths();
                p.commitments = WireCommitments::from_bytes(&binding, &hiding).unwrap();
            });
        }
    });
    assert_eq!(
        e,
        Error::Misbehaved {
            culprit: Role::Server,
            check: Check::SignatureShare
        }
    );
}

#[test]
fn bad_client_share_is_named() {
    let e = attack(|from, m| {
        if from == Role::Client && round(m) == 3 {
            *m = tamper::<SignShareMsg>(m, |p| p.share = p.share + Scalar::one());
        }
    });
    assert_eq!(
        e,
        Error::Misbehaved {
            culprit: Role::Client,
            check: Check::SignatureShare
        }
    );
}

#[test]
fn message_swapped_in_transit_is_caught() {
    // The server signs another message than the client's: the client's check of z_s fails.
    let e = attack(|from, m| {
        if from == Role::Client && round(m) == 1 {
            *m = tamper::<SignRequestMsg>(m, |p| p.message = b"pay mallory".to_vec());
        }
    });
    assert_eq!(
        e,
        Error::Misbehaved {
            culprit: Role::Server,
            check: Check::SignatureShare
        }
    );
}

#[test]
fn server_rewriting_its_binding_commitment_is_named() {
    // E_s replaced by D_s after z_s was computed: the binding factors change, z_s fails.
    let e = attack(|from, m| {
        if from == Role::Server && round(m) == 2 {
            *m = tamper::<SignResponseMsg>(m, |p| {
                let [hiding, _] = *p.commitments.eighths();
                p.commitments = WireCommitments::from_bytes(&hiding, &hiding).unwrap();
            });
        }
    });
    assert_eq!(
        e,
        Error::Misbehaved {
            culprit: Role::Server,
            check: Check::SignatureShare
        }
    );
}

fn raw_request(sharing_id: [u8; 32], message: &[u8], hiding: &[u8], binding: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    bytes_field(&mut p, &sharing_id);
    p.push(0); // the path `m`: a sequence of no indices
    bytes_field(&mut p, message);
    bytes_field(&mut p, hiding);
    bytes_field(&mut p, binding);
    p
}

#[test]
fn invalid_nonce_commitments_are_malformed() {
    // The wire carries D̄ = [8^-1]·D; the receiver uses [8]·D̄. Refused: the identity, every
    // point of small order (its multiple by 8 is the identity), encodings that are not
    // canonical or not on the curve.
    let (c, s) = keys(11);
    let good = Point::<Ed25519>::generator().to_bytes().unwrap();
    let mut non_canonical = [0xffu8; 32];
    non_canonical[31] = 0x7f; // y = 2^255 - 1 >= p
    let not_on_curve = {
        // The smallest y whose x^2 = (y^2 - 1) / (d y^2 + 1) is not a square.
        let mut y = 2u8;
        loop {
            let mut b = [0u8; 32];
            b[0] = y;
            if curve25519_dalek::edwards::CompressedEdwardsY(b)
                .decompress()
                .is_none()
            {
                break b;
            }
            y += 1;
        }
    };
    let mut cases = vec![
        (
            "non-canonical y".to_string(),
            non_canonical.to_vec(),
            good.clone(),
        ),
        (
            "not on the curve".to_string(),
            good.clone(),
            not_on_curve.to_vec(),
        ),
    ];
    for (i, t) in EIGHT_TORSION.iter().enumerate() {
        let t = t.compress().to_bytes().to_vec();
        cases.push((
            format!("torsion point {i} as hiding"),
            t.clone(),
            good.clone(),
        ));
        cases.push((format!("torsion point {i} as binding"), good.clone(), t));
    }
    for (name, hiding, binding) in cases {
        let (_client, m1) = sign::client_start(&c, SessionId([1; 32]), b"m", &mut rng(12)).unwrap();
        let bad = with_payload(&m1, raw_request(c.sharing_id(), b"m", &hiding, &binding));
        match sign::server_receive_request(&s, &bad) {
            Err(Error::Malformed {
                sender: Role::Client,
                reason: DecodeError::InvalidValue,
            }) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn torsion_in_a_sent_eighth_is_cleared() {
    // A mixed-order D̄ (prime-order part plus torsion) decodes to its prime-order part times
    // 8: the element FROST uses is in the prime-order subgroup whatever was sent (RFC 9591
    // Section 6.1), and an honest run with torsion added in transit still signs correctly.
    let b = curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    for t in EIGHT_TORSION {
        let mixed = (b + t).compress().to_bytes();
        let decoded = WireCommitments::from_bytes(&mixed, &mixed).unwrap();
        let expected = b.mul_by_cofactor();
        assert_eq!(*decoded.commitments().hiding.point().inner(), expected);
        assert!(
            decoded
                .commitments()
                .hiding
                .point()
                .inner()
                .is_torsion_free()
        );
        assert_eq!(
            decoded.commitments().binding.encoding(),
            &expected.compress().to_bytes()
        );
    }
    let (c, s) = keys(13);
    for (i, t) in EIGHT_TORSION.iter().enumerate() {
        let mut tap = |from: Role, m: &mut Vec<u8>| {
            if from == Role::Client && round(m) == 1 {
                *m = tamper::<SignRequestMsg>(m, |p| {
                    let [hiding, binding] = *p.commitments.eighths();
                    let hiding = curve25519_dalek::edwards::CompressedEdwardsY(hiding)
                        .decompress()
                        .unwrap();
                    let moved = (hiding + t).compress().to_bytes();
                    p.commitments = WireCommitments::from_bytes(&moved, &binding).unwrap();
                });
            }
        };
        let (sig_c, sig_s) =
            driver::eddsa_sign(&c, &s, b"m", &mut rng(14), &mut rng(15), &mut tap).unwrap();
        assert_eq!(sig_c, sig_s, "torsion point {i}");
        assert!(
            vk(&c).verify_strict(b"m", &sig_c).is_ok(),
            "torsion point {i}"
        );
        // The same on the server's response (the client's decoder).
        let mut tap = |from: Role, m: &mut Vec<u8>| {
            if from == Role::Server && round(m) == 2 {
                *m = tamper::<SignResponseMsg>(m, |p| {
                    let [hiding, binding] = *p.commitments.eighths();
                    let binding = curve25519_dalek::edwards::CompressedEdwardsY(binding)
                        .decompress()
                        .unwrap();
                    let moved = (binding + t).compress().to_bytes();
                    p.commitments = WireCommitments::from_bytes(&hiding, &moved).unwrap();
                });
            }
        };
        let (sig_c, sig_s) =
            driver::eddsa_sign(&c, &s, b"m", &mut rng(14), &mut rng(15), &mut tap).unwrap();
        assert_eq!(sig_c, sig_s, "torsion point {i} (response)");
        assert!(
            vk(&c).verify_strict(b"m", &sig_c).is_ok(),
            "torsion point {i} (response)"
        );
    }
}

#[test]
fn commitments_on_the_wire_are_eighths() {
    // What a signer sends is [d/8]·G, torsion-free, and eight times it is its commitment d·G:
    // checked against the nonces themselves, not against the receiver's decoding.
    let inv8 = tandem_curves::ed25519::inv_eight();
    let share = SecretScalar::<Ed25519>::random_nonzero(&mut rng(16));
    for seed in 0..8 {
        let (nonces, wire) = SigningNonces::generate_for_wire(&mut rng(seed), &share).unwrap();
        let [hiding_bytes, binding_bytes] = *wire.eighths();
        for (bytes, nonce, commitment) in [
            (hiding_bytes, nonces.hiding(), nonces.commitments().hiding),
            (
                binding_bytes,
                nonces.binding(),
                nonces.commitments().binding,
            ),
        ] {
            let sent = curve25519_dalek::edwards::CompressedEdwardsY(bytes)
                .decompress()
                .unwrap();
            assert_eq!(sent, *(nonce * &inv8).public_point().inner());
            assert!(sent.is_torsion_free());
            assert_ne!(sent, *commitment.point().inner());
            assert_eq!(sent.mul_by_cofactor(), *nonce.public_point().inner());
            assert_eq!(*commitment.point(), nonce.public_point());
            assert_eq!(
                commitment.encoding(),
                &nonce.public_point().inner().compress().to_bytes()
            );
        }
        assert_eq!(wire.commitments(), nonces.commitments());
    }
}

#[test]
fn client_output_signing_stops_after_two_messages() {
    // The client's verified signature after request and response; the server's state is
    // dropped (no message 3).
    let (c, s) = keys(18);
    let mut seen = Vec::new();
    let mut tap = |from: Role, m: &mut Vec<u8>| seen.push((from, round(m)));
    let sig = driver::eddsa_sign_for_client(&c, &s, b"pay", &mut rng(19), &mut rng(20), &mut tap)
        .unwrap();
    assert!(vk(&c).verify_strict(b"pay", &sig).is_ok());
    assert_eq!(seen, vec![(Role::Client, 1), (Role::Server, 2)]);
}

#[test]
fn signing_with_a_share_of_another_sharing_is_refused() {
    let (c1, _s1) = keys(20);
    let (_c2, s2) = keys(21);
    let (_client, m1) = sign::client_start(&c1, SessionId([2; 32]), b"m", &mut rng(22)).unwrap();
    match sign::server_receive_request(&s2, &m1) {
        Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn roles_are_enforced() {
    let (c, s) = keys(30);
    assert_eq!(
        sign::client_start(&s, SessionId([3; 32]), b"m", &mut rng(31)).err(),
        Some(Error::Misuse(Misuse::WrongRole {
            expected: Role::Client,
            got: Role::Server
        }))
    );
    let (_client, m1) = sign::client_start(&c, SessionId([3; 32]), b"m", &mut rng(31)).unwrap();
    assert!(matches!(
        sign::server_receive_request(&c, &m1),
        Err(Error::Misuse(Misuse::WrongRole { .. }))
    ));
    // Only the client initiates: a server-sent "round 1" is refused.
    let forged = with_header(&m1, |h| h.sender = Role::Server);
    assert!(matches!(
        sign::server_receive_request(&s, &forged),
        Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::WrongSender { got: Role::Server }
        })
    ));
}

#[test]
fn replayed_response_from_another_session_is_refused() {
    let (c, s) = keys(40);
    let (_a, m1a) = sign::client_start(&c, SessionId([4; 32]), b"m", &mut rng(41)).unwrap();
    let (_, m2a) = sign::server_receive_request(&s, &m1a)
        .unwrap()
        .approve(&s, &mut rng(42))
        .unwrap();
    let (b, _m1b) = sign::client_start(&c, SessionId([5; 32]), b"m", &mut rng(43)).unwrap();
    assert_eq!(
        b.receive(&c, &m2a).err(),
        Some(Error::Refused {
            sender: Role::Server,
            reason: Refusal::WrongSession
        })
    );
}

#[test]
fn server_state_saves_restores_and_finishes() {
    let (c, s) = keys(50);
    // Only the server's state is saveable: the client's holds its nonces (see `stored`).
    let (client, m1) =
        sign::client_start(&c, SessionId([6; 32]), b"resume me", &mut rng(51)).unwrap();
    let request = sign::server_receive_request(&s, &m1).unwrap();
    assert_eq!(request.message(), b"resume me");
    let (server, m2) = request.approve(&s, &mut rng(52)).unwrap();
    let server = sign::ServerAwaitingShare::restore(Ed25519::ID, &server.save().unwrap()).unwrap();
    let (sig, m3) = client.receive(&c, &m2).unwrap();
    assert_eq!(server.receive(&s, &m3).unwrap(), sig);
    assert!(vk(&c).verify_strict(b"resume me", &sig).is_ok());
}

#[test]
fn a_state_only_accepts_its_own_key_share() {
    let (c, s) = keys(60);
    let (c2, _) = keys(61);
    let (client, m1) = sign::client_start(&c, SessionId([7; 32]), b"m", &mut rng(62)).unwrap();
    let (_, m2) = sign::server_receive_request(&s, &m1)
        .unwrap()
        .approve(&s, &mut rng(63))
        .unwrap();
    assert_eq!(
        client.receive(&c2, &m2).err(),
        Some(Error::Misuse(Misuse::KeyShareChanged))
    );
}

#[test]
fn verify_signature_agrees_with_verify_strict() {
    use tandem_protocol::eddsa::frost::{Element, verify_signature};
    let (c, s) = keys(70);
    let (sig, _) =
        driver::eddsa_sign(&c, &s, b"agree", &mut rng(71), &mut rng(72), &mut NoTap).unwrap();
    let r = Element::from_bytes(&sig.r_bytes()[..]).unwrap();
    let z = Scalar::<Ed25519>::from_bytes(&sig.s_bytes()[..]).unwrap();
    let x = Element::new(c.public_key()).unwrap();
    assert_eq!(verify_signature(&r, &z, &x, b"agree").unwrap(), sig);
    let key = vk(&c);
    // Each tampering: both checks reject.
    let shifted = Element::new(*r.point() + Point::generator()).unwrap();
    // R with a small-order component: cofactored verification would accept it.
    let torsioned = Element::new(Point::new(*r.point().inner() + EIGHT_TORSION[4])).unwrap();
    let cases = [
        (r, z + Scalar::one(), b"agree".as_slice()),
        (shifted, z, b"agree".as_slice()),
        (r, z, b"agreE".as_slice()),
        (torsioned, z, b"agree".as_slice()),
    ];
    for (r2, z2, m) in cases {
        assert!(verify_signature(&r2, &z2, &x, m).is_err());
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(r2.encoding());
        bytes[32..].copy_from_slice(&z2.to_bytes());
        assert!(
            key.verify_strict(m, &ed25519_dalek::Signature::from_bytes(&bytes))
                .is_err()
        );
    }
}
