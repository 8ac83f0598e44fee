//! What MCP 2026-07-28 asks of every request and result on the HTTP transport, apart from the
//! methods themselves (specification 2026-07-28: basic/index "Per-request protocol fields" and
//! "Error Responses", basic/transports/streamable-http "Request Metadata" and "Server
//! Validation", basic/versioning, server/utilities/caching).
//!
//! A request is checked in the order the specification's examples and the conformance suite
//! imply: the `Mcp-Method` and `Mcp-Name` headers against the body (-32020), the required `_meta`
//! fields (-32602), the `MCP-Protocol-Version` header against `_meta` (-32020), then the version
//! itself (-32022). Each failure is an HTTP 400 that echoes the request id.

use super::jsonrpc::{Request, RpcError, HEADER_MISMATCH, INVALID_PARAMS, UNSUPPORTED_PROTOCOL_VERSION};
use super::version::{supported_versions, STATELESS};
use crate::protocol::Implementation;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::HeaderMap;
use serde_json::{json, Map, Value};

/// The `_meta` key of the request's protocol version.
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// The `_meta` key of the client's capabilities.
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// The `_meta` key under which results name the server.
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// The methods whose `Mcp-Name` header mirrors a parameter, and which parameter.
fn named_parameter(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    }
}

/// A header's value as the specification compares it: surrounding whitespace trimmed, and the
/// `=?base64?…?=` form (for values that are not plain ASCII) decoded.
fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let raw = headers.get(name)?.to_str().ok()?.trim();
    match raw.strip_prefix("=?base64?").and_then(|rest| rest.strip_suffix("?=")) {
        Some(encoded) => String::from_utf8(STANDARD.decode(encoded).ok()?).ok(),
        None => Some(raw.to_string()),
    }
}

/// Checks a 2026-07-28 request's headers and `_meta`; on failure, the error to answer with
/// HTTP 400.
pub fn check(headers: &HeaderMap, request: &Request) -> Result<(), RpcError> {
    let mismatch = |message: String| RpcError::new(HEADER_MISMATCH, message);
    let meta = request.params.get("_meta").and_then(Value::as_object);
    let version = meta.and_then(|m| m.get(META_PROTOCOL_VERSION)).and_then(Value::as_str);
    let header_version = header_value(headers, "mcp-protocol-version");
    // A client of another era naming a revision this server does not know (and sending no
    // 2026-07-28 `_meta`) learns which revisions it does.
    if let (None, Some(header)) = (version, &header_version) {
        if header != STATELESS {
            return Err(unsupported(header));
        }
    }
    match header_value(headers, "mcp-method") {
        None => {
            return Err(mismatch(format!("the Mcp-Method header is required; send `Mcp-Method: {}`", request.method)))
        }
        Some(value) if value != request.method => {
            return Err(mismatch(format!(
                "Header mismatch: Mcp-Method header value '{value}' does not match body value '{}'",
                request.method
            )))
        }
        Some(_) => {}
    }
    if let Some(parameter) = named_parameter(&request.method) {
        let body = request.params.get(parameter).and_then(Value::as_str).unwrap_or_default();
        match header_value(headers, "mcp-name") {
            None => return Err(mismatch(format!("{} needs the Mcp-Name header (its `{parameter}`)", request.method))),
            Some(value) if value != body.trim() => {
                return Err(mismatch(format!(
                    "Header mismatch: Mcp-Name header value '{value}' does not match body value '{body}'"
                )))
            }
            Some(_) => {}
        }
    }
    let capabilities = meta.and_then(|m| m.get(META_CLIENT_CAPABILITIES)).filter(|c| c.is_object());
    let (Some(version), Some(_)) = (version, capabilities) else {
        return Err(RpcError::new(
            INVALID_PARAMS,
            format!("every request needs `params._meta` with `{META_PROTOCOL_VERSION}` (a string) and `{META_CLIENT_CAPABILITIES}` (an object)"),
        ));
    };
    match header_version {
        Some(header) if header == version => {}
        header => {
            return Err(mismatch(format!(
                "Header mismatch: MCP-Protocol-Version header value '{}' does not match body value '{version}'",
                header.unwrap_or_default()
            )))
        }
    }
    if version != STATELESS {
        return Err(unsupported(version));
    }
    Ok(())
}

/// UnsupportedProtocolVersionError: what was asked for, and what is spoken.
fn unsupported(requested: &str) -> RpcError {
    let supported = supported_versions();
    RpcError::new(
        UNSUPPORTED_PROTOCOL_VERSION,
        format!("Unsupported protocol version `{requested}`; this server supports {}", supported.join(", ")),
    )
    .with_data(json!({"supported": supported, "requested": requested}))
}

/// How long a client may keep a result, and for whom (specification 2026-07-28,
/// server/utilities/caching): answers that depend on the caller's access are private.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// Not a cacheable result.
    None,
    /// The same for every caller.
    Public { ttl_ms: u64 },
    /// Depends on who asks.
    Private { ttl_ms: u64 },
}

