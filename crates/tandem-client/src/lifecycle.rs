//! Backup, recover, refresh and eject, the client's half.
//!
//! - Backup: resharing of the signing pair into a fresh backup pair (both curves); the
//!   server stores the custodian's shares (`STORED_CUSTODIAN_BACKUP_SHARE`); the device seals
//!   its backup shares under the user's password or random key and the server stores the
//!   envelopes for it (`STORED_CLIENT_BACKUP_SHARE`).
//! - Recover (a new device: the store may be empty): the envelopes come from the server and
//!   are opened with the user's key; resharing of the backup pair into a new signing pair,
//!   the secp256k1 auxiliary information with the device's fresh Paillier key; then the
//!   device's lifecycle rule (pending, confirm, promote) as for generate.
//! - Refresh: the same from the signing pair.
//! - Eject: the envelopes opened, the custodian's shares fetched, each curve's two backup
//!   shares combined into the private key, checked against the wallet's public keys.

use tandem_backup::envelope::{self, KeySource};
use tandem_curves::{CurveId, Ed25519, Secp256k1};
use tandem_protocol::driver::parties;
use tandem_protocol::reshare::{Backup, Recover, Refresh};
use tandem_protocol::{BackupKind, BackupShare};
use tandem_wallet::progress::{Progress, ProgressFn, Step};
use tandem_wallet::{
    BackupKey, BackupStatus, Ed25519Key, EjectedKeys, Party, Secp256k1Key, Status, WalletInfo,
};

use crate::api::{self, BackupMethod, ClientBackup, CustodianShares, Operation, StoreClientBackup};
use crate::client::{Client, hex, os_rng, step};
use crate::device::DeviceStore;
use crate::error::ClientError;
use crate::transport::{self, Transport};

fn method(key: &BackupKey) -> BackupMethod {
    match key {
        BackupKey::Password(_) => BackupMethod::Password,
        BackupKey::RandomKey(_) => BackupMethod::RandomKey,
        BackupKey::Passkey(_) => BackupMethod::Passkey,
    }
}

fn source(key: &BackupKey) -> Result<KeySource<'_>, ClientError> {
    match key {
        BackupKey::Password(p) if p.is_empty() => {
            Err(ClientError::Backup("the password is empty".into()))
        }
        BackupKey::Password(p) => Ok(KeySource::Password(p)),
        BackupKey::RandomKey(k) | BackupKey::Passkey(k) => Ok(KeySource::RandomKey(k)),
    }
}

fn unhex(what: &str, text: &str) -> Result<Vec<u8>, ClientError> {
    base16ct::mixed::decode_vec(text)
        .map_err(|_| ClientError::BadAnswer(format!("{what}: not hex")))
}

/// Both curves' client backup shares, opened.
struct ClientBackups {
    secp256k1: BackupShare<Secp256k1>,
    ed25519: BackupShare<Ed25519>,
}

