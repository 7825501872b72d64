//! The device's store: the client's signing shares, the new ones pending the server's
//! confirmation, and its presignature pool. Nothing of the server's is kept here.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::ClientError;

/// Record names.
pub mod names {
    /// The secp256k1 signing share (with its Paillier material).
    pub const SECP256K1_SHARE: &str = "secp256k1.share";
    /// The Ed25519 signing share.
    pub const ED25519_SHARE: &str = "ed25519.share";
    /// A new secp256k1 share, stored before the server is told (confirm), not yet current.
    pub const SECP256K1_SHARE_PENDING: &str = "secp256k1.share.pending";
    /// A new Ed25519 share, not yet current.
    pub const ED25519_SHARE_PENDING: &str = "ed25519.share.pending";
    /// The device's presignature pool (held presignatures, spent ids).
    pub const PRESIGNATURES: &str = "secp256k1.presignatures";
    /// Every name a device store must accept.
    pub const ALL: [&str; 5] = [
        SECP256K1_SHARE,
        ED25519_SHARE,
        SECP256K1_SHARE_PENDING,
        ED25519_SHARE_PENDING,
        PRESIGNATURES,
    ];
}

/// The device's key-value store. Each write replaces one record atomically and durably
/// (a crash leaves the old bytes or the new ones).
pub trait DeviceStore {
    /// The record `name`, if any.
    ///
    /// # Errors
    /// [`ClientError::Device`] if it cannot be read.
    fn read(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, ClientError>;
    /// Writes `name` atomically and durably.
    ///
    /// # Errors
    /// [`ClientError::Device`] if it cannot be written.
    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ClientError>;
    /// Removes `name` (nothing if absent).
    ///
    /// # Errors
    /// [`ClientError::Device`] if it cannot be removed.
    fn remove(&self, name: &str) -> Result<(), ClientError>;

    /// Waits for the device's exclusive lock and holds it until the guard drops: one
    /// operation at a time per device, across threads and processes (two operations reading
    /// the pool at once would take the same presignature).
    ///
    /// # Errors
    /// [`ClientError::Device`] if the lock cannot be taken.
    fn lock(&self) -> Result<DeviceLock, ClientError>;
}

/// A held device lock (released on drop).
pub struct DeviceLock(#[allow(dead_code)] Box<dyn Send + Sync>);

impl DeviceLock {
    /// A guard holding `held` (a locked file, a mutex guard of the store's own).
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        Self(Box::new(held))
    }
}

impl core::fmt::Debug for DeviceLock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DeviceLock")
    }
}

/// A folder of files, one per record, written by rename (the folder is synced after).
#[derive(Clone, Debug)]
pub struct FsDevice {
    dir: PathBuf,
}

fn device_error(what: &str, e: impl std::fmt::Display) -> ClientError {
    ClientError::Device(format!("{what}: {e}"))
}

impl FsDevice {
    /// The store in `dir`, created if missing (mode 0700 on Unix).
    ///
    /// # Errors
    /// [`ClientError::Device`] if the folder cannot be created.
    pub fn create(dir: impl AsRef<Path>) -> Result<Self, ClientError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| device_error("create the store folder", e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| device_error("set the store folder's mode", e))?;
        }
        Ok(Self { dir })
    }

    /// The folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> Result<PathBuf, ClientError> {
        if !names::ALL.contains(&name) {
            return Err(ClientError::Internal(format!("unknown record {name}")));
        }
        Ok(self.dir.join(name))
    }

    fn sync_dir(&self) -> Result<(), ClientError> {
        #[cfg(unix)]
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| device_error("sync the store folder", e))?;
        Ok(())
    }
}

impl DeviceStore for FsDevice {
    fn read(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, ClientError> {
        match fs::read(self.path(name)?) {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(device_error(name, e)),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ClientError> {
        let path = self.path(name)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| device_error("create a temporary file", e))?;
        file.write_all(bytes)
            .and_then(|()| file.as_file().sync_all())
            .map_err(|e| device_error(name, e))?;
        file.persist(&path)
            .map_err(|e| device_error(name, e.error))?;
        self.sync_dir()
    }

    fn lock(&self) -> Result<DeviceLock, ClientError> {
        // A folder deleted since (a device wiped) is a device with no wallet, not an error.
        fs::create_dir_all(&self.dir).map_err(|e| device_error("create the store folder", e))?;
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(".lock"))
            .map_err(|e| device_error("open the lock file", e))?;
        file.lock().map_err(|e| device_error("lock the store", e))?;
        // The lock is released when the file is closed (the guard drops).
        Ok(DeviceLock::new(file))
    }

    fn remove(&self, name: &str) -> Result<(), ClientError> {
        match fs::remove_file(self.path(name)?) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(device_error(name, e)),
        }
    }
}
