//! Fuzzing every parser that reads outside data, on the stable toolchain: each target feeds its
//! parser inputs that proptest generates, most of them mutations of a seed corpus taken from the
//! tests and the example marketplace (bytes flipped, inserted, deleted, duplicated, and tokens of
//! the format spliced in), the rest raw bytes. A panic is a finding (proptest shrinks it to a
//! minimal input and this run fails); so is an input slower than `--timeout-ms`.
//!
//! `cargo test --test fuzz` runs a short smoke of every target; `scripts/fuzz.sh` runs each for
//! a million inputs (or `--seconds`) in release and prints executions and findings.
//!
//! Usage: `fuzz [--inputs N] [--seconds S] [--timeout-ms T] [--only NAME]`.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::json;
use skillport_connector::access::{Access, SkillRef};
use skillport_connector::catalog::{skill_md, Catalog};
use skillport_connector::downloads::DownloadLink;
use skillport_connector::identity::UserInfo;
use skillport_connector::keys::SigningKey;
use skillport_connector::keys::{Keys, Purpose};
use skillport_connector::oauth::{code, signed, upstream};
use skillport_connector::zipball::{Zipball, ZipballBytes};
use skillport_connector::{app, mcp};
use skillport_test::zipball;
use skillport_test::FakePlatform;
use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// What one target did.
struct Report {
    inputs: u64,
    slowest: Duration,
    finding: Option<String>,
}

/// How long and how hard to fuzz.
#[derive(Clone, Copy)]
struct Budget {
    inputs: u32,
    seconds: Option<u64>,
    timeout: Duration,
}

/// Tokens of the formats under test, spliced into mutated inputs so that mutations reach past
/// the first syntax check.
const TOKENS: &[&[u8]] = &[
    b"---\n",
    b"&a ",
    b"*a",
    b"<<: ",
    b"!!binary ",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\n  ",
    b"null",
    b"\"jsonrpc\":\"2.0\"",
    b"\"id\":1",
    b"\"method\":\"tools/call\"",
    b"\"params\":",
    b"\"_meta\":",
    b"../",
    b"\\u0000",
    b"%2F",
    b"%00",
    b"spc2.",
    b"spa1.",
    b"spr1.",
    b"spd1.",
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"skill://",
    b"https://",
    b"\r\n",
];

/// Inputs for a target: mostly mutations of `seeds`, the rest raw bytes.
fn inputs(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let seeds = Rc::new(seeds);
    let count = seeds.len();
    let edits = vec((0u8..5, any::<usize>(), any::<usize>(), any::<u8>()), 1..8);
    let mutated = (0..count, edits).prop_map(move |(seed, edits)| mutate(seeds[seed].clone(), &edits));
    prop_oneof![6 => mutated, 1 => vec(any::<u8>(), 0..600)]
}

/// Hand-written because no crate offers byte-level mutation on stable Rust outside a fuzzing
/// engine: applies each edit (flip, insert, delete, duplicate a range, splice a token).
fn mutate(mut bytes: Vec<u8>, edits: &[(u8, usize, usize, u8)]) -> Vec<u8> {
    for &(kind, at, other, byte) in edits {
        let len = bytes.len();
        let at = if len == 0 { 0 } else { at % (len + 1) };
        match kind {
            0 if at < len => bytes[at] ^= byte | 1,
            1 => bytes.insert(at, byte),
            2 if at < len => {
                let end = (at + 1 + other % 16).min(len);
                bytes.drain(at..end);
            }
            3 if at < len => {
                let end = (at + 1 + other % 64).min(len);
                let copy = bytes[at..end].to_vec();
                let to = other % (len + 1);
                bytes.splice(to..to, copy);
            }
            _ => {
                let token = TOKENS[other % TOKENS.len()];
                bytes.splice(at..at, token.iter().copied());
            }
        }
    }
    bytes
}

