//! The write tools on every marketplace layout, over the in-memory GitHub and its Git Data API:
//! each write is one commit whose changed paths are exactly the intended ones, the write check
//! is made on the group that owns the folder, and a branch that moves during a write is handled
//! (re-planned, or a conflict that writes nothing).

use serde_json::{json, Value};
use skillport_connector::app;
use skillport_connector::identity::UserInfo;
use skillport_test::{FakeGitHub, FakePlatform, Files};
use std::collections::BTreeSet;

const ACCESS: &str = r#"{"editors": ["test:ann"], "skills": {"sales": {"write": "test:bob"}, "document-skills": {"write": "test:bob"}}}"#;

fn skill_md(name: &str, description: &str) -> String {
    format!("---\nname: {name}\ndescription: {description}\n---\nBody of {name}\n")
}

/// A repository of `files` plus the access rules.
fn platform(files: &[(&str, String)]) -> FakePlatform {
    let github = FakeGitHub::new("main");
    let mut all: Vec<(&str, String)> = files.to_vec();
    all.push((".skillport/access.json", ACCESS.to_string()));
    github.commit(&all);
    FakePlatform::new(github)
}

/// The default layout, with a group whose name is not its folder's and a folder that carries
/// another group's name.
fn named_apart() -> FakePlatform {
    platform(&[
        (
            ".claude-plugin/marketplace.json",
            json!({"name": "acme", "owner": {"name": "IT"}, "plugins": [
                {"name": "sales-team", "source": "./plugins/sales", "version": "1.0.0"},
                {"name": "sales", "source": "./plugins/field", "version": "2.0.0"}]})
            .to_string(),
        ),
        ("plugins/sales/.claude-plugin/plugin.json", json!({"name": "sales-team", "version": "1.0.0"}).to_string()),
        ("plugins/sales/skills/a/SKILL.md", skill_md("a", "A")),
        ("plugins/sales/skills/a/notes.md", "notes".into()),
        ("plugins/sales/skills/b/SKILL.md", skill_md("b", "B")),
        ("plugins/field/.claude-plugin/plugin.json", json!({"name": "sales", "version": "2.0.0"}).to_string()),
        ("plugins/field/skills/visit/SKILL.md", skill_md("visit", "Field visits")),
        ("plugins/wip/.claude-plugin/plugin.json", json!({"name": "drafts", "version": "0.1.0"}).to_string()),
        ("plugins/wip/skills/draft/SKILL.md", skill_md("draft", "Not yet")),
    ])
}

/// `strict: false` entries sharing the repository root, the most common layout of collections.
fn shared_root() -> FakePlatform {
    platform(&[
        (
            ".claude-plugin/marketplace.json",
            json!({"name": "acme", "owner": {"name": "IT"}, "plugins": [
                {"name": "document-skills", "source": "./", "strict": false, "version": "1.0.0",
                 "skills": ["./skills/xlsx", "./skills/docx"]},
                {"name": "example-skills", "source": "./", "strict": false, "skills": ["./skills/art"]}]})
            .to_string(),
        ),
        ("skills/xlsx/SKILL.md", skill_md("xlsx", "Spreadsheets")),
        ("skills/docx/SKILL.md", skill_md("docx", "Documents")),
        ("skills/docx/ooxml/schema.xsd", "<xsd/>".into()),
        ("skills/art/SKILL.md", skill_md("art", "Art")),
        ("README.md", "# Skills".into()),
    ])
}

/// The repository root is the plugin.
fn root_plugin() -> FakePlatform {
    platform(&[
        (
            ".claude-plugin/marketplace.json",
            json!({"name": "acme", "owner": {"name": "IT"}, "plugins": [{"name": "toolkit", "source": "./"}]})
                .to_string(),
        ),
        (".claude-plugin/plugin.json", json!({"name": "toolkit", "version": "2.1.0"}).to_string()),
        ("skills/lint/SKILL.md", skill_md("lint", "Lints")),
        ("skills/format/SKILL.md", skill_md("format", "Formats")),
    ])
}

