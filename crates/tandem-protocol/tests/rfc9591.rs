//! RFC 9591 Appendix E.1, FROST(Ed25519, SHA-512): every field of the published vector is
//! recomputed from its inputs by the same code the two-party protocol signs with.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use serde::Deserialize;
use tandem_curves::{Ed25519, Scalar, SecretScalar};
use tandem_protocol::eddsa::frost::{
    Element, Identifier, SigningNonces, SigningPackage, compute_binding_factor_inputs,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    #[allow(dead_code)]
    source: String,
    config: Config,
    inputs: Inputs,
    round_one_outputs: Outputs<RoundOne>,
    round_two_outputs: Outputs<RoundTwo>,
    final_output: FinalOutput,
}

#[derive(Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct Config {
    max_participants: u16,
    num_participants: u16,
    min_participants: u16,
    #[serde(rename = "name")]
    name: String,
}

#[derive(Deserialize)]
struct Inputs {
    participant_list: Vec<u16>,
    group_secret_key: Hex,
    group_public_key: Hex,
    message: Hex,
    share_polynomial_coefficients: Vec<Hex>,
    participant_shares: Vec<ParticipantShare>,
}

#[derive(Deserialize)]
struct ParticipantShare {
    identifier: u16,
    participant_share: Hex,
}

#[derive(Deserialize)]
struct Outputs<T> {
    outputs: Vec<T>,
}

#[derive(Deserialize)]
struct RoundOne {
    identifier: u16,
    hiding_nonce_randomness: Hex,
    binding_nonce_randomness: Hex,
    hiding_nonce: Hex,
    binding_nonce: Hex,
    hiding_nonce_commitment: Hex,
    binding_nonce_commitment: Hex,
    binding_factor_input: Hex,
    binding_factor: Hex,
}

#[derive(Deserialize)]
struct RoundTwo {
    identifier: u16,
    sig_share: Hex,
}

#[derive(Deserialize)]
struct FinalOutput {
    sig: Hex,
}

