//! Encrypted backup shares: an AES-256-GCM envelope.
//!
//! The client backup share leaves the device only inside an envelope; the organization keeps
//! the ciphertext, the user keeps the key. Three key sources ([`KeySource`]):
//!
//! - a random 32-byte key meant for the user's cloud storage (a file here),
//! - a password or PIN, stretched with Argon2id (random 16-byte salt; the parameters are
//!   stored in the envelope and bounded when read: see "Argon2id parameters" below),
//! - a 32-byte secret supplied by the caller, such as a passkey's PRF output.
//!
//! Raw keys go through HKDF-SHA-256 with a fresh random salt and a label per source, so every
//! envelope has its own AES key and the 96-bit random nonce is never used twice under one key.
//! The associated data is the envelope header: format version, stored kind, curve, wallet id,
//! share kind, key source with its KDF parameters and salt, and the nonce; editing any of it,
//! or the ciphertext, fails authentication. A wrong key or password, a truncated or edited
//! envelope, another wallet, curve or share kind: each is a clean [`EnvelopeError`], and
//! nothing is decrypted.
//!
//! AES-GCM and Argon2 are RustCrypto's (`aes-gcm`, `argon2`, `hkdf`).
//!
//! ## Argon2id parameters
//!
//! A password envelope records its Argon2id parameters, and [`open`] must read them before
//! anything is authenticated, from bytes that whoever stores the envelope (the server, the
//! user's cloud) can edit. So they are bounded first ([`PasswordParams::check`], on sealing
//! and on opening; an edited header is refused with [`EnvelopeError::PasswordParams`] before
//! any hashing):
//!
//! | | memory | passes | lanes | memory × passes |
//! |---|---|---|---|---|
//! | [`PasswordParams::MIN`] (OWASP's minimum) | 19 MiB | 2 | 1 | 38 MiB |
//! | [`PasswordParams::DEFAULT`] | 64 MiB | 3 | 1 | 192 MiB |
//! | ceiling ([`PasswordParams::MAX`], [`PasswordParams::MAX_MEMORY_PASSES`]) | ≤ 128 MiB | ≤ 4 | ≤ 4 | ≤ 384 MiB |
//!
//! The ceiling is what the device that opens the envelope survives: a phone, or a browser
//! tab running the wasm build (a 32-bit heap that also holds the page, one thread). It allows
//! twice the default's memory and twice its work (memory × passes, which one evaluation's
//! time is proportional to; lanes change neither the memory nor the number of blocks
//! computed, and this build computes them on one thread), and contains RFC 9106's second
//! recommended option (64 MiB, 3 passes, 4 lanes). Earlier versions accepted up to 256 MiB,
//! 8 passes, 4 lanes: an edited header imposed sixteen times the default's work and four
//! times its memory. Envelopes sealed by Tandem's wallet used the default and still open;
//! one sealed with [`seal_with`] above the new ceiling no longer opens.
//!
//! One Argon2id evaluation on the development machine (AMD EPYC, 2 vCPUs shared with
//! other work, load average 5–7 during the runs; `cargo run -p tandem-backup --example
//! argon2_cost`, medians of 3, two runs): minimum 46–49 ms; default 223–316 ms (185 ms in a
//! quieter period, `BENCHMARKS.md`); ceiling 457–618 ms at 128 MiB × 3 and 539–619 ms at
//! 96 MiB × 4; the old ceiling 3.2–3.5 s. A whole [`open`] is that plus well under a
//! millisecond (AES-GCM and the share's checks; measured 276–287 ms at the default and
//! 666–672 ms at 128 MiB × 3 × 4 lanes in the same runs). Not measured here: phones and wasm
//! are slower per byte of memory filled (no AVX2 for BLAKE2b, slower memory), so the
//! ceiling's worst case is a few times 0.6 s there, where the old one was a few times 3.5 s
//! with 256 MiB to allocate in one piece.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tandem_curves::Curve;
use tandem_protocol::DecodeError;
use tandem_protocol::stored::{self, StoredKind};
use thiserror::Error;
use zeroize::Zeroizing;

use tandem_protocol::{BackupKind, BackupShare};

/// The longest wallet id an envelope accepts (bytes of UTF-8).
pub const MAX_WALLET_ID_LEN: usize = 128;

