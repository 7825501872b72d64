//! The device over HTTP (`--server URL --api-key-file F`): every command runs the client
//! half (`tandem-client`) against `tandem server`; `--store` holds only the device's files.

use std::path::Path;

use tandem_client::{Client, FsDevice, api};
use tandem_wallet::Zeroizing;

use crate::Primes;
use crate::http::HttpTransport;

/// The device's client: the key file's one line names the client (`tdk_<id>_…`).
pub(crate) fn client(
    server: &str,
    api_key_file: &Path,
    store: &Path,
    primes: Primes,
) -> Result<Client<HttpTransport, FsDevice>, String> {
    let text = Zeroizing::new(
        std::fs::read_to_string(api_key_file)
            .map_err(|e| format!("--api-key-file {}: {e}", api_key_file.display()))?,
    );
    let key = text.lines().next().unwrap_or("").trim();
    let client_id = api::client_id_of_key(key)
        .ok_or_else(|| {
            format!(
                "--api-key-file {}: not a Tandem API key",
                api_key_file.display()
            )
        })?
        .to_owned();
    let transport = HttpTransport::new(server, Zeroizing::new(key.to_owned()))?;
    let device = FsDevice::create(store).map_err(|e| e.to_string())?;
    Ok(primes.client(transport, device, client_id))
}
