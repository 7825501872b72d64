//! The one error type of the protocol crate.
//!
//! Errors fall in five groups, kept apart so that a caller can act on them:
//! - [`Error::Misbehaved`]: the peer sent a well-formed message that fails a protocol check.
//!   This is an identifiable abort: the culprit and the failed [`Check`] are named.
//! - [`Error::Malformed`]: bytes from the peer could not be decoded (truncated, trailing or
//!   non-canonical bytes, an invalid point or scalar).
//! - [`Error::Refused`]: a well-formed message that does not belong to this party now
//!   (another session, another round, a replay, the wrong sender or protocol).
//! - [`Error::Misuse`]: the caller used the API wrongly (wrong key share, wrong role).
//! - [`Error::Storage`]: a stored key share or saved state could not be read.
//! - [`Error::Internal`]: a bug in this library.
//!
//! No error carries secret material.

use tandem_curves::CurveId;
use thiserror::Error;

use crate::message::{ProtocolId, Role};

/// Errors of the protocol crate. See the module documentation for the groups.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// Identifiable abort: `culprit` sent a message that fails `check`.
    #[error("{culprit} misbehaved: {check}")]
    Misbehaved {
        /// The party that sent the bad message.
        culprit: Role,
        /// The check that failed.
        check: Check,
    },
    /// A message from `sender` could not be decoded.
    #[error("message from {sender} is malformed: {reason}")]
    Malformed {
        /// The peer the bytes came from.
        sender: Role,
        /// What was wrong with the bytes.
        reason: DecodeError,
    },
    /// A well-formed message from `sender` that this party does not accept now.
    #[error("message from {sender} refused: {reason}")]
    Refused {
        /// The peer the message came from.
        sender: Role,
        /// Why it was refused.
        reason: Refusal,
    },
    /// The caller used the API wrongly.
    #[error("API misuse: {0}")]
    Misuse(Misuse),
    /// Stored data (a key share, a saved session) could not be read.
    #[error("stored data refused: {0}")]
    Storage(DecodeError),
    /// An internal invariant failed: a bug in this library, not the peer's or the caller's
    /// fault. Please report it.
    #[error("internal error (bug): {0}")]
    Internal(&'static str),
}

/// Shorthand for an identifiable abort.
pub fn misbehaved(culprit: Role, check: Check) -> Error {
    Error::Misbehaved { culprit, check }
}

/// The protocol checks whose failure is an identifiable abort. Each names the paper step it
/// enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Check {
    /// The opening does not match the commitment sent earlier
    /// (CGGMP21 Fig. 5, round 3: `V_j = H(ssid, j, rid_j, X_j, A_j, u_j)`).
    #[error("commitment opening does not match the commitment")]
    CommitmentOpening,
    /// The Schnorr proof of knowledge of the public share does not verify
    /// (CGGMP21 Fig. 5, output step; Fig. 22 Πsch).
    #[error("Schnorr proof of knowledge does not verify")]
    SchnorrProof,
    /// The peer sent back one of our own values as theirs (reflection / echo).
    #[error("peer echoed our own value as its contribution")]
    EchoedValue,
    /// The peer's FROST signature share does not verify
    /// (RFC 9591 Section 5.4, `verify_signature_share`).
    #[error("signature share does not verify")]
    SignatureShare,
    /// The aggregated signature does not verify under the group public key.
    #[error("aggregated signature does not verify")]
    Signature,
    /// The joint result is degenerate (the public key or group commitment is the identity).
    #[error("joint value is the identity element")]
    DegenerateResult,
    /// A zero-knowledge proof does not verify (the inner error names the proof, the check and
    /// the figure of CGGMP24).
    #[error("proof rejected: {0}")]
    Proof(tandem_paillier::proofs::ProofError),
    /// The peer's Paillier key or ring-Pedersen parameters are malformed (wrong size, even,
    /// equal to ours, degenerate `s`/`t`) — refused before any proof is checked.
    #[error("auxiliary parameters refused: {0}")]
    AuxParameters(&'static str),
    /// A ciphertext from the peer is not a unit modulo `N²` (CGGMP24 Section 2).
    #[error("ciphertext is not a unit modulo N^2")]
    Ciphertext,
    /// Presigning: `δ·G ≠ Δ_client + Δ_server` (CGGMP24 Fig. 8, output step).
    #[error("delta check failed: delta*G != sum of Delta")]
    Delta,
    /// Presigning: `δ·X ≠ S_client + S_server` (CGGMP24 Fig. 8, output step).
    #[error("chi check failed: delta*X != sum of S")]
    Chi,
    /// Signing: a partial signature fails `σ_j·R' = m·Δ̃_j + r'·S̃_j` (CGGMP24 Fig. 10).
    #[error("partial signature does not verify")]
    PartialSignature,
    /// Signing: the server's nonce point is not `R' = δ'^-1·Γ` (the re-randomised
    /// presignature nonce; see `ecdsa::sign`).
    #[error("nonce point is not the re-randomised presignature point")]
    NoncePoint,
    /// Resharing: the peer's new public share is not the one both parties derive from the
    /// joint mask (it holds another source share or computed another mask).
    #[error("new public share does not match the reshared public share")]
    NewPublicShare,
}

