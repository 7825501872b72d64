//! Versioned stored formats: key shares and saved (half-finished) sessions.
//!
//! Every stored structure starts with a [`StoredHeader`] (format version, kind, curve) that
//! is checked before the body is parsed: an unknown version, another kind of data or the
//! other curve is refused, never guessed.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tandem_curves::CurveId;
use zeroize::Zeroizing;

use crate::codec;
use crate::error::DecodeError;
use crate::message::{ProtocolId, Role, SessionContext};

/// The stored-format version this release writes.
///
/// - **2**: a key share carries the wallet's chain code ([`KeyShare`](crate::KeyShare),
///   [`EcdsaKeyShare`](crate::ecdsa::EcdsaKeyShare), which embeds one, the backup shares,
///   and every saved session that holds a key share).
/// - **1**: no chain code. Still read: key shares, ECDSA key shares and backup shares of
///   format 1 read with [`ChainCode::legacy`](crate::hd::ChainCode::legacy), and the kinds
///   whose body did not change ([`body_unchanged_since_format_1`]) read as they are. A saved
///   session or a spend-once session of format 1 is refused: a session is short-lived, and
///   one interrupted by the upgrade starts over (a spend-once presigning state is refused
///   rather than resumed: its presignature is then never made, which is safe).
pub const STORED_VERSION: u16 = 2;

/// The first stored-format version, still read (see [`STORED_VERSION`]).
pub const FORMAT_1: u16 = 1;

/// The kinds whose body is the same in formats 1 and 2: [`decode`] reads both.
#[must_use]
pub fn body_unchanged_since_format_1(kind: StoredKind) -> bool {
    matches!(
        kind,
        StoredKind::Presignature | StoredKind::PresignaturePool | StoredKind::SealedShare
    )
}

/// What a stored byte string holds. New kinds are appended; existing encodings never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum StoredKind {
    /// A signing key share ([`KeyShare`](crate::KeyShare)).
    KeyShare,
    /// A party's state between two messages of a protocol run.
    SavedSession {
        /// The protocol.
        protocol: ProtocolId,
        /// The party.
        role: Role,
        /// The round whose message the party waits for.
        awaiting_round: u8,
    },
    /// A complete ECDSA key share ([`EcdsaKeyShare`](crate::ecdsa::EcdsaKeyShare)).
    EcdsaKeyShare,
    /// An ECDSA presignature ([`Presignature`](crate::ecdsa::Presignature)).
    Presignature,
    /// A presignature pool: held presignatures and spent ids
    /// ([`PresignaturePool`](crate::ecdsa::pool::PresignaturePool)).
    PresignaturePool,
    /// A backup share (client backup or custodian backup), `tandem-backup`.
    BackupShare,
    /// A backup share encrypted under a caller's key or password (AES-256-GCM envelope),
    /// `tandem-backup`.
    SealedShare,
    /// A spend-once party state: the server's presigning state between messages 2 and 3
    /// ([`presign::spend_once`](crate::ecdsa::presign::spend_once)); like a presignature, it
    /// must be consumed by one atomic take of its store.
    SpendOnceSession {
        /// The protocol.
        protocol: ProtocolId,
        /// The party.
        role: Role,
        /// The round whose message the party waits for.
        awaiting_round: u8,
    },
}

/// The header at the start of every stored structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHeader {
    /// Format version ([`STORED_VERSION`]).
    pub version: u16,
    /// What follows.
    pub kind: StoredKind,
    /// The curve.
    pub curve: CurveId,
}

/// Encodes `header || body` (also for stored formats of other Tandem crates).
///
/// # Errors
/// If the body does not encode or exceeds the size limit.
pub fn encode<T: Serialize>(
    kind: StoredKind,
    curve: CurveId,
    body: &T,
) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    encode_with_limit(kind, curve, body, codec::MAX_ENCODED_LEN)
}

