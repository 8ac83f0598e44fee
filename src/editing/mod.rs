//! Writing to the skills repository: every edit is exactly one commit, or nothing.
//!
//! A tool describes its edit as a plan: a function from the repository at a commit (its files
//! and catalog) to the files to write and delete. [`commit`] runs the plan on the branch head and
//! writes the result through the Git Data API — a tree on top of the head's tree, a commit, and
//! a non-forced ref update — so a failure at any step leaves no partial commit (unreferenced
//! trees and blobs are invisible and collected by GitHub). If the branch moved meanwhile, the
//! plan runs again on the new head (so another editor's concurrent change is kept, never
//! reverted), unless it moved under the folder the edit depends on: then it is a conflict.

pub mod manifests;
pub mod paths;

use crate::access::Access;
use crate::catalog::git_tree::{self, FileMode};
use crate::catalog::snapshot::Snapshot;
use crate::catalog::Catalog;
use crate::catalog_store;
use crate::github::{BranchHead, GitHub, GitHubError, ObjectRef, RetryPolicy};
use crate::ports::Platform;
use crate::tools::{ToolContext, ToolError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Attempts at most (the first, and two after the branch moved).
pub const MAX_ATTEMPTS: u32 = 3;

/// One file to write (`Some`) or delete (`None`), by repository path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The path in the repository.
    pub path: String,
    /// The new bytes and whether the file is executable; `None` deletes it.
    pub content: Option<(Vec<u8>, bool)>,
}

/// What one edit writes.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    /// The files, in any order.
    pub changes: Vec<FileChange>,
    /// The commit message's first paragraph (trailers are added).
    pub message: String,
}

/// A successful edit.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The new commit.
    pub commit: String,
    /// The commit it was made on.
    pub parent: String,
    /// How many attempts it took.
    pub attempts: u32,
}

