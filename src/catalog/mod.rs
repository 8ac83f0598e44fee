//! The catalog: every skill of the marketplace at one commit, with its group, version and
//! description, plus the skills that were skipped and why.
//!
//! Built once per commit from a [`Snapshot`] and immutable afterwards, so it can be cached under
//! the commit's sha forever.

pub mod git_tree;
pub mod manifests;
pub mod parsed;
pub mod skill_md;
pub mod snapshot;

use crate::access::ACCESS_PATH;
use manifests::{
    parse_json_file, JsonFileError, Marketplace, PluginEntry, PluginManifest, MARKETPLACE_PATH, PLUGIN_MANIFEST,
};
use parsed::{Parsed, ParsedFile, SkillSummary, SKILL_FILE};
use serde::{Deserialize, Serialize};
use snapshot::{ContentStamp, FileId, Snapshot, SnapshotError};
use std::collections::{BTreeMap, BTreeSet};

/// The folder under which unpublished groups are discovered.
pub const PLUGINS_DIR: &str = "plugins";

/// Why no catalog could be built at all (as opposed to one skill being skipped).
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The repository has no marketplace.json.
    #[error("the repository has no {MARKETPLACE_PATH}, so it is not a Claude Code plugin marketplace; add one (see docs/SETUP.md)")]
    NoMarketplace,
    /// marketplace.json is malformed.
    #[error("the marketplace file is invalid: {0}; fix it and push again")]
    InvalidMarketplace(#[from] JsonFileError),
    /// The archive could not be read.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// One skill the connector serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    /// Unique across the marketplace; equals its folder's name.
    pub name: String,
    /// The group (plugin) that holds it.
    pub group: String,
    /// The skill's folder, e.g. `plugins/sales/skills/proposal-writer`.
    pub folder: String,
    /// From SKILL.md.
    pub description: String,
    /// The group's version (plugin.json, else the marketplace entry).
    pub version: Option<String>,
    /// Whether the group is listed in marketplace.json.
    pub published: bool,
    /// From the marketplace entry.
    pub category: Option<String>,
    /// Tags and keywords of the marketplace entry and plugin.json.
    pub tags: Vec<String>,
    /// Portable-format problems that do not stop serving the skill.
    pub warnings: Vec<String>,
    /// The SKILL.md's content stamp, so the next commit's build can reuse this entry.
    #[serde(default)]
    pub stamp: Option<ContentStamp>,
}

/// A group of skills (a Claude Code plugin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The plugin's name.
    pub name: String,
    /// Its folder, e.g. `plugins/sales`.
    pub folder: String,
    /// Whether it is listed in marketplace.json.
    pub published: bool,
    /// Its version.
    pub version: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its plugin.json as parsed, with the content it was parsed from, so that the next
    /// commit's build reuses it when unchanged; `None` when the group has none.
    #[serde(default)]
    pub manifest: Option<(ContentStamp, PluginManifest)>,
}

/// A skill (or a whole group) that could not be served, with the reason an editor needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file or folder concerned.
    pub path: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

/// The marketplace at one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// The commit it was built from.
    pub commit: String,
    /// marketplace.json's `name`.
    pub marketplace: String,
    /// marketplace.json's description, if any.
    pub description: Option<String>,
    /// Every servable skill, sorted by name.
    pub skills: Vec<Skill>,
    /// Every group found, sorted by folder.
    pub groups: Vec<Group>,
    /// Everything that was left out, sorted by path.
    pub skipped: Vec<Skipped>,
    /// The text of `.skillport/access.json` at this commit (`None`: no such file), so access is
    /// always decided by the rules of the commit being served.
    pub access: Option<String>,
}

impl Catalog {
    /// Builds the catalog of `commit` from its files in this invocation, reusing what `previous`
    /// (the catalog of an earlier commit) parsed from files that have not changed since.
    pub fn build(commit: &str, snapshot: &mut Snapshot, previous: Option<&Catalog>) -> Result<Catalog, CatalogError> {
        Build::plan(snapshot, previous)?.finish(commit, snapshot)
    }

