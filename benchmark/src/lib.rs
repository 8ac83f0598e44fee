//! The core's hot paths exported to JavaScript, so `scripts/bench-cpu.mjs` can time them in V8:
//! the Workers runtime hides timers from the Worker itself, and wasm's speed differs from native.
//! A crate of its own, never part of the deployed Worker; empty except on wasm32.

#![cfg(target_arch = "wasm32")]

use skillport_connector::catalog::slices;
use skillport_connector::catalog::Catalog;
use skillport_connector::package::{self, InstalledManifest};
use skillport_connector::zipball::Zipball;
use wasm_bindgen::prelude::*;

/// Builds the catalog of a zipball (the cold path of a new commit); returns the skills found.
#[wasm_bindgen]
pub fn bench_build_catalog(zip: Vec<u8>) -> Result<usize, JsError> {
    let mut snapshot = Zipball::from_zip(zip)?;
    Ok(Catalog::build("0000000000000000000000000000000000000000", &mut snapshot, None)?.skills.len())
}

/// Encodes a catalog as KV stores it (postcard); returns the bytes.
#[wasm_bindgen]
pub fn bench_encode_catalog(zip: Vec<u8>) -> Result<Vec<u8>, JsError> {
    let mut snapshot = Zipball::from_zip(zip)?;
    let catalog = Catalog::build("0000000000000000000000000000000000000000", &mut snapshot, None)?;
    Ok(postcard::to_stdvec(&catalog)?)
}

/// Decodes a stored catalog (a warm call in a fresh isolate); returns the skills found.
#[wasm_bindgen]
pub fn bench_decode_catalog(bytes: &[u8]) -> Result<usize, JsError> {
    Ok(postcard::from_bytes::<Catalog>(bytes)?.skills.len())
}

/// Opens a zipball and packages the skill in `folder`; returns the package's size.
#[wasm_bindgen]
pub fn bench_package(zip: Vec<u8>, folder: &str, name: &str) -> Result<usize, JsError> {
    let mut snapshot = Zipball::from_zip(zip)?;
    let manifest = InstalledManifest {
        name: name.into(),
        version: Some("1.0.0".into()),
        description: String::new(),
        group: String::new(),
    };
    Ok(package::build(&mut snapshot, folder, &manifest)?.len())
}

/// Opens a zipball and indexes its files, reading nothing; returns the file count.
#[wasm_bindgen]
pub fn bench_open(zip: Vec<u8>) -> Result<usize, JsError> {
    Ok(Zipball::from_zip(zip)?.paths().count())
}

/// Hashes `bytes` with SHA-256 (the package digest fetch_skill reports); returns the first byte.
#[wasm_bindgen]
pub fn bench_sha256(bytes: &[u8]) -> u8 {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)[0]
}

/// Checks an access token `rounds` times (signature, claims, expiry and audience; the grant read
/// is a Durable Object request, not CPU here); returns how many passed.
#[wasm_bindgen]
pub fn bench_check_token(rounds: u32) -> u32 {
    use skillport_connector::keys::{Keys, Purpose};
    use skillport_connector::oauth::bearer::{AccessClaims, ACCESS_PREFIX};
    use skillport_connector::oauth::signed;
    let keys =
        Keys::new(skillport_connector::keys::SigningKey([9; 32]), Some(skillport_connector::keys::SigningKey([8; 32])));
    let claims = AccessClaims {
        shard: "u-0123456789abcdef0123456789abcdef".into(),
        grant: "00112233445566778899aabbccddeeff".into(),
        client: "spd1.registration.signature".into(),
        audience: "https://skills.example.com/mcp".into(),
        expires: u64::MAX,
    };
    let token = signed::seal(&keys, Purpose::AccessToken, ACCESS_PREFIX, &claims);
    (0..rounds)
        .filter(|_| {
            signed::open::<AccessClaims>(&keys, Purpose::AccessToken, ACCESS_PREFIX, &token)
                .is_ok_and(|c| skillport_connector::oauth::audience_matches("https://skills.example.com", &c.audience))
        })
        .count() as u32
}

