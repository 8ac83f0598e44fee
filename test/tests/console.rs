//! The admin console through the router over the in-memory platform: its sign-in ends in a
//! session cookie; editors see every page, others get 403, nobody signed in gets the sign-in
//! page; a form without the session's CSRF token changes nothing; revoking a person ends their
//! sign-ins; the access matrix makes the tools' decisions.

use serde_json::{json, Value};
use skillport_connector::app;
use skillport_connector::console::session;
use skillport_connector::identity::UserInfo;
use skillport_connector::oauth::Site;
use skillport_test::{FakeGitHub, FakePlatform, BASE_URL};

const ACCESS: &str = r#"{"editors": ["test:ed"], "teams": {"sales-team": ["test:bob"]},
  "skills": {"proposal": {"read": "team:sales-team"}, "engineering": {"write": ["test:ann"]}}}"#;

fn platform() -> FakePlatform {
    let github = FakeGitHub::new("main");
    let skill = |name: &str| format!("---\nname: {name}\ndescription: The {name} skill\n---\nBody\n").into_bytes();
    github.commit_bytes(&[
        (
            ".claude-plugin/marketplace.json",
            br#"{"name": "acme", "plugins": [{"name": "sales", "source": "./plugins/sales", "version": "1.2.0"},
                {"name": "engineering", "source": "./plugins/engineering", "version": "2.0.0"}]}"#
                .to_vec(),
            false,
        ),
        ("plugins/sales/skills/proposal/SKILL.md", skill("proposal"), false),
        ("plugins/sales/skills/notes/SKILL.md", skill("notes"), false),
        ("plugins/engineering/skills/review/SKILL.md", skill("review"), false),
        ("plugins/engineering/skills/broken/SKILL.md", b"---\nname: [oops\n---\n".to_vec(), false),
        (".skillport/access.json", ACCESS.as_bytes().to_vec(), false),
    ]);
    FakePlatform::new(github)
}

fn person(id: &str) -> UserInfo {
    let name = id.trim_start_matches("test:");
    UserInfo {
        id: id.into(),
        email: format!("{name}@acme.example"),
        domain: Some("acme.example".into()),
        ..Default::default()
    }
}

/// Signs `user` in to the console as the callback does, and returns the session cookie.
async fn console_session(platform: &FakePlatform, user: &UserInfo) -> String {
    let config = platform.config();
    let site = Site { platform, config: &config, base_url: BASE_URL };
    let response = session::start(&site, user.clone(), &format!("flow-{}", user.id)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("__Host-skillport_console="))
        .expect("the session cookie, __Host- prefixed over https");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"), "{cookie}");
    cookie.split(';').next().unwrap().to_string()
}

struct Page {
    status: u16,
    html: String,
    location: Option<String>,
}

