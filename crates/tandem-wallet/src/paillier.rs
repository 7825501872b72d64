//! Fresh Paillier keys for the two parties (secp256k1 aux info, at generation and recovery):
//! each party searches its two 1536-bit safe primes on its own thread, as it would on its
//! own machine, reporting progress.
//!
//! Test-only: with the `test-primes` feature (enabled only by dev-dependencies and by
//! `tandem-cli`'s test-only `insecure-test-primes` feature), a wallet made by
//! `Wallet::with_test_primes` uses the public fixture primes of `test-vectors/primes/`
//! instead. A key built from them protects nothing. Nothing else selects them: no
//! environment variable is read, so a binary built while tests were built (Cargo unifies
//! dev-dependency features then) still generates fresh primes for `Wallet::new`.

use std::ops::ControlFlow;
use std::sync::{Mutex, PoisonError};

use rand_core::UnwrapErr;
use tandem_paillier::paillier::SecretKey;

use crate::error::WalletError;
use crate::progress::{Progress, ProgressFn};
use crate::store::Party;

fn report(progress: &Mutex<&mut ProgressFn<'_>>, event: Progress) {
    // A panic inside the callback poisons the lock; reporting is best effort after that.
    let mut callback = progress.lock().unwrap_or_else(PoisonError::into_inner);
    callback(event);
}

fn generate(party: Party, progress: &Mutex<&mut ProgressFn<'_>>) -> Result<SecretKey, WalletError> {
    let key = tandem_protocol::ecdsa::generate_paillier_key(
        &mut UnwrapErr(getrandom::SysRng),
        &mut |prime, p| {
            report(
                progress,
                Progress::Prime {
                    party,
                    prime,
                    candidates: p.candidates,
                },
            );
            ControlFlow::Continue(())
        },
    )
    .map_err(|e| WalletError::Primes(e.to_string()))?;
    report(progress, Progress::PaillierKeyReady { party });
    Ok(key)
}

/// The client's and the server's fresh Paillier keys (or, test-only, fixture keys when
/// `fixture` is set, by `Wallet::with_test_primes` only).
pub(crate) fn key_pair(
    fixture: bool,
    progress: &mut ProgressFn<'_>,
) -> Result<(SecretKey, SecretKey), WalletError> {
    #[cfg(feature = "test-primes")]
    if fixture {
        return fixture_pair(progress);
    }
    #[cfg(not(feature = "test-primes"))]
    let _ = fixture;
    let progress = Mutex::new(progress);
    let (client, server) = std::thread::scope(|s| {
        let client = s.spawn(|| generate(Party::Client, &progress));
        let server = s.spawn(|| generate(Party::Server, &progress));
        (client.join(), server.join())
    });
    let joined = |r: std::thread::Result<Result<SecretKey, WalletError>>| {
        r.map_err(|_| WalletError::Internal("prime generation thread panicked".into()))?
    };
    Ok((joined(client)?, joined(server)?))
}

/// Two distinct fixture keys, chosen at random so that a recovery gets other keys than the
/// generation before it (most of the time; equal keys would still be valid).
#[cfg(feature = "test-primes")]
fn fixture_pair(progress: &mut ProgressFn<'_>) -> Result<(SecretKey, SecretKey), WalletError> {
    use rand_core::Rng;
    let count = tandem_paillier::test_fixtures::key_count();
    if count < 2 {
        return Err(WalletError::Internal("fewer than two fixture keys".into()));
    }
    let mut rng = UnwrapErr(getrandom::SysRng);
    let count32 =
        u32::try_from(count).map_err(|_| WalletError::Internal("fixture count".into()))?;
    let a = rng.next_u32() % count32;
    let b = (a + 1 + rng.next_u32() % (count32 - 1)) % count32;
    let key = |i: u32| {
        usize::try_from(i)
            .ok()
            .and_then(tandem_paillier::test_fixtures::paillier_key)
            .ok_or_else(|| WalletError::Internal("fixture key".into()))
    };
    let (client, server) = (key(a)?, key(b)?);
    progress(Progress::PaillierKeyReady {
        party: Party::Client,
    });
    progress(Progress::PaillierKeyReady {
        party: Party::Server,
    });
    Ok((client, server))
}
