//! The FROST(Ed25519, SHA-512) ciphersuite of RFC 9591, written for any signer set so that
//! the RFC's test vector (Appendix E.1) runs through exactly the code the two-party
//! protocol uses.
//!
//! Section references are to RFC 9591. Nonces ([`SigningNonces`]) are not `Clone` and are
//! consumed by [`SigningPackage::sign`].

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};
use tandem_curves::{Ed25519, EncodedPoint, Point, Scalar, SecretScalar};
use thiserror::Error;
use zeroize::Zeroizing;

use super::wire::WireCommitments;

/// `contextString` of the ciphersuite (Section 6.1).
pub const CONTEXT_STRING: &[u8] = b"FROST-ED25519-SHA512-v1";

/// Errors of the FROST core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrostError {
    /// The commitment list is not sorted by identifier, has duplicates, or is empty.
    #[error("commitment list must be sorted by identifier without duplicates")]
    CommitmentList,
    /// The signer is not in the commitment list, or its nonces do not match its commitment.
    #[error("signer's commitment is missing from the list or does not match its nonces")]
    SignerCommitment,
    /// The group commitment is the identity (negligible probability; start over).
    #[error("group commitment is the identity")]
    IdentityGroupCommitment,
    /// A nonce is zero (probability 2^-252; start over).
    #[error("degenerate nonce")]
    DegenerateNonce,
    /// The aggregate signature does not verify.
    #[error("aggregate signature does not verify")]
    InvalidSignature,
}

fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// `H1(m) = SHA-512(contextString || "rho" || m)` mod L (Section 6.5).
#[must_use]
pub fn h1(m: &[u8]) -> Scalar<Ed25519> {
    Scalar::from_wide_bytes(&sha512(&[CONTEXT_STRING, b"rho", m]))
}

/// `H2(m) = SHA-512(m)` mod L: the RFC 8032 challenge, without context (Section 6.5).
#[must_use]
pub fn h2(m: &[&[u8]]) -> Scalar<Ed25519> {
    Scalar::from_wide_bytes(&sha512(m))
}

/// `H3(m) = SHA-512(contextString || "nonce" || m)` mod L (Section 6.5).
#[must_use]
pub fn h3(m: &[&[u8]]) -> SecretScalar<Ed25519> {
    let mut parts: Vec<&[u8]> = vec![CONTEXT_STRING, b"nonce"];
    parts.extend_from_slice(m);
    let wide = Zeroizing::new(sha512(&parts));
    SecretScalar::new(*Scalar::<Ed25519>::from_wide_bytes(&wide).inner())
}

/// `H4(m) = SHA-512(contextString || "msg" || m)` (Section 6.5).
#[must_use]
pub fn h4(m: &[u8]) -> [u8; 64] {
    sha512(&[CONTEXT_STRING, b"msg", m])
}

/// `H5(m) = SHA-512(contextString || "com" || m)` (Section 6.5).
#[must_use]
pub fn h5(m: &[u8]) -> [u8; 64] {
    sha512(&[CONTEXT_STRING, b"com", m])
}

/// A participant identifier: a non-zero scalar, here a small integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Identifier(core::num::NonZeroU16);

impl Identifier {
    /// The identifier `n`.
    #[must_use]
    pub const fn from_nonzero(n: core::num::NonZeroU16) -> Self {
        Self(n)
    }

    /// The identifier `n`, if non-zero.
    #[must_use]
    pub fn new(n: u16) -> Option<Self> {
        core::num::NonZeroU16::new(n).map(Self)
    }

    /// The identifier as a scalar.
    #[must_use]
    pub fn to_scalar(self) -> Scalar<Ed25519> {
        Scalar::from_u64(u64::from(self.0.get()))
    }
}

/// `nonce_generate(secret)` with the given 32 random bytes (Section 4.1):
/// `H3(random_bytes || SerializeScalar(secret))`.
#[must_use]
pub fn nonce_generate(
    random_bytes: &[u8; 32],
    secret: &SecretScalar<Ed25519>,
) -> SecretScalar<Ed25519> {
    let secret_enc = secret.to_bytes();
    h3(&[random_bytes, secret_enc.as_slice()])
}

/// A validated group element together with its canonical encoding, computed once.
///
/// FROST hashes the encodings of the nonce commitments, the group commitment and the group
/// public key several times per signature; compressing an Ed25519 point costs a field
/// inversion, so the encoding travels with the point. Decoding validates as
/// `DeserializeElement` requires (Section 6.1): canonical, not the identity, prime order.
pub type Element = EncodedPoint<Ed25519>;

