//! MCP 2026-07-28 on `/mcp`, beside the 2025 revisions: no `initialize`, every request checked
//! for its headers and `_meta` before anything runs, results with `resultType`, the server's
//! identity and caching hints, and the mixed case of a 2025 session followed by 2026 requests.

use serde_json::{json, Value};
use skillport_connector::app;
use skillport_test::FakePlatform;

const V2026: &str = "2026-07-28";

fn platform() -> FakePlatform {
    FakePlatform::with_one_skill()
}

fn meta() -> Value {
    json!({"io.modelcontextprotocol/protocolVersion": V2026, "io.modelcontextprotocol/clientCapabilities": {}})
}

/// A 2026-07-28 request: headers mirroring the body, `_meta` in the params.
fn request(id: u64, method: &str, params: Value) -> (Value, Vec<(&'static str, String)>) {
    let mut params = params.as_object().cloned().unwrap_or_default();
    params.insert("_meta".into(), meta());
    let mut headers = vec![("mcp-protocol-version", V2026.to_string()), ("mcp-method", method.to_string())];
    if let Some(name) = params.get("name").or_else(|| params.get("uri")).and_then(Value::as_str) {
        headers.push(("mcp-name", name.to_string()));
    }
    (json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}), headers)
}

async fn send(platform: &FakePlatform, body: &Value, headers: &[(&'static str, String)]) -> (u16, Value) {
    let mut builder = http::Request::post("https://skills.example.com/mcp")
        .header("content-type", "application/json")
        .header("authorization", platform.bearer());
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    let handled =
        app::handle(platform, &Ok(platform.config()), builder.body(body.to_string().into_bytes()).unwrap()).await;
    let (parts, bytes) = handled.response.into_parts();
    (parts.status.as_u16(), serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn call(platform: &FakePlatform, id: u64, method: &str, params: Value) -> (u16, Value) {
    let (body, headers) = request(id, method, params);
    send(platform, &body, &headers).await
}

#[tokio::test]
async fn server_discover_says_what_is_spoken_and_offered() {
    let platform = platform();
    let (status, reply) = call(&platform, 7, "server/discover", json!({})).await;
    assert_eq!(status, 200);
    let result = &reply["result"];
    assert_eq!(reply["id"], 7);
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["supportedVersions"], json!([V2026, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]));
    assert!(result["capabilities"]["tools"].is_object() && result["capabilities"]["prompts"].is_object());
    assert_eq!(result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "skillport-connector");
    assert_eq!((result["ttlMs"].as_u64(), result["cacheScope"].as_str()), (Some(3_600_000), Some("public")));
}

#[tokio::test]
async fn lists_and_calls_are_answered_without_initialize() {
    let platform = platform();
    let (status, reply) = call(&platform, 1, "tools/list", json!({})).await;
    assert_eq!(status, 200);
    let names: Vec<&str> =
        reply["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names[..4], ["list_skills", "fetch_skill", "check_updates", "whoami"], "a fixed order");
    assert!(reply["result"]["tools"][0]["outputSchema"].is_object());
    assert_eq!(reply["result"]["cacheScope"], "public");

    let (status, reply) = call(&platform, 2, "tools/call", json!({"name": "list_skills", "arguments": {}})).await;
    assert_eq!(status, 200);
    assert_eq!(reply["result"]["resultType"], "complete");
    assert_eq!(reply["result"]["structuredContent"]["skills"][0]["name"], "proposal-writer");
    assert!(reply["result"].get("ttlMs").is_none(), "a tool call is not cacheable");

    let (_, reply) = call(&platform, 3, "tools/call", json!({"name": "fetch_skill", "arguments": {}})).await;
    assert_eq!(reply["result"]["isError"], true, "a tool's argument error is a result, not a JSON-RPC error");

    for (method, key, scope) in [
        ("prompts/list", "prompts", "public"),
        ("resources/list", "resources", "private"),
        ("resources/templates/list", "resourceTemplates", "public"),
    ] {
        let (status, reply) = call(&platform, 4, method, json!({})).await;
        assert_eq!(status, 200, "{method}");
        assert!(reply["result"][key].is_array(), "{method}");
        assert_eq!(reply["result"]["cacheScope"], scope, "{method}");
        assert!(reply["result"]["ttlMs"].as_u64().is_some(), "{method}");
    }
    let (_, reply) = call(&platform, 5, "resources/read", json!({"uri": "skill://nope/SKILL.md"})).await;
    assert_eq!(reply["error"]["code"], -32602);
    assert_eq!(reply["error"]["data"]["uri"], "skill://nope/SKILL.md");
}

#[tokio::test]
async fn session_methods_are_not_part_of_2026() {
    let platform = platform();
    for method in ["initialize", "ping", "logging/setLevel", "resources/subscribe", "no/such-method"] {
        let (status, reply) = call(&platform, 9, method, json!({})).await;
        assert_eq!(
            (status, reply["error"]["code"].as_i64(), reply["id"].as_u64()),
            (404, Some(-32601), Some(9)),
            "{method}"
        );
    }
}

#[tokio::test]
async fn headers_and_meta_are_checked_first_and_errors_carry_the_id() {
    let platform = platform();
    let (body, mut headers) = request(11, "tools/list", json!({}));
    headers[1].1 = "prompts/list".into();
    let (status, reply) = send(&platform, &body, &headers).await;
    assert_eq!((status, reply["error"]["code"].as_i64(), reply["id"].as_u64()), (400, Some(-32020), Some(11)));

    let (body, headers) = request(12, "tools/call", json!({"name": "whoami", "arguments": {}}));
    let wrong: Vec<_> =
        headers.iter().map(|(k, v)| (*k, if *k == "mcp-name" { "list_skills".into() } else { v.clone() })).collect();
    let (status, reply) = send(&platform, &body, &wrong).await;
    assert_eq!((status, reply["error"]["code"].as_i64()), (400, Some(-32020)));
    let spaced: Vec<_> =
        headers.iter().map(|(k, v)| (*k, if *k == "mcp-name" { format!("  {v} ") } else { v.clone() })).collect();
    assert_eq!(send(&platform, &body, &spaced).await.0, 200, "whitespace around a header value is not part of it");

    let no_meta = json!({"jsonrpc": "2.0", "id": 13, "method": "tools/list", "params": {}});
    let (status, reply) = send(&platform, &no_meta, &request(0, "tools/list", json!({})).1).await;
    assert_eq!((status, reply["error"]["code"].as_i64(), reply["id"].as_u64()), (400, Some(-32602), Some(13)));

    let mut future = request(14, "tools/list", json!({})).0;
    future["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("v999.0.0");
    let (status, reply) =
        send(&platform, &future, &[("mcp-protocol-version", "v999.0.0".into()), ("mcp-method", "tools/list".into())])
            .await;
    assert_eq!((status, reply["error"]["code"].as_i64()), (400, Some(-32022)));
    assert_eq!(reply["error"]["data"]["requested"], "v999.0.0");
    let (status, reply) = send(&platform, &future, &request(0, "tools/list", json!({})).1).await;
    assert_eq!((status, reply["error"]["code"].as_i64()), (400, Some(-32020)), "header 2026-07-28, body v999");

    let batch = json!([request(15, "tools/list", json!({})).0]);
    assert_eq!(
        send(&platform, &batch, &request(0, "tools/list", json!({})).1).await.0,
        400,
        "no batches in 2026-07-28"
    );
}

#[tokio::test]
async fn a_2025_session_followed_by_2026_requests_is_served() {
    let platform = platform();
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "claude", "version": "1"}}});
    let (status, reply) = send(&platform, &initialize, &[]).await;
    assert_eq!((status, reply["result"]["protocolVersion"].as_str()), (200, Some("2025-11-25")));
    assert!(reply["result"].get("resultType").is_none(), "2025 results keep their shape");
    let (status, reply) = call(&platform, 2, "tools/call", json!({"name": "whoami", "arguments": {}})).await;
    assert_eq!((status, reply["result"]["isError"].as_bool()), (200, Some(false)));
    assert_eq!(reply["result"]["structuredContent"]["email"], "ann@acme.example");
}
