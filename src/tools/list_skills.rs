//! `list_skills`: browse and search the skills of the marketplace.

use super::{Tool, ToolContext, ToolError};
use crate::catalog::{Skill, SkillFiles};
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Skills per page unless the caller asks otherwise; keeps a result far below the ~150,000
/// characters a client accepts.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest page.
pub const MAX_LIMIT: usize = 500;
/// The longest `query`: every word is matched against every skill, so a query of thousands of
/// words would cost CPU per skill per word.
pub const MAX_QUERY: usize = 512;

/// The arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Words to look for in skill names, descriptions and tags (case-insensitive; every word must
    /// match; at most 512 characters).
    #[schemars(length(max = 512))]
    pub query: Option<String>,
    /// Only skills of this group (plugin).
    pub group: Option<String>,
    /// Skills per page, 1 to 500 (default 100).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One skill as listed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListedSkill {
    /// The skill's name (pass it to fetch_skill).
    pub name: String,
    /// The group (plugin) that holds it.
    pub group: String,
    /// What it does and when to use it.
    pub description: String,
    /// Its version (the group's), if the group declares one.
    pub version: Option<String>,
    /// Whether its group is published in the marketplace (unpublished skills are listed only to
    /// editors and the group's writers).
    pub published: bool,
    /// Whether you may edit it (save_skill, delete_skill, bump_version).
    pub editable: bool,
    /// Set when your edits to it are proposals: its group is under review, and your changes open
    /// pull requests for a reviewer to merge.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub proposes: bool,
    /// Search tags.
    pub tags: Vec<String>,
    /// The marketplace category.
    pub category: Option<String>,
    /// For those who may edit it: the Agent Skills rules it breaks that Claude Code tolerates
    /// but Claude.ai's upload may refuse (a name that differs from its folder, `<` or `>` in the
    /// description…), so they can fix them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// This page of skills, sorted by name.
    pub skills: Vec<ListedSkill>,
    /// Skills on this page.
    pub count: usize,
    /// Skills matching the query across all pages.
    pub total: usize,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Set when GitHub could not be reached and the last known catalog is shown: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
    /// For editors only: what the repository holds that is not served, and why (a broken
    /// SKILL.md, a duplicate name, a malformed plugin.json…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Vec<SkippedEntry>>,
}

/// Something not served, and why.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkippedEntry {
    /// The file or folder.
    pub path: String,
    /// Why, and what to fix.
    pub reason: String,
}

/// The tool, as the registry in `tools` lists it.
pub struct ListSkills;

impl Tool for ListSkills {
    const NAME: &'static str = "list_skills";
    const TITLE: &'static str = "List skills";
    const DESCRIPTION: &'static str = "List the organization's Claude Skills available to you, with name, group, description and version. Use `query` to search names, descriptions and tags; page with `cursor`.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::READ_ONLY;
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        let limit = input.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ToolError::InvalidArguments(format!("`limit` must be between 1 and {MAX_LIMIT}")));
        }
        if input.query.as_ref().is_some_and(|q| q.chars().count() > MAX_QUERY) {
            return Err(ToolError::InvalidArguments(format!(
                "`query` is at most {MAX_QUERY} characters; search with a few words"
            )));
        }
        let offset = match &input.cursor {
            None => 0,
            Some(cursor) => decode_cursor(cursor)?,
        };
        let (served, access) = ctx.readable().await?;
        let words: Vec<String> =
            input.query.as_deref().unwrap_or_default().split_whitespace().map(str::to_lowercase).collect();
        let matching: Vec<&Skill> = served
            .catalog
            .skills
            .iter()
            .filter(|s| ctx.can_read(&access, s))
            .filter(|s| input.group.as_ref().is_none_or(|g| *g == s.group))
            .filter(|s| words.iter().all(|w| matches(s, w)))
            .collect();
        let page: Vec<ListedSkill> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|s| {
                let proposes = access.must_propose(&ctx.caller.user, &s.group);
                listed(s, proposes || access.can_write(&ctx.caller.user, &s.group), proposes)
            })
            .collect();
        let next = offset + page.len();
        let output = Output {
            count: page.len(),
            total: matching.len(),
            next_cursor: (next < matching.len()).then(|| crate::cursor::encode(next)),
            skills: page,
            stale: served.stale.clone(),
            skipped: access.is_editor(&ctx.caller.user).then(|| {
                served
                    .catalog
                    .skipped
                    .iter()
                    .map(|s| SkippedEntry { path: s.path.clone(), reason: s.reason.clone() })
                    .collect()
            }),
        };
        Ok(output)
    }
}

fn matches(skill: &Skill, word: &str) -> bool {
    skill.name.to_lowercase().contains(word)
        || skill.description.to_lowercase().contains(word)
        || skill.tags.iter().any(|t| t.to_lowercase().contains(word))
}

fn listed(skill: &Skill, editable: bool, proposes: bool) -> ListedSkill {
    ListedSkill {
        name: skill.name.clone(),
        group: skill.group.clone(),
        description: skill.description.clone(),
        version: skill.version.clone(),
        published: skill.published,
        editable,
        proposes,
        tags: skill.tags.clone(),
        category: skill.category.clone(),
        warnings: editable.then(|| warnings_of(skill)).filter(|w| !w.is_empty()),
    }
}

/// What an editor should know about `skill`: its SKILL.md's portability problems, and why the
/// Skills extension does not offer it when it does not.
fn warnings_of(skill: &Skill) -> Vec<String> {
    let mut warnings = skill.warnings.clone();
    if let SkillFiles::Unoffered(reason) = &skill.files {
        warnings.push(format!("it is not offered through the Skills extension ({reason}); the tools still serve it"));
    }
    warnings
}

fn decode_cursor(cursor: &str) -> Result<usize, ToolError> {
    crate::cursor::decode(cursor).ok_or_else(|| {
        ToolError::InvalidArguments(
            "`cursor` is not one this server issued; call list_skills without a cursor to start over".into(),
        )
    })
}