/// A signer's public nonce commitments `(D_i, E_i)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningCommitments {
    /// Hiding nonce commitment `D_i = d_i * G`.
    pub hiding: Element,
    /// Binding nonce commitment `E_i = e_i * G`.
    pub binding: Element,
}

/// A signer's secret nonces `(d_i, e_i)` for one signature, with their commitments. Not
/// `Clone`; wiped on drop; consumed by [`SigningPackage::sign`]; `<redacted>` in `Debug`.
///
/// Not serializable, in any build: nonces saved and restored could sign two messages, which
/// reveals the signing share (RFC 9591 Section 5.1: nonces are used once). The commitments
/// are serializable:
/// ```
/// fn serializable<T: serde::Serialize + serde::de::DeserializeOwned>() {}
/// serializable::<tandem_protocol::eddsa::frost::SigningCommitments>();
/// ```
/// the nonces are not (neither way):
/// ```compile_fail,E0277
/// fn serializable<T: serde::Serialize>() {}
/// serializable::<tandem_protocol::eddsa::frost::SigningNonces>();
/// ```
/// ```compile_fail,E0277
/// fn deserializable<T: serde::de::DeserializeOwned>() {}
/// deserializable::<tandem_protocol::eddsa::frost::SigningNonces>();
/// ```
pub struct SigningNonces {
    hiding: SecretScalar<Ed25519>,
    binding: SecretScalar<Ed25519>,
    commitments: SigningCommitments,
}

impl core::fmt::Debug for SigningNonces {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SigningNonces")
            .field("hiding", &"<redacted>")
            .field("binding", &"<redacted>")
            .field("commitments", &self.commitments)
            .finish()
    }
}

impl SigningNonces {
    /// `commit(sk_i)` (Section 5.1): fresh nonces from 32 random bytes each, hedged with the
    /// signing share.
    ///
    /// # Errors
    /// [`FrostError::DegenerateNonce`] with negligible probability (a zero nonce).
    pub fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        signing_share: &SecretScalar<Ed25519>,
    ) -> Result<Self, FrostError> {
        Self::generate_for_wire(rng, signing_share).map(|(nonces, _)| nonces)
    }

    /// `commit(sk_i)` with the randomness given (the RFC test vectors fix it).
    ///
    /// # Errors
    /// [`FrostError::DegenerateNonce`] if a nonce is zero (its commitment would be the
    /// identity, which has no encoding).
    pub fn from_randomness(
        hiding_random: &[u8; 32],
        binding_random: &[u8; 32],
        signing_share: &SecretScalar<Ed25519>,
    ) -> Result<Self, FrostError> {
        Self::from_nonces(
            nonce_generate(hiding_random, signing_share),
            nonce_generate(binding_random, signing_share),
        )
        .map(|(nonces, _)| nonces)
    }

    /// [`SigningNonces::generate`], with the commitments in their wire form
    /// ([`WireCommitments`]).
    ///
    /// # Errors
    /// [`FrostError::DegenerateNonce`] with negligible probability (a zero nonce).
    pub fn generate_for_wire<R: CryptoRng + ?Sized>(
        rng: &mut R,
        signing_share: &SecretScalar<Ed25519>,
    ) -> Result<(Self, WireCommitments), FrostError> {
        let mut hiding_random = Zeroizing::new([0u8; 32]);
        let mut binding_random = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(hiding_random.as_mut_slice());
        rng.fill_bytes(binding_random.as_mut_slice());
        Self::from_nonces(
            nonce_generate(&hiding_random, signing_share),
            nonce_generate(&binding_random, signing_share),
        )
    }

    /// The commitments of two nonces, computed through their eighths: `D̄ = [d/8]·G`, then
    /// `D = [8]·D̄ = [d]·G` (three doublings), and the four encodings with one inversion.
    fn from_nonces(
        hiding: SecretScalar<Ed25519>,
        binding: SecretScalar<Ed25519>,
    ) -> Result<(Self, WireCommitments), FrostError> {
        let inv8 = tandem_curves::ed25519::inv_eight();
        let hiding_eighth = (&hiding * &inv8).public_point();
        let binding_eighth = (&binding * &inv8).public_point();
        let times_eight = |p: &Point<Ed25519>| Point::new(p.inner().mul_by_cofactor());
        let (hiding_point, binding_point) =
            (times_eight(&hiding_eighth), times_eight(&binding_eighth));
        if hiding_point.is_identity() || binding_point.is_identity() {
            return Err(FrostError::DegenerateNonce);
        }
        let [
            hiding_eighth_enc,
            binding_eighth_enc,
            hiding_enc,
            binding_enc,
        ] = Point::encode_batch(&[hiding_eighth, binding_eighth, hiding_point, binding_point]);
        let commitments = SigningCommitments {
            hiding: Element::from_trusted_parts(hiding_point, hiding_enc),
            binding: Element::from_trusted_parts(binding_point, binding_enc),
        };
        let wire = WireCommitments::from_trusted_parts(
            [hiding_eighth_enc, binding_eighth_enc],
            commitments,
        );
        Ok((
            Self {
                hiding,
                binding,
                commitments,
            },
            wire,
        ))
    }

    /// The public commitments `(D_i, E_i)`.
    #[must_use]
    pub fn commitments(&self) -> SigningCommitments {
        self.commitments
    }

    /// Whether the cached commitments are those of the nonces (after restoring from storage).
    #[must_use]
    pub fn is_consistent(&self) -> bool {
        self.hiding.public_point() == *self.commitments.hiding.point()
            && self.binding.public_point() == *self.commitments.binding.point()
    }

    /// The hiding nonce (test-vector comparison only).
    #[must_use]
    pub fn hiding(&self) -> &SecretScalar<Ed25519> {
        &self.hiding
    }

    /// The binding nonce (test-vector comparison only).
    #[must_use]
    pub fn binding(&self) -> &SecretScalar<Ed25519> {
        &self.binding
    }
}

