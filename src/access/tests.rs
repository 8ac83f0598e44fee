//! Tests of [`super`].

use super::*;

fn user(id: &str, email: &str) -> UserInfo {
    // As a provider other than Google vouches: the verified email's domain.
    let domain = email.rsplit_once('@').map(|(_, d)| d.to_string());
    UserInfo { id: id.into(), email: email.into(), name: None, domain, ..Default::default() }
}

fn skill<'a>(name: &'a str, group: &'a str) -> SkillRef<'a> {
    SkillRef { name, group, published: true }
}

const OLD_FORMAT: &str = r#"{ "version": "1.0",
  "editors":  [{ "id": "google:1143", "label": "alice@example.com" }],
  "skills":   { "incident-runbook": { "read": [{ "id": "google:2294" }] },
                "engineering":      { "write": [{ "id": "google:3391" }] } },
  "defaults": { "read": "*", "write": "editors" } }"#;

#[test]
fn the_earlier_connectors_file_keeps_its_meaning() {
    let access = Access::load(Some(OLD_FORMAT));
    let alice = user("google:1143", "alice@example.com");
    let reader = user("google:2294", "r@example.com");
    let writer = user("google:3391", "w@example.com");
    let anyone = user("google:9", "x@example.com");
    assert!(access.is_editor(&alice) && !access.is_editor(&writer));
    assert!(access.can_read(&reader, skill("incident-runbook", "ops")));
    assert!(!access.can_read(&anyone, skill("incident-runbook", "ops")));
    assert!(access.can_read(&alice, skill("incident-runbook", "ops")), "editors read everything");
    assert!(access.can_read(&anyone, skill("code-review", "engineering")));
    assert!(access.can_write(&writer, "engineering") && !access.can_write(&writer, "sales"));
    assert!(access.can_write(&alice, "sales") && !access.can_write(&anyone, "engineering"));
}

