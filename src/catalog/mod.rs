//! The catalog: every skill of the marketplace at one commit, with its group, version and
//! description, plus what was skipped and why.
//!
//! Built once per commit from a [`Zipball`] and immutable afterwards, so it can be cached under
//! the commit's sha forever. Which folders are skills follows Claude Code's plugin loading rules
//! ([`layout`]), so every layout Claude Code installs is served.

pub mod layout;
pub mod manifest_schema;
pub mod skill_files;
pub mod skill_md;
pub mod slices;

use crate::access::ACCESS_PATH;
use crate::zipball::{ContentStamp, FileId, Zipball, ZipballError};
use layout::{GroupSpec, SkillFolder};
use manifest_schema::{
    EntrySource, JsonFileError, Marketplace, PluginEntry, PluginManifest, MARKETPLACE_PATH, PLUGIN_MANIFEST,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
pub use skill_files::{FileList, SkillFile, SkillFiles};
use skill_files::{FileSlot, PlannedFiles};
pub use slices::Sha256Digest;
use slices::{ParsedFile, SkillSummary, Work, SKILL_FILE};
use std::collections::{BTreeMap, BTreeSet};

/// The folder under which unpublished groups are discovered, and new groups are created.
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
    Zipball(#[from] ZipballError),
}

/// One skill the connector serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    /// Unique across the marketplace: its SKILL.md `name` (the folder's name when it has none).
    pub name: String,
    /// The group (plugin) that holds it.
    pub group: String,
    /// The skill's folder, e.g. `plugins/sales/skills/proposal-writer` or `skills/xlsx`; its last
    /// segment may differ from `name`.
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
    /// Agent Skills rules it breaks that Claude Code tolerates (Claude.ai's upload may not).
    pub warnings: Vec<String>,
    /// The SKILL.md's content stamp, so the next commit's build can reuse this entry.
    pub stamp: Option<ContentStamp>,
    /// The SKILL.md frontmatter as written, as JSON text, as the Skills extension serves it; or
    /// why the extension cannot serve it.
    pub frontmatter: Result<String, String>,
    /// Every file of the skill with its digest, as the Skills extension lists them.
    pub files: SkillFiles,
}

/// Where a published group's entry is in marketplace.json, and what it carries that writes keep
/// true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRef {
    /// Its position in `plugins`.
    pub index: usize,
    /// `strict` as Claude Code reads it (default `true`).
    pub strict: bool,
    /// Its own `skills` paths, as written.
    pub skills: Vec<String>,
    /// Whether it has a `version` (kept equal to plugin.json's by `bump_version`).
    pub has_version: bool,
}

/// A group of skills (a Claude Code plugin): the one reference to it that every write tool
/// uses, so no tool rebuilds a path from a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The plugin's name: its marketplace entry's, else its plugin.json's, else its folder's.
    pub name: String,
    /// The plugin root, e.g. `plugins/sales`; `""` is the repository root.
    pub root: String,
    /// Whether it is listed in marketplace.json.
    pub published: bool,
    /// Its version.
    pub version: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its plugin.json as parsed, with the content stamp it was parsed from, so that the next
    /// commit's build reuses it when unchanged; `None` when the root has none.
    pub manifest: Option<(ContentStamp, PluginManifest)>,
    /// Its marketplace entry; `None` for an unpublished group.
    pub entry: Option<EntryRef>,
}

impl Group {
    /// Where its plugin.json is (or would be).
    pub fn manifest_path(&self) -> String {
        layout::join(&self.root, PLUGIN_MANIFEST)
    }

    /// The folder new skills of the group go in: `<root>/skills`, Claude Code's default.
    pub fn skills_folder(&self) -> String {
        layout::join(&self.root, "skills")
    }

    /// `path` (a folder of the repository) as the group's entry or plugin.json lists it:
    /// relative to the root, with `./`.
    pub fn relative_path(&self, path: &str) -> String {
        let relative =
            if self.root.is_empty() { path } else { path.strip_prefix(&format!("{}/", self.root)).unwrap_or(path) };
        format!("./{relative}")
    }
}

/// A marketplace entry served from somewhere else (another repository, a URL, a package).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct External {
    /// The entry's name.
    pub name: String,
    /// Its kind and where it points, e.g. `github: owner/repo`.
    pub source: String,
}

