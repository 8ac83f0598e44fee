//! What happens when the branch moves, outside any tool call: after a push webhook is answered
//! (the host's `waitUntil`), and at each run of the cron trigger.
//!
//! Both end the same way: the new head's catalog is built and stored (so the next call finds it
//! warm), then its changes are announced ([`notify::announce`], once per head whoever gets
//! there first). The cron is also the safety net of webhooks: it asks GitHub where the branch
//! points, records that in the branch watch (a push no delivery reported marks webhooks
//! unhealthy, so calls revalidate with GitHub again), and announces pushes webhooks never
//! delivered, or that a repository without webhooks made.

use crate::branch_watch::{self, Head, Poll, Polled};
use crate::catalog_store;
use crate::config::Config;
use crate::notify::{self, CommitInfo, Report};
use crate::ports::Platform;
use crate::webhooks::AfterResponse;
use serde::Serialize;

/// The one log line of a background run.
#[derive(Debug, Clone, Serialize)]
pub struct BackgroundLog {
    /// `push` (after a webhook) or `poll` (the cron).
    pub event: &'static str,
    /// The branch's head, when known.
    pub commit: Option<String>,
    /// Whether the head moved (for a poll: a push no webhook had reported, or no webhooks).
    pub moved: bool,
    /// What became of the head's catalog: `ready`, or why not.
    pub catalog: String,
    /// What became of the announcement.
    pub notifications: Option<Report>,
    /// GitHub requests made (filled in by the host).
    pub github_requests: u32,
    /// KV reads (filled in by the host).
    pub kv_reads: u32,
    /// KV writes (filled in by the host).
    pub kv_writes: u32,
}

impl BackgroundLog {
    fn new(event: &'static str) -> Self {
        BackgroundLog {
            event,
            commit: None,
            moved: false,
            catalog: String::new(),
            notifications: None,
            github_requests: 0,
            kv_reads: 0,
            kv_writes: 0,
        }
    }
}

/// Runs what a webhook's answer asked for.
pub async fn after_response<P: Platform>(platform: &P, config: &Config, job: AfterResponse) -> BackgroundLog {
    let mut log = BackgroundLog::new("push");
    match job {
        AfterResponse::HeadMoved { head, commit } => {
            log.commit = Some(head.sha.clone());
            log.moved = true;
            prepare_and_announce(platform, config, &head, &commit, &mut log).await;
        }
    }
    log
}

/// The cron: one request to GitHub for the branch head, recorded in the branch watch; a head not
/// yet announced is built and announced.
pub async fn poll<P: Platform>(platform: &P, config: &Config) -> BackgroundLog {
    let mut log = BackgroundLog::new("poll");
    let github = catalog_store::github(platform, config);
    let (head, details) = match github.head(config.branch.as_deref(), None).await {
        Ok(crate::github::BranchHead::At { sha, tree, commit, .. }) => (Head { sha, tree }, commit),
        Ok(crate::github::BranchHead::Unchanged) => {
            log.catalog = "GitHub answered 304 to an unconditional request".into();
            return log;
        }
        Err(error) => {
            log.catalog = error.to_string();
            return log;
        }
    };
    log.commit = Some(head.sha.clone());
    let command = Poll { head: head.clone(), now: platform.now_ms() };
    let polled = match branch_watch::call(platform, &branch_watch::watch_name(config), command).await {
        Ok(polled) => polled,
        Err(error) => {
            log.catalog = error.to_string();
            return log;
        }
    };
    let Polled { moved, announced } = polled;
    log.moved = moved;
    if !moved && (announced || config.notify.is_empty()) {
        log.catalog = "unchanged".into();
        return log;
    }
    let commit =
        CommitInfo { sha: head.sha.clone(), link: details.link, message: details.message, author: details.author };
    prepare_and_announce(platform, config, &head, &commit, &mut log).await;
    log
}

async fn prepare_and_announce<P: Platform>(
    platform: &P,
    config: &Config,
    head: &Head,
    commit: &CommitInfo,
    log: &mut BackgroundLog,
) {
    match catalog_store::at_commit(platform, config, head).await {
        Ok(served) if served.stale.is_none() && served.catalog.commit == head.sha => {
            log.catalog = "ready".into();
            log.notifications = Some(notify::announce(platform, config, &served.catalog, commit).await);
        }
        Ok(served) => log.catalog = served.stale.unwrap_or_else(|| "another commit is served".into()),
        Err(error) => log.catalog = error.to_string(),
    }
}
