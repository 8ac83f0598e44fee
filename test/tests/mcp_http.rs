//! The MCP endpoint as a client sees it: JSON-RPC framing, protocol versions, batches, errors,
//! origins and the list_skills tool, over the in-memory platform.

use serde_json::{json, Value};
use skillport_connector::app;
use skillport_connector::config::{Config, ConfigError};
use skillport_test::{FakeGitHub, FakePlatform};

fn skill(name: &str, description: &str) -> String {
    format!("---\nname: {name}\ndescription: {description}\n---\n")
}

fn platform() -> FakePlatform {
    let github = FakeGitHub::new("main");
    let mut files = vec![(
        ".claude-plugin/marketplace.json",
        json!({"name": "acme", "plugins": [
            {"name": "sales", "source": "./plugins/sales", "tags": ["crm"], "category": "business"},
            {"name": "eng", "source": "./plugins/eng"}]})
        .to_string(),
    )];
    files.push(("plugins/sales/.claude-plugin/plugin.json", r#"{"name": "sales", "version": "1.4.0"}"#.into()));
    files.push(("plugins/sales/skills/proposal-writer/SKILL.md", skill("proposal-writer", "Drafts sales proposals")));
    files.push(("plugins/sales/skills/deal-review/SKILL.md", skill("deal-review", "Reviews deals")));
    files.push(("plugins/eng/skills/code-review/SKILL.md", skill("code-review", "Reviews code for bugs")));
    files.push(("plugins/drafts/skills/secret-plan/SKILL.md", skill("secret-plan", "Unpublished")));
    github.commit(&files);
    FakePlatform::new(github)
}

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: Value,
}

async fn send(
    platform: &FakePlatform,
    config: &Result<Config, Vec<ConfigError>>,
    mut request: http::Request<Vec<u8>>,
) -> Reply {
    // Every test here speaks as a signed-in user unless it sets its own Authorization.
    if request.uri().path() == "/mcp" && !request.headers().contains_key("authorization") {
        request.headers_mut().insert("authorization", platform.bearer().parse().unwrap());
    }
    let handled = app::handle(platform, config, request).await;
    let (parts, body) = handled.response.into_parts();
    Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

fn post(body: &Value, version: Option<&str>) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::post("https://skills.example.com/mcp").header("content-type", "application/json");
    if let Some(version) = version {
        builder = builder.header("mcp-protocol-version", version);
    }
    builder.body(body.to_string().into_bytes()).unwrap()
}

async fn rpc(platform: &FakePlatform, body: Value, version: Option<&str>) -> Reply {
    send(platform, &Ok(platform.config()), post(&body, version)).await
}

async fn call_tool(platform: &FakePlatform, name: &str, arguments: Value) -> Value {
    let reply = rpc(
        platform,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}),
        Some("2025-06-18"),
    )
    .await;
    assert_eq!(reply.status, 200);
    reply.body["result"].clone()
}

#[tokio::test]
async fn initialize_answers_the_clients_version_or_the_latest() {
    let platform = platform();
    for (asked, answered) in [
        ("2024-11-05", "2024-11-05"),
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
    ] {
        let reply = rpc(&platform, json!({"jsonrpc": "2.0", "id": "i", "method": "initialize", "params": {"protocolVersion": asked, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}), None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["result"]["protocolVersion"], answered);
        assert_eq!(reply.body["result"]["capabilities"]["tools"]["listChanged"], false);
        assert!(reply.headers.get("mcp-session-id").is_none(), "stateless: no session id");
    }
}

#[tokio::test]
async fn notifications_and_client_responses_get_202() {
    let platform = platform();
    let reply = rpc(&platform, json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), None).await;
    assert_eq!(reply.status, 202);
    let reply = rpc(&platform, json!({"jsonrpc": "2.0", "id": 5, "result": {}}), None).await;
    assert_eq!(reply.status, 202);
}

#[tokio::test]
async fn protocol_errors_have_their_codes_and_never_500() {
    let platform = platform();
    let config = Ok(platform.config());
    let raw = http::Request::post("https://skills.example.com/mcp")
        .header("content-type", "application/json")
        .body(b"{not json".to_vec())
        .unwrap();
    let reply = send(&platform, &config, raw).await;
    assert_eq!((reply.status, reply.body["error"]["code"].as_i64()), (400, Some(-32700)));

    let reply = rpc(&platform, json!({"id": 1, "method": "ping"}), None).await;
    assert_eq!((reply.status, reply.body["error"]["code"].as_i64()), (400, Some(-32600)));

    let reply = rpc(&platform, json!({"jsonrpc": "2.0", "id": 1, "method": "sampling/createMessage"}), None).await;
    assert_eq!((reply.status, reply.body["error"]["code"].as_i64()), (200, Some(-32601)));

    let reply =
        rpc(&platform, json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nope"}}), None)
            .await;
    assert_eq!(reply.body["error"]["code"], -32602);
    let reply =
        rpc(&platform, json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"arguments": {}}}), None)
            .await;
    assert_eq!(reply.body["error"]["code"], -32602);
    let reply = rpc(&platform, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}), None).await;
    assert_eq!(reply.body["error"]["code"], -32602);

    let reply = rpc(&platform, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}), Some("1999-01-01")).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body["error"]["message"].as_str().unwrap().contains("2025-11-25"));

    let wrong_type = http::Request::post("https://skills.example.com/mcp")
        .header("content-type", "text/plain")
        .body(b"{}".to_vec())
        .unwrap();
    assert_eq!(send(&platform, &config, wrong_type).await.status, 415);
}

