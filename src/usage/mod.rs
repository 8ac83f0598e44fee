//! Usage and version drift, recorded as calls happen: per skill, day and person, how often the
//! skill was fetched, downloaded as a package and read through the Skills extension; per person,
//! the versions they last reported installed (`check_updates`).
//!
//! One SQLite-backed Durable Object per served branch holds it. Its commands are plain SQL over
//! the [`Sql`] port, run synchronously inside the object, so the same statements run natively
//! (SQLite in the test kit) and in the Workers runtime. One event is one row written: the
//! `uses` table is keyed by (day, skill, person) and its counters are incremented in place, so
//! distinct people need no second row; an installed-versions report writes a row only when it
//! differs from the person's last one, or on a new day. Rows older than the retention are deleted
//! by the first write of a day.

pub mod directory;
pub mod stats;

use crate::ports::HostError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Milliseconds in a day: days are UTC days since the epoch.
pub const DAY_MS: u64 = 86_400_000;

/// A value bound to a `?` of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlParam {
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

impl From<u32> for SqlParam {
    fn from(value: u32) -> Self {
        SqlParam::Int(i64::from(value))
    }
}

impl From<&str> for SqlParam {
    fn from(value: &str) -> Self {
        SqlParam::Text(value.to_string())
    }
}

/// A synchronous SQL connection: a Durable Object's SQLite storage in production, SQLite in
/// memory in the test kit. Rows come back as JSON objects keyed by column name.
pub trait Sql {
    /// Runs `statement` with `params` bound to its `?`s.
    fn exec(&self, statement: &str, params: &[SqlParam]) -> Result<Vec<Map<String, Value>>, HostError>;
}

/// What a person did with a skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UseKind {
    /// `fetch_skill`.
    Fetch,
    /// A package download (`/download/…`).
    Download,
    /// `skills/get`, or a SKILL.md read through `resources/read`.
    Read,
}

impl UseKind {
    fn column(self) -> &'static str {
        match self {
            UseKind::Fetch => "fetches",
            UseKind::Download => "downloads",
            UseKind::Read => "reads",
        }
    }
}

/// A command and the answer it gives.
pub trait Call: Into<Command> {
    /// What it answers.
    type Answer: Serialize + DeserializeOwned;
    /// Runs it against the object's tables, alone.
    fn run(self, sql: &impl Sql) -> Result<Self::Answer, HostError>;
}

/// Every command, as JSON named by its one key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// [`RecordUse`].
    RecordUse(RecordUse),
    /// [`RecordInstalled`].
    RecordInstalled(RecordInstalled),
    /// [`ReadUsage`].
    ReadUsage(ReadUsage),
    /// [`directory::RecordSeen`].
    RecordSeen(directory::RecordSeen),
    /// [`directory::RecordRevoked`].
    RecordRevoked(directory::RecordRevoked),
    /// [`directory::RecordChange`].
    RecordChange(directory::RecordChange),
    /// [`directory::ReadDirectory`].
    ReadDirectory(directory::ReadDirectory),
}

/// One use of a skill by a person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordUse {
    /// The day (UTC days since the epoch).
    pub day: u32,
    /// The skill's name.
    pub skill: String,
    /// The person's user id.
    pub user: String,
    /// What they did.
    pub kind: UseKind,
    /// Days kept; older rows are deleted.
    pub retention_days: u32,
}

impl Call for RecordUse {
    type Answer = ();
    fn run(self, sql: &impl Sql) -> Result<(), HostError> {
        prune(sql, self.day, self.retention_days)?;
        let column = self.kind.column();
        sql.exec(
            &format!(
                "INSERT INTO uses (day, skill, user, {column}) VALUES (?, ?, ?, 1) \
                 ON CONFLICT (day, skill, user) DO UPDATE SET {column} = {column} + 1"
            ),
            &[self.day.into(), self.skill.as_str().into(), self.user.as_str().into()],
        )?;
        Ok(())
    }
}

/// The versions a person reported installed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordInstalled {
    /// The day.
    pub day: u32,
    /// The person's user id.
    pub user: String,
    /// Skill name → installed version, as they reported them.
    pub versions: BTreeMap<String, String>,
    /// Days kept.
    pub retention_days: u32,
}

impl Call for RecordInstalled {
    /// Whether a row was written (the report differed from the last, or a new day began).
    type Answer = bool;
    fn run(self, sql: &impl Sql) -> Result<bool, HostError> {
        prune(sql, self.day, self.retention_days)?;
        let versions = serde_json::to_string(&self.versions).map_err(HostError::usage)?;
        let last = sql.exec("SELECT versions, day FROM installed WHERE user = ?", &[self.user.as_str().into()])?;
        let unchanged = last.first().is_some_and(|row| {
            row.get("versions").and_then(Value::as_str) == Some(versions.as_str())
                && row.get("day").and_then(Value::as_i64) == Some(i64::from(self.day))
        });
        if unchanged {
            return Ok(false);
        }
        sql.exec(
            "INSERT INTO installed (user, versions, day) VALUES (?, ?, ?) \
             ON CONFLICT (user) DO UPDATE SET versions = excluded.versions, day = excluded.day",
            &[self.user.as_str().into(), SqlParam::Text(versions), self.day.into()],
        )?;
        Ok(true)
    }
}