    /// The skill called `name`, if served.
    pub fn skill(&self, name: &str) -> Option<&Skill> {
        self.skills.binary_search_by(|s| s.name.as_str().cmp(name)).ok().map(|i| &self.skills[i])
    }
}

/// Answers from parse workers that do not match the files they were sent.
#[derive(Debug, thiserror::Error)]
#[error("a parse worker answered for other files than it was sent ({0})")]
pub struct AnswerMismatch(&'static str);

/// A catalog build under way: marketplace.json read, every group folder and skill folder found,
/// each file either taken from the previous commit's catalog (same path, same content) or still
/// to parse.
///
/// Parsing is a build's real cost, so the files still to parse are listed ([`Build::pending`]);
/// they can be parsed in other invocations ([`parsed::slice`], [`parsed::parse_slice`]) and
/// handed back in the same order ([`Build::accept`]).
/// [`Build::finish`] parses whatever is still missing in place and assembles the catalog.
pub struct Build<'p> {
    marketplace: String,
    description: Option<String>,
    groups: Vec<GroupLayout<'p>>,
    skipped: Vec<Skipped>,
    /// The files still to parse.
    pending: Vec<PendingFile>,
}

/// Where a file's parsed form comes from.
enum Source<'p, T, R> {
    /// Not parsed yet.
    Pending,
    /// Unchanged since the previous commit, whose catalog has it.
    Reused(&'p R),
    /// Parsed by a parse worker.
    Parsed(Result<T, String>),
}

/// A group folder and what the build reads from it.
struct GroupLayout<'p> {
    folder: String,
    entry: Option<PluginEntry>,
    /// Its plugin.json, if it has one.
    manifest: Option<(FileId, Source<'p, PluginManifest, PluginManifest>)>,
    skills: Vec<SkillLayout<'p>>,
}

/// A skill folder (`<group>/skills/<skill>`) and its SKILL.md.
struct SkillLayout<'p> {
    folder: String,
    file: FileId,
    stamp: ContentStamp,
    source: Source<'p, SkillSummary, Skill>,
}

/// A file still to parse and where its answer goes.
struct PendingFile {
    file: FileId,
    stamp: ContentStamp,
    group: usize,
    /// The skill's index in its group; `None` for the group's plugin.json.
    skill: Option<usize>,
}

