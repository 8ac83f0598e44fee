//! Which folders of the repository are skills, and which group each belongs to: Claude Code's
//! plugin loading rules, applied to the paths of one commit.
//!
//! The rules, as Claude Code documents them (code.claude.com/docs/en/plugin-marketplaces,
//! …/plugins/marketplace-reference, …/plugins-reference; see docs/LAYOUTS.md):
//!
//! - a marketplace entry with a relative `source` has its plugin root in that folder of the
//!   repository (`./` is the root itself; `metadata.pluginRoot` is prepended to bare names);
//! - its skills are every direct subfolder of `<root>/skills/` holding a `SKILL.md`, plus the
//!   paths of plugin.json's `skills` field, plus the paths of the entry's own `skills` field; each
//!   path names a skill folder or a folder of skill folders;
//! - a `strict: false` entry is the plugin's whole definition: if its plugin.json declares
//!   components as well, Claude Code refuses to load the plugin;
//! - a root holding a `SKILL.md` with no `skills/` folder and no `skills` field is a single-skill
//!   plugin.
//!
//! Symlinks anywhere along a path (a linked plugin root, `skills/` folder, skill folder or
//! SKILL.md) are followed as a clone follows them: a skill is the folder the links lead to
//! (served once however many links reach it).
//!
//! Several entries may share a root (`./` with `strict: false` and a `skills` list each is the
//! most common layout of skill collections). A folder belongs to the first entry that lists it
//! by path; a folder only found in a shared `skills/` belongs to the first entry of that root. A
//! folder listed by a second entry is served once, and the repeat is reported.

use super::manifest_schema::{join_relative, PluginManifest};
use super::slices::SKILL_FILE;
use super::Skipped;
use crate::git_tree::FileMode;
use crate::zipball::{FileId, Zipball};

/// A group as the loading rules see it: where its plugin lives and what it lists.
pub struct GroupSpec<'a> {
    /// How messages name it (`entry `sales``, `the unpublished group in plugins/x`).
    pub label: String,
    /// The plugin root (`""` for the repository root).
    pub root: &'a str,
    /// The root's plugin.json, if it has one and it parsed.
    pub manifest: Option<&'a PluginManifest>,
    /// The entry's own `skills` paths (none for an unpublished group).
    pub entry_skills: &'a [String],
    /// Whether plugin.json counts (strict mode, Claude Code's default).
    pub strict: bool,
}

/// A skill folder and the group it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillFolder {
    /// The folder, e.g. `plugins/sales/skills/proposal-writer` or `skills/xlsx`.
    pub folder: String,
    /// Its SKILL.md.
    pub file: FileId,
    /// The index of the owning group in the list given to [`assign`].
    pub group: usize,
}

/// How a group reached a folder; a folder named by path wins over one found in `skills/`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Claim {
    Listed,
    Default,
}

