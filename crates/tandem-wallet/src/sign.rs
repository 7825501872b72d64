//! Signing (only the client initiates; the server co-signs) and the presignature pool.
//!
//! secp256k1 signing takes a presignature from the pool when there is one: the client's and
//! the server's copies (same id) are removed and both pools are written back, and the
//! server's rollback counter raised ([`crate::pool`]), *before* the signing round runs, so a
//! presignature is spent in the store before any partial signature made with it exists; a
//! crash, a failed round or a restore of the server's records from an older copy cannot bring
//! it back. With an empty pool the wallet signs with full signing (presigning and signing in
//! one run).

use ed25519_dalek::Signature;
use tandem_curves::{CurveId, Ed25519, Secp256k1};
use tandem_protocol::driver::{self, InMemory, NoTap, parties};
use tandem_protocol::ecdsa::{EcdsaSignature, pool::MAX_HELD};
use tandem_protocol::hd::DerivationPath;
use tandem_protocol::taproot::sign::TaprootSignature;

use crate::error::{WalletError, protocol};
use crate::progress::{ProgressFn, Step};
use crate::store::{Party, Store, names};
use crate::wallet::{Wallet, os_rng, step};

/// The most presignatures one [`Wallet::presign`] call makes.
pub const MAX_PRESIGN_BATCH: usize = 100;

/// How a secp256k1 signature was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignMethod {
    /// One online round from a pooled presignature.
    Presignature,
    /// Full signing (the pool was empty).
    FullSigning,
}

/// A secp256k1 signature and how it was made.
#[derive(Clone, Debug)]
pub struct Secp256k1Signed {
    /// The signature: low-s `(r, s)` and the recovery id; verified by the client (the device,
    /// which releases it) before release. The server co-signs and does not take the
    /// signature from a presignature (message 3 of the online round); full signing gives
    /// both parties the verified signature.
    pub signature: EcdsaSignature,
    /// How it was made.
    pub method: SignMethod,
}

impl<S: Store> Wallet<S> {
    /// Makes `count` presignatures ahead of time and adds them to both parties' pools.
    /// Returns the number the device then holds.
    ///
    /// # Errors
    /// [`WalletError::NotSignable`] before `STORED_CLIENT`; a protocol error (nothing is
    /// stored then); [`WalletError::Limit`] for a `count` above [`MAX_PRESIGN_BATCH`] or a
    /// pool that would exceed its limit.
    pub fn presign(
        &self,
        count: usize,
        progress: &mut ProgressFn<'_>,
    ) -> Result<usize, WalletError> {
        if count > MAX_PRESIGN_BATCH {
            return Err(WalletError::Limit(format!(
                "at most {MAX_PRESIGN_BATCH} presignatures per call"
            )));
        }
        let _lock = self.begin()?;
        let record = self.require_signable()?;
        let [client, server] = self.load_pair::<Secp256k1>(&record, progress)?;
        let client_pool = self.load_client_pool(&client)?;
        let server_pool = self.load_server_pool(&server)?;
        // Server halves the device does not hold (a presign killed between the two pool
        // writes) can never be matched: drop them so that they do not fill the pool.
        let held = client_pool.held_ids();
        for id in server_pool.pool.held_ids() {
            if !held.contains(&id) {
                let _ = server_pool.pool.take(id);
            }
        }
        if client_pool.len().max(server_pool.pool.len()) + count > MAX_HELD {
            return Err(WalletError::Limit(format!(
                "a pool holds at most {MAX_HELD} presignatures"
            )));
        }
        let (mut c_rng, mut s_rng) = (os_rng(), os_rng());
        for _ in 0..count {
            step(
                progress,
                Step::Presigning,
                Some(CurveId::Secp256k1),
                Party::Client,
            );
            let (cp, sp) = driver::presign(&client, &server, &mut c_rng, &mut s_rng, &mut NoTap)
                .map_err(protocol("presigning"))?;
            client_pool.insert(cp).map_err(protocol("presigning"))?;
            server_pool
                .pool
                .insert(sp)
                .map_err(protocol("presigning"))?;
        }
        // The server's halves first: a process killed in between leaves server halves the
        // client never holds (unused), never a client half the server cannot match. A failed
        // client write puts the server's pool back (best effort).
        step(
            progress,
            Step::StoringShare,
            Some(CurveId::Secp256k1),
            Party::Server,
        );
        let server_before = self.store().read(Party::Server, names::PRESIGNATURES)?;
        self.write_server_pool(&server_pool)?;
        step(
            progress,
            Step::StoringShare,
            Some(CurveId::Secp256k1),
            Party::Client,
        );
        if let Err(e) = self.write_client_pool(&client_pool) {
            let _ = match server_before {
                Some(bytes) => self
                    .store()
                    .write(Party::Server, names::PRESIGNATURES, &bytes),
                None => self.store().remove(Party::Server, names::PRESIGNATURES),
            };
            return Err(e);
        }
        Ok(client_pool.len())
    }

    /// Signs a 32-byte message digest with the secp256k1 key (Ethereum, Bitcoin, Tron), from
    /// a pooled presignature if there is one, else with full signing.
    ///
    /// # Errors
    /// [`WalletError::NotSignable`], [`WalletError::NoDeviceShare`],
    /// [`WalletError::StaleDeviceShare`] (a device share replaced by a recovery or refresh),
    /// a protocol error naming the party and the check.
    pub fn sign_secp256k1(
        &self,
        digest: &[u8; 32],
        progress: &mut ProgressFn<'_>,
    ) -> Result<Secp256k1Signed, WalletError> {
        self.sign_secp256k1_at(&DerivationPath::master(), digest, progress)
    }