impl<T: Transport, D: DeviceStore> Client<T, D> {
    /// Backs the wallet up (see the module docs). Returns the statuses reached, in order.
    ///
    /// # Errors
    /// [`ClientError::NoWallet`]; the server's refusal (`custodian_failed` if the
    /// organization's webhook failed: nothing changed); a protocol error. A failed backup
    /// leaves the previous backup pair, if any, in place, and can be run again.
    pub fn backup(
        &self,
        key: &BackupKey,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Vec<Status>, ClientError> {
        let _lock = self.begin()?;
        let source = source(key)?;
        let shares = self.shares()?;
        let session = self.start_session(Operation::Backup, Some(method(key)))?;
        step(progress, Step::GeneratingShare, None, Party::Client);
        let script =
            parties::reshare_client::<Backup, Secp256k1, _>(shares.secp256k1.core()).then(|secp| {
                parties::reshare_client::<Backup, Ed25519, _>(&shares.ed25519).map(|ed| (secp, ed))
            });
        let (secp, ed) = self.run_session(&session, script, "backup resharing")?;
        let mut statuses = vec![Status::Backup(BackupStatus::StoredCustodianBackupShare)];
        progress(Progress::Status(Status::Backup(
            BackupStatus::StoredCustodianBackupShare,
        )));
        let mut rng = os_rng();
        step(
            progress,
            Step::EncryptingShare,
            Some(CurveId::Secp256k1),
            Party::Client,
        );
        let secp_env = envelope::seal(&secp, self.client_id(), &source, &mut rng)
            .map_err(|e| ClientError::Backup(e.to_string()))?;
        step(
            progress,
            Step::EncryptingShare,
            Some(CurveId::Ed25519),
            Party::Client,
        );
        let ed_env = envelope::seal(&ed, self.client_id(), &source, &mut rng)
            .map_err(|e| ClientError::Backup(e.to_string()))?;
        step(progress, Step::StoringShare, None, Party::Client);
        let _: api::ClientStatus = transport::post_json(
            self.transport(),
            api::path::BACKUP,
            &StoreClientBackup {
                backup_method: method(key),
                secp256k1_sharing_id: hex(&secp.sharing_id()),
                ed25519_sharing_id: hex(&ed.sharing_id()),
                secp256k1_envelope: hex(&secp_env),
                ed25519_envelope: hex(&ed_env),
            },
        )?;
        statuses.push(Status::Backup(BackupStatus::StoredClientBackupShare));
        progress(Progress::Status(Status::Backup(
            BackupStatus::StoredClientBackupShare,
        )));
        Ok(statuses)
    }

    /// The client backup shares, from the server, opened with `key`.
    fn open_backups(
        &self,
        key: &BackupKey,
        progress: &mut ProgressFn<'_>,
    ) -> Result<ClientBackups, ClientError> {
        let source = source(key)?;
        step(progress, Step::ReadingShare, None, Party::Client);
        let backup: ClientBackup = transport::get_json(self.transport(), api::path::BACKUP.into())?;
        if backup.backup_method != method(key) {
            let name = |m: BackupMethod| match m {
                BackupMethod::Password => "password",
                BackupMethod::RandomKey => "random key",
                BackupMethod::Passkey => "passkey",
            };
            return Err(ClientError::Backup(format!(
                "the backup was sealed with a {}, not a {}",
                name(backup.backup_method),
                name(method(key))
            )));
        }
        step(progress, Step::ParsingShare, None, Party::Client);
        let open = |e: tandem_backup::EnvelopeError| ClientError::Backup(e.to_string());
        let secp256k1 = envelope::open::<Secp256k1>(
            &unhex("secp256k1 envelope", &backup.secp256k1_envelope)?,
            self.client_id(),
            BackupKind::ClientBackup,
            &source,
        )
        .map_err(open)?;
        let ed25519 = envelope::open::<Ed25519>(
            &unhex("Ed25519 envelope", &backup.ed25519_envelope)?,
            self.client_id(),
            BackupKind::ClientBackup,
            &source,
        )
        .map_err(open)?;
        Ok(ClientBackups { secp256k1, ed25519 })
    }

    /// Recovers the wallet on this device from the backup (see the module docs).
    ///
    /// # Errors
    /// The server's `no_backup` before `STORED_CLIENT_BACKUP_SHARE`;
    /// [`ClientError::Backup`] for a wrong password or key; a protocol or transport error.
    /// Nothing changes on an error: the previous signing pair stays current.
    pub fn recover(
        &self,
        key: &BackupKey,
        progress: &mut ProgressFn<'_>,
    ) -> Result<WalletInfo, ClientError> {
        let _lock = self.begin()?;
        let backups = self.open_backups(key, progress)?;
        let paillier = self.paillier_key(progress)?;
        let session = self.start_session(Operation::Recover, None)?;
        step(progress, Step::GeneratingShare, None, Party::Client);
        let script = parties::reshare_client::<Recover, Secp256k1, _>(&backups.secp256k1)
            .then(|core| parties::aux_info_client(core, paillier))
            .then(|full| {
                parties::reshare_client::<Recover, Ed25519, _>(&backups.ed25519)
                    .map(|ed| (full, ed))
            });
        let (secp, ed) = self.run_session(&session, script, "recovery")?;
        self.store_new_pair(&secp, &ed, progress)?;
        self.info_unlocked(progress)
    }

    /// Refreshes the signing pair (new shares of the same key, a fresh Paillier key); the
    /// old shares and every presignature stop working once the device confirms.
    ///
    /// # Errors
    /// [`ClientError::NoWallet`]; a protocol or transport error (nothing changes).
    pub fn refresh(&self, progress: &mut ProgressFn<'_>) -> Result<WalletInfo, ClientError> {
        let _lock = self.begin()?;
        let shares = self.shares()?;
        let paillier = self.paillier_key(progress)?;
        let session = self.start_session(Operation::Refresh, None)?;
        step(progress, Step::GeneratingShare, None, Party::Client);
        let script = parties::reshare_client::<Refresh, Secp256k1, _>(shares.secp256k1.core())
            .then(|core| parties::aux_info_client(core, paillier))
            .then(|full| {
                parties::reshare_client::<Refresh, Ed25519, _>(&shares.ed25519).map(|ed| (full, ed))
            });
        let (secp, ed) = self.run_session(&session, script, "refresh")?;
        self.store_new_pair(&secp, &ed, progress)?;
        self.info_unlocked(progress)
    }

    /// Ejects the wallet: each curve's client and custodian backup shares combined into the
    /// private key, checked against the wallet's public keys. The whole key exists in this
    /// process afterwards: use only to leave the threshold setup.
    ///
    /// # Errors
    /// The server's `no_backup`; [`ClientError::Backup`] for a wrong key; an error if the
    /// shares do not combine to the wallet's keys.
    pub fn eject(
        &self,
        key: &BackupKey,
        progress: &mut ProgressFn<'_>,
    ) -> Result<EjectedKeys, ClientError> {
        let _lock = self.device().lock()?;
        let backups = self.open_backups(key, progress)?;
        step(progress, Step::ReadingShare, None, Party::Custodian);
        let custodian: CustodianShares =
            transport::post_json(self.transport(), api::path::EJECT, &serde_json::json!({}))?;
        let bad =
            |e: tandem_protocol::Error| ClientError::BadAnswer(format!("custodian share: {e}"));
        let secp_c = BackupShare::<Secp256k1>::from_bytes(&zeroize::Zeroizing::new(unhex(
            "custodian share",
            &custodian.secp256k1,
        )?))
        .map_err(bad)?;
        let ed_c = BackupShare::<Ed25519>::from_bytes(&zeroize::Zeroizing::new(unhex(
            "custodian share",
            &custodian.ed25519,
        )?))
        .map_err(bad)?;
        let eject = |e: tandem_wallet::EjectError| ClientError::Backup(e.to_string());
        let secp256k1 = Secp256k1Key::eject(&backups.secp256k1, &secp_c).map_err(eject)?;
        let ed25519 = Ed25519Key::eject(&backups.ed25519, &ed_c).map_err(eject)?;
        let status = self.server_status()?;
        let secp_public = secp256k1
            .public_key()
            .to_bytes()
            .map_err(|e| ClientError::Internal(e.to_string()))?;
        let expected = |k: &Option<api::PublicKeyInfo>| k.as_ref().map(|k| k.public_key.clone());
        if expected(&status.secp256k1) != Some(hex(&secp_public))
            || expected(&status.ed25519) != Some(hex(ed25519.verifying_key().as_bytes()))
        {
            return Err(ClientError::Backup(
                "the ejected keys differ from the wallet's public keys".into(),
            ));
        }
        Ok(EjectedKeys { secp256k1, ed25519 })
    }
}
