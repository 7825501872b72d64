//! What the wallet does the same way on both curves, written once over `C: WalletCurve`:
//! loading and checking signing shares, making a new signing pair (key generation, recovery,
//! refresh), resharing into a backup pair and sealing it, opening backup pairs.
//!
//! The one difference between the curves is [`WalletCurve::complete`]: a secp256k1 signing
//! share also holds the parties' Paillier material, so a new secp256k1 key pair (from key
//! generation or resharing) goes through the auxiliary information, with fresh Paillier keys
//! and one thread per party ([`Threaded`]); an Ed25519 key pair is already a signing pair.

use tandem_curves::{Curve, CurveId, Ed25519, Secp256k1};
use tandem_protocol::KeyShare;
use tandem_protocol::driver::parties;
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::reshare::{Operation, Recover, Refresh};
use tandem_protocol::runner::Exchange;
use zeroize::Zeroizing;

use crate::error::{WalletError, protocol};
use crate::progress::{ProgressFn, Step};
use crate::record::{CurveRecord, WalletRecord};
use crate::store::{Party, Store, names};
use crate::threaded::Threaded;
use crate::wallet::{Wallet, os_rng, step};

/// An operation that makes a pair, as errors name it with the curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Making {
    /// `generate`.
    KeyGeneration,
    /// `backup`.
    Backup,
    /// `recover`.
    Recovery,
    /// `refresh`.
    Refresh,
}

impl Making {
    /// The protocol run's name in errors (`WalletError::Protocol`).
    pub(crate) fn run(self, curve: CurveId) -> &'static str {
        match (self, curve) {
            (Making::KeyGeneration, CurveId::Secp256k1) => "secp256k1 key generation",
            (Making::KeyGeneration, CurveId::Ed25519) => "Ed25519 key generation",
            (Making::Backup, CurveId::Secp256k1) => "secp256k1 backup",
            (Making::Backup, CurveId::Ed25519) => "Ed25519 backup",
            (Making::Recovery, CurveId::Secp256k1) => "secp256k1 recovery",
            (Making::Recovery, CurveId::Ed25519) => "Ed25519 recovery",
            (Making::Refresh, CurveId::Secp256k1) => "secp256k1 refresh",
            (Making::Refresh, CurveId::Ed25519) => "Ed25519 refresh",
        }
    }

    /// The name of the auxiliary-information run that completes a secp256k1 pair.
    fn aux_info_run(self) -> &'static str {
        match self {
            Making::KeyGeneration => "secp256k1 auxiliary info",
            other => other.run(CurveId::Secp256k1),
        }
    }
}

/// The resharings that make a new signing pair: recover (from the backup pair) and refresh
/// (from the signing pair).
pub(crate) trait ToSigningPair: Operation {
    /// How errors name it.
    const MAKING: Making;

    /// A party's new key share (the operation's target is one).
    fn key_share<C: Curve>(target: Self::Target<C>) -> KeyShare<C>;
}

impl ToSigningPair for Recover {
    const MAKING: Making = Making::Recovery;

    fn key_share<C: Curve>(target: KeyShare<C>) -> KeyShare<C> {
        target
    }
}

impl ToSigningPair for Refresh {
    const MAKING: Making = Making::Refresh;

    fn key_share<C: Curve>(target: KeyShare<C>) -> KeyShare<C> {
        target
    }
}

/// A curve of the wallet: its stored signing share, its records, and how a new key pair
/// becomes a signing pair.
pub(crate) trait WalletCurve: Curve {
    /// A party's signing share as stored: the key share (secp256k1: with Paillier material).
    type Signing: Send + Sync;
    /// The signing share record (each party's).
    const SHARE: &'static str;
    /// The sealed client backup record (held by the server).
    const SEALED: &'static str;
    /// The custodian backup record.
    const BACKUP: &'static str;

    /// The curve's entry of the wallet record.
    fn record(record: &WalletRecord) -> &CurveRecord;

    /// The key share of a signing share.
    fn core(share: &Self::Signing) -> &KeyShare<Self>;

    /// Decodes a stored signing share.
    ///
    /// # Errors
    /// Whatever the share's decoder refuses.
    fn decode(bytes: &[u8]) -> Result<Self::Signing, tandem_protocol::Error>;

