//! Taproot (BIP340, BIP341 key path, BIP86): BIP340's published verification vectors against
//! our verifier, two-party signatures verified by `k256::schnorr` (an independent BIP340
//! implementation) under the BIP86 output key of the wallet's key and of its children, and a
//! dishonest peer named at every step.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use k256::elliptic_curve::point::AffineCoordinates;
use sha2::{Digest, Sha256};
use tandem_curves::{Point, Scalar, Secp256k1};
use tandem_protocol::driver::{self, NoTap, Tap};
use tandem_protocol::hd::DerivationPath;
use tandem_protocol::message::{Message, peek_header};
use tandem_protocol::taproot::bip340::{self, Bip340Error};
use tandem_protocol::taproot::sign::{self, SignResponseMsg, SignShareMsg, TaprootSignature};
use tandem_protocol::{Check, Error, KeyShare, Refusal, Role, SessionId};
use tandem_testkit::message::{rng, tamper, with_payload};

fn keys(seed: u64) -> (KeyShare<Secp256k1>, KeyShare<Secp256k1>) {
    driver::keygen::<Secp256k1, _, _, _>(&mut rng(seed), &mut rng(seed + 1000), &mut NoTap).unwrap()
}

fn hex32(s: &str) -> [u8; 32] {
    base16ct::mixed::decode_vec(s).unwrap().try_into().unwrap()
}

/// BIP340's `test-vectors.csv` (19 vectors): each verification result as published, from our
/// verifier and from `k256::schnorr`; where a secret key is given, its x-only public key.
#[test]
fn bip340_published_verification_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../test-vectors/bip340/test-vectors.csv"
    );
    let csv = std::fs::read_to_string(path).unwrap();
    let mut count = 0;
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
        let [
            index,
            secret,
            public,
            _aux,
            message,
            signature,
            result,
            comment,
        ] = fields[..]
        else {
            panic!("a row of 8 fields: {line}");
        };
        let public_key = hex32(public);
        let message = base16ct::mixed::decode_vec(message).unwrap();
        let signature: [u8; 64] = base16ct::mixed::decode_vec(signature)
            .unwrap()
            .try_into()
            .unwrap();
        let expected = match result {
            "TRUE" => true,
            "FALSE" => false,
            other => panic!("result {other}"),
        };
        let ours = bip340::verify(&public_key, &message, &signature);
        assert_eq!(
            ours.is_ok(),
            expected,
            "vector {index} ({comment}): {ours:?}"
        );
        let theirs = k256::schnorr::VerifyingKey::from_slice(&public_key).and_then(|key| {
            key.verify_raw(
                &message,
                &k256::schnorr::Signature::try_from(&signature[..])?,
            )
        });
        assert_eq!(theirs.is_ok(), expected, "k256 on vector {index}");
        if !secret.is_empty() {
            let d = Scalar::<Secp256k1>::from_bytes(&hex32(secret)).unwrap();
            assert_eq!(bip340::x_only(&d.mul_base()), public_key, "vector {index}");
        }
        count += 1;
    }
    assert_eq!(count, 19);
}