impl<'p> Build<'p> {
    /// Reads marketplace.json and finds the groups and skills of `snapshot`; what `previous`
    /// parsed from files unchanged since counts as parsed already.
    pub fn plan(snapshot: &mut Snapshot, previous: Option<&'p Catalog>) -> Result<Build<'p>, CatalogError> {
        if !snapshot.contains(MARKETPLACE_PATH) {
            return Err(CatalogError::NoMarketplace);
        }
        let marketplace: Marketplace = parse_json_file(MARKETPLACE_PATH, &snapshot.read(MARKETPLACE_PATH)?)?;
        let mut skipped = Vec::new();

        // Published groups, by folder.
        let mut entries: BTreeMap<String, PluginEntry> = BTreeMap::new();
        for (position, raw) in marketplace.plugins.iter().enumerate() {
            let entry = match PluginEntry::parse(raw, position) {
                Ok(entry) => entry,
                Err(reason) => {
                    skipped.push(Skipped { path: MARKETPLACE_PATH.into(), reason });
                    continue;
                }
            };
            match entry.local_folder() {
                None => skipped.push(Skipped {
                    path: MARKETPLACE_PATH.into(),
                    reason: format!("plugin entry {} has a source outside this repository; only folders of this repository (\"./plugins/<group>\") are served", entry.label()),
                }),
                Some(folder) if !has_files_under(snapshot, &folder) => skipped.push(Skipped {
                    path: MARKETPLACE_PATH.into(),
                    reason: format!("plugin entry {} points at ./{folder}, which does not exist", entry.label()),
                }),
                Some(folder) => match entries.entry(folder) {
                    std::collections::btree_map::Entry::Occupied(taken) => skipped.push(Skipped {
                        path: MARKETPLACE_PATH.into(),
                        reason: format!("plugin entry {} repeats the folder ./{}; the first entry is used", entry.label(), taken.key()),
                    }),
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(entry);
                    }
                },
            }
        }

        // Every group folder: the published ones plus any folder under plugins/.
        let mut folders: BTreeSet<String> = entries.keys().cloned().collect();
        let prefix = format!("{PLUGINS_DIR}/");
        let mut last_group = "";
        for path in snapshot.paths_with_prefix(&prefix) {
            if let Some((group, _)) = path[prefix.len()..].split_once('/') {
                // Paths are sorted, so a group's files are contiguous: one insert per group.
                if group != last_group {
                    folders.insert(format!("{prefix}{group}"));
                    last_group = group;
                }
            }
        }

        // What the previous catalog parsed. Its groups are sorted by folder; its skills by name,
        // and a served skill's name is its folder's name, so both are found by binary search.
        let previous_groups = previous.map(|p| p.groups.as_slice()).unwrap_or_default();

        let mut groups = Vec::with_capacity(folders.len());
        let mut pending = Vec::new();
        for folder in folders {
            let manifest = snapshot.file(&format!("{folder}/{PLUGIN_MANIFEST}")).map(|file| {
                let stamp = snapshot.stamp_of(file);
                let known = previous_groups
                    .binary_search_by(|g| g.folder.cmp(&folder))
                    .ok()
                    .and_then(|i| previous_groups[i].manifest.as_ref())
                    .filter(|(known, _)| *known == stamp);
                match known {
                    Some((_, manifest)) => (file, Source::Reused(manifest)),
                    None => {
                        pending.push(PendingFile { file, stamp, group: groups.len(), skill: None });
                        (file, Source::Pending)
                    }
                }
            });
            let mut skills = Vec::new();
            for (skill_folder, file) in skill_folders(snapshot, &folder) {
                let stamp = snapshot.stamp_of(file);
                let name = skill_folder.rsplit('/').next().unwrap_or_default();
                let known =
                    previous.and_then(|p| p.skill(name)).filter(|s| s.folder == skill_folder && s.stamp == Some(stamp));
                let source = match known {
                    Some(skill) => Source::Reused(skill),
                    None => {
                        pending.push(PendingFile { file, stamp, group: groups.len(), skill: Some(skills.len()) });
                        Source::Pending
                    }
                };
                skills.push(SkillLayout { folder: skill_folder, file, stamp, source });
            }
            groups.push(GroupLayout { entry: entries.remove(&folder), folder, manifest, skills });
        }
        Ok(Build {
            marketplace: marketplace.name,
            description: marketplace.metadata.and_then(|m| m.description),
            groups,
            skipped,
            pending,
        })
    }

    /// The files not parsed yet: every SKILL.md and plugin.json that is new or changed since the
    /// previous catalog.
    pub fn pending(&self) -> Vec<FileId> {
        self.pending.iter().map(|pending| pending.file).collect()
    }

    /// Takes in the files [`Build::pending`] listed, parsed elsewhere, in the same order.
    pub fn accept(&mut self, answers: Vec<ParsedFile>) -> Result<(), AnswerMismatch> {
        if answers.len() != self.pending.len() {
            return Err(AnswerMismatch("a different number of files"));
        }
        for (file, answer) in std::mem::take(&mut self.pending).into_iter().zip(answers) {
            if file.stamp != answer.stamp {
                return Err(AnswerMismatch("a different content"));
            }
            let group = &mut self.groups[file.group];
            match (file.skill, answer.parsed) {
                (Some(skill), Parsed::SkillMd(parsed)) => group.skills[skill].source = Source::Parsed(parsed),
                (None, Parsed::Manifest(parsed)) => {
                    if let Some((_, source)) = &mut group.manifest {
                        *source = Source::Parsed(parsed);
                    }
                }
                _ => return Err(AnswerMismatch("a different kind of file")),
            }
        }
        Ok(())
    }

