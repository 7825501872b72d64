//! The local mode (no `--server`): both halves on this machine, through the same code as
//! over the network. The device's half is `tandem-client`, exactly as with `--server`; its
//! requests go to the `tandem server` router running in this process ([`InProcess`]: the
//! request is handed to the router, no socket), whose database is an SQLite file in the
//! store folder. Nothing here orchestrates a protocol: it only starts the server's code and
//! carries requests to it.
//!
//! The store folder:
//!
//! | path | what | whose |
//! |---|---|---|
//! | `device/` | the client signing shares, pending shares, presignatures, `.lock` | the device (`tandem_client::FsDevice`) |
//! | `provider/tandem.sqlite` | the server's database: its shares, backups, presignature halves, sessions, all sealed | the provider |
//! | `provider/master.key` | the server's master key for encryption at rest (0600) | the provider |
//! | `provider/admin.key` | the provider's admin token (0600) | the provider |
//! | `api-key` | this wallet's client API key (0600), made by `generate` | the user's account |
//!
//! Losing the device is losing `device/`; `recover` then makes a new one from the backup.
//! Stores made before this layout (`client/`, `server/`, `custodian/`, `kms/`) are opened by
//! `legacy` (see there).

use std::convert::Infallible;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use axum::Router;
use axum::http;
use tandem_client::api;
use tandem_client::{Body, Client, ClientError, FsDevice, Method, Request, Response, Transport};
use tandem_server::{App, Config, Custodian, Limits};
use tandem_wallet::progress::Progress;
use tandem_wallet::{PaillierKeys, PaillierSecretKey as SecretKey, Party, WalletError, Zeroizing};
use tokio::runtime::Runtime;
use tower::ServiceExt;

use crate::Primes;

/// The store folder's entries.
pub(crate) mod layout {
    /// The device's folder.
    pub(crate) const DEVICE: &str = "device";
    /// The provider's folder.
    pub(crate) const PROVIDER: &str = "provider";
    /// The server's SQLite database, in [`PROVIDER`].
    pub(crate) const DATABASE: &str = "tandem.sqlite";
    /// The server's master key, in [`PROVIDER`].
    pub(crate) const MASTER_KEY: &str = "master.key";
    /// The admin token, in [`PROVIDER`].
    pub(crate) const ADMIN_KEY: &str = "admin.key";
    /// The server's spend anchor, in [`PROVIDER`].
    pub(crate) const SPEND_ANCHOR: &str = "spend.anchor";
    /// The client's API key.
    pub(crate) const API_KEY: &str = "api-key";
}

/// The largest answer read from the in-process router (the server's answers are far
/// smaller; this only bounds the buffer).
const MAX_ANSWER: usize = 64 << 20;

/// The server's Paillier key made ahead (generate, recover, refresh): its search starts
/// when the client starts its own (so only once every check before it passed), on a thread
/// of its own, in parallel with it; the server's code takes it when its session needs it.
/// Nothing is stored in the database's key pool: a refused operation leaves no trace.
struct Ahead {
    source: Arc<dyn PaillierKeys>,
    job: Mutex<Option<JoinHandle<Result<SecretKey, WalletError>>>>,
}

impl Ahead {
    fn start(&self) {
        if let Ok(mut job) = self.job.lock()
            && job.is_none()
        {
            let source = self.source.clone();
            *job = Some(std::thread::spawn(move || {
                source.paillier_key(Party::Server, &mut |_| {})
            }));
        }
    }
}

/// The client's Paillier-key source in the local mode: the configured one, after starting
/// the server's search ([`Ahead`]).
struct ClientKeys(Arc<Ahead>);

/// The in-process server's source: the key searched ahead if there is one, else a search
/// now.
struct ServerKeys(Arc<Ahead>);

impl std::fmt::Debug for ClientKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientKeys")
    }
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKeys")
    }
}

impl PaillierKeys for ClientKeys {
    fn paillier_key(
        &self,
        party: Party,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SecretKey, WalletError> {
        self.0.start();
        self.0.source.paillier_key(party, progress)
    }
}

impl PaillierKeys for ServerKeys {
    fn paillier_key(
        &self,
        party: Party,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SecretKey, WalletError> {
        let job = self.0.job.lock().ok().and_then(|mut job| job.take());
        match job {
            Some(job) => job
                .join()
                .map_err(|_| WalletError::Internal("the Paillier key thread panicked".into()))?,
            None => self.0.source.paillier_key(party, progress),
        }
    }
}

/// Requests handed to a `tandem server` router in this process, with one bearer token.
pub(crate) struct InProcess {
    // `Option` only so that `Drop` can shut it down without waiting for its blocking work.
    runtime: Option<Runtime>,
    app: App,
    router: Router,
    token: Zeroizing<String>,
}

fn transport_error(e: impl std::fmt::Display) -> ClientError {
    ClientError::Transport(format!("in-process server: {e}"))
}

impl InProcess {
    fn runtime(&self) -> Result<&Runtime, ClientError> {
        self.runtime
            .as_ref()
            .ok_or_else(|| transport_error("stopped"))
    }

    /// The server's state (the fuzz targets reach it).
    #[cfg(feature = "insecure-test-primes")]
    pub(crate) fn app(&self) -> &App {
        &self.app
    }

    /// Runs `future` on the server's runtime.
    #[cfg(feature = "insecure-test-primes")]
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, ClientError> {
        Ok(self.runtime()?.block_on(future))
    }

