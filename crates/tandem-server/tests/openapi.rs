//! The OpenAPI document the server publishes (`api/openapi.json`, at `/openapi.json`) is in
//! step with the code: exactly the router's paths and methods (read from `src/routes.rs`), an
//! error schema that lists exactly the stable error codes, and every error answer an
//! `ApiError`. Whether the server behaves as the document says is schemathesis's job
//! (`tandem-cli/tests/server_schemathesis.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use serde_json::Value;
use tandem_client::api::{ErrorCode, path};

fn document() -> Value {
    serde_json::from_str(tandem_server::OPENAPI).expect("the document is JSON")
}

/// `(path, method)` of every `.route(…)` of `src/routes.rs`, with the `api::path` constants
/// resolved.
fn routes_in_code() -> BTreeSet<(String, String)> {
    let source = include_str!("../src/routes.rs");
    let constants = [
        ("api::path::HEALTHZ", path::HEALTHZ),
        ("api::path::CLIENTS", path::CLIENTS),
        ("api::path::SESSIONS", path::SESSIONS),
        ("api::path::CONFIRM", path::CONFIRM),
        ("api::path::SIGN_ED25519", path::SIGN_ED25519),
        ("api::path::SIGN_SECP256K1", path::SIGN_SECP256K1),
        ("api::path::SIGN_BIP340", path::SIGN_BIP340),
        ("api::path::BACKUP", path::BACKUP),
        ("api::path::EJECT", path::EJECT),
        ("OPENAPI_PATH", tandem_server::OPENAPI_PATH),
    ];
    let mut routes = BTreeSet::new();
    // `.route(PATH, METHOD(handler)[.METHOD(handler)…])`, possibly over several lines.
    for call in source.split(".route(").skip(1) {
        let call: String = call.split_whitespace().collect();
        let (path_expr, rest) = call.split_once(',').expect("a route's path");
        let path = constants
            .iter()
            .find(|(name, _)| *name == path_expr)
            .map(|(_, p)| (*p).to_owned())
            .or_else(|| {
                path_expr
                    .strip_prefix('"')?
                    .strip_suffix('"')
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| panic!("unknown path expression {path_expr}"));
        for method in ["get", "post", "delete", "put", "patch"] {
            if rest.starts_with(&format!("{method}(")) || rest.contains(&format!(".{method}(")) {
                routes.insert((path.clone(), method.to_owned()));
            }
        }
    }
    routes
}

#[test]
fn the_document_lists_exactly_the_routes() {
    let doc = document();
    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            listed.insert((path.clone(), method.clone()));
        }
    }
    let code = routes_in_code();
    assert!(code.len() >= 13, "the routes were read: {code:?}");
    assert_eq!(listed, code, "openapi.json vs. src/routes.rs");
}

#[test]
fn the_error_schema_lists_exactly_the_stable_codes() {
    let doc = document();
    let listed: BTreeSet<String> =
        doc["components"]["schemas"]["ApiError"]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
    // Every listed code is one the server can send, with the status the document gives it.
    for name in &listed {
        let code: ErrorCode = serde_json::from_value(Value::String(name.clone()))
            .unwrap_or_else(|_| panic!("{name} is not an error code"));
        let status = code.status().to_string();
        assert!(
            doc["components"]["responses"][&status].is_object()
                || status == "500"
                || status == "405",
            "{name}: status {status} has no documented response"
        );
    }
    // And every code of the enum is listed: the variants from the source of ErrorCode.
    let api = include_str!("../../tandem-client/src/api.rs");
    let body = api
        .split("pub enum ErrorCode {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .unwrap();
    let variants: BTreeSet<String> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && l.ends_with(','))
        .map(|l| {
            let v = l.trim_end_matches(',');
            serde_json::to_value(
                serde_json::from_value::<ErrorCode>(Value::String(snake(v)))
                    .unwrap_or_else(|_| panic!("variant {v}")),
            )
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
        })
        .collect();
    assert_eq!(listed, variants, "the ApiError code enum vs. ErrorCode");
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[test]
fn every_error_answer_is_an_api_error() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, answer) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let reference = answer["$ref"].as_str().unwrap_or_default();
                    let name = reference.rsplit('/').next().unwrap_or_default();
                    let schema = &doc["components"]["responses"][name]["content"]["application/json"]
                        ["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/ApiError",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}
