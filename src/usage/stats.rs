//! What `skill_stats` reports, computed from the usage object's answer and the catalog: uses per
//! skill over a period, per day, and the drift of installed versions behind the current one.

use super::{DailyUse, Usage};
use crate::catalog::Skill;
use crate::version;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// One skill's figures over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SkillStats {
    /// The skill.
    pub name: String,
    /// Its group.
    pub group: String,
    /// Its current version, when its group has one.
    pub version: Option<String>,
    /// `fetch_skill` calls.
    pub fetches: u64,
    /// Package downloads.
    pub downloads: u64,
    /// Skills extension reads (`skills/get`, SKILL.md through `resources/read`).
    pub reads: u64,
    /// Distinct people who used it.
    pub users: u64,
    /// Uses and distinct people per day (`YYYY-MM-DD`), days without uses left out.
    pub daily: Vec<DayCount>,
    /// The versions people reported installed (their last `check_updates`), most people first.
    pub installed: Vec<VersionCount>,
    /// How many of them run a version older than the current one.
    pub behind: u64,
    /// Who runs an older version (user ids).
    pub behind_users: Vec<String>,
}

/// One day's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DayCount {
    /// The day, `YYYY-MM-DD` (UTC).
    pub day: String,
    /// All uses that day.
    pub uses: u64,
    /// Distinct people that day.
    pub users: u64,
}

/// How many people have a version installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct VersionCount {
    /// The version as they reported it.
    pub version: String,
    /// How many people.
    pub users: u64,
    /// Whether it is older than the current version.
    pub behind: bool,
}

/// Every skill of `skills` with its figures, most used first (then by name).
pub fn per_skill<'a>(usage: &Usage, skills: impl IntoIterator<Item = &'a Skill>) -> Vec<SkillStats> {
    let uses: BTreeMap<&str, &super::SkillUse> = usage.skills.iter().map(|u| (u.skill.as_str(), u)).collect();
    let mut daily: BTreeMap<&str, Vec<&DailyUse>> = BTreeMap::new();
    for day in &usage.daily {
        daily.entry(day.skill.as_str()).or_default().push(day);
    }
    // Who reported which version of each skill: one pass over the reports, not one per skill.
    let mut reports: BTreeMap<&str, Vec<&super::Installed>> = BTreeMap::new();
    for installed in &usage.installed {
        reports.entry(installed.skill.as_str()).or_default().push(installed);
    }
    // A period has few days and many rows per day: each day is written out once.
    let mut dates: BTreeMap<u32, String> = BTreeMap::new();
    let reporter = |index: &u32| usage.reporters.get(*index as usize).cloned().unwrap_or_default();
    let mut stats: Vec<SkillStats> = skills
        .into_iter()
        .map(|skill| {
            let used = uses.get(skill.name.as_str());
            let current = skill.version.as_deref().and_then(version::parse_lenient);
            // Each version is compared once, not once per person.
            let mut behind_users = Vec::new();
            let mut installed: Vec<VersionCount> = reports
                .get(skill.name.as_str())
                .into_iter()
                .flatten()
                .map(|reported| {
                    let behind = is_behind(&reported.version, current.as_ref());
                    if behind {
                        behind_users.extend(reported.users.iter().map(reporter));
                    }
                    VersionCount { version: reported.version.clone(), users: reported.users.len() as u64, behind }
                })
                .collect();
            behind_users.sort_unstable();
            installed.sort_unstable_by(|a, b| b.users.cmp(&a.users).then_with(|| a.version.cmp(&b.version)));
            SkillStats {
                name: skill.name.clone(),
                group: skill.group.clone(),
                version: skill.version.clone(),
                fetches: used.map_or(0, |u| u.fetches),
                downloads: used.map_or(0, |u| u.downloads),
                reads: used.map_or(0, |u| u.reads),
                users: used.map_or(0, |u| u.users),
                daily: daily
                    .get(skill.name.as_str())
                    .into_iter()
                    .flatten()
                    .map(|d| DayCount {
                        day: dates.entry(d.day).or_insert_with(|| date(d.day)).clone(),
                        uses: d.uses,
                        users: d.users,
                    })
                    .collect(),
                behind: behind_users.len() as u64,
                behind_users,
                installed,
            }
        })
        .collect();
    stats.sort_unstable_by(|a, b| total(b).cmp(&total(a)).then_with(|| a.name.cmp(&b.name)));
    stats
}

/// All uses of a skill.
pub fn total(stats: &SkillStats) -> u64 {
    stats.fetches + stats.downloads + stats.reads
}

/// Whether `installed` is older than `current` (unreadable versions are not counted behind).
fn is_behind(installed: &str, current: Option<&semver::Version>) -> bool {
    match (version::parse_lenient(installed), current) {
        (Some(installed), Some(current)) => installed < *current,
        _ => false,
    }
}

/// `day` (days since the epoch) as `YYYY-MM-DD`.
pub fn date(day: u32) -> String {
    crate::github::app::format_utc(u64::from(day) * super::DAY_MS).map(|t| t[..10].to_string()).unwrap_or_default()
}