/// Finding 6: `domain:` matched the email address's domain, which a personal Google account
/// can share with the company; it now matches the domain the provider vouched for (Google's
/// `hd`), recorded at sign-in.
#[test]
fn security_6_domain_principals_match_the_vouched_domain_not_the_address() {
    let access = Access::load(Some(r#"{"skills": {"sales": {"read": "domain:acme.example"}}}"#));
    let workspace = user("google:1", "ann@acme.example");
    let personal = UserInfo { domain: None, ..user("google:2", "ann.personal@acme.example") };
    let elsewhere = UserInfo { domain: Some("acme.example".into()), ..user("google:3", "ann@gmail.example") };
    assert!(access.can_read(&workspace, skill("proposal", "sales")));
    assert!(!access.can_read(&personal, skill("proposal", "sales")), "an address at the domain is not enough");
    assert!(access.can_read(&elsewhere, skill("proposal", "sales")), "the vouched domain decides");
}

#[test]
fn teams_domains_and_group_rules() {
    let access = Access::load(Some(
        r#"{"teams": {"sales": ["google:1", {"id": "domain:sales.acme.example"}]},
            "skills": {"sales": {"read": "team:sales", "write": ["team:sales"]},
                       "pricing": {"read": ["google:2"]}}}"#,
    ));
    let member = user("google:1", "a@acme.example");
    let by_domain = user("google:3", "b@sales.acme.example");
    let other = user("google:2", "c@acme.example");
    assert_eq!(access.teams_of(&by_domain), ["sales"]);
    assert!(access.can_read(&member, skill("proposal", "sales")), "a group's read rule covers its skills");
    assert!(access.can_read(&by_domain, skill("proposal", "sales")));
    assert!(!access.can_read(&other, skill("proposal", "sales")));
    assert!(access.can_read(&other, skill("pricing", "sales")), "a skill's own rule wins over its group's");
    assert!(!access.can_read(&member, skill("pricing", "sales")));
    assert!(access.can_write(&by_domain, "sales") && !access.can_write(&other, "sales"));
    assert!(access.can_read(&other, skill("code-review", "engineering")), "no rule: everyone reads");
    assert!(!access.can_write(&member, "engineering"), "no rule: editors write");
}

#[test]
fn unpublished_skills_are_for_editors_and_the_groups_writers() {
    let access = Access::load(Some(r#"{"editors": ["google:1"], "skills": {"drafts": {"write": ["google:2"]}}}"#));
    let draft = SkillRef { name: "plan", group: "drafts", published: false };
    assert!(access.can_read(&user("google:1", "e@x.example"), draft));
    assert!(access.can_read(&user("google:2", "w@x.example"), draft));
    assert!(!access.can_read(&user("google:3", "r@x.example"), draft));
    assert!(!Access::Missing.can_read(&user("google:3", "r@x.example"), draft));
}

#[test]
fn no_file_means_everyone_reads_and_nobody_writes() {
    let anyone = user("google:1", "a@x.example");
    assert!(Access::Missing.can_read(&anyone, skill("a", "b")));
    assert!(!Access::Missing.can_write(&anyone, "b") && !Access::Missing.is_editor(&anyone));
}

#[test]
fn broken_files_fail_closed_with_the_line() {
    for (text, line, problem) in [
        ("{\n  \"editors\": [\n    \"bob\"\n  ]\n}", Some(3), "not a principal"),
        ("{\n  \"editors\": [{\n    \"id\": \"bob\",\n    \"label\": \"b\"\n  }]\n}", Some(3), "not a principal"),
        ("{\n  \"skills\": {\"x\": {\"read\": \"team:ghost\"}}\n}", Some(2), "names no team"),
        ("{\n  \"editor\": []\n}", Some(2), "unknown field `editor`"),
        ("{\n  \"skills\": {\n", Some(3), "EOF"),
        ("{\"teams\": {\"a\": [\"team:a\"]}}", Some(1), "lists users and domains only"),
        ("{\"editors\": \"*\"}", Some(1), "cannot contain `*`"),
    ] {
        let access = Access::load(Some(text));
        let error = access.error().unwrap_or_else(|| panic!("{text} should be broken"));
        assert_eq!(error.line, line, "{text}: {error}");
        assert!(error.problem.contains(problem), "{text}: {error}");
        assert!(error.to_string().starts_with(".skillport/access.json line"));
        assert!(!access.can_read(&user("google:1", "a@x.example"), skill("x", "y")));
    }
}

#[test]
fn principals_are_parsed_strictly() {
    assert_eq!(Principal::parse("google:114"), Ok(Principal::User("google:114".into())));
    assert_eq!(Principal::parse("domain:Acme.Example"), Ok(Principal::Domain("acme.example".into())));
    for bad in ["", "nobody", "google:", ":123", "Google:1", "domain:localhost", "domain:a@b.c", "team:"] {
        assert!(Principal::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_schema_is_valid_json() {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(schema["title"], "Skillport access rules");
}

/// `group:` principals name the directory groups the provider gave at sign-in: in read and write
/// rules, in teams and among the editors; a name may hold spaces; nothing else matches them.
#[test]
fn group_principals_match_the_directory_groups_of_the_sign_in() {
    let access = Access::load(Some(
        r#"{ "version": "1.0",
  "editors": ["group:IT Admins"],
  "teams":   { "deal-desk": ["group:Sales Team", "google:7"] },
  "skills":  { "proposal-writer": { "read": "team:deal-desk" },
               "board-pack":      { "read": "group:Board" },
               "engineering":     { "write": "group:eng" } },
  "defaults": { "read": "*", "write": "editors" } }"#,
    ));
    assert!(access.error().is_none(), "{:?}", access.error());
    let in_groups = |groups: &[&str]| UserInfo {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..user("okta:1", "ann@acme.example")
    };
    let cases: [(&[&str], bool, bool, bool, bool); 5] = [
        // groups, editor, reads proposal-writer, reads board-pack, writes engineering
        (&[], false, false, false, false),
        (&["Sales Team"], false, true, false, false),
        (&["Board", "eng"], false, false, true, true),
        (&["IT Admins"], true, true, true, true),
        (&["sales team", "Board "], false, false, false, false),
    ];
    for (groups, editor, proposals, board, writes) in cases {
        let who = in_groups(groups);
        assert_eq!(
            (
                access.is_editor(&who),
                access.can_read(&who, skill("proposal-writer", "sales")),
                access.can_read(&who, skill("board-pack", "exec")),
                access.can_write(&who, "engineering"),
            ),
            (editor, proposals, board, writes),
            "{groups:?}"
        );
    }
    assert!(Principal::parse("group:").is_err() && Principal::parse("group:  ").is_err());
    assert_eq!(Principal::parse("group:Sales Team"), Ok(Principal::Group("Sales Team".into())));
}

/// `github-team:` principals name the GitHub teams of people signed in with GitHub, compared
/// as GitHub does (case-insensitively); a directory group of the same name is not a GitHub team.
#[test]
fn github_team_principals_match_the_teams_of_a_github_sign_in() {
    let access = Access::load(Some(
        r#"{ "version": "1.0",
  "editors": ["github-team:acme/Platform"],
  "skills":  { "proposal-writer": { "read": "github-team:acme/sales" } },
  "defaults": { "read": "*", "write": "editors" } }"#,
    ));
    assert!(access.error().is_none(), "{:?}", access.error());
    let github = |teams: &[&str]| UserInfo {
        github_teams: teams.iter().map(|t| t.to_string()).collect(),
        ..user("github:583231", "octo@acme.example")
    };
    let directory = UserInfo { groups: vec!["acme/sales".into()], ..user("okta:1", "ann@acme.example") };
    let cases: [(&str, UserInfo, bool, bool); 4] = [
        ("no team", github(&[]), false, false),
        ("the team", github(&["acme/sales"]), true, false),
        ("the editors' team", github(&["acme/platform"]), true, true),
        ("a directory group of that name", directory, false, false),
    ];
    for (case, who, reads, edits) in cases {
        assert_eq!(
            (access.can_read(&who, skill("proposal-writer", "sales")), access.is_editor(&who)),
            (reads, edits),
            "{case}"
        );
    }
    assert_eq!(Principal::parse("github-team:Acme/Sales"), Ok(Principal::GitHubTeam("acme/sales".into())));
    for bad in [
        "github-team:",
        "github-team:acme",
        "github-team:acme/",
        "github-team:/sales",
        "github-team:a/b/c",
        "github-team:a b/c",
    ] {
        assert!(Principal::parse(bad).is_err(), "{bad}");
    }
}

/// The access matrix's explanations: each names the rule that decided, for people and for teams.
#[test]
fn explanations_name_the_rule_that_decided() {
    let access = Access::load(Some(
        r#"{"editors": ["google:1"], "teams": {"deal-desk": ["google:2", "domain:partner.example"]},
            "skills": {"proposal": {"read": "team:deal-desk"}, "sales": {"read": ["domain:acme.example", "google:5"], "write": "team:deal-desk"},
                       "drafts": {"write": ["google:3"]}},
            "defaults": {"read": "*"}}"#,
    ));
    let editor = user("google:1", "e@acme.example");
    let member = user("google:2", "m@acme.example");
    let partner = user("google:4", "p@partner.example");
    let writer = user("google:3", "w@acme.example");
    let draft = SkillRef { name: "plan", group: "drafts", published: false };
    let cases: [(Who<'_>, SkillRef<'_>, bool, &str); 9] = [
        (Who::Person(&editor), skill("proposal", "sales"), true, "an editor (editors lists google:1)"),
        (Who::Person(&member), skill("proposal", "sales"), true, "skills.proposal.read lists team:deal-desk"),
        (Who::Person(&writer), skill("proposal", "sales"), false, "skills.proposal.read lists only team:deal-desk"),
        (Who::Person(&member), skill("quote", "sales"), true, "skills.sales.read lists domain:acme.example"),
        (Who::Person(&partner), skill("quote", "sales"), false, "skills.sales.read lists only domain:acme.example, google:5"),
        (Who::Person(&partner), skill("code-review", "engineering"), true, "defaults.read lists *"),
        (Who::Team("deal-desk"), skill("proposal", "sales"), true, "skills.proposal.read lists team:deal-desk"),
        (Who::Person(&writer), draft, true, "not published: editors and the group's writers only; a writer of the group (skills.drafts.write lists google:3)"),
        (Who::Person(&member), draft, false, "not published: editors and the group's writers only; not a writer of the group (skills.drafts.write lists only google:3)"),
    ];
    for (who, skill, allowed, rule) in cases {
        let decision = access.explain_read(who, skill);
        assert_eq!((decision.allowed, decision.rule.as_str()), (allowed, rule), "{who:?} reading {}", skill.name);
        if let Who::Person(person) = who {
            assert_eq!(access.can_read(person, skill), allowed, "can_read agrees");
        }
    }
    let team = Who::Team("deal-desk");
    assert!(!access.explain_read(team, skill("quote", "sales")).allowed, "domain rules do not name a team");
    assert_eq!(access.explain_write(team, "sales"), Decision::yes("skills.sales.write lists team:deal-desk"));
    assert_eq!(access.explain_write(Who::Person(&partner), "sales").rule, "skills.sales.write lists team:deal-desk");
    assert_eq!(
        access.explain_write(Who::Person(&member), "engineering"),
        Decision::no("no write rule for the group: editors only")
    );
    assert_eq!(access.team_names(), ["deal-desk"]);
    assert_eq!(Access::load(None).explain_write(Who::Person(&member), "sales").rule, "no access.json: nobody writes");
    assert!(Access::load(Some("{")).explain_read(Who::Person(&editor), skill("a", "b")).rule.contains("broken"));
}

/// `review` on a group: its reviewers (and editors) change it; its other writers are refused
/// with the rule, still see its drafts, and nobody else gains anything.
#[test]
fn a_group_under_review_is_changed_by_its_reviewers_only() {
    let access = Access::load(Some(
        r#"{"editors": ["google:1"], "teams": {"leads": ["google:2"]},
            "skills": {"sales": {"write": ["google:2", "google:3"], "review": "team:leads"},
                       "drafts": {"write": ["google:3"], "review": ["google:2"]}},
            "defaults": {"write": ["google:3"]}}"#,
    ));
    let editor = user("google:1", "e@acme.example");
    let lead = user("google:2", "l@acme.example");
    let writer = user("google:3", "w@acme.example");
    let reader = user("google:4", "r@acme.example");
    let cases: [(&UserInfo, &str, bool, &str); 6] = [
        (&editor, "sales", true, "an editor (editors lists google:1)"),
        (&lead, "sales", true, "skills.sales.review lists team:leads"),
        (&writer, "sales", false, "changes to the group are reviewed (skills.sales.review lists team:leads); a writer who is not a reviewer proposes changes as pull requests (skills.sales.write lists google:3)"),
        (&reader, "sales", false, "skills.sales.write lists only google:2, google:3"),
        (&writer, "engineering", true, "defaults.write lists google:3"),
        (&lead, "engineering", false, "defaults.write lists only google:3"),
    ];
    for (who, group, allowed, rule) in cases {
        assert_eq!(
            access.explain_write(Who::Person(who), group),
            Decision { allowed, rule: rule.into() },
            "{} on {group}",
            who.id
        );
        assert_eq!(access.can_write(who, group), allowed);
    }
    assert!(
        access.requires_review("sales") && access.requires_review("drafts") && !access.requires_review("engineering")
    );
    assert!(access.can_review(Who::Person(&lead), "sales") && access.can_review(Who::Person(&editor), "engineering"));
    assert!(!access.can_review(Who::Person(&writer), "sales") && !access.can_review(Who::Team("leads"), "drafts"));
    assert!(access.can_review(Who::Team("leads"), "sales"), "a team named by the review rule");
    let draft = SkillRef { name: "plan", group: "drafts", published: false };
    assert!(access.can_read(&writer, draft), "a writer under review still sees the group's drafts");
    assert!(access.can_read(&lead, draft), "so does its reviewer");
    assert!(!access.can_read(&reader, draft));
    let everyone_reviews = Access::load(Some(r#"{"defaults": {"write": "*", "review": "editors"}}"#));
    assert!(
        !everyone_reviews.can_write(&writer, "any") && everyone_reviews.requires_review("any"),
        "defaults.review covers every group"
    );
    let unknown_team = Access::load(Some(r#"{"skills": {"sales": {"review": "team:nobody"}}}"#));
    assert!(
        unknown_team.error().is_some_and(|e| e.problem.contains("team:nobody")),
        "review rules are checked like the others"
    );
}
