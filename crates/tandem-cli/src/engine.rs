//! What the commands run on: the device's half (`tandem_client::Client`) against
//! `tandem server`, over HTTP (`--server`) or in this process (the local mode, `local.rs`);
//! or a store of the layout made before the server existed (`Wallet<FsStore>`, `legacy`).
//! The commands (`commands.rs`) and their outputs are the same for all.

use tandem_client::{Client, ClientError, FsDevice, Transport};
use tandem_wallet::ed25519_dalek::Signature;
use tandem_wallet::progress::ProgressFn;
use tandem_wallet::{
    BackupKey, DerivationPath, EjectedKeys, FsStore, Secp256k1Signed, Status, TaprootSignature,
    Tree, Wallet, WalletError, WalletInfo,
};

/// An operation's failure: its message, and whether its outcome is unknown (it may have
/// taken effect).
pub(crate) struct Failed {
    pub(crate) message: String,
    pub(crate) indeterminate: bool,
}

impl From<WalletError> for Failed {
    fn from(e: WalletError) -> Self {
        Self {
            indeterminate: matches!(e, WalletError::Indeterminate(_)),
            message: e.to_string(),
        }
    }
}

impl From<ClientError> for Failed {
    fn from(e: ClientError) -> Self {
        Self {
            // No answer: the server may have committed what the request asked.
            indeterminate: matches!(e, ClientError::Transport(_)),
            message: e.to_string(),
        }
    }
}

impl From<Failed> for String {
    fn from(f: Failed) -> Self {
        f.message
    }
}

/// The wallet operations of the command line.
pub(crate) trait Engine {
    fn generate(&self, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed>;
    fn info(&self) -> Result<WalletInfo, Failed>;
    fn tree(&self) -> Result<Tree, Failed>;
    fn sign_secp256k1(
        &self,
        path: &DerivationPath,
        d: &[u8; 32],
        p: &mut ProgressFn<'_>,
    ) -> Result<Secp256k1Signed, Failed>;
    fn sign_ed25519(
        &self,
        path: &DerivationPath,
        m: &[u8],
        p: &mut ProgressFn<'_>,
    ) -> Result<Signature, Failed>;
    fn sign_bip340(
        &self,
        path: &DerivationPath,
        m: &[u8],
        p: &mut ProgressFn<'_>,
    ) -> Result<TaprootSignature, Failed>;
    fn presign(&self, n: usize, p: &mut ProgressFn<'_>) -> Result<usize, Failed>;
    fn backup(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<Vec<Status>, Failed>;
    fn recover(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed>;
    fn refresh(&self, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed>;
    fn eject(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<EjectedKeys, Failed>;
}

impl Engine for Wallet<FsStore> {
    fn generate(&self, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed> {
        Ok(Wallet::generate(self, p)?)
    }
    fn info(&self) -> Result<WalletInfo, Failed> {
        Ok(Wallet::info(self)?)
    }
    fn tree(&self) -> Result<Tree, Failed> {
        Ok(Wallet::tree(self)?)
    }
    fn sign_secp256k1(
        &self,
        path: &DerivationPath,
        d: &[u8; 32],
        p: &mut ProgressFn<'_>,
    ) -> Result<Secp256k1Signed, Failed> {
        Ok(Wallet::sign_secp256k1_at(self, path, d, p)?)
    }
    fn sign_ed25519(
        &self,
        path: &DerivationPath,
        m: &[u8],
        p: &mut ProgressFn<'_>,
    ) -> Result<Signature, Failed> {
        Ok(Wallet::sign_ed25519_at(self, path, m, p)?)
    }
    fn sign_bip340(
        &self,
        path: &DerivationPath,
        m: &[u8],
        p: &mut ProgressFn<'_>,
    ) -> Result<TaprootSignature, Failed> {
        Ok(Wallet::sign_bip340_at(self, path, m, p)?)
    }
    fn presign(&self, n: usize, p: &mut ProgressFn<'_>) -> Result<usize, Failed> {
        Ok(Wallet::presign(self, n, p)?)
    }
    fn backup(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<Vec<Status>, Failed> {
        Ok(Wallet::backup(self, k, p)?)
    }
    fn recover(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed> {
        Ok(Wallet::recover(self, k, p)?)
    }
    fn refresh(&self, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed> {
        Ok(Wallet::refresh(self, p)?)
    }
    fn eject(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<EjectedKeys, Failed> {
        Ok(Wallet::eject(self, k, p)?)
    }
}

impl<T: Transport> Engine for Client<T, FsDevice> {
    fn generate(&self, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed> {
        Ok(Client::generate(self, p)?)
    }
    fn info(&self) -> Result<WalletInfo, Failed> {
        Ok(Client::info(self, &mut |_| {})?)
    }
    fn tree(&self) -> Result<Tree, Failed> {
        Ok(Client::tree(self)?)
    }
    fn sign_secp256k1(
        &self,
        path: &DerivationPath,
        d: &[u8; 32],
        p: &mut ProgressFn<'_>,
    ) -> Result<Secp256k1Signed, Failed> {
        Ok(Client::sign_secp256k1_at(self, path, d, p)?)
    }
    fn sign_ed25519(
        &self,
        path: &DerivationPath,
        m: &[u8],
        p: &mut ProgressFn<'_>,
    ) -> Result<Signature, Failed> {
        Ok(Client::sign_ed25519_at(self, path, m, p)?)
    }
    fn sign_bip340(
        &self,
        path: &DerivationPath,
        m: &[u8],
        p: &mut ProgressFn<'_>,
    ) -> Result<TaprootSignature, Failed> {
        Ok(Client::sign_bip340_at(self, path, m, p)?)
    }
    fn presign(&self, n: usize, p: &mut ProgressFn<'_>) -> Result<usize, Failed> {
        Ok(Client::presign(self, n, p)?)
    }
    fn backup(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<Vec<Status>, Failed> {
        Ok(Client::backup(self, k, p)?)
    }
    fn recover(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed> {
        Ok(Client::recover(self, k, p)?)
    }
    fn refresh(&self, p: &mut ProgressFn<'_>) -> Result<WalletInfo, Failed> {
        Ok(Client::refresh(self, p)?)
    }
    fn eject(&self, k: &BackupKey, p: &mut ProgressFn<'_>) -> Result<EjectedKeys, Failed> {
        Ok(Client::eject(self, k, p)?)
    }
}