/// Reads what happened from `since` (a day) on, and every person's installed versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadUsage {
    /// The first day counted.
    pub since: u32,
}

/// Per skill: uses over the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillUse {
    /// The skill.
    pub skill: String,
    /// `fetch_skill` calls.
    pub fetches: u64,
    /// Package downloads.
    pub downloads: u64,
    /// Skills extension reads.
    pub reads: u64,
    /// Distinct people.
    pub users: u64,
}

/// One day's uses of one skill.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyUse {
    /// The day.
    pub day: u32,
    /// The skill.
    pub skill: String,
    /// All uses (fetches, downloads and reads).
    pub uses: u64,
    /// Distinct people that day.
    pub users: u64,
}

/// Who runs one version of one skill, as people last reported it. The people are indexes into
/// [`Usage::reporters`]: the answer names each person once, however many skills they report,
/// which keeps it small to send and quick to decode (at 500 people reporting 50 skills each,
/// 60 KB instead of 800 KB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installed {
    /// The skill.
    pub skill: String,
    /// The version reported.
    pub version: String,
    /// Who reported it, as indexes into [`Usage::reporters`].
    pub users: Vec<u32>,
}

/// What [`ReadUsage`] answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Per skill over the period.
    pub skills: Vec<SkillUse>,
    /// Per skill and day.
    pub daily: Vec<DailyUse>,
    /// Every version reported installed, by skill and version.
    pub installed: Vec<Installed>,
    /// The people who reported installed versions, by user id.
    #[serde(default)]
    pub reporters: Vec<String>,
    /// People who used any skill over the period.
    #[serde(default)]
    pub people: u64,
}

impl Call for ReadUsage {
    type Answer = Usage;
    fn run(self, sql: &impl Sql) -> Result<Usage, HostError> {
        let since = [SqlParam::from(self.since)];
        let skills = sql.exec(
            "SELECT skill, SUM(fetches) AS fetches, SUM(downloads) AS downloads, SUM(reads) AS reads, \
             COUNT(DISTINCT user) AS users FROM uses WHERE day >= ? GROUP BY skill ORDER BY skill",
            &since,
        )?;
        let daily = sql.exec(
            "SELECT day, skill, SUM(fetches + downloads + reads) AS uses, COUNT(*) AS users \
             FROM uses WHERE day >= ? GROUP BY day, skill ORDER BY day, skill",
            &since,
        )?;
        let installed = sql.exec("SELECT user, versions, day FROM installed ORDER BY user", &[])?;
        let people = sql.exec("SELECT COUNT(DISTINCT user) AS people FROM uses WHERE day >= ?", &since)?;
        let mut reporters = Vec::new();
        let mut by_version: BTreeMap<(String, String), Vec<u32>> = BTreeMap::new();
        for row in &installed {
            let Some(versions) = row.get("versions").and_then(Value::as_str) else { continue };
            let Ok(versions) = serde_json::from_str::<BTreeMap<String, String>>(versions) else { continue };
            let index = u32::try_from(reporters.len()).unwrap_or(u32::MAX);
            reporters.push(text(row, "user"));
            for (skill, version) in versions {
                by_version.entry((skill, version)).or_default().push(index);
            }
        }
        Ok(Usage {
            people: people.first().map_or(0, |row| int(row, "people")),
            skills: skills
                .iter()
                .map(|row| SkillUse {
                    skill: text(row, "skill"),
                    fetches: int(row, "fetches"),
                    downloads: int(row, "downloads"),
                    reads: int(row, "reads"),
                    users: int(row, "users"),
                })
                .collect(),
            daily: daily
                .iter()
                .map(|row| DailyUse {
                    day: u32::try_from(int(row, "day")).unwrap_or(0),
                    skill: text(row, "skill"),
                    uses: int(row, "uses"),
                    users: int(row, "users"),
                })
                .collect(),
            installed: by_version
                .into_iter()
                .map(|((skill, version), users)| Installed { skill, version, users })
                .collect(),
            reporters,
        })
    }
}

// Columns are read by name rather than through serde: the Worker is smaller without a
// deserializer per row type.
pub(crate) fn int(row: &Map<String, Value>, column: &str) -> u64 {
    row.get(column).and_then(Value::as_u64).unwrap_or(0)
}