/// `encode_group_commitment_list` (Section 4.3): each entry
/// `SerializeScalar(id) || SerializeElement(D) || SerializeElement(E)`, in identifier order.
fn encode_group_commitment_list(list: &[(Identifier, SigningCommitments)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(list.len() * 96);
    for (id, c) in list {
        out.extend_from_slice(&id.to_scalar().to_bytes());
        out.extend_from_slice(c.hiding.encoding());
        out.extend_from_slice(c.binding.encoding());
    }
    out
}

/// `derive_interpolating_value(participant_list, x_i)` (Section 4.2): the Lagrange
/// coefficient of `x_i` at zero over `participants`.
///
/// # Errors
/// [`FrostError::CommitmentList`] if `x_i` is not in the list or the list has duplicates.
pub fn derive_interpolating_value(
    participants: &[Identifier],
    x_i: Identifier,
) -> Result<Scalar<Ed25519>, FrostError> {
    // RFC 9591 Section 4.2: x_i must be in the list, and the list must not repeat an
    // identifier (a repeated x_j != x_i would not zero the denominator, so check it here).
    if !participants.contains(&x_i) {
        return Err(FrostError::CommitmentList);
    }
    for (n, x) in participants.iter().enumerate() {
        if participants.iter().skip(n + 1).any(|y| y == x) {
            return Err(FrostError::CommitmentList);
        }
    }
    let mut numerator = Scalar::<Ed25519>::one();
    let mut denominator = Scalar::<Ed25519>::one();
    for x_j in participants.iter().copied().filter(|x| *x != x_i) {
        numerator = numerator * x_j.to_scalar();
        denominator = denominator * (x_j.to_scalar() - x_i.to_scalar());
    }
    // Distinct identifiers give a non-zero denominator; kept as a second line of defence.
    let inv = denominator.invert().ok_or(FrostError::CommitmentList)?;
    Ok(numerator * inv)
}

/// Everything the signers and the aggregator derive from (group key, message, commitment
/// list): binding factors (Section 4.4), group commitment (4.5) and challenge (4.6).
#[derive(Clone, Debug)]
pub struct SigningPackage {
    group_public_key: Element,
    commitments: Vec<(Identifier, SigningCommitments)>,
    binding_factors: Vec<Scalar<Ed25519>>,
    group_commitment: Element,
    challenge: Scalar<Ed25519>,
}

impl SigningPackage {
    /// Computes binding factors, group commitment and challenge.
    ///
    /// # Errors
    /// [`FrostError::CommitmentList`] if the list is empty, unsorted or has duplicates;
    /// [`FrostError::IdentityGroupCommitment`] if `R` is the identity.
    pub fn new(
        group_public_key: Element,
        message: &[u8],
        commitments: Vec<(Identifier, SigningCommitments)>,
    ) -> Result<Self, FrostError> {
        if commitments.is_empty()
            || !commitments
                .windows(2)
                .all(|w| matches!(w, [a, b] if a.0 < b.0))
        {
            return Err(FrostError::CommitmentList);
        }
        let binding_factors =
            compute_binding_factor_inputs(&group_public_key, &commitments, message)
                .iter()
                .map(|input| h1(input))
                .collect::<Vec<_>>();
        // compute_group_commitment (Section 4.5): R = sum(D_i) + sum(rho_i * E_i); the second
        // sum is one multi-scalar multiplication in variable time (all inputs are public).
        let hiding_sum = commitments
            .iter()
            .fold(EdwardsPoint::identity(), |acc, (_, c)| {
                acc + c.hiding.point().inner()
            });
        // public: the binding factors and commitments are public
        #[allow(clippy::disallowed_methods)]
        let binding_sum = EdwardsPoint::vartime_multiscalar_mul(
            binding_factors.iter().map(|rho| *rho.inner()),
            commitments.iter().map(|(_, c)| *c.binding.point().inner()),
        );
        let group_commitment = Element::new(Point::new(hiding_sum + binding_sum))
            .ok_or(FrostError::IdentityGroupCommitment)?;
        let challenge = compute_challenge(&group_commitment, &group_public_key, message);
        Ok(Self {
            group_public_key,
            commitments,
            binding_factors,
            group_commitment,
            challenge,
        })
    }

    /// The group commitment `R`.
    #[must_use]
    pub fn group_commitment(&self) -> Element {
        self.group_commitment
    }

    /// The challenge `c`.
    #[must_use]
    pub fn challenge(&self) -> Scalar<Ed25519> {
        self.challenge
    }

    /// The binding factor of `id`, if it is a signer.
    #[must_use]
    pub fn binding_factor(&self, id: Identifier) -> Option<Scalar<Ed25519>> {
        self.index_of(id)
            .and_then(|i| self.binding_factors.get(i).copied())
    }

    fn index_of(&self, id: Identifier) -> Option<usize> {
        self.commitments.iter().position(|(x, _)| *x == id)
    }

    fn entry(&self, id: Identifier) -> Option<(&SigningCommitments, &Scalar<Ed25519>)> {
        let i = self.index_of(id)?;
        Some((&self.commitments.get(i)?.1, self.binding_factors.get(i)?))
    }

    /// The Lagrange coefficient `lambda_i` of signer `id` over this package's signers.
    ///
    /// # Errors
    /// [`FrostError::SignerCommitment`] if `id` is not a signer.
    pub fn lambda(&self, id: Identifier) -> Result<Scalar<Ed25519>, FrostError> {
        let participants: Vec<Identifier> = self.commitments.iter().map(|(x, _)| *x).collect();
        derive_interpolating_value(&participants, id).map_err(|_| FrostError::SignerCommitment)
    }

    /// `sign` (Section 5.2): `z_i = d_i + e_i * rho_i + lambda_i * sk_i * c`. Consumes the
    /// nonces.
    ///
    /// # Errors
    /// [`FrostError::SignerCommitment`] if `id` is not a signer or its listed commitment is
    /// not the one of `nonces`.
    pub fn sign(
        &self,
        id: Identifier,
        signing_share: &SecretScalar<Ed25519>,
        nonces: SigningNonces,
    ) -> Result<Scalar<Ed25519>, FrostError> {
        let weighted = signing_share * &self.lambda(id)?;
        self.sign_weighted(id, &weighted, nonces)
    }

    /// `sign` with the share already multiplied by its Lagrange coefficient
    /// (`lambda_i * sk_i`): for signers whose coefficient is fixed, e.g. the two parties of
    /// an additive 2-of-2 sharing, where `lambda_i * sk_i` is the additive share itself.
    /// Same result as [`SigningPackage::sign`], without an inversion per signature.
    ///
    /// # Errors
    /// As [`SigningPackage::sign`].
    pub fn sign_weighted(
        &self,
        id: Identifier,
        weighted_share: &SecretScalar<Ed25519>,
        nonces: SigningNonces,
    ) -> Result<Scalar<Ed25519>, FrostError> {
        let (listed, rho) = self.entry(id).ok_or(FrostError::SignerCommitment)?;
        if *listed != nonces.commitments {
            return Err(FrostError::SignerCommitment);
        }
        let z = &(&nonces.hiding + &(&nonces.binding * rho)) + &(weighted_share * &self.challenge);
        Ok(z.reveal())
    }

    /// `verify_signature_share` (Section 5.4): `z_i * G == R_i + c * lambda_i * PK_i`, with
    /// `R_i = D_i + rho_i * E_i`. Variable time (public values).
    #[must_use]
    pub fn verify_share(
        &self,
        id: Identifier,
        verifying_share: &Point<Ed25519>,
        share: &Scalar<Ed25519>,
    ) -> bool {
        self.lambda(id)
            .is_ok_and(|lambda| self.verify_share_weighted(id, &(verifying_share * &lambda), share))
    }

    /// [`SigningPackage::verify_share`] with `lambda_i * PK_i` given (for an additive share,
    /// its public share).
    #[must_use]
    // public: the share z_i, the challenge and λ_i·PK_i are public
    #[allow(clippy::disallowed_methods)]
    pub fn verify_share_weighted(
        &self,
        id: Identifier,
        weighted_share: &Point<Ed25519>,
        share: &Scalar<Ed25519>,
    ) -> bool {
        let Some((c, rho)) = self.entry(id) else {
            return false;
        };
        let r_i = *c.hiding.point() + c.binding.point() * rho;
        // z_i*G - c*(lambda_i*PK_i) == R_i
        weighted_share.mul_base_add_vartime(share, &(-self.challenge)) == r_i
    }

    /// `aggregate` (Section 5.3): `(R, z = sum z_i)`, verified before it is returned
    /// (see [`verify_signature`]).
    ///
    /// # Errors
    /// [`FrostError::InvalidSignature`] if the result does not verify; the caller then
    /// identifies the culprit with [`SigningPackage::verify_share`] (Section 5.4).
    pub fn aggregate(
        &self,
        shares: &[Scalar<Ed25519>],
    ) -> Result<ed25519_dalek::Signature, FrostError> {
        let z = shares
            .iter()
            .fold(Scalar::<Ed25519>::zero(), |acc, s| acc + *s);
        verify_with_challenge(
            &self.group_commitment,
            &z,
            &self.group_public_key,
            &self.challenge,
        )
    }
}

/// `compute_challenge` (Section 4.6): `H2(SerializeElement(R) || SerializeElement(PK) || msg)`.
#[must_use]
pub fn compute_challenge(
    r: &Element,
    group_public_key: &Element,
    message: &[u8],
) -> Scalar<Ed25519> {
    h2(&[r.encoding(), group_public_key.encoding(), message])
}

/// Verifies an Ed25519 signature `(R, z)` on `message` under `public_key` and returns it in
/// RFC 8032 form.
///
/// The check is the cofactorless equation `[z]B - [c]A == R` with `c` from
/// [`compute_challenge`]: with `A` and `R` validated elements (prime order, not the identity)
/// and `z` a canonical scalar, this accepts exactly what
/// `ed25519_dalek::VerifyingKey::verify_strict` accepts, without decoding the points again.
/// Variable time (public values).
///
/// # Errors
/// [`FrostError::InvalidSignature`].
pub fn verify_signature(
    r: &Element,
    z: &Scalar<Ed25519>,
    public_key: &Element,
    message: &[u8],
) -> Result<ed25519_dalek::Signature, FrostError> {
    verify_with_challenge(r, z, public_key, &compute_challenge(r, public_key, message))
}

fn verify_with_challenge(
    r: &Element,
    z: &Scalar<Ed25519>,
    public_key: &Element,
    challenge: &Scalar<Ed25519>,
) -> Result<ed25519_dalek::Signature, FrostError> {
    // public: the signature (R, z), the key and the challenge are public
    #[allow(clippy::disallowed_methods)]
    if public_key.point().mul_base_add_vartime(z, &(-*challenge)) != *r.point() {
        return Err(FrostError::InvalidSignature);
    }
    let mut bytes = [0u8; 64];
    let (r_part, z_part) = bytes.split_at_mut(32);
    r_part.copy_from_slice(r.encoding());
    z_part.copy_from_slice(&z.to_bytes());
    Ok(ed25519_dalek::Signature::from_bytes(&bytes))
}

/// `compute_binding_factors` inputs (Section 4.4): for each signer,
/// `SerializeElement(PK) || H4(msg) || H5(encode_group_commitment_list) || SerializeScalar(id)`.
#[must_use]
pub fn compute_binding_factor_inputs(
    group_public_key: &Element,
    commitments: &[(Identifier, SigningCommitments)],
    message: &[u8],
) -> Vec<Vec<u8>> {
    let msg_hash = h4(message);
    let encoded_commitment_hash = h5(&encode_group_commitment_list(commitments));
    let mut prefix = group_public_key.encoding().to_vec();
    prefix.extend_from_slice(&msg_hash);
    prefix.extend_from_slice(&encoded_commitment_hash);
    commitments
        .iter()
        .map(|(id, _)| {
            let mut input = prefix.clone();
            input.extend_from_slice(&id.to_scalar().to_bytes());
            input
        })
        .collect()
}