    /// [`Wallet::sign_secp256k1`] with the child key at `path` ([`Wallet::tree`]); the same
    /// presignatures serve every child.
    ///
    /// # Errors
    /// As [`Wallet::sign_secp256k1`].
    pub fn sign_secp256k1_at(
        &self,
        path: &DerivationPath,
        digest: &[u8; 32],
        progress: &mut ProgressFn<'_>,
    ) -> Result<Secp256k1Signed, WalletError> {
        let _lock = self.begin()?;
        let record = self.require_signable()?;
        let [client, server] = self.load_pair::<Secp256k1>(&record, progress)?;
        let client_pool = self.load_client_pool(&client)?;
        let (mut c_rng, mut s_rng) = (os_rng(), os_rng());
        if let Some(client_presig) = client_pool.take_any() {
            // Spent on the device first (whatever the server answers).
            self.write_client_pool(&client_pool)?;
            // The server looks up the id the client names, in the pool its rollback counter
            // names (an older copy is refused here, and both pools discarded).
            let server_pool = self.load_server_pool(&server)?;
            match server_pool.pool.take(client_presig.id()) {
                Ok(server_presig) => {
                    // Spent in the server's store at a new epoch, reserved on the counter
                    // first, before the round: neither copy can sign again, not even from a
                    // restored copy of the server's records.
                    self.spend_from_server_pool(server_pool)?;
                    step(
                        progress,
                        Step::Signing,
                        Some(CurveId::Secp256k1),
                        Party::Client,
                    );
                    let pair = parties::ecdsa_sign_for_client(
                        (&client, &server),
                        (client_presig, server_presig),
                        path,
                        digest,
                    );
                    let (signature, ()) = InMemory::new(&mut NoTap)
                        .run(pair, &mut c_rng, &mut s_rng)
                        .map_err(protocol("secp256k1 signing"))?;
                    return Ok(Secp256k1Signed {
                        signature,
                        method: SignMethod::Presignature,
                    });
                }
                // The server does not hold it (spent, or never made: the device's pool is out
                // of step with the server's, e.g. a device restored from its own backup). The
                // rest of the device's pool is as doubtful: drop it, and sign in full.
                Err(tandem_protocol::Error::Refused { .. }) => {
                    self.store().remove(Party::Client, names::PRESIGNATURES)?;
                }
                Err(e) => return Err(protocol("secp256k1 signing")(e)),
            }
        }
        step(
            progress,
            Step::Signing,
            Some(CurveId::Secp256k1),
            Party::Client,
        );
        let (signature, _) = driver::ecdsa_full_sign_at(
            &client, &server, path, digest, &mut c_rng, &mut s_rng, &mut NoTap,
        )
        .map_err(protocol("secp256k1 full signing"))?;
        Ok(Secp256k1Signed {
            signature,
            method: SignMethod::FullSigning,
        })
    }

    /// Signs `message` with the Ed25519 key (Solana, Stellar): 2-of-2 FROST (RFC 9591),
    /// verified before release.
    ///
    /// # Errors
    /// As [`Wallet::sign_secp256k1`].
    pub fn sign_ed25519(
        &self,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
    ) -> Result<Signature, WalletError> {
        self.sign_ed25519_at(&DerivationPath::master(), message, progress)
    }

    /// [`Wallet::sign_ed25519`] with the child key at `path` ([`Wallet::tree`]).
    ///
    /// # Errors
    /// As [`Wallet::sign_secp256k1`].
    pub fn sign_ed25519_at(
        &self,
        path: &DerivationPath,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
    ) -> Result<Signature, WalletError> {
        let _lock = self.begin()?;
        let record = self.require_signable()?;
        let [client, server] = self.load_pair::<Ed25519>(&record, progress)?;
        step(
            progress,
            Step::Signing,
            Some(CurveId::Ed25519),
            Party::Client,
        );
        let pair = parties::eddsa_sign_for_client((&client, &server), path, message);
        let (signature, ()) = InMemory::new(&mut NoTap)
            .run(pair, &mut os_rng(), &mut os_rng())
            .map_err(protocol("Ed25519 signing"))?;
        Ok(signature)
    }

    /// A BIP340 Schnorr signature of `message` (for a Taproot key-path spend, the 32-byte
    /// BIP341 signature hash) under the Taproot output key of the wallet's secp256k1 key
    /// (BIP86, the `bitcoin_taproot` address); [`Wallet::sign_bip340_at`] with `m`.
    ///
    /// # Errors
    /// As [`Wallet::sign_secp256k1`].
    pub fn sign_bip340(
        &self,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
    ) -> Result<TaprootSignature, WalletError> {
        self.sign_bip340_at(&DerivationPath::master(), message, progress)
    }

    /// [`Wallet::sign_bip340`] with the output key of the child key at `path`
    /// ([`Wallet::tree`]). Two-party FROST with BIP340 challenges on the same shares ECDSA
    /// signs with ([`tandem_protocol::taproot`]); no presignature is used. The client verifies
    /// the signature before it returns it.
    ///
    /// # Errors
    /// As [`Wallet::sign_secp256k1`].
    pub fn sign_bip340_at(
        &self,
        path: &DerivationPath,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
    ) -> Result<TaprootSignature, WalletError> {
        let _lock = self.begin()?;
        let record = self.require_signable()?;
        let [client, server] = self.load_pair::<Secp256k1>(&record, progress)?;
        step(
            progress,
            Step::Signing,
            Some(CurveId::Secp256k1),
            Party::Client,
        );
        let pair = parties::bip340_sign_for_client((client.core(), server.core()), path, message);
        let (signature, ()) = InMemory::new(&mut NoTap)
            .run(pair, &mut os_rng(), &mut os_rng())
            .map_err(protocol("BIP340 signing"))?;
        Ok(signature)
    }
}
