//! The safe-prime search on several Web Workers. The wasm build has no threads (stable Rust's
//! standard library for `wasm32-unknown-unknown` is built without atomics), so the SDK runs
//! one prime search over a pool of *prime workers*, each its own instance of this module
//! (`web/src/prime-worker.js`), coordinated from the SDK's worker (`web/src/primes.js`)
//! through shared memory:
//!
//! - here, in the SDK's worker, [`pooled_prime`] draws each window's random start exactly as
//!   the one-thread search does (`tandem_paillier::primes::WindowStart`), hands it to the
//!   pool (`tandemHost.primeSearchStart`), reports progress while the pool works
//!   (`primeSearchWait`), and takes the window's first safe prime (`primeSearchTake`); a
//!   window without one draws the next start;
//! - each prime worker runs [`search_safe_prime_window`] on its share of the window's
//!   survivors (`tandem_paillier::primes::search_window`), stopping above the lowest ordinal
//!   found by any worker.
//!
//! The prime is the first safe prime of the window in the sieve's order: the prime the
//! native one-thread search finds from the same start, whatever the number of workers
//! (`test-vectors/primes/window-1536.json`, checked natively and in Chromium). The pool's
//! answer is checked here before use: a candidate of the window it was given, and a safe
//! prime of the required form. If the pool fails (a worker died), the search goes on in this
//! worker alone.

use std::ops::ControlFlow;

use rand_core::UnwrapErr;
use tandem_paillier::bigint::U1536;
use tandem_paillier::paillier::SecretKey;
use tandem_paillier::primes::{self, START_BYTES, WindowStart, search_window};
use tandem_wallet::progress::Progress;
use tandem_wallet::{FreshPrimes, PaillierKeys, Party, WalletError};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::host::describe;

#[wasm_bindgen]
extern "C" {
    /// What `tandemHost.primeSearchWait` answers: `{done, tested}`.
    type PoolState;

    #[wasm_bindgen(method, getter)]
    fn done(this: &PoolState) -> bool;

    #[wasm_bindgen(method, getter)]
    fn tested(this: &PoolState) -> f64;

    /// `tandemHost.primeSearchStart(start)`: hands one window's start (copied into the pool's
    /// shared memory) to every prime worker. Throws if the pool has failed.
    #[wasm_bindgen(js_namespace = tandemHost, js_name = primeSearchStart, catch)]
    fn host_prime_search_start(start: &[u8]) -> Result<(), JsValue>;

    /// `tandemHost.primeSearchWait(ms)`: waits up to `ms` for the pool to finish the window;
    /// the candidates tested in it so far.
    #[wasm_bindgen(js_namespace = tandemHost, js_name = primeSearchWait, catch)]
    fn host_prime_search_wait(ms: u32) -> Result<PoolState, JsValue>;

    /// `tandemHost.primeSearchTake(out)`: once the pool is done, the window's first safe
    /// prime written into `out` and its ordinal, or -1 if the window holds none; the pool's
    /// shared memory wiped. Throws if a worker failed.
    #[wasm_bindgen(js_namespace = tandemHost, js_name = primeSearchTake, catch)]
    fn host_prime_search_take(out: &mut [u8]) -> Result<i32, JsValue>;
}

/// How often progress is reported while the pool searches.
const PROGRESS_MS: u32 = 250;

/// Where the SDK's worker gets its Paillier keys: the pool of prime workers, or this worker
/// alone (no pool: one core, or `primeWorkers: 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BrowserPrimes {
    /// The search runs in this worker ([`FreshPrimes`]).
    InWorker,
    /// The search runs on the pool of prime workers.
    Pool,
}

