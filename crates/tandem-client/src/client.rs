//! The client half of every operation: the device's side of each protocol, over a
//! [`Transport`] to the server, with the device's records in a [`DeviceStore`].
//!
//! The protocol runs are the scripts of `tandem_protocol::driver::parties` (the same ones the
//! in-process runs use), driven over an HTTP link. The device's lifecycle rule mirrors the
//! server's: a new signing pair is written under the pending names, the server is told
//! ([`api::path::CONFIRM`], its commit: `STORED_CLIENT`), then the pending shares become
//! current. Every operation first settles what an interrupted one left (see [`Client::settle`]).

use rand_core::UnwrapErr;
use tandem_curves::{CurveId, Ed25519, Secp256k1};
use tandem_protocol::KeyShare;
use tandem_protocol::driver::parties;
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::ecdsa::pool::PresignaturePool;
use tandem_protocol::runner::Party as Script;
use tandem_wallet::address::Addresses;
use tandem_wallet::progress::{Progress, ProgressFn, Step};
use tandem_wallet::{
    FreshPrimes, PaillierKeys, Party, PublicKeys, SigningStatus, Status, WalletInfo,
};

use crate::api::{self, ClientStatus, Confirm, Operation, SessionStarted, StartSession};
use crate::device::{DeviceStore, names};
use crate::error::{ClientError, protocol, stopped};
use crate::transport::{self, HttpLink, Transport};
use sha2::{Digest, Sha256};

pub(crate) type Rng = UnwrapErr<getrandom::SysRng>;

pub(crate) fn os_rng() -> Rng {
    UnwrapErr(getrandom::SysRng)
}

