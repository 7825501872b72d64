//! Encryption at rest for the server's and the custodian's records (the filesystem store's
//! stand-in for a KMS): AES-256-GCM under the party's 32-byte key, a fresh 96-bit nonce per
//! write, and the party and record name as associated data, so a record cannot be moved to
//! another name or party unnoticed.
//!
//! Format: `version (1 byte) || nonce (12 bytes) || ciphertext with tag`. [`FsStore`]
//! uses it for the server's and the custodian's folders; another [`Store`] may use it too.
//!
//! [`FsStore`]: super::FsStore
//! [`Store`]: super::Store

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{Party, StoreError};

/// The at-rest format version.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

fn aad(party: Party, name: &str) -> Vec<u8> {
    let mut aad = b"tandem/at-rest/v1".to_vec();
    for field in [party.name(), name] {
        aad.extend_from_slice(&(field.len() as u64).to_be_bytes());
        aad.extend_from_slice(field.as_bytes());
    }
    aad
}

/// Seals the record `name` of `party` under `key` (a fresh nonce from `rng`).
///
/// # Errors
/// [`StoreError::Corrupted`] if encryption fails (it does not for inputs in memory).
pub fn seal<R: CryptoRng + ?Sized>(
    key: &[u8; 32],
    party: Party,
    name: &str,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, StoreError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let ciphertext = Aes256Gcm::new(key.into())
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &aad(party, name),
            },
        )
        .map_err(|_| StoreError::Corrupted {
            party,
            record: name.to_owned(),
        })?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens the record `name` of `party` sealed under `key`: the plaintext, wiped on drop.
///
/// # Errors
/// [`StoreError::Corrupted`] for another version, a short input, another key, party or
/// name, or any change to the bytes.
pub fn open(
    key: &[u8; 32],
    party: Party,
    name: &str,
    bytes: &[u8],
) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    let corrupted = || StoreError::Corrupted {
        party,
        record: name.to_owned(),
    };
    let (&version, rest) = bytes.split_first().ok_or_else(corrupted)?;
    if version != VERSION {
        return Err(corrupted());
    }
    let (nonce, ciphertext) = rest.split_at_checked(NONCE_LEN).ok_or_else(corrupted)?;
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| corrupted())?;
    Aes256Gcm::new(key.into())
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad(party, name),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| corrupted())
}
