//! FROST(secp256k1, SHA-256) with BIP340 challenges, for the two signers of a Tandem wallet:
//! the RFC 9591 rounds (Section 5) with the `secp256k1-tr` changes that make the aggregate a
//! BIP340 signature.
//!
//! The ciphersuite is RFC 9591's FROST(secp256k1, SHA-256) (Section 6.5) with the context
//! string `FROST-secp256k1-SHA256-TR-v1` and two changes, as in the `secp256k1-tr`
//! ciphersuites (the ZF FROST crate, the FROST BIP draft):
//!
//! - `H2` is BIP340's challenge, `int(hash_BIP0340/challenge(x(R) ‖ x(Q) ‖ m)) mod n`, over
//!   x-only encodings;
//! - the key `Q` the signature is for has an even `y` (the caller hands over shares that add
//!   up to its secret, see [`super::sign`]), and when the group commitment `R` has an odd `y`
//!   every signer negates its nonces, so that `z·G = R_even + e·Q`.
//!
//! `H1`, `H3` are `hash_to_field` (RFC 9380, `expand_message_xmd` with SHA-256, 48 bytes)
//! with the DSTs `contextString ‖ "rho"` and `contextString ‖ "nonce"`; `H4`, `H5` are
//! SHA-256 of `contextString ‖ "msg"` / `"com"` and the input. The group public key in the
//! binding factor input is `Q`'s 33-byte SEC1 encoding (`0x02 ‖ x(Q)`).
//!
//! Signers are the client (identifier 1) and the server (identifier 2); their shares are
//! additive, so the caller passes each one's `λ_i·s_i` directly (as
//! [`crate::eddsa::frost::SigningPackage::sign_weighted`] does for Ed25519). Nonces
//! ([`Nonces`]) are not `Clone`, wiped on drop, never serializable, and consumed by
//! [`Package::sign`].

use k256::elliptic_curve::consts::U48;
use k256::elliptic_curve::ops::LinearCombination;
use k256::hash2curve::{ExpandMsgXmd, hash_to_scalar};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tandem_curves::{EncodedPoint, Point, Scalar, Secp256k1, SecretScalar};
use thiserror::Error;
use zeroize::Zeroizing;

use super::bip340;
use crate::message::Role;

/// `contextString` of the ciphersuite.
pub const CONTEXT_STRING: &[u8] = b"FROST-secp256k1-SHA256-TR-v1";

/// Errors of the FROST core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrostError {
    /// The signer's nonces are not those of its listed commitment.
    #[error("signer's commitment does not match its nonces")]
    SignerCommitment,
    /// The group commitment is the point at infinity (the peer cancelled our nonces, which it
    /// cannot do without seeing them first: treated as its misbehaviour).
    #[error("group commitment is the point at infinity")]
    IdentityGroupCommitment,
    /// A nonce is zero (probability 2^-256; start over).
    #[error("degenerate nonce")]
    DegenerateNonce,
    /// The aggregate signature does not verify (BIP340 verification).
    #[error("aggregate signature does not verify")]
    InvalidSignature,
    /// The key given to sign for has an odd `y` (BIP340 keys are even: pass `±Q`).
    #[error("the output key must have an even y")]
    OddOutputKey,
}

/// `hash_to_field(m, DST = contextString ‖ label)` mod n, one 48-byte element (RFC 9380
/// Section 5.2 with `expand_message_xmd`, SHA-256).
fn hash_to_field(label: &[u8], parts: &[&[u8]]) -> k256::Scalar {
    // The DST is a constant of 33 bytes or fewer and the output 48 bytes: expand_message_xmd's
    // only failures (DST > 255 bytes, output > 255 blocks) cannot happen.
    hash_to_scalar::<k256::Secp256k1, ExpandMsgXmd<Sha256>, U48>(parts, &[CONTEXT_STRING, label])
        .unwrap_or(k256::Scalar::ZERO)
}

/// `H1(m)`: the binding factor hash.
#[must_use]
pub fn h1(m: &[u8]) -> Scalar<Secp256k1> {
    Scalar::new(hash_to_field(b"rho", &[m]))
}