fn ann() -> UserInfo {
    UserInfo {
        id: "test:ann".into(),
        email: "ann@acme.example".into(),
        name: Some("Ann".into()),
        domain: Some("acme.example".into()),
        ..Default::default()
    }
}

fn bob() -> UserInfo {
    UserInfo {
        id: "test:bob".into(),
        email: "bob@acme.example".into(),
        name: None,
        domain: Some("acme.example".into()),
        ..Default::default()
    }
}

/// Calls `tool` as `user`; `Ok(structured output)` or `Err(error text)`.
async fn call(platform: &FakePlatform, user: &UserInfo, tool: &str, arguments: Value) -> Result<Value, String> {
    let body =
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
    let request = http::Request::post("https://skills.example.com/mcp")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-06-18")
        .header("authorization", platform.sign_in(user))
        .body(body.to_string().into_bytes())
        .unwrap();
    let handled = app::handle(platform, &Ok(platform.config()), request).await;
    let reply: Value = serde_json::from_slice(handled.response.body()).unwrap();
    let result = &reply["result"];
    if result["isError"] == true {
        Err(result["content"][0]["text"].as_str().unwrap_or_default().to_string())
    } else {
        Ok(result["structuredContent"].clone())
    }
}

/// The paths whose content differs between two versions of the repository.
fn changed(before: &Files, after: &Files) -> BTreeSet<String> {
    before.keys().chain(after.keys()).filter(|p| before.get(*p) != after.get(*p)).cloned().collect()
}

fn paths(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|p| p.to_string()).collect()
}

fn json_file(files: &Files, path: &str) -> Value {
    serde_json::from_slice(&files[path].0).unwrap()
}

/// Runs `tool` and checks it made exactly one commit on the previous head; returns its output
/// and the paths it changed.
async fn write(platform: &FakePlatform, user: &UserInfo, tool: &str, arguments: Value) -> (Value, BTreeSet<String>) {
    let before = platform.github.files();
    let head = platform.github.head();
    let output = call(platform, user, tool, arguments).await.unwrap_or_else(|e| panic!("{tool}: {e}"));
    let commit = platform.github.commit_of(&platform.github.head()).unwrap();
    assert_eq!(commit.parent.as_deref(), Some(head.as_str()), "{tool} made one commit on the head");
    assert_eq!(output["commit"], platform.github.head());
    (output, changed(&before, &platform.github.files()))
}

async fn version_id(platform: &FakePlatform, skill: &str) -> String {
    let fetched = call(platform, &ann(), "fetch_skill", json!({"name": skill})).await.unwrap();
    fetched["skill"]["version_id"].as_str().unwrap().to_string()
}

