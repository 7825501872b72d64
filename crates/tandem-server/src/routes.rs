//! The HTTP routes: every handler authenticates, validates, and answers an [`ApiError`]
//! body on failure (see `docs/server-api.md`).
//!
//! [`ApiError`]: tandem_client::api::ApiError

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use serde::de::DeserializeOwned;
use tandem_client::api::{
    self, ClientBackup, ClientStatus, Confirm, CreatedClient, CustodianShares, ErrorCode,
    SessionStarted, StartSession, StoreClientBackup,
};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{self, Caller};
use crate::db::now;
use crate::error::{Failure, Result};
use crate::session::{self, idempotency_key};
use crate::sign::{self, Idempotency};
use crate::state::App;
use crate::{backup, crash, throttle, wallet};

/// Where the server publishes [`OPENAPI`].
pub const OPENAPI_PATH: &str = "/openapi.json";

/// The OpenAPI 3.0 document of this API (`crates/tandem-server/api/openapi.json`): every
/// endpoint, body, answer and error status. Kept in step with the routes by
/// `tests/openapi.rs`, and with the server's behaviour by schemathesis
/// (`tandem-cli/tests/server_schemathesis.rs`).
pub const OPENAPI: &str = include_str!("../api/openapi.json");

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// The router of the whole API.
pub fn router(app: App) -> Router {
    finish(
        api_routes().fallback(|| async { Failure::new(ErrorCode::NotFound, "no such endpoint") }),
        app,
    )
}

/// Every API route, without a fallback or state.
pub(crate) fn api_routes() -> Router<App> {
    Router::new()
        .route(api::path::HEALTHZ, get(|| async { "ok" }))
        .route(OPENAPI_PATH, get(openapi))
        .route(api::path::CLIENTS, post(create_client))
        .route("/v1/clients/{client_id}", get(client_status))
        .route(api::path::SESSIONS, post(start_session))
        .route("/v1/sessions/{session_id}", delete(end_session))
        .route("/v1/sessions/{session_id}/messages", post(session_message))
        .route(api::path::CONFIRM, post(confirm))
        .route(api::path::SIGN_ED25519, post(sign_ed25519))
        .route(api::path::SIGN_SECP256K1, post(sign_secp256k1))
        .route(api::path::SIGN_BIP340, post(sign_bip340))
        .route(
            api::path::BACKUP,
            get(client_backup).post(store_client_backup),
        )
        .route(api::path::EJECT, post(eject))
        .method_not_allowed_fallback(|| async {
            Failure::new(
                ErrorCode::MethodNotAllowed,
                "this endpoint does not take this method",
            )
        })
}

/// The body limit and timeout, the authentication throttle, the request log and the state.
pub(crate) fn finish(routes: Router<App>, app: App) -> Router {
    routes
        .layer(DefaultBodyLimit::max(api::MAX_BODY))
        .layer(RequestBodyTimeoutLayer::new(app.limits.body_timeout))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            throttle::authentication,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// The body, or a JSON refusal (413 beyond the limit).
fn body(body: core::result::Result<Bytes, BytesRejection>) -> Result<Bytes> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::new(
                ErrorCode::BodyTooLarge,
                format!("bodies are limited to {} bytes", api::MAX_BODY),
            )
        } else {
            Failure::new(ErrorCode::BadRequest, r.body_text())
        }
    })
}

/// A path parameter, or a JSON refusal (a parameter that is not UTF-8 once decoded).
fn param(path: core::result::Result<Path<String>, PathRejection>) -> Result<String> {
    path.map(|Path(p)| p)
        .map_err(|r| Failure::new(ErrorCode::BadRequest, r.body_text()))
}

fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Failure::new(ErrorCode::BadRequest, format!("JSON body: {e}")))
}

async fn create_client(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<CreatedClient>)> {
    auth::admin(&app, &headers).await?;
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(Failure::internal)?;
    let client_id = wallet::hex(&id);
    let api_key = auth::new_api_key(&client_id)?;
    crash::write(
        "clients.insert",
        sqlx::query(
            "INSERT INTO clients (client_id, api_key_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(client_id.clone())
        .bind(auth::hash(&api_key).to_vec())
        .bind(now())
        .execute(&app.db),
    )
    .await?;
    tracing::info!(%client_id, "client created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedClient { client_id, api_key }),
    ))
}

