//! Serde helpers for byte strings: lowercase hex in human-readable formats (JSON test
//! vectors), length-prefixed raw bytes in binary formats (the postcard wire codec).
//!
//! Use them as `#[serde(with = "tandem_curves::encoding::fixed")]` on `[u8; N]` fields and
//! `#[serde(with = "tandem_curves::encoding::var")]` on `Vec<u8>` fields.

use core::fmt;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};
use zeroize::Zeroizing;

/// Writes `bytes` as hex (human-readable formats) or as a byte string (binary formats).
///
/// # Errors
/// Whatever the serializer reports.
pub fn serialize_bytes<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        let hex = Zeroizing::new(base16ct::lower::encode_string(bytes));
        serializer.serialize_str(&hex)
    } else {
        serializer.serialize_bytes(bytes)
    }
}

/// Reads what [`serialize_bytes`] wrote. The returned buffer is wiped on drop, so the helper
/// is safe for secrets too.
///
/// # Errors
/// Malformed hex, or a value that is neither a string nor a byte string.
pub fn deserialize_bytes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Zeroizing<Vec<u8>>, D::Error> {
    if deserializer.is_human_readable() {
        deserializer.deserialize_str(BytesVisitor)
    } else {
        deserializer.deserialize_bytes(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Zeroizing<Vec<u8>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte string or a lowercase hex string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        // One text form per value: lowercase only (base16ct's decoder also takes uppercase).
        if v.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(E::custom("hex must be lowercase"));
        }
        base16ct::lower::decode_vec(v)
            .map(Zeroizing::new)
            .map_err(|_| E::custom("invalid lowercase hex"))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(Zeroizing::new(v.to_vec()))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Some binary formats hand byte strings over as sequences. Bounded by the input.
        let mut out = Zeroizing::new(Vec::new());
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(out)
    }
}

/// `[u8; N]` fields: exactly `N` bytes, anything else is refused.
pub mod fixed {
    use serde::{Deserializer, Serializer, de};

    /// Serializes a fixed-size byte array.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        super::serialize_bytes(bytes, serializer)
    }

    /// Deserializes a fixed-size byte array, refusing any other length.
    ///
    /// # Errors
    /// A length other than `N`, or malformed input.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<[u8; N], D::Error> {
        let bytes = super::deserialize_bytes(deserializer)?;
        <[u8; N]>::try_from(bytes.as_slice())
            .map_err(|_| de::Error::invalid_length(bytes.len(), &"the exact fixed length"))
    }
}

/// `Vec<u8>` fields of variable length (bounded by the enclosing message size).
pub mod var {
    use serde::{Deserializer, Serializer};

    /// Serializes a byte vector.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        super::serialize_bytes(bytes, serializer)
    }

    /// Deserializes a byte vector.
    ///
    /// # Errors
    /// Malformed input.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let bytes = super::deserialize_bytes(deserializer)?;
        Ok(bytes.to_vec())
    }
}

/// Lowercase hex of public bytes (for `Debug` output and reports).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}