/// Runs `check` on the target's inputs within `budget`; a panic or an input slower than the
/// budget's timeout is the finding.
fn fuzz(seeds: Vec<Vec<u8>>, budget: Budget, check: impl Fn(&[u8])) -> Report {
    let started = Instant::now();
    let count = Cell::new(0u64);
    let slowest = Cell::new(Duration::ZERO);
    let slow_input = std::cell::RefCell::new(None::<Vec<u8>>);
    let config = Config { cases: budget.inputs, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&inputs(seeds), |input| {
        if budget.seconds.is_some_and(|s| started.elapsed().as_secs() >= s) {
            return Ok(());
        }
        let began = Instant::now();
        check(&input);
        let took = began.elapsed();
        count.set(count.get() + 1);
        if took > slowest.get() {
            slowest.set(took);
        }
        if took > budget.timeout && slow_input.borrow().is_none() {
            *slow_input.borrow_mut() = Some(input.clone());
            return Err(TestCaseError::fail(format!("took {took:?}")));
        }
        Ok(())
    });
    let finding = match result {
        Ok(()) => None,
        Err(TestError::Fail(reason, input)) => {
            Some(format!("{reason}; minimal input: {:?}", String::from_utf8_lossy(&input)))
        }
        Err(TestError::Abort(reason)) => Some(format!("aborted: {reason}")),
    };
    Report { inputs: count.get(), slowest: slowest.get(), finding }
}

/// The example marketplace's files whose name ends with `suffix`.
fn example_files(suffix: &str) -> Vec<Vec<u8>> {
    fn walk(dir: &Path, suffix: &str, out: &mut Vec<Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, suffix, out);
            } else if path.to_string_lossy().ends_with(suffix) {
                out.extend(std::fs::read(&path).ok());
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/marketplace"), suffix, &mut out);
    out
}

