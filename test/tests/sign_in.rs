//! The authorization server's answers over the in-memory platform: registration, the
//! authorization request's validation and consent, the token endpoint's refusals, signing-key
//! rotation, and the storage each sign-in and refresh costs. The whole flow with a real OpenID
//! provider runs end to end in `e2e/sign-in*.test.mjs`.

use serde_json::{json, Value};
use skillport_connector::app;
use skillport_connector::config::Config;
use skillport_connector::identity::UserInfo;
use skillport_connector::oauth::ledger::{
    self, Call, CheckGrant, IssueCode, PendingCode, RedeemCode, Refresh, TouchClient, UpstreamCheck,
};
use skillport_test::MemoryRecords;
use skillport_test::{FakeGitHub, FakePlatform, BASE_URL, SIGNING_KEY_HEX};
use std::collections::HashMap;

fn platform() -> FakePlatform {
    let github = FakeGitHub::new("main");
    github.commit(&[(".claude-plugin/marketplace.json", r#"{"name": "acme", "plugins": []}"#.into())]);
    FakePlatform::new(github)
}

async fn send(platform: &FakePlatform, config: &Config, request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    app::handle(platform, &Ok(config.clone()), request).await.response
}

fn body(response: &http::Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).unwrap_or(Value::Null)
}

async fn register(platform: &FakePlatform, metadata: Value) -> http::Response<Vec<u8>> {
    let request = http::Request::post(format!("{BASE_URL}/register"))
        .header("content-type", "application/json")
        .body(metadata.to_string().into_bytes())
        .unwrap();
    send(platform, &platform.config(), request).await
}

fn get(path: &str) -> http::Request<Vec<u8>> {
    http::Request::get(format!("{BASE_URL}{path}")).body(Vec::new()).unwrap()
}

fn location(response: &http::Response<Vec<u8>>) -> url::Url {
    url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

fn query(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[tokio::test]
async fn registration_is_signed_not_stored_and_checks_redirect_uris() {
    let platform = platform();
    let response = register(&platform, json!({"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"], "client_name": "Claude", "token_endpoint_auth_method": "none"})).await;
    assert_eq!(response.status(), 201);
    let client = body(&response);
    assert!(client["client_id"].as_str().unwrap().starts_with("spd1."));
    assert!(client.get("client_secret").is_none(), "a public client gets no secret");
    assert_eq!(platform.kv_writes(), 0);
    assert!(platform.ledgers.borrow().is_empty(), "registration writes nothing");

    let confidential = body(&register(&platform, json!({"redirect_uris": ["http://127.0.0.1:8080/cb"]})).await);
    assert_eq!(confidential["token_endpoint_auth_method"], "client_secret_basic");
    assert!(confidential["client_secret"].as_str().unwrap().len() >= 40);

    for (metadata, error) in [
        (json!({"redirect_uris": []}), "invalid_redirect_uri"),
        (json!({"redirect_uris": ["http://evil.example/cb"]}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["password"]}), "invalid_client_metadata"),
    ] {
        let response = register(&platform, metadata.clone()).await;
        assert_eq!((response.status().as_u16(), body(&response)["error"].as_str()), (400, Some(error)), "{metadata}");
    }
    let response = register(&platform, json!("not an object")).await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn authorize_shows_a_consent_page_then_sends_the_browser_upstream_with_its_own_state() {
    let platform = platform();
    let client = body(&register(&platform, json!({"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"], "client_name": "Claude <b>", "token_endpoint_auth_method": "none"})).await);
    let client_id = client["client_id"].as_str().unwrap();
    let url = format!(
        "/authorize?response_type=code&client_id={client_id}&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&code_challenge={CHALLENGE}&code_challenge_method=S256&state=xyz"
    );
    let page = send(&platform, &platform.config(), get(&url)).await;
    assert_eq!(page.status(), 200);
    let html = String::from_utf8(page.body().clone()).unwrap();
    assert!(html.contains("Allow Claude &lt;b&gt; to use Skillport Connector?"), "the client name is escaped");
    assert!(html.contains("https://claude.ai/api/mcp/auth_callback"));
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(page.headers()["set-cookie"].to_str().unwrap().starts_with("__Host-skillport_csrf="));

    // A consent form posted from elsewhere, or without this browser's cookie, is refused.
    let form = |html: &str, name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).unwrap() + marker.len();
        html[start..start + html[start..].find('"').unwrap()].replace("&quot;", "\"")
    };
    let fields = format!("request={}&csrf={}&decision=allow", form(&html, "request"), form(&html, "csrf"));
    let post = |cookie: Option<&str>, origin: &str| {
        let mut builder = http::Request::post(format!("{BASE_URL}/authorize"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", origin);
        if let Some(cookie) = cookie {
            builder = builder.header("cookie", cookie);
        }
        builder.body(fields.clone().into_bytes()).unwrap()
    };
    let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(send(&platform, &platform.config(), post(Some(&cookie), "https://evil.example")).await.status(), 403);
    assert_eq!(send(&platform, &platform.config(), post(None, BASE_URL)).await.status(), 403);
    assert_eq!(
        send(&platform, &platform.config(), post(Some("__Host-skillport_csrf=someone-elses-value"), BASE_URL))
            .await
            .status(),
        403
    );
    // With this browser's cookie it goes upstream (discovery unavailable here: a clear 502 page).
    let upstream = send(&platform, &platform.config(), post(Some(&cookie), BASE_URL)).await;
    assert_eq!(upstream.status(), 502);
    assert!(String::from_utf8(upstream.body().clone()).unwrap().contains("identity provider"));
}

#[tokio::test]
async fn authorize_errors_go_back_to_the_client_only_when_the_redirect_uri_is_trusted() {
    let platform = platform();
    let client = body(
        &register(
            &platform,
            json!({"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"], "token_endpoint_auth_method": "none"}),
        )
        .await,
    );
    let client_id = client["client_id"].as_str().unwrap();
    let base = format!("/authorize?response_type=code&client_id={client_id}&state=s1");
    let redirect = "&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback";

    let unknown =
        send(&platform, &platform.config(), get("/authorize?client_id=spd1.forged.sig&response_type=code")).await;
    assert_eq!(unknown.status(), 400);
    assert!(unknown.headers().get("location").is_none());
    let elsewhere =
        send(&platform, &platform.config(), get(&format!("{base}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"))).await;
    assert_eq!(elsewhere.status(), 400);
    assert!(elsewhere.headers().get("location").is_none());
    let ip_document =
        send(&platform, &platform.config(), get("/authorize?client_id=https%3A%2F%2F10.0.0.1%2Fclient.json")).await;
    assert_eq!(ip_document.status(), 400);
    assert!(String::from_utf8(ip_document.body().clone()).unwrap().contains("not an IP address"));

    for (extra, error) in [
        ("", "invalid_request"),
        (&format!("&code_challenge={CHALLENGE}&code_challenge_method=plain")[..], "invalid_request"),
        (
            &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256&resource=https%3A%2F%2Fother.example")[..],
            "invalid_target",
        ),
    ] {
        let response = send(&platform, &platform.config(), get(&format!("{base}{redirect}{extra}"))).await;
        assert_eq!(response.status(), 302, "{extra}");
        let back = query(&location(&response));
        assert_eq!(back["error"], error, "{extra}");
        assert_eq!(back["state"], "s1");
        assert_eq!(back["iss"], BASE_URL);
    }
    let wrong_type =
        send(&platform, &platform.config(), get(&format!("{}{redirect}", base.replace("code&", "token&")))).await;
    assert_eq!(query(&location(&wrong_type))["error"], "unsupported_response_type");
}

#[tokio::test]
async fn the_token_endpoint_refuses_what_it_must() {
    let platform = platform();
    let client = body(
        &register(&platform, json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "none"}))
            .await,
    );
    let client_id = client["client_id"].as_str().unwrap().to_string();
    let token = |form: String| {
        http::Request::post(format!("{BASE_URL}/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.into_bytes())
            .unwrap()
    };
    let cases = [
        (format!("grant_type=password&client_id={client_id}"), 400, "unsupported_grant_type"),
        ("grant_type=authorization_code&client_id=spd1.x.y&code=c".to_string(), 401, "invalid_client"),
        (format!("grant_type=authorization_code&client_id={client_id}&code=spc1.u-00.x&redirect_uri=https%3A%2F%2Fa.example%2Fcb"), 400, "invalid_request"),
        (format!("grant_type=authorization_code&client_id={client_id}&code=spc1.nonsense&redirect_uri=https%3A%2F%2Fa.example%2Fcb&code_verifier={}", "a".repeat(43)), 400, "invalid_grant"),
        (format!("grant_type=refresh_token&client_id={client_id}&refresh_token=spr1.garbage.sig"), 400, "invalid_grant"),
        (format!("grant_type=refresh_token&client_id={client_id}&client_secret=s&refresh_token=x"), 401, "invalid_client"),
    ];
    for (form, status, error) in cases {
        let response = send(&platform, &platform.config(), token(form.clone())).await;
        assert_eq!((response.status().as_u16(), body(&response)["error"].as_str()), (status, Some(error)), "{form}");
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
    let wrong_method = send(&platform, &platform.config(), get("/token")).await;
    assert_eq!(
        (wrong_method.status().as_u16(), wrong_method.headers()["allow"].to_str().unwrap()),
        (405, "POST, OPTIONS"),
        "the token endpoint also answers preflights"
    );
    let json_body = http::Request::post(format!("{BASE_URL}/token"))
        .header("content-type", "application/json")
        .body(b"{}".to_vec())
        .unwrap();
    assert_eq!(send(&platform, &platform.config(), json_body).await.status(), 400);
}

fn config_with(current: &str, previous: Option<&str>) -> Config {
    let mut vars: HashMap<&str, String> = [
        ("MARKETPLACE_REPO", "acme/skills"),
        ("GITHUB_SERVICE_TOKEN", "test-token"),
        ("GITHUB_API_URL", "https://api.github.test"),
        ("OIDC_ISSUER", "https://idp.example.com"),
        ("OIDC_CLIENT_ID", "skillport"),
        ("OIDC_CLIENT_SECRET", "upstream-secret"),
        ("OIDC_PROVIDER_NAME", "test"),
        ("ALLOWED_DOMAINS", "acme.example"),
        ("CONNECTOR_URL", "https://skills.example.com"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    vars.insert("COOKIE_ENCRYPTION_KEY", current.into());
    if let Some(previous) = previous {
        vars.insert("COOKIE_ENCRYPTION_KEY_PREVIOUS", previous.into());
    }
    Config::load(|name| vars.get(name).cloned()).unwrap()
}

#[tokio::test]
async fn rotating_the_signing_key_keeps_people_signed_in_while_the_previous_key_is_set() {
    let platform = platform();
    let bearer = platform.bearer();
    let ping = || {
        http::Request::post(format!("{BASE_URL}/mcp"))
            .header("content-type", "application/json")
            .header("authorization", bearer.clone())
            .body(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.to_vec())
            .unwrap()
    };
    let new_key = "aa".repeat(32);
    assert_eq!(send(&platform, &config_with(SIGNING_KEY_HEX, None), ping()).await.status(), 200);
    assert_eq!(send(&platform, &config_with(&new_key, Some(SIGNING_KEY_HEX)), ping()).await.status(), 200);
    let after = send(&platform, &config_with(&new_key, None), ping()).await;
    assert_eq!(after.status(), 401);
    assert!(after.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
}

#[test]
fn storage_rows_written_per_sign_in_refresh_and_request() {
    let records = MemoryRecords::default();
    let clients = MemoryRecords::default();
    let user = UserInfo {
        id: "google:1".into(),
        email: "a@acme.example".into(),
        name: None,
        domain: None,
        ..Default::default()
    };
    let code = PendingCode {
        user,
        client_id: "c".into(),
        redirect_uri: "https://a.example/cb".into(),
        code_challenge: "x".into(),
        resource: BASE_URL.into(),
        expires_at: 60_000,
        redeemed_by: None,
        upstream_refresh: None,
    };
    IssueCode { state_hash: "s".into(), code_hash: "h".into(), code, now: 0 }.run(&records).unwrap().unwrap();
    let redeem = RedeemCode {
        code_hash: "h".into(),
        verifier_challenge: "x".into(),
        client_id: "c".into(),
        redirect_uri: "https://a.example/cb".into(),
        grant_id: "g".into(),
        grant_lifetime_ms: 86_400_000,
        now: 1,
    };
    redeem.run(&records).unwrap().expect("the code is redeemed");
    TouchClient { client_key: "k".into(), now: 1 }.run(&clients).unwrap();
    let sign_in = records.writes.get() + clients.writes.get();
    assert_eq!(sign_in, 5, "a sign-in writes 5 rows: used state, code, redeemed code, grant, client last use");
    let before = records.writes.get();
    let upstream = UpstreamCheck::Unchanged;
    Refresh { grant_id: "g".into(), generation: 0, client_id: "c".into(), now: 2, upstream }
        .run(&records)
        .unwrap()
        .unwrap();
    assert_eq!(records.writes.get() - before, 1, "a refresh writes 1 row");
    let before = records.writes.get();
    CheckGrant { grant_id: "g".into(), now: 3 }.run(&records).unwrap().unwrap();
    assert_eq!(records.writes.get() - before, 0, "checking a token writes nothing");
}

#[tokio::test]
async fn a_registration_unused_for_90_days_stops_working_and_each_sign_in_keeps_it_alive() {
    let platform = platform();
    let client = body(
        &register(&platform, json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "none"}))
            .await,
    );
    let client_id = client["client_id"].as_str().unwrap().to_string();
    let url = format!(
        "/authorize?response_type=code&client_id={client_id}&redirect_uri=https%3A%2F%2Fa.example%2Fcb&code_challenge={CHALLENGE}&code_challenge_method=S256"
    );
    let day = 86_400_000;
    let start = platform.now.get();
    platform.now.set(start + 89 * day);
    assert_eq!(send(&platform, &platform.config(), get(&url)).await.status(), 200, "still registered after 89 days");
    platform.now.set(start + 91 * day);
    let expired = send(&platform, &platform.config(), get(&url)).await;
    assert_eq!(expired.status(), 400);
    assert!(String::from_utf8(expired.body().clone()).unwrap().contains("register again"));

    // A sign-in (the code redeemed at /token) within the last 90 days keeps it working.
    let key = skillport_connector::oauth::clients::client_key(&client_id);
    ledger::call(&platform, "clients", TouchClient { client_key: key, now: start + 80 * day }).await.unwrap();
    // Each isolate remembers the answer for ten minutes.
    platform.now.set(start + 91 * day + 11 * 60_000);
    assert_eq!(send(&platform, &platform.config(), get(&url)).await.status(), 200);
    platform.now.set(start + 171 * day);
    assert_eq!(send(&platform, &platform.config(), get(&url)).await.status(), 400);
}
