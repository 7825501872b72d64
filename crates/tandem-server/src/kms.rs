//! Encryption at rest: the [`Kms`] trait and [`LocalKms`], its stand-in on a key file.
//!
//! Every secret the server stores (its signing shares, saved protocol states, presignature
//! halves, Paillier keys, custodian backup shares) is sealed with AES-256-GCM under a key of
//! its [`Purpose`], with associated data naming the table, the row and the column: a sealed
//! value copied to another row or column does not open. A deployment implements [`Kms`] on
//! its key-management service (envelope encryption: the service wraps data keys).

use std::fs;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// What a sealed value is, each purpose under its own key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The server's own secrets: signing shares, saved states, presignatures, Paillier keys.
    Server,
    /// Custodian backup shares (provider-managed custody), under a separate key.
    Custodian,
}

/// Why a value did not seal or open.
#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    /// The sealed value is not of this format, or it was altered, or it belongs elsewhere
    /// (other associated data), or the key is not the one that sealed it.
    #[error("a sealed value does not open (altered, moved, or another key)")]
    Open,
    /// The key file cannot be read, created, or is malformed.
    #[error("key file: {0}")]
    KeyFile(String),
    /// Sealing failed.
    #[error("sealing failed")]
    Seal,
}

/// Seals and opens the server's secrets at rest.
pub trait Kms: Send + Sync {
    /// Seals `plaintext` for `purpose`, bound to `aad`.
    ///
    /// # Errors
    /// [`KmsError::Seal`].
    fn seal(&self, purpose: Purpose, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, KmsError>;

    /// Opens a value sealed by [`Kms::seal`] with the same purpose and `aad`.
    ///
    /// # Errors
    /// [`KmsError::Open`] if it does not authenticate.
    fn open(
        &self,
        purpose: Purpose,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KmsError>;
}

/// The format version of a sealed value (its first byte).
const SEALED_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// A [`Kms`] on a local 32-byte master key: one AES-256-GCM key per purpose, derived with
/// HKDF-SHA256. Random 96-bit nonces (each key seals far fewer than 2^32 values per
/// server's lifetime between key rotations).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct LocalKms {
    server: [u8; 32],
    custodian: [u8; 32],
}

impl core::fmt::Debug for LocalKms {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LocalKms(<redacted>)")
    }
}

impl LocalKms {
    /// The KMS on `master` (32 random bytes).
    #[must_use]
    pub fn new(master: &[u8; 32]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"tandem-server kms v1"), master);
        let mut server = [0u8; 32];
        let mut custodian = [0u8; 32];
        // Infallible: 32 bytes is far below HKDF-SHA256's output limit.
        let _ = hk.expand(b"server secrets", &mut server);
        let _ = hk.expand(b"custodian backup shares", &mut custodian);
        Self { server, custodian }
    }

    /// The KMS on the key file `path`: 32 bytes in hex on one line, created (mode 0600, from
    /// the operating system's RNG) if missing.
    ///
    /// # Errors
    /// [`KmsError::KeyFile`] if it cannot be read or created, or is not 64 hex digits.
    pub fn from_file(path: &Path) -> Result<Self, KmsError> {
        let err = |e: &dyn std::fmt::Display| KmsError::KeyFile(format!("{}: {e}", path.display()));
        if !path.exists() {
            let mut key = Zeroizing::new([0u8; 32]);
            getrandom::fill(key.as_mut()).map_err(|e| err(&e))?;
            let text = Zeroizing::new(base16ct::lower::encode_string(key.as_ref()));
            write_private(path, format!("{}\n", text.as_str()).as_bytes()).map_err(|e| err(&e))?;
        }
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| err(&e))?);
        let mut key = Zeroizing::new([0u8; 32]);
        base16ct::mixed::decode(text.trim(), key.as_mut())
            .map_err(|_| err(&"not 32 bytes in hex"))?;
        Ok(Self::new(&key))
    }

    fn key(&self, purpose: Purpose) -> &[u8; 32] {
        match purpose {
            Purpose::Server => &self.server,
            Purpose::Custodian => &self.custodian,
        }
    }
}

/// Writes a new file readable by its owner only (0600 on Unix).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl Kms for LocalKms {
    fn seal(&self, purpose: Purpose, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, KmsError> {
        let cipher = Aes256Gcm::new(self.key(purpose).into());
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| KmsError::Seal)?;
        let ct = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| KmsError::Seal)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(SEALED_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    fn open(
        &self,
        purpose: Purpose,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KmsError> {
        let (&version, rest) = sealed.split_first().ok_or(KmsError::Open)?;
        if version != SEALED_VERSION {
            return Err(KmsError::Open);
        }
        let (nonce, ct) = rest.split_at_checked(NONCE_LEN).ok_or(KmsError::Open)?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| KmsError::Open)?;
        let cipher = Aes256Gcm::new(self.key(purpose).into());
        cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: ct, aad })
            .map(Zeroizing::new)
            .map_err(|_| KmsError::Open)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn sealed_values_open_only_where_they_were_sealed() {
        let kms = LocalKms::new(&[7; 32]);
        let sealed = kms
            .seal(Purpose::Server, b"wallets|c1|secp", b"share")
            .unwrap();
        assert_eq!(
            kms.open(Purpose::Server, b"wallets|c1|secp", &sealed)
                .unwrap()
                .as_slice(),
            b"share"
        );
        assert!(
            kms.open(Purpose::Server, b"wallets|c2|secp", &sealed)
                .is_err()
        );
        assert!(
            kms.open(Purpose::Custodian, b"wallets|c1|secp", &sealed)
                .is_err()
        );
        assert!(
            LocalKms::new(&[8; 32])
                .open(Purpose::Server, b"wallets|c1|secp", &sealed)
                .is_err()
        );
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert!(
            kms.open(Purpose::Server, b"wallets|c1|secp", &altered)
                .is_err()
        );
        assert!(kms.open(Purpose::Server, b"", &[]).is_err());
        assert!(kms.open(Purpose::Server, b"", &[1, 2, 3]).is_err());
        assert!(format!("{kms:?}").contains("redacted"));
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let a = LocalKms::from_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let b = LocalKms::from_file(&path).unwrap();
        let sealed = a.seal(Purpose::Server, b"x", b"y").unwrap();
        assert_eq!(
            b.open(Purpose::Server, b"x", &sealed).unwrap().as_slice(),
            b"y"
        );
        fs::write(&path, "nothex\n").unwrap();
        assert!(LocalKms::from_file(&path).is_err());
    }
}