/// Why bytes could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// More bytes than the size limit for this kind of data.
    #[error("{got} bytes exceed the limit of {limit}")]
    TooLarge {
        /// Bytes received.
        got: usize,
        /// The limit.
        limit: usize,
    },
    /// The input ended before the value was complete.
    #[error("truncated input")]
    Truncated,
    /// Bytes remain after the value.
    #[error("trailing bytes after the value")]
    TrailingBytes,
    /// A value failed validation while decoding (an invalid point or scalar, a field of the
    /// wrong length, an unknown enum tag).
    #[error("a field failed validation")]
    InvalidValue,
    /// The bytes decode, but are not the canonical encoding of the value.
    #[error("non-canonical encoding")]
    NonCanonical,
    /// The format version is not one this release reads.
    #[error("unsupported format version {0}")]
    UnsupportedVersion(u16),
    /// The data is of another kind (e.g. a saved session of another protocol).
    #[error("unexpected kind of data")]
    WrongKind,
    /// The data is for the other curve.
    #[error("data is for {got}, expected {expected}")]
    WrongCurve {
        /// Expected curve.
        expected: CurveId,
        /// Curve found.
        got: CurveId,
    },
    /// The values decode but are inconsistent (e.g. a secret share that does not match its
    /// public share).
    #[error("inconsistent values")]
    Inconsistent,
}

/// Why a well-formed message was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The envelope's format version is not supported.
    #[error("unsupported wire format version {0}")]
    UnsupportedVersion(u16),
    /// The message belongs to another protocol.
    #[error("message is for protocol {got:?}, expected {expected:?}")]
    WrongProtocol {
        /// Expected protocol.
        expected: ProtocolId,
        /// Protocol in the message.
        got: ProtocolId,
    },
    /// The message is for the other curve.
    #[error("message is for {got}, expected {expected}")]
    WrongCurve {
        /// Expected curve.
        expected: CurveId,
        /// Curve in the message.
        got: CurveId,
    },
    /// The message belongs to another session (a replay or a misrouted message).
    #[error("message belongs to another session")]
    WrongSession,
    /// The message is for another round: a duplicate, a replay of an earlier round, or a
    /// message out of order.
    #[error("message is for round {got}, expected round {expected}")]
    WrongRound {
        /// The round this party is waiting for.
        expected: u8,
        /// The round in the message.
        got: u8,
    },
    /// The message claims to come from a role that is not our peer.
    #[error("message claims sender {got}, expected our peer")]
    WrongSender {
        /// The claimed sender.
        got: Role,
    },
    /// The peer uses shares of another sharing of the key (e.g. a signing share replaced by
    /// recovery or refresh, or a share of another wallet).
    #[error("peer's key share belongs to another sharing")]
    KeyShareMismatch,
    /// The peer refers to a presignature this party does not hold (never made, or spent).
    #[error("peer refers to a presignature that is not ours or already spent")]
    PresignatureMismatch,
    /// The peer asks to sign with a presignature that was already spent: a replayed request,
    /// or an attempt to obtain two signature shares under one nonce.
    #[error("peer asks for a presignature that is already spent")]
    PresignatureSpent,
    /// The peer asks to sign with a child key whose path gives no key (BIP32's invalid
    /// child, probability below `2^-120` per index: the next index is used instead).
    #[error("peer asks to sign with a derivation path that gives no key")]
    InvalidPath,
}

/// API misuse by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Misuse {
    /// A key share of the other role was passed (e.g. a server share to the client API).
    #[error("key share has role {got}, this API needs {expected}")]
    WrongRole {
        /// Role the API needs.
        expected: Role,
        /// Role of the share passed.
        got: Role,
    },
    /// The key share passed is not the one this session started with.
    #[error("key share differs from the one the session started with")]
    KeyShareChanged,
    /// A value could not be encoded (e.g. a message over the size limit).
    #[error("value could not be encoded")]
    Encode,
    /// A negligible-probability event (e.g. a zero nonce) that requires a new session.
    #[error("degenerate randomness; start a new session")]
    Degenerate,
    /// A presignature whose id the pool has already seen (held or spent) was added again:
    /// e.g. a presignature read twice from storage.
    #[error("presignature id already seen by this pool")]
    PresignatureReused,
}

impl Error {
    /// The party to blame, if the error is the peer's fault.
    #[must_use]
    pub fn culprit(&self) -> Option<Role> {
        match self {
            Self::Misbehaved { culprit, .. } => Some(*culprit),
            Self::Malformed { sender, .. } | Self::Refused { sender, .. } => Some(*sender),
            Self::Misuse(_) | Self::Storage(_) | Self::Internal(_) => None,
        }
    }
}
