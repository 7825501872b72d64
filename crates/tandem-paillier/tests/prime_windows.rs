//! The shared window search (`primes::search_window`, the browser's prime workers): every
//! number of shares finds the prime of the one-thread search from the same random stream,
//! workers running at once with a shared lowest ordinal as the SDK's pool runs them; the
//! frozen window of `test-vectors/primes/window-1536.json` (also read in the browser) gives
//! its prime; starts and shares are validated; nothing secret is printed.

#![allow(clippy::disallowed_methods)] // test code: timing is not a secret here
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::ops::ControlFlow;
use core::sync::atomic::{AtomicU32, Ordering};

use crypto_bigint::{U512, U1536, Uint};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_paillier::primes::{
    self, START_BYTES, WindowError, WindowStart, draw_window_start_of_size,
    generate_safe_prime_of_size, search_window, search_window_of_size,
};
use tandem_testkit::fixtures::prime_window;

/// `shares` workers on their own threads, as the SDK's Web Workers run: each asks the
/// shared lowest ordinal found before each test, and lowers it when it finds a prime. The
/// window's first safe prime (lowest ordinal), if any.
fn pool<const L: usize>(start: Uint<L>, bits: u32, shares: u32) -> Option<(u32, Uint<L>)> {
    let best = AtomicU32::new(u32::MAX);
    let found: Vec<Option<(u32, Uint<L>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..shares)
            .map(|share| {
                let best = &best;
                s.spawn(move || {
                    let mut stop = |ordinal| {
                        if ordinal > best.load(Ordering::SeqCst) {
                            ControlFlow::Break(())
                        } else {
                            ControlFlow::Continue(())
                        }
                    };
                    let found = search_window_of_size(start, bits, share, shares, &mut stop)
                        .unwrap()
                        .map(|(o, p)| (o, *p));
                    if let Some((o, _)) = found {
                        best.fetch_min(o, Ordering::SeqCst);
                    }
                    found
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let lowest = best.load(Ordering::SeqCst);
    let winner = found.into_iter().flatten().find(|(o, _)| *o == lowest);
    assert_eq!(winner.is_some(), lowest != u32::MAX);
    winner
}

/// The workers one after another in `order`, sharing the lowest ordinal found: the
/// schedules a thread pool rarely produces (a later share finishing first makes the earlier
/// ones stop early).
fn sequential<const L: usize>(
    start: Uint<L>,
    bits: u32,
    shares: u32,
    order: &[u32],
) -> Option<(u32, Uint<L>)> {
    let mut best: Option<(u32, Uint<L>)> = None;
    for &share in order {
        let lowest = best.map_or(u32::MAX, |(o, _)| o);
        let mut stop = |ordinal| {
            if ordinal > lowest {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let found = search_window_of_size(start, bits, share, shares, &mut stop).unwrap();
        if let Some((o, p)) = found {
            assert!(
                o < lowest,
                "a find above the lowest ordinal: the stop rule failed"
            );
            best = Some((o, *p));
        }
    }
    best
}

/// The search of the SDK's coordinator: a fresh start per window until a window holds a
/// prime.
fn pooled_search<const L: usize>(rng: &mut ChaCha20Rng, bits: u32, shares: u32) -> Uint<L> {
    loop {
        let start = draw_window_start_of_size::<L, _>(rng, bits).unwrap();
        if let Some((_, prime)) = pool(start, bits, shares) {
            return prime;
        }
    }
}

#[test]
fn every_number_of_shares_finds_the_one_thread_prime() {
    for seed in 0..6u64 {
        let expected: U512 =
            generate_safe_prime_of_size(&mut ChaCha20Rng::seed_from_u64(seed), 512, &mut |_| {
                ControlFlow::Continue(())
            })
            .unwrap();
        for shares in 1..=4 {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let prime: U512 = pooled_search(&mut rng, 512, shares);
            assert_eq!(prime, expected, "seed {seed}, {shares} shares");
            if seed >= 3 {
                continue;
            }
            // The first window holds the prime at 512 bits: every schedule finds it there.
            let start =
                draw_window_start_of_size::<8, _>(&mut ChaCha20Rng::seed_from_u64(seed), 512)
                    .unwrap();
            let forward: Vec<u32> = (0..shares).collect();
            let backward: Vec<u32> = (0..shares).rev().collect();
            for order in [forward, backward] {
                let (_, p) = sequential(start, 512, shares, &order).unwrap();
                assert_eq!(p, expected, "seed {seed}, order {order:?}");
            }
        }
    }
}

#[test]
fn the_frozen_window_gives_its_prime_natively() {
    let vector = prime_window::read().unwrap();
    let drawn = WindowStart::draw(&mut ChaCha20Rng::seed_from_u64(vector.seed));
    assert_eq!(
        drawn.to_be_bytes().as_ref(),
        vector.start.as_slice(),
        "the draw"
    );
    let prime = U1536::from_be_slice(&vector.prime);
    assert!(primes::is_valid_safe_prime(&prime));
    // The one-thread search from the seed (its first window) finds the same prime.
    let searched =
        primes::generate_safe_prime(&mut ChaCha20Rng::seed_from_u64(vector.seed), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(searched, prime);
    let start = WindowStart::from_be_bytes(&vector.start).unwrap();
    assert!(start.contains(&prime));
    for shares in 1..=3 {
        let (ordinal, found) = pool(U1536::from_be_slice(&vector.start), 1536, shares).unwrap();
        assert_eq!((ordinal, found), (vector.ordinal, prime), "{shares} shares");
    }
    // The public entry point, as one worker of three: the share that holds the ordinal
    // finds it; the others, never stopped, find a later prime or none.
    let share = vector.ordinal % 3;
    let found = search_window(&start, share, 3, &mut |_| ControlFlow::Continue(()))
        .unwrap()
        .unwrap();
    assert_eq!(found.ordinal(), vector.ordinal);
    assert_eq!(found.prime(), &prime);
    assert_eq!(found.to_be_bytes().as_ref(), vector.prime.as_slice());
}

#[test]
fn window_starts_are_validated() {
    let vector = prime_window::read().unwrap();
    for length in [0, START_BYTES - 1, START_BYTES + 1] {
        let bytes = vec![0xffu8; length];
        assert_eq!(
            WindowStart::from_be_bytes(&bytes).unwrap_err(),
            WindowError::StartLength { got: length }
        );
    }
    // Each of the four bits the form fixes, cleared: top, second, bit 1, bit 0.
    for (byte, mask) in [
        (0, 0x80u8),
        (0, 0x40),
        (START_BYTES - 1, 0x02),
        (START_BYTES - 1, 0x01),
    ] {
        let mut bytes = vector.start.clone();
        bytes[byte] &= !mask;
        assert_eq!(
            WindowStart::from_be_bytes(&bytes).unwrap_err(),
            WindowError::StartForm,
            "byte {byte} mask {mask:#x}"
        );
    }
    let start = WindowStart::from_be_bytes(&vector.start).unwrap();
    assert_eq!(start.to_be_bytes().as_ref(), vector.start.as_slice());
    // Window membership: start + 4k for k below 2^20 only.
    let s = U1536::from_be_slice(&vector.start);
    let plus = |x: u64| s.wrapping_add(&U1536::from(x));
    assert!(start.contains(&s));
    assert!(start.contains(&plus(4)));
    assert!(start.contains(&plus(4 * ((1 << 20) - 1))));
    assert!(!start.contains(&plus(4 << 20)), "one past the window");
    assert!(
        !start.contains(&plus(1)) && !start.contains(&plus(2)),
        "not start + 4k"
    );
    assert!(
        !start.contains(&s.wrapping_sub(&U1536::from(4u64))),
        "below the start"
    );
}

#[test]
fn shares_are_validated_and_walked_in_order() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let start: U512 = draw_window_start_of_size(&mut rng, 512).unwrap();
    for bits in [63, 513] {
        assert_eq!(
            draw_window_start_of_size::<8, _>(&mut rng, bits).unwrap_err(),
            WindowError::Sieve
        );
    }
    for (share, shares) in [(0, 0), (3, 3), (7, 2)] {
        assert_eq!(
            search_window_of_size(
                start,
                512,
                share,
                shares,
                &mut |_| ControlFlow::Continue(())
            )
            .unwrap_err(),
            WindowError::Share { share, shares }
        );
    }
    assert_eq!(
        search_window_of_size(start, 63, 0, 1, &mut |_| ControlFlow::Continue(())).unwrap_err(),
        WindowError::Sieve
    );
    // Share 2 of 5 is asked ordinals 2, 7, 12, ... in order; a stop ends the search.
    let mut asked = Vec::new();
    let found = search_window_of_size(start, 512, 2, 5, &mut |ordinal| {
        asked.push(ordinal);
        if asked.len() == 6 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    let walked: Vec<u32> = (0..6).map(|i| 2 + 5 * i).collect();
    assert_eq!(asked, walked[..asked.len()]);
    if found.is_none() {
        assert_eq!(asked.len(), 6, "stopped at the sixth ordinal");
    }
}

#[test]
fn window_starts_and_finds_are_not_printed() {
    let vector = prime_window::read().unwrap();
    let start = WindowStart::from_be_bytes(&vector.start).unwrap();
    let found = search_window(&start, 0, 1, &mut |_| ControlFlow::Continue(()))
        .unwrap()
        .unwrap();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    for text in [
        format!("{start:?}"),
        format!("{start:#?}"),
        format!("{found:?}"),
        format!("{found:#?}"),
    ] {
        assert!(text.contains("<redacted>"), "{text}");
        for secret in [&vector.start, &vector.prime] {
            assert!(!text.contains(&hex(&secret[..8])), "{text}");
            assert!(
                !text
                    .to_uppercase()
                    .contains(&hex(&secret[..8]).to_uppercase())
            );
        }
    }
    assert!(format!("{found:?}").contains(&vector.ordinal.to_string()));
}
