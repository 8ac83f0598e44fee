//! Who signed in and what they changed: the admin console's people and recent changes, kept
//! beside the usage in the same object.
//!
//! A person's row is written at sign-in and, at most every [`SEEN_EVERY_MS`], when their client
//! refreshes its token, so "last seen" costs no write per call. Rows of people not seen within
//! the retention are deleted, as usage rows are. The last [`CHANGES_KEPT`] commits made through
//! the connector are kept, with who asked for them.

use super::{int, text, Call, Sql, SqlParam};
use crate::identity::UserInfo;
use crate::ports::HostError;
use serde::{Deserialize, Serialize};

/// How stale "last seen" may get before a token refresh writes it again.
pub const SEEN_EVERY_MS: u64 = 6 * 3_600_000;
/// How many commits made through the connector are listed.
pub const CHANGES_KEPT: u32 = 200;

/// The tables.
pub const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS people (user TEXT PRIMARY KEY, info TEXT NOT NULL, first_seen INTEGER NOT NULL, \
     last_seen INTEGER NOT NULL, revoked INTEGER) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS changes (at INTEGER NOT NULL, user TEXT NOT NULL, tool TEXT NOT NULL, \
     sha TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (at, sha)) WITHOUT ROWID",
];

/// A person signed in (`signed_in`), or their client refreshed its token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordSeen {
    /// Who, as the identity provider vouched for them.
    pub user: UserInfo,
    /// When (milliseconds).
    pub now: u64,
    /// A sign-in (always written, and it clears a revocation), rather than a refresh.
    pub signed_in: bool,
    /// Days kept.
    pub retention_days: u32,
}

impl Call for RecordSeen {
    /// Whether a row was written.
    type Answer = bool;
    fn run(self, sql: &impl Sql) -> Result<bool, HostError> {
        let now = i64::try_from(self.now).unwrap_or(i64::MAX);
        let cutoff = now.saturating_sub(i64::from(self.retention_days) * super::DAY_MS as i64);
        sql.exec("DELETE FROM people WHERE last_seen < ?", &[SqlParam::Int(cutoff)])?;
        if !self.signed_in {
            let last =
                sql.exec("SELECT last_seen, revoked FROM people WHERE user = ?", &[self.user.id.as_str().into()])?;
            let recent = last.first().is_some_and(|row| {
                int(row, "last_seen").saturating_add(SEEN_EVERY_MS) > self.now
                    || row.get("revoked").is_some_and(|r| !r.is_null())
            });
            if recent {
                return Ok(false);
            }
        }
        let info = serde_json::to_string(&self.user).map_err(HostError::usage)?;
        let revoked = if self.signed_in { "NULL" } else { "people.revoked" };
        sql.exec(
            &format!(
                "INSERT INTO people (user, info, first_seen, last_seen) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (user) DO UPDATE SET info = excluded.info, last_seen = excluded.last_seen, revoked = {revoked}"
            ),
            &[self.user.id.as_str().into(), SqlParam::Text(info), SqlParam::Int(now), SqlParam::Int(now)],
        )?;
        Ok(true)
    }
}

/// An editor ended every sign-in of a person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordRevoked {
    /// The person's user id.
    pub user: String,
    /// When (milliseconds).
    pub now: u64,
}

impl Call for RecordRevoked {
    type Answer = ();
    fn run(self, sql: &impl Sql) -> Result<(), HostError> {
        let now = i64::try_from(self.now).unwrap_or(i64::MAX);
        sql.exec("UPDATE people SET revoked = ? WHERE user = ?", &[SqlParam::Int(now), self.user.as_str().into()])?;
        Ok(())
    }
}

/// A commit made through the connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChange {
    /// When (milliseconds).
    pub at: u64,
    /// Who asked for it (user id).
    pub user: String,
    /// Through which tool.
    pub tool: String,
    /// The commit.
    pub sha: String,
    /// The commit message's first line.
    pub message: String,
}

impl Call for RecordChange {
    type Answer = ();
    fn run(self, sql: &impl Sql) -> Result<(), HostError> {
        let at = i64::try_from(self.at).unwrap_or(i64::MAX);
        sql.exec(
            "INSERT OR REPLACE INTO changes (at, user, tool, sha, message) VALUES (?, ?, ?, ?, ?)",
            &[
                SqlParam::Int(at),
                self.user.as_str().into(),
                self.tool.as_str().into(),
                self.sha.as_str().into(),
                self.message.as_str().into(),
            ],
        )?;
        sql.exec(
            "DELETE FROM changes WHERE at < (SELECT at FROM changes ORDER BY at DESC LIMIT 1 OFFSET ?)",
            &[SqlParam::from(CHANGES_KEPT - 1)],
        )?;
        Ok(())
    }
}

/// Reads the people and the recent changes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadDirectory {}

/// A person the connector has seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Who, as at their last sign-in.
    pub user: UserInfo,
    /// First sign-in within the retention (milliseconds).
    pub first_seen: u64,
    /// Last sign-in or token refresh (milliseconds; refreshes are recorded every six hours).
    pub last_seen: u64,
    /// When an editor ended their sign-ins, unless they signed in again since.
    pub revoked: Option<u64>,
}

/// What [`ReadDirectory`] answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// People, most recently seen first.
    pub people: Vec<Person>,
    /// Commits made through the connector, newest first.
    pub changes: Vec<RecordChange>,
}

impl Call for ReadDirectory {
    type Answer = Directory;
    fn run(self, sql: &impl Sql) -> Result<Directory, HostError> {
        let people =
            sql.exec("SELECT info, first_seen, last_seen, revoked FROM people ORDER BY last_seen DESC", &[])?;
        let changes = sql.exec("SELECT at, user, tool, sha, message FROM changes ORDER BY at DESC", &[])?;
        Ok(Directory {
            people: people
                .iter()
                .filter_map(|row| {
                    Some(Person {
                        user: serde_json::from_str(row.get("info")?.as_str()?).ok()?,
                        first_seen: int(row, "first_seen"),
                        last_seen: int(row, "last_seen"),
                        revoked: row.get("revoked").and_then(serde_json::Value::as_u64),
                    })
                })
                .collect(),
            changes: changes
                .iter()
                .map(|row| RecordChange {
                    at: int(row, "at"),
                    user: text(row, "user"),
                    tool: text(row, "tool"),
                    sha: text(row, "sha"),
                    message: text(row, "message"),
                })
                .collect(),
        })
    }
}
