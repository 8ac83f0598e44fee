//! `publish_skill`: publish the group that holds a skill, adding or updating its entry in
//! `.claude-plugin/marketplace.json` with the version from its plugin.json. Every other entry and
//! unknown key keeps its meaning and order.

use super::writing;
use super::{Tool, ToolContext, ToolError};
use crate::catalog::manifest_schema::MARKETPLACE_PATH;
use crate::editing::manifest_edits::{self, EntryFields};
use crate::editing::{ChangeSet, FileChange};
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// A skill of the group to publish.
    pub skill: String,
    /// The group's description in the marketplace (default: as it is, or plugin.json's).
    pub description: Option<String>,
    /// The marketplace category.
    pub category: Option<String>,
    /// Search tags.
    pub tags: Option<Vec<String>>,
    /// Keywords.
    pub keywords: Option<Vec<String>>,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The published group.
    pub group: String,
    /// Its version, now in the marketplace.
    pub version: Option<String>,
    /// Whether the entry was added (rather than updated).
    pub added: bool,
    /// The new commit.
    pub commit: String,
}

/// The tool, as the registry in `tools` lists it.
pub struct PublishSkill;

impl Tool for PublishSkill {
    const NAME: &'static str = "publish_skill";
    const TITLE: &'static str = "Publish a skill's group";
    const DESCRIPTION: &'static str = "Editors only: publish the group that holds a skill, adding or updating its marketplace.json entry (version from plugin.json; description, category, tags, keywords as given), in one commit.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::WRITE.idempotent();
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        let (_, access) = ctx.readable().await?;
        if !access.is_editor(&ctx.caller.user) {
            return Err(ToolError::Forbidden("only editors may publish; ask one, or see whoami".into()));
        }
        let zipball = ctx.zipball().await?;
        let (committed, (group, version, added)) =
            writing::commit(ctx, Self::NAME, writing::WriteMode::Direct, zipball, None, |zipball, catalog| {
                let (group, _) =
                    catalog.skill_folder(&input.skill).ok_or_else(|| ToolError::SkillNotFound(input.skill.clone()))?;
                let manifest = group.manifest.as_ref().map(|(_, m)| m);
                let version = manifest.and_then(|m| m.version.clone());
                let existing = group.entry.as_ref().map(|e| e.index);
                let description = input
                    .description
                    .clone()
                    .or_else(|| existing.is_none().then(|| manifest.and_then(|m| m.description.clone())).flatten());
                let fields = EntryFields {
                    version: version.clone(),
                    description,
                    category: input.category.clone(),
                    tags: input.tags.clone(),
                    keywords: input.keywords.clone(),
                };
                let mut marketplace = manifest_edits::parse_object(MARKETPLACE_PATH, &zipball.read(MARKETPLACE_PATH)?)?;
                let added = manifest_edits::publish(&mut marketplace, &group.name, existing, &group.root, &fields)?;
                let verb = if added { "Publish" } else { "Update the marketplace entry of" };
                let change = ChangeSet {
                    changes: vec![FileChange {
                        path: MARKETPLACE_PATH.into(),
                        content: Some((manifest_edits::to_bytes(&marketplace), false)),
                    }],
                    message: format!("{verb} group {}", group.name),
                };
                Ok((change, (group.name.clone(), version, added)))
            })
            .await?;
        Ok(Output { group, version, added, commit: committed.commit })
    }
}