#[test]
fn bip340_refusals_name_the_failed_step() {
    let (c, _) = keys(1);
    let x = bip340::x_only(&c.public_key());
    // x = p (field size) is not a coordinate; neither is x = 5 (5^3 + 7 = 132 is not a square
    // mod p; BIP340 vector 5 uses another such x).
    let p = hex32("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
    assert_eq!(
        bip340::verify(&p, b"m", &[1; 64]),
        Err(Bip340Error::PublicKey)
    );
    let mut sig = [0u8; 64];
    sig[32..].copy_from_slice(&hex32(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
    ));
    assert_eq!(bip340::verify(&x, b"m", &sig), Err(Bip340Error::S));
    assert_eq!(
        bip340::verify(&x, b"m", &[0; 64]),
        Err(Bip340Error::Equation)
    );
}

/// BIP341's `taproot_tweak_pubkey` for an empty script tree, written here from the BIP with
/// `k256` types (independent of `TapTweak`): the x-only output key.
fn bip86_output_key(internal: &Point<Secp256k1>) -> [u8; 32] {
    let affine = internal.inner().to_affine();
    let x: [u8; 32] = affine.x().into();
    let even = if bool::from(affine.y_is_odd()) {
        -*internal.inner()
    } else {
        *internal.inner()
    };
    let tag = Sha256::digest(b"TapTweak");
    let t: [u8; 32] = Sha256::new()
        .chain_update(tag)
        .chain_update(tag)
        .chain_update(x)
        .finalize()
        .into();
    let t = Scalar::<Secp256k1>::from_bytes(&t).unwrap();
    let q = even + k256::ProjectivePoint::GENERATOR * t.inner();
    q.to_affine().x().into()
}

fn k256_verifies(signature: &TaprootSignature, message: &[u8]) -> bool {
    let key = k256::schnorr::VerifyingKey::from_slice(&signature.output_key).unwrap();
    let sig = k256::schnorr::Signature::try_from(&signature.signature[..]).unwrap();
    key.verify_raw(message, &sig).is_ok()
}

/// Signatures for the wallet's key and 40 children: each verifies with `k256::schnorr` under
/// the BIP86 output key computed independently from the child's public key, and under no
/// other key; both parities of the internal and of the output key occur (so every negation
/// of the module documentation is exercised), and both parties output the same signature.
#[test]
fn signatures_verify_under_the_bip86_output_key_of_every_child() {
    let (c, s) = keys(7);
    let mut paths = vec![DerivationPath::master()];
    paths.extend((0..40).map(|i| format!("m/{}/{i}", i % 3).parse().unwrap()));
    let mut parities = [[0u32; 2]; 2];
    for (n, path) in paths.iter().enumerate() {
        let message = Sha256::digest(format!("sighash {n}")).to_vec();
        let (sig_c, sig_s) = driver::bip340_sign(
            &c,
            &s,
            path,
            &message,
            &mut rng(100 + n as u64),
            &mut rng(200 + n as u64),
            &mut NoTap,
        )
        .unwrap();
        assert_eq!(sig_c, sig_s, "{path}");
        let internal = c.derive(path).unwrap().public_key;
        assert_eq!(sig_c.output_key, bip86_output_key(&internal), "{path}");
        assert!(k256_verifies(&sig_c, &message), "{path}");
        assert!(bip340::verify(&sig_c.output_key, &message, &sig_c.signature).is_ok());
        // Not a signature for another message, nor under the untweaked key.
        assert!(!k256_verifies(&sig_c, b"another message"), "{path}");
        let untweaked = TaprootSignature {
            output_key: bip340::x_only(&internal),
            ..sig_c
        };
        assert!(!k256_verifies(&untweaked, &message), "{path}");
        let tap = bip340::TapTweak::of(&internal).unwrap();
        parities[usize::from(tap.internal_negated)]
            [usize::from(!bip340::has_even_y(&tap.output_point))] += 1;
    }
    for (i, row) in parities.iter().enumerate() {
        for (o, n) in row.iter().enumerate() {
            assert!(
                *n > 0,
                "no key with internal odd={i}, output odd={o}: {parities:?}"
            );
        }
    }
}

/// A message of any length signs (BIP340 allows variable-length messages), the empty one too.
#[test]
fn messages_of_any_length_sign() {
    let (c, s) = keys(8);
    for len in [0usize, 1, 32, 33, 1000] {
        let message = vec![0x5a; len];
        let (sig, _) = driver::bip340_sign(
            &c,
            &s,
            &DerivationPath::master(),
            &message,
            &mut rng(1),
            &mut rng(2),
            &mut NoTap,
        )
        .unwrap();
        assert!(k256_verifies(&sig, &message), "{len}");
    }
}

/// A [`Tap`] that rewrites the message of one round.
struct Rewrite<F>(u8, F);

impl<F: FnMut(&[u8]) -> Vec<u8>> Tap for Rewrite<F> {
    fn on_message(&mut self, _sender: Role, bytes: &mut Vec<u8>) {
        if peek_header(bytes).unwrap().round == self.0 {
            *bytes = (self.1)(bytes);
        }
    }
}

fn sign_with<T: Tap>(
    c: &KeyShare<Secp256k1>,
    s: &KeyShare<Secp256k1>,
    tap: &mut T,
) -> Result<(TaprootSignature, TaprootSignature), Error> {
    driver::bip340_sign(
        c,
        s,
        &DerivationPath::master(),
        b"spend",
        &mut rng(3),
        &mut rng(4),
        tap,
    )
}

fn culprit(r: Result<(TaprootSignature, TaprootSignature), Error>) -> (Role, Check) {
    match r {
        Err(Error::Misbehaved { culprit, check }) => (culprit, check),
        other => panic!("expected an identifiable abort, got {other:?}"),
    }
}

#[test]
fn a_bad_share_names_its_sender() {
    let (c, s) = keys(9);
    let mut bad_server = Rewrite(sign::round::RESPONSE, |b: &[u8]| {
        tamper(b, |m: &mut SignResponseMsg| {
            m.share = m.share + Scalar::one()
        })
    });
    assert_eq!(
        culprit(sign_with(&c, &s, &mut bad_server)),
        (Role::Server, Check::SignatureShare)
    );
    let mut bad_client = Rewrite(sign::round::CLIENT_SHARE, |b: &[u8]| {
        tamper(b, |m: &mut SignShareMsg| m.share = -m.share)
    });
    assert_eq!(
        culprit(sign_with(&c, &s, &mut bad_client)),
        (Role::Client, Check::SignatureShare)
    );
}

/// The server signing another message, or another key, than the client asked for gives no
/// signature: the client names it.
#[test]
fn a_request_changed_in_transit_gives_no_signature() {
    let (c, s) = keys(10);
    let mut other_message = Rewrite(sign::round::REQUEST, |b: &[u8]| {
        tamper(b, |m: &mut sign::SignRequestMsg| {
            m.message = b"pay mallory".to_vec()
        })
    });
    assert_eq!(
        culprit(sign_with(&c, &s, &mut other_message)),
        (Role::Server, Check::SignatureShare)
    );
    let mut other_path = Rewrite(sign::round::REQUEST, |b: &[u8]| {
        tamper(b, |m: &mut sign::SignRequestMsg| {
            m.path = "m/0/1".parse().unwrap()
        })
    });
    assert_eq!(
        culprit(sign_with(&c, &s, &mut other_path)),
        (Role::Server, Check::SignatureShare)
    );
    // The server echoing the client's own commitments of this run: R changes, the server's
    // share no longer fits, and the client names it.
    let mut echo = Echo(None);
    assert_eq!(
        culprit(sign_with(&c, &s, &mut echo)),
        (Role::Server, Check::SignatureShare)
    );
    assert!(
        echo.0.is_some(),
        "the client's commitments were seen and echoed"
    );
}

/// A [`Tap`] that keeps the client's message 1 and puts its commitments in message 2 as the
/// server's.
struct Echo(Option<sign::SignRequestMsg>);

impl Tap for Echo {
    fn on_message(&mut self, _sender: Role, bytes: &mut Vec<u8>) {
        let round = peek_header(bytes).unwrap().round;
        if round == sign::round::REQUEST {
            let payload = Message::from_bytes(bytes).unwrap().payload;
            self.0 = Some(tandem_protocol::codec::decode(&payload).unwrap());
        } else if round == sign::round::RESPONSE {
            let own = self.0.as_ref().unwrap().commitments;
            *bytes = tamper(bytes, |m: &mut SignResponseMsg| m.commitments = own);
        }
    }
}

#[test]
fn another_sharing_is_refused() {
    let (c, _) = keys(11);
    let (_, s) = keys(12);
    match sign_with(&c, &s, &mut NoTap) {
        Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        }) => {}
        other => panic!("{other:?}"),
    }
}

