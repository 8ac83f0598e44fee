//! Update notifications: when a push changes skills, one message per destination
//! (`NOTIFY_WEBHOOKS`) saying what was added, updated (old → new version) and removed, by whom,
//! with a link to the commit.
//!
//! Sent after the webhook (or the cron's poll) is answered, never from a tool call. The branch
//! watch hands each head to one invocation only ([`branch_watch::Claim`]), so a push is
//! announced once whether the webhook, a redelivery or the cron saw it first; a receiver that
//! fails is retried with back-off within that invocation, and a receiver that accepted is never
//! sent the same push again.
//!
//! Who sees what: a destination named in access.json's `notifications` gets the changes of the
//! groups listed for it; any other destination only the changes of skills every signed-in person
//! may read, so a channel never learns of a restricted skill it was not routed.

pub mod changes;
pub mod message;

use crate::access::Access;
use crate::branch_watch::{self, Claim, Claimed};
use crate::catalog::Catalog;
use crate::config::{Config, Destination, DestinationKind};
use crate::ports::{Limits, Platform};
use changes::{Changes, Snapshot};
use hmac::{Hmac, Mac};
use message::Announcement;
use serde::Serialize;

/// Waits before the second and third attempt at a receiver.
pub const BACKOFF_MS: [u64; 2] = [2_000, 8_000];
/// Longest wait for a receiver's answer.
pub const SEND_TIMEOUT_MS: u64 = 5_000;

/// The commit a push made, as the webhook or GitHub's commits API described it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitInfo {
    /// The commit.
    pub sha: String,
    /// Its page on GitHub.
    pub link: Option<String>,
    /// Its message.
    pub message: Option<String>,
    /// Its author, as `Name <email>` or a login.
    pub author: Option<String>,
}

impl CommitInfo {
    /// Who made the change: the `Requested-by` trailer the connector writes on its commits,
    /// else the author.
    pub fn by(&self) -> Option<String> {
        let trailer = self.message.as_deref().and_then(|message| {
            message.lines().rev().find_map(|line| line.strip_prefix("Requested-by:").map(|by| by.trim().to_string()))
        });
        trailer.filter(|by| !by.is_empty()).or_else(|| self.author.clone())
    }
}

/// What became of one push's announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Report {
    /// `NOTIFY_WEBHOOKS` is not set.
    NoDestinations,
    /// The first head seen: remembered, nothing to compare it with.
    FirstSnapshot,
    /// Another invocation announced (or is announcing) this head.
    AlreadyAnnounced,
    /// The branch moved on before this head was announced; the newer head is announced instead.
    NotHead,
    /// The branch watch could not be asked; nothing was sent (the cron's next poll tries again).
    Unclaimed {
        /// What went wrong.
        problem: String,
    },
    /// No skill changed (a change to other files).
    NoChange,
    /// Sent: each destination and whether it accepted.
    Sent {
        /// `(destination, outcome)`.
        destinations: Vec<(String, String)>,
    },
}

/// Announces what changed between the last announced head and `catalog` (the new head's), once.
pub async fn announce<P: Platform>(platform: &P, config: &Config, catalog: &Catalog, commit: &CommitInfo) -> Report {
    if config.notify.is_empty() {
        return Report::NoDestinations;
    }
    let snapshot = Snapshot::of(catalog);
    let claim = Claim { snapshot: snapshot.clone() };
    let previous = match branch_watch::call(platform, &branch_watch::watch_name(config), claim).await {
        Ok(Claimed::Yours { previous: Some(previous) }) => previous,
        Ok(Claimed::Yours { previous: None }) => return Report::FirstSnapshot,
        Ok(Claimed::Announced) => return Report::AlreadyAnnounced,
        Ok(Claimed::NotHead) => return Report::NotHead,
        Err(e) => return Report::Unclaimed { problem: e.to_string() },
    };
    let changes = Changes::between(&previous, &snapshot);
    if changes.is_empty() {
        return Report::NoChange;
    }
    let access = Access::load(catalog.access.as_deref());
    let repo = config.repo.to_string();
    let branch = config.branch.clone().unwrap_or_else(|| "the default branch".into());
    let by = commit.by();
    let sends = config.notify.iter().filter_map(|destination| {
        let visible = routed(&changes, &access, destination);
        if visible.is_empty() {
            return None;
        }
        let announcement = Announcement {
            repo: &repo,
            branch: &branch,
            commit: &commit.sha,
            link: commit.link.as_deref(),
            by: by.as_deref(),
            changes: &visible,
        };
        let body = announcement.body(destination.kind);
        Some(async move {
            let outcome = match send(platform, destination, &commit.sha, body).await {
                Ok(status) => format!("accepted ({status})"),
                Err(problem) => problem,
            };
            (destination.name.clone(), outcome)
        })
    });
    Report::Sent { destinations: futures_util::future::join_all(sends).await }
}

/// The changes `destination` may be told of.
fn routed(changes: &Changes, access: &Access, destination: &Destination) -> Changes {
    match access.notification_groups(&destination.name) {
        Some(groups) => changes.filter(|c| groups.contains(&c.group)),
        None => changes.filter(|c| c.everyone),
    }
}

/// Posts `body` to `destination`, retrying outages and rate limits with back-off; gives up at
/// once on another refusal (a wrong or revoked URL will not start working).
async fn send<P: Platform>(platform: &P, destination: &Destination, commit: &str, body: String) -> Result<u16, String> {
    let mut attempt = 0;
    loop {
        let mut request = http::Request::post(destination.url.expose())
            .header("content-type", "application/json")
            .header("user-agent", crate::github::USER_AGENT);
        if destination.kind == DestinationKind::Json {
            request = request.header("x-skillport-event", "skills.changed").header("x-skillport-commit", commit);
            if let Some(secret) = &destination.secret {
                let mut mac = <Hmac<sha2::Sha256>>::new_from_slice(secret.expose().as_bytes())
                    .map_err(|e| format!("its secret cannot key an HMAC ({e})"))?;
                mac.update(body.as_bytes());
                request = request.header(
                    "x-skillport-signature-256",
                    format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
                );
            }
        }
        let request = request.body(body.clone().into_bytes()).map_err(|_| "its url is not usable".to_string())?;
        let limits = Limits { timeout_ms: SEND_TIMEOUT_MS, max_body_bytes: 64 << 10, github: false };
        let retry = match platform.send(request, limits).await {
            Ok(response) if response.status().is_success() => return Ok(response.status().as_u16()),
            Ok(response) => {
                let status = response.status().as_u16();
                if status != 429 && status < 500 {
                    return Err(format!("refused with HTTP {status}; check the destination's url"));
                }
                format!("HTTP {status}")
            }
            // The host names the receiver's host, never the URL (which is the credential).
            Err(e) => e.to_string(),
        };
        match BACKOFF_MS.get(attempt) {
            Some(wait) => {
                platform.sleep(*wait).await;
                attempt += 1;
            }
            None => return Err(format!("failed {} times, last with {retry}", attempt + 1)),
        }
    }
}
