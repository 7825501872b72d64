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

/// A pool's answer for one window: the candidates it tested, and the window's first safe
/// prime if it holds one. `Err` if the pool failed.
type WindowAnswer = Result<(u64, Option<Zeroizing<U1536>>), String>;

/// Something that searches one window: the prime workers ([`HostPool`]); the tests' pools of
/// threads, honest or not.
pub(crate) trait Pool {
    /// Searches the window at `start`, reporting the candidates tested so far.
    fn window(&mut self, start: &WindowStart, progress: &mut dyn FnMut(u64)) -> WindowAnswer;
}

/// The SDK's prime workers, through `tandemHost`.
struct HostPool;

impl Pool for HostPool {
    fn window(&mut self, start: &WindowStart, progress: &mut dyn FnMut(u64)) -> WindowAnswer {
        pool_window(start, progress)
    }
}

/// The search alone, given the candidates tested so far and the progress callback.
pub(crate) type Fallback<'a> =
    dyn FnMut(u64, &mut dyn FnMut(Progress)) -> Result<Zeroizing<U1536>, WalletError> + 'a;

/// Windows in a row without a safe prime before the pool is taken for broken: an honest
/// window holds none with probability about 1/7, so 20 in a row have probability ~2^-56.
pub(crate) const MAX_EMPTY_WINDOWS: u32 = 20;

