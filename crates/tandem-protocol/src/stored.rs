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

/// The stored-format version this release writes and reads.
pub const STORED_VERSION: u16 = 1;

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

/// Reads only the header of stored bytes.
///
/// # Errors
/// A [`DecodeError`] if the header does not decode.
pub fn peek(bytes: &[u8]) -> Result<StoredHeader, DecodeError> {
    // The version comes first: refuse unknown versions before parsing anything else.
    let (version, _) =
        postcard::take_from_bytes::<u16>(bytes).map_err(|_| DecodeError::Truncated)?;
    if version != STORED_VERSION {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let (header, _) = postcard::take_from_bytes::<StoredHeader>(bytes).map_err(|e| match e {
        postcard::Error::DeserializeUnexpectedEnd => DecodeError::Truncated,
        _ => DecodeError::InvalidValue,
    })?;
    Ok(header)
}

/// Decodes `header || body`, checking version, kind and curve first; the body must be
/// canonical (it re-encodes to the same bytes) with no trailing bytes.
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
    let (_, body): (StoredHeader, T) = codec::decode_with_limit(bytes, limit)?;
    Ok(body)
}

/// A party state that can be saved between two messages and resumed elsewhere.
///
/// The saved bytes contain the party's secrets for this run (nonces, its key contribution);
/// they must be stored as carefully as a key share, and restored at most once: the caller's
/// store must delete them (take, not read) before the restored state processes a message.
///
/// Which states are saveable is a security decision, not a convenience:
/// - every keygen and aux-info state that waits for a message (not the client's
///   [`ecdsa::aux_info::ClientOpened`](crate::ecdsa::aux_info::ClientOpened), a step between
///   two of its own messages), and the server's states that hold only public values
///   ([`ecdsa::sign::ServerAwaitingFinish`](crate::ecdsa::sign::ServerAwaitingFinish),
///   [`eddsa::sign::ServerAwaitingShare`](crate::eddsa::sign::ServerAwaitingShare),
///   [`ecdsa::full_sign::ServerAwaitingClient2`](crate::ecdsa::full_sign::ServerAwaitingClient2))
///   are saveable: restoring a copy twice gives a peer nothing;
/// - the server's presigning state is saveable so that a stateless server can resume it; a
///   copy restored twice yields two presignatures with the *same id*, and a presignature pool
///   must refuse an id it has seen before ([`crate::ecdsa::pool`]);
/// - no state that holds signing nonces and is about to release a signature share is
///   saveable (the client's Ed25519 signing, presigning, signing and full-signing states; the
///   server's full-signing state before it signs): restored twice against two different peer
///   messages it would release two shares under one nonce, which reveals the key share. Such
///   a run is short; if it is interrupted, start a new one.
pub trait SessionState: Serialize + DeserializeOwned + Sized {
    /// The protocol.
    const PROTOCOL: ProtocolId;
    /// The party holding this state.
    const ROLE: Role;
    /// The round whose message this state waits for.
    const AWAITING_ROUND: u8;

    /// The state's session context.
    fn context(&self) -> &SessionContext;

    /// Checks internal consistency after decoding (e.g. nonces match their commitments).
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
    /// A [`DecodeError`]: wrong version, kind, protocol, role, round or curve, malformed or
    /// inconsistent values.
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
        if ctx.protocol != Self::PROTOCOL || ctx.me != Self::ROLE || ctx.curve != curve {
            return Err(DecodeError::Inconsistent);
        }
        state.validate()?;
        Ok(state)
    }
}
