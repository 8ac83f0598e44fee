//! `delete_skill`: remove a skill's folder in one commit. Removing the last skill of a group
//! removes the group and its marketplace entry in the same commit (and needs an editor).

use super::writing;
use super::{Tool, ToolContext, ToolError};
use crate::catalog::manifest_schema::MARKETPLACE_PATH;
use crate::catalog::Catalog;
use crate::editing::{manifest_edits, ChangeSet, FileChange};
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use crate::zipball::Zipball;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The skill to delete.
    pub skill: String,
    /// Must be true: deleting is permanent on the branch (git history keeps the old versions).
    pub confirm: bool,
    /// The commit message (default: a generated one).
    pub message: Option<String>,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The deleted skill.
    pub skill: String,
    /// Its group.
    pub group: String,
    /// Whether the group went with it (it was the group's last skill).
    pub group_deleted: bool,
    /// The new commit (on the served branch, or on the proposal's branch).
    pub commit: String,
    /// Set when the group is under review: the pull request the change waits in. Nothing
    /// reached the served branch; a reviewer of the group merges it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<crate::editing::Proposal>,
    /// How many files were removed.
    pub files_removed: usize,
}

/// The tool, as the registry in `tools` lists it.
pub struct DeleteSkill;

impl Tool for DeleteSkill {
    const NAME: &'static str = "delete_skill";
    const TITLE: &'static str = "Delete a skill";
    const DESCRIPTION: &'static str = "Delete a skill (its whole folder) in one commit; pass confirm: true. Group writers delete skills of their group; deleting a group's last skill removes the group and its marketplace entry, which needs an editor. In a group under review (access.json `review`), a writer's change opens a pull request instead (`proposal`), for a reviewer to merge.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::WRITE.destructive();
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        if !input.confirm {
            return Err(ToolError::InvalidArguments("deleting needs confirm: true; ask the user first".into()));
        }
        let (served, access) = ctx.readable().await?;
        let Some((group, folder)) = served.catalog.skill_folder(&input.skill) else {
            return Err(ToolError::SkillNotFound(input.skill));
        };
        let mode = writing::check_writable(ctx, &access, &served.catalog, &input.skill, group)?;
        let folder = folder.to_string();
        let editor = access.is_editor(&ctx.caller.user);
        let zipball = ctx.zipball().await?;
        let (committed, planned) =
            writing::commit(ctx, Self::NAME, mode, zipball, Some(&folder), |zipball, catalog| {
                plan(&input, editor, zipball, catalog)
            })
            .await?;
        Ok(Output {
            skill: input.skill,
            group: planned.group,
            group_deleted: planned.group_deleted,
            commit: committed.commit,
            proposal: committed.proposal,
            files_removed: planned.files_removed,
        })
    }
}

struct Planned {
    group: String,
    group_deleted: bool,
    files_removed: usize,
}

/// The change on the repository as `zipball` has it: the skill's folder, its path in the
/// lists that name it, and — when it was the group's last skill — the group's entry, and the
/// group's folder if nothing but the group's manifest is left in it.
fn plan(
    input: &Input,
    editor: bool,
    zipball: &mut Zipball,
    catalog: &Catalog,
) -> Result<(ChangeSet, Planned), ToolError> {
    let (group, folder) =
        catalog.skill_folder(&input.skill).ok_or_else(|| ToolError::SkillNotFound(input.skill.clone()))?;
    let own_prefix = format!("{folder}/");
    let others = catalog.skills.iter().any(|s| s.group == group.name && s.folder != folder)
        || catalog
            .skipped
            .iter()
            .any(|s| s.group.as_deref() == Some(group.name.as_str()) && !s.path.starts_with(&own_prefix));
    let last = !others;
    // The group's own folder goes too when it is the group's alone and holds nothing else a
    // plugin could load (commands, agents, hooks…): files at its top and its manifest.
    let root_removable = last
        && !group.root.is_empty()
        && catalog.groups_at(&group.root).count() == 1
        && zipball.paths_with_prefix(&format!("{}/", group.root)).all(|path| {
            let inner = &path[group.root.len() + 1..];
            path.starts_with(&own_prefix) || !inner.contains('/') || inner.starts_with(".claude-plugin/")
        });
    let remove_entry = last
        && group.entry.is_some()
        && (root_removable
            || catalog.groups_at(&group.root).count() > 1
            || group.root.is_empty()
            || folder == group.root);
    let group_deleted = root_removable || remove_entry;
    if group_deleted && !editor {
        return Err(ToolError::Forbidden(format!(
            "{} is the last skill of group {}; deleting it removes the group, which needs an editor",
            input.skill, group.name
        )));
    }
    let prefix = if root_removable { format!("{}/", group.root) } else { own_prefix.clone() };
    let paths: Vec<String> = zipball.paths_with_prefix(&prefix).map(str::to_string).collect();
    let files_removed = paths.iter().filter(|p| p.starts_with(&own_prefix)).count();
    let mut changes: Vec<FileChange> = paths.into_iter().map(|path| FileChange { path, content: None }).collect();

    if let Some(entry) = &group.entry {
        let mut marketplace = manifest_edits::parse_object(MARKETPLACE_PATH, &zipball.read(MARKETPLACE_PATH)?)?;
        let changed = if remove_entry {
            manifest_edits::unpublish(&mut marketplace, entry.index, &group.name)?;
            true
        } else {
            manifest_edits::remove_skill_path(
                manifest_edits::entry_mut(&mut marketplace, entry.index, &group.name)?,
                &group.root,
                folder,
            )
        };
        if changed {
            changes.push(FileChange {
                path: MARKETPLACE_PATH.into(),
                content: Some((manifest_edits::to_bytes(&marketplace), false)),
            });
        }
    }
    let manifest_path = group.manifest_path();
    if group.manifest.as_ref().is_some_and(|(_, m)| !m.skills.is_empty()) && !root_removable && folder != group.root {
        let mut plugin = manifest_edits::parse_object(&manifest_path, &zipball.read(&manifest_path)?)?;
        if manifest_edits::remove_skill_path(&mut plugin, &group.root, folder) {
            changes.push(FileChange { path: manifest_path, content: Some((manifest_edits::to_bytes(&plugin), false)) });
        }
    }
    let message = input.message.clone().filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
        if group_deleted {
            format!("Delete skill {} and its group {}", input.skill, group.name)
        } else {
            format!("Delete skill {}", input.skill)
        }
    });
    Ok((ChangeSet { changes, message }, Planned { group: group.name.clone(), group_deleted, files_removed }))
}
