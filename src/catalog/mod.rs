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
use parsed::{Parsed, ParsedFile, ParsedFiles, SkillSummary, SKILL_FILE};
use serde::{Deserialize, Serialize};
use snapshot::{ContentStamp, Snapshot, SnapshotError};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

    /// Everything this catalog parsed, for the next commit's build to reuse where unchanged.
    fn parsed_files(&self) -> ParsedFiles {
        let mut known = ParsedFiles::default();
        for skill in &self.skills {
            if let Some(stamp) = skill.stamp {
                let summary = SkillSummary {
                    name: skill.name.clone(),
                    description: skill.description.clone(),
                    warnings: skill.warnings.clone(),
                };
                known.insert(format!("{}/{SKILL_FILE}", skill.folder), stamp, Parsed::SkillMd(Ok(summary)));
            }
        }
        for group in &self.groups {
            if let Some((stamp, manifest)) = &group.manifest {
                let path = format!("{}/{PLUGIN_MANIFEST}", group.folder);
                known.insert(path, *stamp, Parsed::Manifest(Ok(manifest.clone())));
            }
        }
        known
    }
}

/// A catalog build under way: marketplace.json read, every group folder and skill folder found,
/// and the files parsed so far.
///
/// Parsing is a build's real cost, so the plan says which files still need it
/// ([`Build::pending`]); they can be parsed in other invocations ([`parsed::slice_archive`],
/// [`parsed::parse_slice`]) and handed back ([`Build::accept`]). [`Build::finish`] parses whatever
/// is still missing in place and assembles the catalog.
pub struct Build {
    marketplace: String,
    description: Option<String>,
    groups: Vec<GroupLayout>,
    skipped: Vec<Skipped>,
    known: ParsedFiles,
}

/// A group folder and what the build reads from it.
struct GroupLayout {
    folder: String,
    entry: Option<PluginEntry>,
    /// Its plugin.json's path and content stamp, if it has one.
    manifest: Option<(String, ContentStamp)>,
    /// Each skill folder (`<group>/skills/<skill>`) with its SKILL.md's content stamp.
    skills: Vec<(String, ContentStamp)>,
}