/// `H3(m)`: the nonce hash, on secret input. Its output is a `SecretScalar` (wiped on drop);
/// the intermediate blocks of `expand_message_xmd` inside `k256`'s `hash_to_field` live on
/// the stack and are not wiped, as SHA-256 states are not anywhere in this crate.
#[must_use]
pub fn h3(m: &[&[u8]]) -> SecretScalar<Secp256k1> {
    SecretScalar::new(hash_to_field(b"nonce", m))
}

fn sha256_labelled(label: &[u8], m: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(CONTEXT_STRING)
        .chain_update(label)
        .chain_update(m)
        .finalize()
        .into()
}

/// `H4(m) = SHA-256(contextString ‖ "msg" ‖ m)`.
#[must_use]
pub fn h4(m: &[u8]) -> [u8; 32] {
    sha256_labelled(b"msg", m)
}

/// `H5(m) = SHA-256(contextString ‖ "com" ‖ m)`.
#[must_use]
pub fn h5(m: &[u8]) -> [u8; 32] {
    sha256_labelled(b"com", m)
}

/// The FROST identifier of a role (client 1, server 2), as a 32-byte scalar encoding.
fn identifier(role: Role) -> [u8; 32] {
    let mut id = [0u8; 32];
    if let Some(last) = id.last_mut() {
        *last = match role {
            Role::Client => 1,
            Role::Server => 2,
        };
    }
    id
}

const fn index(role: Role) -> usize {
    match role {
        Role::Client => 0,
        Role::Server => 1,
    }
}

/// A signer's public nonce commitments `(D_i, E_i)`, each with its 33-byte encoding (kept so
/// that the binding factors do not encode them again); decoding refuses anything but a
/// compressed curve point other than the point at infinity (RFC 9591 `DeserializeElement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitments {
    /// `D_i = d_i·G`.
    pub hiding: EncodedPoint<Secp256k1>,
    /// `E_i = e_i·G`.
    pub binding: EncodedPoint<Secp256k1>,
}

/// A signer's secret nonces `(d_i, e_i)`, with their commitments. Not `Clone`, wiped on drop,
/// `<redacted>` in `Debug`, consumed by [`Package::sign`]; not serializable in any build:
///
/// ```compile_fail,E0277
/// fn serializable<T: serde::Serialize>() {}
/// serializable::<tandem_protocol::taproot::frost::Nonces>();
/// ```
pub struct Nonces {
    hiding: SecretScalar<Secp256k1>,
    binding: SecretScalar<Secp256k1>,
    commitments: Commitments,
}

impl core::fmt::Debug for Nonces {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Nonces")
            .field("hiding", &"<redacted>")
            .field("binding", &"<redacted>")
            .field("commitments", &self.commitments)
            .finish()
    }
}

/// `nonce_generate(secret)` (RFC 9591 Section 4.1) hedged with the signing context:
/// `H3(random_bytes ‖ SerializeScalar(secret) ‖ context)`. The context (what this signer has
/// seen of the request) makes a repeated `random_bytes` harmless: two different requests get
/// unrelated nonces, and the same request the same signature share.
fn nonce_generate(
    random: &[u8; 32],
    secret: &SecretScalar<Secp256k1>,
    context: &[u8; 32],
) -> SecretScalar<Secp256k1> {
    let secret_enc = secret.to_bytes();
    h3(&[random, secret_enc.as_slice(), context])
}

