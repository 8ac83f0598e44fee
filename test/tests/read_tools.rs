//! fetch_skill, the package download link and check_updates, through the router over the
//! in-memory platform.

use base64::Engine;
use serde_json::{json, Value};
use skillport_connector::app;
use skillport_test::{FakeGitHub, FakePlatform};
use std::io::{Cursor, Read};

const SCRIPT: &[u8] = b"#!/bin/sh\necho hi\n";
const BINARY: &[u8] = &[0x89, b'P', b'N', b'G', 0, 0xff, 0xfe];

/// Hex of a hash chain: text that deflate cannot shrink much below half.
fn incompressible_text(len: usize) -> Vec<u8> {
    use sha2::Digest;
    let mut out = String::new();
    let mut state = [0u8; 32];
    while out.len() < len {
        state = sha2::Sha256::digest(state).into();
        out.push_str(&hex::encode(state));
    }
    out.truncate(len);
    out.into_bytes()
}

fn platform() -> FakePlatform {
    let github = FakeGitHub::new("main");
    github.commit_bytes(&[
        (
            ".claude-plugin/marketplace.json",
            br#"{"name": "acme", "plugins": [{"name": "docs", "source": "./plugins/docs"}]}"#.to_vec(),
            false,
        ),
        ("plugins/docs/.claude-plugin/plugin.json", br#"{"name": "docs", "version": "1.4.0"}"#.to_vec(), false),
        (
            "plugins/docs/skills/pdf/SKILL.md",
            b"---\nname: pdf\ndescription: Works with PDFs\n---\nBody\n".to_vec(),
            false,
        ),
        ("plugins/docs/skills/pdf/scripts/run.sh", SCRIPT.to_vec(), true),
        ("plugins/docs/skills/pdf/assets/logo.png", BINARY.to_vec(), false),
        ("plugins/docs/skills/pdf/__pycache__/x.pyc", b"junk".to_vec(), false),
        ("plugins/docs/skills/big/SKILL.md", b"---\nname: big\ndescription: Large\n---\n".to_vec(), false),
        ("plugins/docs/skills/big/data.txt", incompressible_text(150_000), false),
        ("plugins/wip/skills/draft/SKILL.md", b"---\nname: draft\ndescription: Unpublished\n---\n".to_vec(), false),
    ]);
    FakePlatform::new(github)
}

async fn call(platform: &FakePlatform, tool: &str, arguments: Value) -> Value {
    call_as(platform, &platform.bearer(), tool, arguments).await
}

async fn call_as(platform: &FakePlatform, bearer: &str, tool: &str, arguments: Value) -> Value {
    platform.call_tool(bearer, tool, arguments).await.1
}

async fn download(platform: &FakePlatform, url: &str) -> http::Response<Vec<u8>> {
    let request = http::Request::get(url).body(Vec::new()).unwrap();
    app::handle(platform, &Ok(platform.config()), request).await.response
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>, u32)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        files.push((file.name().unwrap().to_string(), bytes, file.unix_mode().unwrap_or(0) & 0o777));
    }
    files.sort();
    files
}

#[tokio::test]
async fn fetch_skill_returns_files_a_package_and_instructions() {
    let platform = platform();
    let result = call(&platform, "fetch_skill", json!({"name": "pdf"})).await;
    assert_eq!(result["isError"], false, "{result}");
    let out = &result["structuredContent"];
    assert_eq!(out["skill"]["version"], "1.4.0");
    assert_eq!(out["skill"]["version_id"].as_str().unwrap().len(), 40);
    assert_eq!(out["contents_included"], true);
    let files: Vec<&str> = out["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files, ["SKILL.md", "assets/logo.png", "scripts/run.sh", ".claude-plugin/plugin.json"]);
    let logo = &out["files"][1];
    assert_eq!(logo["encoding"], "base64");
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(logo["content"].as_str().unwrap()).unwrap(), BINARY);
    assert_eq!(out["files"][2]["executable"], true);
    assert!(out["instructions"].as_str().unwrap().contains("pdf.skill"));

    let package = &out["package"];
    assert_eq!(package["filename"], "pdf.skill");
    let inline = base64::engine::general_purpose::STANDARD.decode(package["content"].as_str().unwrap()).unwrap();
    assert_eq!(inline.len() as u64, package["size"].as_u64().unwrap());

    let response = download(&platform, package["download_url"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"pdf.skill\"");
    assert_eq!(response.body(), &inline, "the link serves the same package");
    let files = unzip(response.body());
    let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["pdf/.claude-plugin/plugin.json", "pdf/SKILL.md", "pdf/assets/logo.png", "pdf/scripts/run.sh"]);
    assert_eq!(files[2].1, BINARY);
    assert_eq!((files[3].1.as_slice(), files[3].2), (SCRIPT, 0o755));
}