/// Adds what every 2026-07-28 result carries: `resultType`, the server's identity in `_meta`,
/// and the caching hints of cacheable results.
pub fn complete(mut result: Map<String, Value>, cache: Cache, server_info: &Implementation) -> Value {
    result.insert("resultType".into(), json!("complete"));
    let meta = result.entry("_meta").or_insert_with(|| json!({}));
    if let Some(meta) = meta.as_object_mut() {
        meta.insert(META_SERVER_INFO.into(), serde_json::to_value(server_info).unwrap_or_default());
    }
    let (ttl, scope) = match cache {
        Cache::None => return Value::Object(result),
        Cache::Public { ttl_ms } => (ttl_ms, "public"),
        Cache::Private { ttl_ms } => (ttl_ms, "private"),
    };
    result.insert("ttlMs".into(), json!(ttl));
    result.insert("cacheScope".into(), json!(scope));
    Value::Object(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::jsonrpc::Request;

    fn request(method: &str, params: Value) -> Request {
        Request { id: json!(1), method: method.into(), params: params.as_object().cloned().unwrap_or_default() }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    fn meta(version: &str) -> Value {
        json!({META_PROTOCOL_VERSION: version, META_CLIENT_CAPABILITIES: {}})
    }

    #[test]
    fn headers_must_mirror_the_body() {
        let call = request("tools/call", json!({"name": "whoami", "_meta": meta(STATELESS)}));
        let ok =
            headers(&[("mcp-method", "tools/call"), ("mcp-name", "  whoami "), ("mcp-protocol-version", STATELESS)]);
        assert_eq!(check(&ok, &call), Ok(()), "whitespace around a value is not part of it");
        let encoded = headers(&[
            ("mcp-method", "tools/call"),
            ("mcp-name", "=?base64?d2hvYW1p?="),
            ("mcp-protocol-version", STATELESS),
        ]);
        assert_eq!(check(&encoded, &call), Ok(()), "the base64 form is decoded");
        for (pairs, expected) in [
            (&[("mcp-name", "whoami"), ("mcp-protocol-version", STATELESS)][..], "Mcp-Method header is required"),
            (
                &[("mcp-method", "TOOLS/CALL"), ("mcp-name", "whoami"), ("mcp-protocol-version", STATELESS)],
                "does not match",
            ),
            (&[("mcp-method", "tools/call"), ("mcp-protocol-version", STATELESS)], "needs the Mcp-Name header"),
            (&[("mcp-method", "tools/call"), ("mcp-name", "other"), ("mcp-protocol-version", STATELESS)], "'other'"),
            (&[("mcp-method", "tools/call"), ("mcp-name", "whoami")], "MCP-Protocol-Version header value ''"),
        ] {
            let error = check(&headers(pairs), &call).unwrap_err();
            assert_eq!(error.code, HEADER_MISMATCH, "{expected}");
            assert!(error.message.contains(expected), "{}", error.message);
        }
    }

    #[test]
    fn meta_is_required_and_the_version_must_be_known() {
        let ok = headers(&[("mcp-method", "tools/list"), ("mcp-protocol-version", STATELESS)]);
        for params in [
            json!({}),
            json!({"_meta": {META_CLIENT_CAPABILITIES: {}}}),
            json!({"_meta": {META_PROTOCOL_VERSION: STATELESS}}),
        ] {
            assert_eq!(check(&ok, &request("tools/list", params)).unwrap_err().code, INVALID_PARAMS);
        }
        let future = headers(&[("mcp-method", "tools/list"), ("mcp-protocol-version", "v999.0.0")]);
        let error = check(&future, &request("tools/list", json!({"_meta": meta("v999.0.0")}))).unwrap_err();
        assert_eq!(error.code, UNSUPPORTED_PROTOCOL_VERSION);
        assert_eq!(error.data.as_ref().unwrap()["requested"], "v999.0.0");
        assert_eq!(error.data.as_ref().unwrap()["supported"][0], STATELESS);
        let error = check(&ok, &request("tools/list", json!({"_meta": meta("v999.0.0")}))).unwrap_err();
        assert_eq!(error.code, HEADER_MISMATCH, "a header that disagrees with _meta is a mismatch first");
    }

    #[test]
    fn results_carry_their_type_identity_and_caching_hints() {
        let info = Implementation { name: "s", title: "S", version: "1" };
        let listed = complete(Map::new(), Cache::Private { ttl_ms: 60_000 }, &info);
        let meta = json!({META_SERVER_INFO: {"name": "s", "title": "S", "version": "1"}});
        assert_eq!(listed, json!({"resultType": "complete", "_meta": meta, "ttlMs": 60_000, "cacheScope": "private"}));
        assert!(complete(Map::new(), Cache::None, &info).get("ttlMs").is_none());
    }
}