/// The skill folders of every group, each assigned to one group, in the order of their
/// SKILL.md files. `groups`
/// are in priority order (marketplace entries first, in their order). What cannot be loaded is
/// added to `skipped`.
pub fn assign(zipball: &mut Zipball, groups: &[GroupSpec<'_>], skipped: &mut Vec<Skipped>) -> Vec<SkillFolder> {
    let mut claims: Vec<(String, Claim, usize, FileId)> = Vec::new();
    let mut roots_seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    // The default folders found so far, kept only when some group lists paths: a collection's
    // entries list the very folders its root's `skills/` holds, which then need no search.
    let lists_paths =
        groups.iter().any(|g| !g.entry_skills.is_empty() || g.manifest.is_some_and(|m| !m.skills.is_empty()));
    let mut known: Option<KnownFolders> = lists_paths.then(Default::default);
    for (index, group) in groups.iter().enumerate() {
        // A root's default folders go to its first group whatever the others claim, so they are
        // looked for once per root (a collection of 200 entries shares one `skills/`).
        let first_of_root = roots_seen.insert(group.root);
        for (claim, folder, file) in claims_of(zipball, group, first_of_root, known.as_mut(), skipped) {
            claims.push((folder, claim, index, file));
        }
    }
    // Claims of one folder made adjacent, listed claims before default ones; the sort is
    // stable, so group order decides among equals and the first claim of each folder is its
    // owner. A folder always reaches the same SKILL.md, so sorting by that file first compares
    // numbers, and folder names only where two folders share a linked SKILL.md: cheaper than a
    // map or a sort of thousands of long, similar paths.
    claims.sort_by(|a, b| a.3.cmp(&b.3).then_with(|| a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut folders: Vec<SkillFolder> = Vec::new();
    for (folder, claim, index, file) in claims {
        match folders.last() {
            Some(owner) if owner.folder == folder => {
                if claim == Claim::Listed && owner.group != index {
                    skipped.push(Skipped {
                        path: format!("{folder}/{SKILL_FILE}"),
                        reason: format!(
                            "{} lists this skill too; it is served once, in {}",
                            groups[index].label, groups[owner.group].label
                        ),
                        group: None,
                    });
                }
            }
            _ => folders.push(SkillFolder { folder, file, group: index }),
        }
    }
    drop_nested(&mut folders, skipped);
    folders
}

/// The folders `group` reaches, with how it reached each; the root's default folders only when
/// `defaults` (it is the root's first group).
fn claims_of(
    zipball: &mut Zipball,
    group: &GroupSpec<'_>,
    defaults: bool,
    mut known: Option<&mut KnownFolders>,
    skipped: &mut Vec<Skipped>,
) -> Vec<(Claim, String, FileId)> {
    let mut found = Vec::new();
    let manifest_paths = group.manifest.filter(|_| group.strict).map(|m| m.skills.as_slice()).unwrap_or_default();
    let listed: Vec<&String> = manifest_paths.iter().chain(group.entry_skills).collect();
    // The root's default folders first, so that its listed paths can be found among them.
    if defaults {
        let folders = direct_skill_folders(zipball, &join(group.root, "skills"));
        let single = listed.is_empty() && folders.is_empty() && !group.root.is_empty();
        if let Some(known) = known.as_deref_mut() {
            known.extend(folders.iter().cloned());
        }
        found.extend(folders.into_iter().map(|(folder, file)| (Claim::Default, folder, file)));
        if single && !has_files_under(zipball, &join(group.root, "skills")) {
            if let Some(root) = zipball.resolve(group.root) {
                if let Some(file) = skill_file(zipball, &root) {
                    found.push((Claim::Default, root, file));
                }
            }
        }
    }
    for path in &listed {
        let folder = match join_relative(group.root, path) {
            Ok(folder) => folder,
            Err(reason) => {
                skipped.push(Skipped {
                    path: super::manifest_schema::MARKETPLACE_PATH.into(),
                    reason: format!("{} lists skill path {reason}; it is ignored", group.label),
                    group: None,
                });
                continue;
            }
        };
        let reached = match known.as_deref().and_then(|known| known.get(&folder)) {
            Some(file) => vec![(folder.clone(), *file)],
            None => skill_folders_at(zipball, &folder),
        };
        if reached.is_empty() && folder.is_empty() && zipball.contains(SKILL_FILE) {
            skipped.push(Skipped {
                path: SKILL_FILE.into(),
                reason: format!(
                    "{} lists `{path}`, the repository root, as a skill; the connector does not serve the whole repository as one skill: move the skill into a folder",
                    group.label
                ),
                group: None,
            });
        } else if reached.is_empty() {
            skipped.push(Skipped {
                path: if folder.is_empty() { "./".into() } else { folder.clone() },
                reason: format!(
                    "{} lists `{path}`, which holds no {SKILL_FILE} (neither a skill folder nor a folder of skill folders)",
                    group.label
                ),
                group: None,
            });
        }
        found.extend(reached.into_iter().map(|(folder, file)| (Claim::Listed, folder, file)));
    }
    found
}

/// Skill folders already found (resolved paths) and their SKILL.md.
type KnownFolders = std::collections::HashMap<String, FileId>;

/// A skill folder inside another skill folder would be packaged twice; the outer one is served.
fn drop_nested(folders: &mut Vec<SkillFolder>, skipped: &mut Vec<Skipped>) {
    let all: std::collections::HashSet<&str> = folders.iter().map(|f| f.folder.as_str()).collect();
    // The outermost skill folder among `path` and its ancestors (an ancestor that is itself
    // nested has an outer one too, so the outermost is what is served).
    let outermost = |path: &str| {
        path.match_indices('/').map(|(at, _)| &path[..at]).chain([path]).find(|a| all.contains(a)).map(str::to_string)
    };
    // Folders arrive grouped by parent (most share `<root>/skills`), so each distinct parent's
    // ancestors are looked up once.
    let mut last: Option<(&str, Option<String>)> = None;
    let mut nested: Vec<Option<String>> = Vec::with_capacity(folders.len());
    for folder in folders.iter() {
        let Some((parent, _)) = folder.folder.rsplit_once('/') else {
            nested.push(None);
            continue;
        };
        match &last {
            Some((known, outer)) if *known == parent => nested.push(outer.clone()),
            _ => {
                let outer = outermost(parent);
                nested.push(outer.clone());
                last = Some((parent, outer));
            }
        }
    }
    let mut outer = nested.into_iter();
    folders.retain(|folder| match outer.next().flatten() {
        Some(outer) => {
            skipped.push(Skipped {
                path: format!("{}/{SKILL_FILE}", folder.folder),
                reason: format!("it lies inside the skill folder {outer}, which is served with it"),
                group: None,
            });
            false
        }
        None => true,
    });
}

/// `folder` itself if it holds a SKILL.md, else its direct subfolders that do; symlinks along
/// the way are followed.
fn skill_folders_at(zipball: &mut Zipball, folder: &str) -> Vec<(String, FileId)> {
    let Some(folder) = zipball.resolve(folder) else { return Vec::new() };
    match skill_file(zipball, &folder) {
        Some(file) if !folder.is_empty() => vec![(folder, file)],
        _ => direct_skill_folders(zipball, &folder),
    }
}

/// The SKILL.md of `folder` (a resolved path), itself followed if it is a symlink.
fn skill_file(zipball: &mut Zipball, folder: &str) -> Option<FileId> {
    let path = join(folder, SKILL_FILE);
    let file = zipball.file(&path)?;
    match zipball.mode_of(file) {
        FileMode::Symlink => zipball.regular_file(&path),
        _ => Some(file),
    }
}

/// `<folder>/<name>` for every direct subfolder of `folder` holding a SKILL.md, with that file;
/// symlinks are followed (a linked subfolder is the folder it points to).
pub fn direct_skill_folders(zipball: &mut Zipball, folder: &str) -> Vec<(String, FileId)> {
    let Some(folder) = zipball.resolve(folder) else { return Vec::new() };
    let prefix = if folder.is_empty() { String::new() } else { format!("{folder}/") };
    let mut found = Vec::new();
    // Linked subfolders and linked SKILL.md files, resolved once the listing is read.
    let mut linked: Vec<String> = Vec::new();
    for (file, path) in zipball.files_with_prefix(&prefix) {
        let Some(child) = path.get(prefix.len()..) else { continue };
        let symlink = zipball.mode_of(file) == FileMode::Symlink;
        match child.split_once('/') {
            None if symlink => linked.push(path.to_string()),
            Some((name, SKILL_FILE)) if !name.is_empty() => {
                let child = path[..prefix.len() + name.len()].to_string();
                // The file is at hand: only a linked SKILL.md needs looking up again.
                if symlink {
                    linked.push(child);
                } else {
                    found.push((child, file));
                }
            }
            _ => {}
        }
    }
    for child in linked {
        let Some(child) = zipball.resolve(&child).filter(|t| !t.is_empty()) else { continue };
        if let Some(file) = skill_file(zipball, &child) {
            found.push((child, file));
        }
    }
    found
}

/// Whether any file lies under `folder` (symlinks along it followed).
pub fn has_files_under(zipball: &mut Zipball, folder: &str) -> bool {
    match zipball.resolve(folder) {
        Some(folder) => folder.is_empty() || zipball.paths_with_prefix(&format!("{folder}/")).next().is_some(),
        None => false,
    }
}

/// `root/name`, or `name` at the repository root.
pub fn join(root: &str, name: &str) -> String {
    if root.is_empty() {
        name.to_string()
    } else {
        format!("{root}/{name}")
    }
}
