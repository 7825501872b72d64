//! Crash safety: how an operation replaces a pair so that a process killed at any write leaves
//! the wallet in its old state or its new one, never between.
//!
//! The store writes one record at a time (each write atomic and durable, [`Store`]). An
//! operation that changes several records follows the seeds' lifecycle, with the server's
//! wallet record as the single commit point:
//!
//! | operation | before the commit | commit (one write of `wallet.json`) | after |
//! |---|---|---|---|
//! | generate | server shares, record `STORED_DATABASE`, client shares | `STORED_CLIENT` | – |
//! | recover, refresh | server `*.share.pending`, record names the pending pair (`STORED_DATABASE` for it), client `*.share.pending` | pending pair made current (`STORED_CLIENT`) | both pools removed, pending shares promoted to `*.share` |
//! | backup | custodian `*.backup.pending`, record names the pending pair (`STORED_CUSTODIAN_BACKUP_SHARE`), sealed `*.sealed.pending` | pending pair made current (`STORED_CLIENT_BACKUP_SHARE`) | pending records promoted |
//!
//! Until the commit, the previous pair stays current and usable, and nothing it needs is
//! touched; after it, the new pair is current and every later step is idempotent.
//!
//! [`Wallet::settle`] runs first in every operation that holds the store lock
//! ([`Wallet::begin`]) and finishes whatever an earlier process left: a pair that is still
//! pending (no commit stored) is rolled back (its records removed, the record's pending ids
//! cleared), a committed pair is promoted, and the pools of a replaced pair are removed. It
//! never rolls forward: only the commit makes a new pair current, so an operation that was
//! killed, or that returned an error, left the old pair. A failed operation settles at once;
//! if even the store's record cannot be read back after the failure, it returns
//! [`WalletError::Indeterminate`] and the next operation's settle decides (old or new, by the
//! stored record).
//!
//! Records of the first format (version 1) were written by code that had no pending names:
//! a version 1 record left in `STORED_DATABASE` is completed only if both parties hold the
//! shares it names (that code stored the client's shares just before the final status), and
//! is otherwise left for `recover`, never deleted.

use tandem_curves::{Ed25519, Secp256k1};
use tandem_protocol::BackupShare;
use tandem_protocol::KeyShare;
use tandem_protocol::ecdsa::EcdsaKeyShare;
use zeroize::Zeroizing;

use crate::error::WalletError;
use crate::progress::{Progress, ProgressFn, Step};
use crate::record::{BackupKeyKind, CurveRecord, WalletRecord, hex};
use crate::status::{BackupStatus, SigningStatus, Status};
use crate::store::{Party, Store, names};
use crate::wallet::{Wallet, WalletInfo, info_of, step};

/// A new signing pair, encoded: `[client, server]` per curve, with the sharing ids.
pub(crate) struct NewSigningPair {
    pub(crate) secp256k1: [Zeroizing<Vec<u8>>; 2],
    pub(crate) ed25519: [Zeroizing<Vec<u8>>; 2],
    pub(crate) secp256k1_id: [u8; 32],
    pub(crate) ed25519_id: [u8; 32],
}

/// A new backup pair, encoded: the custodian shares and the sealed client shares.
pub(crate) struct NewBackupPair {
    pub(crate) custodian: [Zeroizing<Vec<u8>>; 2],
    pub(crate) sealed: [Vec<u8>; 2],
    pub(crate) secp256k1_id: [u8; 32],
    pub(crate) ed25519_id: [u8; 32],
    pub(crate) key: BackupKeyKind,
}

const SHARES: [&str; 2] = [names::SECP256K1_SHARE, names::ED25519_SHARE];
const SHARES_PENDING: [&str; 2] = [names::SECP256K1_SHARE_PENDING, names::ED25519_SHARE_PENDING];
const BACKUPS: [&str; 2] = [names::BACKUP_SECP256K1, names::BACKUP_ED25519];
const BACKUPS_PENDING: [&str; 2] = [
    names::BACKUP_SECP256K1_PENDING,
    names::BACKUP_ED25519_PENDING,
];
const SEALED: [&str; 2] = [names::SEALED_SECP256K1, names::SEALED_ED25519];
const SEALED_PENDING: [&str; 2] = [
    names::SEALED_SECP256K1_PENDING,
    names::SEALED_ED25519_PENDING,
];

