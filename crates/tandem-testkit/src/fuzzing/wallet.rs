//! `tandem-wallet`: the wallet record parser and the at-rest record format. Each returns
//! whether the input was accepted, so that the seeds can be checked.
//!
//! The record is read the way every operation reads it: by [`Wallet::info`] on a store that
//! holds only the server's `wallet.json` (parsed, validated, its keys decoded).

use tandem_wallet::store::{Party, at_rest, names};
use tandem_wallet::{FsStore, Store, StoreError, StoreLock, Wallet};
use zeroize::Zeroizing;

use super::Seed;

/// The at-rest key the `at_rest_record` target opens records with (public, test-only).
pub const FUZZ_AT_REST_KEY: [u8; 32] = [0x5a; 32];

/// A store holding the server's wallet record and nothing else; it refuses every write.
#[derive(Debug)]
struct RecordOnly<'a>(&'a [u8]);

impl Store for RecordOnly<'_> {
    fn read(&self, party: Party, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        Ok((party == Party::Server && name == names::WALLET)
            .then(|| Zeroizing::new(self.0.to_vec())))
    }
    fn write(&self, party: Party, name: &str, _: &[u8]) -> Result<(), StoreError> {
        Err(read_only(party, name))
    }
    fn remove(&self, party: Party, name: &str) -> Result<(), StoreError> {
        Err(read_only(party, name))
    }
    fn lock(&self) -> Result<StoreLock, StoreError> {
        Ok(StoreLock::new(()))
    }
    fn counter(&self, _: &str) -> Result<u64, StoreError> {
        Ok(0)
    }
    fn advance_counter(&self, name: &str, _: u64) -> Result<(), StoreError> {
        Err(read_only(Party::Server, name))
    }
}

fn read_only(party: Party, name: &str) -> StoreError {
    StoreError::Io {
        party,
        record: name.to_owned(),
        source: std::io::Error::other("read-only fuzz store"),
    }
}

/// Parses and validates a wallet record (the server's `wallet.json` plaintext).
pub fn wallet_record(data: &[u8]) -> bool {
    Wallet::new(RecordOnly(data)).info().is_ok()
}

/// Opens an at-rest record under [`FUZZ_AT_REST_KEY`] and parses the plaintext as a wallet
/// record.
pub fn at_rest_record(data: &[u8]) -> bool {
    match open(data) {
        Some(plain) => wallet_record(&plain),
        None => false,
    }
}

fn open(data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    at_rest::open(&FUZZ_AT_REST_KEY, Party::Server, names::WALLET, data).ok()
}

/// The wallet seeds (`corpus/<target>/seed-v1`), from the server's wallet record of the v2
/// fixture store: the record, and the record sealed under [`FUZZ_AT_REST_KEY`] (a fresh
/// nonce each time: a sealed seed is current while it opens to the same record).
pub(crate) fn seeds() -> Result<Vec<Seed>, String> {
    let dir = crate::fixtures::wallet_store::v2_dir().join("store");
    let store = FsStore::open(&dir).map_err(|e| format!("{dir:?}: {e}"))?;
    let record = store
        .read(Party::Server, names::WALLET)
        .map_err(|e| e.to_string())?
        .ok_or("the v2 fixture store has no wallet record")?;
    let sealed = at_rest::seal(
        &FUZZ_AT_REST_KEY,
        Party::Server,
        names::WALLET,
        &record,
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .map_err(|e| e.to_string())?;
    Ok(vec![
        Seed::named("wallet_record", "seed-v1", record.to_vec()),
        Seed {
            same: |old, new| open(old).is_some() && open(old) == open(new),
            ..Seed::named("at_rest_record", "seed-v1", sealed)
        },
    ])
}