#[tokio::test]
async fn batches_only_for_2025_03_26() {
    let platform = platform();
    let batch = json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}]);
    let reply = rpc(&platform, batch.clone(), None).await;
    assert_eq!(reply.status, 200);
    let answers = reply.body.as_array().unwrap();
    assert_eq!(answers.iter().map(|a| a["id"].clone()).collect::<Vec<_>>(), [json!(1), json!(2)]);

    for version in ["2025-06-18", "2025-11-25"] {
        let reply = rpc(&platform, batch.clone(), Some(version)).await;
        assert_eq!((reply.status, reply.body["error"]["code"].as_i64()), (400, Some(-32600)), "{version}");
    }
    let reply = rpc(&platform, json!([]), None).await;
    assert_eq!(reply.body["error"]["code"], -32600);
}

#[tokio::test]
async fn tools_declare_schemas_and_annotations() {
    let platform = platform();
    let reply = rpc(&platform, json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}), Some("2025-06-18")).await;
    let tools = reply.body["result"]["tools"].as_array().unwrap();
    let list = tools.iter().find(|t| t["name"] == "list_skills").unwrap();
    assert_eq!(list["inputSchema"]["type"], "object");
    assert_eq!(list["outputSchema"]["type"], "object");
    assert!(list["outputSchema"]["properties"]["skills"].is_object());
    assert_eq!(list["annotations"]["readOnlyHint"], true);
    assert_eq!(list["annotations"]["destructiveHint"], false);
}

#[tokio::test]
async fn every_declared_tool_is_callable_and_its_schemas_fit_16_kib() {
    let platform = platform();
    let reply = rpc(&platform, json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}), Some("2025-11-25")).await;
    let tools = reply.body["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "list_skills",
            "fetch_skill",
            "check_updates",
            "whoami",
            "save_skill",
            "delete_skill",
            "publish_skill",
            "bump_version",
            "revoke_user",
            "skill_stats"
        ]
    );
    for tool in tools {
        let size = tool.to_string().len();
        assert!(size < 16 * 1024, "{} declares {size} bytes", tool["name"]);
        assert!(tool["title"].is_string() && tool["outputSchema"]["type"] == "object", "{}", tool["name"]);
        // A declared tool reaches its own argument parser: unknown arguments are its error, not
        // "unknown tool".
        let name = tool["name"].as_str().unwrap();
        let result = call_tool(&platform, name, json!({"no_such_argument": 1})).await;
        let message = result["content"][0]["text"].as_str().unwrap();
        assert_eq!(result["isError"], true, "{name}");
        assert!(message.contains("unknown field `no_such_argument`"), "{name}: {message}");
    }
    for params in [json!({}), json!({"name": 3}), json!({"name": "whoami", "arguments": [1]})] {
        let reply =
            rpc(&platform, json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": params}), None).await;
        assert_eq!((reply.status, reply.body["error"]["code"].as_i64()), (200, Some(-32602)), "{params}");
        assert_eq!(reply.body["id"], 9);
    }
    let reply =
        rpc(&platform, json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "nope"}}), None)
            .await;
    assert!(reply.body["error"]["message"].as_str().unwrap().contains("unknown tool `nope`"));
}

#[tokio::test]
async fn list_skills_lists_published_skills_sorted_with_text_and_structure() {
    let platform = platform();
    let result = call_tool(&platform, "list_skills", json!({})).await;
    assert_eq!(result["isError"], false);
    let structured = &result["structuredContent"];
    let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(&text, structured, "text carries the same JSON");
    let names: Vec<&str> =
        structured["skills"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["code-review", "deal-review", "proposal-writer"], "unpublished secret-plan is not listed");
    let writer = &structured["skills"][2];
    assert_eq!(writer["version"], "1.4.0");
    assert_eq!(writer["group"], "sales");
    assert_eq!(writer["tags"], json!(["crm"]));
    assert_eq!(writer["category"], "business");
    assert_eq!(structured["count"], 3);
}

