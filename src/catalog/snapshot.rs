//! A repository at one commit, as the zip archive GitHub serves for it (`/zipball/{sha}`).
//!
//! One download gives every path, every file's bytes and its mode, so reading a whole
//! marketplace costs a fixed number of GitHub requests however many skills it holds. Zip
//! compresses each file separately, so only the files actually read are inflated, and a file can
//! be copied into another zip (a `.skill` package) without inflating it at all.

use super::git_tree::FileMode;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, Write};
use std::rc::Rc;

/// Why an archive cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The bytes are not a zip archive.
    #[error("the repository archive from GitHub is not a valid zip file ({0})")]
    Corrupt(String),
    /// A path that the archive lists cannot be inflated or copied.
    #[error("could not read {path} from the repository archive ({message})")]
    Unreadable { path: String, message: String },
    /// The path is not in the archive.
    #[error("{0} does not exist in the repository")]
    Missing(String),
}

/// Archive bytes shared between the cache and readers without copying.
#[derive(Debug, Clone)]
pub struct SharedBytes(pub Rc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// A file of the snapshot.
#[derive(Debug, Clone, Copy)]
struct Entry {
    index: usize,
    size: u64,
    crc32: u32,
    mode: FileMode,
}

/// What identifies a file's content without reading it: its CRC-32 and size, both recorded in
/// the zip's central directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContentStamp {
    /// CRC-32 of the content.
    pub crc32: u32,
    /// Size in bytes.
    pub size: u64,
}

/// A file under a folder, as [`Snapshot::files_under`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderFile {
    /// Path relative to the folder.
    pub path: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// How git records it.
    pub mode: FileMode,
}

/// The files of one commit, read lazily from its zip archive.
pub struct Snapshot {
    archive: zip::ZipArchive<Cursor<SharedBytes>>,
    files: BTreeMap<String, Entry>,
}

impl Snapshot {
    /// Opens a GitHub zipball. Its single top-level folder (`owner-repo-sha/`) is stripped, so
    /// paths are relative to the repository root.
    pub fn from_zip(bytes: Vec<u8>) -> Result<Self, SnapshotError> {
        Self::from_shared(SharedBytes(Rc::new(bytes)))
    }

    /// Opens a GitHub zipball held in shared bytes.
    pub fn from_shared(bytes: SharedBytes) -> Result<Self, SnapshotError> {
        let corrupt = |e: zip::result::ZipError| SnapshotError::Corrupt(e.to_string());
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
        let mut files = BTreeMap::new();
        for index in 0..archive.len() {
            // Central-directory metadata only: no seek to each local header.
            let file = archive.by_index_data(index).map_err(corrupt)?;
            if file.is_dir() {
                continue;
            }
            let name = file.name().map_err(corrupt)?;
            let Some((_, path)) = name.split_once('/') else { continue };
            if path.is_empty() {
                continue;
            }
            let mode = match file.unix_mode() {
                Some(mode) if mode & 0o170000 == 0o120000 => FileMode::Symlink,
                Some(mode) if mode & 0o111 != 0 => FileMode::Executable,
                _ => FileMode::Regular,
            };
            files.insert(path.to_string(), Entry { index, size: file.size(), crc32: file.crc32(), mode });
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

    /// The content stamp of `path`, if present.
    pub fn stamp(&self, path: &str) -> Option<ContentStamp> {
        self.files.get(path).map(|e| ContentStamp { crc32: e.crc32, size: e.size })
    }

    /// Every path that starts with `prefix`, in byte order, found without scanning the others.
    pub fn paths_with_prefix<'s>(&'s self, prefix: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.files
            .range::<str, _>((std::ops::Bound::Included(prefix), std::ops::Bound::Unbounded))
            .map(|(p, _)| p.as_str())
            .take_while(move |p| p.starts_with(prefix))
    }

    /// Every file under `folder` (recursively), in byte order of their relative paths.
    pub fn files_under(&self, folder: &str) -> Vec<FolderFile> {
        let prefix = format!("{folder}/");
        self.files
            .range(prefix.clone()..)
            .take_while(|(path, _)| path.starts_with(&prefix))
            .map(|(path, entry)| FolderFile {
                path: path[prefix.len()..].to_string(),
                size: entry.size,
                mode: entry.mode,
            })
            .collect()
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

    /// Copies `path` into `writer` as `new_name`, still compressed: no inflating, no deflating,
    /// the CRC and the file mode kept.
    pub fn copy_raw<W: Write + Seek>(
        &mut self,
        path: &str,
        writer: &mut zip::ZipWriter<W>,
        new_name: &str,
    ) -> Result<(), SnapshotError> {
        let entry = *self.files.get(path).ok_or_else(|| SnapshotError::Missing(path.to_string()))?;
        let unreadable =
            |e: &dyn std::fmt::Display| SnapshotError::Unreadable { path: path.to_string(), message: e.to_string() };
        let file = self.archive.by_index_raw(entry.index).map_err(|e| unreadable(&e))?;
        writer.raw_copy_file_rename(file, new_name).map_err(|e| unreadable(&e))
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
            &[("a/run.sh", b"#!/bin/sh\n", true), ("a/data.bin", &[0, 159, 146, 150], false), ("b/x", b"x", false)],
        );
        let mut snapshot = Snapshot::from_zip(bytes).unwrap();
        assert_eq!(snapshot.paths().collect::<Vec<_>>(), ["a/data.bin", "a/run.sh", "b/x"]);
        let files = snapshot.files_under("a");
        assert_eq!(
            files.iter().map(|f| (f.path.as_str(), f.size, f.mode)).collect::<Vec<_>>(),
            [("data.bin", 4, FileMode::Regular), ("run.sh", 10, FileMode::Executable)]
        );
        assert_eq!(snapshot.read("a/data.bin").unwrap(), [0, 159, 146, 150]);
        assert!(matches!(snapshot.read("nope"), Err(SnapshotError::Missing(_))));
    }

    #[test]
    fn copies_entries_without_recompressing() {
        let content = b"hello hello hello hello".repeat(100);
        let bytes = test_support::zipball("top", &[("s/run.sh", &content, true)]);
        let mut snapshot = Snapshot::from_zip(bytes).unwrap();
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        snapshot.copy_raw("s/run.sh", &mut writer, "pkg/run.sh").unwrap();
        let copied = writer.finish().unwrap().into_inner();
        let mut archive = zip::ZipArchive::new(Cursor::new(copied)).unwrap();
        let mut file = archive.by_name("pkg/run.sh").unwrap();
        assert_eq!(file.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut read = Vec::new();
        file.read_to_end(&mut read).unwrap();
        assert_eq!(read, content);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        assert!(matches!(Snapshot::from_zip(b"not a zip".to_vec()), Err(SnapshotError::Corrupt(_))));
    }
}