fn text_seeds(seeds: &[&str]) -> Vec<Vec<u8>> {
    seeds.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn skill_md_target(budget: Budget) -> Report {
    let mut seeds = example_files("SKILL.md");
    seeds.extend(text_seeds(&[
        "---\r\nname: crm-notes\r\ndescription: >\r\n  Summarises calls,\r\n  with next steps.\r\n---\r\nBody\r\n",
        "\u{feff}---\nname: a\ndescription: \"quoted: yes\"\nmetadata:\n  k: v\nallowed-tools: [Read, Grep]\n---\n",
        "---\nname: broken\ndescription: [unclosed\n---\n",
        "# No frontmatter\n\nThe first paragraph is the description.\n",
        "---\na0: &a0 [x, x]\na1: &a1 [*a0, *a0]\nname: bomb\ndescription: d\n---\n",
        "---\nname: x\ndescription: d\nlicense: 3\ncompatibility: [1]\nmetadata: {a: [1]}\n---\n",
    ]));
    fuzz(seeds, budget, |bytes| {
        let _ = skill_md::parse(bytes, "folder");
    })
}

fn access_target(budget: Budget) -> Report {
    let mut seeds = example_files("access.json");
    seeds.extend(text_seeds(&[
        r#"{"editors": ["google:1", {"id": "google:2", "label": "a@b.c"}], "teams": {"sales": ["google:3", "domain:acme.example"]}, "skills": {"sales": {"read": "team:sales", "write": ["team:sales"]}, "pricing": {"read": ["*"]}}}"#,
        r#"{"editors": "editors", "skills": {"x": {"read": ["editors", "team:nope"]}}}"#,
        r#"{"version": 1, "editors": [], "plugins": {"a": {"read": "*"}}}"#,
        "{", "[]", "null",
    ]));
    let users = [
        UserInfo {
            id: "google:1".into(),
            email: "a@acme.example".into(),
            name: None,
            domain: Some("acme.example".into()),
            ..Default::default()
        },
        UserInfo { id: "google:3".into(), email: "c@x.example".into(), name: None, domain: None, ..Default::default() },
    ];
    fuzz(seeds, budget, |bytes| {
        let access = Access::load(Some(&String::from_utf8_lossy(bytes)));
        for user in &users {
            let _ = access.can_read(user, SkillRef { name: "pricing", group: "sales", published: true });
            let _ = (access.can_write(user, "sales"), access.is_editor(user), access.teams_of(user));
        }
    })
}

fn manifests_target(budget: Budget) -> Report {
    let mut seeds = example_files("marketplace.json");
    seeds.extend(example_files("plugin.json"));
    seeds.extend(text_seeds(&[
        r#"{"name": "acme", "plugins": [{"name": "sales", "source": "./plugins/sales", "skills": ["./skills/a"]}, {"name": "all", "source": "./", "strict": false, "skills": ["./skills/b", "./skills/a"]}, {"name": "ext", "source": {"source": "github", "repo": "o/r"}}]}"#,
        r#"{"name": "sales", "version": "1.2.0", "skills": "./custom"}"#,
    ]));
    let skill = b"---\nname: a\ndescription: d\n---\n".as_slice();
    let other = b"---\nname: b\ndescription: d\n---\n".as_slice();
    fuzz(seeds, budget, |bytes| {
        let marketplace = br#"{"name":"acme","plugins":[{"name":"sales","source":"./plugins/sales"}]}"#.as_slice();
        // The input as marketplace.json, then as a plugin.json.
        for (marketplace, plugin) in [(bytes, None), (marketplace, Some(bytes))] {
            let mut files = vec![
                (".claude-plugin/marketplace.json", marketplace, false),
                ("plugins/sales/skills/a/SKILL.md", skill, false),
                ("skills/b/SKILL.md", other, false),
                ("plugins/sales/custom/c/SKILL.md", skill, false),
            ];
            files.extend(plugin.map(|plugin| ("plugins/sales/.claude-plugin/plugin.json", plugin, false)));
            let zip = zipball("acme-skills-0", &files);
            if let Ok(mut snapshot) = Zipball::from_shared(ZipballBytes(Rc::new(zip))) {
                let _ = Catalog::build("0", &mut snapshot, None);
            }
        }
    })
}

fn zipball_target(budget: Budget) -> Report {
    let files: Vec<(String, Vec<u8>)> = ["SKILL.md", "marketplace.json", "plugin.json"]
        .iter()
        .flat_map(|suffix| example_files(suffix))
        .enumerate()
        .map(|(n, bytes)| (format!("plugins/p/skills/s{n}/SKILL.md"), bytes))
        .collect();
    let borrowed: Vec<(&str, &[u8], bool)> = files.iter().map(|(p, b)| (p.as_str(), b.as_slice(), false)).collect();
    let seeds = vec![
        zipball("acme-skills-0", &borrowed),
        zipball("acme-skills-0", &[("a/SKILL.md", b"---\nname: a\n---\n", true)]),
        zipball("x", &[]),
    ];
    fuzz(seeds, budget, |bytes| {
        if let Ok(mut snapshot) = Zipball::from_shared(ZipballBytes(Rc::new(bytes.to_vec()))) {
            let paths: Vec<String> = snapshot.paths().map(str::to_string).collect();
            for path in paths.iter().take(16) {
                let _ = snapshot.read(path);
            }
            let _ = Catalog::build("0", &mut snapshot, None);
        }
    })
}

fn jsonrpc_target(budget: Budget) -> Report {
    let seeds = text_seeds(&[
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#,
        r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"a","result":{}}]"#,
        r#"{"jsonrpc":"2.0","id":null,"method":"x","params":[1]}"#,
    ]);
    fuzz(seeds, budget, |bytes| match mcp::jsonrpc::parse_body(bytes) {
        Ok(mcp::jsonrpc::Body::Single(value)) => {
            let _ = mcp::jsonrpc::classify(value);
        }
        Ok(mcp::jsonrpc::Body::Batch(items)) => items.into_iter().for_each(|item| {
            let _ = mcp::jsonrpc::classify(item);
        }),
        Err(_) => {}
    })
}

/// A platform serving one published skill, and a runtime to drive the router.
fn router() -> (FakePlatform, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    (FakePlatform::with_one_skill(), runtime)
}

