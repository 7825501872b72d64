//! Backup, recovery, refresh and eject on both curves, with the lifecycle rules.
//!
//! - Backup reshares the signing pair into a fresh backup pair; the custodian's shares are
//!   stored first (`STORED_CUSTODIAN_BACKUP_SHARE`), then the client's, sealed under the
//!   user's password or random key (`STORED_CLIENT_BACKUP_SHARE`). A new backup replaces the
//!   previous pair only once it is complete.
//! - Recover (refused before `STORED_CLIENT_BACKUP_SHARE`) opens the sealed client backup,
//!   reshares the backup pair into a new signing pair with fresh Paillier keys, and replaces
//!   both signing shares (server first: `STORED_DATABASE`, then `STORED_CLIENT`) and discards
//!   both presignature pools. The old device share no longer matches and is refused.
//! - Refresh does the same from the signing pair (proactive security).
//! - Eject combines the two backup shares into the private keys, checked against the wallet's
//!   public keys.
//!
//! The protocols run to completion and both parties' outputs are checked before the first
//! write; the new pair is then stored pending and made current by one write of the wallet
//! record ([`crate::lifecycle`]): the previous pair stays usable until then, and a process
//! killed at any write leaves the old pair or the new one, never half of each.

use tandem_backup::eject::{Ed25519Key, Secp256k1Key};
use tandem_backup::envelope::{self, KeySource};
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::driver::NoTap;
use tandem_protocol::driver::reshare;
use tandem_protocol::reshare::{Backup, Recover, Refresh};
use tandem_protocol::{BackupKind, BackupShare};
use zeroize::Zeroizing;

use crate::curve::{Making, ToSigningPair, WalletCurve};
use crate::error::{WalletError, corrupted, protocol};
use crate::lifecycle::NewBackupPair;
use crate::progress::{ProgressFn, Step};
use crate::record::{BackupKeyKind, CurveRecord, WalletRecord, hex};
use crate::status::{BackupStatus, Status};
use crate::store::{Party, Store};
use crate::wallet::{SigningPair, Wallet, WalletInfo, encoded_share, os_rng, step};

/// The key that seals the client backup shares.
pub enum BackupKey {
    /// A password or PIN (Argon2id, 64 MiB, 3 passes).
    Password(Zeroizing<Vec<u8>>),
    /// A random 32-byte key kept in the user's cloud storage.
    RandomKey(Zeroizing<[u8; 32]>),
    /// The 32-byte output of a passkey's WebAuthn PRF extension (the browser SDK asks the
    /// authenticator for it; the key never leaves the authenticator). Sealed as a random key
    /// is (HKDF-SHA-256 then AES-256-GCM): both are 32 uniformly random bytes.
    Passkey(Zeroizing<[u8; 32]>),
}

impl core::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            BackupKey::Password(_) => "Password(<redacted>)",
            BackupKey::RandomKey(_) => "RandomKey(<redacted>)",
            BackupKey::Passkey(_) => "Passkey(<redacted>)",
        })
    }
}

impl BackupKey {
    fn kind(&self) -> BackupKeyKind {
        match self {
            BackupKey::Password(_) => BackupKeyKind::Password,
            BackupKey::RandomKey(_) => BackupKeyKind::RandomKey,
            BackupKey::Passkey(_) => BackupKeyKind::Passkey,
        }
    }

    fn source(&self) -> Result<KeySource<'_>, WalletError> {
        match self {
            BackupKey::Password(p) if p.is_empty() => Err(WalletError::EmptyPassword),
            BackupKey::Password(p) => Ok(KeySource::Password(p)),
            BackupKey::RandomKey(k) | BackupKey::Passkey(k) => Ok(KeySource::RandomKey(k)),
        }
    }
}

fn kind_name(kind: BackupKeyKind) -> &'static str {
    match kind {
        BackupKeyKind::Password => "password",
        BackupKeyKind::RandomKey => "random key",
        BackupKeyKind::Passkey => "passkey",
    }
}