pub(crate) fn text(row: &Map<String, Value>, column: &str) -> String {
    row.get(column).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Deletes what is older than the retention: per-person rows of both tables.
fn prune(sql: &impl Sql, today: u32, retention_days: u32) -> Result<(), HostError> {
    let cutoff = SqlParam::from(today.saturating_sub(retention_days.max(1)) + 1);
    sql.exec("DELETE FROM uses WHERE day < ?", std::slice::from_ref(&cutoff))?;
    sql.exec("DELETE FROM installed WHERE day < ?", &[cutoff])?;
    Ok(())
}

/// The tables, created when the object first runs a command.
pub const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS uses (day INTEGER NOT NULL, skill TEXT NOT NULL, user TEXT NOT NULL, \
     fetches INTEGER NOT NULL DEFAULT 0, downloads INTEGER NOT NULL DEFAULT 0, reads INTEGER NOT NULL DEFAULT 0, \
     PRIMARY KEY (day, skill, user)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS installed (user TEXT PRIMARY KEY, versions TEXT NOT NULL, day INTEGER NOT NULL) WITHOUT ROWID",
];

/// Runs the JSON `command` against `sql` (inside the object) and returns its JSON answer.
pub fn apply(sql: &impl Sql, command: &str) -> Result<String, HostError> {
    for statement in SCHEMA.iter().chain(&directory::SCHEMA) {
        sql.exec(statement, &[])?;
    }
    let command: Command = serde_json::from_str(command).map_err(HostError::usage)?;
    let answer = match command {
        Command::RecordUse(c) => serde_json::to_string(&c.run(sql)?),
        Command::RecordInstalled(c) => serde_json::to_string(&c.run(sql)?),
        Command::ReadUsage(c) => serde_json::to_string(&c.run(sql)?),
        Command::RecordSeen(c) => serde_json::to_string(&c.run(sql)?),
        Command::RecordRevoked(c) => serde_json::to_string(&c.run(sql)?),
        Command::RecordChange(c) => serde_json::to_string(&c.run(sql)?),
        Command::ReadDirectory(c) => serde_json::to_string(&c.run(sql)?),
    };
    answer.map_err(HostError::usage)
}

/// `From` for each command: `call` takes any of them.
macro_rules! commands {
    ($($variant:ident($command:ty)),*) => {
        $(impl From<$command> for Command {
            fn from(c: $command) -> Self {
                Command::$variant(c)
            }
        })*
    };
}
commands!(
    RecordUse(RecordUse),
    RecordInstalled(RecordInstalled),
    ReadUsage(ReadUsage),
    RecordSeen(directory::RecordSeen),
    RecordRevoked(directory::RecordRevoked),
    RecordChange(directory::RecordChange),
    ReadDirectory(directory::ReadDirectory)
);

/// Sends `command` to the usage object of the served branch and reads its typed answer.
pub async fn call<C: Call>(
    store: &impl crate::ports::UsageStore,
    name: &str,
    command: C,
) -> Result<C::Answer, HostError> {
    let command = serde_json::to_string(&command.into()).map_err(HostError::usage)?;
    let answer = store.usage(name, command).await?;
    serde_json::from_str(&answer).map_err(|e| HostError::usage(format_args!("unreadable answer: {e}")))
}

/// The usage object of the served branch (the same name as its branch watch).
pub fn object_name(config: &crate::config::Config) -> String {
    crate::branch_watch::watch_name(config)
}

/// Records that `user` used `skill`. A failure is given up on: a tool call's answer matters
/// more than its count, and the request log still shows the call.
pub async fn record_use<P: crate::ports::Platform>(
    platform: &P,
    config: &crate::config::Config,
    user: &str,
    skill: &str,
    kind: UseKind,
) {
    let command = RecordUse {
        day: crate::tools::skill_stats::today(platform),
        skill: skill.to_string(),
        user: user.to_string(),
        kind,
        retention_days: config.usage_retention_days,
    };
    let _ = call(platform, &object_name(config), command).await;
}

/// Records the versions `user` reported installed (only the skills the catalog has).
pub async fn record_installed<P: crate::ports::Platform>(
    platform: &P,
    config: &crate::config::Config,
    user: &str,
    versions: BTreeMap<String, String>,
) {
    if versions.is_empty() {
        return;
    }
    let command = RecordInstalled {
        day: crate::tools::skill_stats::today(platform),
        user: user.to_string(),
        versions,
        retention_days: config.usage_retention_days,
    };
    let _ = call(platform, &object_name(config), command).await;
}

/// Records a commit made through the connector (given up on failure, like a use).
pub async fn record_change<P: crate::ports::Platform>(
    platform: &P,
    config: &crate::config::Config,
    user: &str,
    tool: &str,
    committed: &crate::editing::Committed,
) {
    let command = directory::RecordChange {
        at: platform.now_ms(),
        user: user.to_string(),
        tool: tool.to_string(),
        sha: committed.commit.clone(),
        message: committed.summary.clone(),
    };
    let _ = call(platform, &object_name(config), command).await;
}

/// Records that `user` signed in (or, with `signed_in` false, refreshed a token).
pub async fn record_seen<P: crate::ports::Platform>(
    platform: &P,
    config: &crate::config::Config,
    user: &crate::identity::UserInfo,
    signed_in: bool,
) {
    let command = directory::RecordSeen {
        user: user.clone(),
        now: platform.now_ms(),
        signed_in,
        retention_days: config.usage_retention_days,
    };
    let _ = call(platform, &object_name(config), command).await;
}
