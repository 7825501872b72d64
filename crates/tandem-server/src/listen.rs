//! The accept loop: HTTP/1.1 connections served by hyper with the limits `axum::serve` does
//! not set:
//! - a request's headers must arrive within [`Limits::header_timeout`] (hyper's
//!   `header_read_timeout`, which needs a timer that `axum::serve` does not give it): a
//!   client that opens connections and trickles their headers is cut off;
//! - at most [`Limits::max_connections`] connections at once: the next ones wait in the
//!   kernel's backlog, so a flood of idle connections cannot exhaust the file descriptors;
//! - the peer's address in each request ([`ConnectInfo`], for the authentication throttle),
//!   `TCP_NODELAY` on each connection (an answer's last small segment must not wait for the
//!   client's delayed acknowledgement);
//! - graceful shutdown: when `shutdown` resolves, no new connection is accepted and the open
//!   ones finish their requests (at most [`DRAIN`]).
//!
//! [`Limits::header_timeout`]: crate::state::Limits::header_timeout
//! [`Limits::max_connections`]: crate::state::Limits::max_connections

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::state::Limits;

/// How long open connections may take to finish after shutdown began.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `routes` on `listener` until `shutdown` resolves.
pub(crate) async fn serve(
    listener: TcpListener,
    routes: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => tokio::select! {
                    () = &mut shutdown => break,
                    accepted = listener.accept() => accepted.map(|a| (a, slot)),
                },
                Err(_) => break,
            },
        };
        let ((tcp, peer), slot) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, then accept again.
                tracing::warn!(error = %e, "accept");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
        let routes = routes.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            routes.clone().oneshot(request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("connections still open after {DRAIN:?}: closed");
        }
    }
}