/// [`encode`] with another size limit.
pub(crate) fn encode_with_limit<T: Serialize>(
    kind: StoredKind,
    curve: CurveId,
    body: &T,
    limit: usize,
) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    let header = StoredHeader {
        version: STORED_VERSION,
        kind,
        curve,
    };
    codec::encode_secret_with_limit(&(header, body), limit)
}

/// [`encode`] under the header of an older, still read `version`: only to recompute bytes
/// that an older writer hashed or authenticated (an envelope's associated data), never to
/// write a new structure.
///
/// # Errors
/// [`DecodeError::UnsupportedVersion`] for a version this release does not read; as
/// [`encode`].
pub fn encode_as_version<T: Serialize>(
    version: u16,
    kind: StoredKind,
    curve: CurveId,
    body: &T,
) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    if !(FORMAT_1..=STORED_VERSION).contains(&version) {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let header = StoredHeader {
        version,
        kind,
        curve,
    };
    codec::encode_secret_with_limit(&(header, body), codec::MAX_ENCODED_LEN)
}

/// Reads only the header of stored bytes.
///
/// # Errors
/// A [`DecodeError`] if the header does not decode.
pub fn peek(bytes: &[u8]) -> Result<StoredHeader, DecodeError> {
    // The version comes first: refuse unknown versions before parsing anything else.
    let (version, _) =
        postcard::take_from_bytes::<u16>(bytes).map_err(|_| DecodeError::Truncated)?;
    if !(FORMAT_1..=STORED_VERSION).contains(&version) {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let (header, _) = postcard::take_from_bytes::<StoredHeader>(bytes).map_err(|e| match e {
        postcard::Error::DeserializeUnexpectedEnd => DecodeError::Truncated,
        _ => DecodeError::InvalidValue,
    })?;
    Ok(header)
}

/// Decodes `header || body`, checking version, kind and curve first; the body must be
/// canonical (it re-encodes to the same bytes) with no trailing bytes. The version must be
/// [`STORED_VERSION`], or [`FORMAT_1`] for a kind whose body has not changed
/// ([`body_unchanged_since_format_1`]); the readers of the other kinds of format 1 use
/// `decode_format_1` with the body type of format 1.
///
/// # Errors
/// A [`DecodeError`] naming the first check that failed.
pub fn decode<T: Serialize + DeserializeOwned>(
    kind: StoredKind,
    curve: CurveId,
    bytes: &[u8],
) -> Result<T, DecodeError> {
    decode_with_limit(kind, curve, bytes, codec::MAX_ENCODED_LEN)
}

/// [`decode`] with another size limit.
pub(crate) fn decode_with_limit<T: Serialize + DeserializeOwned>(
    kind: StoredKind,
    curve: CurveId,
    bytes: &[u8],
    limit: usize,
) -> Result<T, DecodeError> {
    decode_checked(kind, curve, bytes, limit, |version| {
        version == STORED_VERSION || body_unchanged_since_format_1(kind)
    })
}

/// Decodes a structure of stored format 1 whose body has changed since: `T` is the body type
/// of format 1. Refuses any other version.
pub(crate) fn decode_format_1<T: Serialize + DeserializeOwned>(
    kind: StoredKind,
    curve: CurveId,
    bytes: &[u8],
) -> Result<T, DecodeError> {
    decode_checked(kind, curve, bytes, codec::MAX_ENCODED_LEN, |version| {
        version == FORMAT_1
    })
}

/// Checks the header (version known, then kind, curve, and the version `accept`ed for this
/// body type), then decodes.
fn decode_checked<T: Serialize + DeserializeOwned>(
    kind: StoredKind,
    curve: CurveId,
    bytes: &[u8],
    limit: usize,
    accept: impl Fn(u16) -> bool,
) -> Result<T, DecodeError> {
    let header = peek(bytes)?;
    if header.kind != kind {
        return Err(DecodeError::WrongKind);
    }
    if header.curve != curve {
        return Err(DecodeError::WrongCurve {
            expected: curve,
            got: header.curve,
        });
    }
    if !accept(header.version) {
        return Err(DecodeError::UnsupportedVersion(header.version));
    }
    let (_, body): (StoredHeader, T) = codec::decode_with_limit(bytes, limit)?;
    Ok(body)
}

/// A party state that can be saved between two messages and resumed elsewhere.
///
/// The saved bytes contain the party's secrets for this run (its key contribution, its
/// Paillier key, an ephemeral key); they must be stored as carefully as a key share, and the
/// caller's store should take them (read and delete) rather than read them: the rule below
/// makes a second restoration harmless, not the copy less secret.
///
/// **The rule: a state is saveable only if two restorations cannot produce two answers that
/// share a secret nonce.** Nothing can stop a saved copy from being restored twice (by two
/// replicas, by a store rolled back, by an honest stateless server that answers a
/// retransmitted message twice, or by a malicious server replaying its own database) and each
/// copy from being fed a different peer message; whatever the two copies send and output
/// must be harmless together. Two answers under one nonce are not: a Schnorr nonce `a`
/// answered under two challenges gives `x = (z - z')/(e - e')`, and a presigning nonce used
/// in two presignatures gives two signatures under one `k`. Every saveable state below is
/// tested exactly that way (restored twice, two different peer messages, honest ones wherever
/// the peer can answer otherwise, every answer decoded): `tests/restore_twice.rs` of
/// `tandem-protocol` and of `tandem-backup`, which also fail when a new implementation of
/// this trait has no case there.
///
/// Saveable, and why two restorations are harmless:
/// - [`keygen::ServerAwaitingOpening`](crate::keygen::ServerAwaitingOpening) (server after
///   round 2): `x_s` was already sent as `X_s`; its Schnorr nonce is drawn only when round 3
///   arrives, and round 3 is fixed by `V_c`, so the challenge is too (CGGMP21 Fig. 5).
/// - [`keygen::ClientAwaitingServerProof`](crate::keygen::ClientAwaitingServerProof) (client
///   after round 3): its proof is sent; it only verifies `ψ_s` and sends nothing.
/// - [`aux_info::ClientAwaitingReveal`](crate::ecdsa::aux_info::ClientAwaitingReveal) (client
///   after round 1): its reveal and Πprm are fixed by `V_c`, the same in every copy; Πmod
///   and Πfac are made after the restore with nonces drawn then (CGGMP24 Fig. 7).
/// - [`aux_info::ServerAwaitingOpening`](crate::ecdsa::aux_info::ServerAwaitingOpening)
///   (server after round 2): its Πprm is sent; the client's opening is fixed by `V_c`; Πmod
///   and Πfac are made after the restore with nonces drawn then.
/// - [`aux_info::ClientAwaitingProofs`](crate::ecdsa::aux_info::ClientAwaitingProofs) and
///   [`aux_info::ServerAwaitingProofs`](crate::ecdsa::aux_info::ServerAwaitingProofs): their
///   proofs are sent; they only verify the peer's and send nothing.
/// - [`sign::ServerAwaitingFinish`](crate::ecdsa::sign::ServerAwaitingFinish) and
///   [`full_sign::ServerAwaitingClient2`](crate::ecdsa::full_sign::ServerAwaitingClient2):
///   public values only (`σ_s` sent, the presignature spent); they only check `σ_c`.
/// - [`eddsa::sign::ServerAwaitingShare`](crate::eddsa::sign::ServerAwaitingShare): public
///   values only (`z_s` sent, the nonces spent); it only checks `z_c`.
/// - `tandem-backup`'s resharing, server after message 2: its seed and `E_s` are sent; its
///   Schnorr nonce is drawn on message 3, and the challenge depends only on the new shares,
///   which the client's commitment fixes. Client after message 3: sends nothing more.
///
/// Not saveable, and why:
/// - [`keygen::ClientAwaitingServerShare`](crate::keygen::ClientAwaitingServerShare): its
///   Schnorr nonce is committed in `V_c` (as `A_c`); two round-2 messages give two challenges
///   under it, and `x_c` follows. An interrupted key generation starts over.
/// - every presigning state ([`presign::ServerAwaitingClient`](crate::ecdsa::presign::ServerAwaitingClient)
///   and the client's): `k`, `γ` are fixed by round 1; two different peer messages give two
///   presignatures with the same id and `k` (twins), and one signature with each reveals the
///   key. A presignature is cheap: an interrupted run starts over.
/// - the signing states that hold nonces or a presignature and are about to release a
///   signature share (the client's Ed25519, ECDSA and full-signing states, the server's
///   full-signing state before it signs): two peer messages give two shares under one nonce.
/// - [`aux_info::ClientOpened`](crate::ecdsa::aux_info::ClientOpened): a step between two of
///   the client's own messages; it waits for nothing.
/// - `tandem-backup`'s resharing client after message 1: its commitment fixes its seed, and a
///   server answering one commitment twice would choose its seed after seeing the opening.
///
/// None of them is serializable (the three presigning states only in cargo-fuzz builds,
/// `cfg(fuzzing)`, which a dependent crate cannot set: their fuzz targets copy them).
///
/// The nonces a restored state draws (Πmod, Πfac, a Schnorr proof made after the restore) come
/// from the RNG passed to that step, which must be a CSPRNG (docs/security-checklist.md §4). Where the
/// challenge of such a proof depends on the peer's message (aux info's Πmod and Πfac, after
/// `aux_info::ClientAwaitingReveal` and `ServerAwaitingOpening`), the nonces are also hedged
/// with the party's Paillier secret and the peer's message (`hedge`): two restorations that
/// replay one RNG stream (a VM snapshot resumed twice) under two peer messages still draw
/// other nonces, instead of making Πfac twice under one `α`, which would reveal the prover's
/// Paillier factors. The other proofs made after a restore have a challenge fixed by the
/// transcript so far, so a replayed stream repeats the same answer.
pub trait SessionState: Serialize + DeserializeOwned + Sized {
    /// The protocol.
    const PROTOCOL: ProtocolId;
    /// The party holding this state.
    const ROLE: Role;
    /// The round whose message this state waits for.
    const AWAITING_ROUND: u8;

    /// The state's session context.
    fn context(&self) -> &SessionContext;

    /// The role of the key share the state holds, if it holds one: [`SessionState::restore`]
    /// refuses a state whose key share is not [`Self::ROLE`]'s.
    fn share_role(&self) -> Option<Role> {
        None
    }

    /// Checks internal consistency after decoding (e.g. a secret matches its public share).
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] if the values do not fit together.
    fn validate(&self) -> Result<(), DecodeError>;

    /// Saves the state, consuming it: a state is either kept in memory or saved.
    ///
    /// # Errors
    /// If the state cannot be encoded.
    fn save(self) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
        let ctx = *self.context();
        encode(
            StoredKind::SavedSession {
                protocol: Self::PROTOCOL,
                role: Self::ROLE,
                awaiting_round: Self::AWAITING_ROUND,
            },
            ctx.curve,
            &self,
        )
    }

    /// Restores a state saved by [`SessionState::save`] for the given curve.
    ///
    /// # Errors
    /// A [`DecodeError`]: wrong version, kind, protocol, role (the state's own, or that of the
    /// key share it holds), round or curve, malformed or inconsistent values.
    fn restore(curve: CurveId, bytes: &[u8]) -> Result<Self, DecodeError> {
        let state: Self = decode(
            StoredKind::SavedSession {
                protocol: Self::PROTOCOL,
                role: Self::ROLE,
                awaiting_round: Self::AWAITING_ROUND,
            },
            curve,
            bytes,
        )?;
        let ctx = state.context();
        if ctx.protocol != Self::PROTOCOL
            || ctx.me != Self::ROLE
            || ctx.curve != curve
            || state.share_role().is_some_and(|role| role != Self::ROLE)
        {
            return Err(DecodeError::Inconsistent);
        }
        state.validate()?;
        Ok(state)
    }
}
