//! `bump_version`: a semver bump of a group's plugin.json and its marketplace entry, in one
//! commit, so the two never disagree.

use super::{
    input_schema, output_schema, parse_arguments, to_output, Annotations, ToolContext, ToolDefinition, ToolError,
};
use crate::catalog::manifests::{MARKETPLACE_PATH, PLUGIN_MANIFEST};
use crate::catalog::PLUGINS_DIR;
use crate::editing::manifests::{self, Bump};
use crate::editing::{self, ChangeSet, FileChange};
use crate::ports::Platform;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// A skill of the group whose version to bump (every skill of a group shares its version).
    pub skill: String,
    /// `major`, `minor` or `patch`.
    #[serde(rename = "type")]
    pub kind: Bump,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The group.
    pub group: String,
    /// The version before.
    pub from: String,
    /// The version now.
    pub to: String,
    /// Whether the marketplace entry was updated too (false when the group is unpublished).
    pub marketplace_updated: bool,
    /// The new commit.
    pub commit: String,
}

/// The declaration.
pub fn definition() -> ToolDefinition {
    ToolDefinition {
        name: "bump_version",
        title: "Bump a group's version",
        description: "Group writers: bump the semantic version (major, minor or patch) of the group holding a skill, in its plugin.json and its marketplace entry, in one commit. Installed copies then show an update in check_updates.",
        input_schema: input_schema::<Input>(),
        output_schema: output_schema::<Output>(),
        annotations: Annotations { read_only_hint: false, destructive_hint: false, idempotent_hint: false, open_world_hint: false },
    }
}

/// Runs the tool.
pub async fn call<P: Platform>(ctx: &ToolContext<'_, P>, arguments: Map<String, Value>) -> Result<Value, ToolError> {
    let input: Input = parse_arguments(arguments)?;
    let (served, access) = ctx.readable().await?;
    let snapshot = ctx.snapshot().await?;
    let (group, _) = editing::skill_folder(&snapshot, &served.catalog, &input.skill)
        .ok_or_else(|| ToolError::SkillNotFound(input.skill.clone()))?;
    editing::check_writable(ctx, &access, &served.catalog, &input.skill, &group)?;
    let mut outcome = None;
    let committed = editing::commit(ctx, snapshot, None, |snapshot, _catalog| {
        let group_folder = format!("{PLUGINS_DIR}/{group}");
        let manifest_path = format!("{group_folder}/{PLUGIN_MANIFEST}");
        let bytes = snapshot.read(&manifest_path).map_err(|_| {
            ToolError::InvalidArguments(format!(
                "group {group} has no {manifest_path}; create it (with a version) first"
            ))
        })?;
        let mut plugin = manifests::parse_object(&manifest_path, &bytes)?;
        let from = plugin.get("version").and_then(Value::as_str).map(str::to_string).ok_or_else(|| {
            ToolError::InvalidArguments(format!("{manifest_path} has no version; set one (such as 1.0.0) first"))
        })?;
        let to = manifests::bump(&from, input.kind)?;
        plugin.insert("version".into(), Value::String(to.clone()));
        let mut changes =
            vec![FileChange { path: manifest_path, content: Some((manifests::to_bytes(&plugin), false)) }];
        let mut marketplace_updated = false;
        if let Ok(bytes) = snapshot.read(MARKETPLACE_PATH) {
            let mut marketplace = manifests::parse_object(MARKETPLACE_PATH, &bytes)?;
            if manifests::set_entry_version(&mut marketplace, &group, &group_folder, &to) {
                marketplace_updated = true;
                changes.push(FileChange {
                    path: MARKETPLACE_PATH.into(),
                    content: Some((manifests::to_bytes(&marketplace), false)),
                });
            }
        }
        outcome = Some((from.clone(), to.clone(), marketplace_updated));
        Ok(ChangeSet { changes, message: format!("Bump {group} from {from} to {to}") })
    })
    .await?;
    let (from, to, marketplace_updated) =
        outcome.ok_or_else(|| ToolError::Internal("the edit was not planned".into()))?;
    to_output(&Output { group, from, to, marketplace_updated, commit: committed.commit })
}
