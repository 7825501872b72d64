//! The wallet facade: one wallet per store, on both curves, with the lifecycle rules.
//!
//! Both parties run in this process (through the protocols' runner, every message through its
//! byte encoding: in memory on one thread, except the prime search and the runs with the
//! secp256k1 auxiliary information, one thread per party as on two machines:
//! [`crate::Threaded`]), each reading and writing only its own records. In a
//! deployment the client and the server run the same protocol steps on two machines; the
//! rules this type enforces (statuses, current sharing ids, spent presignatures, all-or-
//! nothing writes) are the ones each side enforces there.

use rand_core::UnwrapErr;
use tandem_curves::{Curve, CurveId, Ed25519, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::{KeyShare, Role};
use zeroize::Zeroizing;

use crate::address::Addresses;
use crate::curve::{Making, WalletCurve, encode_pair};
use crate::error::{WalletError, corrupted, protocol};
use crate::lifecycle::NewSigningPair;
use crate::paillier::{self, FreshPrimes, PaillierKeys};
use crate::progress::{Progress, ProgressFn, Step};
use crate::record::{CurveRecord, PublicKeys, WalletRecord, hex};
use crate::status::{BackupStatus, SigningStatus};
use crate::store::{Party, Store, StoreLock, names};

pub(crate) fn os_rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

/// What a wallet is: ids, keys, addresses, statuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletInfo {
    /// The client id (hex), also the id the client backup envelopes are bound to.
    pub client_id: String,
    /// The public keys.
    pub public_keys: PublicKeys,
    /// The addresses on each chain.
    pub addresses: Addresses,
    /// The signing pair's status.
    pub signing_status: SigningStatus,
    /// The backup pair's status, once a backup was started.
    pub backup_status: Option<BackupStatus>,
    /// Presignatures ready on this device (0 if the device holds no current share).
    pub presignatures: usize,
}

/// Both parties' signing shares on both curves: `[client, server]`.
pub(crate) struct SigningPair {
    pub(crate) secp256k1: [EcdsaKeyShare; 2],
    pub(crate) ed25519: [KeyShare<Ed25519>; 2],
}

impl SigningPair {
    /// The encoded pair, for storing.
    pub(crate) fn encode(self) -> Result<NewSigningPair, WalletError> {
        let (secp256k1_id, secp256k1) = encode_pair::<Secp256k1>(&self.secp256k1)?;
        let (ed25519_id, ed25519) = encode_pair::<Ed25519>(&self.ed25519)?;
        Ok(NewSigningPair {
            secp256k1_id,
            ed25519_id,
            secp256k1,
            ed25519,
        })
    }
}

/// The record entry of a new pair: its public key and sharing id.
fn curve_record<C: WalletCurve>([_, server]: &[C::Signing; 2]) -> CurveRecord {
    let share = C::core(server);
    CurveRecord::new::<C>(share.public_key_bytes(), share.sharing_id())
}

pub(crate) fn encoded_share(
    r: Result<Zeroizing<Vec<u8>>, tandem_protocol::Error>,
) -> Result<Zeroizing<Vec<u8>>, WalletError> {
    r.map_err(|e| WalletError::Internal(e.to_string()))
}

/// A wallet on a [`Store`].
#[derive(Debug)]
pub struct Wallet<S: Store> {
    store: S,
    /// Where the parties' Paillier keys come from.
    paillier: Box<dyn PaillierKeys>,
}

fn role(party: Party) -> Role {
    match party {
        Party::Client => Role::Client,
        // The custodian plays the server's role in recovery.
        Party::Server | Party::Custodian => Role::Server,
    }
}

pub(crate) fn step(
    progress: &mut ProgressFn<'_>,
    step: Step,
    curve: Option<CurveId>,
    party: Party,
) {
    progress(Progress::Step { step, curve, party });
}

impl<S: Store> Wallet<S> {
    /// The wallet on `store` (which may hold none yet: see [`Wallet::generate`]), with fresh
    /// Paillier keys ([`FreshPrimes`]).
    pub fn new(store: S) -> Self {
        Self::with_paillier_keys(store, FreshPrimes)
    }

    /// The wallet on `store` taking its parties' Paillier keys from `source` (see
    /// [`PaillierKeys`]: for instance a pool of keys generated ahead of time).
    pub fn with_paillier_keys(store: S, source: impl PaillierKeys + 'static) -> Self {
        Self {
            store,
            paillier: Box::new(source),
        }
    }