/// The keys an eject returns: the secp256k1 private key and the Ed25519 private scalar.
pub struct EjectedKeys {
    /// secp256k1 (bytes, WIF, a k256 signing key).
    pub secp256k1: Secp256k1Key,
    /// Ed25519 (the scalar; signs through an expanded-key signer).
    pub ed25519: Ed25519Key,
}

impl core::fmt::Debug for EjectedKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EjectedKeys(<redacted>)")
    }
}

/// Both curves' backup pairs, opened and checked.
struct BackupPairs {
    secp256k1: (BackupShare<Secp256k1>, BackupShare<Secp256k1>),
    ed25519: (BackupShare<Ed25519>, BackupShare<Ed25519>),
}

/// One curve's new backup pair, encoded for the store.
struct NewBackup {
    /// The backup sharing id.
    id: [u8; 32],
    /// The custodian's share.
    custodian: Zeroizing<Vec<u8>>,
    /// The client's share, sealed.
    sealed: Vec<u8>,
}

/// Checks a backup share against the wallet record (kind, public key, backup sharing id).
fn check_backup<C: Curve>(
    party: Party,
    name: &'static str,
    share: &BackupShare<C>,
    kind: BackupKind,
    curve: &CurveRecord,
) -> Result<(), WalletError> {
    let corrupted = |reason: &str| corrupted(party, name, reason);
    if share.kind() != kind {
        return Err(corrupted("a backup share of the other kind"));
    }
    let public_key = share
        .public_key()
        .to_bytes()
        .map_err(|e| corrupted(&e.to_string()))?;
    if hex(&public_key) != curve.public_key {
        return Err(corrupted("a backup share of another wallet"));
    }
    if Some(share.sharing_id()) != curve.backup_sharing_id()? {
        return Err(corrupted("not the wallet's current backup pair"));
    }
    Ok(())
}

impl<S: Store> Wallet<S> {
    /// Reads, opens and checks both curves' backup pairs.
    fn open_backups(
        &self,
        record: &WalletRecord,
        key: &BackupKey,
        progress: &mut ProgressFn<'_>,
    ) -> Result<BackupPairs, WalletError> {
        if record.backup_status != Some(BackupStatus::StoredClientBackupShare) {
            return Err(WalletError::NoBackup);
        }
        if let Some(expected) = record.backup_key
            && expected != key.kind()
        {
            return Err(WalletError::WrongKeyKind {
                expected: kind_name(expected),
                given: kind_name(key.kind()),
            });
        }
        let source = key.source()?;
        Ok(BackupPairs {
            secp256k1: self.open_pair::<Secp256k1>(record, &source, progress)?,
            ed25519: self.open_pair::<Ed25519>(record, &source, progress)?,
        })
    }

    /// Reads, opens and checks the backup pair of curve `C`: `(client's, custodian's)`.
    fn open_pair<C: WalletCurve>(
        &self,
        record: &WalletRecord,
        source: &KeySource<'_>,
        progress: &mut ProgressFn<'_>,
    ) -> Result<(BackupShare<C>, BackupShare<C>), WalletError> {
        let curve = C::record(record);
        // After `Wallet::begin`'s settle, the plain records hold the current pair.
        step(progress, Step::ReadingShare, Some(C::ID), Party::Server);
        let sealed = self.read_required(Party::Server, C::SEALED)?;
        step(progress, Step::ParsingShare, Some(C::ID), Party::Client);
        let client =
            envelope::open::<C>(&sealed, &record.client_id, BackupKind::ClientBackup, source)
                .map_err(WalletError::Envelope)?;
        check_backup(
            Party::Server,
            C::SEALED,
            &client,
            BackupKind::ClientBackup,
            curve,
        )?;
        step(progress, Step::ReadingShare, Some(C::ID), Party::Custodian);
        let bytes = self.read_required(Party::Custodian, C::BACKUP)?;
        step(progress, Step::ParsingShare, Some(C::ID), Party::Custodian);
        let custodian = BackupShare::<C>::from_bytes(&bytes)
            .map_err(|e| corrupted(Party::Custodian, C::BACKUP, e))?;
        check_backup(
            Party::Custodian,
            C::BACKUP,
            &custodian,
            BackupKind::CustodianBackup,
            curve,
        )?;
        Ok((client, custodian))
    }