/// Prime `index` of `party`'s key, from the pool; from this worker alone if the pool fails.
pub(crate) fn pooled_prime(
    party: Party,
    index: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Zeroizing<U1536>, WalletError> {
    prime_from(
        &mut HostPool,
        &mut UnwrapErr(getrandom::SysRng),
        party,
        index,
        progress,
        &mut |earlier, progress| in_worker_prime(party, index, earlier, progress),
    )
}

/// The coordinator's loop: a fresh start from `rng` per window (the native search's draws)
/// until the pool answers a prime, which is checked before use; `fallback(candidates so
/// far, progress)` searches alone if the pool fails or answers no prime for
/// [`MAX_EMPTY_WINDOWS`] windows in a row.
pub(crate) fn prime_from(
    pool: &mut dyn Pool,
    rng: &mut dyn rand_core::CryptoRng,
    party: Party,
    index: usize,
    progress: &mut dyn FnMut(Progress),
    fallback: &mut Fallback<'_>,
) -> Result<Zeroizing<U1536>, WalletError> {
    // Candidates tested in the earlier windows of this prime.
    let mut earlier = 0u64;
    for _ in 0..MAX_EMPTY_WINDOWS {
        let start = WindowStart::draw(rng);
        match pool.window(&start, &mut |tested| {
            progress(Progress::Prime {
                party,
                prime: index,
                candidates: earlier.saturating_add(tested),
            });
        }) {
            Ok((_, Some(prime))) => {
                // CHECKS.md WEB-1: the pool's answer, checked before use: a candidate of the
                // window it was given (start + 4k), and a safe prime of 1536 bits with both
                // top bits set.
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
                warn(&format!(
                    "tandem: the prime workers failed ({why}); searching in this worker"
                ));
                return fallback(earlier, progress);
            }
        }
    }
    warn(&format!(
        "tandem: the prime workers found no prime in {MAX_EMPTY_WINDOWS} windows in a row; \
         searching in this worker"
    ));
    fallback(earlier, progress)
}

/// `console.warn` in the browser; nothing elsewhere (the native tests).
fn warn(message: &str) {
    #[cfg(target_arch = "wasm32")]
    console_warn(message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = message;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use tandem_testkit::fixtures::prime_window;

    use super::*;

    /// The prime workers as threads, following the same protocol: worker `i` of `shares`
    /// searches its share, stops above the lowest ordinal found, and lowers it on a find.
    /// The first `empty` windows are answered "no prime, `EMPTY_TESTED` tested" instead.
    struct Threads {
        shares: u32,
        empty: u32,
        windows: u32,
    }

    const EMPTY_TESTED: u64 = 1_000;

    impl Pool for Threads {
        fn window(&mut self, start: &WindowStart, progress: &mut dyn FnMut(u64)) -> WindowAnswer {
            self.windows += 1;
            if self.windows <= self.empty {
                progress(EMPTY_TESTED);
                return Ok((EMPTY_TESTED, None));
            }
            let shares = self.shares;
            let best = AtomicU32::new(u32::MAX);
            let tested = AtomicU64::new(0);
            let finds: Vec<Option<primes::WindowPrime>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..shares)
                    .map(|share| {
                        let (best, tested) = (&best, &tested);
                        s.spawn(move || {
                            let found = search_window(start, share, shares, &mut |o| {
                                if o > best.load(Ordering::SeqCst) {
                                    return ControlFlow::Break(());
                                }
                                tested.fetch_add(1, Ordering::SeqCst);
                                ControlFlow::Continue(())
                            })
                            .unwrap();
                            if let Some(f) = &found {
                                best.fetch_min(f.ordinal(), Ordering::SeqCst);
                            }
                            found
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let tested = tested.load(Ordering::SeqCst);
            progress(tested);
            let lowest = best.load(Ordering::SeqCst);
            let prime = finds
                .into_iter()
                .flatten()
                .find(|f| f.ordinal() == lowest)
                .map(|f| Zeroizing::new(*f.prime()));
            Ok((tested, prime))
        }
    }

    /// A pool that answers at once with a number of its choosing for the start it is given.
    struct Lying(fn(&WindowStart) -> U1536);

    impl Pool for Lying {
        fn window(&mut self, start: &WindowStart, _: &mut dyn FnMut(u64)) -> WindowAnswer {
            Ok((1, Some(Zeroizing::new((self.0)(start)))))
        }
    }

    /// A pool that failed.
    struct Failing;

    impl Pool for Failing {
        fn window(&mut self, _: &WindowStart, _: &mut dyn FnMut(u64)) -> WindowAnswer {
            Err("a prime worker failed".into())
        }
    }

    fn fixture_prime() -> U1536 {
        tandem_testkit::primes::safe_primes()[0]
    }

    /// Runs the coordinator's loop; `(result, the candidates counts reported, the fallback's
    /// call: the count it was given)`.
    fn run(
        pool: &mut dyn Pool,
        seed: u64,
    ) -> (Result<Zeroizing<U1536>, WalletError>, Vec<u64>, Option<u64>) {
        let mut reported = Vec::new();
        let mut fell_back = None;
        let result = prime_from(
            pool,
            &mut ChaCha20Rng::seed_from_u64(seed),
            Party::Client,
            1,
            &mut |event| match event {
                Progress::Prime {
                    party: Party::Client,
                    prime: 1,
                    candidates,
                } => reported.push(candidates),
                other => panic!("unexpected progress {other:?}"),
            },
            &mut |earlier, _| {
                fell_back = Some(earlier);
                Ok(Zeroizing::new(fixture_prime()))
            },
        );
        (result, reported, fell_back)
    }

    #[test]
    fn the_pool_gives_the_native_searchs_prime() {
        // The frozen window's seed: its first window holds a prime at ordinal 164.
        let vector = prime_window::read().unwrap();
        let native =
            primes::generate_safe_prime(&mut ChaCha20Rng::seed_from_u64(vector.seed), &mut |_| {
                ControlFlow::Continue(())
            })
            .unwrap();
        for shares in 1..=3 {
            let mut pool = Threads {
                shares,
                empty: 0,
                windows: 0,
            };
            let (prime, reported, fell_back) = run(&mut pool, vector.seed);
            assert_eq!(*prime.unwrap(), native, "{shares} shares");
            assert_eq!(fell_back, None);
            assert_eq!(pool.windows, 1);
            assert!(reported.last().copied().unwrap() > u64::from(vector.ordinal));
        }
    }

    #[test]
    fn an_empty_window_draws_the_next_start_and_counts_on() {
        // ChaCha20 seed 7: its second window's first safe prime is at ordinal 13.
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let _first = WindowStart::draw(&mut rng);
        let second = WindowStart::draw(&mut rng);
        let expected = search_window(&second, 0, 1, &mut |_| ControlFlow::Continue(()))
            .unwrap()
            .unwrap();
        let mut pool = Threads {
            shares: 2,
            empty: 1,
            windows: 0,
        };
        let (prime, reported, fell_back) = run(&mut pool, 7);
        assert_eq!(*prime.unwrap(), *expected.prime());
        assert_eq!((pool.windows, fell_back), (2, None));
        // The second window's counts go on from the first's.
        assert_eq!(reported[0], EMPTY_TESTED);
        assert!(reported[1] > EMPTY_TESTED, "{reported:?}");
    }

    #[test]
    fn a_pool_that_finds_nothing_or_fails_is_left_for_the_search_alone() {
        let mut pool = Threads {
            shares: 1,
            empty: u32::MAX,
            windows: 0,
        };
        let (prime, _, fell_back) = run(&mut pool, 1);
        assert_eq!(*prime.unwrap(), fixture_prime());
        assert_eq!(pool.windows, MAX_EMPTY_WINDOWS);
        assert_eq!(fell_back, Some(u64::from(MAX_EMPTY_WINDOWS) * EMPTY_TESTED));

        let (prime, reported, fell_back) = run(&mut Failing, 1);
        assert_eq!(*prime.unwrap(), fixture_prime());
        assert_eq!((reported.len(), fell_back), (0, Some(0)));
    }

    #[test]
    fn a_lying_pool_is_refused() {
        // A genuine safe prime, but not of the window given; the window's start itself (a
        // candidate of the window, composite); a safe prime's neighbour.
        let lies: [fn(&WindowStart) -> U1536; 3] = [
            |_| fixture_prime(),
            |start| U1536::from_be_slice(start.to_be_bytes().as_ref()),
            |start| {
                U1536::from_be_slice(start.to_be_bytes().as_ref()).wrapping_add(&U1536::from(2u8))
            },
        ];
        for (i, lie) in lies.into_iter().enumerate() {
            let (result, _, fell_back) = run(&mut Lying(lie), 3);
            match result {
                Err(WalletError::Primes(m)) => assert!(m.contains("not a safe prime"), "{m}"),
                other => panic!("lie {i} not refused: {other:?}"),
            }
            assert_eq!(fell_back, None, "lie {i}");
        }
    }
}
