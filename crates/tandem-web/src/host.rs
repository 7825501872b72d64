//! The host: what the JavaScript side supplies to the client half. The protocol code is
//! synchronous (the same code as the native client); the Web Worker that runs it answers
//! each call below by asking the page (which does the `fetch`, the IndexedDB transaction
//! and the WebCrypto sealing, all asynchronous) and blocking on `Atomics.wait` until the
//! page has the answer (web/src/worker.js). The page never blocks.
//!
//! Every function is looked up on `globalThis.tandemHost` of the worker.

use tandem_client::device::names;
use tandem_client::{
    Body, ClientError, DeviceLock, DeviceStore, Method, Request, Response, Transport,
};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

#[wasm_bindgen]
extern "C" {
    /// An answer of `tandemHost.send`: `{status, body}`.
    type HostResponse;

    #[wasm_bindgen(method, getter)]
    fn status(this: &HostResponse) -> u16;

    #[wasm_bindgen(method, getter)]
    fn body(this: &HostResponse) -> Vec<u8>;

    /// `tandemHost.send(method, path, kind, body, idempotencyKey, step)`: one request to the
    /// server with the client's API key; `kind` is 0 (no body), 1 (JSON) or 2 (binary).
    /// Throws if no answer came.
    #[wasm_bindgen(js_namespace = tandemHost, js_name = send, catch)]
    fn host_send(
        method: &str,
        path: &str,
        kind: u8,
        body: &[u8],
        idempotency_key: Option<String>,
        step: Option<f64>,
    ) -> Result<HostResponse, JsValue>;

    /// `tandemHost.read(name)`: the record's bytes (opened), or `undefined`.
    #[wasm_bindgen(js_namespace = tandemHost, js_name = read, catch)]
    fn host_read(name: &str) -> Result<JsValue, JsValue>;

    /// `tandemHost.write(name, bytes)`: seals and writes the record; returns once the
    /// IndexedDB transaction has committed (durability "strict").
    #[wasm_bindgen(js_namespace = tandemHost, js_name = write, catch)]
    fn host_write(name: &str, bytes: &[u8]) -> Result<(), JsValue>;

    /// `tandemHost.remove(name)`: removes the record, once committed.
    #[wasm_bindgen(js_namespace = tandemHost, js_name = remove, catch)]
    fn host_remove(name: &str) -> Result<(), JsValue>;

    /// `tandemHost.progress(json)`: a progress report (see `tandem_client::json::progress`).
    #[wasm_bindgen(js_namespace = tandemHost, js_name = progress)]
    pub(crate) fn host_progress(json: &str);
}

/// What the host threw, as text.
pub(crate) fn describe(thrown: &JsValue) -> String {
    if let Some(error) = thrown.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    thrown
        .as_string()
        .unwrap_or_else(|| "the host threw a value that is not an Error".into())
}

/// Requests through `tandemHost.send` (the page's `fetch`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HostTransport;

impl Transport for HostTransport {
    fn send(&self, request: Request) -> Result<Response, ClientError> {
        let method = match request.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        };
        let (kind, body): (u8, &[u8]) = match &request.body {
            Body::Empty => (0, &[]),
            Body::Json(bytes) => (1, bytes),
            Body::Binary(bytes) => (2, bytes),
        };
        // The step is a message count of one session, far below 2^53.
        #[allow(clippy::cast_precision_loss)]
        let step = request.step.map(|s| s as f64);
        let answer = host_send(
            method,
            &request.path,
            kind,
            body,
            request.idempotency_key,
            step,
        )
        .map_err(|e| ClientError::Transport(describe(&e)))?;
        Ok(Response {
            status: answer.status(),
            body: answer.body(),
        })
    }
}

/// The device's records through `tandemHost.read/write/remove` (IndexedDB, each record
/// sealed with the device's non-extractable AES-GCM key).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HostDevice;

fn known(name: &str) -> Result<(), ClientError> {
    if names::ALL.contains(&name) {
        Ok(())
    } else {
        Err(ClientError::Internal(format!("unknown record {name}")))
    }
}

impl DeviceStore for HostDevice {
    fn read(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, ClientError> {
        known(name)?;
        let value = host_read(name)
            .map_err(|e| ClientError::Device(format!("{name}: {}", describe(&e))))?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        let bytes = value
            .dyn_into::<js_sys::Uint8Array>()
            .map_err(|_| ClientError::Device(format!("{name}: the host did not give bytes")))?;
        let copy = Zeroizing::new(bytes.to_vec());
        // The host's copy of the opened record is wiped too.
        bytes.fill(0, 0, bytes.length());
        Ok(Some(copy))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ClientError> {
        known(name)?;
        host_write(name, bytes)
            .map_err(|e| ClientError::Device(format!("{name}: {}", describe(&e))))
    }

    fn remove(&self, name: &str) -> Result<(), ClientError> {
        known(name)?;
        host_remove(name).map_err(|e| ClientError::Device(format!("{name}: {}", describe(&e))))
    }

    /// The SDK's worker holds the device's Web Lock (`navigator.locks`, exclusive, named after
    /// the client) for the whole of every call into this module, across tabs; nothing more is
    /// taken here.
    fn lock(&self) -> Result<DeviceLock, ClientError> {
        Ok(DeviceLock::new(()))
    }
}
