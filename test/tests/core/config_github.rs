//! The GitHub App, webhook and notification settings: what is accepted, and that every refusal
//! names its setting and tells the admin what to do, without repeating a secret.
//!
//! The keys under `keys/` were generated for these tests only (`openssl genrsa -traditional`,
//! `openssl pkcs8 -topk8 -nocrypt`, and a P-256 key).

use base64::Engine;
use rsa::pkcs8::DecodePrivateKey;
use skillport_connector::config::{Config, ConfigError, DestinationKind, GitHubAuth};
use std::collections::HashMap;

const PKCS1: &str = include_str!("keys/app-pkcs1.pem");
const PKCS8: &str = include_str!("keys/app-pkcs8.pem");
const EC: &str = include_str!("keys/ec-pkcs8.pem");

fn load(pairs: &[(&str, &str)]) -> Result<Config, Vec<ConfigError>> {
    let mut map: HashMap<&str, String> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
    for (name, value) in [
        ("MARKETPLACE_REPO", "acme/skills"),
        ("COOKIE_ENCRYPTION_KEY", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
        ("OIDC_CLIENT_ID", "connector"),
        ("OIDC_CLIENT_SECRET", "upstream-secret"),
        ("ALLOWED_DOMAINS", "acme.example"),
    ] {
        map.entry(name).or_insert_with(|| value.into());
    }
    Config::load(|name| map.get(name).cloned())
}

fn problems(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    load(pairs).expect_err("refused").into_iter().map(|e| (e.setting.to_string(), e.problem)).collect()
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

fn app_key(config: &Config) -> Vec<u8> {
    match &config.github {
        GitHubAuth::App { app, .. } => app.private_key.pkcs8_der().to_vec(),
        GitHubAuth::Tokens { .. } => panic!("tokens, not an app"),
    }
}

#[test]
fn github_s_pkcs1_key_becomes_the_same_pkcs8_key_web_crypto_imports() {
    let from_pkcs1 = app_key(&load(&[("GITHUB_APP_ID", "123456"), ("GITHUB_APP_PRIVATE_KEY", PKCS1)]).unwrap());
    let from_pkcs8 = app_key(&load(&[("GITHUB_APP_ID", "123456"), ("GITHUB_APP_PRIVATE_KEY", PKCS8)]).unwrap());
    assert_eq!(from_pkcs1, pem_der(PKCS8), "byte for byte what openssl writes");
    assert_eq!(from_pkcs8, pem_der(PKCS8));
    rsa::RsaPrivateKey::from_pkcs8_der(&from_pkcs1).expect("a valid PKCS#8 RSA key");
    // One line with \n escapes, as some secret stores keep it.
    let one_line = PKCS1.trim().replace('\n', "\\n");
    let escaped = app_key(&load(&[("GITHUB_APP_ID", "123456"), ("GITHUB_APP_PRIVATE_KEY", &one_line)]).unwrap());
    assert_eq!(escaped, from_pkcs1);
}

#[test]
fn an_app_reads_its_id_and_installation_and_never_prints_its_key() {
    let config = load(&[
        ("GITHUB_APP_ID", "Iv23liAbCdEf"),
        ("GITHUB_APP_PRIVATE_KEY", PKCS1),
        ("GITHUB_APP_INSTALLATION_ID", "7654321"),
    ])
    .unwrap();
    let GitHubAuth::App { app, writer: None } = &config.github else { panic!("one app") };
    assert_eq!(app.app_id, "Iv23liAbCdEf");
    assert_eq!(app.installation_id, Some(7654321));
    let printed = format!("{config:?}");
    assert!(!printed.contains("MII"), "the key's base64 never prints");
    assert!(printed.contains("<redacted>"));
}

#[test]
fn a_separate_write_app_is_read_like_the_app_and_only_beside_it() {
    let config = load(&[
        ("GITHUB_APP_ID", "1"),
        ("GITHUB_APP_PRIVATE_KEY", PKCS1),
        ("GITHUB_WRITE_APP_ID", "2"),
        ("GITHUB_WRITE_APP_PRIVATE_KEY", PKCS8),
        ("GITHUB_WRITE_APP_INSTALLATION_ID", "99"),
    ])
    .unwrap();
    let GitHubAuth::App { app, writer: Some(writer) } = &config.github else { panic!("two apps") };
    assert_eq!((app.app_id.as_str(), writer.app_id.as_str(), writer.installation_id), ("1", "2", Some(99)));
    let found = problems(&[("GITHUB_APP_ID", "1"), ("GITHUB_APP_PRIVATE_KEY", PKCS1), ("GITHUB_WRITE_APP_ID", "2")]);
    assert_eq!(found[0].0, "GITHUB_WRITE_APP_PRIVATE_KEY");
    assert!(found[0].1.contains("wrangler secret put GITHUB_WRITE_APP_PRIVATE_KEY"), "{}", found[0].1);
    let found = problems(&[("GITHUB_SERVICE_TOKEN", "t"), ("GITHUB_WRITE_APP_ID", "2")]);
    assert_eq!(found[0].0, "GITHUB_WRITE_APP_ID");
    assert!(found[0].1.contains("without GITHUB_APP_ID"), "{}", found[0].1);
}

#[test]
fn a_key_that_is_not_an_rsa_private_key_is_named_with_what_to_do() {
    let cases: [(&str, &str); 5] = [
        (EC, "is not an RSA private key"),
        ("not a key at all", "paste the whole .pem file"),
        ("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----", "paste the whole .pem file"),
        ("-----BEGIN CERTIFICATE-----\nMAo=\n-----END CERTIFICATE-----", "not a private key"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAo=\n-----END ENCRYPTED PRIVATE KEY-----", "without a passphrase"),
    ];
    for (key, expected) in cases {
        let found = problems(&[("GITHUB_APP_ID", "1"), ("GITHUB_APP_PRIVATE_KEY", key)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "GITHUB_APP_PRIVATE_KEY");
        assert!(found[0].1.contains(expected), "{key:.30}: {}", found[0].1);
    }
    // A truncated key: its DER lengths run past the end.
    let der = pem_der(PKCS1);
    let cut = base64::engine::general_purpose::STANDARD.encode(&der[..der.len() / 2]);
    let truncated = format!("-----BEGIN RSA PRIVATE KEY-----\n{cut}\n-----END RSA PRIVATE KEY-----");
    let found = problems(&[("GITHUB_APP_ID", "1"), ("GITHUB_APP_PRIVATE_KEY", &truncated)]);
    assert!(found[0].1.contains("is not an RSA private key"), "{found:?}");
}

#[test]
fn an_app_needs_its_key_a_numeric_installation_and_no_personal_token_beside_it() {
    let found = problems(&[("GITHUB_APP_ID", "1")]);
    assert_eq!(found[0].0, "GITHUB_APP_PRIVATE_KEY");
    assert!(found[0].1.contains("wrangler secret put GITHUB_APP_PRIVATE_KEY"), "{}", found[0].1);
    let found =
        problems(&[("GITHUB_APP_ID", "1"), ("GITHUB_APP_PRIVATE_KEY", PKCS1), ("GITHUB_APP_INSTALLATION_ID", "abc")]);
    assert_eq!(found[0].0, "GITHUB_APP_INSTALLATION_ID");
    let found =
        problems(&[("GITHUB_APP_ID", "1"), ("GITHUB_APP_PRIVATE_KEY", PKCS1), ("GITHUB_SERVICE_TOKEN", "ghp_x")]);
    assert_eq!(found[0].0, "GITHUB_SERVICE_TOKEN");
    assert!(found[0].1.contains("together with GITHUB_APP_ID"), "{}", found[0].1);
    let found = problems(&[]);
    assert!(found.iter().any(|(s, p)| s == "GITHUB_SERVICE_TOKEN" && p.contains("GITHUB_APP_ID")), "{found:?}");
}

#[test]
fn webhooks_are_on_with_a_secret_and_trusted_for_a_bounded_silence() {
    let config = load(&[("GITHUB_SERVICE_TOKEN", "t")]).unwrap();
    assert!(config.webhooks.is_none(), "off without a secret");
    let config = load(&[("GITHUB_SERVICE_TOKEN", "t"), ("GITHUB_WEBHOOK_SECRET", "s3cret")]).unwrap();
    let webhooks = config.webhooks.expect("on");
    assert_eq!(webhooks.silence_seconds, 600, "ten minutes by default");
    assert!(!format!("{webhooks:?}").contains("s3cret"));
    for bad in ["5", "86401", "ten"] {
        let found = problems(&[
            ("GITHUB_SERVICE_TOKEN", "t"),
            ("GITHUB_WEBHOOK_SECRET", "s"),
            ("WEBHOOK_SILENCE_SECONDS", bad),
        ]);
        assert_eq!(found[0].0, "WEBHOOK_SILENCE_SECONDS", "{bad}");
    }
}

#[test]
fn notification_destinations_are_read_and_their_urls_never_repeated_in_errors() {
    let written = r#"[{"name": "skills", "kind": "slack", "url": "https://hooks.slack.com/services/T1/B2/secretpath"},
        {"name": "sales", "kind": "teams", "url": "https://prod.westus.logic.azure.com/workflows/1?sig=abc"},
        {"name": "audit", "kind": "json", "url": "http://127.0.0.1:9000/hook", "secret": "k"}]"#;
    let config = load(&[("GITHUB_SERVICE_TOKEN", "t"), ("NOTIFY_WEBHOOKS", written)]).unwrap();
    let kinds: Vec<_> = config.notify.iter().map(|d| (d.name.as_str(), d.kind, d.secret.is_some())).collect();
    assert_eq!(
        kinds,
        [
            ("skills", DestinationKind::Slack, false),
            ("sales", DestinationKind::Teams, false),
            ("audit", DestinationKind::Json, true)
        ]
    );
    assert!(!format!("{config:?}").contains("secretpath"), "a URL is a credential");

    let cases = [
        (r#"[{"name": "a", "kind": "slack", "url": "http://hooks.example.com/secretpath"}]"#, "must use https"),
        (
            r#"[{"name": "a", "kind": "slack", "url": "https://u:secretpath@hooks.example.com/"}]"#,
            "user name or password",
        ),
        (
            r#"[{"name": "a", "kind": "email", "url": "https://hooks.example.com/secretpath"}]"#,
            "kinds: slack, teams, json",
        ),
        (
            r#"[{"name": "a", "kind": "slack", "url": "https://h.example/secretpath"}, {"name": "a", "kind": "json", "url": "https://h.example/secretpath"}]"#,
            "a name of its own",
        ),
        (r#"{"name": "a"}"#, "is not a JSON array"),
    ];
    for (written, expected) in cases {
        let found = problems(&[("GITHUB_SERVICE_TOKEN", "t"), ("NOTIFY_WEBHOOKS", written)]);
        assert_eq!(found[0].0, "NOTIFY_WEBHOOKS");
        assert!(found[0].1.contains(expected), "{written}: {}", found[0].1);
        assert!(!found[0].1.contains("secretpath"), "the URL is not repeated: {}", found[0].1);
    }
    let eleven: Vec<String> =
        (0..11).map(|i| format!(r#"{{"name": "d{i}", "kind": "json", "url": "https://h.example/{i}"}}"#)).collect();
    let found = problems(&[("GITHUB_SERVICE_TOKEN", "t"), ("NOTIFY_WEBHOOKS", &format!("[{}]", eleven.join(",")))]);
    assert!(found[0].1.contains("at most 10"), "{found:?}");
}
