//! `tandem server --web DIR`: the API and, beside it, a static folder (the browser SDK and its
//! demo page, `web/`), from one origin.
//!
//! Every answer carries the headers the browser SDK needs and a page holding keys wants:
//! cross-origin isolation (`Cross-Origin-Opener-Policy: same-origin`,
//! `Cross-Origin-Embedder-Policy: require-corp`; the SDK's worker blocks on shared memory,
//! which only an isolated page may have), `Cross-Origin-Resource-Policy: same-origin`, a
//! Content Security Policy that allows scripts and WebAssembly from this origin only, and
//! `X-Content-Type-Options: nosniff`. API paths (`/v1/…`) that match no route keep their JSON
//! `not_found` answer; any other path is a file of the folder (`index.html` for a folder).

use std::path::Path;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use axum::routing::any;
use tandem_client::api::ErrorCode;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::Failure;
use crate::routes::api_routes;
use crate::state::App;

const HEADERS: [(&str, &str); 5] = [
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-embedder-policy", "require-corp"),
    ("cross-origin-resource-policy", "same-origin"),
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
];

/// The API of `app` and the files of `dir`.
pub fn router_with_web(app: App, dir: &Path) -> Router {
    let mut router = api_routes()
        .route(
            "/v1/{*rest}",
            any(|| async { Failure::new(ErrorCode::NotFound, "no such endpoint") }),
        )
        .fallback_service(ServeDir::new(dir).append_index_html_on_directories(true));
    for (name, value) in HEADERS {
        router = router.layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    crate::routes::finish(router, app)
}