/// The sharing id of the share stored under `name` (`None` if absent or unreadable: not a
/// share of anything the record can name).
fn stored_id<S: Store>(
    store: &S,
    party: Party,
    name: &str,
    id_of: impl Fn(&[u8]) -> Option<[u8; 32]>,
) -> Result<Option<[u8; 32]>, WalletError> {
    Ok(store.read(party, name)?.and_then(|bytes| id_of(&bytes)))
}

/// The sharing id of a stored signing share of curve `curve` (0: secp256k1, 1: Ed25519).
fn signing_share_id<S: Store>(
    store: &S,
    party: Party,
    name: &str,
    curve: usize,
) -> Result<Option<[u8; 32]>, WalletError> {
    stored_id(store, party, name, |b| match curve {
        0 => EcdsaKeyShare::from_bytes(b).ok().map(|s| s.sharing_id()),
        _ => KeyShare::<Ed25519>::from_bytes(b)
            .ok()
            .map(|s| s.sharing_id()),
    })
}

/// The sharing id of a stored custodian backup share.
fn backup_share_id<S: Store>(
    store: &S,
    name: &str,
    curve: usize,
) -> Result<Option<[u8; 32]>, WalletError> {
    stored_id(store, Party::Custodian, name, |b| match curve {
        0 => BackupShare::<Secp256k1>::from_bytes(b)
            .ok()
            .map(|s| s.sharing_id()),
        _ => BackupShare::<Ed25519>::from_bytes(b)
            .ok()
            .map(|s| s.sharing_id()),
    })
}

