//! `save_skill`: create or update a skill's files in one commit.
//!
//! Group writers edit the skills of their group; creating a skill or a group needs an editor.
//! Changing an existing skill needs the `version_id` the caller read (`base_version`), so an
//! edit made on stale content is a conflict instead of silently overwriting someone's change.
//! SKILL.md is validated against the Agent Skills rules, and every path and limit is checked,
//! before anything is written.

use super::writing;
use super::{Tool, ToolContext, ToolError};
use crate::catalog::manifest_schema::{MARKETPLACE_PATH, PLUGIN_MANIFEST};
use crate::catalog::slices::{self, SKILL_FILE};
use crate::catalog::{layout, skill_md, Catalog, PLUGINS_DIR};
use crate::editing::paths::check_relative_path;
use crate::editing::{self, manifest_edits, ChangeSet, FileChange};
use crate::git_tree::{self, FileMode};
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use crate::zipball::Zipball;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The largest file accepted (after base64 decoding).
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// The largest total of one save.
pub const MAX_TOTAL_BYTES: usize = 3 << 20;
/// The most files one save writes or deletes.
pub const MAX_FILES: usize = 100;
/// The largest a skill's folder may grow to by a save: the Skills extension's limit per skill,
/// so whatever the connector writes it can also serve.
pub const MAX_FOLDER_BYTES: u64 = crate::catalog::skill_files::MAX_SKILL_BYTES;

/// How a file's `content` is encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Text, as is (the default).
    #[default]
    Utf8,
    /// Bytes, base64-encoded (for binary files).
    Base64,
}

/// One file to write.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    /// The path relative to the skill folder, e.g. `SKILL.md` or `scripts/check.py`.
    pub path: String,
    /// The file's content.
    pub content: String,
    /// `utf8` (default) or `base64` for binary files.
    pub encoding: Option<Encoding>,
    /// Whether the file is executable (mode 755). Default: as it was, or not for a new file.
    pub executable: Option<bool>,
}

/// The arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The skill's name (its folder's name, lowercase letters, digits and hyphens).
    pub skill: String,
    /// The group (plugin) for a new skill; for an existing skill it may be omitted.
    pub group: Option<String>,
    /// Files to create or replace.
    pub files: Vec<FileInput>,
    /// Paths (relative to the skill folder) to delete.
    pub delete: Option<Vec<String>>,
    /// The commit message (default: a generated one).
    pub message: Option<String>,
    /// Required when changing an existing skill: the `version_id` fetch_skill returned.
    pub base_version: Option<String>,
    /// Required when the group is new: its description for plugin.json.
    pub group_description: Option<String>,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The skill.
    pub skill: String,
    /// Its group.
    pub group: String,
    /// Whether the skill was created.
    pub created: bool,
    /// Whether its group was created too.
    pub group_created: bool,
    /// The new commit (on the served branch, or on the proposal's branch).
    pub commit: String,
    /// Set when the group is under review: the pull request the change waits in. Nothing
    /// reached the served branch; a reviewer of the group merges it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<crate::editing::Proposal>,
    /// The skill's new `version_id` (pass it as `base_version` to edit again).
    pub version_id: String,
    /// Paths written, relative to the skill folder.
    pub written: Vec<String>,
    /// Paths deleted, relative to the skill folder.
    pub deleted: Vec<String>,
}

/// The tool, as the registry in `tools` lists it.
pub struct SaveSkill;

impl Tool for SaveSkill {
    const NAME: &'static str = "save_skill";
    const TITLE: &'static str = "Save a skill";
    const DESCRIPTION: &'static str = "Create or update a skill's files in one commit. To change an existing skill, pass base_version (the version_id from fetch_skill). Group writers edit their group's skills; creating a skill or group needs an editor (a new group needs group_description). Binary files use encoding base64. In a group under review (access.json `review`), a writer's change opens a pull request instead (`proposal`), for a reviewer to merge.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::WRITE.destructive();
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        skill_md::validate_name(&input.skill).map_err(|e| ToolError::InvalidArguments(format!("skill: {e}")))?;
        let prepared = prepare(&input)?;
        let (served, access) = ctx.readable().await?;
        let user = &ctx.caller.user;

