//! Presigning and signing on both curves: the device's half of `presign`, of the secp256k1
//! online signature (from a pooled presignature, or one made first) and of FROST Ed25519
//! signing; and how a refusal of a replaced device is explained.

use tandem_curves::CurveId;
use tandem_protocol::driver::parties;
use tandem_protocol::ecdsa::pool::MAX_HELD;
use tandem_protocol::ecdsa::{EcdsaKeyShare, EcdsaSignature, Presignature};
use tandem_protocol::hd::DerivationPath;
use tandem_protocol::runner::Party as Script;
use tandem_protocol::taproot::sign::TaprootSignature;
use tandem_wallet::progress::{ProgressFn, Step};
use tandem_wallet::{MAX_PRESIGN_BATCH, Party, Secp256k1Signed, SignMethod};

use crate::api::{self, ErrorCode, Operation};
use crate::client::{Client, Rng, Shares, hex, is_current, step};
use crate::device::{DeviceStore, names};
use crate::error::{ClientError, protocol};
use crate::transport::Transport;

impl<T: Transport, D: DeviceStore> Client<T, D> {
    /// `result`, with a refusal explained: when the server refused a request of this device
    /// and its current signing pair is not the device's (another device recovered or
    /// refreshed the wallet), [`ClientError::StaleDevice`].
    pub(crate) fn explain<R>(
        &self,
        shares: &Shares,
        result: Result<R, ClientError>,
    ) -> Result<R, ClientError> {
        match result {
            Err(e @ ClientError::Server { .. }) => match self.server_status() {
                Ok(status) if !is_current(&status, shares) => Err(ClientError::StaleDevice(
                    "the server holds another signing pair".into(),
                )),
                _ => Err(e),
            },
            result => result,
        }
    }

    /// Makes `count` presignatures with the server (one session each) and adds them to the
    /// device's pool. Returns the number the device then holds.
    ///
    /// # Errors
    /// [`ClientError::Limit`] for a `count` above [`MAX_PRESIGN_BATCH`] or a device pool
    /// that would exceed [`MAX_HELD`] (before any work); [`ClientError::NoWallet`]; the
    /// server's `too_many_requests` when its pool for this client is full; any protocol or
    /// transport error (presignatures made before it stay).
    pub fn presign(
        &self,
        count: usize,
        progress: &mut ProgressFn<'_>,
    ) -> Result<usize, ClientError> {
        if count > MAX_PRESIGN_BATCH {
            return Err(ClientError::Limit(format!(
                "at most {MAX_PRESIGN_BATCH} presignatures per call"
            )));
        }
        let _lock = self.begin()?;
        let shares = self.shares()?;
        let pool = self.pool(&shares.secp256k1)?;
        if pool.len().saturating_add(count) > MAX_HELD {
            return Err(ClientError::Limit(format!(
                "the device's pool holds at most {MAX_HELD} presignatures"
            )));
        }
        for _ in 0..count {
            step(
                progress,
                Step::Presigning,
                Some(CurveId::Secp256k1),
                Party::Client,
            );
            let presignature = self.explain(&shares, self.presign_one(&shares.secp256k1))?;
            pool.insert(presignature)
                .map_err(protocol("presignature pool"))?;
            self.write_pool(&pool)?;
        }
        Ok(pool.len())
    }

    fn presign_one(&self, share: &EcdsaKeyShare) -> Result<Presignature, ClientError> {
        let session = self.start_session(Operation::Presign, None)?;
        self.run_session(&session, parties::presign_client(share), "presigning")
    }

    /// Signs a 32-byte digest on secp256k1: one online round with a presignature from the
    /// device's pool (one is made first if the pool is empty). The presignature is removed
    /// from the device's pool before the request leaves; the request carries its id as the
    /// idempotency key, so a retry gets the server's first answer.
    ///
    /// # Errors
    /// [`ClientError::NoWallet`]; the server's refusal; a protocol error naming the server if
    /// its partial signature is wrong.
    pub fn sign_secp256k1(
        &self,
        digest: &[u8; 32],
        progress: &mut ProgressFn<'_>,
    ) -> Result<Secp256k1Signed, ClientError> {
        self.sign_secp256k1_at(&DerivationPath::master(), digest, progress)
    }

    /// [`Client::sign_secp256k1`] with the child key at `path` below the wallet's
    /// (non-hardened BIP32; `m` is the wallet's own key). The same presignatures serve every
    /// child; the signature verifies under the child's public key
    /// ([`Client::tree`](crate::Client::tree)).
    ///
    /// # Errors
    /// As [`Client::sign_secp256k1`].
    pub fn sign_secp256k1_at(
        &self,
        path: &DerivationPath,
        digest: &[u8; 32],
        progress: &mut ProgressFn<'_>,
    ) -> Result<Secp256k1Signed, ClientError> {
        let _lock = self.begin()?;
        let shares = self.shares()?;
        let signed = self.sign_secp256k1_with(&shares, path, digest, progress);
        self.explain(&shares, signed)
    }

