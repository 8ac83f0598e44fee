//! What the connector knows of the served branch without asking GitHub: the head that push
//! webhooks (and the cron's polls) recorded, the deliveries already seen, and the skills last
//! announced. One Durable Object holds it, so every isolate sees a push at once and two
//! invocations never both announce one.
//!
//! A call trusts the recorded head — and asks GitHub nothing — while webhooks are healthy:
//! a delivery has arrived (GitHub sends `ping` when the hook is created), no push the cron found
//! went unreported for more than [`UNREPORTED_GRACE_MS`], and the head was confirmed (by a
//! delivery or an agreeing poll) within `WEBHOOK_SILENCE_SECONDS`. Otherwise calls revalidate
//! with GitHub as they do without webhooks. See docs/FRESHNESS.md for the worst cases.

use crate::host::HostError;
use crate::notify::changes::Snapshot;
use crate::oauth::ledger::Records;
use crate::ports::BranchWatchStore;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// How long a push the cron found may stay unreported by a webhook before webhooks count as
/// unhealthy (a delivery can arrive after the poll that saw its commit).
pub const UNREPORTED_GRACE_MS: u64 = 60_000;
/// How long a delivery id is remembered: GitHub redelivers on request, within days.
pub const DELIVERY_MEMORY_MS: u64 = 3 * 24 * 3600 * 1000;
/// Heads replaced recently, remembered so that a late delivery of an older push is not taken
/// for a new head.
pub const RECENT_HEADS: usize = 32;

const WATCH_KEY: &str = "watch";
const ANNOUNCED_KEY: &str = "announced";
/// Records that never expire are written with this expiry.
const NEVER: u64 = u64::MAX / 2;

/// A head recorded for the branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The commit.
    pub sha: String,
    /// Its root tree, when the source said.
    pub tree: Option<String>,
}

/// The watch's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// The branch's head as last recorded.
    pub head: Option<Head>,
    /// When the last webhook delivery (any event) arrived.
    pub last_delivery_ms: Option<u64>,
    /// When the head was last confirmed, by a delivery or by a poll that found it unchanged.
    pub confirmed_ms: u64,
    /// A head a poll found that no delivery has reported yet, and when.
    pub unreported: Option<(String, u64)>,
    /// Heads replaced, newest last.
    pub recent: Vec<String>,
    /// The last head whose changes were announced.
    #[serde(default)]
    pub announced: Option<String>,
}

impl Watch {
    /// Whether calls may take [`Watch::head`] as the branch's head without asking GitHub.
    pub fn trusted(&self, now_ms: u64, silence_ms: u64) -> Option<&Head> {
        let healthy = self.last_delivery_ms.is_some()
            && self.unreported.as_ref().is_none_or(|(_, at)| now_ms.saturating_sub(*at) <= UNREPORTED_GRACE_MS)
            && now_ms.saturating_sub(self.confirmed_ms) <= silence_ms;
        self.head.as_ref().filter(|_| healthy)
    }

    fn replace_head(&mut self, head: Head) {
        if let Some(old) = self.head.take() {
            self.recent.retain(|sha| *sha != old.sha);
            self.recent.push(old.sha);
            let excess = self.recent.len().saturating_sub(RECENT_HEADS);
            self.recent.drain(..excess);
        }
        self.head = Some(head);
    }
}

/// A command and the answer it gives.
pub trait Call: Into<Command> {
    /// What it answers.
    type Answer: Serialize + DeserializeOwned;
    /// Runs it against the watch's records, alone (the Durable Object guarantees it).
    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError>;
}

/// Every command, as JSON named by its one key (`{"deliver": {…}}`): externally tagged, which
/// decodes without buffering (an internally tagged enum costs the Worker about 2 KB more each).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// [`Read`].
    Read(Read),
    /// [`Deliver`].
    Deliver(Deliver),
    /// [`Poll`].
    Poll(Poll),
    /// [`Claim`].
    Claim(Claim),
}

/// Reads the watch (every call with webhooks configured: one Durable Object request).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Read {}

impl Call for Read {
    type Answer = Watch;
    fn run(self, records: &impl Records) -> Result<Watch, HostError> {
        load(records)
    }
}

/// A webhook delivery whose signature was verified.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deliver {
    /// `X-GitHub-Delivery`.
    pub delivery: String,
    /// For a push to the served branch: its new head.
    pub push: Option<Head>,
    /// Whether the push was forced (its head may be one seen before).
    pub forced: bool,
    /// Now.
    pub now: u64,
}

/// What a delivery did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivered {
    /// This delivery id was seen before: nothing changed.
    Duplicate,
    /// Recorded; `moved` when the branch's head is now the push's.
    Recorded {
        /// Whether the head changed.
        moved: bool,
    },
}