        // Decide on the served catalog, so that a stale base_version is a conflict before any write.
        let mut zipball = ctx.zipball().await?;
        let existing =
            served.catalog.skill_folder(&input.skill).map(|(group, folder)| (group.clone(), folder.to_string()));
        let guard = existing.as_ref().map(|(_, folder)| folder.clone());
        // A new skill is an editor's, who writes directly.
        let mut mode = writing::WriteMode::Direct;
        if let Some((group, folder)) = &existing {
            if input.group.as_ref().is_some_and(|g| *g != group.name) {
                return Err(ToolError::InvalidArguments(format!(
                    "skill {} is in group {}; moving a skill between groups is not supported",
                    input.skill, group.name
                )));
            }
            mode = writing::check_writable(ctx, &access, &served.catalog, &input.skill, group)?;
            let current = editing::tree_id_of(&editing::folder_blobs(&mut zipball, folder)?);
            match &input.base_version {
                None => {
                    return Err(ToolError::InvalidArguments(format!(
                        "skill {} exists; pass base_version (the version_id fetch_skill returned, currently {current}) so a concurrent change is never overwritten",
                        input.skill
                    )))
                }
                Some(base) if *base != current => {
                    return Err(ToolError::Conflict(format!(
                        "skill {} changed since version {base} (it is now {current}); nothing was written. Fetch it again and redo the change",
                        input.skill
                    )))
                }
                Some(_) => {}
            }
        } else if !access.is_editor(user) {
            return Err(ToolError::Forbidden(format!(
                "creating a skill needs an editor; {} is not one (whoami shows your access)",
                user.email
            )));
        }

        let (committed, planned) =
            writing::commit(ctx, Self::NAME, mode, zipball, guard.as_deref(), |zipball, catalog| {
                plan(&input, &prepared, zipball, catalog)
            })
            .await?;
        Ok(Output {
            skill: input.skill,
            group: planned.group,
            created: planned.created,
            group_created: planned.group_created,
            commit: committed.commit,
            proposal: committed.proposal,
            version_id: planned.version_id,
            written: prepared.files.iter().map(|(p, _, _)| p.clone()).collect(),
            deleted: prepared.delete,
        })
    }
}

/// The decoded files of an input, checked once before any planning.
struct Prepared {
    files: Vec<(String, Vec<u8>, Option<bool>)>,
    delete: Vec<String>,
}

fn prepare(input: &Input) -> Result<Prepared, ToolError> {
    let delete = input.delete.clone().unwrap_or_default();
    if input.files.is_empty() && delete.is_empty() {
        return Err(ToolError::InvalidArguments("give at least one file to write or delete".into()));
    }
    if input.files.len() + delete.len() > MAX_FILES {
        return Err(ToolError::InvalidArguments(format!("a save may write and delete at most {MAX_FILES} files")));
    }
    let mut files = Vec::new();
    let mut total = 0;
    let mut seen = std::collections::BTreeSet::new();
    for file in &input.files {
        let path = check_relative_path(&file.path).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        if !seen.insert(path.to_string()) {
            return Err(ToolError::InvalidArguments(format!("path `{path}` is given twice")));
        }
        let bytes = match file.encoding.unwrap_or_default() {
            Encoding::Utf8 => file.content.clone().into_bytes(),
            Encoding::Base64 => STANDARD
                .decode(file.content.trim())
                .map_err(|e| ToolError::InvalidArguments(format!("`{path}` is not valid base64 ({e})")))?,
        };
        if bytes.len() > MAX_FILE_BYTES {
            return Err(ToolError::InvalidArguments(format!(
                "`{path}` is {} bytes; a file may be at most {MAX_FILE_BYTES} bytes",
                bytes.len()
            )));
        }
        total += bytes.len();
        files.push((path.to_string(), bytes, file.executable));
    }
    if total > MAX_TOTAL_BYTES {
        return Err(ToolError::InvalidArguments(format!(
            "the files total {total} bytes; a save may write at most {MAX_TOTAL_BYTES}"
        )));
    }
    for path in &delete {
        check_relative_path(path).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        if seen.contains(path) {
            return Err(ToolError::InvalidArguments(format!("`{path}` is both written and deleted")));
        }
    }
    Ok(Prepared { files, delete })
}

