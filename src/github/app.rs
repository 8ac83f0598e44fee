//! A GitHub App's credentials: the app's RS256 JSON Web Token, signed by the host's Web Crypto
//! ([`Signer`]), exchanged for an installation token scoped to the one repository and to what the
//! call needs (contents read for reads, write for writes).
//!
//! Installation tokens live an hour. Each is kept in the isolate and, encrypted under a key
//! derived from `COOKIE_ENCRYPTION_KEY`, in KV, so that other isolates use it too: one KV write
//! per token (about one an hour per kind), not per call, and a warm call needs none of this. A
//! token is renewed [`RENEW_MARGIN_MS`] before it expires, and at once when GitHub refuses it.

use super::{GitHub, GitHubError, RetryPolicy};
use crate::config::{GitHubApp, RepoName, Secret};
use crate::keys::{Keys, Purpose};
use crate::oauth::sealed;
use crate::ports::Platform;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use url::Url;

/// A token is renewed when it has less than this left, so no call starts with one about to expire.
pub const RENEW_MARGIN_MS: u64 = 5 * 60 * 1000;
/// How long an app JWT is valid: GitHub accepts at most ten minutes.
const JWT_LIFETIME_SECONDS: u64 = 9 * 60;
/// `iat` is set this far in the past, for clocks that run ahead of GitHub's.
const JWT_CLOCK_SKEW_SECONDS: u64 = 60;

/// What a token is for: each has its own token, with only that permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// `contents: read`, `metadata: read`.
    Read,
    /// `contents: write`, `metadata: read`.
    Write,
    /// `contents: write`, `pull_requests: write`, `metadata: read`: a proposal's branch and pull
    /// request (asked for only when a change is proposed, so an app without that permission
    /// still writes directly).
    Propose,
}

impl Access {
    fn name(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Propose => "propose",
        }
    }

    fn contents(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write | Access::Propose => "write",
        }
    }

    /// What the app's installation must grant, as GitHub's settings page names it.
    fn needs(self) -> &'static str {
        match self {
            Access::Read => "Contents: read",
            Access::Write => "Contents: write",
            Access::Propose => "Contents: write and Pull requests: write",
        }
    }
}

/// An installation token and what GitHub said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationToken {
    /// The token (`ghs_…`); never logged, stored in KV only encrypted.
    #[serde(with = "secret_text")]
    pub token: Secret,
    /// When GitHub expires it.
    pub expires_at_ms: u64,
    /// The installation it belongs to.
    pub installation_id: u64,
    /// Its permissions, as GitHub granted them (`contents: read`, …).
    pub permissions: BTreeMap<String, String>,
}

mod secret_text {
    use crate::config::Secret;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

thread_local! {
    /// The isolate's tokens, by cache key.
    static TOKENS: RefCell<BTreeMap<String, InstallationToken>> = const { RefCell::new(BTreeMap::new()) };
}

/// The KV key of the shared token of `app` for `repo` and `access` (see docs/STORAGE.md).
pub fn token_key(app: &GitHubApp, repo: &RepoName, access: Access) -> String {
    format!("ghapp:v1:{}:{repo}:{}", app.app_id, access.name())
}

/// Forgets every token this isolate holds, as a new isolate starts without them (tests).
pub fn forget_isolate_tokens() {
    TOKENS.with(|tokens| tokens.borrow_mut().clear());
}

/// Where an app's requests go and what they are for.
pub struct AppClient<'a, P> {
    /// The host.
    pub platform: &'a P,
    /// The API base.
    pub api: &'a Url,
    /// The repository the tokens are scoped to.
    pub repo: &'a RepoName,
    /// The app.
    pub app: &'a GitHubApp,
    /// The keys that encrypt the shared token.
    pub keys: &'a Keys,
    /// How GitHub is waited for.
    pub policy: RetryPolicy,
}