/// Where the envelope key comes from.
#[derive(Clone, Copy)]
pub enum KeySource<'a> {
    /// A random 32-byte key (the user's cloud storage).
    RandomKey(&'a [u8; 32]),
    /// A password or PIN (Argon2id).
    Password(&'a [u8]),
    /// A 32-byte secret from the caller (e.g. a passkey PRF output).
    Secret(&'a [u8; 32]),
}

impl core::fmt::Debug for KeySource<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::RandomKey(_) => "RandomKey(<redacted>)",
            Self::Password(_) => "Password(<redacted>)",
            Self::Secret(_) => "Secret(<redacted>)",
        })
    }
}

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl PasswordParams {
    /// The default for new envelopes: 64 MiB, 3 passes, 1 lane (a PIN has little entropy;
    /// above OWASP's minimum of 19 MiB / 2 passes).
    pub const DEFAULT: Self = Self {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 1,
    };
    /// The weakest accepted, for sealing and for opening: OWASP's minimum for Argon2id.
    pub const MIN: Self = Self {
        m_cost_kib: 19 * 1024,
        t_cost: 2,
        p_cost: 1,
    };
    /// The per-parameter ceiling, for sealing and for opening: 128 MiB, 4 passes, 4 lanes;
    /// memory × passes is further capped by [`PasswordParams::MAX_MEMORY_PASSES`] (so 128 MiB
    /// goes with at most 3 passes, 4 passes with at most 96 MiB).
    ///
    /// The parameters are read from the envelope before anything is authenticated, and
    /// whoever stores the envelope (the server, the user's cloud) is not trusted: without a
    /// ceiling an edited header makes the device allocate and hash at will before the
    /// authentication fails. The ceiling is what a phone, and a browser tab running the wasm
    /// build (one thread, a 32-bit heap), survives: twice the default's memory and work.
    /// See the module documentation for the measured times.
    pub const MAX: Self = Self {
        m_cost_kib: 128 * 1024,
        t_cost: 4,
        p_cost: 4,
    };
    /// The ceiling on memory (KiB) × passes, the quantity one Argon2id evaluation's time is
    /// proportional to (lanes change neither the memory nor the number of block
    /// compressions; this build computes them on one thread): 384 MiB·passes, twice the
    /// default's 64 MiB × 3.
    pub const MAX_MEMORY_PASSES: u64 = 384 * 1024;

    /// Checks the parameters against [`PasswordParams::MIN`], [`PasswordParams::MAX`] and
    /// [`PasswordParams::MAX_MEMORY_PASSES`] (what [`seal_with`] and [`open`] do before any
    /// hashing).
    ///
    /// # Errors
    /// [`EnvelopeError::PasswordParams`] if any bound is not met.
    pub fn check(&self) -> Result<(), EnvelopeError> {
        let (min, max) = (Self::MIN, Self::MAX);
        if self.m_cost_kib < min.m_cost_kib
            || self.m_cost_kib > max.m_cost_kib
            || self.t_cost < min.t_cost
            || self.t_cost > max.t_cost
            || self.p_cost < min.p_cost
            || self.p_cost > max.p_cost
            || u64::from(self.m_cost_kib) * u64::from(self.t_cost) > Self::MAX_MEMORY_PASSES
        {
            return Err(EnvelopeError::PasswordParams);
        }
        Ok(())
    }
}

/// The key source as recorded in the envelope (no secret in it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Kdf {
    RandomKey {
        #[serde(with = "tandem_curves::encoding::fixed")]
        salt: [u8; 32],
    },
    Password {
        #[serde(with = "tandem_curves::encoding::fixed")]
        salt: [u8; 16],
        params: PasswordParams,
    },
    Secret {
        #[serde(with = "tandem_curves::encoding::fixed")]
        salt: [u8; 32],
    },
}

impl Kdf {
    const fn name(&self) -> &'static str {
        match self {
            Self::RandomKey { .. } => "random-key",
            Self::Password { .. } => "password",
            Self::Secret { .. } => "secret",
        }
    }
}

/// Everything but the ciphertext; authenticated as associated data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    wallet_id: String,
    kind: BackupKind,
    kdf: Kdf,
    #[serde(with = "tandem_curves::encoding::fixed")]
    nonce: [u8; 12],
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    header: Header,
    ciphertext: Vec<u8>,
}

