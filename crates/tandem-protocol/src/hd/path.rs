//! Derivation paths: `m`, `m/0`, `m/44/0/7`, non-hardened indices only.

use core::fmt;
use core::str::FromStr;

use super::HdError;

/// The first hardened index, `2^31` (BIP32): indices at or above it are refused.
pub const HARDENED: u32 = 1 << 31;

/// The deepest path: BIP32 serializes the depth in one byte.
pub const MAX_DEPTH: usize = 255;

/// A path of non-hardened indices below a wallet's key, written `m/i/j/…` (`m` alone: the
/// wallet's own key).
///
/// Parsing is strict, since paths come from users and requests: `m` first, then components
/// of ASCII decimal digits without sign or leading zero (`0` itself is fine), each below
/// `2^31`; a hardened marker (`'`, `h`, `H`) is refused as [`HdError::Hardened`], anything
/// else as [`HdError::Syntax`] naming the component.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DerivationPath(Vec<u32>);

impl DerivationPath {
    /// The wallet's own key (`m`).
    #[must_use]
    pub fn master() -> Self {
        Self(Vec::new())
    }

    /// A path from its indices.
    ///
    /// # Errors
    /// [`HdError::Hardened`], [`HdError::TooDeep`].
    pub fn from_indices(indices: &[u32]) -> Result<Self, HdError> {
        if indices.len() > MAX_DEPTH {
            return Err(HdError::TooDeep {
                depth: indices.len(),
            });
        }
        if let Some(position) = indices.iter().position(|&i| i >= HARDENED) {
            return Err(HdError::Hardened {
                position: position + 1,
            });
        }
        Ok(Self(indices.to_vec()))
    }

    /// The indices, from the top.
    #[must_use]
    pub fn indices(&self) -> &[u32] {
        &self.0
    }

    /// Whether this is `m`.
    #[must_use]
    pub fn is_master(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for DerivationPath {
    type Err = HdError;

    fn from_str(text: &str) -> Result<Self, HdError> {
        // One pass, bounded by the text: at most MAX_DEPTH components are looked at, each
        // refused as soon as it is not 1 to 10 digits (and one hardened marker).
        let mut parts = text.split('/');
        if parts.next() != Some("m") {
            return Err(HdError::Syntax { position: 0 });
        }
        let mut indices = Vec::new();
        for (n, part) in parts.enumerate() {
            let position = n + 1;
            if position > MAX_DEPTH {
                return Err(HdError::TooDeep { depth: position });
            }
            let digits = part.trim_end_matches(['\'', 'h', 'H']);
            let hardened_marker = digits.len() != part.len();
            let well_formed = !digits.is_empty()
                && digits.len() <= 10
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'))
                && part.len() - digits.len() <= 1;
            if !well_formed {
                return Err(HdError::Syntax { position });
            }
            let index: u64 = digits.parse().map_err(|_| HdError::Syntax { position })?;
            if hardened_marker || index >= u64::from(HARDENED) {
                return Err(HdError::Hardened { position });
            }
            indices.push(u32::try_from(index).map_err(|_| HdError::Hardened { position })?);
        }
        Ok(Self(indices))
    }
}

impl fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m")?;
        for index in &self.0 {
            write!(f, "/{index}")?;
        }
        Ok(())
    }
}

/// On the wire (a signing request names the child it signs for): the indices as a sequence.
impl serde::Serialize for DerivationPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.0)
    }
}

/// From the wire: at most [`MAX_DEPTH`] indices are read (a longer sequence is refused
/// before the rest is looked at), each non-hardened.
impl<'de> serde::Deserialize<'de> for DerivationPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = DerivationPath;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "at most {MAX_DEPTH} non-hardened indices")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<DerivationPath, A::Error> {
                let mut indices = Vec::new();
                while let Some(index) = seq.next_element::<u32>()? {
                    if indices.len() == MAX_DEPTH {
                        return Err(serde::de::Error::custom(HdError::TooDeep {
                            depth: MAX_DEPTH + 1,
                        }));
                    }
                    indices.push(index);
                }
                DerivationPath::from_indices(&indices).map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}
