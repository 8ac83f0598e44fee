//! What each SKILL.md a catalog is built from says once parsed, keyed by path and content stamp.
//!
//! Parsing is nearly all of a build's CPU: about 25 µs per SKILL.md in wasm, so a marketplace of
//! 2,000 skills needs some 50 ms, five times what one invocation may use on the Workers free
//! plan. So a build takes what it can from the previous commit's catalog (same path, same
//! content stamp) and can have the rest parsed by other invocations, each given a slice: the
//! slice's files as the zipball stores them, still compressed ([`slice`]), answered by
//! [`parse_slice`].

use super::skill_md;
use super::snapshot::{Compressed, ContentStamp, FileId, Inflater, Snapshot, SnapshotError};
use serde::{Deserialize, Serialize};

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

/// What a SKILL.md says, or why it cannot be served. `folder_name` is the last segment of its
/// folder: Claude Code's name for a skill whose frontmatter has none.
pub fn parse_skill_file(bytes: &[u8], folder_name: &str) -> Result<SkillSummary, String> {
    let parsed = skill_md::parse(bytes, folder_name).map_err(|e| e.to_string())?;
    let mut warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    let name = parsed.frontmatter.name;
    if name != folder_name {
        warnings.push(format!(
            "its name `{name}` differs from its folder `{folder_name}`; it is served as `{name}`, as Claude Code loads it, but Claude.ai's upload requires them to match"
        ));
    }
    Ok(SkillSummary { name, description: parsed.frontmatter.description, warnings })
}

/// The folder name of the SKILL.md at `path`.
pub fn folder_name(path: &str) -> &str {
    let folder = path.rsplit_once('/').map(|(folder, _)| folder).unwrap_or_default();
    folder.rsplit('/').next().unwrap_or(folder)
}

/// One parsed file as a slice's answer carries it. Answers list files in path order, the order
/// of the paths the slice was cut from, so they carry no path; the stamp is checked instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedFile {
    /// The content it was parsed from.
    pub stamp: ContentStamp,
    /// What it says, or why it cannot be served.
    pub parsed: Result<SkillSummary, String>,
}

/// Why a slice could not be parsed, or its answer read.
#[derive(Debug, thiserror::Error)]
pub enum SliceError {
    /// A file of the slice could not be read.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The slice or its answer is not what this module writes.
    #[error("a parse worker's slice or answer is unreadable ({0})")]
    Encoding(String),
}

/// One file of a slice: its bytes as the zipball stores them, so that cutting a slice inflates
/// nothing and copies only compressed bytes.
#[derive(Serialize, Deserialize)]
struct SliceFile<'a> {
    path: &'a str,
    method: u16,
    stamp: ContentStamp,
    #[serde(with = "serde_bytes")]
    data: &'a [u8],
}

/// Files per slice: about 5 ms of CPU in wasm, half a free-plan invocation's allowance.
/// 2,000 skills in 200 groups make 11 slices; each is one subrequest of the 50 allowed.
pub const FILES_PER_SLICE: usize = 200;

/// `files` of `snapshot` cut into slices of [`FILES_PER_SLICE`], in order.
pub fn slices(snapshot: &Snapshot, files: &[FileId]) -> Result<Vec<Vec<u8>>, SliceError> {
    files.chunks(FILES_PER_SLICE).map(|files| slice(snapshot, files)).collect()
}

/// A slice: `files` of `snapshot`, still compressed, postcard-encoded (a few hundred SKILL.md
/// files make some 150 KB).
pub fn slice(snapshot: &Snapshot, files: &[FileId]) -> Result<Vec<u8>, SliceError> {
    let mut slice = Vec::with_capacity(files.len());
    for &file in files {
        let compressed = snapshot.compressed(file)?;
        let path = snapshot.path(file);
        slice.push(SliceFile { path, method: compressed.method, stamp: compressed.stamp, data: compressed.data });
    }
    postcard::to_stdvec(&slice).map_err(|e| SliceError::Encoding(e.to_string()))
}

/// Parses every file of a slice, in the slice's order; the answer is the postcard encoding of a
/// `Vec<ParsedFile>`.
pub fn parse_slice(slice: &[u8]) -> Result<Vec<u8>, SliceError> {
    let files: Vec<SliceFile<'_>> = postcard::from_bytes(slice).map_err(|e| SliceError::Encoding(e.to_string()))?;
    let mut inflater = Inflater::default();
    let mut answer = Vec::with_capacity(files.len());
    for file in &files {
        let compressed = Compressed { method: file.method, stamp: file.stamp, data: file.data };
        let bytes = inflater
            .inflate(&compressed)
            .map_err(|message| SnapshotError::Unreadable { path: file.path.to_string(), message })?;
        answer.push(ParsedFile { stamp: file.stamp, parsed: parse_skill_file(&bytes, folder_name(file.path)) });
    }
    postcard::to_stdvec(&answer).map_err(|e| SliceError::Encoding(e.to_string()))
}

/// Reads what [`parse_slice`] answered.
pub fn read_answer(bytes: &[u8]) -> Result<Vec<ParsedFile>, SliceError> {
    postcard::from_bytes(bytes).map_err(|e| SliceError::Encoding(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::snapshot::test_support::zipball;

    #[test]
    fn a_slice_parses_to_what_parsing_in_place_gives() {
        let files: [(&str, &[u8], bool); 4] = [
            ("skills/renamed/SKILL.md", b"---\nname: other\ndescription: O\n---\n", false),
            ("plugins/g/skills/a/SKILL.md", b"---\nname: a\ndescription: A\nextra: 1\n---\n", false),
            ("plugins/g/skills/b/SKILL.md", b"---\nname: [unclosed\n---\n", false),
            ("plugins/g/skills/a/notes.md", b"not asked for", false),
        ];
        let mut snapshot = Snapshot::from_zip(zipball("acme-skills-1234567", &files)).unwrap();
        // Any order: answers keep the slice's.
        let asked = ["plugins/g/skills/b/SKILL.md", "skills/renamed/SKILL.md", "plugins/g/skills/a/SKILL.md"];
        let ids: Vec<FileId> = asked.iter().map(|p| snapshot.file(p).unwrap()).collect();
        let answer = read_answer(&parse_slice(&slice(&snapshot, &ids).unwrap()).unwrap()).unwrap();

        assert_eq!(answer.len(), asked.len());
        for (path, file) in asked.iter().zip(&answer) {
            let bytes = snapshot.read(path).unwrap();
            assert_eq!(file.parsed, parse_skill_file(&bytes, folder_name(path)), "{path}");
            assert_eq!(file.stamp, snapshot.stamp_of(snapshot.file(path).unwrap()));
        }
        assert!(matches!(&answer[0].parsed, Err(e) if e.contains("not valid YAML")), "{:?}", answer[0]);
        let Ok(renamed) = &answer[1].parsed else { panic!("{:?}", answer[1]) };
        assert_eq!(renamed.name, "other", "the frontmatter name, not the folder");
        assert!(renamed.warnings.iter().any(|w| w.contains("differs from its folder `renamed`")), "{renamed:?}");
        let Ok(a) = &answer[2].parsed else { panic!("{:?}", answer[2]) };
        assert_eq!((a.name.as_str(), a.warnings.len()), ("a", 1), "unknown keys are warnings");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(parse_slice(b"\xff\xff\xff"), Err(SliceError::Encoding(_))));
        assert!(matches!(read_answer(&[0xff, 0xff, 0xff]), Err(SliceError::Encoding(_))));
    }
}
