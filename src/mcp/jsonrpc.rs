//! JSON-RPC 2.0 as MCP uses it: parsing a POST body into requests, notifications and responses,
//! and the error codes the spec fixes.
//!
//! Hand-written rather than taken from rmcp: rmcp's model types pull in tokio and are shaped for
//! its session-based service, while a stateless Worker needs only these few typed messages and
//! exact control over which malformed input earns which error code.

use serde::Serialize;
use serde_json::{Map, Value};

/// Invalid JSON.
pub const PARSE_ERROR: i64 = -32700;
/// Not a valid JSON-RPC request object.
pub const INVALID_REQUEST: i64 = -32600;
/// The method does not exist.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// The params are wrong for the method.
pub const INVALID_PARAMS: i64 = -32602;
/// The server failed (a resource it cannot read now).
pub const INTERNAL_ERROR: i64 = -32603;
/// 2026-07-28: an `Mcp-Method`, `Mcp-Name` or `MCP-Protocol-Version` header that is missing or
/// does not match the body.
pub const HEADER_MISMATCH: i64 = -32020;
/// 2026-07-28: the request needs a client capability the client did not declare.
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
/// 2026-07-28: a protocol version the server does not speak (`data`: `supported`, `requested`).
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpcError {
    /// One of the codes above.
    pub code: i64,
    /// A message a person can act on.
    pub message: String,
    /// Details a client can act on (the URI not found, the versions supported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError { code, message: message.into(), data: None }
    }

    /// The same error with `data`.
    pub fn with_data(self, data: Value) -> Self {
        RpcError { data: Some(data), ..self }
    }
}

/// A JSON-RPC response: a result or an error for one request id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    jsonrpc: &'static str,
    /// The request's id, echoed exactly (`null` when it could not be read).
    pub id: Value,
    #[serde(flatten)]
    outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Result(Value),
    Error(RpcError),
}

impl Response {
    /// A successful response.
    pub fn result(id: Value, result: Value) -> Self {
        Response { jsonrpc: "2.0", id, outcome: Outcome::Result(result) }
    }

    /// An error response.
    pub fn error(id: Value, error: RpcError) -> Self {
        Response { jsonrpc: "2.0", id, outcome: Outcome::Error(error) }
    }

    /// The error, if this is one.
    pub fn as_error(&self) -> Option<&RpcError> {
        match &self.outcome {
            Outcome::Error(e) => Some(e),
            Outcome::Result(_) => None,
        }
    }
}

/// A request that expects an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// A string or number, never null.
    pub id: Value,
    /// The method name.
    pub method: String,
    /// The params object (empty when absent).
    pub params: Map<String, Value>,
}

/// One message of a POST body, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Answer it.
    Request(Request),
    /// Act on it; never answer.
    Notification { method: String },
    /// A client's response to a server request; the connector sends none, so it is ignored.
    ClientResponse,
    /// Not a valid message: answer with this error.
    Invalid(Response),
}

/// A POST body: one message or a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A single JSON object (or other value).
    Single(Value),
    /// A JSON array of messages.
    Batch(Vec<Value>),
}

/// Parses the body's JSON. A failure is answered with this parse error and a null id.
pub fn parse_body(bytes: &[u8]) -> Result<Body, RpcError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(items)) => Ok(Body::Batch(items)),
        Ok(value) => Ok(Body::Single(value)),
        Err(e) => Err(RpcError::new(PARSE_ERROR, format!("the request body is not valid JSON: {e}"))),
    }
}

/// Classifies one JSON value as a JSON-RPC message.
pub fn classify(value: Value) -> Message {
    let Value::Object(mut object) = value else {
        return invalid(Value::Null, "a JSON-RPC message must be a JSON object");
    };
    let id = object.remove("id");
    let id_valid = matches!(id, None | Some(Value::String(_)) | Some(Value::Number(_)));
    let echo = if id_valid { id.clone().unwrap_or(Value::Null) } else { Value::Null };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(echo, "`jsonrpc` must be \"2.0\"");
    }
    match object.remove("method") {
        Some(Value::String(method)) => {
            let params = match object.remove("params") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(params)) => params,
                Some(_) => return invalid(echo, "`params` must be an object"),
            };
            match id {
                None => Message::Notification { method },
                Some(Value::String(_) | Value::Number(_)) => Message::Request(Request { id: echo, method, params }),
                Some(_) => invalid(Value::Null, "`id` must be a string or a number"),
            }
        }
        Some(_) => invalid(echo, "`method` must be a string"),
        None if id_valid && id.is_some() && (object.contains_key("result") || object.contains_key("error")) => {
            Message::ClientResponse
        }
        None => invalid(echo, "a request needs a `method`"),
    }
}

fn invalid(id: Value, message: &str) -> Message {
    Message::Invalid(Response::error(id, RpcError::new(INVALID_REQUEST, message)))
}

/// A typed result as the JSON it is sent as.
pub fn encode<T: Serialize>(result: T) -> Result<Value, RpcError> {
    serde_json::to_value(result).map_err(|e| RpcError::new(INTERNAL_ERROR, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_every_kind_of_message() {
        assert!(
            matches!(classify(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})), Message::Request(r) if r.id == json!(1) && r.params.is_empty())
        );
        assert!(matches!(
            classify(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})),
            Message::Notification { .. }
        ));
        assert_eq!(classify(json!({"jsonrpc": "2.0", "id": "a", "result": {}})), Message::ClientResponse);
        for bad in [
            json!([1]),
            json!({"id": 1, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": 1, "method": 3}),
            json!({"jsonrpc": "2.0", "id": 1, "method": "x", "params": [1]}),
            json!({"jsonrpc": "2.0", "id": null, "method": "x"}),
            json!({"jsonrpc": "2.0", "id": 1}),
        ] {
            match classify(bad.clone()) {
                Message::Invalid(response) => {
                    assert_eq!(response.as_error().unwrap().code, INVALID_REQUEST, "{bad}")
                }
                other => panic!("{bad} classified as {other:?}"),
            }
        }
    }

    #[test]
    fn responses_serialize_as_the_spec_says() {
        let ok = serde_json::to_value(Response::result(json!("x"), json!({}))).unwrap();
        assert_eq!(ok, json!({"jsonrpc": "2.0", "id": "x", "result": {}}));
        let err = serde_json::to_value(Response::error(Value::Null, RpcError::new(PARSE_ERROR, "bad"))).unwrap();
        assert_eq!(err, json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "bad"}}));
        assert!(parse_body(b"{oops").is_err());
    }
}
