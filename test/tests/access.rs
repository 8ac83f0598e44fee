//! Access control on every tool, over the in-memory platform: a property test over random
//! access files, users and skills (no tool result ever shows a skill its user may not read, and
//! `editable` is exactly `can_write`), then the fixed cases: a broken file fails closed while
//! whoami still answers, a missing file, the earlier connector's file, and revoke_user.

use proptest::prelude::*;
use serde_json::{json, Value};
use skillport_connector::access::{Access, SkillRef};
use skillport_connector::app;
use skillport_connector::identity::UserInfo;
use skillport_test::{FakeGitHub, FakePlatform, BASE_URL};

/// (name, group, published). Names and descriptions are distinctive, so finding them in a result
/// means the skill was shown.
const SKILLS: [(&str, &str, bool); 6] = [
    ("zq-alpha", "sales", true),
    ("zq-bravo", "sales", true),
    ("zq-charlie", "eng", true),
    ("zq-delta", "eng", true),
    ("zq-echo", "drafts", false),
    ("zq-foxtrot", "ops", true),
];
const GROUPS: [&str; 4] = ["sales", "eng", "drafts", "ops"];

fn users() -> Vec<UserInfo> {
    [
        ("google:u0", "u0@a.example"),
        ("google:u1", "u1@a.example"),
        ("google:u2", "u2@b.example"),
        ("google:u3", "u3@b.example"),
    ]
    .iter()
    .map(|(id, email)| UserInfo {
        id: (*id).into(),
        email: (*email).into(),
        name: None,
        domain: email.rsplit_once('@').map(|(_, d)| d.to_string()),
        ..Default::default()
    })
    .collect()
}

fn description(name: &str) -> String {
    format!("Secret purpose of {name} {}", name.len() * 7919)
}

fn platform(access: Option<&str>) -> FakePlatform {
    let github = FakeGitHub::new("main");
    let mut files = vec![(
        ".claude-plugin/marketplace.json".to_string(),
        json!({"name": "acme", "plugins": [
                {"name": "sales", "source": "./plugins/sales"},
                {"name": "eng", "source": "./plugins/eng"},
                {"name": "ops", "source": "./plugins/ops"}]})
        .to_string(),
    )];
    for group in GROUPS {
        files.push((
            format!("plugins/{group}/.claude-plugin/plugin.json"),
            json!({"name": group, "version": "1.0.0"}).to_string(),
        ));
    }
    for (name, group, _) in SKILLS {
        files.push((
            format!("plugins/{group}/skills/{name}/SKILL.md"),
            format!("---\nname: {name}\ndescription: {}\n---\nBody of {name}\n", description(name)),
        ));
    }
    if let Some(access) = access {
        files.push((".skillport/access.json".into(), access.to_string()));
    }
    let refs: Vec<(&str, String)> = files.iter().map(|(p, c)| (p.as_str(), c.clone())).collect();
    github.commit(&refs);
    FakePlatform::new(github)
}

async fn call_as(platform: &FakePlatform, bearer: &str, tool: &str, arguments: Value) -> (u16, Value) {
    let body =
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
    let request = http::Request::post(format!("{BASE_URL}/mcp"))
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-06-18")
        .header("authorization", bearer)
        .body(body.to_string().into_bytes())
        .unwrap();
    let handled = app::handle(platform, &Ok(platform.config()), request).await;
    let status = handled.response.status().as_u16();
    let reply: Value = serde_json::from_slice(handled.response.body()).unwrap_or(Value::Null);
    (status, reply["result"].clone())
}

/// One JSON-RPC request other than a tool call (the Skills extension's methods), whole reply.
async fn rpc_as(platform: &FakePlatform, bearer: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let request = http::Request::post(format!("{BASE_URL}/mcp"))
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .header("authorization", bearer)
        .body(body.to_string().into_bytes())
        .unwrap();
    let handled = app::handle(platform, &Ok(platform.config()), request).await;
    serde_json::from_slice(handled.response.body()).unwrap_or(Value::Null)
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

fn principal() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        Just("editors".to_string()),
        (0..4usize).prop_map(|i| format!("google:u{i}")),
        Just("team:t1".to_string()),
        Just("team:t2".to_string()),
        prop_oneof![Just("domain:a.example"), Just("domain:b.example")].prop_map(str::to_string),
    ]
}

fn member() -> impl Strategy<Value = String> {
    prop_oneof![(0..4usize).prop_map(|i| format!("google:u{i}")), Just("domain:b.example".to_string())]
}

fn audience() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("*")),
        Just(json!("editors")),
        prop::collection::vec(principal(), 0..3).prop_map(|p| json!(p)),
        prop::collection::vec(member(), 0..2)
            .prop_map(|p| json!(p.into_iter().map(|id| json!({"id": id, "label": "x"})).collect::<Vec<_>>())),
    ]
}

fn rule() -> impl Strategy<Value = Value> {
    (prop::option::of(audience()), prop::option::of(audience()), prop::option::weighted(0.25, audience())).prop_map(
        |(read, write, review)| {
            let mut rule = serde_json::Map::new();
            for (key, audience) in [("read", read), ("write", write), ("review", review)] {
                if let Some(audience) = audience {
                    rule.insert(key.into(), audience);
                }
            }
            Value::Object(rule)
        },
    )
}