async fn listed(platform: &FakePlatform) -> Vec<(String, String)> {
    let listed = call(platform, &ann(), "list_skills", json!({})).await.unwrap();
    listed["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().into(), s["group"].as_str().unwrap().into()))
        .collect()
}

#[tokio::test]
async fn save_skill_writes_the_real_folder_and_lists_a_new_skill_in_its_strict_false_entry() {
    let platform = shared_root();
    let base = version_id(&platform, "docx").await;
    let (output, changed) = write(
        &platform,
        &bob(),
        "save_skill",
        json!({"skill": "docx", "base_version": base, "files": [{"path": "SKILL.md", "content": skill_md("docx", "Word documents")}]}),
    )
    .await;
    assert_eq!(changed, paths(&["skills/docx/SKILL.md"]));
    assert_eq!((output["group"].as_str(), output["created"].as_bool()), (Some("document-skills"), Some(false)));

    let (output, changed) = write(
        &platform,
        &ann(),
        "save_skill",
        json!({"skill": "pptx", "group": "document-skills", "files": [{"path": "SKILL.md", "content": skill_md("pptx", "Slides")}]}),
    )
    .await;
    assert_eq!(changed, paths(&["skills/pptx/SKILL.md", ".claude-plugin/marketplace.json"]));
    assert_eq!(output["group_created"], false);
    let marketplace = json_file(&platform.github.files(), ".claude-plugin/marketplace.json");
    assert_eq!(marketplace["plugins"][0]["skills"], json!(["./skills/xlsx", "./skills/docx", "./skills/pptx"]));
    assert_eq!(marketplace["plugins"][1]["skills"], json!(["./skills/art"]), "the other entry is untouched");
    assert!(listed(&platform).await.contains(&("pptx".into(), "document-skills".into())));
}

#[tokio::test]
async fn save_skill_in_a_group_named_apart_from_its_folder() {
    let platform = named_apart();
    let base = version_id(&platform, "a").await;
    let (_, changed) = write(
        &platform,
        &ann(),
        "save_skill",
        json!({"skill": "a", "base_version": base, "files": [{"path": "extra.md", "content": "more"}]}),
    )
    .await;
    assert_eq!(changed, paths(&["plugins/sales/skills/a/extra.md"]), "no group_description asked, no new group");
    let (output, changed) = write(
        &platform,
        &ann(),
        "save_skill",
        json!({"skill": "c", "group": "sales-team", "files": [{"path": "SKILL.md", "content": skill_md("c", "C")}]}),
    )
    .await;
    assert_eq!(changed, paths(&["plugins/sales/skills/c/SKILL.md"]));
    assert_eq!(output["group_created"], false);
    let (output, changed) = write(
        &platform,
        &ann(),
        "save_skill",
        json!({"skill": "ops-check", "group": "ops", "group_description": "Operations", "files": [{"path": "SKILL.md", "content": skill_md("ops-check", "Checks")}]}),
    )
    .await;
    assert_eq!(changed, paths(&["plugins/ops/.claude-plugin/plugin.json", "plugins/ops/skills/ops-check/SKILL.md"]));
    assert_eq!(output["group_created"], true);
    let refused = call(
        &platform,
        &ann(),
        "save_skill",
        json!({"skill": "x", "group": "sales", "files": [{"path": "SKILL.md", "content": skill_md("other", "Other")}]}),
    )
    .await
    .unwrap_err();
    assert!(refused.contains("SKILL.md's name is `other` but the skill is `x`"), "{refused}");
    let refused = call(
        &platform,
        &ann(),
        "save_skill",
        json!({"skill": "z", "group": "sales", "files": [{"path": "SKILL.md", "content": skill_md("z", "Uses <b>")}]}),
    )
    .await
    .unwrap_err();
    assert!(refused.contains("`<` or `>`"), "what Claude.ai may refuse is not written: {refused}");
}

#[tokio::test]
async fn delete_skill_removes_exactly_its_folder_and_its_listing() {
    let platform = named_apart();
    let (output, changed) = write(&platform, &ann(), "delete_skill", json!({"skill": "a", "confirm": true})).await;
    assert_eq!(changed, paths(&["plugins/sales/skills/a/SKILL.md", "plugins/sales/skills/a/notes.md"]));
    assert_eq!((output["group"].as_str(), output["group_deleted"].as_bool()), (Some("sales-team"), Some(false)));
    assert_eq!(listed(&platform).await.iter().filter(|(_, g)| g == "sales-team").count(), 1, "b stays published");

    let platform = shared_root();
    let (output, changed) = write(&platform, &bob(), "delete_skill", json!({"skill": "docx", "confirm": true})).await;
    assert_eq!(
        changed,
        paths(&["skills/docx/SKILL.md", "skills/docx/ooxml/schema.xsd", ".claude-plugin/marketplace.json"])
    );
    assert_eq!(output["group_deleted"], false);
    let marketplace = json_file(&platform.github.files(), ".claude-plugin/marketplace.json");
    assert_eq!(marketplace["plugins"][0]["skills"], json!(["./skills/xlsx"]));

    let refused = call(&platform, &bob(), "delete_skill", json!({"skill": "xlsx", "confirm": true})).await.unwrap_err();
    assert!(refused.contains("last skill of group document-skills"), "{refused}");
    let (output, changed) = write(&platform, &ann(), "delete_skill", json!({"skill": "art", "confirm": true})).await;
    assert_eq!(
        changed,
        paths(&["skills/art/SKILL.md", ".claude-plugin/marketplace.json"]),
        "README and other skills stay"
    );
    assert_eq!(output["group_deleted"], true);
    let marketplace = json_file(&platform.github.files(), ".claude-plugin/marketplace.json");
    assert_eq!(marketplace["plugins"].as_array().unwrap().len(), 1);
    assert_eq!(marketplace["plugins"][0]["name"], "document-skills");
}

#[tokio::test]
async fn deleting_the_last_skill_of_a_plugin_folder_removes_the_group() {
    let platform = named_apart();
    let (output, changed) = write(&platform, &ann(), "delete_skill", json!({"skill": "visit", "confirm": true})).await;
    assert_eq!(
        changed,
        paths(&[
            "plugins/field/.claude-plugin/plugin.json",
            "plugins/field/skills/visit/SKILL.md",
            ".claude-plugin/marketplace.json"
        ])
    );
    assert_eq!(output["group_deleted"], true);
    let marketplace = json_file(&platform.github.files(), ".claude-plugin/marketplace.json");
    let names: Vec<&str> =
        marketplace["plugins"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["sales-team"]);
}

#[tokio::test]
async fn bump_version_writes_plugin_json_and_the_entry_in_one_commit() {
    let platform = named_apart();
    let (output, changed) = write(&platform, &ann(), "bump_version", json!({"skill": "b", "type": "minor"})).await;
    assert_eq!(changed, paths(&["plugins/sales/.claude-plugin/plugin.json", ".claude-plugin/marketplace.json"]));
    assert_eq!((output["from"].as_str(), output["to"].as_str()), (Some("1.0.0"), Some("1.1.0")));
    let files = platform.github.files();
    assert_eq!(json_file(&files, "plugins/sales/.claude-plugin/plugin.json")["version"], "1.1.0");
    assert_eq!(json_file(&files, ".claude-plugin/marketplace.json")["plugins"][0]["version"], "1.1.0");
    assert_eq!(json_file(&files, ".claude-plugin/marketplace.json")["plugins"][1]["version"], "2.0.0");

    let platform = shared_root();
    let (output, changed) = write(&platform, &bob(), "bump_version", json!({"skill": "xlsx", "type": "patch"})).await;
    assert_eq!(changed, paths(&[".claude-plugin/marketplace.json"]), "no plugin.json: the entry carries the version");
    assert_eq!(output["to"], "1.0.1");
    let refused = call(&platform, &ann(), "bump_version", json!({"skill": "art", "type": "patch"})).await.unwrap_err();
    assert!(refused.contains("group example-skills has no version"), "{refused}");

    let platform = root_plugin();
    let (output, changed) = write(&platform, &ann(), "bump_version", json!({"skill": "lint", "type": "major"})).await;
    assert_eq!(changed, paths(&[".claude-plugin/plugin.json"]));
    assert_eq!((output["to"].as_str(), output["marketplace_updated"].as_bool()), (Some("3.0.0"), Some(false)));
}

/// Security review finding 2: the write tools assumed `plugins/<group name>`, so a writer of a
/// group named apart from its folder reached another group's folder.
#[tokio::test]
async fn security_2_a_writer_of_one_group_is_confined_to_its_folders() {
    let platform = named_apart();
    // bob writes group `sales`, whose folder is plugins/field; plugins/sales is sales-team's.
    let (output, changed) = write(&platform, &bob(), "bump_version", json!({"skill": "visit", "type": "patch"})).await;
    assert_eq!(changed, paths(&["plugins/field/.claude-plugin/plugin.json", ".claude-plugin/marketplace.json"]));
    assert_eq!(output["group"], "sales");
    let head = platform.github.head();
    for (tool, arguments) in [
        ("bump_version", json!({"skill": "a", "type": "patch"})),
        ("delete_skill", json!({"skill": "b", "confirm": true})),
        (
            "save_skill",
            json!({"skill": "a", "base_version": "x", "files": [{"path": "SKILL.md", "content": skill_md("a", "A")}]}),
        ),
    ] {
        let refused = call(&platform, &bob(), tool, arguments).await.unwrap_err();
        assert!(refused.contains("may not edit group sales-team"), "{tool}: {refused}");
    }
    assert_eq!(platform.github.head(), head, "nothing was written");
}

#[tokio::test]
async fn publish_skill_adds_an_entry_for_the_groups_own_folder() {
    let platform = named_apart();
    let (output, changed) =
        write(&platform, &ann(), "publish_skill", json!({"skill": "draft", "category": "wip"})).await;
    assert_eq!(changed, paths(&[".claude-plugin/marketplace.json"]));
    assert_eq!((output["group"].as_str(), output["added"].as_bool()), (Some("drafts"), Some(true)));
    let marketplace = json_file(&platform.github.files(), ".claude-plugin/marketplace.json");
    assert_eq!(
        marketplace["plugins"][2],
        json!({"name": "drafts", "source": "./plugins/wip", "version": "0.1.0", "category": "wip"})
    );
    let (output, _) = write(&platform, &ann(), "publish_skill", json!({"skill": "a", "tags": ["crm"]})).await;
    assert_eq!(output["added"], false);
    let marketplace = json_file(&platform.github.files(), ".claude-plugin/marketplace.json");
    assert_eq!(marketplace["plugins"][0]["tags"], json!(["crm"]));
    assert_eq!(marketplace["plugins"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_branch_that_moves_elsewhere_is_replanned_and_keeps_the_other_change() {
    let platform = named_apart();
    let head = platform.github.head();
    platform
        .github
        .push_before_next_update(&[("plugins/field/skills/visit/SKILL.md", &skill_md("visit", "Changed meanwhile"))]);
    call(&platform, &ann(), "bump_version", json!({"skill": "b", "type": "patch"})).await.unwrap();
    let commit = platform.github.commit_of(&platform.github.head()).unwrap();
    let parent = commit.parent.clone().unwrap();
    assert_ne!(parent, head, "made on the commit pushed meanwhile");
    assert_eq!(platform.github.commit_of(&parent).unwrap().parent, Some(head));
    let files = platform.github.files();
    assert_eq!(files["plugins/field/skills/visit/SKILL.md"].0, skill_md("visit", "Changed meanwhile").into_bytes());
    assert_eq!(json_file(&files, "plugins/sales/.claude-plugin/plugin.json")["version"], "1.0.1");
    assert_eq!(
        commit.message,
        "Bump sales-team from 1.0.0 to 1.0.1\n\nRequested-by: Ann <ann@acme.example>\nSkillport-User: test:ann"
    );
}

#[tokio::test]
async fn a_branch_that_moves_under_the_edited_folder_is_a_conflict_that_writes_nothing() {
    let platform = named_apart();
    let base = version_id(&platform, "a").await;
    platform.github.push_before_next_update(&[("plugins/sales/skills/a/notes.md", "someone else's notes")]);
    let refused = call(
        &platform,
        &ann(),
        "save_skill",
        json!({"skill": "a", "base_version": base, "files": [{"path": "notes.md", "content": "mine"}]}),
    )
    .await
    .unwrap_err();
    assert!(refused.contains("plugins/sales/skills/a changed on the branch since you read it"), "{refused}");
    assert!(refused.contains("changed: notes.md"), "{refused}");
    assert_eq!(platform.github.files()["plugins/sales/skills/a/notes.md"].0, b"someone else's notes");
}

#[tokio::test]
async fn a_branch_that_keeps_moving_or_is_protected_gets_a_clear_refusal() {
    let platform = named_apart();
    for n in 0..3 {
        platform.github.push_before_next_update(&[("README.md", &format!("push {n}"))]);
    }
    let refused = call(&platform, &ann(), "bump_version", json!({"skill": "b", "type": "patch"})).await.unwrap_err();
    assert!(refused.contains("the branch kept moving during 3 attempts; nothing was written"), "{refused}");
    assert_eq!(platform.github.files()["README.md"].0, b"push 2");
    assert_eq!(json_file(&platform.github.files(), "plugins/sales/.claude-plugin/plugin.json")["version"], "1.0.0");

    platform.github.protect_branch(true);
    let head = platform.github.head();
    let refused = call(&platform, &ann(), "bump_version", json!({"skill": "b", "type": "patch"})).await.unwrap_err();
    assert!(refused.contains("GitHub refused to move branch main: Protected branch update failed"), "{refused}");
    assert_eq!(platform.github.head(), head);
}

#[tokio::test]
async fn a_writer_of_a_group_under_review_proposes_and_its_reviewer_commits() {
    let platform = named_apart();
    // bob writes `sales`; with ann as its reviewer, his changes wait for her.
    let reviewed =
        r#"{"editors": ["test:ed"], "skills": {"sales": {"write": ["test:bob", "test:ann"], "review": ["test:ann"]}}}"#;
    platform.github.commit(&[(".skillport/access.json", reviewed.to_string())]);
    let head = platform.github.head();
    let served = platform.github.files();
    call(&platform, &bob(), "list_skills", json!({})).await.unwrap();
    let requests = platform.github_requests();
    let proposed = call(&platform, &bob(), "bump_version", json!({"skill": "visit", "type": "patch"})).await.unwrap();
    assert_eq!(platform.github.head(), head, "nothing reached the served branch");
    assert_eq!(platform.github.files(), served);
    let proposal = &proposed["proposal"];
    assert_eq!(proposal["number"], 1);
    assert_eq!(proposal["url"], "https://github.com/acme/skills/pull/1");
    let branch = proposal["branch"].as_str().unwrap();
    let commit = proposed["commit"].as_str().unwrap();
    assert_eq!(branch, format!("skillport/bump_version-{}", &commit[..7]));
    assert_eq!(
        platform.github.branches.borrow().get(branch).map(String::as_str),
        Some(commit),
        "one branch at the one commit"
    );
    let made = platform.github.commit_of(commit).unwrap();
    assert_eq!(made.parent.as_deref(), Some(head.as_str()), "one commit on the served head");
    assert!(made.message.contains("Skillport-User: test:bob"), "the trailers: {}", made.message);
    let pulls = platform.github.pulls.borrow().clone();
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].head, branch);
    assert!(pulls[0].body.contains("Proposed through Skillport by bob@acme.example"), "{}", pulls[0].body);
    let spent = platform.github_requests() - requests;
    assert!(spent <= 7, "opening a proposal with the catalog cached costs at most 7 GitHub requests, not {spent}");

    let base = version_id(&platform, "visit").await;
    let files = json!([{"path": "SKILL.md", "content": skill_md("visit", "Field visits, revised")}]);
    let saved = call(&platform, &bob(), "save_skill", json!({"skill": "visit", "base_version": base, "files": files}))
        .await
        .unwrap();
    assert_eq!(saved["proposal"]["number"], 2, "a second proposal, still nothing on the branch");
    let branch = saved["proposal"]["branch"].as_str().unwrap();
    assert!(branch.starts_with("skillport/save_skill-"), "{branch}");
    assert_eq!(platform.github.head(), head);
    let listed = call(&platform, &bob(), "list_skills", json!({})).await.unwrap();
    let visit = listed["skills"].as_array().unwrap().iter().find(|s| s["name"] == "visit").unwrap();
    assert_eq!(
        (&visit["editable"], &visit["proposes"]),
        (&json!(true), &json!(true)),
        "list_skills: bob edits it by proposal"
    );

    let refused = call(
        &platform,
        &UserInfo { id: "test:cy".into(), email: "cy@acme.example".into(), ..bob() },
        "bump_version",
        json!({"skill": "visit", "type": "patch"}),
    )
    .await
    .unwrap_err();
    assert!(
        refused.contains("may not edit group sales") && refused.contains("skills.sales.write lists only"),
        "a reader cannot propose: {refused}"
    );
    let (output, _) = write(&platform, &ann(), "bump_version", json!({"skill": "visit", "type": "patch"})).await;
    assert_eq!(output["to"], "2.0.1", "the reviewer changes it directly");
    assert!(output.get("proposal").is_none());
}
