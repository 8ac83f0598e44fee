//! The catalog: every skill of the marketplace at one commit, with its group, version and
//! description, plus what was skipped and why.
//!
//! Built once per commit from a [`Zipball`] and immutable afterwards, so it can be cached under
//! the commit's sha forever. Which folders are skills follows Claude Code's plugin loading rules
//! ([`layout`]), so every layout Claude Code installs is served.

mod build;
pub mod layout;
pub mod manifest_schema;
pub mod skill_files;
pub mod skill_md;
pub mod slices;

pub use build::{AnswerMismatch, Build};

use crate::zipball::{ContentStamp, Zipball, ZipballError};
use manifest_schema::{JsonFileError, PluginManifest, MARKETPLACE_PATH, PLUGIN_MANIFEST};
use serde::{Deserialize, Serialize};
pub use skill_files::{FileList, SkillFile, SkillFiles};
pub use slices::Sha256Digest;
use slices::SKILL_FILE;

/// The folder under which unpublished groups are discovered, and new groups are created.
pub const PLUGINS_DIR: &str = "plugins";

/// Why no catalog could be built at all (as opposed to one skill being skipped).
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The repository has no marketplace.json.
    #[error("the repository has no {MARKETPLACE_PATH}, so it is not a Claude Code plugin marketplace; add one (see docs/SETUP.md)")]
    NoMarketplace,
    /// marketplace.json is malformed.
    #[error("the marketplace file is invalid: {0}; fix it and push again")]
    InvalidMarketplace(#[from] JsonFileError),
    /// The archive could not be read.
    #[error(transparent)]
    Zipball(#[from] ZipballError),
}

/// One skill the connector serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    /// Unique across the marketplace: its SKILL.md `name` (the folder's name when it has none).
    pub name: String,
    /// The group (plugin) that holds it.
    pub group: String,
    /// The skill's folder, e.g. `plugins/sales/skills/proposal-writer` or `skills/xlsx`; its last
    /// segment may differ from `name`.
    pub folder: String,
    /// From SKILL.md.
    pub description: String,
    /// The group's version (plugin.json, else the marketplace entry).
    pub version: Option<String>,
    /// Whether the group is listed in marketplace.json.
    pub published: bool,
    /// From the marketplace entry.
    pub category: Option<String>,
    /// Tags and keywords of the marketplace entry and plugin.json.
    pub tags: Vec<String>,
    /// Agent Skills rules it breaks that Claude Code tolerates (Claude.ai's upload may not).
    pub warnings: Vec<String>,
    /// The SKILL.md's content stamp, so the next commit's build can reuse this entry.
    pub stamp: Option<ContentStamp>,
    /// The SKILL.md frontmatter as written, as JSON text, as the Skills extension serves it; or
    /// why the extension cannot serve it.
    pub frontmatter: Result<String, String>,
    /// Every file of the skill with its digest, as the Skills extension lists them.
    pub files: SkillFiles,
}

/// Where a published group's entry is in marketplace.json, and what it carries that writes keep
/// true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRef {
    /// Its position in `plugins`.
    pub index: usize,
    /// `strict` as Claude Code reads it (default `true`).
    pub strict: bool,
    /// Its own `skills` paths, as written.
    pub skills: Vec<String>,
    /// Whether it has a `version` (kept equal to plugin.json's by `bump_version`).
    pub has_version: bool,
}

/// A group of skills (a Claude Code plugin): the one reference to it that every write tool
/// uses, so no tool rebuilds a path from a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The plugin's name: its marketplace entry's, else its plugin.json's, else its folder's.
    pub name: String,
    /// The plugin root, e.g. `plugins/sales`; `""` is the repository root.
    pub root: String,
    /// Whether it is listed in marketplace.json.
    pub published: bool,
    /// Its version.
    pub version: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its plugin.json as parsed, with the content stamp it was parsed from, so that the next
    /// commit's build reuses it when unchanged; `None` when the root has none.
    pub manifest: Option<(ContentStamp, PluginManifest)>,
    /// Its marketplace entry; `None` for an unpublished group.
    pub entry: Option<EntryRef>,
}