#[tokio::test]
async fn a_large_skill_lists_paths_only_and_relies_on_the_link() {
    let platform = platform();
    let out = call(&platform, "fetch_skill", json!({"name": "big"})).await["structuredContent"].clone();
    assert_eq!(out["contents_included"], false);
    assert!(out["files"].as_array().unwrap().iter().all(|f| f.get("content").is_none()));
    assert_eq!(out["files"][1]["size"], 150_000);
    assert!(out["package"].get("content").is_none(), "no base64 for packages over 30 KB");
    assert!(out["instructions"].as_str().unwrap().contains("too large"));
}

#[tokio::test]
async fn unknown_and_unpublished_skills_are_the_same_not_found() {
    let platform = platform();
    for name in ["nope", "draft"] {
        let result = call(&platform, "fetch_skill", json!({"name": name})).await;
        assert_eq!(result["isError"], true);
        assert_eq!(
            result["content"][0]["text"],
            format!("no skill named `{name}` is available to you; call list_skills to see the skills you can install")
        );
    }
}

#[tokio::test]
async fn download_links_refuse_tampering_and_expiry() {
    let platform = platform();
    let out = call(&platform, "fetch_skill", json!({"name": "pdf"})).await["structuredContent"].clone();
    let url = out["package"]["download_url"].as_str().unwrap().to_string();
    assert_eq!(download(&platform, &url.replace("&r=", "&r=x")).await.status(), 403);
    assert_eq!(download(&platform, &url.replace("/pdf.skill", "/big.skill")).await.status(), 403);
    assert_eq!(download(&platform, url.split('?').next().unwrap()).await.status(), 400);
    platform.now.set(platform.now.get() + 16 * 60 * 1000);
    let expired = download(&platform, &url).await;
    assert_eq!(expired.status(), 410);
    assert!(String::from_utf8_lossy(expired.body()).contains("expired"));
}

#[tokio::test]
async fn fetch_costs_no_extra_github_request_once_the_commit_is_cached() {
    let platform = platform();
    call(&platform, "list_skills", json!({})).await;
    platform.github.log.borrow_mut().clear();
    call(&platform, "fetch_skill", json!({"name": "pdf"})).await;
    assert_eq!(*platform.github.log.borrow(), ["/repos/acme/skills/commits"], "the zipball comes from KV");
}

