//! Entry points for the cargo-fuzz targets in `fuzz/` (feature `fuzzing`, test-only): the
//! wallet record parser and the at-rest record format. Each returns whether the input was
//! accepted, so that the seed corpus can be checked by tests.

use crate::record::WalletRecord;
use crate::store::{Party, at_rest, record};

/// The at-rest key the `at_rest_record` target opens records with (public, test-only).
pub const FUZZ_AT_REST_KEY: [u8; 32] = [0x5a; 32];

/// Parses and validates a wallet record (the server's `wallet.json` plaintext).
pub fn wallet_record(data: &[u8]) -> bool {
    WalletRecord::from_bytes(data)
        .and_then(|r| r.public_keys())
        .is_ok()
}

/// Opens an at-rest record under [`FUZZ_AT_REST_KEY`] and parses the plaintext as a wallet
/// record.
pub fn at_rest_record(data: &[u8]) -> bool {
    match at_rest::open(&FUZZ_AT_REST_KEY, Party::Server, record::WALLET, data) {
        Ok(plain) => wallet_record(&plain),
        Err(_) => false,
    }
}

/// Seals `plaintext` as the at-rest form of the server's wallet record under
/// [`FUZZ_AT_REST_KEY`] (to build seeds).
///
/// # Errors
/// If sealing fails.
pub fn seal_wallet_record(plaintext: &[u8]) -> Result<Vec<u8>, crate::StoreError> {
    at_rest::seal(
        &FUZZ_AT_REST_KEY,
        Party::Server,
        record::WALLET,
        plaintext,
        &mut crate::wallet::os_rng(),
    )
}
