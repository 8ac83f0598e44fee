//! A catalog build in three steps: [`Build::plan`] (in `plan`) reads the manifests and finds
//! the skills, the SKILL.md files still to parse are parsed here or by parse workers
//! ([`Build::pending`], [`Build::accept`]), and [`Build::finish`] assembles the catalog.

mod plan;

use super::layout::{self, GroupSpec, SkillFolder};
use super::manifest_schema::{
    self, EntrySource, Marketplace, PluginEntry, PluginManifest, MARKETPLACE_PATH, PLUGIN_MANIFEST,
};
use super::skill_files::{self, FileList, FileSlot, PlannedFiles, SkillFiles};
use super::slices::{self, ParsedFile, Sha256Digest, SkillSummary, Work, SKILL_FILE};
use super::{skill_md, Catalog, CatalogError, EntryRef, External, Group, Skill, Skipped, PLUGINS_DIR};
use crate::access::ACCESS_PATH;
use crate::zipball::{ContentStamp, FileId, Zipball};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

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