impl PaillierKeys for BrowserPrimes {
    fn paillier_key(
        &self,
        party: Party,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SecretKey, WalletError> {
        if *self == Self::InWorker {
            return FreshPrimes.paillier_key(party, progress);
        }
        loop {
            let p = pooled_prime(party, 0, progress)?;
            let q = pooled_prime(party, 1, progress)?;
            // Distinct primes: equal ones have probability ~2^-1500, but the check is free.
            if let Ok(key) = SecretKey::from_primes_unchecked(*p, *q) {
                return Ok(key);
            }
        }
    }
}

/// Prime `index` of `party`'s key, from the pool; from this worker alone if the pool fails.
pub(crate) fn pooled_prime(
    party: Party,
    index: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Zeroizing<U1536>, WalletError> {
    let mut rng = UnwrapErr(getrandom::SysRng);
    // Candidates tested in the earlier windows of this prime.
    let mut earlier = 0u64;
    loop {
        let start = WindowStart::draw(&mut rng);
        match pool_window(&start, &mut |tested| {
            progress(Progress::Prime {
                party,
                prime: index,
                candidates: earlier.saturating_add(tested),
            });
        }) {
            Ok((_, Some(prime))) => {
                // The pool's answer, checked before use: a candidate of the window it was
                // given (start + 4k), and a safe prime of 1536 bits with both top bits set.
                if !start.contains(&prime) || !primes::is_valid_safe_prime(&prime) {
                    return Err(WalletError::Primes(
                        "the prime workers answered a number that is not a safe prime of the \
                         window they were given"
                            .into(),
                    ));
                }
                return Ok(prime);
            }
            Ok((tested, None)) => earlier = earlier.saturating_add(tested),
            Err(why) => {
                // The pool failed (a prime worker died, or was never started): this prime
                // is searched here, from a fresh random stream.
                console_warn(&format!(
                    "tandem: the prime workers failed ({why}); searching in this worker"
                ));
                return in_worker_prime(party, index, earlier, progress);
            }
        }
    }
}

/// One window on the pool: `(candidates tested, the window's first safe prime)`; an error if
/// the pool failed.
fn pool_window(
    start: &WindowStart,
    progress: &mut dyn FnMut(u64),
) -> Result<(u64, Option<Zeroizing<U1536>>), String> {
    host_prime_search_start(start.to_be_bytes().as_ref()).map_err(|e| describe(&e))?;
    let tested = loop {
        let state = host_prime_search_wait(PROGRESS_MS).map_err(|e| describe(&e))?;
        // A count of candidates (at most 2^20 per window), exact in an f64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let tested = state.tested().max(0.0) as u64;
        progress(tested);
        if state.done() {
            break tested;
        }
    };
    let mut bytes = Zeroizing::new([0u8; START_BYTES]);
    let ordinal = host_prime_search_take(bytes.as_mut()).map_err(|e| describe(&e))?;
    if ordinal < 0 {
        return Ok((tested, None));
    }
    let prime = tandem_paillier::bigint::uint_from_be::<{ U1536::LIMBS }>(bytes.as_ref())
        .ok_or("the pool's prime is not 192 bytes")?;
    Ok((tested, Some(Zeroizing::new(prime))))
}

/// The one-thread search in this worker (the pool's fallback).
fn in_worker_prime(
    party: Party,
    index: usize,
    earlier: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Zeroizing<U1536>, WalletError> {
    primes::generate_safe_prime(&mut UnwrapErr(getrandom::SysRng), &mut |p| {
        progress(Progress::Prime {
            party,
            prime: index,
            candidates: earlier.saturating_add(p.candidates),
        });
        ControlFlow::Continue(())
    })
    .map(Zeroizing::new)
    .map_err(|e| WalletError::Primes(e.to_string()))
}

#[wasm_bindgen]
extern "C" {
    /// `console.warn`: the pool's failure, for the developer (the search goes on here).
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(message: &str);
}

/// A prime worker's share of one window: tests the survivors of the window at `start` (its
/// [`START_BYTES`] big-endian bytes, read from the pool's shared memory) whose ordinal is
/// `share` modulo `shares`, asking `stop(ordinal)` before each test (a truthy answer ends the
/// search). Writes a safe prime found into `slot` ([`START_BYTES`] bytes of shared memory)
/// and returns its ordinal; `undefined` if the share holds none before the stop.
///
/// # Errors
/// A `TandemError` of kind `input` for a malformed start, share or slot, or whatever `stop`
/// threw.
#[wasm_bindgen(js_name = searchSafePrimeWindow)]
pub fn search_safe_prime_window(
    start: &js_sys::Uint8Array,
    share: u32,
    shares: u32,
    stop: &js_sys::Function,
    slot: &js_sys::Uint8Array,
) -> Result<Option<u32>, JsValue> {
    if slot.length() as usize != START_BYTES {
        return Err(crate::input("a prime slot is 192 bytes"));
    }
    let bytes = Zeroizing::new(start.to_vec());
    let start = WindowStart::from_be_bytes(&bytes).map_err(|e| crate::input(&e.to_string()))?;
    let mut thrown = None;
    let found = search_window(&start, share, shares, &mut |ordinal| match stop
        .call1(&JsValue::NULL, &JsValue::from(ordinal))
    {
        Ok(answer) if !answer.is_truthy() => ControlFlow::Continue(()),
        Ok(_) => ControlFlow::Break(()),
        Err(error) => {
            thrown = Some(error);
            ControlFlow::Break(())
        }
    })
    .map_err(|e| crate::input(&e.to_string()))?;
    if let Some(error) = thrown {
        return Err(error);
    }
    Ok(found.map(|prime| {
        slot.copy_from(prime.to_be_bytes().as_ref());
        prime.ordinal()
    }))
}

/// One 1536-bit safe prime from the pool of prime workers, as `generate` searches it (for
/// the benchmark page); returns the candidates tested.
///
/// # Errors
/// A `TandemError` of kind `primes` if the search fails.
#[wasm_bindgen(js_name = benchSafePrimePool)]
pub fn bench_safe_prime_pool() -> Result<f64, JsValue> {
    let mut tested = 0u64;
    pooled_prime(Party::Client, 0, &mut |event| {
        if let Progress::Prime { candidates, .. } = event {
            tested = candidates;
        }
    })
    .map_err(|e| crate::thrown("primes", &e.to_string(), None, None))?;
    // A count of candidates, far below 2^53.
    #[allow(clippy::cast_precision_loss)]
    Ok(tested as f64)
}
