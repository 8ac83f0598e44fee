//! Writing to the skills repository: every edit is exactly one commit, or nothing.
//!
//! A tool describes its edit as a plan: a function from the repository at a commit (its files
//! and catalog) to the files to write and delete. [`commit`] runs the plan on the branch head and
//! writes the result through the Git Data API — a tree on top of the head's tree, a commit, and
//! a non-forced ref update — so a failure at any step leaves no partial commit (unreferenced
//! trees and blobs are invisible and collected by GitHub). If the branch moved meanwhile, the
//! plan runs again on the new head (so another editor's concurrent change is kept, never
//! reverted), unless it moved under the folder the edit depends on: then it is a conflict.

pub mod manifest_edits;
pub mod paths;

use crate::catalog::Catalog;
use crate::catalog_store;
use crate::git_tree::{self, FileMode};
use crate::github::{BranchHead, GitHub, GitHubError, TreeContent, TreeEntry};
use crate::ports::Platform;
use crate::zipball::{Zipball, ZipballError};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Attempts at most (the first, and two after the branch moved).
pub const MAX_ATTEMPTS: u32 = 3;

/// Why an edit wrote nothing (a plan's own refusals are the caller's error type).
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The branch moved under the edit, or kept moving.
    #[error("conflict: {0}")]
    Conflict(String),
    /// GitHub refused the write for a reason a person must fix (permissions, branch protection).
    #[error("{0}")]
    Refused(String),
    /// GitHub failed (outage, rate limit, unexpected answer).
    #[error("the change was not saved: {0}")]
    GitHub(GitHubError),
    /// The plan wrote no file.
    #[error("the edit changes nothing")]
    NothingToChange,
    /// The branch's new commit could not be read as a marketplace.
    #[error("the branch's newest commit is not a readable marketplace ({0}); nothing was written")]
    Unreadable(String),
    /// A file of the served commit could not be read.
    #[error("could not read the repository's files: {0}")]
    Zipball(#[from] ZipballError),
}

impl From<GitHubError> for EditError {
    fn from(error: GitHubError) -> Self {
        match error {
            GitHubError::Forbidden { .. } | GitHubError::Unauthorized => EditError::Refused(
                "GitHub refused the write: give GITHUB_WRITE_TOKEN (or the service token) Contents: read and write on the repository, and check that the branch is not protected against it".into(),
            ),
            other => EditError::GitHub(other),
        }
    }
}

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

/// Who asked for an edit, for the commit's trailers.
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    /// Their display name, if known.
    pub name: Option<&'a str>,
    /// Their email.
    pub email: &'a str,
    /// Their stable user id.
    pub id: &'a str,
}

/// The commit an edit was decided on: its catalog, its files, and its root tree when the
/// branch was just seen pointing at it (so the first attempt needs no look at the branch).
pub struct Base {
    /// The catalog of the commit.
    pub catalog: Rc<Catalog>,
    /// Its files.
    pub zipball: Zipball,
    /// Its root tree, if the commit is known to be the branch head.
    pub tree: Option<String>,
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
    /// The commit message's first line (without the trailers).
    pub summary: String,
    /// Where the change waits for review, when it was proposed rather than committed to the
    /// served branch.
    pub proposal: Option<Proposal>,
}

/// A change opened as a pull request, for a reviewer of its group to merge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Proposal {
    /// The pull request's number.
    pub number: u64,
    /// Its page on GitHub.
    pub url: String,
    /// The branch holding the change (`skillport/…`).
    pub branch: String,
}