#[tokio::test]
async fn list_skills_searches_filters_and_pages() {
    let platform = platform();
    let found = call_tool(&platform, "list_skills", json!({"query": "REVIEW"})).await;
    assert_eq!(found["structuredContent"]["total"], 2);
    let found = call_tool(&platform, "list_skills", json!({"query": "crm"})).await;
    assert_eq!(found["structuredContent"]["total"], 2, "tags match");
    let found = call_tool(&platform, "list_skills", json!({"group": "eng"})).await;
    assert_eq!(found["structuredContent"]["skills"][0]["name"], "code-review");

    let first = call_tool(&platform, "list_skills", json!({"limit": 2})).await;
    assert_eq!(first["structuredContent"]["count"], 2);
    let cursor = first["structuredContent"]["next_cursor"].as_str().unwrap().to_string();
    let second = call_tool(&platform, "list_skills", json!({"limit": 2, "cursor": cursor})).await;
    assert_eq!(second["structuredContent"]["skills"][0]["name"], "proposal-writer");
    assert!(second["structuredContent"].get("next_cursor").is_none());
}

#[tokio::test]
async fn tool_mistakes_are_tool_errors_a_model_can_act_on() {
    let platform = platform();
    for (arguments, expected) in [
        (json!({"limit": 0}), "between 1 and 500"),
        (json!({"cursor": "garbage"}), "without a cursor"),
        (json!({"colour": "red"}), "unknown field `colour`"),
        (json!({"limit": "ten"}), "invalid type"),
    ] {
        let result = call_tool(&platform, "list_skills", arguments).await;
        assert_eq!(result["isError"], true);
        let message = result["content"][0]["text"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    platform.github.fail_with(502);
    let result = call_tool(&platform, "list_skills", json!({})).await;
    assert_eq!(result["isError"], true);
    assert!(result["content"][0]["text"].as_str().unwrap().contains("try again"));
}

#[tokio::test]
async fn origins_cors_and_methods() {
    let platform = platform();
    let config = Ok(platform.config());
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    for (origin, status) in
        [("https://claude.ai", 200), ("https://skills.example.com", 200), ("https://evil.example", 403)]
    {
        let mut request = post(&ping, None);
        request.headers_mut().insert("origin", origin.parse().unwrap());
        let reply = send(&platform, &config, request).await;
        assert_eq!(reply.status, status, "{origin}");
        if status == 200 {
            assert_eq!(reply.headers["access-control-allow-origin"], origin);
            assert!(reply.headers["access-control-expose-headers"].to_str().unwrap().contains("WWW-Authenticate"));
        }
    }
    let preflight = http::Request::builder()
        .method("OPTIONS")
        .uri("https://skills.example.com/mcp")
        .header("origin", "https://claude.ai")
        .body(Vec::new())
        .unwrap();
    let reply = send(&platform, &config, preflight).await;
    assert_eq!(reply.status, 204);
    assert!(reply.headers["access-control-allow-headers"].to_str().unwrap().contains("MCP-Protocol-Version"));

    let get = http::Request::get("https://skills.example.com/mcp").body(Vec::new()).unwrap();
    let reply = send(&platform, &config, get).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "POST, OPTIONS");
}

#[tokio::test]
async fn a_missing_setting_is_named_on_every_request() {
    let platform = platform();
    let config = Config::load(|_| None);
    let reply = send(&platform, &config, post(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}), None)).await;
    assert_eq!(reply.status, 503);
    let settings: Vec<&str> =
        reply.body["problems"].as_array().unwrap().iter().map(|p| p["setting"].as_str().unwrap()).collect();
    assert_eq!(
        settings,
        [
            "MARKETPLACE_REPO",
            "GITHUB_SERVICE_TOKEN",
            "COOKIE_ENCRYPTION_KEY",
            "OIDC_CLIENT_ID",
            "OIDC_CLIENT_SECRET",
            "ALLOWED_DOMAINS"
        ]
    );
    let home = http::Request::get("https://skills.example.com/")
        .header("accept", "application/json")
        .body(Vec::new())
        .unwrap();
    let reply = send(&platform, &config, home).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["configured"], false);
    assert_eq!(reply.body["connector_url"], "https://skills.example.com/mcp");
}

#[tokio::test]
async fn input_schemas_read_plainly_and_use_only_standard_formats() {
    let platform = platform();
    let reply = rpc(&platform, json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}), Some("2025-11-25")).await;
    let tool = &reply.body["result"]["tools"][0];
    assert_eq!(tool["inputSchema"]["properties"]["query"]["type"], "string");
    assert_eq!(tool["inputSchema"]["properties"]["limit"]["maximum"], 500);
    assert!(tool["inputSchema"]["properties"]["limit"].get("format").is_none());
    assert_eq!(
        tool["outputSchema"]["properties"]["skills"]["items"]["properties"]["version"]["type"],
        json!(["string", "null"])
    );
    assert!(tool["outputSchema"]["properties"]["count"].get("format").is_none());
}