async fn send(platform: &FakePlatform, method: &str, path: &str, cookie: Option<&str>, form: Option<&str>) -> Page {
    let mut request = http::Request::builder().method(method).uri(format!("{BASE_URL}{path}"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if form.is_some() {
        request = request.header("content-type", "application/x-www-form-urlencoded").header("origin", BASE_URL);
    }
    let request = request.body(form.unwrap_or("").as_bytes().to_vec()).unwrap();
    let handled = app::handle(platform, &Ok(platform.config()), request).await;
    let response = handled.response;
    Page {
        status: response.status().as_u16(),
        location: response.headers().get("location").map(|v| v.to_str().unwrap().to_string()),
        html: String::from_utf8(response.body().clone()).unwrap(),
    }
}

async fn call(platform: &FakePlatform, bearer: &str, tool: &str, arguments: Value) -> (u16, Value) {
    platform.call_tool(bearer, tool, arguments).await
}

fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a form with a CSRF token") + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn editors_see_every_page_others_get_403_and_nobody_signed_in_the_sign_in_page() {
    let platform = platform();
    let anonymous = send(&platform, "GET", "/admin", None, None).await;
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.html.contains(r#"href="/admin/sign-in?provider=oidc""#), "{}", anonymous.html);
    let forged = send(&platform, "GET", "/admin", Some("__Host-skillport_console=spn1.e30.AAAA"), None).await;
    assert_eq!(forged.status, 401, "a cookie this connector did not sign is no session");

    let editor = console_session(&platform, &person("test:ed")).await;
    for (path, expect) in [
        ("/admin", "Checks"),
        ("/admin/catalog", "plugins/engineering/skills/broken/SKILL.md"),
        ("/admin/access", "Pick a person or a team"),
        ("/admin/usage", "Nobody used a skill in this period."),
        ("/admin/people", "ed@acme.example"),
    ] {
        let page = send(&platform, "GET", path, Some(&editor), None).await;
        assert_eq!(page.status, 200, "{path}: {}", page.html);
        assert!(page.html.contains(expect), "{path} shows {expect}: {}", page.html);
        assert!(page.html.contains(r#"aria-current="page""#) && page.html.contains("Sign out"), "{path}");
    }
    assert_eq!(send(&platform, "GET", "/admin/nope", Some(&editor), None).await.status, 404);

    let ann = console_session(&platform, &person("test:ann")).await;
    let refused = send(&platform, "GET", "/admin", Some(&ann), None).await;
    assert_eq!(refused.status, 403);
    assert!(refused.html.contains("Only editors use the admin console") && refused.html.contains("test:ann"));
    let people = send(&platform, "GET", "/admin/people", Some(&ann), None).await;
    assert_eq!(people.status, 403);
    assert!(!people.html.contains("ed@acme.example"), "no personal data for a non-editor");
}

#[tokio::test]
async fn forged_forms_change_nothing_and_revoke_ends_the_persons_sign_ins() {
    let platform = platform();
    let bob = platform.sign_in(&person("test:bob"));
    assert_eq!(call(&platform, &bob, "whoami", json!({})).await.0, 200);
    let editor = console_session(&platform, &person("test:ed")).await;
    // bob's sign-in is recorded by the callback in production; here by his console visit.
    console_session(&platform, &person("test:bob")).await;
    let people = send(&platform, "GET", "/admin/people", Some(&editor), None).await;
    assert!(
        people.html.contains("bob@acme.example") && people.html.contains("Revoke every sign-in of bob@acme.example")
    );
    let csrf = csrf_of(&people.html);

    for forged in ["user=test%3Abob&csrf=AAAA", "user=test%3Abob"] {
        let page = send(&platform, "POST", "/admin/people/revoke", Some(&editor), Some(forged)).await;
        assert_eq!(page.status, 403, "{forged}");
        assert!(page.html.contains("nothing was changed"));
    }
    let ann = console_session(&platform, &person("test:ann")).await;
    let theirs =
        format!("user=test%3Abob&csrf={}", csrf_of(&send(&platform, "GET", "/admin", Some(&ann), None).await.html));
    assert_eq!(
        send(&platform, "POST", "/admin/people/revoke", Some(&editor), Some(&theirs)).await.status,
        403,
        "another session's token"
    );
    assert_eq!(
        send(&platform, "POST", "/admin/people/revoke", Some(&ann), Some(&theirs)).await.status,
        403,
        "not an editor"
    );
    assert_eq!(call(&platform, &bob, "whoami", json!({})).await.0, 200, "bob is still signed in");

    let done =
        send(&platform, "POST", "/admin/people/revoke", Some(&editor), Some(&format!("user=test%3Abob&csrf={csrf}")))
            .await;
    assert_eq!(done.status, 303);
    let location = done.location.unwrap();
    assert!(location.starts_with("/admin/people?revoked=test%3Abob&ended="), "{location}");
    assert_eq!(call(&platform, &bob, "whoami", json!({})).await.0, 401, "bob's next request is refused");
    let after = send(&platform, "GET", &location, Some(&editor), None).await;
    assert!(after.html.contains("Ended every sign-in of <code>test:bob</code>"), "{}", after.html);
    assert!(after.html.contains("revoked "), "the person is marked revoked");

    let signed_out = send(&platform, "POST", "/admin/sign-out", Some(&editor), Some(&format!("csrf={csrf}"))).await;
    assert_eq!(signed_out.status, 303);
    assert_eq!(send(&platform, "GET", "/admin", Some(&editor), None).await.status, 401, "the session ended");
}

#[tokio::test]
async fn the_access_matrix_makes_the_decisions_of_the_tools() {
    let platform = platform();
    let editor = console_session(&platform, &person("test:ed")).await;
    for who in ["test:ann", "test:bob", "test:cy", "test:ed"] {
        let bearer = platform.sign_in(&person(who));
        let (_, listed) = call(&platform, &bearer, "list_skills", json!({})).await;
        let visible: Vec<String> = listed["structuredContent"]["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect();
        let query = format!("/admin/access?person={}", who.replace(':', "%3A"));
        let page = send(&platform, "GET", &query, Some(&editor), None).await;
        assert_eq!(page.status, 200);
        for (skill, group) in [("proposal", "sales"), ("notes", "sales"), ("review", "engineering")] {
            let shown_yes =
                page.html.contains(&format!("<tr><td>{skill}</td><td>{group}</td><td><span class=\"ok\">yes</span>"));
            assert_eq!(shown_yes, visible.contains(&skill.to_string()), "{who} reading {skill}: {}", page.html);
        }
        for entry in listed["structuredContent"]["skills"].as_array().unwrap() {
            let group = entry["group"].as_str().unwrap();
            let writes = page.html.contains(&format!("<tr><td>{group}</td><td><span class=\"ok\">yes</span>"));
            assert_eq!(writes, entry["editable"] == true, "{who} writing {group}");
        }
    }
    let bob = send(&platform, "GET", "/admin/access?person=test%3Abob", Some(&editor), None).await;
    assert!(bob.html.contains("skills.proposal.read lists team:sales-team"), "the rule is named: {}", bob.html);
    let team = send(&platform, "GET", "/admin/access?team=sales-team", Some(&editor), None).await;
    assert!(
        team.html.contains("Team sales-team")
            && team.html.contains("<tr><td>proposal</td><td>sales</td><td><span class=\"ok\">yes")
    );
}

#[tokio::test]
async fn usage_and_drift_appear_on_the_console_as_the_tools_record_them() {
    let platform = platform();
    let bob = platform.sign_in(&person("test:bob"));
    call(&platform, &bob, "fetch_skill", json!({"name": "review"})).await;
    call(&platform, &bob, "fetch_skill", json!({"name": "review"})).await;
    call(&platform, &bob, "check_updates", json!({"installed": [{"name": "review", "version": "1.0.0"}]})).await;
    console_session(&platform, &person("test:bob")).await;
    let editor = console_session(&platform, &person("test:ed")).await;
    let usage = send(&platform, "GET", "/admin/usage?days=7", Some(&editor), None).await;
    assert_eq!(usage.status, 200);
    assert!(usage.html.contains("<b>review</b> — 2 uses by 1 person"), "{}", usage.html);
    assert!(usage.html.contains("review: 2 uses over 7 days"), "the chart says it in words");
    assert!(usage.html.contains("<td>review</td><td>2.0.0</td><td>1.0.0 × 1</td><td><span class=\"bad\">1</span></td><td>bob@acme.example</td>"), "{}", usage.html);
    assert!(usage.html.contains(r#"<option value="7" selected>"#));
    let overview = send(&platform, "GET", "/admin", Some(&editor), None).await;
    assert!(overview.html.contains("<dt>Uses, last 30 days</dt><dd>2</dd>"), "{}", overview.html);
}
