//! The native client's transport: blocking reqwest (rustls) to `tandem server`, the API key
//! as a bearer token.

use std::time::Duration;

use tandem_client::{Body, ClientError, Method, Request, Response, Transport};
use tandem_wallet::Zeroizing;

/// HTTP to one server with one client's key (or the admin token). Public for the tests that
/// drive the client half as a library.
pub struct HttpTransport {
    base: String,
    token: Zeroizing<String>,
    http: reqwest::blocking::Client,
}

impl HttpTransport {
    /// `base` is the server's URL (`http://127.0.0.1:8080`), `token` the bearer credential.
    ///
    /// # Errors
    /// If the HTTP client cannot be built.
    pub fn new(base: &str, token: Zeroizing<String>) -> Result<Self, String> {
        Self::with_timeout(base, token, Duration::from_secs(120))
    }

    /// As [`HttpTransport::new`], with `timeout` for each request (connecting included: at
    /// most 10 s of it).
    ///
    /// # Errors
    /// If the HTTP client cannot be built.
    pub fn with_timeout(
        base: &str,
        token: Zeroizing<String>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let http = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // The server closes a keep-alive connection idle for its header timeout (30 s by
            // default): a connection idle longer than this is not reused, so a request never
            // races the server's close.
            .pool_idle_timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http,
        })
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: Request) -> Result<Response, ClientError> {
        let url = format!("{}{}", self.base, request.path);
        let mut builder = match request.method {
            Method::Get => self.http.get(&url),
            Method::Post => self.http.post(&url),
            Method::Delete => self.http.delete(&url),
        };
        builder = builder.bearer_auth(self.token.as_str());
        if let Some(key) = &request.idempotency_key {
            builder = builder.header(tandem_client::api::IDEMPOTENCY_KEY, key);
        }
        if let Some(step) = request.step {
            builder = builder.header(tandem_client::api::STEP, step.to_string());
        }
        builder = match request.body {
            Body::Empty => builder,
            Body::Json(bytes) => builder
                .header("content-type", "application/json")
                .body(bytes),
            Body::Binary(bytes) => builder
                .header("content-type", "application/octet-stream")
                .body(bytes),
        };
        let response = builder
            .send()
            .map_err(|e| ClientError::Transport(format!("{url}: {e}")))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .map_err(|e| ClientError::Transport(format!("{url}: {e}")))?;
        Ok(Response {
            status,
            body: body.to_vec(),
        })
    }
}
