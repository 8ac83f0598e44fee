//! `skill_stats`: for editors, how much each skill is used over a period, per day, which skills
//! nobody used, and how many people run an older version than the current one, and who.

use super::{Tool, ToolContext, ToolError};
use crate::catalog::Skill;
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use crate::usage::stats::{self, SkillStats};
use crate::usage::{self, ReadUsage, DAY_MS};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const DEFAULT_DAYS: u32 = 30;
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;
/// At most this many unused skills are named (all are counted).
const MAX_UNUSED_NAMED: usize = 200;

/// The arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// One skill's figures only.
    pub skill: Option<String>,
    /// One group's skills only.
    pub group: Option<String>,
    /// How many days back, today included (default 30, at most the retention, 90 days unless
    /// configured otherwise).
    pub days: Option<u32>,
    /// Skills per page, most used first (default 20, at most 100).
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The first day counted, `YYYY-MM-DD` (UTC).
    pub from: String,
    /// The last day counted (today).
    pub to: String,
    /// Totals over the skills asked about.
    pub totals: Totals,
    /// This page of skills, most used first.
    pub skills: Vec<SkillStats>,
    /// Skills nobody used in the period (at most 200 named, by name).
    pub unused: Vec<String>,
    /// How many skills nobody used.
    pub unused_count: usize,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Totals over the skills asked about.
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Totals {
    /// Skills counted.
    pub skills: usize,
    /// `fetch_skill` calls.
    pub fetches: u64,
    /// Package downloads.
    pub downloads: u64,
    /// Skills extension reads.
    pub reads: u64,
    /// People with an older version installed than the current one, summed over skills.
    pub behind: u64,
    /// People who used any skill over the period, whichever skills were asked about.
    pub active_people: u64,
}

/// The tool, as the registry in `tools` lists it.
pub struct SkillStatsTool;

impl Tool for SkillStatsTool {
    const NAME: &'static str = "skill_stats";
    const TITLE: &'static str = "Usage and version drift of skills";
    const DESCRIPTION: &'static str = "Editors only: how often each skill was fetched, downloaded and read over the last `days` (default 30), per day, which skills nobody used, and who still runs an older version than the current one (from their check_updates). Filter by `skill` or `group`; page with `cursor`.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::READ_ONLY;
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        let (served, access) = ctx.readable().await?;
        if !access.is_editor(&ctx.caller.user) {
            return Err(ToolError::Forbidden("only editors may see usage; whoami tells whether you are one".into()));
        }
        let retention = ctx.site.config.usage_retention_days;
        let days = input.days.unwrap_or(DEFAULT_DAYS.min(retention));
        if !(1..=retention).contains(&days) {
            return Err(ToolError::InvalidArguments(format!(
                "`days` must be between 1 and {retention} (usage is kept {retention} days)"
            )));
        }
        let limit = input.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ToolError::InvalidArguments(format!("`limit` must be between 1 and {MAX_LIMIT}")));
        }
        let offset = match &input.cursor {
            None => 0,
            Some(cursor) => crate::cursor::decode(cursor).ok_or_else(|| {
                ToolError::InvalidArguments(
                    "`cursor` is not one this server issued; call skill_stats without it".into(),
                )
            })?,
        };
        let chosen: Vec<&Skill> = served
            .catalog
            .skills
            .iter()
            .filter(|s| input.skill.as_ref().is_none_or(|name| *name == s.name))
            .filter(|s| input.group.as_ref().is_none_or(|group| *group == s.group))
            .collect();
        if let (Some(name), true) = (&input.skill, chosen.is_empty()) {
            return Err(ToolError::SkillNotFound(name.clone()));
        }
        let today = today(ctx.site.platform);
        let since = today + 1 - days;
        let usage = usage::call(ctx.site.platform, &usage::object_name(ctx.site.config), ReadUsage { since })
            .await
            .map_err(|e| ToolError::Internal(format!("usage is unavailable, try again: {e}")))?;
        let all = stats::per_skill(&usage, chosen);
        let unused: Vec<String> = {
            let mut names: Vec<String> = all.iter().filter(|s| stats::total(s) == 0).map(|s| s.name.clone()).collect();
            names.sort_unstable();
            names
        };
        let totals = Totals {
            skills: all.len(),
            fetches: all.iter().map(|s| s.fetches).sum(),
            downloads: all.iter().map(|s| s.downloads).sum(),
            reads: all.iter().map(|s| s.reads).sum(),
            behind: all.iter().map(|s| s.behind).sum(),
            active_people: usage.people,
        };
        let next = offset + limit;
        Ok(Output {
            from: stats::date(since),
            to: stats::date(today),
            next_cursor: (next < all.len()).then(|| crate::cursor::encode(next)),
            skills: all.into_iter().skip(offset).take(limit).collect(),
            unused_count: unused.len(),
            unused: unused.into_iter().take(MAX_UNUSED_NAMED).collect(),
            totals,
        })
    }
}

/// Today, in UTC days since the epoch.
pub fn today(platform: &impl crate::ports::Clock) -> u32 {
    u32::try_from(platform.now_ms() / DAY_MS).unwrap_or(u32::MAX)
}
