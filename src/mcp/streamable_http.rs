//! The Streamable HTTP transport, stateless: every POST to `/mcp` carries complete JSON-RPC
//! messages and gets its answers as one JSON body. No session id is issued, so any Worker
//! instance can answer any request.

use super::jsonrpc::{classify, parse_body, Body, Message, Response, RpcError, INVALID_REQUEST, METHOD_NOT_FOUND};
use super::version::{Era, ProtocolVersion, STATELESS};
use super::{server, stateless};
use crate::ports::{HttpResponse, Platform};
use crate::tools::ToolContext;
use crate::web::json;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

/// The most messages one batch may hold: a batch is one invocation, and each message may cost
/// GitHub requests and CPU, so a client cannot make one request do the work of hundreds.
pub const MAX_BATCH: usize = 20;

/// The header that carries the negotiated protocol revision.
pub const VERSION_HEADER: &str = "mcp-protocol-version";

/// An answered POST and what it asked for, for the request log.
pub struct Exchange {
    /// The HTTP response.
    pub response: HttpResponse,
    /// Each JSON-RPC method called (`tools/call:<tool>` for tool calls).
    pub calls: Vec<String>,
}

/// Handles `POST /mcp`.
pub async fn post<P: Platform>(ctx: &ToolContext<'_, P>, headers: &HeaderMap, body: &[u8]) -> Exchange {
    let mut calls = Vec::new();
    // A 2024/2025 revision in the header (or none, as 2025-03-26 clients may send) is a session
    // request; anything else is served under 2026-07-28, which also answers versions it does
    // not know with the list of those it does.
    let era = match headers.get(VERSION_HEADER).map(|v| v.to_str().unwrap_or_default()) {
        None => Era::Session(ProtocolVersion::DEFAULT_HTTP),
        Some(value) => ProtocolVersion::parse(value.trim()).map_or(Era::Stateless, Era::Session),
    };
    let is_json = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/json"));
    if !is_json {
        let message = "the request body must be JSON-RPC with Content-Type: application/json";
        return Exchange { response: rpc_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, INVALID_REQUEST, message), calls };
    }
    let body = match parse_body(body) {
        Ok(body) => body,
        Err(error) => {
            let response = Response::error(Value::Null, error);
            return Exchange { response: json(StatusCode::BAD_REQUEST, &response), calls };
        }
    };
    let version = match era {
        Era::Stateless => return Exchange { response: stateless_post(ctx, headers, body, &mut calls).await, calls },
        Era::Session(version) => version,
    };
    let response = match body {
        Body::Single(value) => match answer(ctx, version, value, &mut calls).await {
            Some(response) if response.as_error().is_some_and(|e| e.code == INVALID_REQUEST) => {
                json(StatusCode::BAD_REQUEST, &response)
            }
            Some(response) => json(StatusCode::OK, &response),
            None => crate::web::accepted(),
        },
        Body::Batch(_) if !version.allows_batches() => {
            let message = format!("JSON-RPC batches are not part of MCP {version}; send one message per request");
            rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, message)
        }
        Body::Batch(items) if items.is_empty() => {
            rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, "an empty batch is not a valid JSON-RPC request")
        }
        Body::Batch(items) if items.len() > MAX_BATCH => {
            let message = format!("a batch holds at most {MAX_BATCH} messages; this one holds {}", items.len());
            rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, message)
        }
        Body::Batch(items) => {
            let mut responses = Vec::new();
            for item in items {
                responses.extend(answer(ctx, version, item, &mut calls).await);
            }
            if responses.is_empty() {
                crate::web::accepted()
            } else {
                json(StatusCode::OK, &responses)
            }
        }
    };
    Exchange { response, calls }
}

/// Answers one message; `None` for notifications and client responses. Shared with `/sse`.
pub(crate) async fn answer<P: Platform>(
    ctx: &ToolContext<'_, P>,
    version: ProtocolVersion,
    value: Value,
    calls: &mut Vec<String>,
) -> Option<Response> {
    match classify(value) {
        Message::Request(request) => {
            let version = if request.method == "initialize" {
                server::negotiate(&request.params).unwrap_or(version)
            } else {
                version
            };
            calls.push(match (request.method.as_str(), request.params.get("name").and_then(Value::as_str)) {
                ("tools/call", Some(tool)) => format!("tools/call:{tool}"),
                (method, _) => method.to_string(),
            });
            Some(server::handle(ctx, Era::Session(version), request).await)
        }
        Message::Notification { method } => {
            calls.push(method);
            None
        }
        Message::ClientResponse => None,
        Message::Invalid(response) => Some(response),
    }
}

/// One 2026-07-28 message: no batches, headers and `_meta` checked before anything runs (400
/// with the request's id), an unknown method a 404.
async fn stateless_post<P: Platform>(
    ctx: &ToolContext<'_, P>,
    headers: &HeaderMap,
    body: Body,
    calls: &mut Vec<String>,
) -> HttpResponse {
    let value = match body {
        Body::Single(value) => value,
        Body::Batch(_) => {
            let message = format!("JSON-RPC batches are not part of MCP {STATELESS}; send one message per request");
            return rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, message);
        }
    };
    let request = match classify(value) {
        Message::Request(request) => request,
        Message::Notification { method } => {
            calls.push(method);
            return crate::web::accepted();
        }
        Message::ClientResponse => return crate::web::accepted(),
        Message::Invalid(response) => return json(StatusCode::BAD_REQUEST, &response),
    };
    calls.push(match (request.method.as_str(), request.params.get("name").and_then(Value::as_str)) {
        ("tools/call", Some(tool)) => format!("tools/call:{tool}"),
        (method, _) => method.to_string(),
    });
    if let Err(error) = stateless::check(headers, &request) {
        return json(StatusCode::BAD_REQUEST, &Response::error(request.id, error));
    }
    let response = server::handle(ctx, Era::Stateless, request).await;
    let status = match response.as_error().map(|e| e.code) {
        Some(METHOD_NOT_FOUND) => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    };
    json(status, &response)
}

fn rpc_error(status: StatusCode, code: i64, message: impl Into<String>) -> HttpResponse {
    json(status, &Response::error(Value::Null, RpcError::new(code, message)))
}
