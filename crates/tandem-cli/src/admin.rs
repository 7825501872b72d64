//! `tandem create-client`: the organization creates a client (one wallet) on its server with
//! its admin token; the client's API key is written to a new file (mode 0600), never printed.

use std::io::Write;
use std::path::Path;

use serde_json::json;
use tandem_client::api::{self, CreatedClient};
use tandem_client::{Body, Method, Request, Transport};
use tandem_wallet::Zeroizing;

use crate::http::HttpTransport;
use crate::output::Output;

/// Creates a client (`POST /v1/clients`, sent by `send` with the admin token) and writes its
/// API key to `key_file`: created new (never over a file), 0600, the file and its folder
/// synced before this returns. The client id; errors start with `what`.
pub(crate) fn new_client(
    send: impl FnOnce(Request) -> Result<tandem_client::Response, tandem_client::ClientError>,
    key_file: &Path,
    what: &str,
) -> Result<String, String> {
    let response = send(Request {
        method: Method::Post,
        path: api::path::CLIENTS.into(),
        body: Body::Empty,
        idempotency_key: None,
        step: None,
    })
    .map_err(|e| format!("{what}: {e}"))?;
    if response.status != 201 {
        let detail = serde_json::from_slice::<api::ApiError>(&response.body)
            .map_or_else(|_| format!("HTTP {}", response.status), |e| e.message);
        return Err(format!("{what}: {detail}"));
    }
    let created: CreatedClient =
        serde_json::from_slice(&response.body).map_err(|e| format!("{what}: {e}"))?;
    let key = Zeroizing::new(format!("{}\n", created.api_key));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let failed = |e: std::io::Error| format!("{what}: {}: {e}", key_file.display());
    options
        .open(key_file)
        .and_then(|mut f| f.write_all(key.as_bytes()).and_then(|()| f.sync_all()))
        .map_err(failed)?;
    // The new name is durable only once its folder is.
    #[cfg(unix)]
    {
        let folder = match key_file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(folder)
            .and_then(|d| d.sync_all())
            .map_err(failed)?;
    }
    Ok(created.client_id.clone())
}

pub(crate) fn create_client(
    server: &str,
    admin_key_file: &Path,
    api_key_file: Option<&Path>,
    out: &Output,
) -> Result<(), String> {
    let api_key_file = api_key_file.ok_or("create-client needs --api-key-file OUT")?;
    let text = Zeroizing::new(
        std::fs::read_to_string(admin_key_file)
            .map_err(|e| format!("--admin-key-file {}: {e}", admin_key_file.display()))?,
    );
    let token = Zeroizing::new(text.lines().next().unwrap_or("").trim().to_owned());
    let transport = HttpTransport::new(server, token)?;
    let client_id = new_client(|r| transport.send(r), api_key_file, "create-client")?;
    out.emit(
        &json!({ "client_id": client_id }),
        &[
            ("client id", client_id.clone()),
            ("api key", format!("written to {}", api_key_file.display())),
        ],
    );
    Ok(())
}