thread_local! {
    /// The repository's default branch, once looked up (it never changes in practice).
    static DEFAULT_BRANCH: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

#[derive(Deserialize)]
struct RepositoryBody {
    default_branch: String,
}

/// The folder of skill `name` in `snapshot`, valid or not (a skill with a broken SKILL.md is
/// not in the catalog but its folder still exists).
pub fn skill_folder(snapshot: &Snapshot, catalog: &Catalog, name: &str) -> Option<(String, String)> {
    if let Some(skill) = catalog.skill(name) {
        return Some((skill.group.clone(), skill.folder.clone()));
    }
    let marker = format!("/skills/{name}/");
    snapshot.paths_with_prefix("plugins/").find_map(|path| {
        let at = path.find(&marker)?;
        let group_folder = &path[..at];
        let group = group_folder.strip_prefix("plugins/").filter(|g| !g.contains('/'))?;
        Some((group.to_string(), format!("{group_folder}/skills/{name}")))
    })
}

/// Whether the caller may edit skill `name` of `group`: a skill they may not read is "not found",
/// exactly as in the read tools; one in a group they may not write is refused with what to do.
pub fn check_writable<P: Platform>(
    ctx: &ToolContext<'_, P>,
    access: &Access,
    catalog: &Catalog,
    name: &str,
    group: &str,
) -> Result<(), ToolError> {
    if catalog.skill(name).is_some_and(|skill| !ctx.can_read(access, skill)) {
        return Err(ToolError::SkillNotFound(name.to_string()));
    }
    if !access.can_write(&ctx.principal.user, group) {
        return Err(ToolError::Forbidden(format!(
            "{} may not edit group {group}; ask an editor to add you to its write rule in .skillport/access.json",
            ctx.principal.user.email
        )));
    }
    Ok(())
}

/// The files of `folder` in `snapshot` with their git blob ids and modes.
pub fn folder_blobs(
    snapshot: &mut Snapshot,
    folder: &str,
) -> Result<BTreeMap<String, (FileMode, [u8; 20])>, ToolError> {
    let mut files = BTreeMap::new();
    for file in snapshot.files_under(folder) {
        let bytes = snapshot
            .read(&format!("{folder}/{}", file.path))
            .map_err(|e| ToolError::Internal(format!("reading {folder}/{}: {e}", file.path)))?;
        files.insert(file.path, (file.mode, git_tree::blob_id(&bytes)));
    }
    Ok(files)
}

/// The git tree id of a folder's files (its `version_id`).
pub fn tree_id_of(files: &BTreeMap<String, (FileMode, [u8; 20])>) -> String {
    let entries: Vec<(String, FileMode, [u8; 20])> = files.iter().map(|(p, (m, id))| (p.clone(), *m, *id)).collect();
    git_tree::tree_id(&entries)
}

/// What changed in a folder between two versions, for a conflict message.
pub fn describe_changes(
    before: &BTreeMap<String, (FileMode, [u8; 20])>,
    after: &BTreeMap<String, (FileMode, [u8; 20])>,
) -> String {
    let mut parts = Vec::new();
    let added: Vec<&str> = after.keys().filter(|k| !before.contains_key(*k)).map(String::as_str).collect();
    let removed: Vec<&str> = before.keys().filter(|k| !after.contains_key(*k)).map(String::as_str).collect();
    let modified: Vec<&str> =
        after.iter().filter(|(k, v)| before.get(*k).is_some_and(|b| b != *v)).map(|(k, _)| k.as_str()).collect();
    for (label, list) in [("changed", modified), ("added", added), ("removed", removed)] {
        if !list.is_empty() {
            parts.push(format!("{label}: {}", list.join(", ")));
        }
    }
    if parts.is_empty() {
        "nothing visible".into()
    } else {
        parts.join("; ")
    }
}

/// The commit message with the trailers that record who asked for the change.
pub fn message_with_trailers(message: &str, name: Option<&str>, email: &str, user_id: &str) -> String {
    let clean = |s: &str| s.replace(['\n', '\r', '<', '>'], " ");
    let name = name.map(clean).unwrap_or_else(|| clean(email));
    format!("{}\n\nRequested-by: {name} <{}>\nSkillport-User: {}", message.trim(), clean(email), clean(user_id))
}

fn writer<'a, P: Platform>(ctx: &'a ToolContext<'a, P>) -> GitHub<'a, P> {
    let config = ctx.config;
    GitHub::new(
        ctx.platform,
        &config.github_api_url,
        config.github_write_token.as_ref().unwrap_or(&config.github_service_token),
        &config.repo,
        RetryPolicy::with_timeout(config.github_timeout_ms),
    )
}

fn write_error(error: GitHubError) -> ToolError {
    match error {
        GitHubError::Forbidden { .. } | GitHubError::Unauthorized => ToolError::Forbidden(
            "GitHub refused the write: give GITHUB_WRITE_TOKEN (or the service token) Contents: read and write on the repository, and check that the branch is not protected against it".into(),
        ),
        other => ToolError::GitHub(other),
    }
}

/// Runs `plan` on the branch head and writes its change as one commit. `snapshot` holds the
/// served commit's files (the caller opened them to decide; opening them again would cost the
/// archive's index twice). `guard` names a folder
/// that must not have changed since the edit was planned on the served catalog: if the branch
/// moved under it, the edit is a conflict and nothing is written. Returns the commit and the
/// GitHub requests made.
pub async fn commit<P: Platform>(
    ctx: &ToolContext<'_, P>,
    snapshot: Snapshot,
    guard: Option<&str>,
    mut plan: impl FnMut(&mut Snapshot, &Catalog) -> Result<ChangeSet, ToolError>,
) -> Result<Committed, ToolError> {
    let github = writer(ctx);
    let result = commit_with(ctx, &github, snapshot, guard, &mut plan).await;
    ctx.add_github_requests(github.requests());
    result
}

async fn commit_with<P: Platform>(
    ctx: &ToolContext<'_, P>,
    github: &GitHub<'_, P>,
    mut snapshot: Snapshot,
    guard: Option<&str>,
    plan: &mut impl FnMut(&mut Snapshot, &Catalog) -> Result<ChangeSet, ToolError>,
) -> Result<Committed, ToolError> {
    let served = ctx.catalog().await?;
    let mut catalog = served.catalog.clone();
    let guarded = match guard {
        Some(folder) => Some(folder_blobs(&mut snapshot, folder)?),
        None => None,
    };
    let branch = branch(ctx, github).await?;
    // The served catalog was just confirmed current: its tree is the base of the first attempt.
    // If the branch moves before the ref update, GitHub refuses the update and the next attempt
    // asks where the branch is.
    let mut known = served.tree.clone().filter(|_| served.stale.is_none()).map(|tree| (catalog.commit.clone(), tree));
    for attempt in 1..=MAX_ATTEMPTS {
        let (head, tree) = match known.take() {
            Some(known) => known,
            None => match github.head(Some(&branch), None).await.map_err(write_error)? {
                BranchHead::At { sha, tree: Some(tree), .. } => (sha, tree),
                _ => return Err(ToolError::Internal("GitHub did not say where the branch points".into())),
            },
        };
        if head != catalog.commit {
            // The branch moved since the served catalog: plan again on the new head.
            let fetched = catalog_store::archive(ctx.platform, github, &head).await.map_err(write_error)?;
            let mut moved = Snapshot::from_zip(fetched.bytes).map_err(|e| ToolError::Internal(e.to_string()))?;
            let rebuilt = Catalog::build(&head, &mut moved, Some(&catalog))
                .map_err(|e| ToolError::Catalog(catalog_store::LoadError::from(e)))?;
            if let (Some(folder), Some(before)) = (guard, &guarded) {
                let now = folder_blobs(&mut moved, folder)?;
                if now != *before {
                    return Err(ToolError::Conflict(format!(
                        "{folder} changed on the branch since you read it (commit {}: {}); nothing was written. Fetch the skill again and redo the change on the new version",
                        &head[..head.len().min(12)],
                        describe_changes(before, &now)
                    )));
                }
            }
            snapshot = moved;
            catalog = std::rc::Rc::new(rebuilt);
        }
        let change = plan(&mut snapshot, &catalog)?;
        if change.changes.is_empty() {
            return Err(ToolError::InvalidArguments("the edit changes nothing".into()));
        }
        let mut entries = Vec::new();
        for FileChange { path, content } in &change.changes {
            entries.push(match content {
                None => json!({"path": path, "mode": "100644", "type": "blob", "sha": null}),
                Some((bytes, executable)) => {
                    let mode = if *executable { "100755" } else { "100644" };
                    match std::str::from_utf8(bytes) {
                        Ok(text) => json!({"path": path, "mode": mode, "type": "blob", "content": text}),
                        Err(_) => {
                            let blob: ObjectRef = github
                                .call(
                                    http::Method::POST,
                                    &["git", "blobs"],
                                    Some(&json!({"content": STANDARD.encode(bytes), "encoding": "base64"})),
                                    &format!("a new blob for {path}"),
                                )
                                .await
                                .map_err(write_error)?;
                            json!({"path": path, "mode": mode, "type": "blob", "sha": blob.sha})
                        }
                    }
                }
            });
        }
        let new_tree: ObjectRef = github
            .call(
                http::Method::POST,
                &["git", "trees"],
                Some(&json!({"base_tree": tree, "tree": entries})),
                "a new tree",
            )
            .await
            .map_err(write_error)?;
        let user = &ctx.principal.user;
        let message = message_with_trailers(&change.message, user.name.as_deref(), &user.email, &user.id);
        let new_commit: ObjectRef = github
            .call(
                http::Method::POST,
                &["git", "commits"],
                Some(&json!({"message": message, "tree": new_tree.sha, "parents": [head]})),
                "a new commit",
            )
            .await
            .map_err(write_error)?;
        let updated: Result<serde_json::Value, GitHubError> = github
            .call(
                http::Method::PATCH,
                &["git", "refs", "heads", &branch],
                Some(&json!({"sha": new_commit.sha, "force": false})),
                &format!("the update of branch {branch}"),
            )
            .await;
        match updated {
            Ok(_) => return Ok(Committed { commit: new_commit.sha, parent: head, attempts: attempt }),
            Err(GitHubError::Refused { message, .. }) if message.to_ascii_lowercase().contains("fast forward") => continue,
            Err(GitHubError::Refused { message, .. }) => {
                return Err(ToolError::Forbidden(format!(
                    "GitHub refused to move branch {branch}: {message}. If the branch is protected, allow the connector's token to push to it, or serve another branch with MARKETPLACE_REF; nothing was written"
                )))
            }
            Err(other) => return Err(write_error(other)),
        }
    }
    Err(ToolError::Conflict(format!(
        "the branch kept moving during {MAX_ATTEMPTS} attempts; nothing was written. Try again in a moment"
    )))
}

/// The branch writes go to: `MARKETPLACE_REF`, else the repository's default branch.
async fn branch<P: Platform>(ctx: &ToolContext<'_, P>, github: &GitHub<'_, P>) -> Result<String, ToolError> {
    if let Some(branch) = &ctx.config.branch {
        return Ok(branch.clone());
    }
    let repo = ctx.config.repo.to_string();
    if let Some(branch) =
        DEFAULT_BRANCH.with(|b| b.borrow().as_ref().filter(|(r, _)| *r == repo).map(|(_, b)| b.clone()))
    {
        return Ok(branch);
    }
    let body: RepositoryBody =
        github.call(http::Method::GET, &[], None, "the repository").await.map_err(write_error)?;
    DEFAULT_BRANCH.with(|b| *b.borrow_mut() = Some((repo, body.default_branch.clone())));
    Ok(body.default_branch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_name_who_asked() {
        let message = message_with_trailers("Update pdf\n", Some("Ann <x>"), "ann@acme.example", "google:1");
        assert_eq!(message, "Update pdf\n\nRequested-by: Ann  x  <ann@acme.example>\nSkillport-User: google:1");
    }

    #[test]
    fn conflicts_say_what_changed() {
        let id = |b: u8| (FileMode::Regular, [b; 20]);
        let before: BTreeMap<_, _> = [("SKILL.md".to_string(), id(1)), ("a.md".to_string(), id(2))].into();
        let after: BTreeMap<_, _> = [("SKILL.md".to_string(), id(9)), ("b.md".to_string(), id(3))].into();
        assert_eq!(describe_changes(&before, &after), "changed: SKILL.md; added: b.md; removed: a.md");
    }
}