    fn sign_secp256k1_with(
        &self,
        shares: &Shares,
        path: &DerivationPath,
        digest: &[u8; 32],
        progress: &mut ProgressFn<'_>,
    ) -> Result<Secp256k1Signed, ClientError> {
        let pool = self.pool(&shares.secp256k1)?;
        if let Some(presignature) = pool.take_any() {
            // Spent on the device first, whatever the server answers.
            let written = self.write_pool(&pool)?;
            self.keep_pool(written, pool);
            match self.online(shares, presignature, path, digest, progress) {
                Err(ClientError::Server {
                    code: ErrorCode::UnknownPresignature | ErrorCode::IdempotencyKeyReused,
                    ..
                }) => {
                    // The server holds no such half, or spent it on another digest: the
                    // device's pool is out of step with the server's (a device restored
                    // from its own backup). Dropped whole; a fresh presignature signs.
                    self.device().remove(names::PRESIGNATURES)?;
                }
                signed => {
                    return signed.map(|signature| Secp256k1Signed {
                        signature,
                        method: SignMethod::Presignature,
                    });
                }
            }
        }
        step(
            progress,
            Step::Presigning,
            Some(CurveId::Secp256k1),
            Party::Client,
        );
        let presignature = self.presign_one(&shares.secp256k1)?;
        let signature = self.online(shares, presignature, path, digest, progress)?;
        Ok(Secp256k1Signed {
            signature,
            method: SignMethod::FullSigning,
        })
    }

    /// The online round with `presignature` (its id is the request's idempotency key).
    fn online(
        &self,
        shares: &Shares,
        presignature: Presignature,
        path: &DerivationPath,
        digest: &[u8; 32],
        progress: &mut ProgressFn<'_>,
    ) -> Result<EcdsaSignature, ClientError> {
        step(
            progress,
            Step::Signing,
            Some(CurveId::Secp256k1),
            Party::Client,
        );
        let key = hex(&presignature.id().0);
        self.run(
            api::path::SIGN_SECP256K1.to_owned(),
            Some(key),
            parties::ecdsa_sign_client(&shares.secp256k1, presignature, path, digest),
            "ECDSA signing",
        )
    }

    /// Signs `message` on Ed25519 with the server (FROST, RFC 9591's two rounds). The
    /// request carries a fresh idempotency key, so a retry gets the server's first answer.
    ///
    /// # Errors
    /// [`ClientError::NoWallet`]; the server's refusal; a protocol error naming the server if
    /// its signature share is wrong.
    pub fn sign_ed25519(
        &self,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
    ) -> Result<ed25519_dalek::Signature, ClientError> {
        self.sign_ed25519_at(&DerivationPath::master(), message, progress)
    }

    /// [`Client::sign_ed25519`] with the child key at `path` below the wallet's (Tandem's
    /// additive Ed25519 derivation, [`tandem_protocol::hd`]; `m` is the wallet's own key).
    ///
    /// # Errors
    /// As [`Client::sign_ed25519`].
    pub fn sign_ed25519_at(
        &self,
        path: &DerivationPath,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
    ) -> Result<ed25519_dalek::Signature, ClientError> {
        self.co_sign(
            api::path::SIGN_ED25519,
            CurveId::Ed25519,
            "Ed25519 signing",
            message,
            progress,
            |shares, message| parties::eddsa_sign_client(&shares.ed25519, path, message),
        )
    }

    /// A BIP340 Schnorr signature of `message` (for a Taproot key-path spend, the 32-byte
    /// BIP341 signature hash) under the Taproot output key of the wallet's secp256k1 key
    /// (BIP86: the `bitcoin_taproot` address). One request (`POST /v1/sign/bip340`); no
    /// presignature is used. The device verifies the signature before it returns it.
    ///
    /// # Errors
    /// As [`Client::sign_ed25519`].
    pub fn sign_bip340(
        &self,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
    ) -> Result<TaprootSignature, ClientError> {
        self.sign_bip340_at(&DerivationPath::master(), message, progress)
    }

    /// [`Client::sign_bip340`] with the output key of the child key at `path` below the
    /// wallet's (BIP32 public derivation, as for ECDSA; `m` is the wallet's own key).
    ///
    /// # Errors
    /// As [`Client::sign_ed25519`].
    pub fn sign_bip340_at(
        &self,
        path: &DerivationPath,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
    ) -> Result<TaprootSignature, ClientError> {
        self.co_sign(
            api::path::SIGN_BIP340,
            CurveId::Secp256k1,
            "BIP340 signing",
            message,
            progress,
            |shares, message| parties::bip340_sign_client(shares.secp256k1.core(), path, message),
        )
    }

    /// One co-signing request (FROST's two rounds) to `endpoint` under a fresh idempotency
    /// key, with the party `script` makes from the device's shares and `message`.
    fn co_sign<O>(
        &self,
        endpoint: &str,
        curve: CurveId,
        context: &'static str,
        message: &[u8],
        progress: &mut ProgressFn<'_>,
        script: impl for<'a> FnOnce(&'a Shares, &'a [u8]) -> Script<'a, Rng, O>,
    ) -> Result<O, ClientError> {
        let _lock = self.begin()?;
        let shares = self.shares()?;
        step(progress, Step::Signing, Some(curve), Party::Client);
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).map_err(|e| ClientError::Internal(e.to_string()))?;
        let signed = self.run(
            endpoint.to_owned(),
            Some(hex(&key)),
            script(&shares, message),
            context,
        );
        self.explain(&shares, signed)
    }
}
