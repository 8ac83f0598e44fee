//! The configuration contract: every setting the connector reads, validated once per request.
//!
//! Names are fixed by the deployment contract (`docs/CONFIGURATION.md`). A missing or malformed
//! setting is reported by name on every request instead of crashing or silently defaulting.

use std::fmt;
use url::Url;

/// A secret value. Its `Debug` and `Display` never show the value, so it cannot leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value itself, for the one place that must send it (an `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// `owner/name` of a GitHub repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoName {
    /// The account or organization.
    pub owner: String,
    /// The repository name.
    pub name: String,
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A setting that is missing or malformed, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    /// The setting's name, exactly as it is set in `wrangler.toml` or as a secret.
    pub setting: &'static str,
    /// What is wrong and how to fix it.
    pub problem: String,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The skills repository.
    pub repo: RepoName,
    /// The branch to serve; `None` means the repository's default branch.
    pub branch: Option<String>,
    /// Base URL of the GitHub REST API (GitHub Enterprise Server works by changing it).
    pub github_api_url: Url,
    /// Token for reading the repository.
    pub github_service_token: Secret,
    /// Token for writes, when different from the service token.
    pub github_write_token: Option<Secret>,
    /// Public base URL of the connector; `None` means the request's origin.
    pub connector_url: Option<Url>,
    /// Extra browser origins allowed to call `/mcp`, besides claude.ai and claude.com.
    pub allowed_origins: Vec<String>,
    /// The 32-byte key that signs links, cookies and state.
    pub cookie_key: SigningKey,
    /// Longest wait for one GitHub response.
    pub github_timeout_ms: u64,
}

/// A 32-byte secret key. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(pub [u8; 32]);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// Default for `GITHUB_TIMEOUT_MS`.
pub const DEFAULT_GITHUB_TIMEOUT_MS: u64 = 10_000;

const DEFAULT_GITHUB_API: &str = "https://api.github.com";

impl Config {
    /// Reads every setting through `lookup` (the Worker's vars and secrets) and reports every
    /// problem at once, so an admin fixes them in one pass.
    pub fn load(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Vec<ConfigError>> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut errors = Vec::new();

        let repo = match get("MARKETPLACE_REPO") {
            None => {
                errors.push(missing(
                    "MARKETPLACE_REPO",
                    "set it to the skills repository as owner/repo in wrangler.toml [vars]",
                ));
                None
            }
            Some(value) => parse_repo(&value)
                .map_err(|problem| errors.push(ConfigError { setting: "MARKETPLACE_REPO", problem }))
                .ok(),
        };
        let branch = get("MARKETPLACE_REF").map(|b| b.trim_start_matches("refs/heads/").to_string());
        let github_api_url = match get("GITHUB_API_URL") {
            None => Url::parse(DEFAULT_GITHUB_API).ok(),
            Some(value) => parse_base_url("GITHUB_API_URL", &value).map_err(|e| errors.push(e)).ok(),
        };
        let github_service_token = get("GITHUB_SERVICE_TOKEN").map(Secret::new);
        if github_service_token.is_none() {
            errors.push(missing(
                "GITHUB_SERVICE_TOKEN",
                "create a fine-grained GitHub token with read access to the repository's contents and set it with `npx wrangler secret put GITHUB_SERVICE_TOKEN`",
            ));
        }
        let connector_url = match get("CONNECTOR_URL") {
            None => None,
            Some(value) => parse_base_url("CONNECTOR_URL", &value).map_err(|e| errors.push(e)).ok(),
        };
        let allowed_origins = get("ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',').map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect()
            })
            .unwrap_or_default();