/// Whether `party` holds both curves' signing shares of the given ids under `names`.
fn holds<S: Store>(
    store: &S,
    party: Party,
    names: [&str; 2],
    ids: [[u8; 32]; 2],
) -> Result<bool, WalletError> {
    for (curve, (name, id)) in names.into_iter().zip(ids).enumerate() {
        if signing_share_id(store, party, name, curve)? != Some(id) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Copies `from` to `to` and removes `from` (each step idempotent).
fn promote<S: Store>(store: &S, party: Party, from: &str, to: &str) -> Result<(), WalletError> {
    if let Some(bytes) = store.read(party, from)? {
        store.write(party, to, &bytes)?;
        store.remove(party, from)?;
    }
    Ok(())
}

fn status(progress: &mut ProgressFn<'_>, status: Status) {
    progress(Progress::Status(status));
}

impl WalletRecord {
    fn signing_ids(&self) -> Result<[[u8; 32]; 2], WalletError> {
        Ok([
            self.secp256k1.signing_sharing_id()?,
            self.ed25519.signing_sharing_id()?,
        ])
    }

    /// Both curves' ids read by `id` (`None` unless both are set: checked on load).
    fn both(
        &self,
        id: fn(&CurveRecord) -> Result<Option<[u8; 32]>, WalletError>,
    ) -> Result<Option<[[u8; 32]; 2]>, WalletError> {
        Ok(id(&self.secp256k1)?
            .zip(id(&self.ed25519)?)
            .map(|(a, b)| [a, b]))
    }

    fn pending_signing_ids(&self) -> Result<Option<[[u8; 32]; 2]>, WalletError> {
        self.both(CurveRecord::pending_signing_sharing_id)
    }

    fn backup_ids(&self) -> Result<Option<[[u8; 32]; 2]>, WalletError> {
        self.both(CurveRecord::backup_sharing_id)
    }

    fn set_pending_signing(&mut self, ids: Option<[[u8; 32]; 2]>) {
        self.secp256k1.pending_signing_sharing_id = ids.map(|[a, _]| hex(&a));
        self.ed25519.pending_signing_sharing_id = ids.map(|[_, b]| hex(&b));
    }

    fn set_pending_backup(&mut self, pending: Option<([[u8; 32]; 2], BackupKeyKind)>) {
        self.secp256k1.pending_backup_sharing_id = pending.map(|([a, _], _)| hex(&a));
        self.ed25519.pending_backup_sharing_id = pending.map(|([_, b], _)| hex(&b));
        self.pending_backup_key = pending.map(|(_, key)| key);
    }
}

impl<S: Store> Wallet<S> {
    fn write_record(&self, record: &WalletRecord) -> Result<(), WalletError> {
        self.store()
            .write(Party::Server, names::WALLET, &record.to_bytes()?)?;
        Ok(())
    }

    /// Finishes what an interrupted operation left in the store (see the module docs). Call
    /// with the store lock held.
    pub(crate) fn settle(&self) -> Result<(), WalletError> {
        let Some(record) = self.try_record()? else {
            return Ok(());
        };
        let Some(record) = self.settle_generated(record)? else {
            return Ok(());
        };
        let record = self.settle_signing(record)?;
        self.settle_backup(record)
    }

    /// A generated pair the client never confirmed (`STORED_DATABASE`): the wallet is removed.
    /// Returns the record if one remains.
    fn settle_generated(
        &self,
        mut record: WalletRecord,
    ) -> Result<Option<WalletRecord>, WalletError> {
        if record.signing_status != SigningStatus::StoredDatabase {
            return Ok(Some(record));
        }
        let ids = record.signing_ids()?;
        let store = self.store();
        if record.version < 2 {
            // The first format's generation, recovery or refresh wrote the server's shares,
            // this status, then the client's shares, then STORED_CLIENT: if the client holds
            // both shares only the last write is missing. Otherwise the pair is incomplete
            // and the record stays (recover, if there is a backup); nothing is deleted.
            if holds(store, Party::Server, SHARES, ids)?
                && holds(store, Party::Client, SHARES, ids)?
            {
                record.signing_status = SigningStatus::StoredClient;
                self.write_record(&record)?;
            }
            return Ok(Some(record));
        }
        // Defence in depth: version 2 writes STORED_DATABASE only in a generation, which has
        // no backup pair; never remove a wallet that has one.
        if record.backup_status.is_some() || record.backup_pending() {
            return Ok(Some(record));
        }
        // Roll back: the client's shares of this pair first (never another pair's), then the
        // record (the commit point of the removal), then the server's shares.
        for (curve, (name, id)) in SHARES.into_iter().zip(ids).enumerate() {
            if signing_share_id(store, Party::Client, name, curve)? == Some(id) {
                store.remove(Party::Client, name)?;
            }
        }
        store.remove(Party::Server, names::WALLET)?;
        for name in SHARES {
            store.remove(Party::Server, name)?;
        }
        Ok(None)
    }

    /// A pending signing pair (recover, refresh) is rolled back; a committed one promoted.
    fn settle_signing(&self, mut record: WalletRecord) -> Result<WalletRecord, WalletError> {
        let store = self.store();
        if record.pending_signing_ids()?.is_some() {
            for name in SHARES_PENDING {
                store.remove(Party::Client, name)?;
            }
            record.set_pending_signing(None);
            self.write_record(&record)?;
            for name in SHARES_PENDING {
                store.remove(Party::Server, name)?;
            }
            return Ok(record);
        }
        self.promote_signing(&record)?;
        Ok(record)
    }

    fn commit_signing(
        &self,
        record: &mut WalletRecord,
        [secp, ed]: [[u8; 32]; 2],
    ) -> Result<(), WalletError> {
        record.secp256k1.signing_sharing_id = hex(&secp);
        record.ed25519.signing_sharing_id = hex(&ed);
        record.set_pending_signing(None);
        record.signing_status = SigningStatus::StoredClient;
        self.write_record(record)
    }

    /// After a commit: each party's pool (of the previous pair) is removed, then its pending
    /// shares become its shares. A pending share of another pair (left before the record
    /// named it) is removed.
    fn promote_signing(&self, record: &WalletRecord) -> Result<(), WalletError> {
        let store = self.store();
        let current = record.signing_ids()?;
        for party in [Party::Server, Party::Client] {
            let mut pool_checked = false;
            for (curve, (pending, main)) in SHARES_PENDING.into_iter().zip(SHARES).enumerate() {
                match signing_share_id(store, party, pending, curve)? {
                    Some(id) if Some(&id) == current.get(curve) => {
                        if !pool_checked {
                            store.remove(party, names::PRESIGNATURES)?;
                            pool_checked = true;
                        }
                        promote(store, party, pending, main)?;
                    }
                    Some(_) => store.remove(party, pending)?,
                    None => {
                        if store.read(party, pending)?.is_some() {
                            store.remove(party, pending)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A pending backup pair is rolled back; a committed one promoted.
    fn settle_backup(&self, mut record: WalletRecord) -> Result<(), WalletError> {
        let store = self.store();
        if record.backup_pending() {
            // The sealed shares go first: while the record names a pending pair they are the
            // only sealed `.pending` records there can be (see `promote_backup`).
            for name in SEALED_PENDING {
                store.remove(Party::Server, name)?;
            }
            for name in BACKUPS_PENDING {
                store.remove(Party::Custodian, name)?;
            }
            record.set_pending_backup(None);
            return self.write_record(&record);
        }
        self.promote_backup(&record)
    }

    fn commit_backup(
        &self,
        record: &mut WalletRecord,
        [secp, ed]: [[u8; 32]; 2],
        key: BackupKeyKind,
    ) -> Result<(), WalletError> {
        record.secp256k1.backup_sharing_id = Some(hex(&secp));
        record.ed25519.backup_sharing_id = Some(hex(&ed));
        record.backup_status = Some(BackupStatus::StoredClientBackupShare);
        record.backup_key = Some(key);
        record.set_pending_backup(None);
        self.write_record(record)
    }

    /// After a commit: pending custodian shares of the current pair and pending sealed shares
    /// become current. Sealed shares cannot be identified without the user's key; none is
    /// pending unless the record names a pending pair (they are written after the record
    /// names it and removed before a rollback clears it), so with no pending pair in the
    /// record they belong to the committed one.
    fn promote_backup(&self, record: &WalletRecord) -> Result<(), WalletError> {
        let store = self.store();
        let current = record.backup_ids()?;
        for (curve, (pending, main)) in BACKUPS_PENDING.into_iter().zip(BACKUPS).enumerate() {
            if store.read(Party::Custodian, pending)?.is_none() {
                continue;
            }
            let id = backup_share_id(store, pending, curve)?;
            if id.is_some() && id.as_ref() == current.as_ref().and_then(|c| c.get(curve)) {
                promote(store, Party::Custodian, pending, main)?;
            } else {
                store.remove(Party::Custodian, pending)?;
            }
        }
        for (pending, main) in SEALED_PENDING.into_iter().zip(SEALED) {
            promote(store, Party::Server, pending, main)?;
        }
        Ok(())
    }

    /// Stores a new signing pair and makes it current.
    ///
    /// Generate (`fresh`, no previous pair): the server's shares and the record
    /// (`STORED_DATABASE`), the client's shares, then the commit (`STORED_CLIENT`).
    /// Recover, refresh: the same under the pending names, with the record naming the pending
    /// pair, then the commit and the promotion; the previous pair signs until the commit.
    pub(crate) fn store_signing_pair(
        &self,
        mut record: WalletRecord,
        pair: NewSigningPair,
        fresh: bool,
        progress: &mut ProgressFn<'_>,
    ) -> Result<WalletInfo, WalletError> {
        let store = self.store();
        let ids = [pair.secp256k1_id, pair.ed25519_id];
        let names = if fresh { SHARES } else { SHARES_PENDING };
        let prepared = (|| {
            step(progress, Step::StoringShare, None, Party::Server);
            store.write(Party::Server, names[0], &pair.secp256k1[1])?;
            store.write(Party::Server, names[1], &pair.ed25519[1])?;
            if fresh {
                record.signing_status = SigningStatus::StoredDatabase;
            } else {
                record.set_pending_signing(Some(ids));
            }
            self.write_record(&record)?;
            status(progress, Status::Signing(SigningStatus::StoredDatabase));
            step(progress, Step::StoringShare, None, Party::Client);
            store.write(Party::Client, names[0], &pair.secp256k1[0])?;
            store.write(Party::Client, names[1], &pair.ed25519[0])?;
            self.commit_signing(&mut record, ids)
        })();
        self.finish(prepared, |r| {
            r.signing_status == SigningStatus::StoredClient
                && r.signing_ids().is_ok_and(|c| c == ids)
        })?;
        status(progress, Status::Signing(SigningStatus::StoredClient));
        // The new pair has no presignatures yet; built from the committed record, not read
        // back (a failed promotion must not turn a committed operation into an error).
        info_of(&record, 0)
    }

    /// Backup: the custodian's shares pending, the record naming them
    /// (`STORED_CUSTODIAN_BACKUP_SHARE`), the sealed client shares, then the commit
    /// (`STORED_CLIENT_BACKUP_SHARE`) and the promotion. Returns the statuses reached.
    pub(crate) fn replace_backup_pair(
        &self,
        mut record: WalletRecord,
        pair: NewBackupPair,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Vec<Status>, WalletError> {
        let store = self.store();
        let ids = [pair.secp256k1_id, pair.ed25519_id];
        let mut reached = Vec::new();
        let prepared = (|| {
            step(progress, Step::StoringShare, None, Party::Custodian);
            store.write(Party::Custodian, BACKUPS_PENDING[0], &pair.custodian[0])?;
            store.write(Party::Custodian, BACKUPS_PENDING[1], &pair.custodian[1])?;
            record.set_pending_backup(Some((ids, pair.key)));
            self.write_record(&record)?;
            let custodian = Status::Backup(BackupStatus::StoredCustodianBackupShare);
            status(progress, custodian);
            reached.push(custodian);
            step(progress, Step::StoringShare, None, Party::Server);
            store.write(Party::Server, SEALED_PENDING[0], &pair.sealed[0])?;
            store.write(Party::Server, SEALED_PENDING[1], &pair.sealed[1])?;
            self.commit_backup(&mut record, ids, pair.key)
        })();
        let committed = |r: &WalletRecord| r.backup_ids().is_ok_and(|c| c == Some(ids));
        self.finish(prepared, committed)?;
        let client = Status::Backup(BackupStatus::StoredClientBackupShare);
        status(progress, client);
        reached.push(client);
        Ok(reached)
    }

    /// Ends an operation's writes: on success, promotes (best effort: the next operation's
    /// settle finishes it). On an error, the operation succeeded if the stored record shows
    /// its commit (`committed`: the commit write reported an error after taking effect);
    /// otherwise what it stored is rolled back (best effort likewise) and the error returned;
    /// if the record cannot be read back, [`WalletError::Indeterminate`].
    fn finish(
        &self,
        prepared: Result<(), WalletError>,
        committed: impl Fn(&WalletRecord) -> bool,
    ) -> Result<(), WalletError> {
        if let Err(error) = prepared {
            match self.try_record() {
                Ok(Some(r)) if committed(&r) => {}
                Ok(_) => {
                    let _ = self.settle();
                    return Err(error);
                }
                Err(_) => return Err(WalletError::Indeterminate(Box::new(error))),
            }
        }
        // The commit is stored; a failed promotion is finished by the next settle.
        let _ = self.settle();
        Ok(())
    }
}