struct Planned {
    group: String,
    created: bool,
    group_created: bool,
    version_id: String,
}

/// Where a skill is written.
struct Target {
    group: String,
    folder: String,
    created: bool,
    group_created: bool,
}

/// Where the skill is, or goes: its own folder if it exists; a new skill in an existing group
/// goes into the group's `skills/` folder (and, for a `strict: false` entry that lists its
/// skills, into that list too); a new group is made in `plugins/<group>`.
fn target(
    input: &Input,
    zipball: &mut Zipball,
    catalog: &Catalog,
    changes: &mut Vec<FileChange>,
) -> Result<Target, ToolError> {
    if let Some((group, folder)) = catalog.skill_folder(&input.skill) {
        return Ok(Target {
            group: group.name.clone(),
            folder: folder.to_string(),
            created: false,
            group_created: false,
        });
    }
    let name = input.group.clone().ok_or_else(|| {
        ToolError::InvalidArguments(format!("skill {} is new: say which group it goes in (`group`)", input.skill))
    })?;
    let Some(group) = catalog.group(&name) else {
        skill_md::validate_name(&name).map_err(|e| ToolError::InvalidArguments(format!("group: {e}")))?;
        let root = layout::join(PLUGINS_DIR, &name);
        if layout::has_files_under(zipball, &root) {
            return Err(ToolError::InvalidArguments(format!(
                "{root} already exists but is not a group called {name}; choose another group name"
            )));
        }
        let description =
            input.group_description.as_deref().map(str::trim).filter(|d| !d.is_empty()).ok_or_else(|| {
                ToolError::InvalidArguments(format!("group {name} is new: give it a `group_description`"))
            })?;
        let mut manifest = Map::new();
        manifest.insert("name".into(), Value::String(name.clone()));
        manifest.insert("version".into(), Value::String("1.0.0".into()));
        manifest.insert("description".into(), Value::String(description.to_string()));
        changes.push(FileChange {
            path: layout::join(&root, PLUGIN_MANIFEST),
            content: Some((manifest_edits::to_bytes(&manifest), false)),
        });
        let folder = layout::join(&layout::join(&root, "skills"), &input.skill);
        return Ok(Target { group: name, folder, created: true, group_created: true });
    };
    if catalog.skills.iter().any(|s| s.group == group.name && s.folder == group.root) {
        return Err(ToolError::InvalidArguments(format!(
            "group {name} is a single-skill plugin (its folder {} is the skill itself); put the new skill in another group",
            group.root
        )));
    }
    let folder = layout::join(&group.skills_folder(), &input.skill);
    if let Some(other) =
        catalog.skills.iter().find(|s| s.folder == folder || folder.starts_with(&format!("{}/", s.folder)))
    {
        return Err(ToolError::InvalidArguments(format!(
            "{folder} is already the folder of skill {}; choose another skill name",
            other.name
        )));
    }
    if let Some(entry) = group.entry.as_ref().filter(|e| !e.strict && !e.skills.is_empty()) {
        // The entry lists its skills: list the new one too, or the folder would belong to the
        // first entry of a shared root rather than this group.
        let mut marketplace = manifest_edits::parse_object(MARKETPLACE_PATH, &zipball.read(MARKETPLACE_PATH)?)?;
        manifest_edits::add_skill_path(
            manifest_edits::entry_mut(&mut marketplace, entry.index, &group.name)?,
            &group.relative_path(&folder),
            &group.name,
        )?;
        changes.push(FileChange {
            path: MARKETPLACE_PATH.into(),
            content: Some((manifest_edits::to_bytes(&marketplace), false)),
        });
    }
    Ok(Target { group: group.name.clone(), folder, created: true, group_created: false })
}