/// Why an envelope was not sealed or opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The bytes are not an envelope of this format version and curve, or are truncated.
    #[error("not a sealed backup share: {0}")]
    Format(DecodeError),
    /// The envelope is for another wallet.
    #[error("the envelope belongs to another wallet")]
    WrongWallet,
    /// The envelope holds another kind of share than the caller expects.
    #[error("the envelope holds a {got:?} share, expected {expected:?}")]
    WrongShareKind {
        /// Expected.
        expected: BackupKind,
        /// In the envelope.
        got: BackupKind,
    },
    /// The envelope was sealed with another kind of key.
    #[error("the envelope was sealed with a {got} key, not a {expected} key")]
    WrongKeySource {
        /// The caller's key source.
        expected: &'static str,
        /// The envelope's.
        got: &'static str,
    },
    /// The wallet id is empty or longer than [`MAX_WALLET_ID_LEN`].
    #[error("wallet id must be 1 to {MAX_WALLET_ID_LEN} bytes")]
    WalletId,
    /// Argon2 parameters outside [`PasswordParams::MIN`] ..= [`PasswordParams::MAX`], or
    /// memory × passes above [`PasswordParams::MAX_MEMORY_PASSES`].
    #[error("password parameters out of the accepted range")]
    PasswordParams,
    /// Authentication failed: wrong key or password, or an edited envelope.
    #[error("wrong key or password, or the envelope was modified")]
    Decryption,
    /// The decrypted share does not load (should not happen with an authentic envelope).
    #[error("the decrypted share is invalid")]
    Share,
    /// Key derivation failed.
    #[error("key derivation failed")]
    Kdf,
}