fn mcp_target(budget: Budget) -> Report {
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}});
    let seeds: Vec<Vec<u8>> = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_skills", "arguments": {"query": "draft", "limit": 2}}}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "fetch_skill", "arguments": {"name": "proposal-writer"}, "_meta": meta}}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "check_updates", "arguments": {"installed": [{"name": "proposal-writer", "version": "0.1.0"}]}}}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "save_skill", "arguments": {"skill": "x", "group": "sales", "files": [{"path": "SKILL.md", "content": "---\nname: x\ndescription: d\n---\n"}]}}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "skills/list", "params": {"_meta": meta, "cursor": "MTAw"}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": "skill://sales/proposal-writer/notes.md", "_meta": meta}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "resources/directory/read", "params": {"uri": "skill://sales/proposal-writer", "_meta": meta}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "server/discover", "params": {"_meta": meta}}),
    ]
    .iter()
    .map(|v| v.to_string().into_bytes())
    .collect();
    let (platform, runtime) = router();
    let config = Ok(platform.config());
    let bearer = platform.bearer();
    let versions = ["2025-03-26", "2025-11-25", "2026-07-28", "9999-99-99"];
    let turn = Cell::new(0usize);
    fuzz(seeds, budget, |bytes| {
        let n = turn.get();
        turn.set(n + 1);
        let body: Option<serde_json::Value> = serde_json::from_slice(bytes).ok();
        let method = body.as_ref().and_then(|b| b["method"].as_str()).unwrap_or("tools/call").to_string();
        let mut request = http::Request::post("https://skills.example.com/mcp")
            .header("content-type", "application/json")
            .header("authorization", &bearer)
            .header("mcp-protocol-version", versions[n % versions.len()]);
        if let (false, Ok(value)) = (n.is_multiple_of(3), http::HeaderValue::from_str(&method)) {
            request = request.header("mcp-method", value);
        }
        if let Some(name) = body.as_ref().and_then(|b| b["params"]["name"].as_str().or(b["params"]["uri"].as_str())) {
            if let Ok(value) = http::HeaderValue::from_str(name) {
                request = request.header("mcp-name", value);
            }
        }
        let request = request.body(bytes.to_vec()).expect("a request");
        let status = runtime.block_on(app::handle(&platform, &config, request)).response.status();
        assert!(!status.is_server_error() || status == http::StatusCode::SERVICE_UNAVAILABLE, "HTTP {status}");
    })
}

fn oauth_target(budget: Budget) -> Report {
    let seeds = text_seeds(&[
        "GET /authorize?response_type=code&client_id=spd1.x.y&redirect_uri=https%3A%2F%2Fclaude.ai%2Fcb&code_challenge=cccccccccccccccccccccccccccccccccccccccccccc&code_challenge_method=S256&state=s",
        "POST /token grant_type=authorization_code&code=spc2.u-00000000000000000000000000000000.x.AAAA&code_verifier=vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv&client_id=spd1.a.b&redirect_uri=https://claude.ai/cb",
        "POST /token grant_type=refresh_token&refresh_token=spr1.eyJ9.sig&client_id=x",
        r#"POST /register {"redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"token_endpoint_auth_method":"none","client_name":"C","grant_types":["authorization_code"]}"#,
        "POST /revoke token=spa1.x.y&client_id=spd1.a.b",
        "POST /authorize request=spf1.x.y&csrf=abc&decision=allow",
        "GET /callback?code=abc&state=spu1.x.y",
        "GET /download/x.skill?g=a&f=b&c=c&h=u-1&r=g&e=1&s=AAAA",
        "GET /.well-known/oauth-protected-resource/mcp",
    ]);
    let (platform, runtime) = router();
    let config = Ok(platform.config());
    fuzz(seeds, budget, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let (line, body) = text.split_once(' ').map(|(m, rest)| (m.to_string(), rest.to_string())).unwrap_or_default();
        let (target, payload) =
            body.split_once(' ').map(|(t, p)| (t.to_string(), p.to_string())).unwrap_or((body, String::new()));
        let Ok(uri) = format!("https://skills.example.com{target}").parse::<http::Uri>() else { return };
        let method = if line == "GET" { http::Method::GET } else { http::Method::POST };
        let content_type =
            if target.starts_with("/register") { "application/json" } else { "application/x-www-form-urlencoded" };
        let mut request = http::Request::builder().method(method).uri(uri).header("content-type", content_type);
        if let Ok(cookie) =
            http::HeaderValue::from_str(&format!("__Host-skillport_csrf={payload}; __Host-skillport_consent={payload}"))
        {
            request = request.header("cookie", cookie);
        }
        let Ok(request) = request.body(payload.into_bytes()) else { return };
        let status = runtime.block_on(app::handle(&platform, &config, request)).response.status();
        assert!(!status.is_server_error() || status.as_u16() == 502 || status.as_u16() == 503, "HTTP {status}");
    })
}