/// The change on the repository as `zipball` has it.
fn plan(
    input: &Input,
    prepared: &Prepared,
    zipball: &mut Zipball,
    catalog: &Catalog,
) -> Result<(ChangeSet, Planned), ToolError> {
    let mut changes = Vec::new();
    let Target { group, folder, created, group_created } = target(input, zipball, catalog, &mut changes)?;

    // The folder as it will be: current files, minus deletions, with the new ones.
    let mut files: BTreeMap<String, (FileMode, [u8; 20])> = editing::folder_blobs(zipball, &folder)?;
    let mut sizes: BTreeMap<String, u64> =
        zipball.files_under(&folder).into_iter().map(|file| (file.path, file.size)).collect();
    for path in &prepared.delete {
        if files.remove(path).is_none() {
            return Err(ToolError::InvalidArguments(format!("cannot delete `{path}`: the skill has no such file")));
        }
        sizes.remove(path);
        changes.push(FileChange { path: format!("{folder}/{path}"), content: None });
    }
    let mut skill_md_bytes = None;
    for (path, bytes, executable) in &prepared.files {
        let was_executable = files.get(path).is_some_and(|(mode, _)| *mode == FileMode::Executable);
        let executable = executable.unwrap_or(was_executable);
        let mode = if executable { FileMode::Executable } else { FileMode::Regular };
        files.insert(path.clone(), (mode, git_tree::blob_id(bytes)));
        sizes.insert(path.clone(), bytes.len() as u64);
        if path == SKILL_FILE {
            skill_md_bytes = Some(bytes.clone());
        }
        changes.push(FileChange { path: format!("{folder}/{path}"), content: Some((bytes.clone(), executable)) });
    }
    if !files.contains_key(SKILL_FILE) {
        return Err(ToolError::InvalidArguments("a skill needs a SKILL.md; include one".into()));
    }
    let total: u64 = sizes.values().sum();
    if total > MAX_FOLDER_BYTES {
        return Err(ToolError::InvalidArguments(format!(
            "the skill would hold {total} bytes, more than the {} MiB a skill may hold; delete or shrink files (large data belongs outside the skills repository)",
            MAX_FOLDER_BYTES >> 20
        )));
    }
    if let Some(bytes) = skill_md_bytes {
        check_skill_md(&bytes, &input.skill, slices::folder_name(&folder))?;
    }
    let verb = if created { "Add" } else { "Update" };
    let message = input
        .message
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| format!("{verb} skill {}", input.skill));
    let version_id = editing::tree_id_of(&files);
    Ok((ChangeSet { changes, message }, Planned { group, created, group_created, version_id }))
}

/// A SKILL.md the connector writes must be one every client accepts: valid, named `skill`, and
/// breaking none of the Agent Skills rules that Claude Code merely tolerates.
fn check_skill_md(bytes: &[u8], skill: &str, folder_name: &str) -> Result<(), ToolError> {
    let invalid = |e: &dyn std::fmt::Display| ToolError::InvalidArguments(format!("SKILL.md is not valid: {e}"));
    let parsed = skill_md::parse(bytes, folder_name).map_err(|e| invalid(&e))?;
    if parsed.frontmatter.name != skill {
        return Err(ToolError::InvalidArguments(format!(
            "SKILL.md's name is `{}` but the skill is `{skill}`; they must be equal",
            parsed.frontmatter.name
        )));
    }
    match parsed.portability_error() {
        Some(problem) => Err(invalid(problem)),
        None => Ok(()),
    }
}
