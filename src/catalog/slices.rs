//! What each file a catalog is built from says once read: every SKILL.md parsed, every file of a
//! skill digested (SHA-256, for the Skills extension's manifests), keyed by content stamp.
//!
//! Parsing and hashing are nearly all of a build's CPU: about 25 µs per SKILL.md and 7 µs per KB
//! hashed in wasm, so a first build of 2,000 skills needs some 90 ms, nine times what one
//! invocation may use on the Workers free plan. So a build takes what it can from the previous
//! commit's catalog (same path, same content stamp) and can have the rest done by other
//! invocations, each given a slice: the slice's files as the zipball stores them, still
//! compressed ([`slices`]), answered by [`parse_slice`].

use super::skill_md;
use crate::zipball::{Compressed, ContentStamp, FileId, Inflater, Zipball, ZipballError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    /// The whole frontmatter as written, as JSON text, as the Skills extension serves it; or why
    /// the extension cannot serve it.
    pub frontmatter: Result<String, String>,
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
    let frontmatter = extension_frontmatter(&parsed.json, &name);
    Ok(SkillSummary { name, description: parsed.frontmatter.description, warnings, frontmatter })
}

/// The frontmatter as the Skills extension serves it (as written, as JSON text), or why the
/// extension cannot serve it: its entries must carry the frontmatter verbatim, with a `name`
/// that follows the Agent Skills rules and a `description`, where Claude Code would fill in
/// defaults.
fn extension_frontmatter(json: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<String, String> {
    if json.get("name").and_then(serde_json::Value::as_str) != Some(name) {
        return Err("its SKILL.md frontmatter has no `name`, which the Skills extension needs".into());
    }
    skill_md::validate_name(name).map_err(|e| format!("{e}, as the Skills extension requires"))?;
    if json.get("description").and_then(serde_json::Value::as_str).is_none_or(|d| d.trim().is_empty()) {
        return Err("its SKILL.md frontmatter has no `description`, which the Skills extension needs".into());
    }
    // A map of JSON values always serializes.
    serde_json::to_string(json).map_err(|e| e.to_string())
}

/// The folder name of the SKILL.md at `path`.
pub fn folder_name(path: &str) -> &str {
    let folder = path.rsplit_once('/').map(|(folder, _)| folder).unwrap_or_default();
    folder.rsplit('/').next().unwrap_or(folder)
}

/// A file a build still has to read: to digest, and for a SKILL.md to parse as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// The file.
    pub file: FileId,
    /// Whether it is a SKILL.md to parse (its digest comes with it).
    pub parse: bool,
}

/// What reading one file gave, as a slice's answer carries it. Answers list files in the order
/// of the work the slice was cut from, so they carry no path; the stamp is checked instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedFile {
    /// The content it was read from.
    pub stamp: ContentStamp,
    /// SHA-256 of its bytes.
    pub sha256: Sha256Digest,
    /// For a SKILL.md: what it says, or why it cannot be served.
    pub parsed: Option<Result<SkillSummary, String>>,
}

/// Reads one file's bytes: digests them, and parses them when asked.
pub fn read_file(bytes: &[u8], path: &str, stamp: ContentStamp, parse: bool) -> ParsedFile {
    ParsedFile {
        stamp,
        sha256: Sha256Digest(Sha256::digest(bytes).into()),
        parsed: parse.then(|| parse_skill_file(bytes, folder_name(path))),
    }
}

/// A SHA-256 digest, stored as 32 raw bytes (postcard would spend up to 2 bytes and a call per
/// byte on a plain array).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sha256Digest(#[serde(with = "serde_bytes")] pub [u8; 32]);

impl std::fmt::Display for Sha256Digest {
    /// The form manifests carry: `sha256:` and the lowercase hex.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

/// Why a slice could not be parsed, or its answer read.
#[derive(Debug, thiserror::Error)]
pub enum SliceError {
    /// A file of the slice could not be read.
    #[error(transparent)]
    Zipball(#[from] ZipballError),
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
    parse: bool,
    #[serde(with = "serde_bytes")]
    data: &'a [u8],
}

/// Files per slice at most (SKILL.md files cost the most: about 5 ms for 200).
pub const FILES_PER_SLICE: usize = 200;
/// The estimated CPU of one slice at most, in microseconds: half a free-plan invocation.
pub const SLICE_COST_US: u64 = 5_000;

/// The estimated CPU, in microseconds of wasm, of reading `work` (measured: 25 µs to parse a
/// SKILL.md, 7 µs per KB to inflate and hash).
pub fn cost_us(zipball: &Zipball, work: &Work) -> u64 {
    let hashing = zipball.stamp_of(work.file).size * 7 / 1024;
    hashing + if work.parse { 25 } else { 1 }
}

/// `work` cut into slices of at most [`FILES_PER_SLICE`] files and [`SLICE_COST_US`], in order.
pub fn split(zipball: &Zipball, work: &[Work]) -> Result<Vec<Vec<u8>>, SliceError> {
    let mut slices = Vec::new();
    let mut start = 0;
    let mut cost = 0;
    for (index, item) in work.iter().enumerate() {
        let item_cost = cost_us(zipball, item);
        if index > start && (index - start == FILES_PER_SLICE || cost + item_cost > SLICE_COST_US) {
            slices.push(slice(zipball, &work[start..index])?);
            start = index;
            cost = 0;
        }
        cost += item_cost;
    }
    if start < work.len() {
        slices.push(slice(zipball, &work[start..])?);
    }
    Ok(slices)
}

/// A slice: the files of `work`, still compressed, postcard-encoded.
pub fn slice(zipball: &Zipball, work: &[Work]) -> Result<Vec<u8>, SliceError> {
    let mut slice = Vec::with_capacity(work.len());
    for item in work {
        let compressed = zipball.compressed(item.file)?;
        let path = zipball.path(item.file);
        slice.push(SliceFile {
            path,
            method: compressed.method,
            stamp: compressed.stamp,
            parse: item.parse,
            data: compressed.data,
        });
    }
    postcard::to_stdvec(&slice).map_err(|e| SliceError::Encoding(e.to_string()))
}

/// Reads every file of a slice, in the slice's order; the answer is the postcard encoding of a
/// `Vec<ParsedFile>`.
pub fn parse_slice(slice: &[u8]) -> Result<Vec<u8>, SliceError> {
    let files: Vec<SliceFile<'_>> = postcard::from_bytes(slice).map_err(|e| SliceError::Encoding(e.to_string()))?;
    let mut inflater = Inflater::default();
    let mut answer = Vec::with_capacity(files.len());
    for file in &files {
        let compressed = Compressed { method: file.method, stamp: file.stamp, data: file.data };
        let bytes = inflater
            .inflate(&compressed)
            .map_err(|message| ZipballError::Unreadable { path: file.path.to_string(), message })?;
        answer.push(read_file(&bytes, file.path, file.stamp, file.parse));
    }
    postcard::to_stdvec(&answer).map_err(|e| SliceError::Encoding(e.to_string()))
}

/// Reads what [`parse_slice`] answered.
pub fn read_answer(bytes: &[u8]) -> Result<Vec<ParsedFile>, SliceError> {
    postcard::from_bytes(bytes).map_err(|e| SliceError::Encoding(e.to_string()))
}
