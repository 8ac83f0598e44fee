//! What the files a catalog is built from say once parsed (each SKILL.md and plugin.json), keyed
//! by path and content stamp.
//!
//! Parsing is nearly all of a build's CPU: about 25 µs per SKILL.md in wasm, so a marketplace of
//! 2,000 skills needs some 50 ms, five times what one invocation may use on the Workers free
//! plan. Keyed this way, parsed files can come from the previous commit's catalog (unchanged
//! content, same path) or from other invocations, each given a slice: a small zip of the
//! slice's files copied still compressed from the commit's zipball ([`slice_archive`]), answered
//! by [`parse_slice`].

use super::manifests::{parse_json_file, PluginManifest};
use super::skill_md;
use super::snapshot::{ContentStamp, Snapshot, SnapshotError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The file name that marks a skill.
pub const SKILL_FILE: &str = "SKILL.md";

/// What a valid SKILL.md says that the catalog keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillSummary {
    /// The frontmatter's `name`.
    pub name: String,
    /// The frontmatter's `description`.
    pub description: String,
    /// Portable-format problems that do not stop serving the skill.
    pub warnings: Vec<String>,
}

/// A parsed file, or why it cannot be used (the reason an editor reads in `skipped`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Parsed {
    /// A skill's SKILL.md.
    SkillMd(Result<SkillSummary, String>),
    /// A group's `.claude-plugin/plugin.json`.
    Manifest(Result<PluginManifest, String>),
}

impl Parsed {
    /// Parses `bytes` as the file at `path` says it is: a SKILL.md, else a plugin.json.
    pub fn of(path: &str, bytes: &[u8]) -> Parsed {
        if is_skill_file(path) {
            Parsed::SkillMd(parse_skill_file(bytes))
        } else {
            Parsed::Manifest(parse_json_file(path, bytes).map_err(|e| e.to_string()))
        }
    }
}

/// What a SKILL.md says, or why it cannot be served.
pub fn parse_skill_file(bytes: &[u8]) -> Result<SkillSummary, String> {
    let parsed = skill_md::parse(bytes).map_err(|e| e.to_string())?;
    Ok(SkillSummary {
        name: parsed.frontmatter.name,
        description: parsed.frontmatter.description,
        warnings: parsed.warnings.iter().map(ToString::to_string).collect(),
    })
}

/// One parsed file as a slice's answer carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedFile {
    /// Its path in the repository.
    pub path: String,
    /// The content it was parsed from.
    pub stamp: ContentStamp,
    /// What it says.
    pub parsed: Parsed,
}

/// Parsed files by path, each valid only for the content stamp it was parsed from.
#[derive(Debug, Default)]
pub struct ParsedFiles {
    skill_files: HashMap<String, (ContentStamp, Result<SkillSummary, String>)>,
    manifests: HashMap<String, (ContentStamp, Result<PluginManifest, String>)>,
}

impl ParsedFiles {
    /// Records what `path` says at `stamp`.
    pub fn insert(&mut self, path: String, stamp: ContentStamp, parsed: Parsed) {
        match parsed {
            Parsed::SkillMd(summary) => self.skill_files.insert(path, (stamp, summary)).map(drop),
            Parsed::Manifest(manifest) => self.manifests.insert(path, (stamp, manifest)).map(drop),
        };
    }

    /// Whether `path` is known at `stamp`.
    pub fn contains(&self, path: &str, stamp: ContentStamp) -> bool {
        let known = if is_skill_file(path) {
            self.skill_files.get(path).map(|(known, _)| *known)
        } else {
            self.manifests.get(path).map(|(known, _)| *known)
        };
        known == Some(stamp)
    }

    /// Takes out what the SKILL.md at `path` says, if parsed from the content `stamp` identifies.
    pub fn take_skill_file(&mut self, path: &str, stamp: ContentStamp) -> Option<Result<SkillSummary, String>> {
        take(&mut self.skill_files, path, stamp)
    }

    /// Takes out what the plugin.json at `path` says, if parsed from the content `stamp` identifies.
    pub fn take_manifest(&mut self, path: &str, stamp: ContentStamp) -> Option<Result<PluginManifest, String>> {
        take(&mut self.manifests, path, stamp)
    }
}

fn take<T>(files: &mut HashMap<String, (ContentStamp, T)>, path: &str, stamp: ContentStamp) -> Option<T> {
    match files.remove(path) {
        Some((known, parsed)) if known == stamp => Some(parsed),
        _ => None,
    }
}

/// Whether `path` names a SKILL.md.
pub fn is_skill_file(path: &str) -> bool {
    path.rsplit('/').next() == Some(SKILL_FILE)
}

/// Why a slice could not be parsed, or its answer read.
#[derive(Debug, thiserror::Error)]
pub enum SliceError {
    /// The slice's archive is unreadable.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The answer is not what [`parse_slice`] writes.
    #[error("a parsing worker's answer is unreadable ({0})")]
    Answer(String),
}

/// The top folder of a slice's archive (a zipball has one; [`Snapshot`] strips it).
const SLICE_TOP: &str = "slice";

