//! The `.skill` package: a zip whose single top-level folder is the skill's name, holding every
//! file of the skill byte for byte (executables keep mode 755) and a generated
//! `.claude-plugin/plugin.json` that carries the version, so an installed skill knows its version.
//!
//! Files are copied from the repository's zipball still compressed, so packaging costs almost no
//! CPU whatever the skill's size, and the same commit always gives the same bytes.

use crate::git_tree::FileMode;
use crate::zipball::{Zipball, ZipballError};
use rawzip::time::UtcDateTime;
use rawzip::ZipArchiveWriter;
use serde::Serialize;
use std::io::Write;

/// Where the generated manifest goes inside the skill folder.
pub const INSTALLED_MANIFEST: &str = ".claude-plugin/plugin.json";

/// Why a package could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A file could not be read from the archive.
    #[error(transparent)]
    Zipball(#[from] ZipballError),
    /// The zip writer failed.
    #[error("could not write the package: {0}")]
    Zip(String),
}

/// The manifest written into the package: what the update check reads back.
#[derive(Debug, Clone, Serialize)]
pub struct InstalledManifest {
    /// The skill's name.
    pub name: String,
    /// The version installed (the group's version), if declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The skill's description.
    pub description: String,
    /// The group it came from.
    pub group: String,
}

impl InstalledManifest {
    /// The file's bytes, exactly as the package holds them (fetch_skill also lists them).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain strings and an optional string: serializing cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// Whether a file is left out of packages, as Anthropic's packager does (caches and OS litter).
pub fn is_excluded(relative_path: &str) -> bool {
    // Every excluded folder or file name holds a `_`: most paths are decided by one byte search,
    // which matters when a build lists every file of thousands of skills.
    relative_path.ends_with(".pyc")
        || (relative_path.contains('_')
            && relative_path.split('/').any(|segment| matches!(segment, "__pycache__" | "node_modules" | ".DS_Store")))
}

/// Whether a path can be unpacked safely everywhere: no `..` or empty segment, no backslash,
/// no drive letter or colon, no control character.
pub fn is_safe_name(relative_path: &str) -> bool {
    let safe_segment = |segment: &[u8]| !segment.is_empty() && segment != b"." && segment != b"..";
    // One pass over the bytes (builds check every file of every skill); only a path beyond
    // ASCII is searched again, for the control characters of U+0080 to U+009F.
    let bytes = relative_path.as_bytes();
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'/' if !safe_segment(&bytes[start..index]) => return false,
            b'/' => start = index + 1,
            b'\\' | b':' | 0..0x20 | 0x7f => return false,
            _ => {}
        }
    }
    safe_segment(&bytes[start..]) && (relative_path.is_ascii() || !relative_path.chars().any(char::is_control))
}

/// Packages the skill in `folder` of `zipball` under the top-level folder `manifest.name`.
/// Returns the zip's bytes; callers that report a digest hash them through the platform.
pub fn build(zipball: &mut Zipball, folder: &str, manifest: &InstalledManifest) -> Result<Vec<u8>, PackageError> {
    let zip_error = |e: rawzip::Error| PackageError::Zip(e.to_string());
    // One fixed timestamp (the zip epoch, 1980-01-01) keeps the package's bytes, and so its
    // sha256, the same for the same commit.
    let epoch = UtcDateTime::from_unix(315_532_800);
    let mut writer = ZipArchiveWriter::new(Vec::new());
    let generated = format!("{}/{INSTALLED_MANIFEST}", manifest.name);
    for file in zipball.files_under(folder) {
        let target = format!("{}/{}", manifest.name, file.path);
        if is_excluded(&file.path) || target == generated || !is_safe_name(&file.path) {
            continue;
        }
        // A symlink is packaged as the file it points to, as a clone would show it; one that
        // leads nowhere (or to a folder) is left out.
        let source = match file.mode {
            FileMode::Symlink => match zipball.regular_file(&format!("{folder}/{}", file.path)) {
                Some(id) => zipball.path(id).to_string(),
                None => continue,
            },
            _ => format!("{folder}/{}", file.path),
        };
        zipball.copy_raw(&source, &mut writer, &target, epoch)?;
    }
    // A few hundred bytes: stored, not deflated, which saves carrying a compressor.
    let (mut entry, config) =
        writer.new_file(&generated).unix_permissions(0o100644).last_modified(epoch).start().map_err(zip_error)?;
    let mut data = config.wrap(&mut entry);
    data.write_all(&manifest.to_bytes()).map_err(|e| PackageError::Zip(e.to_string()))?;
    let (_, descriptor) = data.finish().map_err(zip_error)?;
    entry.finish(descriptor).map_err(zip_error)?;
    writer.finish().map_err(zip_error)
}
