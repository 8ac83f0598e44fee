//! What GitHub answers when it refuses, as errors phrased for the person who can fix them:
//! statuses, rate limits (primary and secondary, with when to retry), outages.

use crate::ports::HttpResponse;

/// Why a GitHub read failed, phrased for the person who can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// 401: the token is wrong or expired.
    #[error("GitHub refused the service token (HTTP 401); check that GITHUB_SERVICE_TOKEN is valid and not expired")]
    Unauthorized,
    /// The GitHub App could not get an installation token.
    #[error("the GitHub App cannot reach the repository: {problem}")]
    AppRefused { problem: String },
    /// 403 without a rate limit: the token lacks a permission.
    #[error("GitHub denied access to {what} (HTTP 403); give the token (or the GitHub App) access to the repository's contents")]
    Forbidden { what: String },
    /// 404: the repository or branch does not exist, or the token cannot see it.
    #[error("GitHub has no {what} (HTTP 404); check MARKETPLACE_REPO and MARKETPLACE_REF, and that the token can read the repository")]
    NotFound { what: String },
    /// 409 on a repository without commits.
    #[error("the repository {0} is empty; push a marketplace to it first")]
    EmptyRepository(String),
    /// 403/429 with rate-limit headers.
    #[error("GitHub's {limit} for the service token is exhausted{}; try again later", retry_hint(*retry_after_seconds))]
    RateLimited { limit: &'static str, retry_after_seconds: Option<u64> },
    /// 5xx.
    #[error("GitHub is having trouble (HTTP {status}); try again in a minute")]
    Unavailable { status: u16 },
    /// No HTTP answer at all.
    #[error("could not reach GitHub ({0}); try again in a minute")]
    Unreachable(String),
    /// No answer in time.
    #[error("GitHub did not answer within {0} ms; try again in a minute")]
    Timeout(u64),
    /// The answer is larger than the connector reads.
    #[error("{what} is larger than {} MiB, more than the connector reads; keep large files (datasets, media) out of the skills repository", max_bytes >> 20)]
    TooLarge { what: String, max_bytes: usize },
    /// An answer that does not have the documented shape.
    #[error("GitHub answered {what} with something unexpected: {problem}")]
    Unexpected { what: String, problem: String },
    /// 422: GitHub understood the request and refused it (a ref update that is not a fast
    /// forward, a protected branch, an invalid tree).
    #[error("GitHub refused {what} (HTTP 422): {message}")]
    Refused { what: String, message: String },
    /// A branch update refused because the branch no longer points at the commit the new one
    /// was made on: someone pushed meanwhile. Carries where the branch points now.
    #[error("branch `{branch}` moved to {head} meanwhile")]
    NotFastForward { branch: String, head: String, tree: Option<String> },
}

fn retry_hint(seconds: Option<u64>) -> String {
    seconds.map(|s| format!(" (it resets in {s} s)")).unwrap_or_default()
}

impl GitHubError {
    /// Whether the same request may succeed later (outages and rate limits), as opposed to a
    /// configuration problem that needs a person.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. } | Self::Unreachable(_) | Self::Timeout(_))
    }
}

pub(super) fn check_status(
    response: HttpResponse,
    what: &str,
    now_seconds: u64,
    repo: &str,
) -> Result<HttpResponse, GitHubError> {
    let status = response.status().as_u16();
    match status {
        200..=399 => Ok(response),
        401 => Err(GitHubError::Unauthorized),
        403 | 429 if is_rate_limited(&response) => Err(GitHubError::RateLimited {
            limit: if header(&response, "x-ratelimit-remaining").as_deref() == Some("0") {
                "primary rate limit (5,000 requests an hour)"
            } else {
                "secondary rate limit"
            },
            retry_after_seconds: retry_after(&response, now_seconds),
        }),
        403 => Err(GitHubError::Forbidden { what: what.to_string() }),
        404 => Err(GitHubError::NotFound { what: what.to_string() }),
        409 => Err(GitHubError::EmptyRepository(repo.to_string())),
        422 => Err(GitHubError::Refused {
            what: what.to_string(),
            message: serde_json::from_slice::<serde_json::Value>(response.body())
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
                .unwrap_or_else(|| "no reason given".into()),
        }),
        500..=599 => Err(GitHubError::Unavailable { status }),
        _ => Err(unexpected(what, &format!("HTTP {status}"))),
    }
}

/// GitHub signals primary limits with `x-ratelimit-remaining: 0` and secondary ones with
/// `retry-after`; 429 is always a limit.
fn is_rate_limited(response: &HttpResponse) -> bool {
    response.status() == http::StatusCode::TOO_MANY_REQUESTS
        || header(response, "retry-after").is_some()
        || header(response, "x-ratelimit-remaining").as_deref() == Some("0")
}

/// Seconds until the limit resets: `Retry-After`, else `x-ratelimit-reset` (an epoch time).
fn retry_after(response: &HttpResponse, now_seconds: u64) -> Option<u64> {
    header(response, "retry-after").and_then(|v| v.trim().parse().ok()).or_else(|| {
        let reset: u64 = header(response, "x-ratelimit-reset")?.trim().parse().ok()?;
        Some(reset.saturating_sub(now_seconds))
    })
}

pub(super) fn header(response: &HttpResponse, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

pub(super) fn unexpected(what: &str, problem: &str) -> GitHubError {
    GitHubError::Unexpected { what: what.to_string(), problem: problem.to_string() }
}