impl<P: Platform> AppClient<'_, P> {
    /// A token for `access` that is valid for at least [`RENEW_MARGIN_MS`]: the isolate's, else
    /// the one in KV, else a new one. With `renew`, a new one whatever is cached (GitHub refused
    /// the cached one).
    pub async fn token(&self, access: Access, renew: bool) -> Result<InstallationToken, GitHubError> {
        let key = token_key(self.app, self.repo, access);
        let now = self.platform.now_ms();
        let usable = |token: &InstallationToken| token.expires_at_ms > now + RENEW_MARGIN_MS;
        if !renew {
            if let Some(token) = TOKENS.with(|t| t.borrow().get(&key).filter(|t| usable(t)).cloned()) {
                return Ok(token);
            }
            let shared = self.platform.kv_get(&key).await.ok().flatten().and_then(|record| {
                let record = std::str::from_utf8(&record).ok()?;
                let opened = sealed::open(self.keys, Purpose::InstallationToken, record)?;
                serde_json::from_slice::<InstallationToken>(&opened).ok()
            });
            if let Some(token) = shared.filter(usable) {
                TOKENS.with(|t| t.borrow_mut().insert(key, token.clone()));
                return Ok(token);
            }
        }
        let token = self.mint(access).await?;
        TOKENS.with(|t| t.borrow_mut().insert(key.clone(), token.clone()));
        let mut nonce = [0u8; sealed::NONCE_BYTES];
        if self.platform.fill_random(&mut nonce).is_ok() {
            if let Ok(json) = serde_json::to_vec(&token) {
                let record = sealed::seal(self.keys, Purpose::InstallationToken, nonce, &json);
                let ttl = token.expires_at_ms.saturating_sub(now + RENEW_MARGIN_MS) / 1000;
                // A failed write only costs another isolate a token of its own.
                let _ = self.platform.kv_put(&key, record.as_bytes(), Some(ttl.max(60))).await;
            }
        }
        Ok(token)
    }

    /// A new installation token: the installation (configured, else looked up from the
    /// repository), then `POST /app/installations/{id}/access_tokens` for this repository only.
    async fn mint(&self, access: Access) -> Result<InstallationToken, GitHubError> {
        let jwt = self.jwt().await?;
        let github = GitHub::new(self.platform, self.api, super::Auth::Token(&jwt), self.repo, self.policy);
        let installation_id = match self.app.installation_id {
            Some(id) => id,
            None => github.installation().await.map_err(|e| refused(e, self.repo))?,
        };
        let body = TokenRequest {
            repositories: [&self.repo.name],
            permissions: TokenPermissions {
                contents: access.contents(),
                pull_requests: (access == Access::Propose).then_some("write"),
                metadata: "read",
            },
        };
        let granted = github.access_token(installation_id, &body).await.map_err(|e| match e {
            GitHubError::Refused { message, .. } => GitHubError::AppRefused {
                problem: format!(
                    "it would not grant {} access to {} ({message}); give the app {} and Metadata: read, and accept the new permissions on its installation",
                    access.name(), self.repo, access.needs()
                ),
            },
            other => refused(other, self.repo),
        })?;
        let expires_at_ms = parse_utc(&granted.expires_at)
            .ok_or_else(|| super::unexpected("the installation token", "an expires_at that is not a date"))?;
        Ok(InstallationToken {
            token: Secret::new(granted.token),
            expires_at_ms,
            installation_id,
            permissions: granted.permissions,
        })
    }

    /// The app's JSON Web Token: RS256 over `iat`, `exp` and `iss`, signed by the host.
    async fn jwt(&self) -> Result<Secret, GitHubError> {
        let now = self.platform.now_ms() / 1000;
        // GitHub takes the numeric app id as a number, a client id (`Iv…`) as a string.
        let issuer = match self.app.app_id.parse::<u64>() {
            Ok(id) => id.to_string(),
            Err(_) => format!("\"{}\"", self.app.app_id),
        };
        // Numbers and an id of letters and digits only (checked with the configuration): the
        // claims are written out rather than through a JSON serializer.
        let claims = format!(
            r#"{{"iat":{},"exp":{},"iss":{issuer}}}"#,
            now.saturating_sub(JWT_CLOCK_SKEW_SECONDS),
            now + JWT_LIFETIME_SECONDS
        );
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims));
        let signature = self
            .platform
            .sign_rs256(self.app.private_key.pkcs8_der(), signing_input.as_bytes())
            .await
            .map_err(|e| GitHubError::AppRefused { problem: format!("its key could not sign ({e})") })?;
        Ok(Secret::new(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))))
    }
}

/// Milliseconds since the epoch of a UTC time as GitHub writes them, `2026-12-07T03:00:00Z`.
///
/// Read by hand on chrono's calendar rather than with its RFC 3339 parser, whose general format
/// machinery would add about 15 KB to the Worker for this one fixed format.
pub fn parse_utc(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 20
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            19 => *b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    let date = chrono::NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?;
    let at = date.and_hms_opt(number(11..13)?, number(14..16)?, number(17..19)?)?;
    u64::try_from(at.and_utc().timestamp_millis()).ok()
}

/// `at_ms` as `2026-12-07T03:00:00Z`, the form [`parse_utc`] reads.
pub fn format_utc(at_ms: u64) -> Option<String> {
    use chrono::{Datelike, Timelike};
    let at = chrono::DateTime::from_timestamp_millis(i64::try_from(at_ms).ok()?)?;
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    ))
}

/// GitHub's refusals of the app itself, phrased for the admin.
fn refused(error: GitHubError, repo: &RepoName) -> GitHubError {
    match error {
        GitHubError::Unauthorized => GitHubError::AppRefused {
            problem: "GitHub did not accept its JSON Web Token; check GITHUB_APP_ID and that GITHUB_APP_PRIVATE_KEY is a current key of that app".into(),
        },
        GitHubError::NotFound { .. } => GitHubError::AppRefused {
            problem: format!("it is not installed on {repo}; install it on the repository (docs/SETUP.md), or fix GITHUB_APP_INSTALLATION_ID"),
        },
        other => other,
    }
}

/// `POST /app/installations/{id}/access_tokens`'s request: one repository, one permission.
#[derive(Serialize)]
pub(super) struct TokenRequest<'a> {
    pub repositories: [&'a str; 1],
    pub permissions: TokenPermissions,
}

#[derive(Serialize)]
pub(super) struct TokenPermissions {
    pub contents: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_requests: Option<&'static str>,
    pub metadata: &'static str,
}

/// `POST /app/installations/{id}/access_tokens`'s answer.
#[derive(Deserialize)]
pub(super) struct GrantedToken {
    pub token: String,
    pub expires_at: String,
    #[serde(default)]
    pub permissions: BTreeMap<String, String>,
}

/// `GET /repos/{owner}/{repo}/installation`'s answer.
#[derive(Deserialize)]
pub(super) struct InstallationBody {
    pub id: u64,
}
