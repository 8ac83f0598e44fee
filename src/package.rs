//! The `.skill` package: a zip whose single top-level folder is the skill's name, holding every
//! file of the skill byte for byte (executables keep mode 755) and a generated
//! `.claude-plugin/plugin.json` that carries the version, so an installed skill knows its version.
//!
//! Files are copied from the repository's zipball still compressed, so packaging costs almost no
//! CPU whatever the skill's size, and the same commit always gives the same bytes.

use crate::catalog::git_tree::FileMode;
use crate::catalog::snapshot::{Snapshot, SnapshotError};
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
    Snapshot(#[from] SnapshotError),
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

/// Packages the skill in `folder` of `snapshot` under the top-level folder `manifest.name`.
/// Returns the zip's bytes; callers that report a digest hash them through the platform.
pub fn build(snapshot: &mut Snapshot, folder: &str, manifest: &InstalledManifest) -> Result<Vec<u8>, PackageError> {
    let zip_error = |e: rawzip::Error| PackageError::Zip(e.to_string());
    // One fixed timestamp (the zip epoch, 1980-01-01) keeps the package's bytes, and so its
    // sha256, the same for the same commit.
    let epoch = UtcDateTime::from_unix(315_532_800);
    let mut writer = ZipArchiveWriter::new(Vec::new());
    let generated = format!("{}/{INSTALLED_MANIFEST}", manifest.name);
    for file in snapshot.files_under(folder) {
        let target = format!("{}/{}", manifest.name, file.path);
        if is_excluded(&file.path) || target == generated || !is_safe_name(&file.path) {
            continue;
        }
        // A symlink is packaged as the file it points to, as a clone would show it; one that
        // leads nowhere (or to a folder) is left out.
        let source = match file.mode {
            FileMode::Symlink => match snapshot.regular_file(&format!("{folder}/{}", file.path)) {
                Some(id) => snapshot.path(id).to_string(),
                None => continue,
            },
            _ => format!("{folder}/{}", file.path),
        };
        snapshot.copy_raw(&source, &mut writer, &target, epoch)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::snapshot::test_support::zipball;
    use std::io::{Cursor, Read};

    #[test]
    fn names_that_cannot_be_unpacked_everywhere_are_unsafe() {
        for safe in ["SKILL.md", "a/b/c.txt", "naïve/日本.md", "a.b/..c/d..", "x_y/z"] {
            assert!(is_safe_name(safe), "{safe}");
        }
        for unsafe_name in
            ["", "/a", "a/", "a//b", "./a", "a/.", "../a", "a/../b", "a\\b", "C:x", "a\tb", "a\u{7f}", "a\u{85}b"]
        {
            assert!(!is_safe_name(unsafe_name), "{unsafe_name:?}");
        }
    }

    #[test]
    fn caches_and_os_litter_are_excluded() {
        for excluded in
            ["__pycache__/x.cpython.pyc", "a/node_modules/b.js", "x/.DS_Store", "tool.pyc", "a/__pycache__/b"]
        {
            assert!(is_excluded(excluded), "{excluded}");
        }
        for kept in ["SKILL.md", "my_node_modules/x", "__pycache__x/y", "a/b_c.py", "DS_Store"] {
            assert!(!is_excluded(kept), "{kept}");
        }
    }

    #[test]
    fn one_top_folder_exact_bytes_modes_and_a_manifest() {
        let binary = [0u8, 255, 1, 254];
        let archive = zipball(
            "acme-skills-1234567",
            &[
                ("plugins/g/skills/pdf/SKILL.md", b"---\nname: pdf\ndescription: d\n---\n", false),
                ("plugins/g/skills/pdf/scripts/run.py", b"print(1)\n", true),
                ("plugins/g/skills/pdf/assets/logo.bin", &binary, false),
                ("plugins/g/skills/pdf/__pycache__/x.pyc", b"junk", false),
                ("plugins/g/skills/pdf/.DS_Store", b"junk", false),
                ("plugins/g/skills/other/SKILL.md", b"not mine", false),
            ],
        );
        let mut snapshot = Snapshot::from_zip(archive).unwrap();
        let manifest = InstalledManifest {
            name: "pdf".into(),
            version: Some("1.2.0".into()),
            description: "d".into(),
            group: "g".into(),
        };
        let package = build(&mut snapshot, "plugins/g/skills/pdf", &manifest).unwrap();
        let again = build(&mut snapshot, "plugins/g/skills/pdf", &manifest).unwrap();
        assert_eq!(package, again, "deterministic");

        let mut zip = zip::ZipArchive::new(Cursor::new(package)).unwrap();
        let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
        names.sort();
        assert_eq!(
            names,
            ["pdf/.claude-plugin/plugin.json", "pdf/SKILL.md", "pdf/assets/logo.bin", "pdf/scripts/run.py"]
        );
        let mut read = |name: &str| {
            let mut file = zip.by_name(name).unwrap();
            let mode = file.unix_mode().unwrap() & 0o777;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            (bytes, mode)
        };
        assert_eq!(read("pdf/assets/logo.bin"), (binary.to_vec(), 0o644));
        assert_eq!(read("pdf/scripts/run.py").1, 0o755);
        let manifest: serde_json::Value = serde_json::from_slice(&read("pdf/.claude-plugin/plugin.json").0).unwrap();
        assert_eq!(manifest["version"], "1.2.0");
    }

    /// Finding 10 (fixed in 9ba8b7d): packages copied raw modes and symlinks, and unsafe names.
    #[test]
    fn security_10_packages_copy_no_raw_modes_symlinks_or_unsafe_names() {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let top = "acme-skills-1234567/plugins/g/skills/pdf";
        let plain = zip::write::SimpleFileOptions::default();
        for (name, mode, content) in [
            ("SKILL.md", 0o644, "---\nname: pdf\ndescription: d\n---\n"),
            ("setuid.sh", 0o4777, "#!/bin/sh\n"),
            ("odd.txt", 0o600, "odd"),
            ("a\\b.md", 0o644, "backslash"),
            ("c:d.md", 0o644, "colon"),
            ("../../escape.md", 0o644, "escape"),
        ] {
            writer.start_file(format!("{top}/{name}"), plain.unix_permissions(mode)).unwrap();
            writer.write_all(content.as_bytes()).unwrap();
        }
        writer.start_file("acme-skills-1234567/LICENSE", plain).unwrap();
        writer.write_all(b"MIT").unwrap();
        writer.add_symlink(format!("{top}/LICENSE"), "../../../../LICENSE", plain).unwrap();
        writer.add_symlink(format!("{top}/passwd"), "/etc/passwd", plain).unwrap();
        writer.add_symlink(format!("{top}/dangling"), "nowhere", plain).unwrap();
        let mut snapshot = Snapshot::from_zip(writer.finish().unwrap().into_inner()).unwrap();
        let manifest =
            InstalledManifest { name: "pdf".into(), version: None, description: "d".into(), group: "g".into() };
        let package = build(&mut snapshot, "plugins/g/skills/pdf", &manifest).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(package)).unwrap();
        let mut entries: Vec<(String, u32)> = (0..zip.len())
            .map(|i| {
                let file = zip.by_index(i).unwrap();
                (file.name().unwrap().to_string(), file.unix_mode().unwrap())
            })
            .collect();
        entries.sort();
        assert_eq!(
            entries,
            [
                ("pdf/.claude-plugin/plugin.json".to_string(), 0o100644),
                ("pdf/LICENSE".to_string(), 0o100644),
                ("pdf/SKILL.md".to_string(), 0o100644),
                ("pdf/odd.txt".to_string(), 0o100644),
                ("pdf/setuid.sh".to_string(), 0o100755),
            ],
            "a symlink becomes its target's bytes, one out of the repository is left out, and only 0644/0755 are written"
        );
        let mut license = String::new();
        zip.by_name("pdf/LICENSE").unwrap().read_to_string(&mut license).unwrap();
        assert_eq!(license, "MIT");
    }
}
