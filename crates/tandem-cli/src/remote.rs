//! The device over HTTP (`--server URL --api-key-file F`): every command runs the client
//! half (`tandem-client`) against `tandem server`; `--store` holds only the device's files.

use std::path::Path;

use tandem_client::{Client, FsDevice, api};
use tandem_wallet::Zeroizing;

use crate::commands::with_ui;
use crate::http::HttpTransport;
use crate::output::{
    Output, emit_addresses, emit_ed25519, emit_generated, emit_presignatures, emit_secp256k1,
    emit_status,
};
use crate::{Command, Primes, inputs};

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

/// Runs `command` on the device against the server.
pub(crate) fn run(
    command: Command,
    client: &Client<HttpTransport, FsDevice>,
    out: &Output,
) -> Result<(), String> {
    let err = |e: tandem_client::ClientError| e.to_string();
    match command {
        Command::Generate => {
            let info = with_ui(out, |p| client.generate(p)).map_err(err)?;
            emit_generated(out, &info);
        }
        Command::Addresses => {
            let info = client.info(&mut |_| {}).map_err(err)?;
            emit_addresses(out, &info.addresses);
        }
        Command::Status => {
            let info = client.info(&mut |_| {}).map_err(err)?;
            emit_status(out, &info);
        }
        Command::Sign {
            curve,
            digest,
            message,
        } => match (curve.as_str(), digest, message) {
            ("secp256k1", Some(digest), None) => {
                let digest = inputs::digest(&digest)?;
                let signed = with_ui(out, |p| client.sign_secp256k1(&digest, p)).map_err(err)?;
                emit_secp256k1(out, &signed);
            }
            ("ed25519", None, Some(message)) => {
                let message = inputs::hex("message", &message)?;
                let sig = with_ui(out, |p| client.sign_ed25519(&message, p)).map_err(err)?;
                emit_ed25519(out, &sig);
            }
            (curve, _, _) => return Err(crate::commands::sign_usage(curve)),
        },
        Command::Presign { count } => {
            let held = with_ui(out, |p| client.presign(count, p)).map_err(err)?;
            emit_presignatures(out, held);
        }
        Command::Backup(_) | Command::Recover(_) | Command::Refresh | Command::Eject(_) => {
            return Err(
                "backup, recover, refresh and eject do not run with --server yet; \
                 run them on a local store (without --server)"
                    .into(),
            );
        }
        Command::Demo | Command::Server(_) | Command::CreateClient { .. } => {
            return Err("this command does not take --server".into());
        }
    }
    Ok(())
}