    pub(crate) fn paillier_keys(
        &self,
        progress: &mut ProgressFn<'_>,
    ) -> Result<
        (
            tandem_paillier::paillier::SecretKey,
            tandem_paillier::paillier::SecretKey,
        ),
        WalletError,
    > {
        paillier::key_pair(&*self.paillier, progress)
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    pub(crate) fn read_required(
        &self,
        party: Party,
        name: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, WalletError> {
        self.store
            .read(party, name)?
            .ok_or(WalletError::MissingRecord {
                party,
                record: name,
            })
    }

    /// The server's wallet record, if there is one.
    pub(crate) fn try_record(&self) -> Result<Option<WalletRecord>, WalletError> {
        self.store
            .read(Party::Server, names::WALLET)?
            .map(|bytes| WalletRecord::from_bytes(&bytes))
            .transpose()
    }

    pub(crate) fn record(&self) -> Result<WalletRecord, WalletError> {
        self.try_record()?.ok_or(WalletError::NoWallet)
    }

    pub(crate) fn require_signable(&self) -> Result<WalletRecord, WalletError> {
        let record = self.record()?;
        match record.signing_status {
            SigningStatus::StoredClient => Ok(record),
            other => Err(WalletError::NotSignable(other)),
        }
    }

    /// Checks a loaded signing share against the wallet record: the party's role, the public
    /// key, and the current signing sharing id.
    fn check_signing_share<C: Curve>(
        party: Party,
        name: &'static str,
        share: &KeyShare<C>,
        curve: &CurveRecord,
    ) -> Result<(), WalletError> {
        let corrupted = |reason: &str| corrupted(party, name, reason);
        if share.role() != role(party) {
            return Err(corrupted("a share of the other party"));
        }
        if hex(share.public_key_bytes()) != curve.public_key {
            return Err(corrupted("a share of another wallet"));
        }
        if share.sharing_id() != curve.signing_sharing_id()? {
            return Err(match party {
                // The server refuses a device share that a recovery or refresh replaced.
                Party::Client => WalletError::StaleDeviceShare,
                _ => corrupted("not the wallet's current signing share"),
            });
        }
        Ok(())
    }

    /// Takes the store lock and finishes what an interrupted operation left
    /// ([`crate::lifecycle`]); every operation that writes starts here.
    pub(crate) fn begin(&self) -> Result<StoreLock, WalletError> {
        let lock = self.store.lock()?;
        self.settle()?;
        Ok(lock)
    }

    /// Reads `party`'s share `name` of curve `C` (after [`Wallet::begin`]'s settle the plain
    /// records hold the current pair).
    fn read_share<C: Curve>(
        &self,
        party: Party,
        name: &'static str,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, WalletError> {
        step(progress, Step::ReadingShare, Some(C::ID), party);
        match self.store.read(party, name)? {
            Some(bytes) => Ok(bytes),
            None if party == Party::Client => Err(WalletError::NoDeviceShare),
            None => Err(WalletError::MissingRecord {
                party,
                record: name,
            }),
        }
    }

    /// A party's signing share of curve `C`, validated against the record.
    pub(crate) fn load_signing<C: WalletCurve>(
        &self,
        party: Party,
        record: &WalletRecord,
        progress: &mut ProgressFn<'_>,
    ) -> Result<C::Signing, WalletError> {
        let curve = C::record(record);
        let name = C::SHARE;
        let bytes = self.read_share::<C>(party, name, progress)?;
        step(progress, Step::ParsingShare, Some(C::ID), party);
        let share = C::decode(&bytes).map_err(|e| corrupted(party, name, e))?;
        Self::check_signing_share(party, name, C::core(&share), curve)?;
        Ok(share)
    }

    /// Both parties' signing shares on both curves, each validated against the record.
    pub(crate) fn load_signing_pair(
        &self,
        record: &WalletRecord,
        progress: &mut ProgressFn<'_>,
    ) -> Result<SigningPair, WalletError> {
        Ok(SigningPair {
            secp256k1: self.load_pair::<Secp256k1>(record, progress)?,
            ed25519: self.load_pair::<Ed25519>(record, progress)?,
        })
    }

    /// Both parties' signing shares of curve `C`, `[client, server]`.
    pub(crate) fn load_pair<C: WalletCurve>(
        &self,
        record: &WalletRecord,
        progress: &mut ProgressFn<'_>,
    ) -> Result<[C::Signing; 2], WalletError> {
        Ok([
            self.load_signing::<C>(Party::Client, record, progress)?,
            self.load_signing::<C>(Party::Server, record, progress)?,
        ])
    }

    /// The wallet's ids, keys, addresses and statuses.
    ///
    /// # Errors
    /// [`WalletError::NoWallet`], or a store or record error.
    pub fn info(&self) -> Result<WalletInfo, WalletError> {
        let record = self.record()?;
        // A generation the client never confirmed is removed by the next operation: it is no
        // wallet yet (its addresses must not be handed out).
        if record.version >= 2 && record.signing_status == SigningStatus::StoredDatabase {
            return Err(WalletError::NoWallet);
        }
        let presignatures = match self.store.read(Party::Client, names::PRESIGNATURES)? {
            Some(bytes) => {
                match self.load_signing::<Secp256k1>(Party::Client, &record, &mut |_| {}) {
                    // A pool of a replaced pair (before the next operation removes it) holds
                    // nothing this device can sign with.
                    Ok(share) => crate::pool::decode_current(Party::Client, &bytes, &share)?
                        .map_or(0, |pool| pool.len()),
                    // A device without a current share has nothing it could sign with.
                    Err(WalletError::NoDeviceShare | WalletError::StaleDeviceShare) => 0,
                    Err(e) => return Err(e),
                }
            }
            None => 0,
        };
        info_of(&record, presignatures)
    }

    /// The wallet's key tree ([`Tree`](crate::Tree)): its `xpub`, and the keys and addresses
    /// of any non-hardened child, from the device's shares (their public keys and chain
    /// codes).
    ///
    /// # Errors
    /// [`WalletError::NoWallet`], [`WalletError::NoDeviceShare`],
    /// [`WalletError::StaleDeviceShare`]; a corrupted share.
    pub fn tree(&self) -> Result<crate::Tree, WalletError> {
        let record = self.record()?;
        let secp = self.load_signing::<Secp256k1>(Party::Client, &record, &mut |_| {})?;
        let ed = self.load_signing::<Ed25519>(Party::Client, &record, &mut |_| {})?;
        Ok(crate::Tree::new(secp.core(), &ed))
    }

    /// Creates the wallet: key generation on both curves (and, for secp256k1, fresh Paillier
    /// keys and the auxiliary-information protocol), then the server's shares are stored
    /// (`STORED_DATABASE`), then the client's (`STORED_CLIENT`).
    ///
    /// # Errors
    /// [`WalletError::WalletExists`] if the store holds a wallet (nothing is overwritten);
    /// a protocol error (naming the party); a store error (every write is undone).
    pub fn generate(&self, progress: &mut ProgressFn<'_>) -> Result<WalletInfo, WalletError> {
        let _lock = self.begin()?;
        if let Some(existing) = self.try_record()? {
            return Err(WalletError::WalletExists {
                client_id: existing.client_id,
            });
        }
        for name in [names::SECP256K1_SHARE, names::ED25519_SHARE] {
            if self.store.read(Party::Client, name)?.is_some() {
                return Err(WalletError::WalletExists {
                    client_id: "unknown (this device holds shares)".into(),
                });
            }
        }
        let ed25519 = self.generated_pair::<Ed25519>(progress)?;
        let secp256k1 = self.generated_pair::<Secp256k1>(progress)?;

        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|e| WalletError::Internal(e.to_string()))?;
        let wallet = WalletRecord::new(
            hex(&id),
            curve_record::<Secp256k1>(&secp256k1),
            curve_record::<Ed25519>(&ed25519),
        );
        let pair = SigningPair { secp256k1, ed25519 };
        self.store_signing_pair(wallet, pair.encode()?, true, progress)
    }

    /// A new signing pair of curve `C` from key generation (secp256k1: completed with the
    /// auxiliary information).
    fn generated_pair<C: WalletCurve>(
        &self,
        progress: &mut ProgressFn<'_>,
    ) -> Result<[C::Signing; 2], WalletError> {
        step(progress, Step::GeneratingShare, Some(C::ID), Party::Client);
        let (client, server) =
            driver::keygen::<C, _, _, _>(&mut os_rng(), &mut os_rng(), &mut NoTap)
                .map_err(protocol(Making::KeyGeneration.run(C::ID)))?;
        C::complete(self, [client, server], Making::KeyGeneration, progress)
    }
}

/// A wallet's info from its record and the device's pool size.
pub(crate) fn info_of(
    record: &WalletRecord,
    presignatures: usize,
) -> Result<WalletInfo, WalletError> {
    let public_keys = record.public_keys()?;
    Ok(WalletInfo {
        client_id: record.client_id.clone(),
        addresses: Addresses::new(&public_keys.secp256k1, &public_keys.ed25519),
        public_keys,
        signing_status: record.signing_status,
        // A first backup whose custodian shares are stored but whose sealed client shares are
        // not (an interrupted backup, before the next operation rolls it back).
        backup_status: record.backup_status.or(record
            .backup_pending()
            .then_some(BackupStatus::StoredCustodianBackupShare)),
        presignatures,
    })
}
