//! `POST /webhooks/github`: GitHub's push webhooks.
//!
//! The `X-Hub-Signature-256` HMAC is checked, in constant time, against `GITHUB_WEBHOOK_SECRET`
//! before anything of the body is read. A verified delivery is recorded once per
//! `X-GitHub-Delivery` in the branch watch; a `push` to the served branch records its new head
//! there (so every isolate sees it at once) and the answer tells the host to build that commit's
//! catalog and announce it after responding ([`AfterResponse`]). Other events, branches and
//! repositories are acknowledged and change nothing. A malformed payload is a 400, never a 500.

use crate::branch_watch::{self, Deliver, Delivered, Head};
use crate::notify::CommitInfo;
use crate::oauth::Site;
use crate::ports::{HttpRequest, HttpResponse, Platform};
use crate::web::{self, ApiError, IntoResponse};
use hmac::{Hmac, Mac};
use http::StatusCode;
use serde::Deserialize;

/// The endpoint's path.
pub const PATH: &str = "/webhooks/github";

/// Work the host runs after the response is sent (`waitUntil`), with the same configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterResponse {
    /// The branch moved: build the new head's catalog and announce what changed.
    HeadMoved {
        /// The new head.
        head: Head,
        /// Its commit, as the push described it.
        commit: CommitInfo,
    },
}

/// Why a delivery is refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// `GITHUB_WEBHOOK_SECRET` is not set.
    #[error("webhooks are not configured here; set GITHUB_WEBHOOK_SECRET to the webhook's secret (docs/SETUP.md)")]
    NotConfigured,
    /// No signature, or one that does not match.
    #[error("the X-Hub-Signature-256 signature is missing or does not match; check that the webhook's secret equals GITHUB_WEBHOOK_SECRET")]
    BadSignature,
    /// A header GitHub always sends is missing.
    #[error("the {0} header is missing or malformed")]
    MissingHeader(&'static str),
    /// The body is not the event's documented JSON.
    #[error("the {event} payload is not GitHub's JSON: {problem}")]
    Malformed { event: String, problem: String },
    /// The branch watch could not record the delivery; GitHub may redeliver it.
    #[error("the delivery could not be recorded ({0}); redeliver it from the webhook's settings")]
    Unrecorded(String),
}

