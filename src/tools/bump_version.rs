//! `bump_version`: a semver bump of a group's plugin.json and its marketplace entry, in one
//! commit, so the two never disagree.

use super::writing;
use super::{Tool, ToolContext, ToolError};
use crate::catalog::manifest_schema::MARKETPLACE_PATH;
use crate::catalog::Group;
use crate::editing::manifest_edits::{self, Bump};
use crate::editing::{ChangeSet, FileChange};
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use crate::zipball::Zipball;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// The new commit (on the served branch, or on the proposal's branch).
    pub commit: String,
    /// Set when the group is under review: the pull request the change waits in. Nothing
    /// reached the served branch; a reviewer of the group merges it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<crate::editing::Proposal>,
}

/// The tool, as the registry in `tools` lists it.
pub struct BumpVersion;

impl Tool for BumpVersion {
    const NAME: &'static str = "bump_version";
    const TITLE: &'static str = "Bump a group's version";
    const DESCRIPTION: &'static str = "Group writers: bump the semantic version (major, minor or patch) of the group holding a skill, in its plugin.json and its marketplace entry, in one commit. Installed copies then show an update in check_updates. In a group under review (access.json `review`), a writer's change opens a pull request instead (`proposal`), for a reviewer to merge.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::WRITE;
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        let (served, access) = ctx.readable().await?;
        let catalog = &served.catalog;
        let (group, _) =
            catalog.skill_folder(&input.skill).ok_or_else(|| ToolError::SkillNotFound(input.skill.clone()))?;
        let mode = writing::check_writable(ctx, &access, catalog, &input.skill, group)?;
        // A plugin.json shared by several entries versions all of them: the writer must be one of
        // each.
        if group.manifest.is_some() {
            for other in catalog.groups_at(&group.root).filter(|g| g.name != group.name) {
                if !access.can_write(&ctx.caller.user, &other.name) {
                    return Err(ToolError::Forbidden(format!(
                        "{} is shared by groups {} and {}, so bumping it changes both; {} may not edit {}",
                        group.manifest_path(),
                        group.name,
                        other.name,
                        ctx.caller.user.email,
                        other.name
                    )));
                }
            }
        }
        let name = group.name.clone();
        let zipball = ctx.zipball().await?;
        let (committed, planned) = writing::commit(ctx, Self::NAME, mode, zipball, None, |zipball, catalog| {
            let group = catalog.group(&name).ok_or_else(|| ToolError::SkillNotFound(input.skill.clone()))?;
            plan(group, input.kind, zipball)
        })
        .await?;
        let Planned { from, to, marketplace_updated } = planned;
        Ok(Output {
            group: name,
            from,
            to,
            marketplace_updated,
            commit: committed.commit,
            proposal: committed.proposal,
        })
    }
}

struct Planned {
    from: String,
    to: String,
    marketplace_updated: bool,
}

/// The version is plugin.json's, else the entry's; both files are written when both carry one
/// (or plugin.json exists and the entry carries none), so they never disagree.
fn plan(group: &Group, kind: Bump, zipball: &mut Zipball) -> Result<(ChangeSet, Planned), ToolError> {
    let manifest_path = group.manifest_path();
    let manifest_version = group.manifest.as_ref().and_then(|(_, m)| m.version.clone());
    let entry = group.entry.as_ref();
    let (from, source) = match (&manifest_version, &group.version) {
        (Some(version), _) => (version.clone(), manifest_path.clone()),
        (None, Some(version)) => (version.clone(), MARKETPLACE_PATH.to_string()),
        (None, None) => {
            return Err(ToolError::InvalidArguments(format!(
                "group {} has no version; set one (such as 1.0.0) in {manifest_path} first",
                group.name
            )))
        }
    };
    let to = manifest_edits::bump(&from, kind, &source)?;
    let mut changes = Vec::new();
    if group.manifest.is_some() && (manifest_version.is_some() || !entry.is_some_and(|e| e.has_version)) {
        let mut plugin = manifest_edits::parse_object(&manifest_path, &zipball.read(&manifest_path)?)?;
        plugin.insert("version".into(), Value::String(to.clone()));
        changes.push(FileChange { path: manifest_path, content: Some((manifest_edits::to_bytes(&plugin), false)) });
    }
    let marketplace_updated = match entry.filter(|e| e.has_version) {
        Some(entry) => {
            let mut marketplace = manifest_edits::parse_object(MARKETPLACE_PATH, &zipball.read(MARKETPLACE_PATH)?)?;
            manifest_edits::entry_mut(&mut marketplace, entry.index, &group.name)?
                .insert("version".into(), Value::String(to.clone()));
            changes.push(FileChange {
                path: MARKETPLACE_PATH.into(),
                content: Some((manifest_edits::to_bytes(&marketplace), false)),
            });
            true
        }
        None => false,
    };
    let message = format!("Bump {} from {from} to {to}", group.name);
    Ok((ChangeSet { changes, message }, Planned { from, to, marketplace_updated }))
}