impl Group {
    /// Where its plugin.json is (or would be).
    pub fn manifest_path(&self) -> String {
        layout::join(&self.root, PLUGIN_MANIFEST)
    }

    /// The folder new skills of the group go in: `<root>/skills`, Claude Code's default.
    pub fn skills_folder(&self) -> String {
        layout::join(&self.root, "skills")
    }

    /// `path` (a folder of the repository) as the group's entry or plugin.json lists it:
    /// relative to the root, with `./`.
    pub fn relative_path(&self, path: &str) -> String {
        let relative =
            if self.root.is_empty() { path } else { path.strip_prefix(&format!("{}/", self.root)).unwrap_or(path) };
        format!("./{relative}")
    }
}

/// A marketplace entry served from somewhere else (another repository, a URL, a package).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct External {
    /// The entry's name.
    pub name: String,
    /// Its kind and where it points, e.g. `github: owner/repo`.
    pub source: String,
}

/// A skill (or a whole group) that could not be served, with the reason an editor needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file or folder concerned.
    pub path: String,
    /// What is wrong and how to fix it.
    pub reason: String,
    /// For a skill folder whose SKILL.md is unreadable: the group that holds it, so the write
    /// tools can repair or delete it.
    pub group: Option<String>,
}

/// The marketplace at one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// The commit it was built from.
    pub commit: String,
    /// marketplace.json's `name`.
    pub marketplace: String,
    /// marketplace.json's description, if any.
    pub description: Option<String>,
    /// Every servable skill, sorted by name.
    pub skills: Vec<Skill>,
    /// Every group, sorted by name.
    pub groups: Vec<Group>,
    /// Entries served from elsewhere, in marketplace order.
    pub external: Vec<External>,
    /// Everything that was left out, sorted by path.
    pub skipped: Vec<Skipped>,
    /// The text of `.skillport/access.json` at this commit (`None`: no such file), so access is
    /// always decided by the rules of the commit being served.
    pub access: Option<String>,
}

impl Catalog {
    /// Builds the catalog of `commit` from its files in this invocation, reusing what `previous`
    /// (the catalog of an earlier commit) parsed from files that have not changed since.
    pub fn build(commit: &str, zipball: &mut Zipball, previous: Option<&Catalog>) -> Result<Catalog, CatalogError> {
        Build::plan(zipball, previous)?.finish(commit, zipball)
    }

    /// The skill called `name`, if served.
    pub fn skill(&self, name: &str) -> Option<&Skill> {
        self.skills.binary_search_by(|s| s.name.as_str().cmp(name)).ok().map(|i| &self.skills[i])
    }

    /// The group called `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.binary_search_by(|g| g.name.as_str().cmp(name)).ok().map(|i| &self.groups[i])
    }

    /// The groups whose plugin root is `root`.
    pub fn groups_at<'c>(&'c self, root: &'c str) -> impl Iterator<Item = &'c Group> + 'c {
        self.groups.iter().filter(move |g| g.root == root)
    }

    /// The folder and group of skill `name`, served or not: a skill whose SKILL.md is broken is
    /// not in the catalog, but its folder exists and may be repaired or deleted.
    pub fn skill_folder(&self, name: &str) -> Option<(&Group, &str)> {
        if let Some(skill) = self.skill(name) {
            return Some((self.group(&skill.group)?, skill.folder.as_str()));
        }
        self.skipped.iter().find_map(|skipped| {
            let group = self.group(skipped.group.as_deref()?)?;
            let folder = skipped.path.strip_suffix(&format!("/{SKILL_FILE}"))?;
            (folder.rsplit('/').next() == Some(name)).then_some((group, folder))
        })
    }
}