impl Build {
    /// Reads marketplace.json and finds the groups and skills of `snapshot`; what `previous`
    /// parsed from files unchanged since counts as parsed already.
    pub fn plan(snapshot: &mut Snapshot, previous: Option<&Catalog>) -> Result<Build, CatalogError> {
        if !snapshot.contains(MARKETPLACE_PATH) {
            return Err(CatalogError::NoMarketplace);
        }
        let marketplace: Marketplace = parse_json_file(MARKETPLACE_PATH, &snapshot.read(MARKETPLACE_PATH)?)?;
        let mut skipped = Vec::new();

        // Published groups, by folder.
        let mut entries: BTreeMap<String, PluginEntry> = BTreeMap::new();
        for (position, raw) in marketplace.plugins.into_iter().enumerate() {
            let label = raw
                .get("name")
                .and_then(|n| n.as_str())
                .map_or_else(|| format!("#{}", position + 1), |n| format!("`{n}`"));
            let entry: PluginEntry = match serde_json::from_value(raw) {
                Ok(entry) => entry,
                Err(e) => {
                    skipped.push(Skipped {
                        path: MARKETPLACE_PATH.into(),
                        reason: format!("plugin entry {label} is malformed: {e}"),
                    });
                    continue;
                }
            };
            match entry.local_folder() {
                None => skipped.push(Skipped {
                    path: MARKETPLACE_PATH.into(),
                    reason: format!("plugin entry {label} has a source outside this repository; only folders of this repository (\"./plugins/<group>\") are served"),
                }),
                Some(folder) if !has_files_under(snapshot, &folder) => skipped.push(Skipped {
                    path: MARKETPLACE_PATH.into(),
                    reason: format!("plugin entry {label} points at ./{folder}, which does not exist"),
                }),
                Some(folder) => match entries.entry(folder) {
                    std::collections::btree_map::Entry::Occupied(taken) => skipped.push(Skipped {
                        path: MARKETPLACE_PATH.into(),
                        reason: format!("plugin entry {label} repeats the folder ./{}; the first entry is used", taken.key()),
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
        let groups = folders
            .into_iter()
            .map(|folder| {
                let manifest_path = format!("{folder}/{PLUGIN_MANIFEST}");
                GroupLayout {
                    entry: entries.remove(&folder),
                    manifest: snapshot.stamp(&manifest_path).map(|stamp| (manifest_path, stamp)),
                    skills: skill_folders(snapshot, &folder),
                    folder,
                }
            })
            .collect();
        Ok(Build {
            marketplace: marketplace.name,
            description: marketplace.metadata.and_then(|m| m.description),
            groups,
            skipped,
            known: previous.map(Catalog::parsed_files).unwrap_or_default(),
        })
    }

    /// The files not parsed yet: every SKILL.md and plugin.json that is new or changed.
    pub fn pending(&self) -> Vec<String> {
        let mut pending = Vec::new();
        for group in &self.groups {
            if let Some((path, stamp)) = &group.manifest {
                if !self.known.contains(path, *stamp) {
                    pending.push(path.clone());
                }
            }
            for (folder, stamp) in &group.skills {
                let path = format!("{folder}/{SKILL_FILE}");
                if !self.known.contains(&path, *stamp) {
                    pending.push(path);
                }
            }
        }
        pending
    }

    /// Takes in files parsed elsewhere (a slice's answer). Each counts only for the exact
    /// content it was parsed from.
    pub fn accept(&mut self, files: Vec<ParsedFile>) {
        for file in files {
            self.known.insert(file.path, file.stamp, file.parsed);
        }
    }

    /// Parses what is still pending and assembles the catalog of `commit`.
    pub fn finish(mut self, commit: &str, snapshot: &mut Snapshot) -> Result<Catalog, CatalogError> {
        let mut skipped = std::mem::take(&mut self.skipped);
        let mut groups = Vec::new();
        let mut candidates = Vec::new();
        for layout in std::mem::take(&mut self.groups) {
            let manifest = match &layout.manifest {
                None => None,
                Some((path, stamp)) => {
                    let parsed = match self.known.take_manifest(path, *stamp) {
                        Some(parsed) => parsed,
                        None => {
                            parse_json_file::<PluginManifest>(path, &snapshot.read(path)?).map_err(|e| e.to_string())
                        }
                    };
                    match parsed {
                        Ok(manifest) => Some((*stamp, manifest)),
                        Err(e) => {
                            skipped.push(Skipped {
                                path: path.clone(),
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
            let group = Group {
                name: entry
                    .map(|e| e.name.clone())
                    .or_else(|| plugin.and_then(|m| m.name.clone()))
                    .unwrap_or(folder_name),
                folder: layout.folder.clone(),
                published: entry.is_some(),
                version: plugin.and_then(|m| m.version.clone()).or_else(|| entry.and_then(|e| e.version.clone())),
                description: plugin
                    .and_then(|m| m.description.clone())
                    .or_else(|| entry.and_then(|e| e.description.clone())),
                manifest: manifest.clone(),
            };
            let mut tags: Vec<String> = Vec::new();
            let keywords = plugin.map(|m| m.keywords.as_slice()).unwrap_or_default();
            for tag in entry.map(|e| e.tags.iter().chain(&e.keywords)).into_iter().flatten().chain(keywords) {
                if !tags.contains(tag) {
                    tags.push(tag.clone());
                }
            }
            let category = entry.and_then(|e| e.category.clone());
            for skill in layout.skills {
                candidates.push((skill, groups.len()));
            }
            groups.push((group, category, tags));
        }

        // Each SKILL.md; the first skill of a name (by path) wins.
        let mut skills: Vec<Skill> = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        candidates.sort_by(|a, b| a.0 .0.cmp(&b.0 .0));
        for ((skill_folder, stamp), group_index) in candidates {
            let (group, category, tags) = &groups[group_index];
            let path = format!("{skill_folder}/{SKILL_FILE}");
            let folder_name = skill_folder.rsplit('/').next().unwrap_or_default();
            let parsed = match self.known.take_skill_file(&path, stamp) {
                Some(parsed) => parsed,
                None => parsed::parse_skill_file(&snapshot.read(&path)?),
            };
            let summary = match parsed {
                Ok(summary) => summary,
                Err(e) => {
                    skipped.push(Skipped { path, reason: format!("{e}; the skill is not served until it is fixed") });
                    continue;
                }
            };
            let SkillSummary { name, description, warnings } = summary;
            if name != folder_name {
                skipped.push(Skipped { path, reason: format!("its name `{name}` differs from its folder `{folder_name}`; the Agent Skills format requires them to match") });
                continue;
            }
            if let Some(first) = seen.get(&name) {
                skipped.push(Skipped { path, reason: format!("another skill named `{name}` exists at {first}/SKILL.md; skill names must be unique across the marketplace") });
                continue;
            }
            seen.insert(name.clone(), skill_folder.clone());
            skills.push(Skill {
                name,
                group: group.name.clone(),
                folder: skill_folder,
                description,
                version: group.version.clone(),
                published: group.published,
                category: category.clone(),
                tags: tags.clone(),
                warnings,
                stamp: Some(stamp),
            });
        }
        skills.sort_by(|a, b| a.name.cmp(&b.name));
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
            skills,
            groups: groups.into_iter().map(|(group, _, _)| group).collect(),
            skipped,
            access,
        })
    }
}

fn has_files_under(snapshot: &Snapshot, folder: &str) -> bool {
    let prefix = format!("{folder}/");
    let found = snapshot.paths_with_prefix(&prefix).next().is_some();
    found
}

/// `<group>/skills/<skill>` for every `<group>/skills/<skill>/SKILL.md`, with its stamp.
fn skill_folders(snapshot: &Snapshot, group_folder: &str) -> Vec<(String, ContentStamp)> {
    let prefix = format!("{group_folder}/skills/");
    let suffix = format!("/{SKILL_FILE}");
    snapshot
        .files_with_prefix(&prefix)
        .filter_map(|(path, stamp)| {
            let skill = path.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
            (!skill.is_empty() && !skill.contains('/')).then(|| (format!("{prefix}{skill}"), stamp))
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