/// A skill (or a whole group) that could not be served, with the reason an editor needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file or folder concerned.
    pub path: String,
    /// What is wrong and how to fix it.
    pub reason: String,
    /// For a skill folder whose SKILL.md is unreadable: the group that holds it, so the write
    /// tools can repair or delete it.
    pub group: Option<String>,
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
    /// Every group, sorted by name.
    pub groups: Vec<Group>,
    /// Entries served from elsewhere, in marketplace order.
    pub external: Vec<External>,
    /// Everything that was left out, sorted by path.
    pub skipped: Vec<Skipped>,
    /// The text of `.skillport/access.json` at this commit (`None`: no such file), so access is
    /// always decided by the rules of the commit being served.
    pub access: Option<String>,
}

impl Catalog {
    /// Builds the catalog of `commit` from its files in this invocation, reusing what `previous`
    /// (the catalog of an earlier commit) parsed from files that have not changed since.
    pub fn build(commit: &str, zipball: &mut Zipball, previous: Option<&Catalog>) -> Result<Catalog, CatalogError> {
        Build::plan(zipball, previous)?.finish(commit, zipball)
    }

    /// The skill called `name`, if served.
    pub fn skill(&self, name: &str) -> Option<&Skill> {
        self.skills.binary_search_by(|s| s.name.as_str().cmp(name)).ok().map(|i| &self.skills[i])
    }

    /// The group called `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.binary_search_by(|g| g.name.as_str().cmp(name)).ok().map(|i| &self.groups[i])
    }

    /// The groups whose plugin root is `root`.
    pub fn groups_at<'c>(&'c self, root: &'c str) -> impl Iterator<Item = &'c Group> + 'c {
        self.groups.iter().filter(move |g| g.root == root)
    }

    /// The folder and group of skill `name`, served or not: a skill whose SKILL.md is broken is
    /// not in the catalog, but its folder exists and may be repaired or deleted.
    pub fn skill_folder(&self, name: &str) -> Option<(&Group, &str)> {
        if let Some(skill) = self.skill(name) {
            return Some((self.group(&skill.group)?, skill.folder.as_str()));
        }
        self.skipped.iter().find_map(|skipped| {
            let group = self.group(skipped.group.as_deref()?)?;
            let folder = skipped.path.strip_suffix(&format!("/{SKILL_FILE}"))?;
            (folder.rsplit('/').next() == Some(name)).then_some((group, folder))
        })
    }
}

/// Answers from parse workers that do not match the files they were sent.
#[derive(Debug, thiserror::Error)]
#[error("a parse worker answered for other files than it was sent ({0})")]
pub struct AnswerMismatch(&'static str);

/// A catalog build under way: marketplace.json and every plugin.json read, every skill folder
/// found and assigned to its group, each SKILL.md either taken from the previous commit's
/// catalog (same path, same content) or still to parse.
///
/// Parsing SKILL.md files is a build's real cost, so the files still to parse are listed
/// ([`Build::pending`]); they can be parsed in other invocations ([`slices::slice`],
/// [`slices::parse_slice`]) and handed back in the same order ([`Build::accept`]).
/// [`Build::finish`] parses whatever is still missing in place and assembles the catalog.
pub struct Build<'p> {
    marketplace: String,
    description: Option<String>,
    groups: Vec<Group>,
    /// Category and tags of each group, for its skills.
    listing: Vec<(Option<String>, Vec<String>)>,
    skills: Vec<SkillLayout<'p>>,
    external: Vec<External>,
    skipped: Vec<Skipped>,
}

/// Where a SKILL.md's parsed form comes from.
enum Source<'p> {
    /// Not parsed yet.
    Pending,
    /// Unchanged since the previous commit, whose catalog has it.
    Reused(&'p Skill),
    /// Parsed by a parse worker.
    Parsed(Result<SkillSummary, String>),
}

/// A skill folder, its group, its SKILL.md and its files.
struct SkillLayout<'p> {
    folder: String,
    group: usize,
    file: FileId,
    stamp: ContentStamp,
    source: Source<'p>,
    /// The files to list with their digests, or why the skill is beyond the Skills extension.
    files: Result<PlannedFiles<'p>, String>,
}

