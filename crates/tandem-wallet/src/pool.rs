//! The stored presignature pools, and the rollback anchor that keeps a spent presignature
//! spent when the server's records are restored from an older copy.
//!
//! A presignature signs once: two signatures from one presignature (even re-randomised per
//! message, Groth–Shoup) give two linear equations in the server's secret presignature
//! shares, and the key. The pool's spent ids ([`PresignaturePool`]) stop a second use as long
//! as the stored pool only moves forward; a database restored from a backup, or a replica
//! that missed the last writes, brings spent presignatures back. So the server's pool carries
//! an **epoch**, and the store's rollback counter [`counter::PRESIGNATURE_EPOCH`], kept
//! where a restore of the server's records does not reach ([`Store`]), holds the epoch of the
//! only pool that may be used. A spend:
//!
//! 1. spends the client's copy in its pool;
//! 2. reserves the next epoch `n = counter + 1` by moving the counter to it;
//! 3. writes the server's pool without the presignature at epoch `n`;
//! 4. only then lets the server's partial signature leave.
//!
//! A stored pool whose epoch is not the counter's is refused
//! ([`WalletError::PresignaturesRolledBack`]) and both pools are discarded (presignatures are
//! cheap to make again): below it, the pool is an older copy, or the one of a spend killed
//! between steps 2 and 3 (which released nothing); above it, the counter was lost. Because
//! the counter moves before any pool is written at a new epoch, no two different pools ever
//! share an epoch, so no older copy can pass for the current one.
//!
//! A pool bound to another sharing (the pair was replaced, and the next operation had not
//! removed it yet) is stale: it counts as empty and is removed under the lock.
//!
//! Formats: the client's pool is the protocol's stored pool; the server's is
//! `"TDMPOOL2" || epoch (u64, big-endian) || the protocol's stored pool`. A server pool
//! without the prefix (wallet stores of format version 1) has epoch 0.

use tandem_protocol::ecdsa::{EcdsaKeyShare, PresignaturePool};
use zeroize::Zeroizing;

use crate::error::WalletError;
use crate::store::{Party, Store, counter, names};
use crate::wallet::Wallet;

const MAGIC: &[u8; 8] = b"TDMPOOL2";

/// The server's pool with its epoch.
pub(crate) struct ServerPool {
    pub(crate) pool: PresignaturePool,
    pub(crate) epoch: u64,
}

fn corrupted(party: Party, reason: impl ToString) -> WalletError {
    crate::error::corrupted(party, names::PRESIGNATURES, reason)
}

/// A stored presignature pool, validated against its party's share; `None` if it belongs to
/// another sharing (stale).
pub(crate) fn decode_current(
    party: Party,
    bytes: &[u8],
    share: &EcdsaKeyShare,
) -> Result<Option<PresignaturePool>, WalletError> {
    match PresignaturePool::from_bytes(bytes, share) {
        Ok(pool) => Ok(Some(pool)),
        Err(tandem_protocol::Error::Misuse(tandem_protocol::Misuse::KeyShareChanged)) => Ok(None),
        Err(e) => Err(corrupted(party, e.to_string())),
    }
}

fn encode(party: Party, pool: &PresignaturePool) -> Result<Zeroizing<Vec<u8>>, WalletError> {
    pool.to_bytes().map_err(|e| corrupted(party, e.to_string()))
}

/// Splits a stored server pool into its epoch and the protocol's pool bytes.
fn split_server(bytes: &[u8]) -> Result<(u64, &[u8]), WalletError> {
    match bytes.strip_prefix(MAGIC.as_slice()) {
        Some(rest) => {
            let (epoch, pool) = rest
                .split_first_chunk::<8>()
                .ok_or_else(|| corrupted(Party::Server, "truncated epoch"))?;
            Ok((u64::from_be_bytes(*epoch), pool))
        }
        None => Ok((0, bytes)),
    }
}

impl<S: Store> Wallet<S> {
    /// The client's pool (empty if none is stored; a stale one is removed).
    pub(crate) fn load_client_pool(
        &self,
        share: &EcdsaKeyShare,
    ) -> Result<PresignaturePool, WalletError> {
        if let Some(bytes) = self.store().read(Party::Client, names::PRESIGNATURES)?
            && let Some(pool) = decode_current(Party::Client, &bytes, share)?
        {
            return Ok(pool);
        }
        self.store().remove(Party::Client, names::PRESIGNATURES)?;
        Ok(PresignaturePool::new(share))
    }

    /// Removes both pools: the client's first, so that the device never keeps halves the
    /// server no longer holds.
    pub(crate) fn discard_pools(&self) -> Result<(), WalletError> {
        self.store().remove(Party::Client, names::PRESIGNATURES)?;
        self.store().remove(Party::Server, names::PRESIGNATURES)?;
        Ok(())
    }

    /// The server's pool, refused unless its epoch is the rollback counter's (and then both
    /// pools are discarded); a stale one is removed.
    pub(crate) fn load_server_pool(
        &self,
        share: &EcdsaKeyShare,
    ) -> Result<ServerPool, WalletError> {
        let anchor = self.store().counter(counter::PRESIGNATURE_EPOCH)?;
        let empty = || ServerPool {
            pool: PresignaturePool::new(share),
            epoch: anchor,
        };
        let Some(bytes) = self.store().read(Party::Server, names::PRESIGNATURES)? else {
            return Ok(empty());
        };
        let (epoch, pool) = split_server(&bytes)?;
        if epoch != anchor {
            // Not the pool the counter names: an older copy (its spent ids are not all
            // there), or the counter was lost. Nothing in it can be trusted, and the client's
            // halves are useless without the server's.
            self.discard_pools()?;
            return Err(WalletError::PresignaturesRolledBack { epoch, anchor });
        }
        match decode_current(Party::Server, pool, share)? {
            Some(pool) => Ok(ServerPool { pool, epoch }),
            None => {
                self.store().remove(Party::Server, names::PRESIGNATURES)?;
                Ok(empty())
            }
        }
    }

    /// Writes the client's pool.
    pub(crate) fn write_client_pool(&self, pool: &PresignaturePool) -> Result<(), WalletError> {
        let bytes = encode(Party::Client, pool)?;
        self.store()
            .write(Party::Client, names::PRESIGNATURES, &bytes)?;
        Ok(())
    }

    /// Writes the server's pool at its epoch.
    pub(crate) fn write_server_pool(&self, pool: &ServerPool) -> Result<(), WalletError> {
        let mut bytes = Zeroizing::new(Vec::new());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&pool.epoch.to_be_bytes());
        bytes.extend_from_slice(&encode(Party::Server, &pool.pool)?);
        self.store()
            .write(Party::Server, names::PRESIGNATURES, &bytes)?;
        Ok(())
    }

    /// Records a spend from the server's pool: the next epoch reserved on the counter, then
    /// the pool written at it (steps 2 and 3 of the module docs). The caller releases the
    /// partial signature only after this returns.
    pub(crate) fn spend_from_server_pool(&self, mut pool: ServerPool) -> Result<(), WalletError> {
        pool.epoch = pool
            .epoch
            .checked_add(1)
            .ok_or_else(|| corrupted(Party::Server, "epoch overflow"))?;
        self.store()
            .advance_counter(counter::PRESIGNATURE_EPOCH, pool.epoch)?;
        self.write_server_pool(&pool)
    }
}
