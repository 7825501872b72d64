//! Independent work on several threads: the candidates of the safe-prime search, the
//! repetitions of Πmod and Πprm, the exponentiations of Πfac, and the independent proofs and
//! checks of presigning (in `tandem-protocol`).
//!
//! With the `parallel` feature (on by default; ignored on wasm32, which has no threads in our
//! builds) the work is spread over a rayon thread pool; without it every helper here is the
//! plain sequential loop. Either way the results are the same: the helpers return their
//! results in input order, draw no randomness, and every caller draws its randomness before
//! the parallel part, in the same order as the sequential code, so a seeded run gives the
//! same bytes with any number of threads. Nothing about the messages changes.
//!
//! # Choosing the thread count
//!
//! A party's thread count is its own setting:
//!
//! - By default the work runs on rayon's global pool: one thread per core (or
//!   `RAYON_NUM_THREADS`). A process can size it once, before any work, with
//!   [`init_global`] (the server's `--threads`: one pool shared by every session, so many
//!   sessions at once never start more threads than that).
//! - A [`ThreadPool`] of its own, [`entered`](ThreadPool::enter) on the calling thread,
//!   routes the calls made on that thread to it: the client uses one sized to the device's
//!   cores, benchmarks and tests one of 1 or 2 threads. `ThreadPool::new(1)` runs everything
//!   on the calling thread, with no pool at all.
//!
//! Timing: the helpers change when work happens, not what is computed; each piece of work
//! keeps the constant-time properties documented where it is written.

use core::cell::RefCell;
#[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
use std::sync::Arc;

use thiserror::Error;

/// Whether this build can run work on several threads (the `parallel` feature, not wasm32).
pub const ENABLED: bool = cfg!(all(feature = "parallel", not(target_arch = "wasm32")));

/// A thread pool could not be made.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ThreadPoolError {
    /// A thread count of zero.
    #[error("a thread pool needs at least one thread")]
    NoThreads,
    /// The platform refused to start the threads, or the global pool was already set up.
    #[error("cannot start the thread pool: {0}")]
    Spawn(String),
}

/// Where the helpers of this module run their work when called on a thread.
#[derive(Clone)]
enum Mode {
    /// On the calling thread, one piece after another.
    Sequential,
    /// On a pool of our own.
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    Pool(Arc<rayon::ThreadPool>),
}

thread_local! {
    /// The pool entered on this thread (`None`: rayon's current pool, the global one unless
    /// this is a worker of another pool).
    static ENTERED: RefCell<Option<Mode>> = const { RefCell::new(None) };
}

/// A party's own thread pool (see the [module documentation](self)).
#[derive(Clone)]
pub struct ThreadPool {
    mode: Mode,
    threads: usize,
}

impl core::fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ThreadPool")
            .field("threads", &self.threads)
            .finish()
    }
}

impl ThreadPool {
    /// A pool of `threads` threads; with one thread (or without the `parallel` feature, or on
    /// wasm32) no thread is started and the work runs on the caller's thread.
    ///
    /// # Errors
    /// [`ThreadPoolError::NoThreads`] for zero; [`ThreadPoolError::Spawn`] if the platform
    /// cannot start the threads.
    pub fn new(threads: usize) -> Result<Self, ThreadPoolError> {
        if threads == 0 {
            return Err(ThreadPoolError::NoThreads);
        }
        #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
        if threads > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("tandem-worker-{i}"))
                .build()
                .map_err(|e| ThreadPoolError::Spawn(e.to_string()))?;
            return Ok(Self {
                mode: Mode::Pool(Arc::new(pool)),
                threads,
            });
        }
        Ok(Self {
            mode: Mode::Sequential,
            threads: 1,
        })
    }

    /// A pool with one thread per core of this machine (one where that cannot be known).
    ///
    /// # Errors
    /// As [`ThreadPool::new`].
    pub fn per_core() -> Result<Self, ThreadPoolError> {
        Self::new(available_cores())
    }

    /// The threads this pool runs work on (1 when the work stays on the caller's thread).
    #[must_use]
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Routes this module's work, for calls made on the current thread, to this pool until
    /// the guard is dropped (guards nest; dropping one restores what was entered before).
    #[must_use = "the pool is used only while the guard lives"]
    pub fn enter(&self) -> Entered {
        let previous = ENTERED.with(|e| e.replace(Some(self.mode.clone())));
        Entered {
            previous,
            _not_send: core::marker::PhantomData,
        }
    }
}