/// Nonce commitments that are not valid compressed points (off the curve, `x ≥ p`, the
/// uncompressed tag, the all-zero encoding of infinity) are malformed, naming the sender.
#[test]
fn invalid_commitments_are_malformed() {
    let (c, s) = keys(13);
    let (_, m1) = sign::client_start(
        &c,
        SessionId([2; 32]),
        &DerivationPath::master(),
        b"x",
        &mut rng(6),
    )
    .unwrap();
    let payload = Message::from_bytes(&m1).unwrap().payload;
    let request: sign::SignRequestMsg = tandem_protocol::codec::decode(&payload).unwrap();
    let hiding = request.commitments.hiding.encoding().to_vec();
    let at = payload
        .windows(33)
        .position(|w| w == hiding.as_slice())
        .unwrap();
    let mut not_on_curve = [0x02; 33];
    not_on_curve[1..].copy_from_slice(&hex32(
        "0000000000000000000000000000000000000000000000000000000000000005",
    ));
    let mut x_too_big = [0xff; 33];
    x_too_big[0] = 0x02;
    let mut uncompressed_tag = [0u8; 33];
    uncompressed_tag.copy_from_slice(&hiding);
    uncompressed_tag[0] = 0x04;
    for bad in [not_on_curve, x_too_big, uncompressed_tag, [0; 33]] {
        let mut p = payload.clone();
        p[at..at + 33].copy_from_slice(&bad);
        match sign::server_receive_request(&s, &with_payload(&m1, p)) {
            Err(Error::Malformed {
                sender: Role::Client,
                ..
            }) => {}
            other => panic!("{bad:02x?}: {other:?}"),
        }
    }
}

/// A state finishes only with the share it started with (the client after a refresh of its
/// share mid-run, the server likewise): `Misuse::KeyShareChanged`, nothing signed.
#[test]
fn a_state_only_accepts_its_own_key_share() {
    let (c, s) = keys(14);
    let (c2, s2) = keys(15);
    let m = DerivationPath::master();
    // The same seeds give the same client state (a test-only replay of one run).
    let start = || sign::client_start(&c, SessionId([3; 32]), &m, b"x", &mut rng(1)).unwrap();
    let (client, m1) = start();
    let (server, m2) = sign::server_receive_request(&s, &m1)
        .unwrap()
        .approve(&s, &mut rng(2))
        .unwrap();
    assert!(matches!(
        client.receive(&c2, &m2),
        Err(Error::Misuse(tandem_protocol::Misuse::KeyShareChanged))
    ));
    let (client, _) = start();
    let (_, m3) = client.receive(&c, &m2).unwrap();
    assert!(matches!(
        server.receive(&s2, &m3),
        Err(Error::Misuse(tandem_protocol::Misuse::KeyShareChanged))
    ));
}
