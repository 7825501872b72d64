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
//!
//! Stored structures hold secrets (key shares, saved states, presignatures): they are encoded
//! with [`encode_secret`], whose output and every buffer it outgrows are wiped, and the
//! canonical re-encoding made while decoding is wiped too.

use postcard::ser_flavors::Flavor;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

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
    check_limit(bytes.len(), limit)?;
    Ok(bytes)
}

/// [`encode`] for a value holding secrets: the same bytes, in a buffer wiped on drop (see
/// [`encode_secret_with_limit`]).
///
/// # Errors
/// As [`encode`].
pub fn encode_secret<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    encode_secret_with_limit(value, MAX_ENCODED_LEN)
}

/// [`encode_with_limit`] for a value holding secrets: the output is wiped on drop, and so is
/// every buffer the encoder outgrows on the way (a growing `Vec` would free its old copies
/// unwiped), also when encoding fails or exceeds the limit.
///
/// # Errors
/// As [`encode`].
pub fn encode_secret_with_limit<T: Serialize>(
    value: &T,
    limit: usize,
) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    let bytes = postcard::serialize_with_flavor(value, WipedVec::default())
        .map_err(|_| DecodeError::InvalidValue)?;
    check_limit(bytes.len(), limit)?;
    Ok(bytes)
}

fn check_limit(got: usize, limit: usize) -> Result<(), DecodeError> {
    if got > limit {
        return Err(DecodeError::TooLarge { got, limit });
    }
    Ok(())
}

/// postcard output for secrets: grows by copying into a larger buffer and wiping the old one
/// (never by `Vec` reallocation, which frees the old bytes unwiped); wiped on drop.
#[derive(Default)]
struct WipedVec(Zeroizing<Vec<u8>>);

impl WipedVec {
    fn reserve(&mut self, more: usize) {
        let needed = self.0.len().saturating_add(more);
        if needed > self.0.capacity() {
            let capacity = needed.max(self.0.capacity().saturating_mul(2)).max(256);
            let mut bigger = Vec::with_capacity(capacity);
            bigger.extend_from_slice(&self.0);
            // The old buffer is wiped (whole capacity) as its `Zeroizing` drops.
            self.0 = Zeroizing::new(bigger);
        }
    }
}

// Its buffer is a `Zeroizing`, wiped when dropped.
impl zeroize::ZeroizeOnDrop for WipedVec {}

impl Flavor for WipedVec {
    type Output = Zeroizing<Vec<u8>>;

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.reserve(data.len());
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.reserve(1);
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Self::Output> {
        Ok(self.0)
    }
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
    // The re-encoding of a stored structure holds its secrets: wiped on drop.
    let again = reencode(&value)?;
    if again.as_slice() != bytes {
        return Err(DecodeError::NonCanonical);
    }
    Ok(value)
}

/// The canonical re-encoding made by [`decode_with_limit`] (no limit: the input was checked).
fn reencode<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    encode_secret_with_limit(value, usize::MAX)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{WipedVec, encode, encode_secret, encode_secret_with_limit, reencode};
    use crate::error::DecodeError;

    fn assert_wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}

    #[test]
    fn secret_encodings_and_the_canonical_reencoding_are_wiped_on_drop() {
        // Type-level: these fail to compile if a plain `Vec<u8>` comes back.
        let value = (7u16, vec![0xA5u8; 5_000], [0x5Au8; 32]);
        let secret = encode_secret(&value).unwrap();
        assert_wiped_on_drop(&secret);
        let again = reencode(&value).unwrap();
        assert_wiped_on_drop(&again);
        assert_wiped_on_drop(&WipedVec::default());
        // The same bytes as the public encoder: growing through many buffers loses nothing.
        assert_eq!(secret.as_slice(), encode(&value).unwrap().as_slice());
        assert_eq!(again.as_slice(), secret.as_slice());
        assert_eq!(
            encode_secret_with_limit(&value, 100).err(),
            Some(DecodeError::TooLarge {
                got: secret.len(),
                limit: 100
            })
        );
    }
}
