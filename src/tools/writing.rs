//! What the write tools share: the write check, and running an edit with the caller as its
//! author. The edit itself (one commit or nothing) is [`crate::editing`]'s.

use super::{ToolContext, ToolError};
use crate::access::{Access, Who};
use crate::catalog::{Catalog, Group};
use crate::catalog_store;
use crate::editing::manifest_edits::ManifestError;
use crate::editing::{self, Author, Base, ChangeSet, Committed, EditError};
use crate::github::app;
use crate::ports::Platform;
use crate::zipball::{Zipball, ZipballError};

impl From<EditError> for ToolError {
    fn from(error: EditError) -> Self {
        match error {
            EditError::Conflict(message) => ToolError::Conflict(message),
            EditError::Refused(message) => ToolError::Forbidden(message),
            EditError::GitHub(error) => ToolError::GitHub(error),
            EditError::NothingToChange => ToolError::InvalidArguments(error.to_string()),
            EditError::Unreadable(_) | EditError::Zipball(_) => ToolError::Internal(error.to_string()),
        }
    }
}

impl From<ManifestError> for ToolError {
    fn from(error: ManifestError) -> Self {
        ToolError::InvalidArguments(error.to_string())
    }
}

impl From<ZipballError> for ToolError {
    fn from(error: ZipballError) -> Self {
        ToolError::Internal(format!("could not read the repository's files: {error}"))
    }
}

/// How a change the caller may make reaches the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Committed to the served branch.
    Direct,
    /// Opened as a pull request for a reviewer of the group (the group is under review and the
    /// caller is one of its writers, not of its reviewers).
    Propose,
}

/// Whether the caller may edit skill `name` of `group`, and how: a skill they may not read is
/// "not found", exactly as in the read tools; one in a group they may not write is refused with
/// what to do; a writer of a group under review proposes.
pub fn check_writable<P: Platform>(
    ctx: &ToolContext<'_, P>,
    access: &Access,
    catalog: &Catalog,
    name: &str,
    group: &Group,
) -> Result<WriteMode, ToolError> {
    if catalog.skill(name).is_some_and(|skill| !ctx.can_read(access, skill)) {
        return Err(ToolError::SkillNotFound(name.to_string()));
    }
    let user = &ctx.caller.user;
    if access.must_propose(user, &group.name) {
        return Ok(WriteMode::Propose);
    }
    let decision = access.explain_write(Who::Person(user), &group.name);
    if !decision.allowed {
        return Err(ToolError::Forbidden(format!(
            "{} may not edit group {} ({}); ask an editor to add you to its write rule in .skillport/access.json",
            user.email, group.name, decision.rule
        )));
    }
    Ok(WriteMode::Direct)
}

/// Runs `plan` as one commit by the caller on the served branch ([`editing::commit`]), from
/// `zipball`, the served commit's files, and records it for the admin console as made through
/// `tool`; with [`WriteMode::Propose`], opened as a pull request instead
/// ([`editing::propose`]).
pub async fn commit<P: Platform, T>(
    ctx: &ToolContext<'_, P>,
    tool: &str,
    mode: WriteMode,
    zipball: Zipball,
    guard: Option<&str>,
    mut plan: impl FnMut(&mut Zipball, &Catalog) -> Result<(ChangeSet, T), ToolError>,
) -> Result<(Committed, T), ToolError> {
    // The plan's own result is kept aside, so that everything below is compiled once rather
    // than once per tool (the Worker's size budget).
    let mut planned = None;
    let mut erased = |zipball: &mut Zipball, catalog: &Catalog| {
        let (change, result) = plan(zipball, catalog)?;
        planned = Some(result);
        Ok(change)
    };
    let committed = commit_change(ctx, tool, mode, zipball, guard, &mut erased).await?;
    let planned = planned.ok_or_else(|| ToolError::Internal("the change was made without a plan".into()))?;
    Ok((committed, planned))
}

/// [`commit`] for a plan that returns only its change.
async fn commit_change<P: Platform>(
    ctx: &ToolContext<'_, P>,
    tool: &str,
    mode: WriteMode,
    zipball: Zipball,
    guard: Option<&str>,
    plan: &mut dyn FnMut(&mut Zipball, &Catalog) -> Result<ChangeSet, ToolError>,
) -> Result<Committed, ToolError> {
    let served = ctx.catalog().await?;
    let config = ctx.site.config;
    let access = match mode {
        WriteMode::Direct => app::Access::Write,
        WriteMode::Propose => app::Access::Propose,
    };
    let github = catalog_store::github_for(ctx.site.platform, config, access);
    let user = &ctx.caller.user;
    let author = Author { name: user.name.as_deref(), email: &user.email, id: &user.id };
    let branch = editing::branch(&github, config.branch.as_deref(), &config.repo.to_string()).await?;
    let tree = served.tree.clone().filter(|_| served.stale.is_none());
    let base = Base { catalog: served.catalog.clone(), zipball, tree };
    let plan = |zipball: &mut Zipball, catalog: &Catalog| plan(zipball, catalog).map(|change| (change, ()));
    let (committed, ()) = match mode {
        WriteMode::Direct => editing::commit(ctx.site.platform, &github, &branch, base, &author, guard, plan).await?,
        WriteMode::Propose => editing::propose(&github, &branch, base, &author, tool, plan).await?,
    };
    crate::usage::record_change(ctx.site.platform, config, &user.id, tool, &committed).await;
    Ok(committed)
}
