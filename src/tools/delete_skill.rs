//! `delete_skill`: remove a skill's folder in one commit. Removing the last skill of a group
//! removes the group and its marketplace entry in the same commit (and needs an editor).

use super::{
    input_schema, output_schema, parse_arguments, to_output, Annotations, ToolContext, ToolDefinition, ToolError,
};
use crate::catalog::manifests::MARKETPLACE_PATH;
use crate::catalog::PLUGINS_DIR;
use crate::editing::{self, manifests, ChangeSet, FileChange};
use crate::ports::Platform;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// The new commit.
    pub commit: String,
    /// How many files were removed.
    pub files_removed: usize,
}

/// The declaration.
pub fn definition() -> ToolDefinition {
    ToolDefinition {
        name: "delete_skill",
        title: "Delete a skill",
        description: "Delete a skill (its whole folder) in one commit; pass confirm: true. Group writers delete skills of their group; deleting a group's last skill removes the group and its marketplace entry, which needs an editor.",
        input_schema: input_schema::<Input>(),
        output_schema: output_schema::<Output>(),
        annotations: Annotations { read_only_hint: false, destructive_hint: true, idempotent_hint: false, open_world_hint: false },
    }
}

/// Runs the tool.
pub async fn call<P: Platform>(ctx: &ToolContext<'_, P>, arguments: Map<String, Value>) -> Result<Value, ToolError> {
    let input: Input = parse_arguments(arguments)?;
    if !input.confirm {
        return Err(ToolError::InvalidArguments("deleting needs confirm: true; ask the user first".into()));
    }
    let (served, access) = ctx.readable().await?;
    let user = &ctx.principal.user;
    let snapshot = ctx.snapshot().await?;
    let Some((group, folder)) = editing::skill_folder(&snapshot, &served.catalog, &input.skill) else {
        return Err(ToolError::SkillNotFound(input.skill));
    };
    editing::check_writable(ctx, &access, &served.catalog, &input.skill, &group)?;
    let editor = access.is_editor(user);
    let mut outcome = None;
    let committed = editing::commit(ctx, snapshot, Some(&folder), |snapshot, _catalog| {
        let group_folder = format!("{PLUGINS_DIR}/{group}");
        let skills_prefix = format!("{group_folder}/skills/");
        let own_prefix = format!("{folder}/");
        let others =
            snapshot.paths_with_prefix(&skills_prefix).any(|p| !p.starts_with(&own_prefix) && p.ends_with("/SKILL.md"));
        let remove_group = !others;
        if remove_group && !editor {
            return Err(ToolError::Forbidden(format!(
                "{} is the last skill of group {group}; deleting it removes the group, which needs an editor",
                input.skill
            )));
        }
        let prefix = if remove_group { format!("{group_folder}/") } else { own_prefix.clone() };
        let paths: Vec<String> = snapshot.paths_with_prefix(&prefix).map(str::to_string).collect();
        let files_removed = paths.iter().filter(|p| p.starts_with(&own_prefix)).count();
        let mut changes: Vec<FileChange> = paths.into_iter().map(|path| FileChange { path, content: None }).collect();
        if remove_group && snapshot.contains(MARKETPLACE_PATH) {
            let bytes = snapshot.read(MARKETPLACE_PATH).map_err(|e| ToolError::Internal(e.to_string()))?;
            let mut marketplace = manifests::parse_object(MARKETPLACE_PATH, &bytes)?;
            if manifests::unpublish(&mut marketplace, &group, &group_folder) {
                changes.push(FileChange {
                    path: MARKETPLACE_PATH.into(),
                    content: Some((manifests::to_bytes(&marketplace), false)),
                });
            }
        }
        outcome = Some((remove_group, files_removed));
        let message = input.message.clone().filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
            if remove_group {
                format!("Delete skill {} and its group {group}", input.skill)
            } else {
                format!("Delete skill {}", input.skill)
            }
        });
        Ok(ChangeSet { changes, message })
    })
    .await?;
    let (group_deleted, files_removed) = outcome.unwrap_or_default();
    to_output(&Output { skill: input.skill, group, group_deleted, commit: committed.commit, files_removed })
}
