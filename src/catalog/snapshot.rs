//! A repository at one commit, as the zip archive GitHub serves for it (`/zipball/{sha}`).
//!
//! One download gives every path, every file's bytes and its executable bit, so reading a whole
//! marketplace costs a fixed number of GitHub requests however many skills it holds; and since
//! zip compresses each file separately, only the files actually read are inflated.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Why an archive cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The bytes are not a zip archive.
    #[error("the repository archive from GitHub is not a valid zip file ({0})")]
    Corrupt(String),
    /// A path that the archive lists cannot be inflated.
    #[error("could not read {path} from the repository archive ({message})")]
    Unreadable { path: String, message: String },
    /// The path is not in the archive.
    #[error("{0} does not exist in the repository")]
    Missing(String),
}

/// A file's place in the archive.
#[derive(Debug, Clone, Copy)]
struct Entry {
    index: usize,
    size: u64,
    executable: bool,
}

/// The files of one commit, read lazily from its zip archive.
pub struct Snapshot {
    archive: zip::ZipArchive<Cursor<Vec<u8>>>,
    files: BTreeMap<String, Entry>,
}

impl Snapshot {
    /// Opens a GitHub zipball. Its single top-level folder (`owner-repo-sha/`) is stripped, so
    /// paths are relative to the repository root.
    pub fn from_zip(bytes: Vec<u8>) -> Result<Self, SnapshotError> {
        let mut archive =
            zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| SnapshotError::Corrupt(e.to_string()))?;
        let mut files = BTreeMap::new();
        for index in 0..archive.len() {
            let file = archive.by_index_raw(index).map_err(|e| SnapshotError::Corrupt(e.to_string()))?;
            if file.is_dir() {
                continue;
            }
            let name = file.name().map_err(|e| SnapshotError::Corrupt(e.to_string()))?;
            let Some((_, path)) = name.split_once('/') else {
                continue;
            };
            if path.is_empty() {
                continue;
            }
            let executable = file.unix_mode().is_some_and(|mode| mode & 0o111 != 0);
            files.insert(path.to_string(), Entry { index, size: file.size(), executable });
        }
        Ok(Snapshot { archive, files })
    }

    /// Every file path, in byte order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Whether `path` is a file of this commit.
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// The uncompressed size of `path`, if present.
    pub fn size(&self, path: &str) -> Option<u64> {
        self.files.get(path).map(|e| e.size)
    }

    /// Whether git records `path` as executable (mode 100755).
    pub fn is_executable(&self, path: &str) -> bool {
        self.files.get(path).is_some_and(|e| e.executable)
    }

    /// The bytes of `path`.
    pub fn read(&mut self, path: &str) -> Result<Vec<u8>, SnapshotError> {
        let entry = *self.files.get(path).ok_or_else(|| SnapshotError::Missing(path.to_string()))?;
        let unreadable =
            |e: &dyn std::fmt::Display| SnapshotError::Unreadable { path: path.to_string(), message: e.to_string() };
        let mut file = self.archive.by_index(entry.index).map_err(|e| unreadable(&e))?;
        let mut bytes = Vec::with_capacity(entry.size.min(64 << 20) as usize);
        file.read_to_end(&mut bytes).map_err(|e| unreadable(&e))?;
        Ok(bytes)
    }
}

#[cfg(any(test, feature = "test-support"))]
pub mod test_support {
    //! Builds zipballs shaped like GitHub's for the core's tests.
    use std::io::Write;

    /// A zip of `files` (path, bytes, executable) under `prefix/`, like a GitHub zipball.
    pub fn zipball(prefix: &str, files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer.add_directory(format!("{prefix}/"), zip::write::SimpleFileOptions::default()).unwrap();
        for (path, bytes, executable) in files {
            let mode = if *executable { 0o755 } else { 0o644 };
            let options = zip::write::SimpleFileOptions::default().unix_permissions(mode);
            writer.start_file(format!("{prefix}/{path}"), options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_top_folder_and_keeps_modes_and_bytes() {
        let bytes = test_support::zipball(
            "acme-skills-abc123",
            &[("a/run.sh", b"#!/bin/sh\n", true), ("a/data.bin", &[0, 159, 146, 150], false)],
        );
        let mut snapshot = Snapshot::from_zip(bytes).unwrap();
        assert_eq!(snapshot.paths().collect::<Vec<_>>(), ["a/data.bin", "a/run.sh"]);
        assert!(snapshot.is_executable("a/run.sh"));
        assert!(!snapshot.is_executable("a/data.bin"));
        assert_eq!(snapshot.read("a/data.bin").unwrap(), [0, 159, 146, 150]);
        assert!(matches!(snapshot.read("nope"), Err(SnapshotError::Missing(_))));
    }

    #[test]
    fn garbage_is_a_clear_error() {
        assert!(matches!(Snapshot::from_zip(b"not a zip".to_vec()), Err(SnapshotError::Corrupt(_))));
    }
}
