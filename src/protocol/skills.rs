//! The Skills extension's own messages (SEP-2640, `io.modelcontextprotocol/skills`):
//! `skills/list` and `skills/get`.

use serde::Serialize;
use serde_json::value::RawValue;

/// One skill as `skills/list` and `skills/get` give it.
#[derive(Debug, Serialize)]
pub struct SkillEntry<'a> {
    /// The URI of its SKILL.md.
    pub uri: String,
    /// The SKILL.md frontmatter, every key as written.
    pub frontmatter: &'a RawValue,
    /// Every file of the skill.
    pub resources: Vec<ManifestFile>,
}

/// One file of a skill's manifest.
#[derive(Debug, Serialize)]
pub struct ManifestFile {
    /// Its URI.
    pub uri: String,
    /// `sha256:` and the hex digest of its bytes.
    pub digest: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The result of `skills/list`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResult<'a> {
    /// This page of skills, by name.
    pub skills: Vec<SkillEntry<'a>>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The result of `skills/get`.
#[derive(Debug, Serialize)]
pub struct GetResult<'a> {
    /// The skill.
    pub skill: SkillEntry<'a>,
}
