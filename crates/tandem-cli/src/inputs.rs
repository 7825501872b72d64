//! Command-line inputs: hex, password files, key files. Every value is checked here, with a
//! one-line error.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

use tandem_wallet::{BackupKey, DerivationPath, Zeroizing};

use crate::KeyArgs;

/// Decodes hex (upper or lower case, even length).
pub(crate) fn hex(what: &str, text: &str) -> Result<Vec<u8>, String> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    if !text.len().is_multiple_of(2) {
        return Err(format!("{what}: bad hex (odd number of digits)"));
    }
    let mut out = vec![0u8; text.len() / 2];
    base16ct::mixed::decode(text, &mut out).map_err(|_| format!("{what}: bad hex"))?;
    Ok(out)
}

/// A 32-byte digest in hex.
pub(crate) fn digest(text: &str) -> Result<[u8; 32], String> {
    digest_named("digest", text)
}

/// 32 bytes in hex, named `what` in the error.
pub(crate) fn digest_named(what: &str, text: &str) -> Result<[u8; 32], String> {
    let bytes = hex(what, text)?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{what} must be 32 bytes, got {}", b.len()))
}

/// A derivation path `m/…` of non-hardened indices (`tandem_protocol::hd`).
pub(crate) fn path(text: Option<&str>) -> Result<DerivationPath, String> {
    match text {
        None => Ok(DerivationPath::master()),
        Some(text) => text.parse().map_err(|e| format!("--path {text:?}: {e}")),
    }
}

fn read_secret_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
}

/// The password in a file, without one trailing newline.
fn password(path: &Path) -> Result<BackupKey, String> {
    let mut bytes = read_secret_file(path, "password file")?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    if bytes.is_empty() {
        return Err(format!("password file {} is empty", path.display()));
    }
    Ok(BackupKey::Password(bytes))
}

fn parse_key(path: &Path, bytes: &[u8]) -> Result<BackupKey, String> {
    let text = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    let mut key = Zeroizing::new([0u8; 32]);
    match base16ct::mixed::decode(text, &mut key[..]) {
        Ok(k) if k.len() == 32 => Ok(BackupKey::RandomKey(key)),
        _ => Err(format!(
            "key file {} must hold 32 bytes in hex",
            path.display()
        )),
    }
}

/// The backup key: from a password file, or from a key file (created with a fresh random
/// key if `create` and it does not exist). Returns the key and whether it was created.
pub(crate) fn backup_key(args: &KeyArgs, create: bool) -> Result<(BackupKey, bool), String> {
    match (&args.password_file, &args.key_file) {
        (Some(path), None) => Ok((password(path)?, false)),
        (None, Some(path)) => match fs::read(path) {
            Ok(bytes) => Ok((parse_key(path, &Zeroizing::new(bytes))?, false)),
            Err(e) if e.kind() == ErrorKind::NotFound && create => {
                let mut key = Zeroizing::new([0u8; 32]);
                getrandom::fill(&mut key[..]).map_err(|e| format!("no randomness: {e}"))?;
                let mut text = Zeroizing::new(base16ct::lower::encode_string(&key[..]));
                text.push('\n');
                let mut options = fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options
                    .open(path)
                    .map_err(|e| format!("cannot create key file {}: {e}", path.display()))?;
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| format!("cannot write key file {}: {e}", path.display()))?;
                Ok((BackupKey::RandomKey(key), true))
            }
            Err(e) => Err(format!("cannot read key file {}: {e}", path.display())),
        },
        _ => Err("give exactly one of --password-file and --key-file".into()),
    }
}
