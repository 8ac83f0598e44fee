//! Update notifications: what a push changed, and the message each kind of receiver gets; the
//! webhook signature check.

use skillport_connector::config::DestinationKind;
use skillport_connector::notify::changes::{Changes, Snapshot, SnapshotSkill};
use skillport_connector::notify::message::Announcement;
use skillport_connector::notify::CommitInfo;
use skillport_connector::webhooks::check_signature;

fn skill(name: &str, group: &str, version: Option<&str>, content: &str, everyone: bool) -> SnapshotSkill {
    SnapshotSkill {
        name: name.into(),
        group: group.into(),
        version: version.map(str::to_string),
        content: content.into(),
        everyone,
    }
}

fn snapshot(commit: &str, mut skills: Vec<SnapshotSkill>) -> Snapshot {
    skills.sort_by(|a, b| a.name.cmp(&b.name));
    Snapshot { commit: commit.into(), skills }
}

fn changes() -> Changes {
    let before = snapshot(
        "a",
        vec![
            skill("proposal-writer", "sales", Some("1.2.0"), "c1", true),
            skill("crm-notes", "sales", Some("1.2.0"), "c2", true),
            skill("old-one", "sales", Some("1.2.0"), "c3", true),
            skill("secret-plan", "finance", Some("0.1.0"), "c4", false),
            skill("code-review", "engineering", None, "c5", true),
        ],
    );
    let after = snapshot(
        "b",
        vec![
            skill("proposal-writer", "sales", Some("1.3.0"), "c1", true),
            skill("crm-notes", "sales", Some("1.3.0"), "c2x", true),
            skill("pitch-deck", "sales", Some("1.3.0"), "c6", true),
            skill("secret-plan", "finance", Some("0.1.0"), "c4x", false),
            skill("code-review", "engineering", None, "c5", true),
        ],
    );
    Changes::between(&before, &after)
}

#[test]
fn changes_list_added_updated_and_removed_skills_and_skip_unchanged_ones() {
    let changes = changes();
    let names = |list: &[skillport_connector::notify::changes::Changed]| {
        list.iter().map(|c| c.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&changes.added), ["pitch-deck"]);
    assert_eq!(names(&changes.updated), ["crm-notes", "proposal-writer", "secret-plan"]);
    assert_eq!(names(&changes.removed), ["old-one"]);
    let secret = changes.updated.iter().find(|c| c.name == "secret-plan").unwrap();
    assert_eq!(
        (secret.from.as_deref(), secret.to.as_deref()),
        (Some("0.1.0"), Some("0.1.0")),
        "files changed, same version"
    );
    let everyone = changes.filter(|c| c.everyone);
    assert!(!everyone.updated.iter().any(|c| c.name == "secret-plan"), "a restricted skill is filtered out");
    assert!(Changes::between(&snapshot("a", vec![]), &snapshot("b", vec![])).is_empty());
}

fn announcement(changes: &Changes) -> Announcement<'_> {
    Announcement {
        repo: "acme/skills",
        branch: "main",
        commit: "0123456789abcdef0123456789abcdef01234567",
        link: Some("https://github.com/acme/skills/commit/0123456789abcdef0123456789abcdef01234567"),
        by: Some("Sam <sam@acme.example>"),
        changes,
    }
}

/// The posted body, as the receiver parses it.
fn parse(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("every body is JSON")
}

#[test]
fn slack_gets_block_kit_with_escaped_text_and_a_link() {
    let changes = changes();
    let body = parse(&announcement(&changes).body(DestinationKind::Slack));
    assert_eq!(body["blocks"][0]["text"]["text"], "Skill updates in acme/skills");
    let lines = body["blocks"][1]["text"]["text"].as_str().unwrap();
    assert!(lines.contains("• Added: pitch-deck 1.3.0 (sales)"), "{lines}");
    assert!(lines.contains("• Updated: proposal-writer 1.2.0 → 1.3.0 (sales)"), "{lines}");
    assert!(lines.contains("• Updated: secret-plan (finance), files changed, version 0.1.0"), "{lines}");
    assert!(lines.contains("• Removed: old-one 1.2.0 (sales)"), "{lines}");
    let context = body["blocks"][2]["elements"][0]["text"].as_str().unwrap();
    assert_eq!(
        context,
        "By Sam &lt;sam@acme.example&gt; · commit <https://github.com/acme/skills/commit/0123456789abcdef0123456789abcdef01234567|0123456> on main"
    );
    assert!(body["text"].as_str().unwrap().starts_with("Skill updates in acme/skills: Added: pitch-deck"));
}

#[test]
fn teams_gets_an_adaptive_card_and_json_receivers_the_change_itself() {
    let changes = changes();
    let teams = parse(&announcement(&changes).body(DestinationKind::Teams));
    assert_eq!(teams["type"], "message");
    let card = &teams["attachments"][0];
    assert_eq!(card["contentType"], "application/vnd.microsoft.card.adaptive");
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(card["content"]["actions"][0]["type"], "Action.OpenUrl");
    let json = parse(&announcement(&changes).body(DestinationKind::Json));
    assert_eq!(json["event"], "skills.changed");
    assert_eq!(json["added"], serde_json::json!([{"name": "pitch-deck", "group": "sales", "version": "1.3.0"}]));
    assert_eq!(json["removed"], serde_json::json!([{"name": "old-one", "group": "sales", "version": "1.2.0"}]));
    assert_eq!(
        json["updated"][1],
        serde_json::json!({"name": "proposal-writer", "group": "sales", "from": "1.2.0", "to": "1.3.0"})
    );
}

#[test]
fn the_author_is_the_requested_by_trailer_else_the_commit_author() {
    let through_connector = CommitInfo {
        sha: "a".into(),
        link: None,
        message: Some("Update pdf\n\nRequested-by: Ann <ann@acme.example>\nSkillport-User: google:1".into()),
        author: Some("skillport-connector[bot] <1+bot@users.noreply.github.com>".into()),
    };
    assert_eq!(through_connector.by().as_deref(), Some("Ann <ann@acme.example>"));
    let pushed = CommitInfo {
        message: Some("Fix typo".into()),
        author: Some("Bo <bo@acme.example>".into()),
        ..through_connector
    };
    assert_eq!(pushed.by().as_deref(), Some("Bo <bo@acme.example>"));
}

#[test]
fn a_webhook_signature_must_be_the_bodys_hmac_under_the_secret() {
    use hmac::Mac;
    let body = br#"{"zen":"Keep it logically awesome."}"#;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"secret").unwrap();
    mac.update(body);
    let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert!(check_signature(b"secret", Some(&good), body).is_ok());
    assert!(check_signature(b"other", Some(&good), body).is_err(), "another secret");
    assert!(check_signature(b"secret", Some(&good), b"{}").is_err(), "another body");
    assert!(check_signature(b"secret", None, body).is_err(), "no signature");
    assert!(check_signature(b"secret", Some(&good.replace("sha256=", "sha1=")), body).is_err());
    assert!(check_signature(b"secret", Some("sha256=zz"), body).is_err());
}