    /// Sends `request` with another token (the admin's).
    pub(crate) fn send_as(&self, token: &str, request: Request) -> Result<Response, ClientError> {
        // The header's own copy cannot be wiped (http's bytes); it is marked sensitive, and
        // the formatted string is wiped.
        let bearer = |token: &str| {
            let text = Zeroizing::new(format!("Bearer {token}"));
            let mut value = http::HeaderValue::from_str(&text).map_err(transport_error)?;
            value.set_sensitive(true);
            Ok::<_, ClientError>(value)
        };
        let mut builder = http::Request::builder()
            .method(match request.method {
                Method::Get => http::Method::GET,
                Method::Post => http::Method::POST,
                Method::Delete => http::Method::DELETE,
            })
            .uri(&request.path)
            .header(http::header::AUTHORIZATION, bearer(token)?);
        if let Some(key) = &request.idempotency_key {
            builder = builder.header(api::IDEMPOTENCY_KEY, key);
        }
        if let Some(step) = request.step {
            builder = builder.header(api::STEP, step.to_string());
        }
        let body = match request.body {
            Body::Empty => axum::body::Body::empty(),
            Body::Json(bytes) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/json");
                axum::body::Body::from(bytes)
            }
            Body::Binary(bytes) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/octet-stream");
                axum::body::Body::from(bytes)
            }
        };
        self.raw(builder.body(body).map_err(transport_error)?)
    }

    /// Hands `request` to the router as it is (the fuzz target `http_request` builds its own).
    pub(crate) fn raw(
        &self,
        request: http::Request<axum::body::Body>,
    ) -> Result<Response, ClientError> {
        let router = self.router.clone();
        self.runtime()?.block_on(async move {
            let response = router
                .oneshot(request)
                .await
                .map_err(|e: Infallible| transport_error(e))?;
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), MAX_ANSWER)
                .await
                .map_err(transport_error)?;
            Ok(Response {
                status,
                body: body.to_vec(),
            })
        })
    }
}

impl Transport for InProcess {
    fn send(&self, request: Request) -> Result<Response, ClientError> {
        let token = self.token.clone();
        self.send_as(&token, request)
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Close the database cleanly (SQLite folds its write-ahead log back into the
            // file), then stop.
            runtime.block_on(self.app.close());
            runtime.shutdown_background();
        }
    }
}

/// What a local command needs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Open {
    /// `generate`: the store is created if missing, and so is the client.
    Create,
    /// Any other command.
    Existing,
}

/// True if `store` has the layout of the stores made before this one.
pub(crate) fn is_legacy(store: &Path) -> bool {
    ["client", "server", "custodian", "kms"]
        .iter()
        .any(|name| store.join(name).exists())
}

fn create_private_dir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| format!("{}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The first line of a key file, trimmed.
fn read_key(path: &Path) -> Result<Zeroizing<String>, String> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
    );
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or("").trim().to_owned(),
    ))
}

/// Creates the client on the in-process server and writes its API key (0600, never
/// overwritten).
fn create_client(server: &InProcess, store: &Path) -> Result<(), String> {
    let admin = read_key(&store.join(layout::PROVIDER).join(layout::ADMIN_KEY))?;
    crate::admin::new_client(
        |request| server.send_as(&admin, request),
        &store.join(layout::API_KEY),
        "create the client",
    )
    .map(drop)
}

/// The device's client on `store`, its requests served by the server's code in this process.
pub(crate) fn client(
    store: &Path,
    primes: Primes,
    open: Open,
) -> Result<Client<InProcess, FsDevice>, String> {
    let api_key = store.join(layout::API_KEY);
    if open != Open::Create && !api_key.exists() {
        return Err(format!("no store at {}", store.display()));
    }
    let provider = store.join(layout::PROVIDER);
    if open == Open::Create {
        create_private_dir(store)?;
        create_private_dir(&provider)?;
    }
    let database = provider.join(layout::DATABASE);
    let master_key = provider.join(layout::MASTER_KEY);
    if database.exists() && !master_key.exists() {
        // The server would make a new key, under which nothing stored opens.
        return Err(format!(
            "{} is missing: the local server's records cannot be opened without it",
            master_key.display()
        ));
    }
    let database = database
        .to_str()
        .filter(|p| !p.contains(['?', '#']))
        .ok_or_else(|| format!("{}: not a usable database path", database.display()))?;
    // The server's internal details go to its log: on stderr when `RUST_LOG` asks for them.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let ahead = Arc::new(Ahead {
        source: primes.source(),
        job: Mutex::new(None),
    });
    let config = Config {
        database: format!("sqlite://{database}"),
        key_file: master_key,
        admin_key_file: provider.join(layout::ADMIN_KEY),
        spend_anchor: provider.join(layout::SPEND_ANCHOR),
        // No pool kept ahead: the one key an operation needs is made in parallel with the
        // client's (`Ahead`).
        limits: Limits {
            paillier_pool: 0,
            ..Limits::default()
        },
        paillier: Arc::new(ServerKeys(ahead.clone())),
        custodian: Custodian::Provider,
    };
    let app = runtime
        .block_on(tandem_server::build(config))
        .map_err(|e| format!("the local server ({}): {e}", provider.display()))?;
    let mut server = InProcess {
        router: tandem_server::router(app.clone()),
        runtime: Some(runtime),
        app,
        token: Zeroizing::new(String::new()),
    };
    if !api_key.exists() {
        create_client(&server, store)?;
    }
    let key = read_key(&api_key)?;
    let client_id = api::client_id_of_key(&key)
        .ok_or_else(|| format!("{}: not a Tandem API key", api_key.display()))?
        .to_owned();
    server.token = key;
    let device = FsDevice::create(store.join(layout::DEVICE)).map_err(|e| e.to_string())?;
    Ok(Client::with_paillier_keys(
        server,
        device,
        client_id,
        ClientKeys(ahead),
    ))
}
