//! The findings of the white-box security review, one test each, named `security_<n>_…` after
//! the finding it proves fixed (findings proved inside a module are tested there, under the same
//! naming: `grep -rn security_ src tests` lists them all).

use serde_json::{json, Value};
use skillport_connector::app;
use skillport_connector::config::Config;
use skillport_connector::identity::UserInfo;
use skillport_connector::oauth::ledger::{self, RevokeAll};
use skillport_test::{FakeGitHub, FakePlatform};
use std::collections::HashMap;
use url::form_urlencoded;

fn platform() -> FakePlatform {
    FakePlatform::with_one_skill()
}

/// Posts `body` to `/mcp` as the platform's signed-in user; the status and the JSON answer.
async fn mcp(platform: &FakePlatform, body: &Value, version: Option<&str>) -> (u16, Value) {
    let mut builder = http::Request::post("https://skills.example.com/mcp")
        .header("content-type", "application/json")
        .header("authorization", platform.bearer());
    if let Some(version) = version {
        builder = builder.header("mcp-protocol-version", version);
    }
    let handled =
        app::handle(platform, &Ok(platform.config()), builder.body(body.to_string().into_bytes()).unwrap()).await;
    let (parts, bytes) = handled.response.into_parts();
    (parts.status.as_u16(), serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Registers a public client with `metadata` (plus `token_endpoint_auth_method: none`); its id.
async fn register(platform: &FakePlatform, mut metadata: Value) -> String {
    metadata["token_endpoint_auth_method"] = "none".into();
    let request = http::Request::post("https://skills.example.com/register")
        .header("content-type", "application/json")
        .body(metadata.to_string().into_bytes())
        .unwrap();
    let registered: Value =
        serde_json::from_slice(app::handle(platform, &Ok(platform.config()), request).await.response.body()).unwrap();
    registered["client_id"].as_str().unwrap().to_string()
}

fn tool_call(id: usize, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
}

/// Finding 15: a batch could hold any number of calls, and `query` any number of words, each
/// matched against every skill.
#[tokio::test]
async fn security_15_batches_and_queries_are_bounded() {
    let platform = platform();
    let batch: Vec<Value> = (0..21).map(|id| tool_call(id, "list_skills", json!({}))).collect();
    let (status, reply) = mcp(&platform, &Value::Array(batch.clone()), Some("2025-03-26")).await;
    assert_eq!((status, reply["error"]["code"].as_i64()), (400, Some(-32600)));
    assert!(reply["error"]["message"].as_str().unwrap().contains("at most 20"), "{reply}");
    let (status, reply) = mcp(&platform, &Value::Array(batch[..20].to_vec()), Some("2025-03-26")).await;
    assert_eq!(status, 200);
    assert_eq!(reply.as_array().map(Vec::len), Some(20), "20 messages are answered");

    let long = "proposal ".repeat(57);
    assert!(long.chars().count() > 512);
    let (_, reply) = mcp(&platform, &tool_call(1, "list_skills", json!({"query": long})), None).await;
    assert_eq!(reply["result"]["isError"], true);
    assert!(reply["result"]["content"][0]["text"].as_str().unwrap().contains("at most 512 characters"));
    let (_, reply) = mcp(&platform, &tool_call(1, "list_skills", json!({"query": &long[..512]})), None).await;
    assert_eq!(reply["result"]["structuredContent"]["total"], 1, "512 characters still search");
}

/// Finding 9: a download link outlived the revocation of its user's sign-in, and carried their
/// email in the URL.
#[tokio::test]
async fn security_9_download_links_die_with_the_sign_in_and_hold_no_personal_data() {
    let platform = platform();
    let (_, reply) = mcp(&platform, &tool_call(1, "fetch_skill", json!({"name": "proposal-writer"})), None).await;
    let url = reply["result"]["structuredContent"]["package"]["download_url"].as_str().unwrap().to_string();
    for personal in ["ann", "acme.example", "test%3A"] {
        assert!(!url.contains(personal), "{personal} in {url}");
    }
    let download = || async {
        let request = http::Request::get(url.as_str()).body(Vec::new()).unwrap();
        app::handle(&platform, &Ok(platform.config()), request).await.response
    };
    assert_eq!(download().await.status(), 200);
    let shard = skillport_connector::oauth::shard_of("test:ann");
    ledger::call(&platform, &shard, RevokeAll {}).await.unwrap();
    let refused = download().await;
    assert_eq!(refused.status(), 403);
    assert!(String::from_utf8_lossy(refused.body()).contains("sign-in this download link was issued under has ended"));
}

/// The test platform's settings, with `CONNECTOR_URL` as given.
fn config_with_connector_url(connector_url: Option<&str>) -> Config {
    let mut vars: HashMap<&str, &str> = [
        ("MARKETPLACE_REPO", "acme/skills"),
        ("GITHUB_SERVICE_TOKEN", "test-token"),
        ("GITHUB_API_URL", "https://api.github.test"),
        ("COOKIE_ENCRYPTION_KEY", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
        ("OIDC_ISSUER", "https://idp.example.com"),
        ("OIDC_CLIENT_ID", "skillport"),
        ("OIDC_CLIENT_SECRET", "upstream-secret"),
        ("ALLOWED_DOMAINS", "acme.example"),
    ]
    .into();
    if let Some(url) = connector_url {
        vars.insert("CONNECTOR_URL", url);
    }
    Config::load(|name| vars.get(name).map(|v| v.to_string())).unwrap()
}

/// Finding 12: without `CONNECTOR_URL`, the issuer, links and the cookies' `Secure` flag
/// followed whatever URL a request named.
#[tokio::test]
async fn security_12_connector_url_is_required_outside_loopback() {
    let platform = platform();
    let metadata = |config: Config, url: &str, host: Option<&str>| {
        let mut builder = http::Request::get(url);
        if let Some(host) = host {
            builder = builder.header("host", host);
        }
        let request = builder.body(Vec::new()).unwrap();
        let platform = &platform;
        async move {
            let (parts, body) = app::handle(platform, &Ok(config), request).await.response.into_parts();
            (parts.status.as_u16(), serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null))
        }
    };
    let path = "/.well-known/oauth-authorization-server";
    let (status, body) = metadata(config_with_connector_url(None), &format!("https://evil.example{path}"), None).await;
    assert_eq!(status, 421, "{body}");
    assert_eq!(body["problems"][0]["setting"], "CONNECTOR_URL");
    let (status, body) = metadata(config_with_connector_url(None), &format!("http://127.0.0.1:8787{path}"), None).await;
    assert_eq!((status, body["issuer"].as_str()), (200, Some("http://127.0.0.1:8787")), "a local run needs none");
    let set = config_with_connector_url(Some("https://skills.example.com"));
    let (status, body) = metadata(set, &format!("https://evil.example{path}"), Some("evil.example")).await;
    assert_eq!((status, body["issuer"].as_str()), (200, Some("https://skills.example.com")));
}

/// Finding 13: the public home page showed the private repository's name, its commit and the
/// GitHub token's expiry. Now only an editor's token gets them (as JSON, for monitors); in HTML
/// they are on the admin console.
#[tokio::test]
async fn security_13_the_home_page_keeps_details_for_editors() {
    let github = FakeGitHub::new("main");
    github.commit(&[
        (".claude-plugin/marketplace.json", json!({"name": "acme", "plugins": []}).to_string()),
        (".skillport/access.json", json!({"editors": ["test:ann"]}).to_string()),
    ]);
    let platform = FakePlatform::new(github);
    let commit = platform.github.head();
    let bob = platform.sign_in(&UserInfo {
        id: "test:bob".into(),
        email: "bob@acme.example".into(),
        name: None,
        domain: Some("acme.example".into()),
        ..Default::default()
    });
    let page = |authorization: Option<String>, accept: &'static str| {
        let mut builder = http::Request::get("https://skills.example.com/").header("accept", accept);
        if let Some(value) = authorization {
            builder = builder.header("authorization", value);
        }
        let request = builder.body(Vec::new()).unwrap();
        let platform = &platform;
        async move {
            let response = app::handle(platform, &Ok(platform.config()), request).await.response;
            String::from_utf8(response.into_body()).unwrap()
        }
    };
    for accept in ["application/json", "text/html"] {
        for viewer in [None, Some(bob.clone()), Some("Bearer forged".to_string())] {
            let shown = page(viewer.clone(), accept).await;
            assert!(shown.contains("/mcp"), "the URL to paste is public");
            for private in ["acme/skills", &commit[..12], "idp.example.com"] {
                assert!(!shown.contains(private), "{private} shown to {viewer:?} in {shown}");
            }
        }
        let editor = page(Some(platform.bearer()), accept).await;
        if accept == "application/json" {
            assert!(editor.contains("acme/skills") && editor.contains(&commit[..12]), "{editor}");
        } else {
            // A browser sends no token: the HTML details are the admin console's.
            assert!(
                !editor.contains("acme/skills") && editor.contains(r#"<a href="/admin">admin console</a>"#),
                "{editor}"
            );
        }
    }
    let public: Value = serde_json::from_str(&page(None, "application/json").await).unwrap();
    let detailed: Value = serde_json::from_str(&page(Some(platform.bearer()), "application/json").await).unwrap();
    assert!(public["healthy"].is_boolean(), "the health word stays public: {public}");
    assert_eq!(public["healthy"], detailed["healthy"]);
}

/// Also found by the review: when the host's random source failed, buffers were filled with
/// zeros, so codes, grant ids and session ids would have been predictable. Now the request fails.
#[tokio::test]
async fn security_random_source_failure_fails_the_request_and_issues_nothing() {
    let platform = platform();
    let bearer = platform.bearer();
    let grants_before = platform.ledgers.borrow().values().map(|l| l.writes.get()).sum::<u64>();
    platform.random_fails.set(true);
    let register = http::Request::post("https://skills.example.com/register")
        .header("content-type", "application/json")
        .body(json!({"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"]}).to_string().into_bytes())
        .unwrap();
    let authorize =
        http::Request::get("https://skills.example.com/authorize?response_type=code").body(Vec::new()).unwrap();
    let call = http::Request::post("https://skills.example.com/mcp")
        .header("content-type", "application/json")
        .header("authorization", bearer)
        .body(tool_call(1, "whoami", json!({})).to_string().into_bytes())
        .unwrap();
    for request in [register, authorize, call] {
        let path = request.uri().path().to_string();
        let response = app::handle(&platform, &Ok(platform.config()), request).await.response;
        assert_eq!(response.status(), 503, "{path}");
        assert!(String::from_utf8_lossy(response.body()).contains("random number source failed"), "{path}");
    }
    let grants_after = platform.ledgers.borrow().values().map(|l| l.writes.get()).sum::<u64>();
    assert_eq!(grants_after, grants_before, "nothing was stored");
}

/// Finding 7: a made-up authorization code reached (and created) a Durable Object per request.
#[tokio::test]
async fn security_7_forged_codes_touch_no_durable_object() {
    let platform = platform();
    let config = Ok(platform.config());
    let client_id = register(&platform, json!({"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"]})).await;
    let shard = format!("u-{}", "0".repeat(32));
    for code in [format!("spc1.{shard}.x"), format!("spc2.{shard}.x.AAAA"), format!("spc2.{shard}.x")] {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", &code)
            .append_pair("code_verifier", &"v".repeat(43))
            .append_pair("redirect_uri", "https://claude.ai/api/mcp/auth_callback")
            .append_pair("client_id", &client_id)
            .finish();
        let token = http::Request::post("https://skills.example.com/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.into_bytes())
            .unwrap();
        let response = app::handle(&platform, &config, token).await.response;
        assert_eq!(response.status(), 400, "{code}");
        assert!(String::from_utf8_lossy(response.body()).contains("invalid_grant"), "{code}");
        assert!(!platform.ledgers.borrow().contains_key(&shard), "{code} reached the shard's Durable Object");
    }
}

/// Finding 8: a metadata-document client id could point at the connector itself, carry a
/// query, or be of any length, and each was fetched.
#[tokio::test]
async fn security_8_metadata_client_ids_on_our_host_with_a_query_or_too_long_are_refused_unfetched() {
    let platform = platform();
    let long = format!("https://app.example/{}.json", "a".repeat(500));
    for (client_id, reason) in [
        ("https://skills.example.com/download/x.skill", "own host"),
        ("https://app.example/client.json?redirect=1", "query"),
        (long.as_str(), "longer than 512"),
    ] {
        platform.github.log.borrow_mut().clear();
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", "https://app.example/cb")
            .append_pair("code_challenge", &"c".repeat(43))
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", "s")
            .finish();
        let request =
            http::Request::get(format!("https://skills.example.com/authorize?{query}")).body(Vec::new()).unwrap();
        let response = app::handle(&platform, &Ok(platform.config()), request).await.response;
        let body = String::from_utf8_lossy(response.body()).to_string();
        assert_eq!(response.status(), 400, "{client_id}: {body}");
        assert!(body.contains(reason), "{client_id}: {body}");
        assert!(platform.github.log.borrow().is_empty(), "{client_id} was fetched: {:?}", platform.github.log.borrow());
    }
}

/// Finding 3: answers from GitHub, the identity provider and metadata documents were read whole
/// before any limit (request bodies are capped by the edge before authentication; the
/// end-to-end tests post one).
#[tokio::test]
async fn security_3_outgoing_reads_are_capped_with_a_clear_error() {
    let platform = platform();
    platform.github.serve("/repos/acme/skills/commits", vec![b' '; 5 << 20]);
    let (_, reply) = mcp(&platform, &tool_call(1, "list_skills", json!({})), None).await;
    let text = reply["result"]["content"][0]["text"].as_str().unwrap();
    assert_eq!(reply["result"]["isError"], true);
    assert!(text.contains("larger than 4 MiB"), "{text}");
}

/// Finding 4: neither the zipball nor a skill's folder had a size limit.
#[tokio::test]
async fn security_4_a_huge_archive_serves_the_last_catalog_and_a_save_cannot_outgrow_a_skill() {
    let platform = platform();
    let (_, first) = mcp(&platform, &tool_call(1, "list_skills", json!({})), None).await;
    assert_eq!(first["result"]["structuredContent"]["total"], 1);
    // A commit whose archive is over 40 MiB (stored, so building it costs no compression).
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("acme-skills-big/plugins/sales/skills/data/blob.bin", stored).unwrap();
    std::io::Write::write_all(&mut writer, &vec![7u8; 41 << 20]).unwrap();
    platform.github.commit_zipball(writer.finish().unwrap().into_inner());
    let (_, reply) = mcp(&platform, &tool_call(2, "list_skills", json!({})), None).await;
    let out = &reply["result"]["structuredContent"];
    assert_eq!(out["total"], 1, "the last catalog is served: {reply}");
    assert!(out["stale"].as_str().unwrap().contains("larger than 40 MiB"), "{out}");

    // A save that would take a skill's folder past 16 MiB is refused, writing nothing.
    let github = FakeGitHub::new("main");
    let big = vec![0u8; 1 << 20];
    let mut files: Vec<(String, Vec<u8>, bool)> = vec![
        (
            ".claude-plugin/marketplace.json".into(),
            json!({"name": "acme", "plugins": [{"name": "sales", "source": "./plugins/sales"}]})
                .to_string()
                .into_bytes(),
            false,
        ),
        (".skillport/access.json".into(), json!({"editors": ["test:ann"]}).to_string().into_bytes(), false),
        ("plugins/sales/skills/data/SKILL.md".into(), b"---\nname: data\ndescription: Data\n---\n".to_vec(), false),
    ];
    files.extend((0..16).map(|n| (format!("plugins/sales/skills/data/part{n}.bin"), big.clone(), false)));
    let borrowed: Vec<(&str, Vec<u8>, bool)> = files.iter().map(|(p, b, x)| (p.as_str(), b.clone(), *x)).collect();
    github.commit_bytes(&borrowed);
    let platform = FakePlatform::new(github);
    let head = platform.github.head();
    let (_, fetched) = mcp(&platform, &tool_call(1, "fetch_skill", json!({"name": "data"})), None).await;
    let base = fetched["result"]["structuredContent"]["skill"]["version_id"].as_str().unwrap().to_string();
    let save =
        json!({"skill": "data", "base_version": base, "files": [{"path": "more.txt", "content": "x".repeat(1000)}]});
    let (_, reply) = mcp(&platform, &tool_call(2, "save_skill", save), None).await;
    let text = reply["result"]["content"][0]["text"].as_str().unwrap();
    assert_eq!(reply["result"]["isError"], true, "{text}");
    assert!(text.contains("more than the 16 MiB a skill may hold"), "{text}");
    assert_eq!(platform.github.head(), head, "nothing was written");
}

/// The `name=value` pairs a response sets, as a `Cookie` header.
fn cookies_from(response: &http::Response<Vec<u8>>) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A hidden form field's value in `html`.
fn form_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map(|at| at + marker.len()).unwrap();
    html[start..].split('"').next().unwrap().replace("&amp;", "&")
}