    /// Encodes a signing share for the store.
    ///
    /// # Errors
    /// If it does not encode.
    fn encode(share: &Self::Signing) -> Result<Zeroizing<Vec<u8>>, tandem_protocol::Error>;

    /// Makes a new `[client, server]` key pair (key generation, or a resharing `making`) a
    /// signing pair.
    ///
    /// # Errors
    /// The Paillier key generation's or the protocol's error.
    fn complete<S: Store>(
        wallet: &Wallet<S>,
        pair: [KeyShare<Self>; 2],
        making: Making,
        progress: &mut ProgressFn<'_>,
    ) -> Result<[Self::Signing; 2], WalletError>;
}

impl WalletCurve for Ed25519 {
    type Signing = KeyShare<Ed25519>;
    const SHARE: &'static str = names::ED25519_SHARE;
    const SEALED: &'static str = names::SEALED_ED25519;
    const BACKUP: &'static str = names::BACKUP_ED25519;

    fn record(record: &WalletRecord) -> &CurveRecord {
        &record.ed25519
    }

    fn core(share: &Self::Signing) -> &KeyShare<Self> {
        share
    }

    fn decode(bytes: &[u8]) -> Result<Self::Signing, tandem_protocol::Error> {
        KeyShare::from_bytes(bytes)
    }

    fn encode(share: &Self::Signing) -> Result<Zeroizing<Vec<u8>>, tandem_protocol::Error> {
        share.to_bytes()
    }

    /// An Ed25519 key pair is the signing pair.
    fn complete<S: Store>(
        _: &Wallet<S>,
        pair: [KeyShare<Self>; 2],
        _: Making,
        _: &mut ProgressFn<'_>,
    ) -> Result<[Self::Signing; 2], WalletError> {
        Ok(pair)
    }
}

impl WalletCurve for Secp256k1 {
    type Signing = EcdsaKeyShare;
    const SHARE: &'static str = names::SECP256K1_SHARE;
    const SEALED: &'static str = names::SEALED_SECP256K1;
    const BACKUP: &'static str = names::BACKUP_SECP256K1;

    fn record(record: &WalletRecord) -> &CurveRecord {
        &record.secp256k1
    }

    fn core(share: &Self::Signing) -> &KeyShare<Self> {
        share.core()
    }

    fn decode(bytes: &[u8]) -> Result<Self::Signing, tandem_protocol::Error> {
        EcdsaKeyShare::from_bytes(bytes)
    }

    fn encode(share: &Self::Signing) -> Result<Zeroizing<Vec<u8>>, tandem_protocol::Error> {
        share.to_bytes()
    }

    /// Fresh Paillier keys (each party's primes on its own thread), then the auxiliary
    /// information with one thread per party.
    fn complete<S: Store>(
        wallet: &Wallet<S>,
        [client, server]: [KeyShare<Self>; 2],
        making: Making,
        progress: &mut ProgressFn<'_>,
    ) -> Result<[Self::Signing; 2], WalletError> {
        let (client_paillier, server_paillier) = wallet.paillier_keys(progress)?;
        step(
            progress,
            Step::GeneratingShare,
            Some(CurveId::Secp256k1),
            Party::Server,
        );
        let pair = parties::aux_info(client, server, client_paillier, server_paillier);
        let (client, server) = Threaded
            .run(pair, &mut os_rng(), &mut os_rng())
            .map_err(protocol(making.aux_info_run()))?;
        Ok([client, server])
    }
}

/// A new pair's sharing id and its two encoded shares `[client, server]`, for storing.
pub(crate) type EncodedPair = ([u8; 32], [Zeroizing<Vec<u8>>; 2]);

/// Encodes a new signing pair for storing.
pub(crate) fn encode_pair<C: WalletCurve>(
    pair: &[C::Signing; 2],
) -> Result<EncodedPair, WalletError> {
    let [client, server] = pair;
    let encoded = |share| C::encode(share).map_err(|e| WalletError::Internal(e.to_string()));
    Ok((
        C::core(server).sharing_id(),
        [encoded(client)?, encoded(server)?],
    ))
}