/// True if the server's current signing pair is the device's `shares`.
pub(crate) fn is_current(status: &ClientStatus, shares: &Shares) -> bool {
    let current = |k: &Option<api::PublicKeyInfo>| k.as_ref().and_then(|k| k.sharing_id.clone());
    current(&status.secp256k1) == Some(hex(&shares.secp256k1.sharing_id()))
        && current(&status.ed25519) == Some(hex(&shares.ed25519.sharing_id()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

pub(crate) fn step(
    progress: &mut ProgressFn<'_>,
    step: Step,
    curve: Option<CurveId>,
    party: Party,
) {
    progress(Progress::Step { step, curve, party });
}

fn corrupt(name: &str) -> impl FnOnce(tandem_protocol::Error) -> ClientError + '_ {
    move |e| ClientError::Device(format!("{name} is unreadable: {e}"))
}

/// The device's half of a wallet on a Tandem server.
pub struct Client<T: Transport, D: DeviceStore> {
    transport: T,
    device: D,
    client_id: String,
    paillier: Box<dyn PaillierKeys>,
    memo: std::sync::Mutex<Memo>,
}

/// Parsed records kept between calls, each with the SHA-256 of the bytes it was read from.
#[derive(Default)]
struct Memo {
    shares: Option<([u8; 32], std::sync::Arc<Shares>)>,
    pool: Option<([u8; 32], PresignaturePool)>,
}

impl<T: Transport, D: DeviceStore> core::fmt::Debug for Client<T, D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The device's current shares.
pub(crate) struct Shares {
    pub(crate) secp256k1: EcdsaKeyShare,
    pub(crate) ed25519: KeyShare<Ed25519>,
}

impl<T: Transport, D: DeviceStore> Client<T, D> {
    /// The client `client_id` (see [`api::client_id_of_key`]) over `transport`, with the
    /// device's records in `device`; its Paillier keys from fresh primes.
    pub fn new(transport: T, device: D, client_id: impl Into<String>) -> Self {
        Self::with_paillier_keys(transport, device, client_id, FreshPrimes)
    }

    /// As [`Client::new`], taking the device's Paillier keys from `source`.
    pub fn with_paillier_keys(
        transport: T,
        device: D,
        client_id: impl Into<String>,
        source: impl PaillierKeys + 'static,
    ) -> Self {
        Self {
            transport,
            device,
            client_id: client_id.into(),
            paillier: Box::new(source),
            memo: std::sync::Mutex::default(),
        }
    }

    /// The client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The device store.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// A fresh Paillier key for the device, with progress.
    pub(crate) fn paillier_key(
        &self,
        progress: &mut ProgressFn<'_>,
    ) -> Result<tandem_paillier::paillier::SecretKey, ClientError> {
        let key = self
            .paillier
            .paillier_key(Party::Client, &mut |p| progress(p))
            .map_err(|e| ClientError::Primes(e.to_string()))?;
        progress(Progress::PaillierKeyReady {
            party: Party::Client,
        });
        Ok(key)
    }

    /// The server's status of this client.
    ///
    /// # Errors
    /// A [`ClientError`] from the transport or the server.
    pub fn server_status(&self) -> Result<ClientStatus, ClientError> {
        transport::get_json(&self.transport, api::path::client(&self.client_id))
    }

    pub(crate) fn run<O>(
        &self,
        path: String,
        idempotency_key: Option<String>,
        script: Script<'_, Rng, O>,
        context: &'static str,
    ) -> Result<O, ClientError> {
        let mut link = HttpLink::new(&self.transport, path, idempotency_key);
        script
            .drive(&mut os_rng(), &mut link)
            .map_err(stopped(context))
    }

    /// Runs `script` as the messages of session `session` (each with its step).
    pub(crate) fn run_session<O>(
        &self,
        session: &str,
        script: Script<'_, Rng, O>,
        context: &'static str,
    ) -> Result<O, ClientError> {
        let mut link = HttpLink::session(&self.transport, api::path::session_messages(session));
        let result = script
            .drive(&mut os_rng(), &mut link)
            .map_err(stopped(context));
        // Given up after an answer (a refusal, a check of the server's message that failed):
        // the session is ended so that it does not hold one of the client's open-session
        // slots until it expires. Best effort: a session the server already ended (a refused
        // step) answers 404, which is ignored. After no answer (the server unreachable) the
        // session is left to expire rather than wait for the network again.
        if result
            .as_ref()
            .is_err_and(|e| !matches!(e, ClientError::Transport(_)))
        {
            let _ = self.transport.send(transport::Request {
                method: transport::Method::Delete,
                path: api::path::session(session),
                body: transport::Body::Empty,
                idempotency_key: None,
                step: None,
            });
        }
        result
    }

    pub(crate) fn start_session(
        &self,
        operation: Operation,
        backup_method: Option<api::BackupMethod>,
    ) -> Result<String, ClientError> {
        let started: SessionStarted = transport::post_json(
            &self.transport,
            api::path::SESSIONS,
            &StartSession {
                operation,
                backup_method,
            },
        )?;
        Ok(started.session_id)
    }

    fn read_share<S>(
        &self,
        name: &'static str,
        parse: fn(&[u8]) -> Result<S, tandem_protocol::Error>,
    ) -> Result<Option<S>, ClientError> {
        self.device
            .read(name)?
            .map(|bytes| parse(&bytes).map_err(corrupt(name)))
            .transpose()
    }

    fn pending_ids(&self) -> Result<Option<[String; 2]>, ClientError> {
        let secp = self.read_share(names::SECP256K1_SHARE_PENDING, EcdsaKeyShare::from_bytes)?;
        let ed = self.read_share(
            names::ED25519_SHARE_PENDING,
            KeyShare::<Ed25519>::from_bytes,
        )?;
        Ok(secp
            .zip(ed)
            .map(|(s, e)| [hex(&s.sharing_id()), hex(&e.sharing_id())]))
    }

    /// Finishes what an interrupted operation left on the device: pending shares that the
    /// server made current are promoted; pending shares the server still holds pending are
    /// confirmed, then promoted; any other pending shares are removed (the server never
    /// committed them: the previous pair is still the wallet's).
    ///
    /// # Errors
    /// A [`ClientError`] from the device, the transport or the server.
    pub fn settle(&self) -> Result<(), ClientError> {
        self.begin().map(drop)
    }

    /// Takes the device lock and settles: every operation starts here.
    pub(crate) fn begin(&self) -> Result<crate::device::DeviceLock, ClientError> {
        let lock = self.device.lock()?;
        self.settle_unlocked()?;
        Ok(lock)
    }

    fn settle_unlocked(&self) -> Result<(), ClientError> {
        let Some(pending) = self.pending_ids()? else {
            for name in [names::SECP256K1_SHARE_PENDING, names::ED25519_SHARE_PENDING] {
                self.device.remove(name)?;
            }
            return Ok(());
        };
        let status = self.server_status()?;
        let ids = |current: bool| -> Option<[String; 2]> {
            let pick = |k: &Option<api::PublicKeyInfo>| {
                k.as_ref().and_then(|k| {
                    if current {
                        k.sharing_id.clone()
                    } else {
                        k.pending_sharing_id.clone()
                    }
                })
            };
            Some([pick(&status.secp256k1)?, pick(&status.ed25519)?])
        };
        if ids(true).as_ref() == Some(&pending) {
            return self.promote();
        }
        if ids(false).as_ref() == Some(&pending) {
            self.confirm(&pending)?;
            return self.promote();
        }
        for name in [names::SECP256K1_SHARE_PENDING, names::ED25519_SHARE_PENDING] {
            self.device.remove(name)?;
        }
        Ok(())
    }

    fn confirm(&self, [secp, ed]: &[String; 2]) -> Result<ClientStatus, ClientError> {
        transport::post_json(
            &self.transport,
            api::path::CONFIRM,
            &Confirm {
                secp256k1_sharing_id: secp.clone(),
                ed25519_sharing_id: ed.clone(),
            },
        )
    }

    /// The pending shares become current: the old pair's pool is removed, both current
    /// shares written, and only then both pending ones removed. Every step is idempotent,
    /// and a kill at any write leaves both pending shares (the next settle promotes them
    /// again) or both current ones: never one curve's share without the other's (the
    /// crash-injection test `device_crash.rs` found an earlier order that moved one curve at
    /// a time, which a kill between the two could leave with the Ed25519 share lost).
    fn promote(&self) -> Result<(), ClientError> {
        self.device.remove(names::PRESIGNATURES)?;
        let (Some(secp), Some(ed)) = (
            self.device.read(names::SECP256K1_SHARE_PENDING)?,
            self.device.read(names::ED25519_SHARE_PENDING)?,
        ) else {
            return Ok(());
        };
        self.device.write(names::SECP256K1_SHARE, &secp)?;
        self.device.write(names::ED25519_SHARE, &ed)?;
        self.device.remove(names::SECP256K1_SHARE_PENDING)?;
        self.device.remove(names::ED25519_SHARE_PENDING)?;
        Ok(())
    }

    /// The device's current shares. Parsing a secp256k1 share re-validates its Paillier
    /// material (milliseconds), so the parsed pair is kept for as long as the stored bytes
    /// are the same (compared by SHA-256 at each call: another process may have changed them).
    pub(crate) fn shares(&self) -> Result<std::sync::Arc<Shares>, ClientError> {
        let (Some(secp), Some(ed)) = (
            self.device.read(names::SECP256K1_SHARE)?,
            self.device.read(names::ED25519_SHARE)?,
        ) else {
            return Err(ClientError::NoWallet);
        };
        let digest: [u8; 32] = Sha256::new()
            .chain_update(&secp)
            .chain_update(&ed)
            .finalize()
            .into();
        let mut memo = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((d, shares)) = &memo.shares
            && *d == digest
        {
            return Ok(shares.clone());
        }
        let shares = std::sync::Arc::new(Shares {
            secp256k1: EcdsaKeyShare::from_bytes(&secp).map_err(corrupt(names::SECP256K1_SHARE))?,
            ed25519: KeyShare::<Ed25519>::from_bytes(&ed).map_err(corrupt(names::ED25519_SHARE))?,
        });
        memo.shares = Some((digest, shares.clone()));
        Ok(shares)
    }

    /// The device's presignature pool: the one kept from the last write while the stored
    /// bytes are unchanged (reading a pool re-validates every presignature in it).
    pub(crate) fn pool(&self, share: &EcdsaKeyShare) -> Result<PresignaturePool, ClientError> {
        let Some(bytes) = self.device.read(names::PRESIGNATURES)? else {
            return Ok(PresignaturePool::new(share));
        };
        let digest: [u8; 32] = Sha256::digest(&bytes).into();
        let kept = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pool
            .take();
        match kept {
            Some((d, pool)) if d == digest => Ok(pool),
            _ => PresignaturePool::from_bytes(&bytes, share).map_err(corrupt(names::PRESIGNATURES)),
        }
    }

    pub(crate) fn write_pool(&self, pool: &PresignaturePool) -> Result<[u8; 32], ClientError> {
        let bytes = pool.to_bytes().map_err(protocol("presignature pool"))?;
        self.device.write(names::PRESIGNATURES, &bytes)?;
        Ok(Sha256::digest(&bytes).into())
    }

    /// Keeps `pool` (whose stored bytes hash to `digest`) for the next call.
    pub(crate) fn keep_pool(&self, digest: [u8; 32], pool: PresignaturePool) {
        self.memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pool = Some((digest, pool));
    }

    /// Creates the wallet on both curves with the server: key generation on secp256k1 and
    /// Ed25519, then the secp256k1 auxiliary information with the device's fresh Paillier
    /// key. The server stores its shares (`STORED_DATABASE`), the device stores its own, then
    /// confirms (`STORED_CLIENT`).
    ///
    /// # Errors
    /// [`ClientError::DeviceHasWallet`] if the device holds shares; the server's
    /// `wallet_already_exists` if the wallet exists; any protocol or transport error (the
    /// server then holds nothing current, and generate can be run again).
    pub fn generate(&self, progress: &mut ProgressFn<'_>) -> Result<WalletInfo, ClientError> {
        let _lock = self.begin()?;
        if self.device.read(names::SECP256K1_SHARE)?.is_some()
            || self.device.read(names::ED25519_SHARE)?.is_some()
        {
            return Err(ClientError::DeviceHasWallet {
                client_id: self.client_id.clone(),
            });
        }
        let paillier = self.paillier_key(progress)?;
        let session = self.start_session(Operation::Generate, None)?;
        step(progress, Step::GeneratingShare, None, Party::Client);
        let script = parties::keygen_client::<Secp256k1, Rng>()
            .then(|secp| parties::keygen_client::<Ed25519, Rng>().map(|ed| (secp, ed)))
            .then(|(secp, ed)| parties::aux_info_client(secp, paillier).map(|full| (full, ed)));
        let (secp256k1, ed25519) = self.run_session(&session, script, "key generation")?;
        self.store_new_pair(&secp256k1, &ed25519, progress)?;
        self.info_unlocked(progress)
    }

    /// Stores a new pair under the pending names, confirms it to the server, promotes it.
    pub(crate) fn store_new_pair(
        &self,
        secp256k1: &EcdsaKeyShare,
        ed25519: &KeyShare<Ed25519>,
        progress: &mut ProgressFn<'_>,
    ) -> Result<(), ClientError> {
        progress(Progress::Status(Status::Signing(
            SigningStatus::StoredDatabase,
        )));
        step(progress, Step::StoringShare, None, Party::Client);
        let secp_bytes = secp256k1.to_bytes().map_err(protocol("secp256k1 share"))?;
        let ed_bytes = ed25519.to_bytes().map_err(protocol("Ed25519 share"))?;
        self.device
            .write(names::SECP256K1_SHARE_PENDING, &secp_bytes)?;
        self.device.write(names::ED25519_SHARE_PENDING, &ed_bytes)?;
        self.confirm(&[hex(&secp256k1.sharing_id()), hex(&ed25519.sharing_id())])?;
        progress(Progress::Status(Status::Signing(
            SigningStatus::StoredClient,
        )));
        self.promote()
    }

    /// The wallet: the device's keys and addresses, the server's statuses, the device's pool.
    /// On a device that holds no shares (a new device before `recover`) it is the server's
    /// public view of the wallet (keys, addresses, statuses, 0 presignatures): `Ok` says
    /// the wallet exists, not that this device can sign with it (the soak's harness once
    /// took it for that).
    ///
    /// # Errors
    /// [`ClientError::NoWallet`] if neither the device nor the server holds a wallet;
    /// [`ClientError::StaleDevice`] if the server's current pair is not the device's.
    pub fn info(&self, progress: &mut ProgressFn<'_>) -> Result<WalletInfo, ClientError> {
        let _lock = self.begin()?;
        self.info_unlocked(progress)
    }

    /// The wallet's key tree ([`Tree`](tandem_wallet::Tree)): its `xpub`, and the public keys
    /// and addresses of any non-hardened child `m/…`, computed on the device from its own
    /// shares (their public keys and chain codes; the server is not asked).
    ///
    /// # Errors
    /// [`ClientError::NoWallet`] if the device holds no shares; a device error.
    pub fn tree(&self) -> Result<tandem_wallet::Tree, ClientError> {
        let _lock = self.begin()?;
        let shares = self.shares()?;
        Ok(tandem_wallet::Tree::new(
            shares.secp256k1.core(),
            &shares.ed25519,
        ))
    }

    /// [`Client::info`] with the device lock held by the caller.
    pub(crate) fn info_unlocked(
        &self,
        progress: &mut ProgressFn<'_>,
    ) -> Result<WalletInfo, ClientError> {
        step(progress, Step::ReadingShare, None, Party::Client);
        let shares = match self.shares() {
            Ok(shares) => shares,
            Err(ClientError::NoWallet) => return self.server_info(),
            Err(e) => return Err(e),
        };
        let status = self.server_status()?;
        if !is_current(&status, &shares) {
            return Err(ClientError::StaleDevice(
                "the server's current sharing ids differ".into(),
            ));
        }
        let secp = *shares.secp256k1.verifying_key().as_affine();
        let public_keys = PublicKeys {
            secp256k1: k256::PublicKey::from_affine(secp)
                .map_err(|e| ClientError::Internal(e.to_string()))?,
            ed25519: ed25519_dalek::VerifyingKey::from_bytes(
                &<[u8; 32]>::try_from(shares.ed25519.public_key_bytes())
                    .map_err(|e| ClientError::Internal(e.to_string()))?,
            )
            .map_err(|e| ClientError::Internal(e.to_string()))?,
        };
        let addresses = Addresses::new(&public_keys.secp256k1, &public_keys.ed25519);
        if status.addresses.as_ref() != Some(&addresses) {
            return Err(ClientError::StaleDevice(
                "the server's addresses differ from the device's keys".into(),
            ));
        }
        let pool = self.pool(&shares.secp256k1)?;
        let presignatures = pool.len();
        if let Some(bytes) = self.device.read(names::PRESIGNATURES)? {
            self.keep_pool(Sha256::digest(&bytes).into(), pool);
        }
        Ok(WalletInfo {
            client_id: self.client_id.clone(),
            public_keys,
            addresses,
            signing_status: status
                .signing_share_status
                .unwrap_or(SigningStatus::StoredDatabase),
            backup_status: status.backup_share_status,
            presignatures,
        })
    }

    /// What the server knows of the wallet, on a device that holds no share (a new device
    /// before recovery), once the wallet has a confirmed pair: its keys (the addresses recomputed from them and checked against
    /// the server's), its statuses, no presignatures.
    fn server_info(&self) -> Result<WalletInfo, ClientError> {
        let status = self.server_status()?;
        // A wallet whose first pair was never confirmed (generate stopped) is no wallet yet.
        let (Some(secp), Some(ed)) = (&status.secp256k1, &status.ed25519) else {
            return Err(ClientError::NoWallet);
        };
        if secp.sharing_id.is_none() || ed.sharing_id.is_none() {
            return Err(ClientError::NoWallet);
        }
        let bad = |what: &str| ClientError::BadAnswer(format!("{what} public key"));
        let secp = base16ct::mixed::decode_vec(&secp.public_key)
            .ok()
            .and_then(|b| k256::PublicKey::from_sec1_bytes(&b).ok())
            .ok_or_else(|| bad("secp256k1"))?;
        let ed = base16ct::mixed::decode_vec(&ed.public_key)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
            .ok_or_else(|| bad("Ed25519"))?;
        let addresses = Addresses::new(&secp, &ed);
        if status.addresses.as_ref() != Some(&addresses) {
            return Err(ClientError::BadAnswer(
                "the server's addresses are not its public keys'".into(),
            ));
        }
        Ok(WalletInfo {
            client_id: self.client_id.clone(),
            public_keys: PublicKeys {
                secp256k1: secp,
                ed25519: ed,
            },
            addresses,
            signing_status: status
                .signing_share_status
                .unwrap_or(SigningStatus::StoredDatabase),
            backup_status: status.backup_share_status,
            presignatures: 0,
        })
    }
}