async fn client_status(
    State(app): State<App>,
    client_id: core::result::Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<ClientStatus>> {
    let caller = auth::caller(&app, &headers).await?;
    let client_id = param(client_id)?;
    match caller {
        Caller::Admin => {
            let known = sqlx::query("SELECT client_id FROM clients WHERE client_id = $1")
                .bind(client_id.clone())
                .fetch_optional(&app.db)
                .await?
                .is_some();
            if !known {
                return Err(Failure::new(ErrorCode::NotFound, "no such client"));
            }
        }
        Caller::Client(own) if own == client_id => {}
        Caller::Client(_) => {
            return Err(Failure::new(
                ErrorCode::Forbidden,
                "a client key reaches only its own client",
            ));
        }
    }
    Ok(Json(wallet::status(&app, &client_id).await?))
}

async fn start_session(
    State(app): State<App>,
    headers: HeaderMap,
    raw: core::result::Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SessionStarted>)> {
    let client_id = auth::client(&app, &headers).await?;
    let request: StartSession = json(&body(raw)?)?;
    let started =
        session::start(&app, &client_id, request.operation, request.backup_method).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

async fn end_session(
    State(app): State<App>,
    session_id: core::result::Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<StatusCode> {
    let client_id = auth::client(&app, &headers).await?;
    let session_id = param(session_id)?;
    session::end(&app, &client_id, &session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn binary(reply: Vec<u8>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
        reply,
    )
}

async fn session_message(
    State(app): State<App>,
    session_id: core::result::Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    raw: core::result::Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse> {
    let client_id = auth::client(&app, &headers).await?;
    let session_id = param(session_id)?;
    let step = session::step_header(&headers)?;
    let msg = body(raw)?.to_vec();
    let endpoint = format!("session {session_id} {step}");
    let idempotency = idempotency_key(&headers)?.map(|k| Idempotency::new(k, &endpoint, &msg));
    let reply = session::message(&app, &client_id, &session_id, step, idempotency, msg).await?;
    Ok(binary(reply))
}

async fn confirm(
    State(app): State<App>,
    headers: HeaderMap,
    raw: core::result::Result<Bytes, BytesRejection>,
) -> Result<Json<ClientStatus>> {
    let client_id = auth::client(&app, &headers).await?;
    let request: Confirm = json(&body(raw)?)?;
    wallet::confirm(
        &app,
        &client_id,
        &request.secp256k1_sharing_id,
        &request.ed25519_sharing_id,
    )
    .await?;
    Ok(Json(wallet::status(&app, &client_id).await?))
}

async fn sign_ed25519(
    State(app): State<App>,
    headers: HeaderMap,
    raw: core::result::Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse> {
    let (client_id, idempotency, msg) =
        signing_request(&app, &headers, raw, api::path::SIGN_ED25519).await?;
    Ok(binary(
        sign::ed25519(&app, &client_id, idempotency, msg).await?,
    ))
}

async fn sign_secp256k1(
    State(app): State<App>,
    headers: HeaderMap,
    raw: core::result::Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse> {
    let (client_id, idempotency, msg) =
        signing_request(&app, &headers, raw, api::path::SIGN_SECP256K1).await?;
    Ok(binary(
        sign::secp256k1(&app, &client_id, idempotency, msg).await?,
    ))
}

async fn sign_bip340(
    State(app): State<App>,
    headers: HeaderMap,
    raw: core::result::Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse> {
    let (client_id, idempotency, msg) =
        signing_request(&app, &headers, raw, api::path::SIGN_BIP340).await?;
    Ok(binary(
        sign::bip340(&app, &client_id, idempotency, msg).await?,
    ))
}

/// A signing request to `endpoint`: the authenticated client, its idempotency key (bound to
/// the endpoint and the body) and the body.
async fn signing_request(
    app: &App,
    headers: &HeaderMap,
    raw: core::result::Result<Bytes, BytesRejection>,
    endpoint: &'static str,
) -> Result<(String, Option<Idempotency>, Vec<u8>)> {
    let client_id = auth::client(app, headers).await?;
    let msg = body(raw)?.to_vec();
    let idempotency = idempotency_key(headers)?.map(|k| Idempotency::new(k, endpoint, &msg));
    Ok((client_id, idempotency, msg))
}

async fn client_backup(State(app): State<App>, headers: HeaderMap) -> Result<Json<ClientBackup>> {
    let client_id = auth::client(&app, &headers).await?;
    Ok(Json(backup::client_backup(&app, &client_id).await?))
}

async fn store_client_backup(
    State(app): State<App>,
    headers: HeaderMap,
    raw: core::result::Result<Bytes, BytesRejection>,
) -> Result<Json<ClientStatus>> {
    let client_id = auth::client(&app, &headers).await?;
    let request: StoreClientBackup = json(&body(raw)?)?;
    backup::store_client_backup(&app, &client_id, &request).await?;
    Ok(Json(wallet::status(&app, &client_id).await?))
}

async fn eject(State(app): State<App>, headers: HeaderMap) -> Result<Json<CustodianShares>> {
    let client_id = auth::client(&app, &headers).await?;
    Ok(Json(backup::eject(&app, &client_id).await?))
}
