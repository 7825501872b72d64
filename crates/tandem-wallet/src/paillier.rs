//! Where the two parties' Paillier keys come from (secp256k1 aux info, at generation,
//! recovery and refresh): a [`PaillierKeys`] source, asked once per party, both parties at
//! once, each on its own thread (as on two machines).
//!
//! [`FreshPrimes`], the source of [`Wallet::new`](crate::Wallet::new), searches two fresh
//! 1536-bit safe primes per party, reporting progress. Another source is chosen only
//! explicitly, with [`Wallet::with_paillier_keys`](crate::Wallet::with_paillier_keys): a
//! provider's server may hand out keys generated ahead of time by a background pool (and
//! the client keep searching its own), tests the public fixture primes of `tandem-testkit`.
//! Whatever the source, a key is proved to the peer in the auxiliary-information protocol
//! (Πmod, Πfac: a product of two large primes, a Paillier-Blum modulus), which refuses a bad
//! one; a source must still never hand the same key out twice, nor a key anyone else knows.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::{Mutex, PoisonError};

use rand_core::UnwrapErr;
use tandem_paillier::paillier::SecretKey;

use crate::error::WalletError;
use crate::progress::{Progress, ProgressFn};
use crate::store::Party;

/// A source of Paillier secret keys for the parties of a wallet.
///
/// The wallet asks once per party ([`Party::Client`], then [`Party::Server`] for the new
/// server share; both at once, from two threads) whenever it makes secp256k1 shares, and
/// reports [`Progress::PaillierKeyReady`] when a call returns. A source may answer each
/// party from a different place (a pool for the server, a fresh search for the client).
pub trait PaillierKeys: fmt::Debug + Send + Sync {
    /// A fresh Paillier key for `party`. `progress` takes the source's own reports (for
    /// instance [`Progress::Prime`] during a prime search).
    ///
    /// # Errors
    /// [`WalletError::Primes`] (or another [`WalletError`]) if no key can be had; the
    /// operation then stops and changes nothing.
    fn paillier_key(
        &self,
        party: Party,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SecretKey, WalletError>;
}

impl<P: PaillierKeys + ?Sized> PaillierKeys for std::sync::Arc<P> {
    fn paillier_key(
        &self,
        party: Party,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SecretKey, WalletError> {
        (**self).paillier_key(party, progress)
    }
}

/// Fresh safe primes from the operating system's RNG: the default source, and the only one
/// the `tandem` binary uses. Seconds per key (a 1536-bit safe-prime search per prime).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FreshPrimes;

impl PaillierKeys for FreshPrimes {
    fn paillier_key(
        &self,
        party: Party,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SecretKey, WalletError> {
        tandem_protocol::ecdsa::generate_paillier_key(
            &mut UnwrapErr(getrandom::SysRng),
            &mut |prime, p| {
                progress(Progress::Prime {
                    party,
                    prime,
                    candidates: p.candidates,
                });
                ControlFlow::Continue(())
            },
        )
        .map_err(|e| WalletError::Primes(e.to_string()))
    }
}

fn report(progress: &Mutex<&mut ProgressFn<'_>>, event: Progress) {
    // A panic inside the callback poisons the lock; reporting is best effort after that.
    let mut callback = progress.lock().unwrap_or_else(PoisonError::into_inner);
    callback(event);
}

/// The client's and the server's keys from `source`, one thread per party.
pub(crate) fn key_pair(
    source: &dyn PaillierKeys,
    progress: &mut ProgressFn<'_>,
) -> Result<(SecretKey, SecretKey), WalletError> {
    let progress = Mutex::new(progress);
    let one = |party| {
        let key = source.paillier_key(party, &mut |event| report(&progress, event))?;
        report(&progress, Progress::PaillierKeyReady { party });
        Ok(key)
    };
    let (client, server) = std::thread::scope(|s| {
        let client = s.spawn(|| one(Party::Client));
        let server = s.spawn(|| one(Party::Server));
        (client.join(), server.join())
    });
    let joined = |r: std::thread::Result<Result<SecretKey, WalletError>>| {
        r.map_err(|_| WalletError::Internal("Paillier key thread panicked".into()))?
    };
    Ok((joined(client)?, joined(server)?))
}

/// TEST-ONLY: the public fixture keys of `test-vectors/primes/`, read at run time, for this
/// crate's unit tests (which cannot use `tandem-testkit`: it depends on this crate).
#[cfg(test)]
pub(crate) fn fixture_key(i: usize) -> Option<SecretKey> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/primes/safe-primes-1536.json");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let hex = |j: usize| file["safe_primes"].get(j)?.as_str();
    let prime = |j| hex(j).map(tandem_paillier::bigint::U1536::from_be_hex);
    SecretKey::from_primes_unchecked(prime(2 * i)?, prime(2 * i + 1)?).ok()
}
