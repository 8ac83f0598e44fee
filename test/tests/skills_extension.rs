//! The Skills extension (SEP-2640) over the in-memory platform: every readable skill listed with
//! its frontmatter as written and a manifest whose digests and sizes are those of the repository's
//! bytes; files read byte for byte (text and binary); folders listed; skills beyond the
//! extension's rules left out with the reason shown to editors; digests following each commit.

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use skillport_connector::app;
use skillport_test::{FakeGitHub, FakePlatform, BASE_URL};

const V2026: &str = "2026-07-28";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe";

fn repository() -> Vec<(String, Vec<u8>, bool)> {
    let text = |s: &str| s.as_bytes().to_vec();
    let mut files = vec![
        (
            ".claude-plugin/marketplace.json".to_string(),
            text(&json!({"name": "acme", "plugins": [{"name": "sales", "source": "./plugins/sales"}]}).to_string()),
            false,
        ),
        (
            "plugins/sales/skills/proposal-writer/SKILL.md".into(),
            text("---\nname: proposal-writer\ndescription: Drafts proposals\nlicense: Apache-2.0\nmetadata:\n  owner: sales-ops\n  tier: 2\n---\n# Proposal writer\n"),
            false,
        ),
        ("plugins/sales/skills/proposal-writer/templates/cover.md".into(), text("# Cover\n"), false),
        ("plugins/sales/skills/proposal-writer/templates/deep/terms.md".into(), text("Terms\n"), false),
        ("plugins/sales/skills/proposal-writer/assets/logo.png".into(), PNG.to_vec(), false),
        ("plugins/sales/skills/proposal-writer/scripts/fill.sh".into(), text("#!/bin/sh\necho fill\n"), true),
        ("plugins/sales/skills/proposal-writer/__pycache__/x.pyc".into(), vec![0, 1, 2], false),
        (".skillport/access.json".into(), text(r#"{"version": "1.0", "editors": ["test:ann"]}"#), false),
        // Claude Code serves it (the folder name stands in), the extension cannot: no `name`.
        ("plugins/sales/skills/unnamed/SKILL.md".into(), text("---\ndescription: Has no name\n---\n"), false),
    ];
    files.push((
        "plugins/sales/skills/many-files/SKILL.md".into(),
        text("---\nname: many-files\ndescription: Too many files\n---\n"),
        false,
    ));
    for i in 0..512 {
        files.push((format!("plugins/sales/skills/many-files/data/{i:03}.txt"), text("x"), false));
    }
    files
}

fn platform() -> FakePlatform {
    let github = FakeGitHub::new("main");
    let files = repository();
    let refs: Vec<(&str, Vec<u8>, bool)> = files.iter().map(|(p, b, x)| (p.as_str(), b.clone(), *x)).collect();
    github.commit_bytes(&refs);
    FakePlatform::new(github)
}

/// One JSON-RPC request in a 2025-11-25 session, or (with `V2026`) statelessly.
async fn rpc(platform: &FakePlatform, version: &str, method: &str, params: Value) -> Value {
    let mut params = params.as_object().cloned().unwrap_or_default();
    let mut builder = http::Request::post(format!("{BASE_URL}/mcp"))
        .header("content-type", "application/json")
        .header("authorization", platform.bearer())
        .header("mcp-protocol-version", version);
    if version == V2026 {
        params.insert(
            "_meta".into(),
            json!({"io.modelcontextprotocol/protocolVersion": V2026, "io.modelcontextprotocol/clientCapabilities": {}}),
        );
        builder = builder.header("mcp-method", method);
        if let Some(uri) = params.get("uri").and_then(Value::as_str) {
            builder = builder.header("mcp-name", uri);
        }
    }
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": method, "params": params});
    let handled =
        app::handle(platform, &Ok(platform.config()), builder.body(body.to_string().into_bytes()).unwrap()).await;
    assert_ne!(handled.response.status().as_u16(), 500);
    serde_json::from_slice(handled.response.body()).unwrap()
}

async fn rpc25(platform: &FakePlatform, method: &str, params: Value) -> Value {
    rpc(platform, "2025-11-25", method, params).await
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

const ROOT: &str = "skill://sales/proposal-writer";

#[tokio::test]
async fn skills_list_gives_each_offered_skill_its_frontmatter_and_a_manifest_of_its_bytes() {
    let platform = platform();
    let reply = rpc25(&platform, "skills/list", json!({})).await;
    let skills = reply["result"]["skills"].as_array().unwrap();
    let uris: Vec<&str> = skills.iter().map(|s| s["uri"].as_str().unwrap()).collect();
    assert_eq!(uris, [format!("{ROOT}/SKILL.md")], "the unnamed skill and the one with 513 files are left out");
    let skill = &skills[0];
    assert_eq!(
        skill["frontmatter"],
        json!({"name": "proposal-writer", "description": "Drafts proposals", "license": "Apache-2.0", "metadata": {"owner": "sales-ops", "tier": 2}}),
        "every key as written, in JSON"
    );
    let mut expected: Vec<(String, String, u64)> = repository()
        .into_iter()
        .filter_map(|(path, bytes, _)| {
            let rest = path.strip_prefix("plugins/sales/skills/proposal-writer/")?;
            (!rest.starts_with("__pycache__")).then(|| (format!("{ROOT}/{rest}"), sha256(&bytes), bytes.len() as u64))
        })
        .collect();
    expected.sort();
    let mut listed: Vec<(String, String, u64)> = skill["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["uri"].as_str().unwrap().into(), r["digest"].as_str().unwrap().into(), r["size"].as_u64().unwrap()))
        .collect();
    listed.sort();
    assert_eq!(listed, expected, "every repository file once, caches left out, digests of the bytes");
    assert!(reply["result"].get("nextCursor").is_none());

    let got = rpc25(&platform, "skills/get", json!({"uri": format!("{ROOT}/SKILL.md")})).await;
    assert_eq!(got["result"]["skill"], *skill, "skills/get gives the same entry");
}

#[tokio::test]
async fn resources_read_serves_text_and_binary_files_byte_for_byte() {
    let platform = platform();
    let read = |uri: String| {
        let platform = &platform;
        async move { rpc(platform, V2026, "resources/read", json!({"uri": uri})).await }
    };
    let reply = read(format!("{ROOT}/SKILL.md")).await;
    let contents = &reply["result"]["contents"][0];
    assert_eq!(contents["mimeType"], "text/markdown");
    assert!(contents["text"].as_str().unwrap().starts_with("---\nname: proposal-writer\n"));
    assert_eq!(
        (reply["result"]["cacheScope"].as_str(), reply["result"]["resultType"].as_str()),
        (Some("private"), Some("complete"))
    );

    let png = read(format!("{ROOT}/assets/logo.png")).await;
    let blob = png["result"]["contents"][0]["blob"].as_str().unwrap();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(blob).unwrap(), PNG);
    assert_eq!(png["result"]["contents"][0]["mimeType"], "image/png");

    for missing in [
        format!("{ROOT}/templates/nothing.md"),
        format!("{ROOT}/__pycache__/x.pyc"),
        "skill://sales/unnamed/SKILL.md".to_string(),
        "skill://eng/proposal-writer/SKILL.md".to_string(),
        "test://nonexistent-resource-for-conformance-testing".to_string(),
    ] {
        let reply = read(missing.clone()).await;
        assert_eq!(reply["error"]["code"], -32602, "{missing}: {reply}");
        assert_eq!(reply["error"]["data"]["uri"], missing);
    }
}

#[tokio::test]
async fn folders_list_their_files_and_subfolders() {
    let platform = platform();
    let reply = rpc25(&platform, "resources/directory/read", json!({"uri": ROOT})).await;
    let children: Vec<(String, String)> = reply["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["uri"].as_str().unwrap().to_string(), r["mimeType"].as_str().unwrap().to_string()))
        .collect();
    let dir = |p: &str| (format!("{ROOT}/{p}"), "inode/directory".to_string());
    assert_eq!(
        children,
        [(format!("{ROOT}/SKILL.md"), "text/markdown".into()), dir("assets"), dir("scripts"), dir("templates")],
        "in byte order"
    );
    let modern = rpc(&platform, V2026, "resources/directory/read", json!({"uri": ROOT})).await;
    assert_eq!(modern["result"]["cacheScope"], "private", "{modern}");
    assert!(modern["result"]["ttlMs"].is_u64());
    let nested = rpc25(&platform, "resources/directory/read", json!({"uri": format!("{ROOT}/templates")})).await;
    let names: Vec<&str> =
        nested["result"]["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["cover.md", "deep"]);
    for not_a_folder in [format!("{ROOT}/SKILL.md"), format!("{ROOT}/nothing"), "skill://sales/unnamed".into()] {
        let reply = rpc25(&platform, "resources/directory/read", json!({"uri": not_a_folder})).await;
        assert_eq!(reply["error"]["code"], -32602, "{not_a_folder}");
    }
}

#[tokio::test]
async fn resources_list_names_each_skill_md_and_the_extension_is_declared() {
    let platform = platform();
    let reply = rpc(&platform, V2026, "resources/list", json!({})).await;
    let size = repository().iter().find(|f| f.0 == "plugins/sales/skills/proposal-writer/SKILL.md").unwrap().1.len();
    assert_eq!(
        reply["result"]["resources"],
        json!([{"uri": format!("{ROOT}/SKILL.md"), "name": "proposal-writer", "description": "Drafts proposals", "mimeType": "text/markdown", "size": size}])
    );
    let discover = rpc(&platform, V2026, "server/discover", json!({})).await;
    let capabilities = &discover["result"]["capabilities"];
    assert_eq!(capabilities["extensions"]["io.modelcontextprotocol/skills"], json!({"directoryRead": true}));
    assert!(capabilities["resources"].is_object());
}

#[tokio::test]
async fn editors_see_why_a_skill_is_not_offered_through_the_extension() {
    let platform = platform();
    let body =
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_skills", "arguments": {}}});
    let request = http::Request::post(format!("{BASE_URL}/mcp"))
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .header("authorization", platform.bearer())
        .body(body.to_string().into_bytes())
        .unwrap();
    let handled = app::handle(&platform, &Ok(platform.config()), request).await;
    let reply: Value = serde_json::from_slice(handled.response.body()).unwrap();
    let skills = reply["result"]["structuredContent"]["skills"].as_array().unwrap();
    let warnings =
        |name: &str| skills.iter().find(|s| s["name"] == name).map(|s| s["warnings"].to_string()).unwrap_or_default();
    assert!(warnings("unnamed").contains("no `name`, which the Skills extension needs"), "{}", warnings("unnamed"));
    assert!(
        warnings("many-files").contains("513 files, more than the Skills extension's 512"),
        "{}",
        warnings("many-files")
    );
    assert!(!warnings("proposal-writer").contains("Skills extension"));
}

#[tokio::test]
async fn pages_of_skills_follow_the_cursor_and_a_new_commit_changes_only_its_digests() {
    let github = FakeGitHub::new("main");
    let mut files = vec![(
        ".claude-plugin/marketplace.json".to_string(),
        json!({"name": "acme", "plugins": [{"name": "g", "source": "./plugins/g"}]}).to_string(),
    )];
    for i in 0..230 {
        files.push((
            format!("plugins/g/skills/s-{i:03}/SKILL.md"),
            format!("---\nname: s-{i:03}\ndescription: Skill {i}\n---\n"),
        ));
        files.push((format!("plugins/g/skills/s-{i:03}/notes.md"), format!("notes {i}\n")));
    }
    let refs: Vec<(&str, String)> = files.iter().map(|(p, c)| (p.as_str(), c.clone())).collect();
    github.commit(&refs);
    let platform = FakePlatform::new(github);
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    let mut pages = 0;
    loop {
        let reply = rpc(&platform, V2026, "skills/list", json!({"cursor": cursor})).await;
        pages += 1;
        assert_eq!(reply["result"]["cacheScope"], "private");
        seen.extend(reply["result"]["skills"].as_array().unwrap().iter().map(|s| s["resources"].clone()));
        match reply["result"].get("nextCursor") {
            Some(next) => cursor = next.clone(),
            None => break,
        }
    }
    assert_eq!((pages, seen.len()), (3, 230));
    let bad = rpc(&platform, V2026, "skills/list", json!({"cursor": "not-ours"})).await;
    assert_eq!(bad["error"]["code"], -32602);

    platform.github.commit(&[("plugins/g/skills/s-007/notes.md", "changed notes\n".into())]);
    let got = rpc25(&platform, "skills/get", json!({"uri": "skill://g/s-007/SKILL.md"})).await;
    let digest_of = |resources: &Value, file: &str| {
        resources.as_array().unwrap().iter().find(|r| r["uri"].as_str().unwrap().ends_with(file)).unwrap()["digest"]
            .clone()
    };
    assert_eq!(digest_of(&got["result"]["skill"]["resources"], "notes.md"), json!(sha256(b"changed notes\n")));
    assert_eq!(digest_of(&got["result"]["skill"]["resources"], "SKILL.md"), digest_of(&seen[7], "SKILL.md"));
}