    /// A fresh backup pair of curve `C` from its signing pair: the custodian's share encoded,
    /// the client's sealed under `source`.
    fn new_backup<C: WalletCurve>(
        &self,
        [client, server]: &[C::Signing; 2],
        record: &WalletRecord,
        source: &KeySource<'_>,
        progress: &mut ProgressFn<'_>,
    ) -> Result<NewBackup, WalletError> {
        let (mut c_rng, mut s_rng) = (os_rng(), os_rng());
        step(
            progress,
            Step::GeneratingShare,
            Some(C::ID),
            Party::Custodian,
        );
        let (client_backup, custodian_backup) = reshare::<Backup, C, _, _, _>(
            C::core(client),
            C::core(server),
            &mut c_rng,
            &mut s_rng,
            &mut NoTap,
        )
        .map_err(protocol(Making::Backup.run(C::ID)))?;
        step(progress, Step::EncryptingShare, Some(C::ID), Party::Client);
        let sealed = envelope::seal(&client_backup, &record.client_id, source, &mut c_rng)
            .map_err(WalletError::Envelope)?;
        Ok(NewBackup {
            id: custodian_backup.sharing_id(),
            custodian: encoded_share(custodian_backup.to_bytes())?,
            sealed,
        })
    }

    /// Backs the wallet up: a fresh backup pair on both curves, the custodian's shares
    /// stored, the client's sealed under `key` and stored. Returns the statuses reached, in
    /// order.
    ///
    /// # Errors
    /// [`WalletError::NotSignable`] before `STORED_CLIENT`; [`WalletError::EmptyPassword`];
    /// a protocol or store error (nothing changes: the previous backup pair, if any, stays
    /// in place). A new backup may use another kind of key than the previous one.
    pub fn backup(
        &self,
        key: &BackupKey,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Vec<Status>, WalletError> {
        let _lock = self.begin()?;
        let source = key.source()?;
        let record = self.require_signable()?;
        let pair = self.load_signing_pair(&record, progress)?;
        let secp256k1 =
            self.new_backup::<Secp256k1>(&pair.secp256k1, &record, &source, progress)?;
        let ed25519 = self.new_backup::<Ed25519>(&pair.ed25519, &record, &source, progress)?;
        let pair = NewBackupPair {
            secp256k1_id: secp256k1.id,
            ed25519_id: ed25519.id,
            custodian: [secp256k1.custodian, ed25519.custodian],
            sealed: [secp256k1.sealed, ed25519.sealed],
            key: key.kind(),
        };
        self.replace_backup_pair(record, pair, progress)
    }

    /// Recovers the wallet on a new device: the sealed client backup is opened with `key`,
    /// the backup pair reshared into a new signing pair on both curves (secp256k1 with fresh
    /// Paillier keys), and both signing shares replaced. Works without any client record.
    ///
    /// # Errors
    /// [`WalletError::NoBackup`] before `STORED_CLIENT_BACKUP_SHARE`;
    /// [`WalletError::Envelope`] for a wrong password or key; a protocol or store error.
    /// Nothing changes on any error.
    pub fn recover(
        &self,
        key: &BackupKey,
        progress: &mut ProgressFn<'_>,
    ) -> Result<WalletInfo, WalletError> {
        let _lock = self.begin()?;
        let record = self.record()?;
        let pairs = self.open_backups(&record, key, progress)?;
        self.replace_signing_pair::<Recover>(
            record,
            [&pairs.secp256k1.0, &pairs.secp256k1.1],
            [&pairs.ed25519.0, &pairs.ed25519.1],
            progress,
        )
    }

    /// Refreshes the signing pair on both curves (new shares of the same key, fresh Paillier
    /// keys for secp256k1); the old shares and every pooled presignature stop working.
    ///
    /// # Errors
    /// As [`Wallet::recover`], with [`WalletError::NotSignable`] before `STORED_CLIENT`.
    pub fn refresh(&self, progress: &mut ProgressFn<'_>) -> Result<WalletInfo, WalletError> {
        let _lock = self.begin()?;
        let record = self.require_signable()?;
        let SigningPair {
            secp256k1: [secp_client, secp_server],
            ed25519: [ed_client, ed_server],
        } = self.load_signing_pair(&record, progress)?;
        self.replace_signing_pair::<Refresh>(
            record,
            [secp_client.core(), secp_server.core()],
            [&ed_client, &ed_server],
            progress,
        )
    }

    /// Recover and refresh: the source pairs reshared by `O` into a new signing pair on both
    /// curves (secp256k1 completed with fresh Paillier keys and the auxiliary information),
    /// then stored and made current ([`crate::lifecycle`]).
    fn replace_signing_pair<O: ToSigningPair>(
        &self,
        record: WalletRecord,
        secp256k1: [&O::Source<Secp256k1>; 2],
        ed25519: [&O::Source<Ed25519>; 2],
        progress: &mut ProgressFn<'_>,
    ) -> Result<WalletInfo, WalletError> {
        let pair = SigningPair {
            ed25519: self.reshared_pair::<O, Ed25519>(ed25519, progress)?,
            secp256k1: self.reshared_pair::<O, Secp256k1>(secp256k1, progress)?,
        };
        self.store_signing_pair(record, pair.encode()?, false, progress)
    }

    /// A new signing pair of curve `C` reshared by `O` from `[client, server]`.
    fn reshared_pair<O: ToSigningPair, C: WalletCurve>(
        &self,
        [client, server]: [&O::Source<C>; 2],
        progress: &mut ProgressFn<'_>,
    ) -> Result<[C::Signing; 2], WalletError> {
        step(progress, Step::GeneratingShare, Some(C::ID), Party::Client);
        let (client, server) =
            reshare::<O, C, _, _, _>(client, server, &mut os_rng(), &mut os_rng(), &mut NoTap)
                .map_err(protocol(O::MAKING.run(C::ID)))?;
        C::complete(
            self,
            [O::key_share(client), O::key_share(server)],
            O::MAKING,
            progress,
        )
    }

    /// Ejects the wallet: both backup shares of each curve combined into the private key,
    /// checked against the wallet's public keys. The whole key exists in this process
    /// afterwards: use only to leave the threshold setup.
    ///
    /// # Errors
    /// [`WalletError::NoBackup`]; [`WalletError::Envelope`] for a wrong password or key;
    /// [`WalletError::Eject`] if the shares do not combine to the wallet's key.
    pub fn eject(
        &self,
        key: &BackupKey,
        progress: &mut ProgressFn<'_>,
    ) -> Result<EjectedKeys, WalletError> {
        // Under the store lock, like every operation that reads pairs: a backup or recovery in
        // another process must not replace records between the reads below.
        let _lock = self.begin()?;
        let record = self.record()?;
        let pairs = self.open_backups(&record, key, progress)?;
        let secp256k1 = Secp256k1Key::eject(&pairs.secp256k1.0, &pairs.secp256k1.1)
            .map_err(WalletError::Eject)?;
        let ed25519 =
            Ed25519Key::eject(&pairs.ed25519.0, &pairs.ed25519.1).map_err(WalletError::Eject)?;
        let keys = record.public_keys()?;
        let secp_public = secp256k1
            .public_key()
            .to_bytes()
            .map_err(|e| WalletError::Internal(e.to_string()))?;
        if secp_public.as_slice() != keys.secp256k1_bytes().as_slice()
            || ed25519.verifying_key() != keys.ed25519
        {
            return Err(WalletError::Internal(
                "ejected keys differ from the wallet's public keys".into(),
            ));
        }
        Ok(EjectedKeys { secp256k1, ed25519 })
    }
}