fn signed_target(budget: Budget) -> Report {
    let keys = Keys::new(SigningKey([7; 32]), None);
    let mut seeds = vec![
        signed::seal(
            &keys,
            Purpose::AccessToken,
            "spa1",
            &json!({"s": "u-1", "g": "g", "c": "c", "a": "https://x/mcp", "e": 9}),
        ),
        signed::seal(&keys, Purpose::RefreshToken, "spr1", &json!({"shard": "u-1", "grant": "g", "generation": 3})),
        code::issue(&keys, &format!("u-{}", "ab".repeat(16)), "c2VjcmV0"),
    ];
    seeds.push("/download/pdf.skill g=docs&f=plugins%2Fdocs&c=abc&v=1.0.0&h=u-1&r=g-1&e=1000&s=AAAA".into());
    let seeds = seeds.into_iter().map(String::into_bytes).collect();
    fuzz(seeds, budget, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        for (purpose, prefix) in [
            (Purpose::AccessToken, "spa1"),
            (Purpose::RefreshToken, "spr1"),
            (Purpose::ClientRegistration, "spd1"),
            (Purpose::UpstreamState, "spu1"),
            (Purpose::ConsentCookie, "spk1"),
        ] {
            let _ = signed::open::<serde_json::Value>(&keys, purpose, prefix, &text);
        }
        let _ = code::shard(&keys, &text);
        let (path, query) = text.split_once(' ').unwrap_or((&text, ""));
        let _ = DownloadLink::verify(path, query, &keys, 0);
    })
}

fn metadata_document_target(budget: Budget) -> Report {
    let seeds = text_seeds(&[
        r#"{"client_id": "https://app.example/c.json", "client_name": "App", "redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "none"}"#,
        r#"{"client_id": "https://app.example/c.json", "redirect_uris": [], "client_secret": "s"}"#,
    ]);
    let (platform, runtime) = router();
    let config = Ok(platform.config());
    let turn = Cell::new(0usize);
    fuzz(seeds, budget, |bytes| {
        let n = turn.get();
        turn.set(n + 1);
        // A new document URL each time: the isolate caches documents by URL.
        let path = format!("/clients/{n}.json");
        let id = format!("https://app.example{path}");
        let document = String::from_utf8_lossy(bytes).replace("https://app.example/c.json", &id);
        platform.github.serve(&path, document.into_bytes());
        let query = format!(
            "response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_challenge={}&code_challenge_method=S256",
            id.replace(':', "%3A").replace('/', "%2F"),
            "c".repeat(43)
        );
        let request = http::Request::get(format!("https://skills.example.com/authorize?{query}"))
            .body(Vec::new())
            .expect("a request");
        let status = runtime.block_on(app::handle(&platform, &config, request)).response.status();
        platform.github.unserve(&path);
        assert!(!status.is_server_error(), "HTTP {status}");
    })
}

fn sse_target(budget: Budget) -> Report {
    let seeds = text_seeds(&["sessionId=0123456789abcdef0123456789abcdef", "sessionId=zz&sessionId=1", ""]);
    let (platform, runtime) = router();
    let config = Ok(platform.config());
    let bearer = platform.bearer();
    fuzz(seeds, budget, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let _ = mcp::sse::session_id(&text);
        let Ok(uri) = format!("https://skills.example.com/sse/message?{text}").parse::<http::Uri>() else { return };
        let request = http::Request::post(uri)
            .header("content-type", "application/json")
            .header("authorization", &bearer)
            .body(bytes.to_vec())
            .expect("a request");
        let status = runtime.block_on(app::handle(&platform, &config, request)).response.status();
        assert!(!status.is_server_error() || status.as_u16() == 503, "HTTP {status}");
    })
}