/// The guard of [`ThreadPool::enter`]; it belongs to the thread that entered the pool.
pub struct Entered {
    previous: Option<Mode>,
    _not_send: core::marker::PhantomData<*const ()>,
}

impl core::fmt::Debug for Entered {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Entered")
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        ENTERED.with(|e| *e.borrow_mut() = previous);
    }
}

/// The pool entered on the current thread, if any: a thread that starts others hands it to
/// them (the wallet's thread-per-party executor does), since an entered pool belongs to one
/// thread.
#[must_use]
pub fn entered() -> Option<ThreadPool> {
    ENTERED.with(|e| e.borrow().clone()).map(|mode| {
        let threads = match &mode {
            Mode::Sequential => 1,
            #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
            Mode::Pool(pool) => pool.current_num_threads(),
        };
        ThreadPool { mode, threads }
    })
}

/// The cores of this machine as the standard library sees them (1 where that is unknown).
#[must_use]
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, core::num::NonZeroUsize::get)
}

/// Sizes rayon's global pool, used by every thread that has not entered a pool of its own:
/// call once, before any work (the server does it at start-up).
///
/// # Errors
/// [`ThreadPoolError::NoThreads`] for zero; [`ThreadPoolError::Spawn`] if the global pool
/// already exists or cannot start. Without the `parallel` feature, only the first.
pub fn init_global(threads: usize) -> Result<(), ThreadPoolError> {
    if threads == 0 {
        return Err(ThreadPoolError::NoThreads);
    }
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("tandem-worker-{i}"))
        .build_global()
        .map_err(|e| ThreadPoolError::Spawn(e.to_string()))?;
    Ok(())
}

/// The number of threads work started on the current thread runs on.
#[must_use]
pub fn current_threads() -> usize {
    match ENTERED.with(|e| e.borrow().clone()) {
        Some(Mode::Sequential) => 1,
        #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
        Some(Mode::Pool(pool)) => pool.current_num_threads(),
        #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
        None => rayon::current_num_threads(),
        #[cfg(not(all(feature = "parallel", not(target_arch = "wasm32"))))]
        None => 1,
    }
}

#[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
mod imp {
    use rayon::prelude::*;

    use super::{ENTERED, Mode};

    fn entered() -> Option<Mode> {
        ENTERED.with(|e| e.borrow().clone())
    }

    pub(super) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        match entered() {
            Some(Mode::Sequential) => (a(), b()),
            Some(Mode::Pool(pool)) => pool.install(|| rayon::join(a, b)),
            None => rayon::join(a, b),
        }
    }

    pub(super) fn map<T, U, F>(items: &[T], f: F) -> Vec<U>
    where
        T: Sync,
        U: Send,
        F: Fn(&T) -> U + Sync + Send,
    {
        match entered() {
            Some(Mode::Sequential) => items.iter().map(f).collect(),
            Some(Mode::Pool(pool)) => pool.install(|| items.par_iter().map(f).collect()),
            None => items.par_iter().map(f).collect(),
        }
    }

    pub(super) fn position_first<T, F>(items: &[T], predicate: F) -> Option<usize>
    where
        T: Sync,
        F: Fn(&T) -> bool + Sync + Send,
    {
        match entered() {
            Some(Mode::Sequential) => items.iter().position(predicate),
            Some(Mode::Pool(pool)) => pool.install(|| items.par_iter().position_first(predicate)),
            None => items.par_iter().position_first(predicate),
        }
    }
}

#[cfg(not(all(feature = "parallel", not(target_arch = "wasm32"))))]
mod imp {
    pub(super) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        (a(), b())
    }

    pub(super) fn map<T, U, F>(items: &[T], f: F) -> Vec<U>
    where
        T: Sync,
        U: Send,
        F: Fn(&T) -> U + Sync + Send,
    {
        items.iter().map(f).collect()
    }

    pub(super) fn position_first<T, F>(items: &[T], predicate: F) -> Option<usize>
    where
        T: Sync,
        F: Fn(&T) -> bool + Sync + Send,
    {
        items.iter().position(predicate)
    }
}

/// Runs `a` and `b`, possibly at once, and returns both results.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    imp::join(a, b)
}

/// `f` applied to every item, possibly at once; the results in the items' order.
pub fn map<T, U, F>(items: &[T], f: F) -> Vec<U>
where
    T: Sync,
    U: Send,
    F: Fn(&T) -> U + Sync + Send,
{
    imp::map(items, f)
}

/// `f(i)` for `i` in `0..n`, possibly at once; the results in order.
pub fn map_range<U, F>(n: usize, f: F) -> Vec<U>
where
    U: Send,
    F: Fn(usize) -> U + Sync + Send,
{
    let indices: Vec<usize> = (0..n).collect();
    imp::map(&indices, |&i| f(i))
}