impl SkillLayout<'_> {
    /// The files whose digests may still be missing.
    fn slots(&self) -> impl Iterator<Item = &FileSlot> + '_ {
        match &self.files {
            Ok(PlannedFiles::Slots(slots)) => slots.as_slice(),
            _ => &[],
        }
        .iter()
    }
}

/// A marketplace entry on its way to being a group.
struct EntryPlan {
    index: usize,
    entry: PluginEntry,
    root: String,
}

impl<'p> Build<'p> {
    /// Reads marketplace.json and every plugin.json, and finds the groups and skills of
    /// `zipball`; what `previous` parsed from files unchanged since counts as parsed already.
    pub fn plan(zipball: &mut Zipball, previous: Option<&'p Catalog>) -> Result<Build<'p>, CatalogError> {
        if !zipball.contains(MARKETPLACE_PATH) {
            return Err(CatalogError::NoMarketplace);
        }
        let marketplace: Marketplace =
            manifest_schema::parse_json_file(MARKETPLACE_PATH, &zipball.read(MARKETPLACE_PATH)?)?;
        let plugin_root = marketplace.metadata.as_ref().and_then(|m| m.plugin_root.clone());
        let mut skipped = Vec::new();
        let mut external = Vec::new();
        let skip_entry = |skipped: &mut Vec<Skipped>, reason: String| {
            skipped.push(Skipped { path: MARKETPLACE_PATH.into(), reason, group: None })
        };

        // Published groups, in marketplace order.
        let mut entries: Vec<EntryPlan> = Vec::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for (index, raw) in marketplace.plugins.iter().enumerate() {
            let entry = match PluginEntry::parse(raw, index) {
                Ok(entry) => entry,
                Err(reason) => {
                    skip_entry(&mut skipped, reason);
                    continue;
                }
            };
            let label = entry.label();
            match entry.source(plugin_root.as_deref()) {
                EntrySource::External(source) => {
                    skip_entry(&mut skipped, format!("plugin entry {label} is served from another repository ({source}); the connector serves only this repository's folders"));
                    external.push(External { name: entry.name, source });
                }
                EntrySource::Invalid(reason) => {
                    skip_entry(
                        &mut skipped,
                        format!("plugin entry {label} has source {reason}; use ./<folder> inside this repository"),
                    );
                }
                EntrySource::Local(root) if !layout::has_files_under(zipball, &root) => {
                    skip_entry(&mut skipped, format!("plugin entry {label} points at ./{root}, which does not exist"));
                }
                EntrySource::Local(_) if names.contains(&entry.name) => {
                    skip_entry(
                        &mut skipped,
                        format!("plugin entry {label} repeats the name of an earlier entry; the first is used"),
                    );
                }
                EntrySource::Local(root) => {
                    names.insert(entry.name.clone());
                    entries.push(EntryPlan { index, entry, root });
                }
            }
        }

        // Unpublished groups: folders under plugins/ that no entry uses as its root.
        let roots: BTreeSet<&str> = entries.iter().map(|e| e.root.as_str()).collect();
        let prefix = format!("{PLUGINS_DIR}/");
        let unpublished: Vec<String> = zipball
            .subfolders(&prefix)
            .into_iter()
            .map(|name| format!("{prefix}{name}"))
            .filter(|folder| !roots.contains(folder.as_str()))
            .collect();

        // Each root's plugin.json, parsed here (its `skills` field decides which folders are
        // skills) unless unchanged since the previous commit.
        let mut known: BTreeMap<&str, &(ContentStamp, PluginManifest)> = BTreeMap::new();
        for group in previous.map(|p| p.groups.as_slice()).unwrap_or_default() {
            if let Some(manifest) = &group.manifest {
                known.insert(group.root.as_str(), manifest);
            }
        }
        let mut manifests: BTreeMap<String, Result<Option<(ContentStamp, PluginManifest)>, String>> = BTreeMap::new();
        for root in roots.iter().map(|r| r.to_string()).chain(unpublished.iter().cloned()) {
            let path = layout::join(&root, PLUGIN_MANIFEST);
            let parsed = match zipball.file(&path) {
                None => Ok(None),
                Some(file) => {
                    let stamp = zipball.stamp_of(file);
                    match known.get(root.as_str()).filter(|(known, _)| *known == stamp) {
                        Some((_, manifest)) => Ok(Some((stamp, manifest.clone()))),
                        None => {
                            let bytes = zipball.read_file(file)?;
                            PluginManifest::parse(&path, &bytes).map(|m| Some((stamp, m))).map_err(|e| e.to_string())
                        }
                    }
                }
            };
            if let Err(reason) = &parsed {
                skipped.push(Skipped {
                    path,
                    reason: format!("{reason}; the group's skills are not served until it is fixed"),
                    group: None,
                });
            }
            manifests.insert(root, parsed);
        }

        let mut groups: Vec<Group> = Vec::new();
        let mut listing = Vec::new();
        for plan in entries {
            let Some(Ok(manifest)) = manifests.get(&plan.root) else { continue };
            let entry = plan.entry;
            if !entry.is_strict() {
                if let Some((_, m)) = manifest.as_ref().filter(|(_, m)| !m.components.is_empty()) {
                    skip_entry(&mut skipped, format!(
                        "plugin entry {} has \"strict\": false, so it must define the whole plugin, but {} also declares {}; Claude Code refuses to load such a plugin: move them into the entry or drop \"strict\": false",
                        entry.label(), layout::join(&plan.root, PLUGIN_MANIFEST), m.components.join(", ")
                    ));
                    continue;
                }
            }
            listing.push(listing_of(Some(&entry), manifest.as_ref().map(|(_, m)| m)));
            groups.push(Group {
                version: manifest.as_ref().and_then(|(_, m)| m.version.clone()).or_else(|| entry.version.clone()),
                description: manifest
                    .as_ref()
                    .and_then(|(_, m)| m.description.clone())
                    .or_else(|| entry.description.clone()),
                name: entry.name,
                root: plan.root,
                published: true,
                manifest: manifest.clone(),
                entry: Some(EntryRef {
                    index: plan.index,
                    strict: entry.strict != Some(false),
                    skills: entry.skills.map(|s| s.0).unwrap_or_default(),
                    has_version: entry.version.is_some(),
                }),
            });
        }
        for root in unpublished {
            let Some(Ok(manifest)) = manifests.get(&root) else { continue };
            let plugin = manifest.as_ref().map(|(_, m)| m);
            let name = plugin.and_then(|m| m.name.clone()).unwrap_or_else(|| root[prefix.len()..].to_string());
            if !names.insert(name.clone()) {
                skipped.push(Skipped {
                    path: layout::join(&root, PLUGIN_MANIFEST),
                    reason: format!("the unpublished group in {root} is named `{name}`, like another group; rename it in its plugin.json"),
                    group: None,
                });
                continue;
            }
            listing.push(listing_of(None, plugin));
            groups.push(Group {
                name,
                version: plugin.and_then(|m| m.version.clone()),
                description: plugin.and_then(|m| m.description.clone()),
                root,
                published: false,
                manifest: manifest.clone(),
                entry: None,
            });
        }

        // Which folders are skills, and whose.
        let specs: Vec<GroupSpec<'_>> = groups
            .iter()
            .map(|group| GroupSpec {
                label: match &group.entry {
                    Some(_) => format!("plugin entry `{}`", group.name),
                    None => format!("the unpublished group in {}", group.root),
                },
                root: &group.root,
                manifest: group.manifest.as_ref().map(|(_, m)| m),
                entry_skills: group.entry.as_ref().map(|e| e.skills.as_slice()).unwrap_or_default(),
                strict: group.entry.as_ref().is_none_or(|e| e.strict),
            })
            .collect();
        let folders = layout::assign(zipball, &specs, &mut skipped);
        // The previous commit's skills by content stamp: a skill is reused when its SKILL.md has
        // the same stamp in the same folder. Searching numbers is cheaper than searching names.
        let mut by_stamp: Vec<(ContentStamp, &'p Skill)> =
            previous.map(|p| p.skills.iter().filter_map(|s| Some((s.stamp?, s))).collect()).unwrap_or_default();
        by_stamp.sort_unstable_by_key(|(stamp, _)| *stamp);
        // A changed SKILL.md's other files keep their digests: its skill found by folder, in an
        // index made only when some SKILL.md changed.
        let mut by_folder: Option<Vec<(&'p str, &'p Skill)>> = None;
        let mut skills = Vec::with_capacity(folders.len());
        for SkillFolder { folder, file, group } in folders {
            let stamp = zipball.stamp_of(file);
            let same = &by_stamp[by_stamp.partition_point(|(s, _)| *s < stamp)..];
            let reused =
                same.iter().take_while(|(s, _)| *s == stamp).find(|(_, s)| s.folder == folder).map(|(_, s)| *s);
            let (source, before) = match reused {
                Some(skill) => (Source::Reused(skill), Some(skill)),
                None => {
                    // Usually named after its folder: found by name, else by folder.
                    let name = folder.rsplit('/').next().unwrap_or_default();
                    if let Some(skill) = previous.and_then(|p| p.skill(name)).filter(|s| s.folder == folder) {
                        let files = skill_files::plan(zipball, &folder, file, skill.files.listed());
                        skills.push(SkillLayout { folder, group, file, stamp, source: Source::Pending, files });
                        continue;
                    }
                    let index = by_folder.get_or_insert_with(|| {
                        let mut index: Vec<(&str, &Skill)> = previous
                            .map(|p| p.skills.iter().map(|s| (s.folder.as_str(), s)).collect())
                            .unwrap_or_default();
                        index.sort_unstable_by_key(|(folder, _)| *folder);
                        index
                    });
                    let before = index.binary_search_by_key(&folder.as_str(), |(f, _)| f).ok().map(|i| index[i].1);
                    (Source::Pending, before)
                }
            };
            let files = skill_files::plan(zipball, &folder, file, before.and_then(|s| s.files.listed()));
            skills.push(SkillLayout { folder, group, file, stamp, source, files });
        }
        Ok(Build {
            marketplace: marketplace.name,
            description: marketplace.metadata.and_then(|m| m.description),
            groups,
            listing,
            skills,
            external,
            skipped,
        })
    }

    /// The files still to read: every SKILL.md that is new or changed since the previous
    /// catalog (to parse and digest), and every other file of a skill whose digest is not known.
    pub fn pending(&self) -> Vec<Work> {
        let mut work = Vec::new();
        for skill in &self.skills {
            let parse = matches!(skill.source, Source::Pending);
            if parse {
                work.push(Work { file: skill.file, parse: true });
            }
            for slot in skill.slots().filter(|s| s.sha256.is_none()) {
                if !(parse && slot.file == skill.file) {
                    work.push(Work { file: slot.file, parse: false });
                }
            }
        }
        work
    }

    /// Takes in what [`Build::pending`] listed, read elsewhere, in the same order.
    pub fn accept(&mut self, answers: Vec<ParsedFile>) -> Result<(), AnswerMismatch> {
        let mut answers = answers.into_iter();
        let mut next = |stamp: ContentStamp| {
            let answer = answers.next().ok_or(AnswerMismatch("fewer files"))?;
            if answer.stamp != stamp {
                return Err(AnswerMismatch("a different content"));
            }
            Ok(answer)
        };
        for skill in &mut self.skills {
            let mut parsed_digest = None;
            if matches!(skill.source, Source::Pending) {
                let answer = next(skill.stamp)?;
                parsed_digest = Some(answer.sha256);
                skill.source = Source::Parsed(answer.parsed.ok_or(AnswerMismatch("a file not parsed"))?);
            }
            let skill_file = skill.file;
            let slots = match &mut skill.files {
                Ok(PlannedFiles::Slots(slots)) => slots.as_mut_slice(),
                _ => &mut [],
            };
            for slot in slots.iter_mut().filter(|s| s.sha256.is_none()) {
                slot.sha256 = match parsed_digest.filter(|_| slot.file == skill_file) {
                    Some(digest) => Some(digest),
                    None => Some(next(slot.stamp)?.sha256),
                };
            }
        }
        match answers.next() {
            Some(_) => Err(AnswerMismatch("more files")),
            None => Ok(()),
        }
    }

    /// Parses what is still pending and assembles the catalog of `commit`.
    pub fn finish(self, commit: &str, zipball: &mut Zipball) -> Result<Catalog, CatalogError> {
        let mut skipped = self.skipped;
        let mut skills: Vec<Skill> = Vec::with_capacity(self.skills.len());
        for layout in self.skills {
            let group = &self.groups[layout.group];
            let folder_name = layout.folder.rsplit('/').next().unwrap_or_default();
            let parsed = match layout.source {
                Source::Reused(skill) => Ok(SkillSummary {
                    name: skill.name.clone(),
                    description: skill.description.clone(),
                    warnings: skill.warnings.clone(),
                    frontmatter: skill.frontmatter.clone(),
                }),
                Source::Parsed(parsed) => parsed,
                // Refused from the size the zip declares, before anything is inflated.
                Source::Pending if zipball.stamp_of(layout.file).size > skill_md::MAX_SKILL_MD_BYTES as u64 => {
                    Err(skill_md::SkillMdError::TooLarge.to_string())
                }
                Source::Pending => slices::parse_skill_file(&zipball.read_file(layout.file)?, folder_name),
            };
            let files = match layout.files {
                Ok(PlannedFiles::Same(list)) => SkillFiles::Listed(list.clone()),
                Ok(PlannedFiles::Slots(slots)) => {
                    let prefix_len = layout.folder.len() + 1;
                    let path_bytes = slots.iter().map(|s| zipball.path(s.entry).len() - prefix_len).sum();
                    let mut list = FileList::with_capacity(slots.len(), path_bytes);
                    for FileSlot { entry, file, stamp, sha256 } in slots {
                        let sha256 = match sha256 {
                            Some(digest) => digest,
                            None => Sha256Digest(Sha256::digest(zipball.read_file(file)?).into()),
                        };
                        list.push(&zipball.path(entry)[prefix_len..], stamp, sha256);
                    }
                    SkillFiles::Listed(list)
                }
                Err(reason) => SkillFiles::Unoffered(reason),
            };
            let files = match &parsed {
                Ok(SkillSummary { frontmatter: Err(reason), .. }) => SkillFiles::Unoffered(reason.clone()),
                _ => files,
            };
            let SkillSummary { name, description, warnings, frontmatter } = match parsed {
                Ok(summary) => summary,
                Err(e) => {
                    skipped.push(Skipped {
                        path: format!("{}/{SKILL_FILE}", layout.folder),
                        reason: format!("{e}; the skill is not served until it is fixed"),
                        group: Some(group.name.clone()),
                    });
                    continue;
                }
            };
            let (category, tags) = &self.listing[layout.group];
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
                frontmatter,
                files,
            });
        }
        // By name; a stable sort keeps path order among equal names, so the first by path wins.
        // Positions are sorted rather than the skills themselves, which are large to move.
        let mut order: Vec<usize> = (0..skills.len()).collect();
        order.sort_by(|a, b| skills[*a].name.cmp(&skills[*b].name));
        let mut slots: Vec<Option<Skill>> = skills.into_iter().map(Some).collect();
        let mut unique: Vec<Skill> = Vec::with_capacity(slots.len());
        for skill in order.into_iter().filter_map(|i| slots[i].take()) {
            match unique.last() {
                Some(first) if first.name == skill.name => skipped.push(Skipped {
                    path: format!("{}/{SKILL_FILE}", skill.folder),
                    reason: format!("another skill named `{}` exists at {}/SKILL.md; skill names must be unique across the marketplace", skill.name, first.folder),
                    group: None,
                }),
                _ => unique.push(skill),
            }
        }
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        let access = if zipball.contains(ACCESS_PATH) {
            // Not UTF-8 is kept as an empty file, which the access module reports as invalid JSON.
            Some(String::from_utf8(zipball.read(ACCESS_PATH)?).unwrap_or_default())
        } else {
            None
        };
        let mut groups = self.groups;
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Catalog {
            commit: commit.to_string(),
            marketplace: self.marketplace,
            description: self.description,
            skills: unique,
            groups,
            external: self.external,
            skipped,
            access,
        })
    }
}

/// A group's category and tags (the entry's tags and keywords, then plugin.json's keywords).
fn listing_of(entry: Option<&PluginEntry>, plugin: Option<&PluginManifest>) -> (Option<String>, Vec<String>) {
    let mut tags: Vec<String> = Vec::new();
    let keywords = plugin.map(|m| m.keywords.as_slice()).unwrap_or_default();
    for tag in entry.map(|e| e.tags.iter().chain(&e.keywords)).into_iter().flatten().chain(keywords) {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    (entry.and_then(|e| e.category.clone()), tags)
}
