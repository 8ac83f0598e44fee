//! The configuration contract: every setting the connector reads, validated once per request.
//!
//! Names are fixed by the deployment contract (`docs/CONFIGURATION.md`). A missing or malformed
//! setting is reported by name on every request instead of crashing or silently defaulting.

pub mod github_auth;
pub mod notifications;
pub mod sign_in;

use crate::keys::{Keys, SigningKey};
pub use github_auth::{AppKey, GitHubApp, GitHubAuth};
pub use notifications::{Destination, DestinationKind};
pub use sign_in::{
    AllowedDomains, GitHubSignIn, OidcKind, OidcSettings, SignIn, SignInProvider, DEFAULT_GROUPS_CLAIM, GOOGLE_ISSUER,
    MAX_GROUPS,
};
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
    /// How the connector authenticates to GitHub: tokens, or a GitHub App.
    pub github: GitHubAuth,
    /// Push webhooks (`GITHUB_WEBHOOK_SECRET`), when GitHub sends them.
    pub webhooks: Option<Webhooks>,
    /// How many days usage is kept (`USAGE_RETENTION_DAYS`).
    pub usage_retention_days: u32,
    /// Where update notifications go (`NOTIFY_WEBHOOKS`).
    pub notify: Vec<Destination>,
    /// Public base URL of the connector; `None` means the request's origin.
    pub connector_url: Option<Url>,
    /// Extra browser origins allowed to call `/mcp`, besides claude.ai and claude.com.
    pub allowed_origins: Vec<String>,
    /// Keys derived from `COOKIE_ENCRYPTION_KEY` (and `COOKIE_ENCRYPTION_KEY_PREVIOUS`) that sign
    /// links, tokens, cookies and state.
    pub keys: Keys,
    /// Longest wait for one GitHub response.
    pub github_timeout_ms: u64,
    /// The identity providers people sign in with.
    pub sign_in: SignIn,
    /// Lifetimes of what sign-in issues.
    pub lifetimes: Lifetimes,
}

/// Push webhooks from GitHub.
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// The HMAC key of `X-Hub-Signature-256` (`GITHUB_WEBHOOK_SECRET`).
    pub secret: Secret,
    /// How long the head recorded by webhooks is trusted without a delivery or an agreeing poll
    /// (`WEBHOOK_SILENCE_SECONDS`); after it, calls ask GitHub again.
    pub silence_seconds: u64,
}

/// Default for `USAGE_RETENTION_DAYS`: a quarter.
pub const DEFAULT_USAGE_RETENTION_DAYS: u64 = 90;
/// Default for `WEBHOOK_SILENCE_SECONDS`: ten minutes, twice the cron's poll interval.
pub const DEFAULT_WEBHOOK_SILENCE_SECONDS: u64 = 600;

/// How long what sign-in issues stays valid, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// Access tokens (`ACCESS_TOKEN_LIFETIME_SECONDS`, default twelve hours).
    pub access_token: u64,
    /// A grant's absolute lifetime (`GRANT_LIFETIME_SECONDS`, default seven days): after it the
    /// user signs in again, whatever the refreshes.
    pub grant: u64,
}

/// Default for `ACCESS_TOKEN_LIFETIME_SECONDS`: a working day. Clients have been seen never to
/// refresh, and every request checks the grant in the user's Durable Object anyway, so revoking
/// a user (or the grant's end) stops a long-lived token at once; what a longer token costs is
/// only that a stolen one works until then, as a refresh token would.
pub const DEFAULT_ACCESS_TOKEN_SECONDS: u64 = 12 * 3600;
/// Default for `GRANT_LIFETIME_SECONDS`.
pub const DEFAULT_GRANT_SECONDS: u64 = 7 * 24 * 3600;

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
        let github = github_auth::load(&get, &mut errors);
        let silence_seconds =
            number(&get, "WEBHOOK_SILENCE_SECONDS", 10..=86_400, DEFAULT_WEBHOOK_SILENCE_SECONDS, &mut errors);
        let webhooks =
            get("GITHUB_WEBHOOK_SECRET").map(|secret| Webhooks { secret: Secret::new(secret), silence_seconds });
        let notify = notifications::load(&get, &mut errors);
        let usage_retention_days =
            number(&get, "USAGE_RETENTION_DAYS", 1..=730, DEFAULT_USAGE_RETENTION_DAYS, &mut errors) as u32;
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
            Some(value) => parse_key("COOKIE_ENCRYPTION_KEY", &value).map_err(|e| errors.push(e)).ok(),
        };
        let previous_key = get("COOKIE_ENCRYPTION_KEY_PREVIOUS")
            .and_then(|value| parse_key("COOKIE_ENCRYPTION_KEY_PREVIOUS", &value).map_err(|e| errors.push(e)).ok());
        let github_timeout_ms = number(&get, "GITHUB_TIMEOUT_MS", 500..=60_000, DEFAULT_GITHUB_TIMEOUT_MS, &mut errors);
        let lifetimes = Lifetimes {
            access_token: number(
                &get,
                "ACCESS_TOKEN_LIFETIME_SECONDS",
                10..=86_400,
                DEFAULT_ACCESS_TOKEN_SECONDS,
                &mut errors,
            ),
            grant: number(&get, "GRANT_LIFETIME_SECONDS", 10..=90 * 86_400, DEFAULT_GRANT_SECONDS, &mut errors),
        };
        let sign_in = sign_in::load(&get, &mut errors);

        match (repo, github_api_url, github, cookie_key, sign_in) {
            (Some(repo), Some(github_api_url), Some(github), Some(cookie_key), Some(sign_in)) if errors.is_empty() => {
                Ok(Config {
                    repo,
                    branch,
                    github_api_url,
                    github,
                    webhooks,
                    notify,
                    usage_retention_days,
                    connector_url,
                    allowed_origins,
                    keys: Keys::new(cookie_key, previous_key),
                    github_timeout_ms,
                    sign_in,
                    lifetimes,
                })
            }
            _ => Err(errors),
        }
    }
}

fn parse_key(setting: &'static str, value: &str) -> Result<SigningKey, ConfigError> {
    hex::decode(value).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes).ok()).map(SigningKey).ok_or_else(|| {
        ConfigError {
            setting,
            problem: "must be 32 random bytes written as 64 hex characters (`openssl rand -hex 32`)".into(),
        }
    })
}

/// A whole-number setting within `range`, or `default` when unset.
fn number(
    get: &impl Fn(&str) -> Option<String>,
    setting: &'static str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    errors: &mut Vec<ConfigError>,
) -> u64 {
    match get(setting) {
        None => default,
        Some(value) => match value.parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                errors.push(ConfigError {
                    setting,
                    problem: format!("`{value}` must be a whole number from {} to {}", range.start(), range.end()),
                });
                default
            }
        },
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
mod tests;
