//! The strict binary codec used for every message payload and stored structure.
//!
//! postcard (a stable, specified serde format) with three extra rules: a size limit checked
//! before anything is parsed, no trailing bytes, and canonical form: the decoded value must
//! re-encode to exactly the input bytes (this refuses over-long varints and any other
//! alternative encoding, so one value has one byte string). One deliberate exception: FROST
//! nonce commitments travel as eighths ([`crate::eddsa::wire`]), and the eight points
//! `D̄ + T` (`T` of order dividing 8) are all valid encodings of the same commitment `D`.
//! Nothing may be keyed on raw message bytes (deduplication, request ids); the envelope's
//! session id and round are what identify a message.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::DecodeError;

/// Upper bound on any single message or stored structure, in bytes.
pub const MAX_ENCODED_LEN: usize = 1 << 20;

/// Encodes a value.
///
/// # Errors
/// [`DecodeError::TooLarge`] if the encoding exceeds [`MAX_ENCODED_LEN`]; `InvalidValue` if
/// the value refuses to serialize (e.g. an identity point).
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, DecodeError> {
    encode_with_limit(value, MAX_ENCODED_LEN)
}

/// [`encode`] with another size limit (for stored structures that may grow larger than a
/// message, such as a presignature pool).
///
/// # Errors
/// As [`encode`].
pub fn encode_with_limit<T: Serialize>(value: &T, limit: usize) -> Result<Vec<u8>, DecodeError> {
    let bytes = postcard::to_allocvec(value).map_err(|_| DecodeError::InvalidValue)?;
    if bytes.len() > limit {
        return Err(DecodeError::TooLarge {
            got: bytes.len(),
            limit,
        });
    }
    Ok(bytes)
}

/// Decodes a value strictly (see the module documentation).
///
/// # Errors
/// A [`DecodeError`] saying what was wrong with the bytes.
pub fn decode<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<T, DecodeError> {
    decode_with_limit(bytes, MAX_ENCODED_LEN)
}

/// [`decode`] with another size limit.
///
/// # Errors
/// As [`decode`].
pub fn decode_with_limit<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    limit: usize,
) -> Result<T, DecodeError> {
    if bytes.len() > limit {
        return Err(DecodeError::TooLarge {
            got: bytes.len(),
            limit,
        });
    }
    let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(map_postcard)?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes);
    }
    let again = postcard::to_allocvec(&value).map_err(|_| DecodeError::InvalidValue)?;
    if again != bytes {
        return Err(DecodeError::NonCanonical);
    }
    Ok(value)
}

fn map_postcard(e: postcard::Error) -> DecodeError {
    match e {
        postcard::Error::DeserializeUnexpectedEnd => DecodeError::Truncated,
        postcard::Error::DeserializeBadVarint
        | postcard::Error::DeserializeBadBool
        | postcard::Error::DeserializeBadChar
        | postcard::Error::DeserializeBadUtf8
        | postcard::Error::DeserializeBadOption
        | postcard::Error::DeserializeBadEnum
        | postcard::Error::DeserializeBadEncoding => DecodeError::NonCanonical,
        _ => DecodeError::InvalidValue,
    }
}
