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
    let response = transport
        .send(Request {
            method: Method::Post,
            path: api::path::CLIENTS.into(),
            body: Body::Empty,
            idempotency_key: None,
            step: None,
        })
        .map_err(|e| e.to_string())?;
    if response.status != 201 {
        let detail = serde_json::from_slice::<api::ApiError>(&response.body)
            .map_or_else(|_| format!("HTTP {}", response.status), |e| e.message);
        return Err(format!("create-client: {detail}"));
    }
    let created: CreatedClient =
        serde_json::from_slice(&response.body).map_err(|e| format!("create-client: {e}"))?;
    let key = Zeroizing::new(format!("{}\n", created.api_key));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(api_key_file)
        .and_then(|mut f| f.write_all(key.as_bytes()).and_then(|()| f.sync_all()))
        .map_err(|e| format!("--api-key-file {}: {e}", api_key_file.display()))?;
    out.emit(
        &json!({ "client_id": created.client_id }),
        &[
            ("client id", created.client_id.clone()),
            ("api key", format!("written to {}", api_key_file.display())),
        ],
    );
    Ok(())
}
