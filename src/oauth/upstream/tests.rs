//! Tests of [`super`].

use super::*;
use crate::config::Secret;

fn settings(issuer: &str, domains: &[&str]) -> OidcSettings {
    OidcSettings {
        issuer: url::Url::parse(issuer).unwrap(),
        client_id: "c".into(),
        client_secret: Secret::new("s"),
        provider_name: "google".into(),
        allowed_domains: match domains {
            ["*"] => AllowedDomains::Any,
            _ => AllowedDomains::Only(domains.iter().map(|d| d.to_string()).collect()),
        },
        groups_claim: Some("groups".into()),
    }
}

fn claims(email: &str, verified: bool, hd: Option<&str>) -> IdClaims {
    IdClaims {
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
    let base = r#""sub":"1","exp":1"#;
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
        serde_json::from_str(r#"{"sub":"1","exp":1,"email":"a@b.c","email_verified":"true"}"#).unwrap();
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
