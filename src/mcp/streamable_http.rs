//! The Streamable HTTP transport, stateless: every POST to `/mcp` carries complete JSON-RPC
//! messages and gets its answers as one JSON body. No session id is issued, so any Worker
//! instance can answer any request.

use super::jsonrpc::{classify, parse_body, Body, Message, Response, RpcError, INVALID_REQUEST};
use super::server;
use super::version::ProtocolVersion;
use crate::ports::{HttpResponse, Platform};
use crate::responses::json;
use crate::tools::ToolContext;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

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
    let version = match headers.get(VERSION_HEADER).map(|v| v.to_str().unwrap_or_default()) {
        None => ProtocolVersion::DEFAULT_HTTP,
        Some(value) => match ProtocolVersion::parse(value.trim()) {
            Some(version) => version,
            None => {
                let supported: Vec<&str> = ProtocolVersion::ALL.iter().map(|v| v.as_str()).collect();
                let message = format!(
                    "unsupported MCP-Protocol-Version `{value}`; this server supports {}",
                    supported.join(", ")
                );
                return Exchange { response: rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, message), calls };
            }
        },
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
    let response = match body {
        Body::Single(value) => match answer(ctx, version, value, &mut calls).await {
            Some(response) if response.as_error().is_some_and(|e| e.code == INVALID_REQUEST) => {
                json(StatusCode::BAD_REQUEST, &response)
            }
            Some(response) => json(StatusCode::OK, &response),
            None => accepted(),
        },
        Body::Batch(_) if !version.allows_batches() => {
            let message = format!("JSON-RPC batches are not part of MCP {version}; send one message per request");
            rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, message)
        }
        Body::Batch(items) if items.is_empty() => {
            rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, "an empty batch is not a valid JSON-RPC request")
        }
        Body::Batch(items) => {
            let mut responses = Vec::new();
            for item in items {
                responses.extend(answer(ctx, version, item, &mut calls).await);
            }
            if responses.is_empty() {
                accepted()
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
            Some(server::handle(ctx, version, request).await)
        }
        Message::Notification { method } => {
            calls.push(method);
            None
        }
        Message::ClientResponse => None,
        Message::Invalid(response) => Some(response),
    }
}

fn accepted() -> HttpResponse {
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() = StatusCode::ACCEPTED;
    response
}

fn rpc_error(status: StatusCode, code: i64, message: impl Into<String>) -> HttpResponse {
    json(status, &Response::error(Value::Null, RpcError::new(code, message)))
}
