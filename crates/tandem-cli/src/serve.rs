//! `tandem server`: runs the provider's service (`tandem-server`) until SIGINT or SIGTERM.
//! Prints one line `listening on http://ADDR` on stdout when ready; logs go to stderr
//! (`RUST_LOG` filters them, `info` by default).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use tandem_server::{Config, Custodian, Limits, Webhook};
use tandem_wallet::Zeroizing;

use crate::Primes;

/// `tandem server` arguments.
#[derive(Args, Clone, Debug)]
pub(crate) struct ServerArgs {
    /// The address to listen on (`127.0.0.1:8080`; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// `sqlite://PATH` (created if missing) or `postgres://…`.
    #[arg(long)]
    database: String,
    /// The master key for encryption at rest (32 random bytes in hex, created 0600 if missing).
    #[arg(long)]
    key_file: PathBuf,
    /// The organization's admin token (one line, created 0600 if missing).
    #[arg(long)]
    admin_key_file: PathBuf,
    /// The spend anchor: a count kept outside the database, so that a database restored
    /// from an older copy cannot sign with spent presignatures again. Keep it where restores
    /// of the database do not reach; every replica must use the same file. Default: the key
    /// file's path with `.anchor` added.
    #[arg(long)]
    spend_anchor: Option<PathBuf>,
    /// Paillier keys kept ready in the background.
    #[arg(long, default_value_t = 4)]
    paillier_pool: usize,
    /// Presignatures the server holds per client.
    #[arg(long, default_value_t = 100)]
    max_presignatures: i64,
    /// Open protocol sessions per client.
    #[arg(long, default_value_t = 8)]
    max_sessions: i64,
    /// Memory for the parsed secp256k1 signing shares of the clients signing now, in MiB
    /// (each takes about 28 MiB with its precomputed tables; fewer means more rebuilding).
    #[arg(long, default_value_t = 1024)]
    share_cache_mib: u64,
    /// Seconds a protocol session may stay open before it expires.
    #[arg(long, default_value_t = 600)]
    session_ttl: u64,
    /// Failed authentications per network address and minute before the address is refused
    /// for the rest of the minute (0: off, e.g. behind a reverse proxy that throttles).
    #[arg(long, default_value_t = 20)]
    auth_failures_per_minute: u32,
    /// Generate, recover and refresh sessions a client may start per hour (0: no limit).
    #[arg(long, default_value_t = 30)]
    expensive_sessions_per_hour: u32,
    /// Seconds a request's body may take to arrive.
    #[arg(long, default_value_t = 30)]
    body_timeout: u64,
    /// Seconds a request's headers may take to arrive (also how long an idle keep-alive
    /// connection stays open).
    #[arg(long, default_value_t = 30)]
    header_timeout: u64,
    /// Connections served at once (the next ones wait in the kernel's backlog); keep it under
    /// the process's file descriptor limit.
    #[arg(long, default_value_t = 1000)]
    max_connections: usize,
    /// Self-managed custody: the organization's webhook root (`POST URL/backup`,
    /// `POST URL/backup/fetch`); without it the server keeps custodian backup shares itself.
    #[arg(long, requires = "webhook_secret_file")]
    custodian_webhook: Option<String>,
    /// The secret that signs every webhook request (`X-Tandem-Signature`), one line.
    #[arg(long, requires = "custodian_webhook")]
    webhook_secret_file: Option<PathBuf>,
    /// How long one webhook request may take, in seconds.
    #[arg(long, default_value_t = 10)]
    webhook_timeout: u64,
    /// Also serve this folder (the browser SDK and its demo page: `web/`, after
    /// `web/build.sh`) from the API's origin, with the cross-origin isolation headers the SDK
    /// needs.
    #[arg(long)]
    web: Option<PathBuf>,
}

/// Where custodian shares live, from the arguments.
fn custodian(args: &ServerArgs) -> Result<Custodian, String> {
    match (&args.custodian_webhook, &args.webhook_secret_file) {
        (Some(url), Some(file)) => {
            let text = Zeroizing::new(
                std::fs::read_to_string(file)
                    .map_err(|e| format!("--webhook-secret-file {}: {e}", file.display()))?,
            );
            let secret = text.lines().next().unwrap_or("").trim().as_bytes().to_vec();
            if secret.len() < 16 {
                return Err("--webhook-secret-file: at least 16 characters".into());
            }
            let timeout = std::time::Duration::from_secs(args.webhook_timeout.max(1));
            Ok(Custodian::Webhook(Webhook::new(
                url,
                Zeroizing::new(secret),
                timeout,
            )?))
        }
        _ => Ok(Custodian::Provider),
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

pub(crate) fn run(args: ServerArgs, primes: Primes) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let custodian = custodian(&args)?;
    if let Some(dir) = &args.web
        && !dir.join("index.html").is_file()
    {
        return Err(format!("--web {}: no index.html in it", dir.display()));
    }
    runtime.block_on(async move {
        let limits = Limits {
            paillier_pool: args.paillier_pool,
            presignatures_per_client: args.max_presignatures,
            sessions_per_client: args.max_sessions,
            session_ttl: std::time::Duration::from_secs(args.session_ttl.max(1)),
            share_cache_mib: args.share_cache_mib,
            auth_failures_per_minute: args.auth_failures_per_minute,
            expensive_sessions_per_hour: args.expensive_sessions_per_hour,
            body_timeout: std::time::Duration::from_secs(args.body_timeout.max(1)),
            header_timeout: std::time::Duration::from_secs(args.header_timeout.max(1)),
            max_connections: args.max_connections.max(1),
            ..Limits::default()
        };
        let spend_anchor = args.spend_anchor.clone().unwrap_or_else(|| {
            let mut path = args.key_file.clone().into_os_string();
            path.push(".anchor");
            path.into()
        });
        let config = Config {
            spend_anchor,
            database: args.database,
            key_file: args.key_file,
            admin_key_file: args.admin_key_file,
            limits,
            paillier: primes.source(),
            custodian,
        };
        let app = tandem_server::build(config)
            .await
            .map_err(|e| e.to_string())?;
        let routes = match &args.web {
            Some(dir) => tandem_server::router_with_web(app.clone(), dir),
            None => tandem_server::router(app.clone()),
        };
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| format!("listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "listening on http://{addr}");
        let _ = stdout.flush();
        tandem_server::serve_router(listener, app, routes, shutdown())
            .await
            .map_err(|e| e.to_string())
    })
}