/// Finding 1: consent was remembered per client only, so a client registered with two redirect
/// URIs and approved for one was silently used with the other; the page did not say where the
/// browser goes back to, nor that a self-registered name is unverified.
#[tokio::test]
async fn security_1_consent_is_remembered_per_client_and_redirect_uri() {
    let platform = platform();
    platform.github.serve(
        "/.well-known/openid-configuration",
        json!({"issuer": "https://idp.example.com", "authorization_endpoint": "https://idp.example.com/auth",
               "token_endpoint": "https://idp.example.com/token", "jwks_uri": "https://idp.example.com/jwks"})
        .to_string()
        .into_bytes(),
    );
    let config = Ok(platform.config());
    let (good, other) = ("https://claude.ai/api/mcp/auth_callback", "https://attacker.example/cb");
    let client_id = register(&platform, json!({"redirect_uris": [good, other], "client_name": "Claude"})).await;
    let authorize = |redirect: &str, cookie: &str| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("code_challenge", &"c".repeat(43))
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", "s")
            .finish();
        http::Request::get(format!("https://skills.example.com/authorize?{query}"))
            .header("cookie", cookie)
            .body(Vec::new())
            .unwrap()
    };
    let page = app::handle(&platform, &config, authorize(good, "")).await.response;
    let html = String::from_utf8(page.body().clone()).unwrap();
    assert_eq!(page.status(), 200);
    assert!(html.contains("<b>claude.ai</b>"), "the redirect host is shown: {html}");
    assert!(html.contains("not verified"), "a self-registered name is marked: {html}");
    let csrf_cookie = cookies_from(&page);
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("request", &form_field(&html, "request"))
        .append_pair("csrf", &form_field(&html, "csrf"))
        .append_pair("decision", "allow")
        .finish();
    let allow = http::Request::post("https://skills.example.com/authorize")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://skills.example.com")
        .header("cookie", &csrf_cookie)
        .body(form.into_bytes())
        .unwrap();
    let allowed = app::handle(&platform, &config, allow).await.response;
    assert_eq!(allowed.status(), 302, "{}", String::from_utf8_lossy(allowed.body()));
    let consent_cookie = cookies_from(&allowed);
    assert!(consent_cookie.contains("consent"), "{consent_cookie}");

    let again = app::handle(&platform, &config, authorize(good, &consent_cookie)).await.response;
    assert_eq!(again.status(), 302, "the approved pair goes straight on");
    let elsewhere = app::handle(&platform, &config, authorize(other, &consent_cookie)).await.response;
    assert_eq!(elsewhere.status(), 200, "the other redirect URI needs its own consent");
    assert!(String::from_utf8_lossy(elsewhere.body()).contains("<b>attacker.example</b>"));
}