impl Nonces {
    /// `commit(sk_i)` (RFC 9591 Section 5.1): two nonces from 32 fresh random bytes each,
    /// hedged with the signer's share and `context`, a hash of everything the signer knows of
    /// the request (`nonce_generate`: RFC 9591 §4.1 with that context appended).
    ///
    /// # Errors
    /// [`FrostError::DegenerateNonce`] for a zero nonce (probability 2^-256).
    pub fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        share: &SecretScalar<Secp256k1>,
        context: &[u8; 32],
    ) -> Result<Self, FrostError> {
        let mut hiding_random = Zeroizing::new([0u8; 32]);
        let mut binding_random = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(hiding_random.as_mut_slice());
        rng.fill_bytes(binding_random.as_mut_slice());
        let hiding = nonce_generate(&hiding_random, share, context);
        let binding = nonce_generate(&binding_random, share, context);
        // A zero nonce has the point at infinity as commitment, which has no encoding.
        let (Some(hiding_commitment), Some(binding_commitment)) = (
            EncodedPoint::new(hiding.public_point()),
            EncodedPoint::new(binding.public_point()),
        ) else {
            return Err(FrostError::DegenerateNonce);
        };
        let commitments = Commitments {
            hiding: hiding_commitment,
            binding: binding_commitment,
        };
        Ok(Self {
            hiding,
            binding,
            commitments,
        })
    }

    /// The public commitments `(D_i, E_i)`.
    #[must_use]
    pub fn commitments(&self) -> Commitments {
        self.commitments
    }
}

/// What both signers derive from the output key, the message and the two commitments:
/// binding factors (RFC 9591 Section 4.4), the group commitment (4.5) made even, and the
/// BIP340 challenge (4.6 with `H2` = BIP340's).
#[derive(Clone, Debug)]
pub struct Package {
    /// The message the challenge is for (and the aggregate is verified on).
    message: Vec<u8>,
    commitments: [Commitments; 2],
    binding_factors: [Scalar<Secp256k1>; 2],
    /// `x(R)`: the signature's `r`.
    r_x: [u8; 32],
    /// `R` has an odd `y`: each signer negates its nonces (BIP340 needs `R` even).
    negate_nonces: bool,
    /// `x(Q)`.
    output_key: [u8; 32],
    challenge: Scalar<Secp256k1>,
}

impl Package {
    /// Binding factors, group commitment and challenge for signing `message` under the
    /// even-`y` key `output_key`.
    ///
    /// # Errors
    /// [`FrostError::OddOutputKey`] if `output_key` has an odd `y` (or is no point);
    /// [`FrostError::IdentityGroupCommitment`] if `R` is the point at infinity.
    pub fn new(
        output_key: &Point<Secp256k1>,
        message: &[u8],
        client: Commitments,
        server: Commitments,
    ) -> Result<Self, FrostError> {
        let Some((output_key, false)) = bip340::x_and_parity(output_key) else {
            return Err(FrostError::OddOutputKey);
        };
        let commitments = [client, server];
        // encode_group_commitment_list (RFC 9591 Section 4.3), in identifier order.
        let mut list = Vec::with_capacity(2 * (32 + 33 + 33));
        for (role, c) in [(Role::Client, &client), (Role::Server, &server)] {
            list.extend_from_slice(&identifier(role));
            list.extend_from_slice(c.hiding.encoding());
            list.extend_from_slice(c.binding.encoding());
        }
        // compute_binding_factors (Section 4.4): SerializeElement(PK) ‖ H4(msg) ‖ H5(list) ‖ id,
        // with SerializeElement(Q) = 0x02 ‖ x(Q) for the even Q.
        let mut prefix = Vec::with_capacity(33 + 32 + 32 + 32);
        prefix.push(0x02);
        prefix.extend_from_slice(&output_key);
        prefix.extend_from_slice(&h4(message));
        prefix.extend_from_slice(&h5(&list));
        let binding_factor = |role| {
            let mut input = prefix.clone();
            input.extend_from_slice(&identifier(role));
            h1(&input)
        };
        let binding_factors = [binding_factor(Role::Client), binding_factor(Role::Server)];
        // compute_group_commitment (Section 4.5): R = Σ D_i + ρ_i·E_i, the two products in
        // one variable-time multi-scalar multiplication.
        let [rho_c, rho_s] = binding_factors;
        // public: commitments and binding factors are public
        #[allow(clippy::disallowed_methods)]
        let products = <k256::ProjectivePoint as LinearCombination<[_; 2]>>::lincomb_vartime(&[
            (*client.binding.point().inner(), *rho_c.inner()),
            (*server.binding.point().inner(), *rho_s.inner()),
        ]);
        let group_commitment =
            *client.hiding.point() + *server.hiding.point() + Point::new(products);
        let Some((r_x, r_odd)) = bip340::x_and_parity(&group_commitment) else {
            return Err(FrostError::IdentityGroupCommitment);
        };
        Ok(Self {
            message: message.to_vec(),
            commitments,
            binding_factors,
            negate_nonces: r_odd,
            challenge: bip340::challenge(&r_x, &output_key, message),
            r_x,
            output_key,
        })
    }

