//! Tests of [`super`].

use super::github::{GitHubEmail, GitHubOrganization, GitHubTeam, GitHubUser};
use super::*;
use crate::config::{AllowedDomains, GitHubSignIn, Secret, MAX_GROUPS};
use serde_json::json;

fn settings(issuer: &str, domains: &[&str]) -> OidcSettings {
    let issuer = url::Url::parse(issuer).unwrap();
    let kind = match issuer.host_str() {
        Some("accounts.google.com") => OidcKind::Google,
        Some("login.microsoftonline.com") => OidcKind::Entra,
        _ => OidcKind::Generic,
    };
    OidcSettings {
        issuer,
        client_id: "c".into(),
        client_secret: Secret::new("s"),
        kind,
        provider_name: if kind == OidcKind::Entra { "entra" } else { "google" }.into(),
        allowed_domains: match domains {
            ["*"] => AllowedDomains::Any,
            _ => AllowedDomains::Only(domains.iter().map(|d| d.to_string()).collect()),
        },
        groups_claim: Some("groups".into()),
        tenants: Vec::new(),
        scopes: Vec::new(),
        refresh_groups: false,
    }
}

fn claims(email: &str, verified: bool, hd: Option<&str>) -> IdClaims {
    IdClaims {
        iss: "https://accounts.google.com".into(),
        sub: "42".into(),
        exp: 0,
        nonce: None,
        email: Some(email.into()),
        email_verified: verified,
        name: Some("Ann".into()),
        hd: hd.map(str::to_string),
        aud: vec!["c".into()],
        azp: None,
        other: serde_json::Map::new(),
    }
}

#[test]
fn google_admits_by_hosted_domain_only() {
    let google = settings("https://accounts.google.com", &["acme.example"]);
    let user = admit(&google, &claims("ann@acme.example", true, Some("acme.example"))).unwrap();
    assert_eq!(user.id, "google:42");
    // A personal account with an address at the domain is not a Workspace account of it.
    assert!(matches!(
        admit(&google, &claims("ann@acme.example", true, None)),
        Err(SignInRefused::DomainNotAllowed { .. })
    ));
    assert!(matches!(
        admit(&google, &claims("ann@acme.example", false, Some("acme.example"))),
        Err(SignInRefused::Unverified(_))
    ));
}

#[test]
fn other_providers_admit_by_the_verified_email_domain() {
    let other = settings("https://idp.acme.example", &["acme.example"]);
    assert!(admit(&other, &claims("Ann@ACME.example", true, None)).is_ok());
    assert!(admit(&other, &claims("ann@evil.example", true, Some("acme.example"))).is_err());
    let open = settings("https://idp.acme.example", &["*"]);
    assert!(admit(&open, &claims("ann@anywhere.example", true, None)).is_ok());
    assert!(admit(&open, &claims("ann@anywhere.example", false, None)).is_err());
}

/// Finding 6: the domain a user is matched on is the one the provider vouches for.
#[test]
fn security_6_the_vouched_domain_is_recorded_google_hd_else_email() {
    let google = settings("https://accounts.google.com", &["*"]);
    let workspace = admit(&google, &claims("ann@acme.example", true, Some("Acme.example"))).unwrap();
    assert_eq!(workspace.domain.as_deref(), Some("acme.example"));
    let personal = admit(&google, &claims("ann@acme.example", true, None)).unwrap();
    assert_eq!(personal.domain, None, "a Gmail account with an address at acme.example is not acme.example's");
    let other = settings("https://idp.acme.example", &["*"]);
    assert_eq!(admit(&other, &claims("Ann@ACME.example", true, None)).unwrap().domain.as_deref(), Some("acme.example"));
}