    /// Parses what is still pending and assembles the catalog of `commit`.
    pub fn finish(self, commit: &str, snapshot: &mut Snapshot) -> Result<Catalog, CatalogError> {
        let mut skipped = self.skipped;
        let mut groups = Vec::with_capacity(self.groups.len());
        let mut candidates = Vec::new();
        for layout in self.groups {
            let manifest = match layout.manifest {
                None => None,
                Some((file, source)) => {
                    let stamp = snapshot.stamp_of(file);
                    let parsed = match source {
                        Source::Reused(manifest) => Ok(manifest.clone()),
                        Source::Parsed(parsed) => parsed,
                        Source::Pending => {
                            let bytes = snapshot.read_file(file)?;
                            parse_json_file::<PluginManifest>(snapshot.path(file), &bytes).map_err(|e| e.to_string())
                        }
                    };
                    match parsed {
                        Ok(manifest) => Some((stamp, manifest)),
                        Err(e) => {
                            skipped.push(Skipped {
                                path: format!("{}/{PLUGIN_MANIFEST}", layout.folder),
                                reason: format!("{e}; the group's skills are not served until it is fixed"),
                            });
                            continue;
                        }
                    }
                }
            };
            let plugin = manifest.as_ref().map(|(_, m)| m);
            let entry = layout.entry.as_ref();
            let folder_name = layout.folder.rsplit('/').next().unwrap_or(&layout.folder).to_string();
            let mut tags: Vec<String> = Vec::new();
            let keywords = plugin.map(|m| m.keywords.as_slice()).unwrap_or_default();
            for tag in entry.map(|e| e.tags.iter().chain(&e.keywords)).into_iter().flatten().chain(keywords) {
                if !tags.contains(tag) {
                    tags.push(tag.clone());
                }
            }
            let category = entry.and_then(|e| e.category.clone());
            let group = Group {
                name: entry
                    .map(|e| e.name.clone())
                    .or_else(|| plugin.and_then(|m| m.name.clone()))
                    .unwrap_or(folder_name),
                published: entry.is_some(),
                version: plugin.and_then(|m| m.version.clone()).or_else(|| entry.and_then(|e| e.version.clone())),
                description: plugin
                    .and_then(|m| m.description.clone())
                    .or_else(|| entry.and_then(|e| e.description.clone())),
                folder: layout.folder,
                manifest,
            };
            let index = groups.len();
            candidates.extend(layout.skills.into_iter().map(|skill| (skill, index)));
            groups.push((group, category, tags));
        }

        // Each SKILL.md, in path order.
        let mut skills: Vec<Skill> = Vec::with_capacity(candidates.len());
        candidates.sort_by(|a, b| a.0.folder.cmp(&b.0.folder));
        for (layout, group_index) in candidates {
            let (group, category, tags) = &groups[group_index];
            let parsed = match layout.source {
                Source::Reused(skill) => Ok(SkillSummary {
                    name: skill.name.clone(),
                    description: skill.description.clone(),
                    warnings: skill.warnings.clone(),
                }),
                Source::Parsed(parsed) => parsed,
                Source::Pending => parsed::parse_skill_file(&snapshot.read_file(layout.file)?),
            };
            let skill_file = || format!("{}/{SKILL_FILE}", layout.folder);
            let SkillSummary { name, description, warnings } = match parsed {
                Ok(summary) => summary,
                Err(e) => {
                    let reason = format!("{e}; the skill is not served until it is fixed");
                    skipped.push(Skipped { path: skill_file(), reason });
                    continue;
                }
            };
            let folder_name = layout.folder.rsplit('/').next().unwrap_or_default();
            if name != folder_name {
                skipped.push(Skipped { path: skill_file(), reason: format!("its name `{name}` differs from its folder `{folder_name}`; the Agent Skills format requires them to match") });
                continue;
            }
            skills.push(Skill {
                name,
                group: group.name.clone(),
                folder: layout.folder,
                description,
                version: group.version.clone(),
                published: group.published,
                category: category.clone(),
                tags: tags.clone(),
                warnings,
                stamp: Some(layout.stamp),
            });
        }
        // By name; a stable sort keeps path order among equal names, so the first by path wins.
        skills.sort_by(|a, b| a.name.cmp(&b.name));
        let mut unique: Vec<Skill> = Vec::with_capacity(skills.len());
        for skill in skills {
            match unique.last() {
                Some(first) if first.name == skill.name => skipped.push(Skipped {
                    path: format!("{}/{SKILL_FILE}", skill.folder),
                    reason: format!("another skill named `{}` exists at {}/SKILL.md; skill names must be unique across the marketplace", skill.name, first.folder),
                }),
                _ => unique.push(skill),
            }
        }
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        let access = if snapshot.contains(ACCESS_PATH) {
            // Not UTF-8 is kept as an empty file, which the access module reports as invalid JSON.
            Some(String::from_utf8(snapshot.read(ACCESS_PATH)?).unwrap_or_default())
        } else {
            None
        };

        Ok(Catalog {
            commit: commit.to_string(),
            marketplace: self.marketplace,
            description: self.description,
            skills: unique,
            groups: groups.into_iter().map(|(group, _, _)| group).collect(),
            skipped,
            access,
        })
    }
}