    /// `x(R)`, the signature's first half.
    #[must_use]
    pub fn r_x(&self) -> [u8; 32] {
        self.r_x
    }

    /// Whether `R` has an odd `y` (and the signers negate their nonces).
    #[must_use]
    pub fn negates_nonces(&self) -> bool {
        self.negate_nonces
    }

    /// The challenge `e`.
    #[must_use]
    pub fn challenge(&self) -> Scalar<Secp256k1> {
        self.challenge
    }

    /// `sign` (RFC 9591 Section 5.2, with BIP340's even `R`):
    /// `z_i = ±(d_i + ρ_i·e_i) + e·(λ_i·s_i)`, the sign `−` when `R` has an odd `y`. Consumes
    /// the nonces. `weighted_share` is the signer's additive share of the secret of the even
    /// output key.
    ///
    /// # Errors
    /// [`FrostError::SignerCommitment`] if `nonces` are not the ones listed for `role`.
    pub fn sign(
        &self,
        role: Role,
        weighted_share: &SecretScalar<Secp256k1>,
        nonces: Nonces,
    ) -> Result<Scalar<Secp256k1>, FrostError> {
        let i = index(role);
        let (Some(listed), Some(rho)) = (self.commitments.get(i), self.binding_factors.get(i))
        else {
            return Err(FrostError::SignerCommitment);
        };
        if *listed != nonces.commitments {
            return Err(FrostError::SignerCommitment);
        }
        let k = &nonces.hiding + &(&nonces.binding * rho);
        // The parity of R is public: branching on it reveals nothing.
        let k = if self.negate_nonces { -&k } else { k };
        Ok((&k + &(weighted_share * &self.challenge)).reveal())
    }

    /// `verify_signature_share` (RFC 9591 Section 5.4, with BIP340's even `R`):
    /// `z_i·G == ±(D_i + ρ_i·E_i) + e·Y_i`, `Y_i` the signer's public share of the even output
    /// key. Variable time (public values).
    #[must_use]
    // public: the share z_i, the commitments and Y_i are public
    #[allow(clippy::disallowed_methods)]
    pub fn verify_share(
        &self,
        role: Role,
        public_share: &Point<Secp256k1>,
        z: &Scalar<Secp256k1>,
    ) -> bool {
        let i = index(role);
        let (Some(c), Some(rho)) = (self.commitments.get(i), self.binding_factors.get(i)) else {
            return false;
        };
        let r_i = *c.hiding.point() + c.binding.point().mul_vartime(rho);
        let r_i = if self.negate_nonces { -r_i } else { r_i };
        public_share.mul_base_add_vartime(z, &(-self.challenge)) == r_i
    }

    /// `aggregate` (RFC 9591 Section 5.3): the 64-byte BIP340 signature `x(R) ‖ z_c + z_s`,
    /// verified with [`bip340::verify`] on the package's message before it is returned.
    ///
    /// # Errors
    /// [`FrostError::InvalidSignature`] if it does not verify; the caller names the culprit
    /// with [`Package::verify_share`].
    pub fn aggregate(
        &self,
        z_client: &Scalar<Secp256k1>,
        z_server: &Scalar<Secp256k1>,
    ) -> Result<[u8; 64], FrostError> {
        let z = *z_client + *z_server;
        let mut signature = [0u8; 64];
        let (r, s) = signature.split_at_mut(32);
        r.copy_from_slice(&self.r_x);
        s.copy_from_slice(&z.to_bytes());
        bip340::verify(&self.output_key, &self.message, &signature)
            .map_err(|_| FrostError::InvalidSignature)?;
        Ok(signature)
    }
}