/// Finding 16: with several audiences, `azp` was not checked, so a token issued to another
/// application that also lists this connector signed people in.
#[test]
fn security_16_azp_is_checked_when_aud_lists_several_audiences() {
    let parse = |json: &str| serde_json::from_str::<IdClaims>(json).unwrap();
    let base = r#""iss":"i","sub":"1","exp":1"#;
    let cases = [
        (format!(r#"{{{base},"aud":"c"}}"#), true),
        (format!(r#"{{{base},"aud":["c"]}}"#), true),
        (format!(r#"{{{base},"aud":["c","other"],"azp":"c"}}"#), true),
        (format!(r#"{{{base},"aud":["c","other"]}}"#), false),
        (format!(r#"{{{base},"aud":["c","other"],"azp":"other"}}"#), false),
        (format!(r#"{{{base},"aud":"c","azp":"other"}}"#), false),
    ];
    for (json, accepted) in cases {
        assert_eq!(parse(&json).check_authorized_party("c").is_ok(), accepted, "{json}");
    }
}

#[test]
fn email_verified_may_be_a_string() {
    let claims: IdClaims =
        serde_json::from_str(r#"{"iss":"i","sub":"1","exp":1,"email":"a@b.c","email_verified":"true"}"#).unwrap();
    assert!(claims.email_verified);
}

/// Directory groups, claim by claim: what the provider sends, what the user is recorded with.
#[test]
fn directory_groups_come_from_the_configured_claim() {
    let okta = settings("https://acme.okta.com/oauth2/default", &["acme.example"]);
    let with = |other: serde_json::Value| {
        let mut claims = claims("ann@acme.example", true, None);
        claims.other = other.as_object().cloned().unwrap_or_default();
        claims
    };
    let cases: [(&str, serde_json::Value, &[&str], bool); 6] = [
        ("a list", serde_json::json!({"groups": ["Sales Team", "eng", "eng", ""]}), &["Sales Team", "eng"], false),
        ("one string", serde_json::json!({"groups": "eng"}), &["eng"], false),
        ("no claim", serde_json::json!({}), &[], false),
        ("not strings", serde_json::json!({"groups": [1, {"a": 2}, "ok"]}), &["ok"], false),
        ("another claim", serde_json::json!({"roles": ["admin"]}), &[], false),
        (
            "Entra ID's overage",
            serde_json::json!({"_claim_names": {"groups": "src1"}, "_claim_sources": {"src1": {"endpoint": "https://graph"}}}),
            &[],
            true,
        ),
    ];
    for (case, other, groups, overage) in cases {
        let user = admit(&okta, &with(other)).unwrap();
        assert_eq!(
            (user.groups.iter().map(String::as_str).collect::<Vec<_>>(), user.groups_overage),
            (groups.to_vec(), overage),
            "{case}"
        );
    }
    let mut named = settings("https://acme.okta.com/oauth2/default", &["acme.example"]);
    named.groups_claim = Some("roles".into());
    assert_eq!(
        admit(&named, &with(serde_json::json!({"roles": ["admin"], "groups": ["eng"]}))).unwrap().groups,
        ["admin"]
    );
    named.groups_claim = None;
    assert!(
        admit(&named, &with(serde_json::json!({"groups": ["eng"]}))).unwrap().groups.is_empty(),
        "OIDC_GROUPS_CLAIM=none"
    );
    let many: Vec<String> = (0..500).map(|n| format!("g{n:03}")).collect();
    assert_eq!(admit(&okta, &with(serde_json::json!({"groups": many}))).unwrap().groups.len(), MAX_GROUPS);
}

const TENANT: &str = "0b0e0a6e-0000-4000-8000-000000000001";
const OTHER_TENANT: &str = "0b0e0a6e-0000-4000-8000-000000000002";

fn entra_claims(other: serde_json::Value) -> IdClaims {
    let mut claims = claims("", false, None);
    claims.email = None;
    claims.other = other.as_object().cloned().unwrap_or_default();
    claims
}

/// Entra ID: who is admitted, as whom, and every refusal. The `email` claim is whatever the
/// account's owner typed, so it counts only when Entra ID vouches for its domain (`xms_edov`);
/// a member's UPN always carries one of the tenant's verified domains.
#[test]
fn entra_admits_by_tenant_and_a_vouched_for_email_only() {
    let mut entra = settings("https://login.microsoftonline.com/organizations/v2.0", &["acme.example"]);
    entra.tenants = vec![TENANT.into()];
    type Case =
        (&'static str, serde_json::Value, Option<&'static str>, Result<(&'static str, &'static str), &'static str>);
    let cases: Vec<Case> = vec![
        (
            "email vouched for by xms_edov",
            json!({"tid": TENANT, "oid": "OID-1", "xms_edov": true}),
            Some("ann@acme.example"),
            Ok(("entra:0b0e0a6e-0000-4000-8000-000000000001:oid-1", "ann@acme.example")),
        ),
        (
            "xms_edov as a string",
            json!({"tid": TENANT, "oid": "o", "xms_edov": "true"}),
            Some("ann@acme.example"),
            Ok(("entra:0b0e0a6e-0000-4000-8000-000000000001:o", "ann@acme.example")),
        ),
        (
            "the UPN when the email is not vouched for",
            json!({"tid": TENANT, "oid": "o", "upn": "ann@acme.example"}),
            Some("ann@gmail.example"),
            Ok(("entra:0b0e0a6e-0000-4000-8000-000000000001:o", "ann@acme.example")),
        ),
        (
            "an unverified email of an allowed domain",
            json!({"tid": TENANT, "oid": "o"}),
            Some("eve@acme.example"),
            Err("EntraUnverified"),
        ),
        (
            "xms_edov false",
            json!({"tid": TENANT, "oid": "o", "xms_edov": false}),
            Some("eve@acme.example"),
            Err("EntraUnverified"),
        ),
        (
            "a guest's UPN names the host's domain",
            json!({"tid": TENANT, "oid": "o", "upn": "eve_gmail.example#EXT#@acme.example"}),
            Some("eve@acme.example"),
            Err("EntraUnverified"),
        ),
        ("no email at all", json!({"tid": TENANT, "oid": "o"}), None, Err("NoEmail")),
        (
            "another tenant",
            json!({"tid": OTHER_TENANT, "oid": "o", "xms_edov": true}),
            Some("ann@acme.example"),
            Err("TenantNotAllowed"),
        ),
        ("no tenant", json!({"oid": "o", "xms_edov": true}), Some("ann@acme.example"), Err("EntraNoId")),
        ("no object id", json!({"tid": TENANT, "xms_edov": true}), Some("ann@acme.example"), Err("EntraNoId")),
        (
            "a vouched-for email outside the allowed domains",
            json!({"tid": TENANT, "oid": "o", "xms_edov": true}),
            Some("ann@subsidiary.example"),
            Err("DomainNotAllowed"),
        ),
        // `email_verified` is not Entra ID's way: it is not trusted.
        (
            "email_verified is ignored",
            json!({"tid": TENANT, "oid": "o", "email_verified": true}),
            Some("eve@acme.example"),
            Err("EntraUnverified"),
        ),
    ];
    for (case, other, email, expected) in cases {
        let mut claims = entra_claims(other);
        claims.email = email.map(str::to_string);
        let got = admit(&entra, &claims);
        match (got, expected) {
            (Ok(user), Ok((id, email))) => {
                assert_eq!((user.id.as_str(), user.email.as_str()), (id, email), "{case}");
                assert_eq!(user.domain.as_deref(), email.split_once('@').map(|(_, d)| d), "{case}");
            }
            (Err(refusal), Err(variant)) => assert!(format!("{refusal:?}").starts_with(variant), "{case}: {refusal:?}"),
            (got, expected) => panic!("{case}: got {got:?}, expected {expected:?}"),
        }
    }
    // The refusal tells the admin what to change.
    let mut unverified = entra_claims(json!({"tid": TENANT, "oid": "o"}));
    unverified.email = Some("eve@acme.example".into());
    assert!(admit(&entra, &unverified).unwrap_err().to_string().contains("xms_edov"));
    // Without an allow-list (a single tenant's issuer), the issuer check decides the tenant.
    entra.tenants.clear();
    let mut member = entra_claims(json!({"tid": OTHER_TENANT, "oid": "o", "upn": "ann@acme.example"}));
    member.email = None;
    assert!(admit(&entra, &member).is_ok());
}

/// The token's issuer, for each kind of provider; for Entra ID the template takes the token's
/// own tenant, and a token cannot name one tenant in `iss` and another in `tid`.
#[test]
fn the_issuer_must_be_the_providers_and_entra_tokens_their_tenants() {
    let discovery = |issuer: &str| Discovery {
        issuer: issuer.into(),
        authorization_endpoint: String::new(),
        token_endpoint: String::new(),
        jwks_uri: String::new(),
    };
    let token = |iss: &str, tid: Option<&str>| {
        let mut claims = entra_claims(tid.map(|t| json!({ "tid": t })).unwrap_or_default());
        claims.iss = iss.into();
        claims
    };
    let google = settings("https://accounts.google.com", &["*"]);
    let generic = settings("https://idp.example", &["*"]);
    let multi = settings("https://login.microsoftonline.com/organizations/v2.0", &["*"]);
    let single = settings(&format!("https://login.microsoftonline.com/{TENANT}/v2.0"), &["*"]);
    let template = discovery("https://login.microsoftonline.com/{tenantid}/v2.0");
    let tenant_issuer = format!("https://login.microsoftonline.com/{TENANT}/v2.0");
    let other_issuer = format!("https://login.microsoftonline.com/{OTHER_TENANT}/v2.0");
    let cases: Vec<(&str, &OidcSettings, Discovery, IdClaims, bool)> = vec![
        ("google", &google, discovery("https://accounts.google.com"), token("https://accounts.google.com", None), true),
        (
            "google without scheme",
            &google,
            discovery("https://accounts.google.com"),
            token("accounts.google.com", None),
            true,
        ),
        ("not google", &google, discovery("https://accounts.google.com"), token("https://evil.example", None), false),
        ("generic", &generic, discovery("https://idp.example"), token("https://idp.example/", None), true),
        ("generic, other", &generic, discovery("https://idp.example"), token("https://idp.example/x", None), false),
        ("template, own tenant", &multi, template.clone(), token(&tenant_issuer, Some(TENANT)), true),
        ("template, tid differs from iss", &multi, template.clone(), token(&other_issuer, Some(TENANT)), false),
        ("template, no tid", &multi, template.clone(), token(&tenant_issuer, None), false),
        ("single tenant", &single, discovery(&tenant_issuer), token(&tenant_issuer, Some(TENANT)), true),
        (
            "single tenant, other tid",
            &single,
            discovery(&tenant_issuer),
            token(&tenant_issuer, Some(OTHER_TENANT)),
            false,
        ),
        (
            "single tenant, other iss",
            &single,
            discovery(&tenant_issuer),
            token(&other_issuer, Some(OTHER_TENANT)),
            false,
        ),
    ];
    for (case, settings, discovery, claims, accepted) in cases {
        assert_eq!(check_issuer(settings, &discovery, &claims).is_ok(), accepted, "{case}");
    }
}

/// GitHub sign-in: an active member of an allowed organization with a verified primary email,
/// as `github:<numeric id>`, with their teams in the allowed organizations only.
#[test]
fn github_admits_members_of_the_allowed_organizations() {
    let settings = GitHubSignIn {
        web_url: url::Url::parse("https://github.com").unwrap(),
        client_id: "c".into(),
        client_secret: Secret::new("s"),
        orgs: vec!["acme".into(), "acme-contractors".into()],
    };
    let user = GitHubUser { id: 583231, login: "octocat".into(), name: None };
    let email = |email: &str, primary: bool, verified: bool| GitHubEmail { email: email.into(), primary, verified };
    let team = |org: &str, slug: &str| GitHubTeam {
        slug: slug.into(),
        organization: GitHubOrganization { login: org.into() },
    };
    let good = [email("octo@users.example", false, true), email("Octo@Acme.example", true, true)];
    let teams = [
        team("Acme", "Platform"),
        team("acme", "platform"),
        team("elsewhere", "secret"),
        team("acme-contractors", "docs"),
    ];

    let admitted = github::admit(&settings, &user, &good, Some("acme"), &teams).unwrap();
    assert_eq!(admitted.id, "github:583231");
    assert_eq!(admitted.email, "Octo@Acme.example");
    assert_eq!(admitted.domain.as_deref(), Some("acme.example"));
    assert_eq!(admitted.name.as_deref(), Some("octocat"), "the login stands in for a missing name");
    assert_eq!(admitted.github_teams, ["acme-contractors/docs", "acme/platform"]);
    assert!(admitted.groups.is_empty());

    let refusals: [(&str, &[GitHubEmail], Option<&str>, &str); 5] = [
        ("not a member", &good, None, "NotInOrganization"),
        ("a member of another organization", &good, Some("elsewhere"), "NotInOrganization"),
        (
            "primary email unverified",
            &[email("o@acme.example", true, false), email("p@acme.example", false, true)],
            Some("acme"),
            "GitHubNoVerifiedEmail",
        ),
        ("no primary email", &[email("o@acme.example", false, true)], Some("acme"), "GitHubNoVerifiedEmail"),
        ("no email", &[], Some("acme"), "GitHubNoVerifiedEmail"),
    ];
    for (case, emails, member_of, variant) in refusals {
        let refusal = github::admit(&settings, &user, emails, member_of, &teams).unwrap_err();
        assert!(format!("{refusal:?}").starts_with(variant), "{case}: {refusal:?}");
    }
    let many: Vec<GitHubTeam> = (0..300).map(|n| team("acme", &format!("t{n:03}"))).collect();
    assert_eq!(github::admit(&settings, &user, &good, Some("acme"), &many).unwrap().github_teams.len(), MAX_GROUPS);
}
