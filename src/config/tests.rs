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
    assert!(config.sign_in.oidc().unwrap().is_google());
    assert_eq!(config.sign_in.oidc().unwrap().provider_name, "google");
    assert_eq!(
        config.sign_in.oidc().unwrap().allowed_domains,
        AllowedDomains::Only(vec!["example.com".into(), "acme.example".into()])
    );
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
    assert_eq!(config.sign_in.oidc().unwrap().allowed_domains, AllowedDomains::Any);
    assert!(load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t"), ("ALLOWED_DOMAINS", "*, acme.com")])
        .is_err());
}

#[test]
fn secrets_never_print() {
    assert_eq!(format!("{:?}", Secret::new("ghp_abc")), "Secret(<redacted>)");
}

/// Which providers are offered, and each provider's settings, from the documented names.
#[test]
fn sign_in_providers_and_their_settings() {
    let base = [("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t")];
    let with = |extra: &[(&str, &str)]| load(&[&base[..], extra].concat());
    let keys = |config: &Config| config.sign_in.providers.iter().map(|p| p.key()).collect::<Vec<_>>();

    // Entra ID, recognised from its issuer: a single tenant's issuer needs no allow-list.
    let tenant = "0B0E0A6E-0000-4000-8000-000000000001";
    let entra = with(&[("OIDC_ISSUER", &format!("https://login.microsoftonline.com/{tenant}/v2.0"))]).unwrap();
    let settings = entra.sign_in.oidc().unwrap();
    assert_eq!((settings.kind, settings.provider_name.as_str()), (OidcKind::Entra, "entra"));
    assert!(settings.tenants.is_empty());
    // Entra ID's groups are read again at each refresh, through offline_access.
    assert!(settings.refresh_groups);
    assert_eq!(settings.scope(), "openid email profile offline_access");
    // The multi-tenant issuer requires the tenants, by id.
    let multi = [("OIDC_ISSUER", "https://login.microsoftonline.com/organizations/v2.0")];
    assert_eq!(with(&multi).unwrap_err()[0].setting, "OIDC_TENANTS");
    let listed = with(&[multi[0], ("OIDC_TENANTS", tenant)]).unwrap();
    assert_eq!(listed.sign_in.oidc().unwrap().tenants, [tenant.to_ascii_lowercase()]);
    assert_eq!(with(&[multi[0], ("OIDC_TENANTS", "contoso.com")]).unwrap_err()[0].setting, "OIDC_TENANTS");
    let consumers = with(&[("OIDC_ISSUER", "https://login.microsoftonline.com/consumers/v2.0")]).unwrap_err();
    assert_eq!(consumers[0].setting, "OIDC_ISSUER");
    assert_eq!(with(&[("OIDC_ISSUER", "https://login.microsoftonline.com/x")]).unwrap_err()[0].setting, "OIDC_ISSUER");
    // Named explicitly for a stand-in on loopback.
    let named = with(&[("OIDC_ISSUER", &format!("http://127.0.0.1:9/{tenant}/v2.0")), ("OIDC_PROVIDER", "entra")]);
    assert_eq!(named.unwrap().sign_in.oidc().unwrap().kind, OidcKind::Entra);
    assert_eq!(with(&[("OIDC_PROVIDER", "azure")]).unwrap_err()[0].setting, "OIDC_PROVIDER");
    assert_eq!(with(&[("OIDC_TENANTS", tenant)]).unwrap_err()[0].setting, "OIDC_TENANTS", "tenants are Entra ID's");

    // Okta asks for the groups scope; ids keep the `oidc:` prefix they always had.
    let okta = with(&[("OIDC_ISSUER", "https://acme.okta.com/oauth2/default")]).unwrap();
    let settings = okta.sign_in.oidc().unwrap();
    assert_eq!((settings.kind, settings.provider_name.as_str()), (OidcKind::Okta, "oidc"));
    assert_eq!(settings.scope(), "openid email profile groups");
    assert!(!settings.refresh_groups, "opt-in elsewhere: the app must allow refresh tokens");
    let refreshing = with(&[("OIDC_ISSUER", "https://acme.okta.com/oauth2/default"), ("OIDC_REFRESH_GROUPS", "true")]);
    assert_eq!(refreshing.unwrap().sign_in.oidc().unwrap().scope(), "openid email profile groups offline_access");
    assert_eq!(
        with(&[("OIDC_REFRESH_GROUPS", "true")]).unwrap_err()[0].setting,
        "OIDC_REFRESH_GROUPS",
        "Google sends no groups"
    );
    assert_eq!(with(&[("OIDC_REFRESH_GROUPS", "yes")]).unwrap_err()[0].setting, "OIDC_REFRESH_GROUPS");
    let none = with(&[("OIDC_ISSUER", "https://acme.okta.com"), ("OIDC_SCOPES", "none")]).unwrap();
    assert_eq!(none.sign_in.oidc().unwrap().scope(), "openid email profile");
    let extra = with(&[("OIDC_SCOPES", "openid groups, offline_access")]).unwrap();
    assert_eq!(extra.sign_in.oidc().unwrap().scope(), "openid email profile groups offline_access");

    // GitHub sign-in joins the OpenID provider when configured, or replaces it.
    let github = [
        ("GITHUB_SIGN_IN_CLIENT_ID", "Iv1.x"),
        ("GITHUB_SIGN_IN_CLIENT_SECRET", "s"),
        ("GITHUB_SIGN_IN_ORGS", "Acme, acme-contractors"),
    ];
    let both = with(&github).unwrap();
    assert_eq!(keys(&both), ["oidc", "github"]);
    let Some(SignInProvider::GitHub(settings)) = both.sign_in.get("github") else { panic!("no GitHub sign-in") };
    assert_eq!(settings.orgs, ["acme", "acme-contractors"]);
    assert_eq!(settings.web_url.as_str(), "https://github.com/");
    let reordered = with(&[&github[..], &[("SIGN_IN_PROVIDERS", "github, oidc")]].concat()).unwrap();
    assert_eq!(keys(&reordered), ["github", "oidc"]);
    let mut only: HashMap<String, String> = [&base[..], &github[..], &[("COOKIE_ENCRYPTION_KEY", KEY)]]
        .concat()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let alone = Config::load(|name| only.get(name).cloned()).unwrap();
    assert_eq!(keys(&alone), ["github"], "no OpenID provider and no ALLOWED_DOMAINS needed");
    only.remove("GITHUB_SIGN_IN_ORGS");
    assert_eq!(Config::load(|name| only.get(name).cloned()).unwrap_err()[0].setting, "GITHUB_SIGN_IN_ORGS");
    for bad in ["saml", "oidc, oidc", " , "] {
        assert_eq!(with(&[("SIGN_IN_PROVIDERS", bad)]).unwrap_err()[0].setting, "SIGN_IN_PROVIDERS", "{bad}");
    }
    let missing = with(&[("SIGN_IN_PROVIDERS", "oidc, github")]).unwrap_err();
    assert_eq!(
        missing.iter().map(|e| e.setting).collect::<Vec<_>>(),
        ["GITHUB_SIGN_IN_CLIENT_ID", "GITHUB_SIGN_IN_CLIENT_SECRET", "GITHUB_SIGN_IN_ORGS"]
    );
    let clash = with(&[&github[..], &[("OIDC_PROVIDER_NAME", "github")]].concat()).unwrap_err();
    assert_eq!(clash[0].setting, "OIDC_PROVIDER_NAME", "two providers never share an id prefix");
}