fn source_name(key: &KeySource<'_>) -> &'static str {
    match key {
        KeySource::RandomKey(_) => "random-key",
        KeySource::Password(_) => "password",
        KeySource::Secret(_) => "secret",
    }
}

/// Derives the AES key for `kdf` from `key`.
fn derive_key(key: &KeySource<'_>, kdf: &Kdf) -> Result<Zeroizing<[u8; 32]>, EnvelopeError> {
    let mut out = Zeroizing::new([0u8; 32]);
    match (key, kdf) {
        (KeySource::RandomKey(ikm), Kdf::RandomKey { salt })
        | (KeySource::Secret(ikm), Kdf::Secret { salt }) => {
            let info = match kdf {
                Kdf::RandomKey { .. } => &b"tandem/sealed-share/v1/random-key"[..],
                _ => &b"tandem/sealed-share/v1/secret"[..],
            };
            hkdf::Hkdf::<Sha256>::new(Some(salt), &ikm[..])
                .expand(info, &mut out[..])
                .map_err(|_| EnvelopeError::Kdf)?;
        }
        (KeySource::Password(password), Kdf::Password { salt, params }) => {
            params.check()?;
            let params = argon2::Params::new(
                params.m_cost_kib,
                params.t_cost,
                params.p_cost,
                Some(out.len()),
            )
            .map_err(|_| EnvelopeError::PasswordParams)?;
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(password, salt, &mut out[..])
                .map_err(|_| EnvelopeError::Kdf)?;
        }
        _ => {
            return Err(EnvelopeError::WrongKeySource {
                expected: source_name(key),
                got: kdf.name(),
            });
        }
    }
    Ok(out)
}

/// The stored header (version, kind, curve) followed by the envelope header; `version` is the
/// envelope's own (an envelope of stored format 1 was sealed under a header of version 1).
fn associated_data<C: Curve>(
    version: u16,
    header: &Header,
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    stored::encode_as_version(version, StoredKind::SealedShare, C::ID, header)
        .map_err(EnvelopeError::Format)
}

fn check_wallet_id(wallet_id: &str) -> Result<(), EnvelopeError> {
    if wallet_id.is_empty() || wallet_id.len() > MAX_WALLET_ID_LEN {
        return Err(EnvelopeError::WalletId);
    }
    Ok(())
}

/// Seals `share` for `wallet_id` under `key` (passwords with [`PasswordParams::DEFAULT`]).
///
/// # Errors
/// [`EnvelopeError::WalletId`]; a key-derivation or encoding failure.
pub fn seal<C: Curve, R: CryptoRng + ?Sized>(
    share: &BackupShare<C>,
    wallet_id: &str,
    key: &KeySource<'_>,
    rng: &mut R,
) -> Result<Vec<u8>, EnvelopeError> {
    seal_with(share, wallet_id, key, PasswordParams::DEFAULT, rng)
}

/// [`seal`] with explicit Argon2id parameters (used only for [`KeySource::Password`]).
///
/// # Errors
/// [`EnvelopeError::PasswordParams`] below [`PasswordParams::MIN`] or above
/// [`PasswordParams::MAX`] or [`PasswordParams::MAX_MEMORY_PASSES`]; as [`seal`].
pub fn seal_with<C: Curve, R: CryptoRng + ?Sized>(
    share: &BackupShare<C>,
    wallet_id: &str,
    key: &KeySource<'_>,
    params: PasswordParams,
    rng: &mut R,
) -> Result<Vec<u8>, EnvelopeError> {
    check_wallet_id(wallet_id)?;
    let kdf = match key {
        KeySource::RandomKey(_) => {
            let mut salt = [0u8; 32];
            rng.fill_bytes(&mut salt);
            Kdf::RandomKey { salt }
        }
        KeySource::Secret(_) => {
            let mut salt = [0u8; 32];
            rng.fill_bytes(&mut salt);
            Kdf::Secret { salt }
        }
        KeySource::Password(_) => {
            params.check()?;
            let mut salt = [0u8; 16];
            rng.fill_bytes(&mut salt);
            Kdf::Password { salt, params }
        }
    };
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut nonce);
    let header = Header {
        wallet_id: wallet_id.to_owned(),
        kind: share.kind(),
        kdf,
        nonce,
    };
    let aes_key = derive_key(key, &kdf)?;
    let aad = associated_data::<C>(stored::STORED_VERSION, &header)?;
    // The share's stored form, wiped on drop (as is the decrypted plaintext in `open`); the
    // AEAD copies it into a buffer of exactly its final size, which becomes the ciphertext.
    let plaintext = share.to_bytes().map_err(|_| EnvelopeError::Share)?;
    let cipher = Aes256Gcm::new(&(*aes_key).into());
    let ciphertext = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| EnvelopeError::Decryption)?;
    stored::encode(
        StoredKind::SealedShare,
        C::ID,
        &Envelope { header, ciphertext },
    )
    // The envelope is public (header and ciphertext): moved out of its wiped buffer.
    .map(|mut sealed| core::mem::take(&mut *sealed))
    .map_err(EnvelopeError::Format)
}

/// Opens an envelope: checks format version, curve, wallet id and share kind, derives the key,
/// authenticates and decrypts, and loads the share (which must be of the kind the header says).
///
/// # Errors
/// [`EnvelopeError`]: every failure is reported before any plaintext is used.
pub fn open<C: Curve>(
    bytes: &[u8],
    wallet_id: &str,
    expected: BackupKind,
    key: &KeySource<'_>,
) -> Result<BackupShare<C>, EnvelopeError> {
    check_wallet_id(wallet_id)?;
    let envelope: Envelope =
        stored::decode(StoredKind::SealedShare, C::ID, bytes).map_err(EnvelopeError::Format)?;
    let version = stored::peek(bytes).map_err(EnvelopeError::Format)?.version;
    let header = envelope.header;
    if header.wallet_id != wallet_id {
        return Err(EnvelopeError::WrongWallet);
    }
    if header.kind != expected {
        return Err(EnvelopeError::WrongShareKind {
            expected,
            got: header.kind,
        });
    }
    let aes_key = derive_key(key, &header.kdf)?;
    let aad = associated_data::<C>(version, &header)?;
    let cipher = Aes256Gcm::new(&(*aes_key).into());
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                &Nonce::from(header.nonce),
                Payload {
                    msg: &envelope.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| EnvelopeError::Decryption)?,
    );
    let share = BackupShare::<C>::from_bytes(&plaintext).map_err(|_| EnvelopeError::Share)?;
    if share.kind() != header.kind {
        return Err(EnvelopeError::Share);
    }
    Ok(share)
}

#[cfg(test)]
mod tests;