thread_local! {
    /// The repository's default branch, once looked up (it never changes in practice).
    static DEFAULT_BRANCH: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// The files of `folder` in `zipball` with their git blob ids and modes.
pub fn folder_blobs(
    zipball: &mut Zipball,
    folder: &str,
) -> Result<BTreeMap<String, (FileMode, [u8; 20])>, ZipballError> {
    let mut files = BTreeMap::new();
    for file in zipball.files_under(folder) {
        let bytes = zipball.read(&format!("{folder}/{}", file.path))?;
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
pub fn message_with_trailers(message: &str, author: &Author<'_>) -> String {
    let clean = |s: &str| s.replace(['\n', '\r', '<', '>'], " ");
    let name = author.name.map(clean).unwrap_or_else(|| clean(author.email));
    format!(
        "{}\n\nRequested-by: {name} <{}>\nSkillport-User: {}",
        message.trim(),
        clean(author.email),
        clean(author.id)
    )
}

/// The branch writes go to: `configured` (`MARKETPLACE_REF`), else the repository's default
/// branch, looked up once per isolate.
pub async fn branch<P: Platform>(
    github: &GitHub<'_, P>,
    configured: Option<&str>,
    repo: &str,
) -> Result<String, EditError> {
    if let Some(branch) = configured {
        return Ok(branch.to_string());
    }
    if let Some(branch) =
        DEFAULT_BRANCH.with(|b| b.borrow().as_ref().filter(|(r, _)| r == repo).map(|(_, b)| b.clone()))
    {
        return Ok(branch);
    }
    let branch = github.default_branch().await?;
    DEFAULT_BRANCH.with(|b| *b.borrow_mut() = Some((repo.to_string(), branch.clone())));
    Ok(branch)
}

/// Runs `plan` on the head of `branch` and writes its change as one commit through `github`.
///
/// `base` is the commit the caller decided on. `guard` names a folder that must not change
/// between `base` and the commit the edit is made on: if the branch moved under it, the edit is
/// a conflict and nothing is written. If the branch moved elsewhere, the plan runs again on the
/// new head, so a concurrent change is kept. Returns the commit and what the plan returned.
pub async fn commit<P, T, E>(
    platform: &P,
    github: &GitHub<'_, P>,
    branch: &str,
    base: Base,
    author: &Author<'_>,
    guard: Option<&str>,
    mut plan: impl FnMut(&mut Zipball, &Catalog) -> Result<(ChangeSet, T), E>,
) -> Result<(Committed, T), E>
where
    P: Platform,
    E: From<EditError>,
{
    let Base { mut catalog, mut zipball, tree } = base;
    let guarded = match guard {
        Some(folder) => Some(folder_blobs(&mut zipball, folder).map_err(EditError::from)?),
        None => None,
    };
    // When the base is known to be the head, its tree is the first attempt's; if the branch
    // moves before the ref update, GitHub refuses the update and says where the branch is.
    let mut known = tree.map(|tree| (catalog.commit.clone(), tree));
    for attempt in 1..=MAX_ATTEMPTS {
        let (head, tree) = match known.take() {
            Some(known) => known,
            None => match github.head(Some(branch), None).await.map_err(EditError::from)? {
                BranchHead::At { sha, tree: Some(tree), .. } => (sha, tree),
                _ => {
                    return Err(EditError::GitHub(GitHubError::Unexpected {
                        what: format!("branch {branch}"),
                        problem: "no commit and tree".into(),
                    })
                    .into())
                }
            },
        };
        if head != catalog.commit {
            let (rebuilt, mut files) = moved_to(platform, github, &head, &catalog).await?;
            if let (Some(folder), Some(before)) = (guard, &guarded) {
                let now = folder_blobs(&mut files, folder).map_err(EditError::from)?;
                if now != *before {
                    return Err(EditError::Conflict(format!(
                        "{folder} changed on the branch since you read it (commit {}: {}); nothing was written. Fetch the skill again and redo the change on the new version",
                        &head[..head.len().min(12)],
                        describe_changes(before, &now)
                    ))
                    .into());
                }
            }
            zipball = files;
            catalog = Rc::new(rebuilt);
        }
        let (change, planned) = plan(&mut zipball, &catalog)?;
        if change.changes.is_empty() {
            return Err(EditError::NothingToChange.into());
        }
        match write(github, branch, &head, &tree, &change, author).await {
            Ok(commit) => {
                let summary = change.message.lines().next().unwrap_or_default().to_string();
                return Ok((Committed { commit, parent: head, attempts: attempt, summary, proposal: None }, planned));
            }
            Err(GitHubError::NotFastForward { head, tree, .. }) => known = tree.map(|tree| (head, tree)),
            Err(GitHubError::Refused { message, .. }) => {
                return Err(EditError::Refused(format!(
                    "GitHub refused to move branch {branch}: {message}. If the branch is protected, allow the connector's token to push to it, or serve another branch with MARKETPLACE_REF; nothing was written"
                ))
                .into())
            }
            Err(other) => return Err(EditError::from(other).into()),
        }
    }
    Err(EditError::Conflict(format!(
        "the branch kept moving during {MAX_ATTEMPTS} attempts; nothing was written. Try again in a moment"
    ))
    .into())
}

/// Runs `plan` on `base` and opens its change as a pull request into `branch` instead of
/// committing it there: one commit on the base (with the same trailers), a new branch
/// `skillport/<slug>-<commit>` at it, and the pull request. Nothing reaches `branch` until a
/// reviewer merges. `base` must be the branch's head as served (its tree known, or asked for).
pub async fn propose<P, T, E>(
    github: &GitHub<'_, P>,
    branch: &str,
    base: Base,
    author: &Author<'_>,
    slug: &str,
    mut plan: impl FnMut(&mut Zipball, &Catalog) -> Result<(ChangeSet, T), E>,
) -> Result<(Committed, T), E>
where
    P: Platform,
    E: From<EditError>,
{
    let Base { catalog, mut zipball, tree } = base;
    let tree = match tree {
        Some(tree) => tree,
        None => head_tree(github, branch, &catalog.commit).await?,
    };
    let (change, planned) = plan(&mut zipball, &catalog)?;
    let committed = open_proposal(github, branch, &catalog.commit, &tree, &change, author, slug).await?;
    Ok((committed, planned))
}

/// The root tree of `head`, if the branch still points at it.
async fn head_tree<P: Platform>(github: &GitHub<'_, P>, branch: &str, head: &str) -> Result<String, EditError> {
    match github.head(Some(branch), None).await? {
        BranchHead::At { sha, tree: Some(tree), .. } if sha == head => Ok(tree),
        _ => Err(EditError::Conflict(
            "the branch moved while the change was prepared; nothing was proposed. Try again in a moment".into(),
        )),
    }
}

/// The proposal's commit on `head`, its branch and its pull request (apart from the generic
/// [`propose`], so that it is compiled once whatever the plan's type).
async fn open_proposal<P: Platform>(
    github: &GitHub<'_, P>,
    branch: &str,
    head: &str,
    tree: &str,
    change: &ChangeSet,
    author: &Author<'_>,
    slug: &str,
) -> Result<Committed, EditError> {
    if change.changes.is_empty() {
        return Err(EditError::NothingToChange);
    }
    let commit = write_commit(github, head, tree, change, author).await?;
    let name = format!("skillport/{slug}-{}", &commit[..commit.len().min(7)]);
    github.create_branch(&name, &commit).await?;
    let summary = change.message.lines().next().unwrap_or_default().to_string();
    let body = format!(
        "{}\n\nProposed through Skillport by {} for a reviewer of this group to merge.",
        message_with_trailers(&change.message, author),
        author.email
    );
    let pull = github.create_pull(&summary, &body, &name, branch).await?;
    let proposal = Proposal { number: pull.number, url: pull.html_url, branch: name };
    Ok(Committed { commit, parent: head.to_string(), attempts: 1, summary, proposal: Some(proposal) })
}

/// The catalog and files of `head`, the commit the branch moved to since `previous`.
async fn moved_to<P: Platform>(
    platform: &P,
    github: &GitHub<'_, P>,
    head: &str,
    previous: &Catalog,
) -> Result<(Catalog, Zipball), EditError> {
    let fetched = catalog_store::fetch_zipball(platform, github, head).await?;
    let mut zipball = Zipball::from_shared(fetched.bytes)?;
    let catalog =
        Catalog::build(head, &mut zipball, Some(previous)).map_err(|e| EditError::Unreadable(e.to_string()))?;
    Ok((catalog, zipball))
}

/// Writes `change` as a commit on `head` (whose root tree is `tree`) and moves `branch` to it.
async fn write<P: Platform>(
    github: &GitHub<'_, P>,
    branch: &str,
    head: &str,
    tree: &str,
    change: &ChangeSet,
    author: &Author<'_>,
) -> Result<String, GitHubError> {
    let commit = write_commit(github, head, tree, change, author).await?;
    github.update_branch(branch, &commit, head).await?;
    Ok(commit)
}

/// Writes `change` as a commit on `head` (whose root tree is `tree`), moving no branch.
async fn write_commit<P: Platform>(
    github: &GitHub<'_, P>,
    head: &str,
    tree: &str,
    change: &ChangeSet,
    author: &Author<'_>,
) -> Result<String, GitHubError> {
    let mut entries = Vec::with_capacity(change.changes.len());
    for FileChange { path, content } in &change.changes {
        let content = match content {
            None => TreeContent::Deleted,
            Some((bytes, executable)) => match std::str::from_utf8(bytes) {
                Ok(text) => TreeContent::Text { text: text.to_string(), executable: *executable },
                Err(_) => TreeContent::Blob {
                    sha: github.create_blob(bytes, &format!("a new blob for {path}")).await?,
                    executable: *executable,
                },
            },
        };
        entries.push(TreeEntry { path: path.clone(), content });
    }
    let new_tree = github.create_tree(tree, &entries).await?;
    let message = message_with_trailers(&change.message, author);
    github.create_commit(&message, &new_tree, head).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_name_who_asked() {
        let author = Author { name: Some("Ann <x>"), email: "ann@acme.example", id: "google:1" };
        let message = message_with_trailers("Update pdf\n", &author);
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