        let cookie_key = match get("COOKIE_ENCRYPTION_KEY") {
            None => {
                errors.push(missing("COOKIE_ENCRYPTION_KEY", "generate one with `openssl rand -hex 32` and set it with `npx wrangler secret put COOKIE_ENCRYPTION_KEY`"));
                None
            }
            Some(value) => match hex::decode(&value).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes).ok()) {
                Some(key) => Some(SigningKey(key)),
                None => {
                    errors.push(ConfigError {
                        setting: "COOKIE_ENCRYPTION_KEY",
                        problem: "must be 32 random bytes written as 64 hex characters (`openssl rand -hex 32`)".into(),
                    });
                    None
                }
            },
        };
        let github_timeout_ms = match get("GITHUB_TIMEOUT_MS") {
            None => DEFAULT_GITHUB_TIMEOUT_MS,
            Some(value) => match value.parse::<u64>() {
                Ok(ms) if (500..=60_000).contains(&ms) => ms,
                _ => {
                    errors.push(ConfigError {
                        setting: "GITHUB_TIMEOUT_MS",
                        problem: format!("`{value}` must be a number of milliseconds from 500 to 60000"),
                    });
                    DEFAULT_GITHUB_TIMEOUT_MS
                }
            },
        };

        match (repo, github_api_url, github_service_token, cookie_key) {
            (Some(repo), Some(github_api_url), Some(github_service_token), Some(cookie_key)) if errors.is_empty() => {
                Ok(Config {
                    repo,
                    branch,
                    github_api_url,
                    github_service_token,
                    github_write_token: get("GITHUB_WRITE_TOKEN").map(Secret::new),
                    connector_url,
                    allowed_origins,
                    cookie_key,
                    github_timeout_ms,
                })
            }
            _ => Err(errors),
        }
    }
}

fn missing(setting: &'static str, fix: &str) -> ConfigError {
    ConfigError { setting, problem: format!("is not set; {fix}") }
}

fn parse_repo(value: &str) -> Result<RepoName, String> {
    let valid = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match value.split_once('/') {
        Some((owner, name)) if valid(owner) && valid(name) => {
            Ok(RepoName { owner: owner.to_string(), name: name.trim_end_matches(".git").to_string() })
        }
        _ => Err(format!("`{value}` is not of the form owner/repo (for example acme/claude-skills)")),
    }
}

/// Parses a base URL setting: https anywhere, plain http only for loopback hosts (local
/// development and tests), never with credentials, query or fragment.
fn parse_base_url(setting: &'static str, value: &str) -> Result<Url, ConfigError> {
    let fail = |problem: String| ConfigError { setting, problem };
    let url = Url::parse(value).map_err(|e| fail(format!("`{value}` is not a URL ({e})")))?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(fail(format!("`{value}` must use https (plain http is allowed only for localhost)"))),
        other => return Err(fail(format!("`{value}` has scheme {other}; use https"))),
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(fail(format!("`{value}` must be a plain base URL without credentials, query or fragment")));
    }
    // A base URL is joined with paths later: keep it without a trailing slash.
    let trimmed = url.as_str().trim_end_matches('/').to_string();
    Url::parse(&trimmed).map_err(|e| fail(format!("`{value}` is not a URL ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn load(pairs: &[(&str, &str)]) -> Result<Config, Vec<ConfigError>> {
        let mut map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.entry("COOKIE_ENCRYPTION_KEY".into()).or_insert_with(|| KEY.into());
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
        let errors =
            load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t"), ("COOKIE_ENCRYPTION_KEY", "abc")])
                .unwrap_err();
        assert_eq!(errors[0].setting, "COOKIE_ENCRYPTION_KEY");
        let config = load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t")]).unwrap();
        assert_eq!(config.cookie_key.0[31], 0x1f);
        assert_eq!(format!("{:?}", config.cookie_key), "SigningKey(<redacted>)");
    }

    #[test]
    fn github_timeout_is_bounded() {
        let errors = load(&[("MARKETPLACE_REPO", "a/b"), ("GITHUB_SERVICE_TOKEN", "t"), ("GITHUB_TIMEOUT_MS", "5")])
            .unwrap_err();
        assert_eq!(errors[0].setting, "GITHUB_TIMEOUT_MS");
    }

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", Secret::new("ghp_abc")), "Secret(<redacted>)");
    }
}