thread_local! {
    /// The slices of the last `bench_prepare_slices` call.
    static SLICES: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Cuts a first build's files into parse worker slices as the Worker does; returns the count.
#[wasm_bindgen]
pub fn bench_prepare_slices(zip: Vec<u8>) -> Result<usize, JsError> {
    let mut snapshot = Zipball::from_zip(zip)?;
    let build = skillport_connector::catalog::Build::plan(&mut snapshot, None)?;
    let slices = slices::split(&snapshot, &build.pending())?;
    let count = slices.len();
    SLICES.with(|s| *s.borrow_mut() = slices);
    Ok(count)
}

/// What one parse worker does with slice `index` of `bench_prepare_slices`; returns the answer's
/// size.
#[wasm_bindgen]
pub fn bench_parse_worker(index: usize) -> Result<usize, JsError> {
    SLICES.with(|s| match s.borrow().get(index) {
        Some(slice) => Ok(slices::parse_slice(slice)?.len()),
        None => Err(JsError::new("call bench_prepare_slices first")),
    })
}

/// One connector, in memory, answering whole requests in wasm: the real router, token check,
/// tools and catalog store, over in-memory ports whose GitHub serves the benchmark's zipballs.
/// Parse workers answer with what they answered before (recorded by `bench_request_setup`), so
/// a timed request counts only the CPU of the invocation that receives it.
struct Connector {
    platform: skillport_test::FakePlatform,
    bearer: String,
    /// KV as it was right after the first commit's build.
    after_first_build: std::collections::HashMap<String, Vec<u8>>,
}

thread_local! {
    static CONNECTOR: std::cell::RefCell<Option<Connector>> = const { std::cell::RefCell::new(None) };
}

/// Runs a future whose every await is ready at once (all ports here are in memory).
fn run_ready<F: std::future::Future>(future: F) -> Result<F::Output, JsError> {
    use futures_util::FutureExt;
    future.now_or_never().ok_or_else(|| JsError::new("a port was not ready"))
}

fn call(connector: &Connector, tool: &str, arguments: serde_json::Value) -> Result<u16, JsError> {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
    let request = http::Request::post("https://skills.example.com/mcp")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .header("authorization", &connector.bearer)
        .body(body.to_string().into_bytes())?;
    let config = Ok(connector.platform.config());
    let handled = run_ready(skillport_connector::app::handle(&connector.platform, &config, request))?;
    let status = handled.response.status().as_u16();
    let reply: serde_json::Value = serde_json::from_slice(handled.response.body())?;
    if status != 200 || reply["result"]["isError"] != false {
        return Err(JsError::new(&format!("{tool} failed: {status} {reply}")));
    }
    Ok(status)
}

/// Serves `first` as the branch's commit and lists the skills once, recording the parse
/// workers' answers; `next` is committed later by `bench_request_next_commit`.
#[wasm_bindgen]
pub fn bench_request_setup(first: Vec<u8>) -> Result<(), JsError> {
    let platform = skillport_test::FakePlatform::new(skillport_test::FakeGitHub::new("main"));
    platform.github.commit_zipball(first);
    let bearer = platform.bearer();
    let mut connector = Connector { platform, bearer, after_first_build: Default::default() };
    call(&connector, "list_skills", serde_json::json!({}))?;
    connector.after_first_build = connector.platform.kv_contents();
    connector.platform.replay_parse_answers.set(true);
    CONNECTOR.with(|c| *c.borrow_mut() = Some(connector));
    Ok(())
}

fn with_connector<T>(f: impl FnOnce(&Connector) -> Result<T, JsError>) -> Result<T, JsError> {
    CONNECTOR.with(|c| match c.borrow().as_ref() {
        Some(connector) => f(connector),
        None => Err(JsError::new("call bench_request_setup first")),
    })
}

/// Puts the connector back in a state before a timed request: `"empty"` (a new deployment:
/// nothing in KV) or `"built"` (the first commit's catalog and zipball in KV); the isolate
/// forgets its catalog either way.
#[wasm_bindgen]
pub fn bench_request_reset(state: &str) -> Result<(), JsError> {
    with_connector(|connector| {
        connector.platform.restore_kv(match state {
            "empty" => Default::default(),
            _ => connector.after_first_build.clone(),
        });
        skillport_connector::catalog_store::forget_isolate_memo();
        Ok(())
    })
}

/// Moves the branch to `next` (its parse work small enough to stay in the invocation).
#[wasm_bindgen]
pub fn bench_request_next_commit(next: Vec<u8>) -> Result<(), JsError> {
    with_connector(|connector| {
        connector.platform.github.commit_zipball(next);
        Ok(())
    })
}

/// One whole `tools/call` request, as the Worker handles it; returns the HTTP status.
#[wasm_bindgen]
pub fn bench_request(tool: &str, arguments: &str) -> Result<u16, JsError> {
    let arguments: serde_json::Value = serde_json::from_str(arguments)?;
    with_connector(|connector| call(connector, tool, arguments))
}

thread_local! {
    static CONSOLE_COOKIE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Serves `with_editors` (a commit whose access.json makes the benchmark's caller an editor), gives the console the usage
/// log of `people` people who each used every fourth skill today and reported versions of every
/// fortieth (as the usage object would answer it), and opens a console session.
#[wasm_bindgen]
pub fn bench_console_setup(people: u32, with_editors: Vec<u8>) -> Result<(), JsError> {
    use skillport_connector::identity::UserInfo;
    use skillport_connector::usage::directory::{Directory, Person};
    use skillport_connector::usage::{DailyUse, Installed, SkillUse, Usage};
    with_connector(|connector| {
        let platform = &connector.platform;
        platform.github.commit_zipball(with_editors);
        call(connector, "list_skills", serde_json::json!({}))?;
        let config = platform.config();
        let day = skillport_connector::tools::skill_stats::today(platform);
        let catalog = run_ready(skillport_connector::catalog_store::current(platform, &config))?
            .map_err(|e| JsError::new(&e.to_string()))?
            .catalog;
        let users = u64::from(people / 4);
        let usage = Usage {
            skills: catalog
                .skills
                .iter()
                .map(|s| SkillUse { skill: s.name.clone(), fetches: users, downloads: users, reads: 0, users })
                .collect(),
            daily: catalog
                .skills
                .iter()
                .map(|s| DailyUse { day, skill: s.name.clone(), uses: 2 * users, users })
                .collect(),
            installed: catalog
                .skills
                .iter()
                .step_by(40)
                .flat_map(|s| {
                    ["0.9.0", "1.0.0"].into_iter().enumerate().map(|(half, version)| Installed {
                        skill: s.name.clone(),
                        version: version.to_string(),
                        users: (0..people).filter(|p| (p % 2) as usize == half).collect(),
                    })
                })
                .collect(),
            reporters: (0..people).map(|person| format!("test:person{person}")).collect(),
            people: u64::from(people),
        };
        let directory = Directory {
            people: (0..people)
                .map(|person| Person {
                    user: UserInfo {
                        id: format!("test:person{person}"),
                        email: format!("person{person}@acme.example"),
                        ..Default::default()
                    },
                    first_seen: 0,
                    last_seen: platform.now.get(),
                    revoked: None,
                })
                .collect(),
            changes: Vec::new(),
        };
        let mut replies = platform.usage_replies.borrow_mut();
        replies.insert("read_usage".into(), serde_json::to_string(&usage)?);
        replies.insert("read_directory".into(), serde_json::to_string(&directory)?);
        drop(replies);
        let site = skillport_connector::oauth::Site { platform, config: &config, base_url: skillport_test::BASE_URL };
        let ann = UserInfo { id: "test:ann".into(), email: "ann@acme.example".into(), ..Default::default() };
        let started = run_ready(skillport_connector::console::session::start(&site, ann, "bench-flow"))?;
        let cookie = started
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.contains("skillport_console="))
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
            .ok_or_else(|| JsError::new("no console session"))?;
        CONSOLE_COOKIE.with(|c| *c.borrow_mut() = Some(cookie));
        Ok(())
    })
}

/// One whole console page request (`path`, e.g. `/admin/usage`), as the Worker handles it;
/// returns the page's size in bytes.
#[wasm_bindgen]
pub fn bench_console(path: &str) -> Result<usize, JsError> {
    let cookie = CONSOLE_COOKIE.with(|c| c.borrow().clone()).ok_or_else(|| JsError::new("call bench_console_setup"))?;
    with_connector(|connector| {
        let request = http::Request::get(format!("{}{path}", skillport_test::BASE_URL))
            .header("cookie", &cookie)
            .body(Vec::new())?;
        let config = Ok(connector.platform.config());
        let handled = run_ready(skillport_connector::app::handle(&connector.platform, &config, request))?;
        if handled.response.status() != 200 {
            let body = String::from_utf8_lossy(handled.response.body());
            return Err(JsError::new(&format!("{path} answered {}: {body}", handled.response.status())));
        }
        Ok(handled.response.body().len())
    })
}