fn has_files_under(snapshot: &Snapshot, folder: &str) -> bool {
    snapshot.paths_with_prefix(&format!("{folder}/")).next().is_some()
}

/// `<group>/skills/<skill>` for every `<group>/skills/<skill>/SKILL.md`, with that file.
fn skill_folders(snapshot: &Snapshot, group_folder: &str) -> Vec<(String, FileId)> {
    let prefix = format!("{group_folder}/skills/");
    let suffix = format!("/{SKILL_FILE}");
    snapshot
        .files_with_prefix(&prefix)
        .filter(|(_, path)| path.ends_with(&suffix))
        .filter_map(|(file, path)| {
            // Every path listed starts with the prefix.
            let folder = &path[..path.len() - suffix.len()];
            let skill = folder.get(prefix.len()..)?;
            (!skill.is_empty() && !skill.contains('/')).then(|| (folder.to_string(), file))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::snapshot::test_support::zipball;
    use super::*;

    fn catalog(files: &[(&str, &str)]) -> Result<Catalog, CatalogError> {
        let files: Vec<(&str, &[u8], bool)> = files.iter().map(|(p, c)| (*p, c.as_bytes(), false)).collect();
        let mut snapshot = Snapshot::from_zip(zipball("acme-skills-0123456", &files)).unwrap();
        Catalog::build("0123456789", &mut snapshot, None)
    }

    const MARKETPLACE: &str = r#"{"name": "acme", "owner": {"name": "IT"}, "metadata": {"description": "Acme skills"},
        "plugins": [{"name": "sales", "source": "./plugins/sales", "category": "business", "tags": ["crm"], "version": "0.9.0"},
                    {"name": "remote", "source": {"source": "github", "repo": "a/b"}},
                    {"name": "ghost", "source": "./plugins/ghost"}]}"#;

    fn skill(name: &str, description: &str) -> String {
        format!("---\nname: {name}\ndescription: {description}\n---\nBody\n")
    }

    #[test]
    fn builds_groups_versions_and_skips_with_reasons() {
        let proposal = skill("proposal-writer", "Writes proposals");
        let crm = skill("crm-notes", "CRM notes");
        let dup = skill("proposal-writer", "Again");
        let draft = skill("draft", "Not yet");
        let catalog = catalog(&[
            (MARKETPLACE_PATH, MARKETPLACE),
            (
                "plugins/sales/.claude-plugin/plugin.json",
                r#"{"name": "sales", "version": "1.2.0", "keywords": ["deals"]}"#,
            ),
            ("plugins/sales/skills/proposal-writer/SKILL.md", &proposal),
            ("plugins/sales/skills/crm-notes/SKILL.md", &crm),
            ("plugins/sales/skills/broken/SKILL.md", "no frontmatter"),
            ("plugins/sales/skills/misnamed/SKILL.md", &skill("other-name", "x")),
            ("plugins/wip/skills/draft/SKILL.md", &draft),
            ("plugins/wip/skills/proposal-writer/SKILL.md", &dup),
        ])
        .unwrap();

        let names: Vec<_> = catalog.skills.iter().map(|s| (s.name.as_str(), s.group.as_str(), s.published)).collect();
        assert_eq!(names, [("crm-notes", "sales", true), ("draft", "wip", false), ("proposal-writer", "sales", true)]);
        let writer = catalog.skill("proposal-writer").unwrap();
        assert_eq!(writer.version.as_deref(), Some("1.2.0"), "plugin.json wins over the marketplace entry");
        assert_eq!(writer.tags, ["crm", "deals"]);
        assert_eq!(writer.category.as_deref(), Some("business"));
        assert_eq!(catalog.description.as_deref(), Some("Acme skills"));

        let reasons: Vec<_> = catalog.skipped.iter().map(|s| format!("{}: {}", s.path, s.reason)).collect();
        assert_eq!(reasons.len(), 5, "{reasons:#?}");
        assert!(reasons.iter().any(|r| r.contains("`remote` has a source outside")));
        assert!(reasons.iter().any(|r| r.contains("`ghost` points at ./plugins/ghost")));
        assert!(reasons.iter().any(|r| r.starts_with("plugins/sales/skills/broken/SKILL.md: SKILL.md must begin")));
        assert!(reasons.iter().any(|r| r.contains("`other-name` differs from its folder `misnamed`")));
        assert!(reasons.iter().any(|r| r.starts_with("plugins/wip/skills/proposal-writer/SKILL.md: another skill named `proposal-writer` exists at plugins/sales/skills/proposal-writer")));
    }

    #[test]
    fn unchanged_skill_files_are_reused_from_the_previous_catalog() {
        let files = |description: &str| {
            let a = skill("a", description);
            let b = skill("b", "B");
            let owned = [
                (MARKETPLACE_PATH, MARKETPLACE.to_string()),
                ("plugins/sales/skills/a/SKILL.md", a),
                ("plugins/sales/skills/b/SKILL.md", b),
            ];
            let entries: Vec<(&str, &[u8], bool)> = owned.iter().map(|(p, c)| (*p, c.as_bytes(), false)).collect();
            Snapshot::from_zip(zipball("acme-skills-0123456", &entries)).unwrap()
        };
        let first = Catalog::build("1", &mut files("A"), None).unwrap();
        // Forge the previous entry of `b` to prove it is reused rather than parsed again.
        let mut previous = first.clone();
        previous.skills[1].description = "from the previous catalog".into();
        let second = Catalog::build("2", &mut files("A changed"), Some(&previous)).unwrap();
        assert_eq!(second.skill("a").unwrap().description, "A changed", "changed files are parsed");
        assert_eq!(second.skill("b").unwrap().description, "from the previous catalog", "unchanged files are reused");
        assert_eq!(
            Catalog::build("2", &mut files("A changed"), Some(&first)).unwrap(),
            Catalog::build("2", &mut files("A changed"), None).unwrap(),
            "an incremental build equals a build from scratch"
        );
    }

    #[test]
    fn a_broken_plugin_json_skips_only_its_group() {
        let catalog = catalog(&[
            (MARKETPLACE_PATH, MARKETPLACE),
            ("plugins/sales/.claude-plugin/plugin.json", "{ not json"),
            ("plugins/sales/skills/a/SKILL.md", &skill("a", "A")),
            ("plugins/other/skills/b/SKILL.md", &skill("b", "B")),
        ])
        .unwrap();
        assert_eq!(catalog.skills.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["b"]);
        assert!(catalog
            .skipped
            .iter()
            .any(|s| s.path == "plugins/sales/.claude-plugin/plugin.json" && s.reason.contains("line 1")));
    }

    #[test]
    fn a_missing_or_broken_marketplace_is_a_clear_error() {
        assert!(matches!(catalog(&[("README.md", "hi")]), Err(CatalogError::NoMarketplace)));
        let error = catalog(&[(MARKETPLACE_PATH, "{\"name\": ")]).unwrap_err().to_string();
        assert!(error.contains(".claude-plugin/marketplace.json line 1"), "{error}");
    }
}
