//! The stored presignature pools, and the rollback anchor that keeps a spent presignature
//! spent when the server's records are restored from an older copy.
//!
//! A presignature signs once: two signatures from one presignature (even re-randomised per
//! message, Groth–Shoup) give two linear equations in the server's secret presignature
//! shares, and the key. The pool's spent ids ([`PresignaturePool`]) stop a second use as long
//! as the stored pool only moves forward; a database restored from a backup, or a replica
//! that missed the last writes, brings spent presignatures back. So the server's pool carries
//! an **epoch**, and the store's rollback counter [`counter::PRESIGNATURE_EPOCH`], kept
//! where a restore of the server's records does not reach ([`Store`]), holds the highest epoch
//! whose spend may have released a partial signature:
//!
//! 1. the client's copy is spent in its pool;
//! 2. the server's pool is written without the presignature, at epoch `e + 1`
//!    (`e = max(stored epoch, counter)`);
//! 3. the counter moves to `e + 1`;
//! 4. only then does the server's partial signature leave.
//!
//! A stored pool whose epoch is below the counter is an older copy: it is refused
//! ([`WalletError::PresignaturesRolledBack`]) and both pools are discarded (presignatures are
//! cheap to make again). A pool above the counter is the one of a spend interrupted between
//! steps 2 and 3, whose partial signature never left: it is accepted.
//!
//! Formats: the client's pool is the protocol's stored pool; the server's is
//! `"TDMPOOL2" || epoch (u64, big-endian) || the protocol's stored pool`. A server pool
//! without the prefix (wallet stores of format version 1) has epoch 0.

use tandem_protocol::ecdsa::{EcdsaKeyShare, PresignaturePool};
use zeroize::Zeroizing;

use crate::error::WalletError;
use crate::store::{Party, Store, counter, record};
use crate::wallet::Wallet;

const MAGIC: &[u8; 8] = b"TDMPOOL2";

/// The server's pool with its epoch.
pub(crate) struct ServerPool {
    pub(crate) pool: PresignaturePool,
    pub(crate) epoch: u64,
}

fn corrupted(party: Party, reason: impl ToString) -> WalletError {
    crate::error::corrupted(party, record::PRESIGNATURES, reason)
}

/// A stored presignature pool, validated against its party's share.
pub(crate) fn decode(
    party: Party,
    bytes: &[u8],
    share: &EcdsaKeyShare,
) -> Result<PresignaturePool, WalletError> {
    PresignaturePool::from_bytes(bytes, share).map_err(|e| corrupted(party, e.to_string()))
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
    /// The client's pool (empty if none is stored).
    pub(crate) fn load_client_pool(
        &self,
        share: &EcdsaKeyShare,
    ) -> Result<PresignaturePool, WalletError> {
        match self.store().read(Party::Client, record::PRESIGNATURES)? {
            Some(bytes) => decode(Party::Client, &bytes, share),
            None => Ok(PresignaturePool::new(share)),
        }
    }

    /// The server's pool, refused if its epoch is below the rollback counter (and then both
    /// pools are discarded).
    pub(crate) fn load_server_pool(
        &self,
        share: &EcdsaKeyShare,
    ) -> Result<ServerPool, WalletError> {
        let anchor = self.store().counter(counter::PRESIGNATURE_EPOCH)?;
        let Some(bytes) = self.store().read(Party::Server, record::PRESIGNATURES)? else {
            return Ok(ServerPool {
                pool: PresignaturePool::new(share),
                epoch: anchor,
            });
        };
        let (epoch, pool) = split_server(&bytes)?;
        if epoch < anchor {
            // An older copy of the pool: its spent ids are not all there. Nothing in it can
            // be trusted; the client's halves are useless without the server's.
            self.store().remove(Party::Server, record::PRESIGNATURES)?;
            self.store().remove(Party::Client, record::PRESIGNATURES)?;
            return Err(WalletError::PresignaturesRolledBack { epoch, anchor });
        }
        Ok(ServerPool {
            pool: decode(Party::Server, pool, share)?,
            epoch,
        })
    }

    /// Writes the client's pool.
    pub(crate) fn write_client_pool(&self, pool: &PresignaturePool) -> Result<(), WalletError> {
        let bytes = encode(Party::Client, pool)?;
        self.store()
            .write(Party::Client, record::PRESIGNATURES, &bytes)?;
        Ok(())
    }

    /// Writes the server's pool at `epoch` (never below the counter).
    pub(crate) fn write_server_pool(&self, pool: &ServerPool) -> Result<(), WalletError> {
        let anchor = self.store().counter(counter::PRESIGNATURE_EPOCH)?;
        let epoch = pool.epoch.max(anchor);
        let mut bytes = Zeroizing::new(Vec::new());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&epoch.to_be_bytes());
        bytes.extend_from_slice(&encode(Party::Server, &pool.pool)?);
        self.store()
            .write(Party::Server, record::PRESIGNATURES, &bytes)?;
        Ok(())
    }

    /// Records a spend from the server's pool: the pool at the next epoch, then the counter
    /// (steps 2 and 3 of the module docs). The caller releases the partial signature only
    /// after this returns.
    pub(crate) fn spend_from_server_pool(&self, mut pool: ServerPool) -> Result<(), WalletError> {
        let anchor = self.store().counter(counter::PRESIGNATURE_EPOCH)?;
        pool.epoch = pool
            .epoch
            .max(anchor)
            .checked_add(1)
            .ok_or_else(|| corrupted(Party::Server, "epoch overflow"))?;
        self.write_server_pool(&pool)?;
        self.store()
            .advance_counter(counter::PRESIGNATURE_EPOCH, pool.epoch)?;
        Ok(())
    }
}
