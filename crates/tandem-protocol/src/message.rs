//! The message envelope and the session context every party checks it against.
//!
//! Every message travels as `Message { header, payload }`, encoded with the strict
//! [`codec`]. The header carries the wire format version, the protocol, the
//! curve, the session id, the round and the sender's role. A party refuses any message whose
//! header does not match what it waits for *before* it decodes the payload; so a message from
//! another session, for another round (a duplicate, a replay, a message out of order), or
//! claiming the wrong sender never reaches the protocol logic.

use core::fmt;

use rand_core::CryptoRng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tandem_curves::{CurveId, Transcript};

use crate::codec;
use crate::error::{DecodeError, Error, Misuse, Refusal};

/// The wire format version this release speaks. 2: key generation agrees and confirms the
/// wallet's chain code, signing requests name a derivation path, resharing binds the chain
/// code; a peer of version 1 is refused by version before anything else (it would agree no
/// chain code, or another one).
pub const WIRE_VERSION: u16 = 2;

/// The two parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// The user's device. Initiates every protocol.
    Client,
    /// The provider's server. Responds and co-signs.
    Server,
}

impl Role {
    /// The other party.
    #[must_use]
    pub const fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }

    /// A stable name for transcripts and output.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which protocol a message or saved state belongs to. New protocols are appended; the
/// encoding of existing ones never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ProtocolId {
    /// Two-party key generation (both curves).
    Keygen,
    /// FROST(Ed25519, SHA-512) signing.
    EddsaSign,
    /// CGGMP auxiliary information (Paillier keys, ring-Pedersen parameters, their proofs).
    AuxInfo,
    /// CGGMP presigning.
    Presign,
    /// ECDSA signing from a presignature (one online round).
    EcdsaSign,
    /// ECDSA signing without a stored presignature (presigning and signing in one run).
    EcdsaFullSign,
    /// Resharing the signing pair into a fresh backup pair (both curves).
    Backup,
    /// Resharing the backup pair into a fresh signing pair (both curves).
    Recover,
    /// Resharing the signing pair into a fresh signing pair (both curves).
    Refresh,
    /// BIP340 signing for a Taproot key-path spend (FROST over secp256k1).
    Bip340Sign,
}

impl ProtocolId {
    /// A stable name for transcripts.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Keygen => "keygen",
            Self::EddsaSign => "eddsa-sign",
            Self::AuxInfo => "aux-info",
            Self::Presign => "presign",
            Self::EcdsaSign => "ecdsa-sign",
            Self::EcdsaFullSign => "ecdsa-full-sign",
            Self::Backup => "backup",
            Self::Recover => "recover",
            Self::Refresh => "refresh",
            Self::Bip340Sign => "bip340-sign",
        }
    }
}

/// A 32-byte session identifier, chosen at random by the client for each protocol run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SessionId(#[serde(with = "tandem_curves::encoding::fixed")] pub [u8; 32]);

impl SessionId {
    /// A fresh random session id.
    #[must_use]
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut id = [0u8; 32];
        rng.fill_bytes(&mut id);
        Self(id)
    }
}

/// The joint value of two 32-byte contributions, one from each party (key generation's `rid`,
/// aux info's `ρ`): their XOR, uniform if either contribution is.
pub(crate) fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x ^ y;
    }
    out
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({})", tandem_curves::encoding::hex(&self.0))
    }
}

/// The envelope header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Wire format version ([`WIRE_VERSION`]).
    pub version: u16,
    /// The protocol.
    pub protocol: ProtocolId,
    /// The curve.
    pub curve: CurveId,
    /// The session.
    pub session: SessionId,
    /// The round this message belongs to (1-based, counted over both parties' messages).
    pub round: u8,
    /// Who sent it.
    pub sender: Role,
}

/// A message: header and encoded payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The header.
    pub header: Header,
    /// The round's payload, encoded with the strict codec.
    #[serde(with = "tandem_curves::encoding::var")]
    pub payload: Vec<u8>,
}

impl Message {
    /// Encodes the message for transport.
    ///
    /// # Errors
    /// If the message exceeds the size limit.
    pub fn to_bytes(&self) -> Result<Vec<u8>, DecodeError> {
        codec::encode(self)
    }

    /// Decodes a message: size limit, version, then the strict codec. The payload stays
    /// encoded until the receiving party has checked the header.
    ///
    /// # Errors
    /// A [`DecodeError`] (an unknown version is [`DecodeError::UnsupportedVersion`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        // The version is the first field; read it alone so that a future layout is refused
        // by its version, not by a confusing decode failure.
        let (version, _) = postcard::take_from_bytes::<u16>(bytes).map_err(|e| match e {
            postcard::Error::DeserializeUnexpectedEnd => DecodeError::Truncated,
            _ => DecodeError::NonCanonical,
        })?;
        if version != WIRE_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        codec::decode(bytes)
    }
}

