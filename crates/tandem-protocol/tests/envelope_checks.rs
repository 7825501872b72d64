//! Checks of the envelope, the codec and the stored formats listed in `CHECKS.md` that no
//! other test provoked: each test crafts the bad input, asserts the exact error variant and,
//! where the error names one, the culprit. Every server refuses a first message of an unknown
//! wire version (the ECDSA key shares come from the frozen fixture
//! `test-vectors/v1/ecdsa-secp256k1.json`, no aux info at start-up: `support`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use tandem_curves::{Ed25519, Secp256k1, SecretScalar};
use tandem_protocol::codec;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::{Presignature, aux_info, full_sign, presign, sign};
use tandem_protocol::eddsa::sign as eddsa_sign;
use tandem_protocol::hd::ChainCode;
use tandem_protocol::keygen;
use tandem_protocol::message::peek_header;
use tandem_protocol::stored;
use tandem_protocol::{
    DecodeError, Error, KeyShare, Message, Misuse, PublicShares, Refusal, Role, SessionId,
};

use support::{core_copy, keys};
use tandem_testkit::message::rng;
use tandem_testkit::primes;

// ---------------------------------------------------------------------------------------
// Envelope, codec, stored formats.

#[test]
fn peek_header_failure_is_malformed_naming_the_client() {
    for garbage in [Vec::new(), vec![2u8], vec![0xff; 40]] {
        match keygen::server_respond::<Ed25519, _>(&garbage, &mut rng(1)) {
            Err(Error::Malformed {
                sender: Role::Client,
                ..
            }) => {}
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
    // Empty input: the version is missing.
    assert_eq!(peek_header(&[]), Err(DecodeError::Truncated));
}

#[test]
fn fixed_length_field_of_another_length_is_malformed() {
    // CommitMsg holds a 32-byte commitment; 31 bytes are refused by `encoding::fixed`.
    let (_, m1) = keygen::client_start::<Ed25519, _>(SessionId([1; 32]), &mut rng(2)).unwrap();
    let mut msg = Message::from_bytes(&m1).unwrap();
    msg.payload = {
        let mut p = vec![31u8];
        p.extend_from_slice(&[7u8; 31]);
        p
    };
    let bad = msg.to_bytes().unwrap();
    assert_eq!(
        keygen::server_respond::<Ed25519, _>(&bad, &mut rng(3))
            .err()
            .unwrap(),
        Error::Malformed {
            sender: Role::Client,
            reason: DecodeError::InvalidValue
        }
    );
}

#[test]
fn unknown_enum_tag_in_the_header_is_malformed() {
    // The protocol id is the second field of the header (after the version varint).
    let (client, _) = keygen::client_start::<Ed25519, _>(SessionId([2; 32]), &mut rng(4)).unwrap();
    let (_, m2) = {
        let (_, m1) = keygen::client_start::<Ed25519, _>(SessionId([2; 32]), &mut rng(4)).unwrap();
        keygen::server_respond::<Ed25519, _>(&m1, &mut rng(5)).unwrap()
    };
    let mut bad = m2.clone();
    assert_eq!(bad[1], 0, "protocol Keygen is variant 0");
    bad[1] = 100;
    match client.receive(&bad) {
        Err(Error::Malformed {
            sender: Role::Server,
            reason: DecodeError::InvalidValue,
        }) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn oversized_payload_cannot_be_sealed() {
    // codec::encode refuses more than MAX_ENCODED_LEN: a 1 MiB message to sign.
    let (c, _) = driver::keygen::<Ed25519, _, _, _>(&mut rng(5), &mut rng(6), &mut NoTap).unwrap();
    let message = vec![0u8; codec::MAX_ENCODED_LEN];
    assert_eq!(
        eddsa_sign::client_start(&c, SessionId([3; 32]), &message, &mut rng(7))
            .err()
            .unwrap(),
        Error::Misuse(Misuse::Encode)
    );
}

#[test]
fn stored_header_refusals() {
    assert_eq!(stored::peek(&[]), Err(DecodeError::Truncated));
    let (c, _) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(8), &mut rng(9), &mut NoTap).unwrap();
    let bytes = c.to_bytes().unwrap();
    // A key share read as a presignature: another kind.
    assert_eq!(
        Presignature::from_bytes(&bytes).err().unwrap(),
        Error::Storage(DecodeError::WrongKind)
    );
    // The version is read first.
    let mut v9 = bytes.clone();
    v9[0] = 9;
    assert_eq!(stored::peek(&v9), Err(DecodeError::UnsupportedVersion(9)));
}

#[test]
fn key_share_with_an_identity_public_key_is_refused() {
    let x = SecretScalar::<Secp256k1>::random_nonzero(&mut rng(10));
    let p = x.public_point();
    let shares = PublicShares {
        client: p,
        server: -p,
    };
    assert_eq!(
        KeyShare::new(Role::Client, x, shares, ChainCode::from_bytes([3; 32])).err(),
        Some(DecodeError::Inconsistent)
    );
}

/// A first message with the wire version byte changed (the version is the envelope's first
/// field; 1 encodes as the single byte 0x01).
fn with_version_3(m: &[u8]) -> Vec<u8> {
    assert_eq!(m[0], 2, "wire version 2 is one varint byte");
    let mut v = m.to_vec();
    v[0] = 3;
    v
}

#[test]
fn every_server_refuses_a_first_message_of_an_unknown_version() {
    // The server starts its session from the client's first message; an unknown version is a
    // refusal naming the client, as in every later round (not a decoding failure).
    let expect = |r: Result<(), Error>, what: &str| {
        assert_eq!(
            r,
            Err(Error::Refused {
                sender: Role::Client,
                reason: Refusal::UnsupportedVersion(3)
            }),
            "{what}"
        );
    };
    let k = keys();
    let (_, m1) = keygen::client_start::<Ed25519, _>(SessionId([0x51; 32]), &mut rng(90)).unwrap();
    expect(
        keygen::server_respond::<Ed25519, _>(&with_version_3(&m1), &mut rng(91)).map(drop),
        "keygen",
    );
    let (ec, es) =
        driver::keygen::<Ed25519, _, _, _>(&mut rng(92), &mut rng(93), &mut NoTap).unwrap();
    let (_, m1) = eddsa_sign::client_start(&ec, SessionId([0x52; 32]), b"m", &mut rng(94)).unwrap();
    expect(
        eddsa_sign::server_receive_request(&es, &with_version_3(&m1)).map(drop),
        "FROST signing",
    );
    let (_, m1) = aux_info::client_start(
        core_copy(&k.client),
        primes::paillier_key(2).unwrap(),
        SessionId([0x53; 32]),
        &mut rng(95),
    )
    .unwrap();
    expect(
        aux_info::server_respond(
            core_copy(&k.server),
            primes::paillier_key(3).unwrap(),
            &with_version_3(&m1),
            &mut rng(96),
        )
        .map(drop),
        "aux info",
    );
    let (_, m1) = presign::client_start(&k.client, SessionId([0x54; 32]), &mut rng(97)).unwrap();
    expect(
        presign::server_respond(&k.server, &with_version_3(&m1), &mut rng(98)).map(drop),
        "presigning",
    );
    let (_, m1) =
        full_sign::client_start(&k.client, SessionId([0x55; 32]), &[1; 32], &mut rng(99)).unwrap();
    expect(
        full_sign::server_respond(&k.server, &with_version_3(&m1), &mut rng(100)).map(drop),
        "full signing",
    );
    let (c, s) = driver::presign(
        &k.client,
        &k.server,
        &mut rng(101),
        &mut rng(102),
        &mut NoTap,
    )
    .unwrap();
    drop(s);
    let (_, m1) =
        sign::client_start(&k.client, c, SessionId([0x56; 32]), &[2; 32], &mut rng(103)).unwrap();
    expect(
        sign::server_receive_request(&k.server, &with_version_3(&m1)).map(drop),
        "signing",
    );
}