#[tokio::test]
async fn check_updates_compares_with_the_marketplace() {
    let platform = platform();
    let out = call(&platform, "check_updates", json!({"installed": [{"name": "pdf", "version": "1.3.9"}, {"name": "big", "version": "1.4.0"}, {"name": "gone", "version": "1.0.0"}, {"name": "pdf", "version": "one"}]}))
        .await["structuredContent"]
        .clone();
    assert_eq!(out["updates"], json!([{"name": "pdf", "installed_version": "1.3.9", "available_version": "1.4.0"}]));
    assert_eq!(out["up_to_date"], json!([{"name": "big", "version": "1.4.0"}]));
    assert_eq!(out["unknown"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out_and_a_long_one_is_reported() {
    let platform = platform();
    platform.github.fail_next(429, &[("retry-after", "2")]);
    let result = call(&platform, "list_skills", json!({})).await;
    assert_eq!(result["isError"], false);
    assert_eq!(*platform.sleeps.borrow(), [2_000]);

    let platform = self::platform();
    platform.github.fail_next(403, &[("retry-after", "120")]);
    let result = call(&platform, "list_skills", json!({})).await;
    assert_eq!(result["isError"], true);
    let message = result["content"][0]["text"].as_str().unwrap();
    assert!(message.contains("secondary rate limit") && message.contains("120 s"), "{message}");

    let platform = self::platform();
    platform.github.fail_next(403, &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1800000600")]);
    let message = call(&platform, "list_skills", json!({})).await["content"][0]["text"].as_str().unwrap().to_string();
    assert!(message.contains("primary rate limit (5,000 requests an hour)") && message.contains("600 s"), "{message}");
}

#[tokio::test]
async fn outages_are_retried_twice_with_back_off() {
    let platform = platform();
    platform.github.fail_next(502, &[]);
    platform.github.fail_next(503, &[]);
    assert_eq!(call(&platform, "list_skills", json!({})).await["isError"], false);
    assert_eq!(*platform.sleeps.borrow(), [300, 1_000]);
}

/// The read fixture with access.json naming `test:ed` an editor.
fn platform_with_an_editor() -> (FakePlatform, String) {
    let platform = platform();
    platform.github.commit_bytes(&[(".skillport/access.json", br#"{"editors": ["test:ed"]}"#.to_vec(), false)]);
    let editor = platform.sign_in(&skillport_connector::identity::UserInfo {
        id: "test:ed".into(),
        email: "ed@acme.example".into(),
        domain: Some("acme.example".into()),
        ..Default::default()
    });
    (platform, editor)
}

#[tokio::test]
async fn skill_stats_counts_a_scripted_day_and_shows_who_is_behind_to_editors_only() {
    let (platform, editor) = platform_with_an_editor();
    let fetched = call(&platform, "fetch_skill", json!({"name": "pdf"})).await;
    call(&platform, "fetch_skill", json!({"name": "pdf"})).await;
    let link = fetched["structuredContent"]["package"]["download_url"].as_str().unwrap().to_string();
    assert_eq!(download(&platform, &link).await.status(), 200);
    call(
        &platform,
        "check_updates",
        json!({"installed": [{"name": "pdf", "version": "1.3.0"}, {"name": "nope", "version": "1.0.0"}]}),
    )
    .await;
    call_as(&platform, &editor, "fetch_skill", json!({"name": "big"})).await;
    call_as(&platform, &editor, "check_updates", json!({"installed": [{"name": "pdf", "version": "1.4.0"}]})).await;
    let recorded = platform.usage_calls.get();
    assert_eq!(recorded, 6, "one usage request per fetch, download and update check");

    let refused = call(&platform, "skill_stats", json!({})).await;
    assert_eq!(refused["isError"], true);
    assert!(refused["content"][0]["text"].as_str().unwrap().contains("only editors"), "{refused}");

    let stats = call_as(&platform, &editor, "skill_stats", json!({"days": 7})).await;
    assert_eq!(stats["isError"], false, "{stats}");
    let out = &stats["structuredContent"];
    assert_eq!(out["totals"]["fetches"], 3);
    assert_eq!(out["totals"]["downloads"], 1);
    let pdf = &out["skills"][0];
    assert_eq!(
        (pdf["name"].as_str(), pdf["fetches"].as_u64(), pdf["downloads"].as_u64(), pdf["users"].as_u64()),
        (Some("pdf"), Some(2), Some(1), Some(1))
    );
    assert_eq!(
        pdf["installed"],
        json!([{"version": "1.3.0", "users": 1, "behind": true}, {"version": "1.4.0", "users": 1, "behind": false}])
    );
    assert_eq!((pdf["behind"].as_u64(), &pdf["behind_users"]), (Some(1), &json!(["test:ann"])));
    assert_eq!(pdf["daily"][0]["uses"], 3);
    assert_eq!(out["skills"][1]["name"], "big");
    assert_eq!(out["unused"], json!(["draft"]), "the unpublished skill nobody used");

    let one = call_as(&platform, &editor, "skill_stats", json!({"skill": "big", "limit": 1})).await;
    assert_eq!(one["structuredContent"]["totals"]["skills"], 1);
    let paged = call_as(&platform, &editor, "skill_stats", json!({"limit": 1})).await;
    let cursor = paged["structuredContent"]["next_cursor"].as_str().unwrap().to_string();
    let second = call_as(&platform, &editor, "skill_stats", json!({"limit": 1, "cursor": cursor})).await;
    assert_eq!(second["structuredContent"]["skills"][0]["name"], "big");
    let too_long = call_as(&platform, &editor, "skill_stats", json!({"days": 91})).await;
    assert_eq!(too_long["isError"], true, "beyond the retention");
}
