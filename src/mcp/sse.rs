//! The legacy HTTP+SSE transport (MCP 2024-11-05) at `/sse`: framing and the message endpoint.
//!
//! `GET /sse` opens a `text/event-stream` whose first event, `endpoint`, names where to POST
//! messages (`/sse/message?sessionId=…`); answers travel back on the stream as `message` events.
//! A session is a Durable Object that relays between the POSTs and the stream; the Worker that
//! holds the client's stream is connected to it by a WebSocket the object accepts with the
//! hibernation API, so an idle session costs nothing (see `edge::sse_session`). Dispatch is the
//! same code as `/mcp`; only the framing differs.

use super::jsonrpc::{parse_body, Body, Response};
use super::streamable_http::{answer, VERSION_HEADER};
use super::version::ProtocolVersion;
use crate::ports::{HttpResponse, Platform};
use crate::ports::{SessionAnswer, SessionRequest};
use crate::tools::ToolContext;
use crate::web::{error, json};
use http::{HeaderMap, StatusCode};
use serde_json::Value;

/// Where messages are posted.
pub const MESSAGE_PATH: &str = "/sse/message";
/// A comment line is sent this often on an idle stream, so proxies keep it open.
pub const KEEPALIVE_MS: u64 = 15_000;
/// The keep-alive comment.
pub const KEEPALIVE: &str = ": keep-alive\n\n";

/// A stream to open: what the edge needs to connect the client's stream to its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseOpen {
    /// The session's id (32 hex characters, unguessable).
    pub session_id: String,
    /// The owner's shard (a hash of the user id): only they may post to the session.
    pub owner: String,
}

impl SseOpen {
    /// The first event of the stream.
    pub fn endpoint_event(&self) -> String {
        format!("event: endpoint\ndata: {MESSAGE_PATH}?sessionId={}\n\n", self.session_id)
    }
}

/// A JSON-RPC message as an SSE `message` event (the JSON is compact, so it is one line).
pub fn message_event(json: &str) -> String {
    format!("event: message\ndata: {}\n\n", json.replace(['\n', '\r'], " "))
}

/// The `sessionId` of a message URL's query, if well-formed.
pub fn session_id(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "sessionId")
        .map(|(_, v)| v.into_owned())
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An answered message POST, for the request log.
pub struct Posted {
    /// The HTTP answer (202 when relayed).
    pub response: HttpResponse,
    /// The JSON-RPC methods called.
    pub calls: Vec<String>,
    /// The session object's instance id (it changes when the object was evicted meanwhile).
    pub instance: Option<String>,
}

/// Handles `POST /sse/message?sessionId=…` from the signed-in owner `owner`.
pub async fn post<P: Platform>(
    ctx: &ToolContext<'_, P>,
    session: &str,
    owner: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Posted {
    let mut calls = Vec::new();
    let done = |response, calls, instance| Posted { response, calls, instance };
    // The session is checked before anything runs, so a tool never runs for a dead stream.
    let check = ctx.site.platform.session(session, SessionRequest::Check { owner: owner.to_string() }).await;
    if let Some(response) = refusal(&check) {
        return done(response, calls, None);
    }
    let version = headers
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| ProtocolVersion::parse(v.trim()))
        .unwrap_or(ProtocolVersion::LATEST);
    let mut responses: Vec<Response> = Vec::new();
    match parse_body(body) {
        Err(problem) => responses.push(Response::error(Value::Null, problem)),
        Ok(Body::Single(value)) => responses.extend(answer(ctx, version, value, &mut calls).await),
        Ok(Body::Batch(items)) => {
            for item in items {
                responses.extend(answer(ctx, version, item, &mut calls).await);
            }
        }
    }
    if responses.is_empty() {
        return done(crate::web::accepted(), calls, None);
    }
    let messages = responses.iter().map(|r| serde_json::to_string(r).unwrap_or_default()).collect();
    let relayed =
        ctx.site.platform.session(session, SessionRequest::Relay { owner: owner.to_string(), messages }).await;
    match refusal(&relayed) {
        Some(response) => done(response, calls, None),
        None => {
            let instance = match relayed {
                Ok(SessionAnswer::Open { instance }) => Some(instance),
                _ => None,
            };
            done(crate::web::accepted(), calls, instance)
        }
    }
}

fn refusal(answer: &Result<SessionAnswer, crate::ports::HostError>) -> Option<HttpResponse> {
    match answer {
        Ok(SessionAnswer::Open { .. }) => None,
        Ok(SessionAnswer::Unknown) => Some(error(
            StatusCode::NOT_FOUND,
            "unknown_session",
            "this SSE session is closed or unknown; open a new stream with GET /sse",
        )),
        Ok(SessionAnswer::OtherUser) => {
            Some(error(StatusCode::FORBIDDEN, "forbidden", "this SSE session belongs to another user"))
        }
        Err(e) => Some(json(
            StatusCode::SERVICE_UNAVAILABLE,
            &serde_json::json!({"error": "temporarily_unavailable", "error_description": e.to_string()}),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let open = SseOpen { session_id: "ab".repeat(16), owner: "u-1".into() };
        assert_eq!(
            open.endpoint_event(),
            format!("event: endpoint\ndata: /sse/message?sessionId={}\n\n", "ab".repeat(16))
        );
        assert_eq!(message_event(r#"{"a":1}"#), "event: message\ndata: {\"a\":1}\n\n");
        assert_eq!(session_id(&format!("sessionId={}", "0f".repeat(16))), Some("0f".repeat(16)));
        assert_eq!(session_id("sessionId=../../x"), None);
    }
}
