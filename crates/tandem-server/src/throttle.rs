//! Throttles against abuse:
//! - failed authentications per network address: once an address has had
//!   [`Limits::auth_failures_per_minute`] answers `401` in a minute, every request from it is
//!   refused (`429 too_many_requests`, `Retry-After`) until the minute ends, *before* its
//!   credentials are looked at, so a right guess is not told apart from a wrong one while
//!   the address is locked out;
//! - expensive sessions per client: generate, recover and refresh cost the server seconds of
//!   CPU (aux info, its proofs) and one Paillier key of its pool each; at most
//!   [`Limits::expensive_sessions_per_hour`] of them start per client and hour.
//!
//! Both are fixed windows counted in memory, per replica (with N replicas a caller gets up
//! to N times the count: the limits bound abuse, they are not accounting), in a bounded
//! cache (an entry evicted under pressure starts over). A window is started by the first
//! event counted in it. Keyed rate limiters such as `governor` consume a unit on every
//! check; the lockout needs a check that consumes nothing (every request of a locked-out
//! address) and a count of failures only, which is the dozen lines below.
//!
//! Behind a reverse proxy every request comes from the proxy's address: set the
//! authentication limit to 0 (off) there and throttle at the proxy.
//!
//! [`Limits::auth_failures_per_minute`]: crate::state::Limits::auth_failures_per_minute
//! [`Limits::expensive_sessions_per_hour`]: crate::state::Limits::expensive_sessions_per_hour

use std::convert::Infallible;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tandem_client::api::ErrorCode;

use crate::error::Failure;
use crate::state::App;

/// How many keys a throttle remembers.
const CAPACITY: usize = 100_000;

#[derive(Clone, Copy)]
struct Slot {
    start: Instant,
    count: u32,
}

/// Events counted per key in fixed windows of `length`; at most `max` per window.
pub(crate) struct Window<K> {
    slots: quick_cache::sync::Cache<K, Arc<Mutex<Slot>>>,
    max: u32,
    length: Duration,
}

impl<K: Eq + Hash + Clone> Window<K> {
    /// `None` when `max` is 0 (no limit).
    pub(crate) fn new(max: u32, length: Duration) -> Option<Self> {
        (max > 0).then(|| Self {
            slots: quick_cache::sync::Cache::new(CAPACITY),
            max,
            length,
        })
    }

    /// If `key` used up its window: the time until the window ends.
    pub(crate) fn exhausted(&self, key: &K) -> Option<Duration> {
        let slot = *self
            .slots
            .get(key)?
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let left = self.length.checked_sub(slot.start.elapsed())?;
        (slot.count >= self.max && !left.is_zero()).then_some(left)
    }

    /// Runs `f` on `key`'s slot (a new window if its last one ended), under its lock.
    fn with_slot<T>(&self, key: &K, f: impl FnOnce(&mut Slot, Duration) -> T) -> T {
        let now = Instant::now();
        let fresh = Slot {
            start: now,
            count: 0,
        };
        let cell = match self
            .slots
            .get_or_insert_with(key, || Ok::<_, Infallible>(Arc::new(Mutex::new(fresh))))
        {
            Ok(cell) => cell,
            Err(never) => match never {},
        };
        let mut slot = cell.lock().unwrap_or_else(PoisonError::into_inner);
        let elapsed = now.duration_since(slot.start);
        if elapsed >= self.length {
            *slot = fresh;
        }
        let left = self.length.saturating_sub(now.duration_since(slot.start));
        f(&mut slot, left)
    }

    /// Counts one event of `key`; true if this one used the window up.
    pub(crate) fn add(&self, key: &K) -> bool {
        self.with_slot(key, |slot, _| {
            slot.count = slot.count.saturating_add(1);
            slot.count == self.max
        })
    }

    /// Counts one event of `key` if its window has room (checked and counted under one
    /// lock, so concurrent requests cannot overrun it); otherwise the time until the window
    /// ends.
    pub(crate) fn try_add(&self, key: &K) -> Result<(), Duration> {
        self.with_slot(key, |slot, left| {
            if slot.count >= self.max {
                Err(left)
            } else {
                slot.count += 1;
                Ok(())
            }
        })
    }
}

/// The key of an address: IPv4 addresses whole, IPv6 by their /64 (one host usually holds
/// a whole /64), IPv4-mapped IPv6 as IPv4.
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// A `429 too_many_requests` with `Retry-After` (whole seconds, rounded up).
pub(crate) fn refused(left: Duration, message: &str) -> Failure {
    let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    Failure::new(ErrorCode::TooManyRequests, message).retry_after(seconds)
}

/// The middleware of the authentication throttle (a no-op without the peer's address:
/// the in-process router of the CLI's local mode).
pub(crate) async fn authentication(
    State(app): State<App>,
    request: Request,
    next: Next,
) -> Response {
    let (Some(window), Some(address)) = (
        app.auth_failures.as_deref(),
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| address_key(c.0.ip())),
    ) else {
        return next.run(request).await;
    };
    if let Some(left) = window.exhausted(&address) {
        return refused(left, "too many failed authentications from this address").into_response();
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::UNAUTHORIZED && window.add(&address) {
        tracing::warn!(%address, "authentication failures: address locked out for a minute");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_refuses_after_max_events_until_it_ends() {
        let w = Window::new(3, Duration::from_millis(200)).expect("a limit");
        assert!(w.exhausted(&"a").is_none());
        assert!(!w.add(&"a"));
        assert!(!w.add(&"a"));
        assert!(w.exhausted(&"a").is_none());
        assert!(w.add(&"a"), "the third event uses the window up");
        let left = w.exhausted(&"a").expect("refused");
        assert!(left <= Duration::from_millis(200));
        assert!(w.exhausted(&"b").is_none(), "another key is not affected");
        std::thread::sleep(Duration::from_millis(250));
        assert!(w.exhausted(&"a").is_none(), "a new window");
        assert!(!w.add(&"a"));
    }

    #[test]
    fn try_add_counts_only_while_there_is_room() {
        let w = Window::new(2, Duration::from_secs(60)).expect("a limit");
        assert!(w.try_add(&"a").is_ok());
        assert!(w.try_add(&"a").is_ok());
        let left = w.try_add(&"a").expect_err("the window is used up");
        assert!(left > Duration::from_secs(59) && left <= Duration::from_secs(60));
        assert!(w.exhausted(&"a").is_some());
        assert!(w.try_add(&"b").is_ok(), "another key is not affected");
    }

    #[test]
    fn zero_means_no_limit() {
        assert!(Window::<u8>::new(0, Duration::from_secs(1)).is_none());
    }

    #[test]
    fn addresses_are_keyed_by_host() {
        let v6 = |s: &str| address_key(s.parse().expect("an address"));
        assert_eq!(v6("2001:db8::1"), v6("2001:db8::ffff:1234"));
        assert_ne!(v6("2001:db8::1"), v6("2001:db8:0:1::1"));
        assert_eq!(v6("::ffff:192.0.2.7"), v6("192.0.2.7"));
        assert_ne!(v6("192.0.2.7"), v6("192.0.2.8"));
    }

    #[test]
    fn retry_after_rounds_up() {
        let f = refused(Duration::from_millis(1500), "x");
        assert_eq!(f.retry_after, Some(2));
        assert_eq!(f.code, ErrorCode::TooManyRequests);
    }
}