impl Call for Deliver {
    type Answer = Delivered;
    fn run(self, records: &impl Records) -> Result<Delivered, HostError> {
        records.purge_expired(self.now)?;
        let delivery_key = format!("delivery:{}", self.delivery);
        if records.get(&delivery_key, self.now)?.is_some() {
            return Ok(Delivered::Duplicate);
        }
        records.put(&delivery_key, "1", self.now + DELIVERY_MEMORY_MS)?;
        let mut watch = load(records)?;
        watch.last_delivery_ms = Some(self.now);
        watch.confirmed_ms = self.now;
        let mut moved = false;
        if let Some(head) = self.push {
            // A push reported: webhooks work, whatever a poll found meanwhile.
            watch.unreported = None;
            let current = watch.head.as_ref().is_some_and(|h| h.sha == head.sha);
            let older = watch.recent.contains(&head.sha) && !self.forced;
            if !current && !older {
                watch.replace_head(head);
                moved = true;
            }
        }
        save(records, &watch)?;
        Ok(Delivered::Recorded { moved })
    }
}

/// The cron's look at the branch on GitHub.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Poll {
    /// Where GitHub says the branch points.
    pub head: Head,
    /// Now.
    pub now: u64,
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Polled {
    /// Whether the head differed from the recorded one (a push no webhook reported, or no
    /// webhooks at all).
    pub moved: bool,
    /// Whether that head's changes are announced already.
    pub announced: bool,
}

impl Call for Poll {
    type Answer = Polled;
    fn run(self, records: &impl Records) -> Result<Polled, HostError> {
        let mut watch = load(records)?;
        let moved = watch.head.as_ref().is_none_or(|h| h.sha != self.head.sha);
        if moved {
            if watch.last_delivery_ms.is_some() && watch.unreported.is_none() {
                watch.unreported = Some((self.head.sha.clone(), self.now));
            }
            watch.replace_head(self.head);
        }
        watch.confirmed_ms = self.now;
        save(records, &watch)?;
        let announced = watch.announced.is_some() && watch.announced == watch.head.as_ref().map(|h| h.sha.clone());
        Ok(Polled { moved, announced })
    }
}

/// Claims the announcement of the skills at `snapshot.commit`: only the first invocation to
/// claim a head announces it, and only while it is the head.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claim {
    /// The skills at the head to announce.
    pub snapshot: Snapshot,
}

/// Whether to announce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Claimed {
    /// Announce the changes from `previous` (`None`: the first snapshot, nothing to compare
    /// with, so nothing is announced).
    Yours {
        /// The skills last announced.
        previous: Option<Snapshot>,
    },
    /// Already announced (by the webhook, the cron, or an earlier delivery).
    Announced,
    /// The branch has moved on (or back) since: announcing this commit now would be wrong.
    NotHead,
}

impl Call for Claim {
    type Answer = Claimed;
    fn run(self, records: &impl Records) -> Result<Claimed, HostError> {
        let mut watch = load(records)?;
        if watch.head.as_ref().is_none_or(|h| h.sha != self.snapshot.commit) {
            return Ok(Claimed::NotHead);
        }
        if watch.announced.as_deref() == Some(self.snapshot.commit.as_str()) {
            return Ok(Claimed::Announced);
        }
        let previous: Option<Snapshot> = read(records, ANNOUNCED_KEY)?;
        write(records, ANNOUNCED_KEY, &self.snapshot)?;
        watch.announced = Some(self.snapshot.commit.clone());
        save(records, &watch)?;
        Ok(Claimed::Yours { previous })
    }
}

macro_rules! commands {
    ($($name:ident),*) => {
        $(impl From<$name> for Command {
            fn from(command: $name) -> Command {
                Command::$name(command)
            }
        })*

        /// Runs a command received as JSON and returns its answer as JSON: what the watch's
        /// Durable Object does with each request.
        pub fn apply(records: &impl Records, command: &str) -> Result<String, HostError> {
            let command: Command = serde_json::from_str(command)
                .map_err(|e| HostError::branch_watch(format_args!("unreadable command: {e}")))?;
            match command {
                $(Command::$name(command) => {
                    serde_json::to_string(&command.run(records)?).map_err(HostError::branch_watch)
                })*
            }
        }
    };
}

commands!(Read, Deliver, Poll, Claim);

/// The name of the watch of the served branch (one Durable Object per repository and branch).
pub fn watch_name(config: &crate::config::Config) -> String {
    format!("{}@{}", config.repo, config.branch.as_deref().unwrap_or(""))
}

/// Sends `command` to the watch named `name` and reads its typed answer.
pub async fn call<C: Call>(store: &impl BranchWatchStore, name: &str, command: C) -> Result<C::Answer, HostError> {
    let command = serde_json::to_string(&command.into()).map_err(HostError::branch_watch)?;
    let answer = store.branch_watch(name, command).await?;
    serde_json::from_str(&answer).map_err(|e| HostError::branch_watch(format_args!("unreadable answer: {e}")))
}

fn load(records: &impl Records) -> Result<Watch, HostError> {
    Ok(read(records, WATCH_KEY)?.unwrap_or_default())
}

fn save(records: &impl Records, watch: &Watch) -> Result<(), HostError> {
    write(records, WATCH_KEY, watch)
}

fn read<T: DeserializeOwned>(records: &impl Records, key: &str) -> Result<Option<T>, HostError> {
    match records.get(key, 0)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text).map(Some).map_err(HostError::branch_watch),
    }
}

fn write<T: Serialize>(records: &impl Records, key: &str, value: &T) -> Result<(), HostError> {
    let text = serde_json::to_string(value).map_err(HostError::branch_watch)?;
    records.put(key, &text, NEVER)
}