fn id_token_target(budget: Budget) -> Report {
    let seeds = text_seeds(&[
        r#"{"iss":"https://accounts.google.com","sub":"1","exp":9,"nonce":"n","email":"a@acme.example","email_verified":"true","hd":"acme.example","aud":["c","d"],"azp":"c","name":"A"}"#,
        r#"{"iss":"x","sub":"1","exp":9,"email":"a@b","email_verified":true,"aud":"c","groups":["g"],"_claim_names":{"groups":"s"}}"#,
        r#"{"iss":"https://login.microsoftonline.com/0b0e0a6e-0000-4000-8000-000000000001/v2.0","sub":"s","tid":"0b0e0a6e-0000-4000-8000-000000000001","oid":"o","exp":9,"email":"a@acme.example","xms_edov":true,"upn":"a@acme.example","aud":"c"}"#,
    ]);
    use skillport_connector::config::{AllowedDomains, OidcKind, OidcSettings, Secret};
    let settings = |issuer: &str, kind: OidcKind| OidcSettings {
        issuer: url::Url::parse(issuer).expect("a URL"),
        client_id: "c".into(),
        client_secret: Secret::new("s"),
        kind,
        provider_name: "google".into(),
        allowed_domains: AllowedDomains::Only(vec!["acme.example".into()]),
        groups_claim: Some("groups".into()),
        tenants: vec!["0b0e0a6e-0000-4000-8000-000000000001".into()],
        scopes: Vec::new(),
        refresh_groups: false,
    };
    let providers = [
        settings("https://accounts.google.com", OidcKind::Google),
        settings("https://idp.example.com", OidcKind::Generic),
        settings("https://login.microsoftonline.com/organizations/v2.0", OidcKind::Entra),
    ];
    let discovery = upstream::Discovery {
        issuer: "https://login.microsoftonline.com/{tenantid}/v2.0".into(),
        authorization_endpoint: String::new(),
        token_endpoint: String::new(),
        jwks_uri: String::new(),
    };
    fuzz(seeds, budget, |bytes| {
        if let Ok(claims) = serde_json::from_slice::<upstream::IdClaims>(bytes) {
            let _ = claims.check_authorized_party("c");
            for provider in &providers {
                let _ = upstream::admit(provider, &claims);
                let _ = upstream::check_issuer(provider, &discovery, &claims);
            }
        }
    })
}

type Target = fn(Budget) -> Report;

const TARGETS: &[(&str, Target)] = &[
    ("skill-md", skill_md_target),
    ("access-json", access_target),
    ("manifests", manifests_target),
    ("zipball", zipball_target),
    ("jsonrpc", jsonrpc_target),
    ("mcp", mcp_target),
    ("oauth", oauth_target),
    ("signed", signed_target),
    ("metadata-document", metadata_document_target),
    ("sse", sse_target),
    ("id-token", id_token_target),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let budget = Budget {
        inputs: value("--inputs").and_then(|v| v.parse().ok()).unwrap_or(300),
        seconds: value("--seconds").and_then(|v| v.parse().ok()),
        timeout: Duration::from_millis(value("--timeout-ms").and_then(|v| v.parse().ok()).unwrap_or(1_000)),
    };
    let only = value("--only");
    // Panics are findings, reported by proptest with their input; the default hook would print
    // each one (and every shrinking step) as well.
    std::panic::set_hook(Box::new(|_| {}));
    let mut findings = 0;
    println!("{:<18} {:>10} {:>12}  finding", "target", "inputs", "slowest");
    for (name, target) in TARGETS.iter().filter(|(name, _)| only.as_deref().is_none_or(|o| o == *name)) {
        let report = target(budget);
        println!(
            "{name:<18} {:>10} {:>9.2} ms  {}",
            report.inputs,
            report.slowest.as_secs_f64() * 1000.0,
            report.finding.as_deref().unwrap_or("none")
        );
        findings += usize::from(report.finding.is_some());
    }
    if findings > 0 {
        eprintln!("{findings} target(s) found a problem");
        std::process::exit(1);
    }
}
