//! Custodian backup shares: provider-managed (sealed under the KMS's custodian key in the
//! server's own database, the default) or self-managed through the organization's webhook,
//! as in the seeds:
//!
//! - store: `POST {url}/backup` with `{"backupMethod", "clientId", "share"}`, then at once
//!   `POST {url}/backup/fetch` with `{"clientId"}`, whose `{"share"}` must equal what was
//!   sent; only then does the backup's status move;
//! - recover and eject fetch the share with `POST {url}/backup/fetch`.
//!
//! Every request carries `X-Tandem-Signature: sha256=<hex HMAC-SHA256 of the body under the
//! webhook secret>`, and times out (after [`WEBHOOK_TIMEOUT`] by default). A webhook that is down, slow or
//! answers wrongly fails the operation with `custodian_failed`, and nothing changes.
//!
//! `share` is a JSON string (as the seeds: "a JSON.stringified version of the backup
//! share"): `{"version":1,"secp256k1":"<hex>","ed25519":"<hex>"}`, the two custodian backup
//! shares of the client's wallet in `tandem-backup`'s stored format.
//!
//! One share per client: a new backup's custodian shares replace the webhook's copy before
//! the client has stored its own, so with a self-managed custodian an interrupted re-backup
//! leaves no complete backup until backup is run again (the server refuses a fetched share
//! that is not of the current pair).

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tandem_client::api::{BackupMethod, ErrorCode};
use zeroize::Zeroizing;

use crate::error::{Failure, Result};

/// How long one webhook request may take, by default.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Where custodian backup shares live.
#[derive(Clone, Debug)]
pub enum Custodian {
    /// In the server's database, sealed under the custodian key.
    Provider,
    /// At the organization's webhook.
    Webhook(Webhook),
}

/// The organization's webhook.
#[derive(Clone)]
pub struct Webhook {
    url: String,
    secret: Zeroizing<Vec<u8>>,
    http: reqwest::Client,
}

impl core::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The share document sent to the webhook (as a JSON string).
#[derive(Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct ShareDocument {
    pub(crate) version: u16,
    pub(crate) secp256k1: String,
    pub(crate) ed25519: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StoreBody<'a> {
    backup_method: &'a str,
    client_id: &'a str,
    share: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FetchBody<'a> {
    client_id: &'a str,
}

#[derive(Deserialize)]
struct FetchAnswer {
    share: String,
}

fn failed(what: impl core::fmt::Display) -> Failure {
    tracing::warn!(%what, "custodian webhook failed");
    Failure::new(
        ErrorCode::CustodianFailed,
        format!("custodian webhook: {what}"),
    )
}

/// The signature header's value for `body`.
#[must_use]
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(body);
    format!(
        "sha256={}",
        base16ct::lower::encode_string(&mac.finalize().into_bytes())
    )
}

impl Webhook {
    /// The webhook at `url` (its root: `/backup` and `/backup/fetch` are appended), signing
    /// with `secret`, each request limited to `timeout`.
    ///
    /// # Errors
    /// If the HTTP client cannot be built.
    pub fn new(
        url: &str,
        secret: Zeroizing<Vec<u8>>,
        timeout: Duration,
    ) -> core::result::Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            url: url.trim_end_matches('/').to_owned(),
            secret,
            http,
        })
    }

    /// The answer's body, read up to the API's body limit (a larger answer is refused
    /// before more is read) and wiped when dropped (a fetched share is a secret).
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<Zeroizing<Vec<u8>>> {
        let mut response = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .header("X-Tandem-Signature", signature(&self.secret, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| failed(format!("{path}: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(format!("{path}: HTTP {status}")));
        }
        let limit = tandem_client::api::MAX_BODY;
        let too_large = || failed(format!("{path}: answer larger than {limit} bytes"));
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        // Reserved once from the announced length (bounded above), so that growing does not
        // leave unwiped copies behind.
        let announced = response
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut bytes = Zeroizing::new(Vec::with_capacity(announced.min(limit)));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failed(format!("{path}: {e}")))?
        {
            if bytes.len().saturating_add(chunk.len()) > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Stores `share` for `client_id` and checks, with a fetch, that it was stored.
    pub(crate) async fn store(
        &self,
        client_id: &str,
        method: BackupMethod,
        share: &str,
    ) -> Result<()> {
        let body = serde_json::to_vec(&StoreBody {
            backup_method: method.name(),
            client_id,
            share,
        })
        .map_err(Failure::internal)?;
        self.post("/backup", body).await?;
        let fetched = self.fetch(client_id).await?;
        if fetched.as_str() != share {
            return Err(failed(
                "/backup/fetch answered another share than the one stored",
            ));
        }
        Ok(())
    }

    /// The share the webhook holds for `client_id`.
    pub(crate) async fn fetch(&self, client_id: &str) -> Result<Zeroizing<String>> {
        let body = serde_json::to_vec(&FetchBody { client_id }).map_err(Failure::internal)?;
        let answer = self.post("/backup/fetch", body).await?;
        let answer: FetchAnswer =
            serde_json::from_slice(&answer).map_err(|e| failed(format!("/backup/fetch: {e}")))?;
        Ok(Zeroizing::new(answer.share))
    }
}