/// The first item `f` maps to an error, in the items' order (the error of the lowest index,
/// whatever the thread count), or `Ok` when every item passes. Every item may be checked.
///
/// # Errors
/// The lowest-indexed item's error.
pub fn try_for_each<T, E, F>(items: &[T], f: F) -> Result<(), E>
where
    T: Sync,
    E: Send,
    F: Fn(&T) -> Result<(), E> + Sync + Send,
{
    imp::map(items, f).into_iter().collect()
}

/// The index of the first item (in the items' order, whatever the thread count) that
/// `predicate` accepts. Items after it may or may not be tested; items before it all are.
pub fn position_first<T, F>(items: &[T], predicate: F) -> Option<usize>
where
    T: Sync,
    F: Fn(&T) -> bool + Sync + Send,
{
    imp::position_first(items, predicate)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::{ThreadPool, ThreadPoolError, current_threads, map_range, position_first};

    #[test]
    fn results_are_in_order_with_any_pool() {
        for threads in [1, 2, 3] {
            let pool = ThreadPool::new(threads).unwrap();
            let _entered = pool.enter();
            assert_eq!(current_threads(), if super::ENABLED { threads } else { 1 });
            let squares = map_range(1000, |i| i * i);
            assert!(squares.iter().enumerate().all(|(i, &s)| s == i * i));
            let items: Vec<usize> = (0..500).collect();
            // The first multiple of 7 above 100, though later ones are found too.
            assert_eq!(
                position_first(&items, |&i| i > 100 && i % 7 == 0),
                Some(105)
            );
            assert_eq!(position_first(&items, |&i| i > 1000), None);
            let errors =
                super::try_for_each(&items, |&i| if i % 50 == 49 { Err(i) } else { Ok(()) });
            assert_eq!(errors, Err(49));
        }
        assert_eq!(ThreadPool::new(0).unwrap_err(), ThreadPoolError::NoThreads);
    }

    #[test]
    fn a_one_thread_pool_stays_on_the_calling_thread() {
        let pool = ThreadPool::new(1).unwrap();
        let _entered = pool.enter();
        let me = std::thread::current().id();
        let others = AtomicUsize::new(0);
        map_range(64, |_| {
            if std::thread::current().id() != me {
                others.fetch_add(1, Ordering::Relaxed);
            }
        });
        assert_eq!(others.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_pool_of_two_runs_two_things_at_once() {
        if !super::ENABLED {
            eprintln!("skipped: this build has no threads (the `parallel` feature is off)");
            return;
        }
        // Each side waits for the other: this finishes only if both run at the same time.
        let pool = ThreadPool::new(2).unwrap();
        let _entered = pool.enter();
        let (to_b, from_a) = std::sync::mpsc::channel::<()>();
        let (to_a, from_b) = std::sync::mpsc::channel::<()>();
        let wait = std::time::Duration::from_secs(20);
        let (a, b) = super::join(
            move || {
                to_b.send(()).unwrap();
                from_b.recv_timeout(wait).is_ok()
            },
            move || {
                to_a.send(()).unwrap();
                from_a.recv_timeout(wait).is_ok()
            },
        );
        assert!(a && b, "the two halves did not run at once");
    }

    #[test]
    fn an_entered_pool_can_be_handed_to_another_thread() {
        // What the wallet's thread-per-party executor does with the caller's pool.
        assert!(super::entered().is_none());
        let pool = ThreadPool::new(1).unwrap();
        let guard = pool.enter();
        let handed = super::entered().unwrap();
        assert_eq!(handed.threads(), 1);
        let seen = std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    // A new thread starts without the pool...
                    let before = super::entered().is_none();
                    let _entered = handed.enter();
                    // ...and runs on it once handed over: the one-thread pool stays on it.
                    let me = std::thread::current().id();
                    let stayed = map_range(32, |_| std::thread::current().id() == me);
                    (before, stayed.iter().all(|&s| s))
                })
                .join()
                .unwrap()
        });
        assert_eq!(seen, (true, true));
        drop(guard);
        assert!(super::entered().is_none());
    }

    #[test]
    fn guards_nest_and_restore() {
        let one = ThreadPool::new(1).unwrap();
        let two = ThreadPool::new(2).unwrap();
        let outer = one.enter();
        {
            let _inner = two.enter();
            assert_eq!(current_threads(), two.threads());
        }
        assert_eq!(current_threads(), 1);
        drop(outer);
    }
}