impl IntoResponse for WebhookError {
    fn into_response(self) -> HttpResponse {
        let (status, code) = match &self {
            WebhookError::NotConfigured => (StatusCode::NOT_FOUND, "webhooks_off"),
            WebhookError::BadSignature => (StatusCode::UNAUTHORIZED, "bad_signature"),
            WebhookError::MissingHeader(_) | WebhookError::Malformed { .. } => {
                (StatusCode::BAD_REQUEST, "bad_delivery")
            }
            WebhookError::Unrecorded(_) => (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable"),
        };
        ApiError::new(status, code, self.to_string()).into_response()
    }
}

#[derive(Deserialize)]
struct PushEvent {
    #[serde(rename = "ref")]
    reference: String,
    after: String,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    forced: bool,
    head_commit: Option<PushCommit>,
    repository: Repository,
}

#[derive(Deserialize)]
struct PushCommit {
    id: String,
    tree_id: Option<String>,
    message: Option<String>,
    url: Option<String>,
    author: Option<PushAuthor>,
}

#[derive(Deserialize)]
struct PushAuthor {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
    default_branch: Option<String>,
}

/// Handles one delivery: the response, and the work to run after it.
pub async fn receive<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> (HttpResponse, Option<AfterResponse>) {
    match verified(site, request).await {
        Ok((status, after)) => (web::json(StatusCode::OK, &status), after),
        Err(error) => (error.into_response(), None),
    }
}

async fn verified<P: Platform>(
    site: &Site<'_, P>,
    request: &HttpRequest,
) -> Result<(serde_json::Value, Option<AfterResponse>), WebhookError> {
    let config = site.config;
    let webhooks = config.webhooks.as_ref().ok_or(WebhookError::NotConfigured)?;
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    check_signature(webhooks.secret.expose().as_bytes(), header("x-hub-signature-256"), request.body())?;
    let event = header("x-github-event").ok_or(WebhookError::MissingHeader("X-GitHub-Event"))?.to_string();
    let delivery = header("x-github-delivery")
        .filter(|d| !d.is_empty() && d.len() <= 100 && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .ok_or(WebhookError::MissingHeader("X-GitHub-Delivery"))?
        .to_string();
    let malformed = |problem: String| WebhookError::Malformed { event: event.clone(), problem };

    let mut pushed = None;
    let mut ignored = None;
    if header("content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded")) {
        return Err(malformed("it was sent as form data; set the webhook's content type to application/json".into()));
    }
    if event == "push" {
        let push: PushEvent = serde_json::from_slice(request.body()).map_err(|e| malformed(e.to_string()))?;
        let branch = config.branch.clone().or(push.repository.default_branch.clone());
        let ours = push.repository.full_name.eq_ignore_ascii_case(&config.repo.to_string());
        let on_branch = branch.is_some_and(|b| push.reference == format!("refs/heads/{b}"));
        if !ours {
            ignored = Some("a push to another repository");
        } else if !on_branch {
            ignored = Some("a push to another branch");
        } else if push.deleted || !is_sha(&push.after) {
            ignored = Some("the branch was deleted");
        } else {
            pushed = Some(push);
        }
    } else if event != "ping" {
        ignored = Some("an event other than push");
    }

    let head = pushed.as_ref().map(|push| Head {
        sha: push.after.clone(),
        tree: push.head_commit.as_ref().filter(|c| c.id == push.after).and_then(|c| c.tree_id.clone()),
    });
    let forced = pushed.as_ref().is_some_and(|p| p.forced);
    let command = Deliver { delivery: delivery.clone(), push: head.clone(), forced, now: site.platform.now_ms() };
    let recorded = branch_watch::call(site.platform, &branch_watch::watch_name(config), command)
        .await
        .map_err(|e| WebhookError::Unrecorded(e.to_string()))?;
    let status =
        |status: &str, detail: &str| serde_json::json!({"status": status, "delivery": delivery, "detail": detail});
    Ok(match (recorded, head, pushed) {
        (Delivered::Duplicate, _, _) => {
            (status("duplicate", "this delivery was received before; nothing changed"), None)
        }
        (Delivered::Recorded { moved: true }, Some(head), Some(push)) => {
            let commit = commit_info(&head.sha, push.head_commit);
            let answer = status("accepted", &format!("the branch is at {}; its catalog is being built", head.sha));
            (answer, Some(AfterResponse::HeadMoved { head, commit }))
        }
        (Delivered::Recorded { .. }, Some(_), _) => {
            (status("ignored", "the branch was already at this commit, or has moved past it"), None)
        }
        (Delivered::Recorded { .. }, None, _) => {
            (status("ignored", ignored.unwrap_or("a ping: webhooks are working")), None)
        }
    })
}

/// Checks `sha256=<hex>` against the HMAC-SHA256 of `body` under `secret`, in constant time.
pub fn check_signature(secret: &[u8], signature: Option<&str>, body: &[u8]) -> Result<(), WebhookError> {
    let expected = signature
        .and_then(|s| s.strip_prefix("sha256="))
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or(WebhookError::BadSignature)?;
    let mut mac = <Hmac<sha2::Sha256>>::new_from_slice(secret).map_err(|_| WebhookError::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&expected).map_err(|_| WebhookError::BadSignature)
}

fn is_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()) && text.bytes().any(|b| b != b'0')
}

fn commit_info(sha: &str, commit: Option<PushCommit>) -> CommitInfo {
    let commit = commit.filter(|c| c.id == sha);
    let author = commit.as_ref().and_then(|c| c.author.as_ref()).and_then(|a| match (&a.name, &a.email) {
        (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
        (name, email) => name.clone().or(email.clone()),
    });
    CommitInfo {
        sha: sha.to_string(),
        link: commit.as_ref().and_then(|c| c.url.clone()),
        message: commit.and_then(|c| c.message),
        author,
    }
}