fn access_file() -> impl Strategy<Value = Value> {
    let keys: Vec<&str> = SKILLS.iter().map(|s| s.0).chain(GROUPS).collect();
    (
        prop::collection::vec(member(), 0..2),
        prop::collection::vec(member(), 0..3),
        prop::collection::vec(member(), 0..3),
        prop::collection::btree_map(prop::sample::select(keys), rule(), 0..5),
        rule(),
    )
        .prop_map(|(editors, t1, t2, skills, defaults)| {
            json!({"version": "1.0", "editors": editors, "teams": {"t1": t1, "t2": t2}, "skills": skills, "defaults": defaults})
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_tool_shows_an_unreadable_skill_and_editable_is_can_write(file in access_file(), who in 0..4usize) {
        let text = serde_json::to_string_pretty(&file).unwrap();
        let access = Access::load(Some(&text));
        prop_assert!(access.error().is_none(), "generated files are valid: {:?}", access.error());
        let user = users()[who].clone();
        let platform = platform(Some(&text));
        let bearer = platform.sign_in(&user);
        let readable = |name: &str| {
            let (name, group, published) = SKILLS.iter().find(|s| s.0 == name).copied().unwrap();
            access.can_read(&user, SkillRef { name, group, published })
        };
        block_on(async {
            let (_, listed) = call_as(&platform, &bearer, "list_skills", json!({})).await;
            let listed_text = listed["content"][0]["text"].as_str().unwrap().to_string();
            for entry in listed["structuredContent"]["skills"].as_array().unwrap() {
                let group = entry["group"].as_str().unwrap();
                let proposes = access.must_propose(&user, group);
                assert_eq!(entry["editable"], access.can_write(&user, group) || proposes, "editable of {}", entry["name"]);
                assert_eq!(entry.get("proposes").is_some(), proposes, "proposes of {}", entry["name"]);
            }
            for (name, _, _) in SKILLS {
                let shown = listed_text.contains(name);
                assert_eq!(shown, readable(name), "list_skills and {name}");
                assert_eq!(listed_text.contains(&description(name)), readable(name));

                let (_, fetched) = call_as(&platform, &bearer, "fetch_skill", json!({"name": name})).await;
                let (_, missing) = call_as(&platform, &bearer, "fetch_skill", json!({"name": "zq-nonexistent"})).await;
                let fetched_text = fetched["content"][0]["text"].as_str().unwrap();
                if readable(name) {
                    assert_eq!(fetched["isError"], false, "{name}: {fetched_text}");
                } else {
                    assert_eq!(fetched_text, missing["content"][0]["text"].as_str().unwrap().replace("zq-nonexistent", name));
                    assert!(!fetched_text.contains(&description(name)) && !fetched_text.contains("Body of"));
                }

                let (_, checked) = call_as(&platform, &bearer, "check_updates", json!({"installed": [{"name": name, "version": "0.1.0"}, {"name": "zq-nonexistent", "version": "0.1.0"}]})).await;
                let unknown = checked["structuredContent"]["unknown"].as_array().unwrap();
                if readable(name) {
                    assert_eq!(checked["structuredContent"]["updates"][0]["name"], name);
                } else {
                    assert_eq!(unknown.len(), 2, "{name} is unknown, like a skill that does not exist");
                    assert_eq!(unknown[0]["reason"], unknown[1]["reason"]);
                }
            }
            // The Skills extension: the same skills, and an unreadable one reads as a missing one.
            let listed = rpc_as(&platform, &bearer, "skills/list", json!({})).await;
            let mut names: Vec<&str> = listed["result"]["skills"].as_array().unwrap().iter().map(|s| s["frontmatter"]["name"].as_str().unwrap()).collect();
            names.sort_unstable();
            let readable_names: Vec<&str> = SKILLS.iter().map(|s| s.0).filter(|n| readable(n)).collect();
            assert_eq!(names, readable_names, "skills/list");
            let missing_uri = "skill://sales/zq-nonexistent/SKILL.md";
            for method in ["skills/get", "resources/read"] {
                let missing = rpc_as(&platform, &bearer, method, json!({"uri": missing_uri})).await;
                for (name, group, _) in SKILLS {
                    let uri = format!("skill://{group}/{name}/SKILL.md");
                    let reply = rpc_as(&platform, &bearer, method, json!({"uri": uri})).await;
                    if readable(name) {
                        assert!(reply.get("result").is_some(), "{method} {uri}: {reply}");
                    } else {
                        assert_eq!(reply["error"].to_string(), missing["error"].to_string().replace(missing_uri, &uri), "{method} {uri}");
                    }
                }
            }
            let (_, me) = call_as(&platform, &bearer, "whoami", json!({})).await;
            assert_eq!(me["structuredContent"]["editor"], access.is_editor(&user));
            let (_, stats) = call_as(&platform, &bearer, "skill_stats", json!({})).await;
            assert_eq!(stats["isError"], !access.is_editor(&user), "skill_stats is for editors: {stats}");
        });
    }
}

#[tokio::test]
async fn a_broken_access_file_fails_closed_with_its_line_and_whoami_still_answers() {
    let platform = platform(Some("{\n  \"editors\": [\n    \"alice@example.com\"\n  ]\n}\n"));
    let bearer = platform.bearer();
    for (tool, arguments) in [
        ("list_skills", json!({})),
        ("fetch_skill", json!({"name": "zq-alpha"})),
        ("check_updates", json!({"installed": [{"name": "zq-alpha", "version": "1.0.0"}]})),
        ("revoke_user", json!({"id": "google:u1"})),
        ("skill_stats", json!({})),
    ] {
        let (status, result) = call_as(&platform, &bearer, tool, arguments).await;
        assert_eq!(status, 200);
        assert_eq!(result["isError"], true, "{tool}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(".skillport/access.json line 3"), "{tool}: {text}");
        assert!(text.contains("alice@example.com") && text.contains("whoami"), "{tool}: {text}");
        assert!(!text.contains("zq-alpha") || tool == "fetch_skill", "{tool}: {text}");
    }
    let (_, me) = call_as(&platform, &bearer, "whoami", json!({})).await;
    assert_eq!(me["isError"], false);
    assert_eq!(me["structuredContent"]["id"], "test:ann");
    assert!(me["structuredContent"]["access_error"].as_str().unwrap().contains("line 3"));
}

#[tokio::test]
async fn without_an_access_file_everyone_reads_the_published_skills_and_nobody_edits() {
    let platform = platform(None);
    let bearer = platform.bearer();
    let (_, listed) = call_as(&platform, &bearer, "list_skills", json!({})).await;
    let names: Vec<&str> =
        listed["structuredContent"]["skills"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["zq-alpha", "zq-bravo", "zq-charlie", "zq-delta", "zq-foxtrot"]);
    assert!(listed["structuredContent"]["skills"].as_array().unwrap().iter().all(|s| s["editable"] == false));
    let (_, me) = call_as(&platform, &bearer, "whoami", json!({})).await;
    assert_eq!(me["structuredContent"]["editor"], false);
    assert!(me["structuredContent"]["access_rules"].as_str().unwrap().contains("nobody edits"));
}

#[tokio::test]
async fn editors_see_unpublished_skills_marked_and_group_writers_see_their_groups() {
    let file = json!({"editors": [{"id": "google:u0", "label": "u0@a.example"}], "teams": {"writers": ["google:u1"]}, "skills": {"drafts": {"write": "team:writers"}}});
    let platform = platform(Some(&file.to_string()));
    let [editor, writer, reader, _] = <[UserInfo; 4]>::try_from(users()).unwrap();
    for (user, sees_draft, editable_drafts) in [(&editor, true, true), (&writer, true, true), (&reader, false, false)] {
        let bearer = platform.sign_in(user);
        let (_, listed) = call_as(&platform, &bearer, "list_skills", json!({})).await;
        let draft =
            listed["structuredContent"]["skills"].as_array().unwrap().iter().find(|s| s["name"] == "zq-echo").cloned();
        assert_eq!(draft.is_some(), sees_draft, "{}", user.id);
        if let Some(draft) = draft {
            assert_eq!(draft["published"], false);
            assert_eq!(draft["editable"], editable_drafts);
        }
        let (_, me) = call_as(&platform, &bearer, "whoami", json!({})).await;
        assert_eq!(
            me["structuredContent"]["teams"],
            json!(if user.id == "google:u1" { vec!["writers"] } else { vec![] })
        );
    }
}

#[tokio::test]
async fn revoke_user_is_for_editors_and_ends_every_session_of_that_user() {
    let file = json!({"editors": ["google:u0"]});
    let platform = platform(Some(&file.to_string()));
    let [editor, target, _, _] = <[UserInfo; 4]>::try_from(users()).unwrap();
    let editor_bearer = platform.sign_in(&editor);
    let target_bearer = platform.sign_in(&target);
    platform.now.set(platform.now.get() + 1_000);
    let second_session = platform.sign_in(&target);

    let (_, refused) = call_as(&platform, &target_bearer, "revoke_user", json!({"id": "google:u0"})).await;
    assert_eq!(refused["isError"], true);
    assert!(refused["content"][0]["text"].as_str().unwrap().contains("only editors"));
    let (_, bad) = call_as(&platform, &editor_bearer, "revoke_user", json!({"id": "u1@a.example"})).await;
    assert!(bad["content"][0]["text"].as_str().unwrap().contains("not a user id"));

    let (_, done) = call_as(&platform, &editor_bearer, "revoke_user", json!({"id": "google:u1"})).await;
    assert_eq!(done["structuredContent"], json!({"id": "google:u1", "grants_ended": 2}));
    for bearer in [&target_bearer, &second_session] {
        let (status, _) = call_as(&platform, bearer, "whoami", json!({})).await;
        assert_eq!(status, 401, "the revoked user's next request is refused");
    }
    let (status, _) = call_as(&platform, &editor_bearer, "whoami", json!({})).await;
    assert_eq!(status, 200);
}