/// What a party knows about the session it is in: used to stamp outgoing messages and to
/// check incoming ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionContext {
    /// The protocol.
    pub protocol: ProtocolId,
    /// The curve.
    pub curve: CurveId,
    /// The session id.
    pub session: SessionId,
    /// This party's role.
    pub me: Role,
}

impl SessionContext {
    /// The peer's role.
    #[must_use]
    pub const fn peer(&self) -> Role {
        self.me.peer()
    }

    /// A transcript bound to this session: domain, protocol, curve and session id.
    /// Every hash and proof of a protocol run starts from it.
    #[must_use]
    pub fn transcript(&self, domain: &'static str) -> Transcript {
        let mut t = Transcript::new(domain);
        t.append_u64("wire-version", u64::from(WIRE_VERSION));
        t.append("protocol", self.protocol.name().as_bytes());
        t.append("curve", self.curve.name().as_bytes());
        t.append("session", &self.session.0);
        t
    }

    /// Encodes `payload` as this party's message for `round`.
    ///
    /// # Errors
    /// [`Misuse::Encode`] if the payload cannot be encoded.
    pub fn seal<T: Serialize>(&self, round: u8, payload: &T) -> Result<Vec<u8>, Error> {
        let payload = codec::encode(payload).map_err(|_| Error::Misuse(Misuse::Encode))?;
        let msg = Message {
            header: Header {
                version: WIRE_VERSION,
                protocol: self.protocol,
                curve: self.curve,
                session: self.session,
                round,
                sender: self.me,
            },
            payload,
        };
        msg.to_bytes().map_err(|_| Error::Misuse(Misuse::Encode))
    }

    /// Decodes the peer's message for `round`: the envelope, then every header field against
    /// this session, then the payload. Each failure names the peer.
    ///
    /// # Errors
    /// [`Error::Malformed`] or [`Error::Refused`].
    pub fn open<T: DeserializeOwned + Serialize>(
        &self,
        round: u8,
        bytes: &[u8],
    ) -> Result<T, Error> {
        let msg = Message::from_bytes(bytes).map_err(|reason| match reason {
            DecodeError::UnsupportedVersion(v) => Error::Refused {
                sender: self.peer(),
                reason: Refusal::UnsupportedVersion(v),
            },
            reason => Error::Malformed {
                sender: self.peer(),
                reason,
            },
        })?;
        self.check_header(&msg.header, round)?;
        codec::decode(&msg.payload).map_err(|reason| Error::Malformed {
            sender: self.peer(),
            reason,
        })
    }

    fn check_header(&self, h: &Header, round: u8) -> Result<(), Error> {
        let refuse = |reason| {
            Err(Error::Refused {
                sender: self.peer(),
                reason,
            })
        };
        if h.protocol != self.protocol {
            return refuse(Refusal::WrongProtocol {
                expected: self.protocol,
                got: h.protocol,
            });
        }
        if h.curve != self.curve {
            return refuse(Refusal::WrongCurve {
                expected: self.curve,
                got: h.curve,
            });
        }
        if h.sender != self.peer() {
            return refuse(Refusal::WrongSender { got: h.sender });
        }
        if h.session != self.session {
            return refuse(Refusal::WrongSession);
        }
        if h.round != round {
            return refuse(Refusal::WrongRound {
                expected: round,
                got: h.round,
            });
        }
        Ok(())
    }
}

/// Reads the header of a message without checking it against any session: lets a server
/// find which session (and so which saved state) an incoming message belongs to, or learn the
/// session id from the client's first message.
///
/// # Errors
/// A [`DecodeError`] if the envelope does not decode.
pub fn peek_header(bytes: &[u8]) -> Result<Header, DecodeError> {
    Message::from_bytes(bytes).map(|m| m.header)
}

/// The session id of a client's opening message, for a server that starts a session from it.
/// Errors are the client's, classified as [`SessionContext::open`] does: an unknown version
/// is refused ([`Refusal::UnsupportedVersion`]), anything else that does not decode is
/// malformed. The header's other fields are checked when the server opens the message.
///
/// # Errors
/// [`Error::Refused`] or [`Error::Malformed`] naming the client.
pub fn client_session(bytes: &[u8]) -> Result<SessionId, Error> {
    peek_header(bytes)
        .map(|h| h.session)
        .map_err(|reason| match reason {
            DecodeError::UnsupportedVersion(v) => Error::Refused {
                sender: Role::Client,
                reason: Refusal::UnsupportedVersion(v),
            },
            reason => Error::Malformed {
                sender: Role::Client,
                reason,
            },
        })
}