/// Lowercase hex, decoded at load time.
#[derive(Deserialize)]
#[serde(transparent)]
struct Hex(#[serde(with = "tandem_curves::encoding::var")] Vec<u8>);

impl Hex {
    fn arr32(&self) -> [u8; 32] {
        self.0.as_slice().try_into().expect("32 bytes")
    }
}

fn load() -> Vector {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../test-vectors/rfc9591/frost-ed25519-sha512.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("vector JSON")
}

fn id(n: u16) -> Identifier {
    Identifier::new(n).expect("non-zero identifier")
}

#[test]
fn rfc9591_ed25519_vector_reproduced_field_by_field() {
    let v = load();
    assert_eq!(v.config.name, "FROST(Ed25519, SHA-512)");
    assert_eq!(v.config.max_participants, 3);
    assert_eq!(v.config.min_participants, 2);
    assert_eq!(
        usize::from(v.config.num_participants),
        v.inputs.participant_list.len()
    );

    // Key material: PK = s * G, and each share is f(i) = s + a_1 * i.
    let group_secret = SecretScalar::<Ed25519>::from_bytes(&v.inputs.group_secret_key.0).unwrap();
    let group_public = Element::from_bytes(&v.inputs.group_public_key.0).unwrap();
    assert_eq!(group_secret.public_point(), *group_public.point());
    let a1 = Scalar::<Ed25519>::from_bytes(&v.inputs.share_polynomial_coefficients[0].0).unwrap();
    for share in &v.inputs.participant_shares {
        let expected = Scalar::<Ed25519>::new(*group_secret.expose_secret())
            + a1 * id(share.identifier).to_scalar();
        assert_eq!(
            expected.to_bytes().to_vec(),
            share.participant_share.0,
            "share {}",
            share.identifier
        );
    }
    let share_of = |n: u16| {
        let s = v
            .inputs
            .participant_shares
            .iter()
            .find(|s| s.identifier == n)
            .unwrap();
        SecretScalar::<Ed25519>::from_bytes(&s.participant_share.0).unwrap()
    };

    // Round one: nonces from the given randomness, commitments.
    let mut nonces = Vec::new();
    let mut commitments = Vec::new();
    for (out, &n) in v
        .round_one_outputs
        .outputs
        .iter()
        .zip(&v.inputs.participant_list)
    {
        assert_eq!(out.identifier, n);
        let sk = share_of(n);
        let nonce = SigningNonces::from_randomness(
            &out.hiding_nonce_randomness.arr32(),
            &out.binding_nonce_randomness.arr32(),
            &sk,
        )
        .unwrap();
        assert_eq!(
            nonce.hiding().to_bytes().to_vec(),
            out.hiding_nonce.0,
            "hiding nonce {n}"
        );
        assert_eq!(
            nonce.binding().to_bytes().to_vec(),
            out.binding_nonce.0,
            "binding nonce {n}"
        );
        let c = nonce.commitments();
        assert_eq!(
            c.hiding.encoding().to_vec(),
            out.hiding_nonce_commitment.0,
            "D_{n}"
        );
        assert_eq!(
            c.binding.encoding().to_vec(),
            out.binding_nonce_commitment.0,
            "E_{n}"
        );
        commitments.push((id(n), c));
        nonces.push((n, nonce));
    }

    // Binding factor inputs and binding factors.
    let message = &v.inputs.message.0;
    let inputs = compute_binding_factor_inputs(&group_public, &commitments, message);
    let package = SigningPackage::new(group_public, message, commitments).unwrap();
    for (out, input) in v.round_one_outputs.outputs.iter().zip(&inputs) {
        assert_eq!(
            *input, out.binding_factor_input.0,
            "binding factor input {}",
            out.identifier
        );
        let rho = package.binding_factor(id(out.identifier)).unwrap();
        assert_eq!(
            rho.to_bytes().to_vec(),
            out.binding_factor.0,
            "binding factor {}",
            out.identifier
        );
    }

    // Round two: signature shares, each verified against its verifying share.
    let mut shares = Vec::new();
    for ((n, nonce), out) in nonces.into_iter().zip(&v.round_two_outputs.outputs) {
        assert_eq!(out.identifier, n);
        let sk = share_of(n);
        let z = package.sign(id(n), &sk, nonce).unwrap();
        assert_eq!(
            z.to_bytes().to_vec(),
            out.sig_share.0,
            "signature share {n}"
        );
        assert!(package.verify_share(id(n), &sk.public_point(), &z));
        let mut wrong = z;
        wrong = wrong + Scalar::one();
        assert!(!package.verify_share(id(n), &sk.public_point(), &wrong));
        shares.push(z);
    }

    // Aggregation.
    let sig = package.aggregate(&shares).unwrap();
    assert_eq!(sig.to_bytes().to_vec(), v.final_output.sig.0);
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&v.inputs.group_public_key.arr32()).unwrap();
    vk.verify_strict(message, &sig).unwrap();
}

#[test]
fn signing_refuses_nonces_that_are_not_in_the_package() {
    let v = load();
    let group_public = Element::from_bytes(&v.inputs.group_public_key.0).unwrap();
    let sk =
        SecretScalar::<Ed25519>::from_bytes(&v.inputs.participant_shares[0].participant_share.0)
            .unwrap();
    let a = SigningNonces::from_randomness(&[1; 32], &[2; 32], &sk).unwrap();
    let b = SigningNonces::from_randomness(&[3; 32], &[4; 32], &sk).unwrap();
    let package = SigningPackage::new(
        group_public,
        b"m",
        vec![(id(1), a.commitments()), (id(3), b.commitments())],
    )
    .unwrap();
    // Participant 1 tries to sign with participant 3's nonces.
    assert!(package.sign(id(1), &sk, b).is_err());
    // Unsorted and duplicate lists are refused.
    let c = SigningNonces::from_randomness(&[5; 32], &[6; 32], &sk)
        .unwrap()
        .commitments();
    assert!(SigningPackage::new(group_public, b"m", vec![(id(3), c), (id(1), c)]).is_err());
    assert!(SigningPackage::new(group_public, b"m", vec![(id(1), c), (id(1), c)]).is_err());
    assert!(SigningPackage::new(group_public, b"m", vec![]).is_err());
    drop(a);
}