/// A slice: the files `paths` of `snapshot` copied, still compressed, into a zip of their own.
/// A few hundred SKILL.md files make some 200 KB.
pub fn slice_archive<'p>(
    snapshot: &Snapshot,
    paths: impl IntoIterator<Item = &'p str>,
) -> Result<Vec<u8>, SnapshotError> {
    let mut writer = rawzip::ZipArchiveWriter::new(Vec::new());
    let epoch = rawzip::time::UtcDateTime::from_unix(315_532_800);
    for path in paths {
        snapshot.copy_raw(path, &mut writer, &format!("{SLICE_TOP}/{path}"), epoch)?;
    }
    writer.finish().map_err(|e| SnapshotError::Corrupt(e.to_string()))
}

/// Parses every file of a slice; the answer is the postcard encoding of a `Vec<ParsedFile>`.
pub fn parse_slice(archive: Vec<u8>) -> Result<Vec<u8>, SliceError> {
    let mut snapshot = Snapshot::from_zip(archive)?;
    let paths: Vec<(String, ContentStamp)> =
        snapshot.paths().filter_map(|p| Some((p.to_string(), snapshot.stamp(p)?))).collect();
    let mut answer = Vec::with_capacity(paths.len());
    for (path, stamp) in paths {
        let bytes = snapshot.read(&path)?;
        let parsed = Parsed::of(&path, &bytes);
        answer.push(ParsedFile { path, stamp, parsed });
    }
    postcard::to_stdvec(&answer).map_err(|e| SliceError::Answer(e.to_string()))
}

/// Reads what [`parse_slice`] answered.
pub fn read_answer(bytes: &[u8]) -> Result<Vec<ParsedFile>, SliceError> {
    postcard::from_bytes(bytes).map_err(|e| SliceError::Answer(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::snapshot::test_support::zipball;

    #[test]
    fn a_slice_parses_to_what_parsing_in_place_gives() {
        let files: [(&str, &[u8], bool); 4] = [
            ("plugins/g/.claude-plugin/plugin.json", br#"{"name": "g", "version": "2.0.0"}"#, false),
            ("plugins/g/skills/a/SKILL.md", b"---\nname: a\ndescription: A\nextra: 1\n---\n", false),
            ("plugins/g/skills/b/SKILL.md", b"no frontmatter", false),
            ("plugins/g/skills/a/notes.md", b"not asked for", false),
        ];
        let mut snapshot = Snapshot::from_zip(zipball("acme-skills-1234567", &files)).unwrap();
        let asked =
            ["plugins/g/.claude-plugin/plugin.json", "plugins/g/skills/a/SKILL.md", "plugins/g/skills/b/SKILL.md"];
        let answer = read_answer(&parse_slice(slice_archive(&snapshot, asked).unwrap()).unwrap()).unwrap();

        assert_eq!(answer.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), asked);
        for file in &answer {
            let bytes = snapshot.read(&file.path).unwrap();
            assert_eq!(file.parsed, Parsed::of(&file.path, &bytes), "{}", file.path);
            assert_eq!(Some(file.stamp), snapshot.stamp(&file.path));
        }
        let Parsed::SkillMd(Ok(a)) = &answer[1].parsed else { panic!("{:?}", answer[1]) };
        assert_eq!((a.name.as_str(), a.warnings.len()), ("a", 1), "unknown keys are warnings");
        assert!(
            matches!(&answer[2].parsed, Parsed::SkillMd(Err(e)) if e.contains("must begin with a YAML frontmatter"))
        );
        let Parsed::Manifest(Ok(manifest)) = &answer[0].parsed else { panic!("{:?}", answer[0]) };
        assert_eq!(manifest.version.as_deref(), Some("2.0.0"));
    }

    #[test]
    fn known_files_are_valid_only_for_their_content() {
        let mut known = ParsedFiles::default();
        let stamp = ContentStamp { crc32: 1, size: 2 };
        let summary = SkillSummary { name: "a".into(), description: "A".into(), warnings: vec![] };
        known.insert("a/SKILL.md".into(), stamp, Parsed::SkillMd(Ok(summary.clone())));
        assert!(known.contains("a/SKILL.md", stamp));
        assert!(!known.contains("a/SKILL.md", ContentStamp { crc32: 1, size: 3 }));
        assert!(!known.contains("b/SKILL.md", stamp));
        // An answer of the wrong kind for a path is never taken for that path.
        known.insert("g/plugin.json".into(), stamp, Parsed::SkillMd(Ok(summary.clone())));
        assert!(!known.contains("g/plugin.json", stamp));
        assert_eq!(known.take_manifest("g/plugin.json", stamp), None);
        assert_eq!(known.take_skill_file("a/SKILL.md", ContentStamp { crc32: 9, size: 2 }), None, "wrong content");
        known.insert("a/SKILL.md".into(), stamp, Parsed::SkillMd(Ok(summary.clone())));
        assert_eq!(known.take_skill_file("a/SKILL.md", stamp), Some(Ok(summary)));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(parse_slice(b"not a zip".to_vec()), Err(SliceError::Snapshot(_))));
        assert!(matches!(read_answer(&[0xff, 0xff, 0xff]), Err(SliceError::Answer(_))));
    }
}
