//! Tests of [`super`].

use super::*;
use std::collections::HashMap;

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn load(pairs: &[(&str, &str)]) -> Result<Config, Vec<ConfigError>> {
    let mut map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    map.entry("COOKIE_ENCRYPTION_KEY".into()).or_insert_with(|| KEY.into());
    map.entry("OIDC_CLIENT_ID".into()).or_insert_with(|| "connector".into());
    map.entry("OIDC_CLIENT_SECRET".into()).or_insert_with(|| "upstream-secret".into());
    map.entry("ALLOWED_DOMAINS".into()).or_insert_with(|| "acme.example".into());
    Config::load(|name| map.get(name).cloned())
}

#[test]
fn minimal_configuration_uses_documented_defaults() {
    let config = load(&[("MARKETPLACE_REPO", "acme/skills"), ("GITHUB_SERVICE_TOKEN", "t")]).unwrap();
    assert_eq!(config.repo.to_string(), "acme/skills");
    assert_eq!(config.github_api_url.as_str(), "https://api.github.com/");
    assert_eq!(config.branch, None);
    assert!(config.allowed_origins.is_empty());
}

#[test]
fn every_problem_is_reported_by_setting_name() {
    let errors = load(&[("GITHUB_API_URL", "http://github.example.com")]).unwrap_err();
    let names: Vec<_> = errors.iter().map(|e| e.setting).collect();
    assert_eq!(names, ["MARKETPLACE_REPO", "GITHUB_API_URL", "GITHUB_SERVICE_TOKEN"]);
    assert!(errors[1].problem.contains("https"));
}

#[test]
fn loopback_http_is_allowed_for_local_runs() {
    let config = load(&[
        ("MARKETPLACE_REPO", "acme/skills"),
        ("GITHUB_SERVICE_TOKEN", "t"),
        ("GITHUB_API_URL", "http://127.0.0.1:9000/"),
        ("ALLOWED_ORIGINS", "https://a.example, https://b.example/"),
    ])
    .unwrap();
    assert_eq!(config.github_api_url.as_str(), "http://127.0.0.1:9000/");
    assert_eq!(config.allowed_origins, ["https://a.example", "https://b.example"]);
}

#[test]
fn malformed_repository_names_are_refused() {
    for bad in ["acme", "acme/", "/skills", "acme/skills/extra", "ac me/skills", "../x"] {
        assert!(load(&[("MARKETPLACE_REPO", bad), ("GITHUB_SERVICE_TOKEN", "t")]).is_err(), "{bad}");
    }
}

#[test]
fn the_signing_key_must_be_32_hex_bytes() {
    let errors = load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t"), ("COOKIE_ENCRYPTION_KEY", "abc")])
        .unwrap_err();
    assert_eq!(errors[0].setting, "COOKIE_ENCRYPTION_KEY");
}

/// Not a security review finding of its own: the test that stood here looked for hex in a
/// Debug print that would show decimal bytes, so it could not fail.
#[test]
fn security_config_debug_shows_no_secret() {
    let config = load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "ghp_service_token_value")]).unwrap();
    let printed = format!("{config:?}");
    let key_bytes: Vec<u8> = hex::decode(KEY).unwrap();
    for secret in
        [KEY.to_string(), format!("{key_bytes:?}"), "ghp_service_token_value".into(), "upstream-secret".into()]
    {
        assert!(!printed.contains(&secret), "{secret} is printed in {printed}");
    }
    assert!(printed.contains("<redacted>"));
}

#[test]
fn github_timeout_is_bounded() {
    let errors =
        load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t"), ("GITHUB_TIMEOUT_MS", "5")]).unwrap_err();
    assert_eq!(errors[0].setting, "GITHUB_TIMEOUT_MS");
}

#[test]
fn sign_in_defaults_to_google_and_accepts_google_names() {
    let mut map: HashMap<String, String> = [
        ("MARKETPLACE_REPO", "a/b"),
        ("GITHUB_SERVICE_TOKEN", "t"),
        ("COOKIE_ENCRYPTION_KEY", KEY),
        ("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com"),
        ("GOOGLE_CLIENT_SECRET", "s"),
        ("ALLOWED_DOMAINS", " Example.com, acme.example "),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = Config::load(|name| map.get(name).cloned()).unwrap();
    assert!(config.oidc.is_google());
    assert_eq!(config.oidc.provider_name, "google");
    assert_eq!(config.oidc.allowed_domains, AllowedDomains::Only(vec!["example.com".into(), "acme.example".into()]));
    assert_eq!(config.lifetimes, Lifetimes { access_token: 12 * 3600, grant: 7 * 86_400 });
    map.remove("GOOGLE_CLIENT_SECRET");
    map.insert("OIDC_ISSUER".into(), "http://idp.example".into());
    map.insert("ALLOWED_DOMAINS".into(), "@example.com".into());
    let names: Vec<_> = Config::load(|name| map.get(name).cloned()).unwrap_err().iter().map(|e| e.setting).collect();
    assert_eq!(names, ["OIDC_ISSUER", "OIDC_CLIENT_SECRET"]);
}

/// Finding 6: an unset or empty `ALLOWED_DOMAINS` admitted every account of the provider.
#[test]
fn security_6_allowed_domains_is_required_and_star_admits_all() {
    for empty in [None, Some(""), Some(" , ")] {
        let mut pairs = vec![("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t")];
        let mut map: HashMap<String, String> = pairs.drain(..).map(|(k, v)| (k.into(), v.into())).collect();
        map.insert("COOKIE_ENCRYPTION_KEY".into(), KEY.into());
        map.insert("OIDC_CLIENT_ID".into(), "c".into());
        map.insert("OIDC_CLIENT_SECRET".into(), "s".into());
        if let Some(value) = empty {
            map.insert("ALLOWED_DOMAINS".into(), value.into());
        }
        let errors = Config::load(|name| map.get(name).cloned()).unwrap_err();
        assert_eq!(errors[0].setting, "ALLOWED_DOMAINS", "{empty:?}");
        assert!(errors[0].problem.contains("`*`"), "{}", errors[0].problem);
    }
    let config =
        load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t"), ("ALLOWED_DOMAINS", " * ")]).unwrap();
    assert_eq!(config.oidc.allowed_domains, AllowedDomains::Any);
    assert!(load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t"), ("ALLOWED_DOMAINS", "*, acme.com")])
        .is_err());
}

#[test]
fn secrets_never_print() {
    assert_eq!(format!("{:?}", Secret::new("ghp_abc")), "Secret(<redacted>)");
}
