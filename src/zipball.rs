//! A repository at one commit, as the zip archive GitHub serves for it (`/zipball/{sha}`).
//!
//! One download gives every path, every file's bytes and its mode, so reading a whole
//! marketplace costs a fixed number of GitHub requests however many skills it holds. Zip
//! compresses each file separately, so only the files actually read are inflated, and a file can
//! be copied into another zip (a `.skill` package) without inflating it at all.
//!
//! Opening an archive is on every cold path, so it must stay cheap at thousands of files: the
//! central directory is walked with `rawzip`, which reads it in place without allocating per
//! entry, and the index keeps every path in one string. Files are inflated with `zlib-rs` straight
//! into a buffer of their declared size, reusing one decompressor for the whole snapshot; it
//! decodes fixed-Huffman blocks (what small files such as plugin.json are compressed with) from
//! static tables, where `miniz_oxide` rebuilt them per file, which cost a 200-group first build
//! about 1 ms in wasm.

use crate::git_tree::FileMode;
use rawzip::{CompressionMethod, DataDescriptorOutput, ZipArchive, ZipArchiveEntryWayfinder, ZipSliceArchive};
use std::io::Write;
use std::rc::Rc;

/// The largest file the connector inflates; a file declaring more is refused before any memory
/// is set aside for it (a zip can claim any size).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Why an archive cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ZipballError {
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
pub struct ZipballBytes(pub Rc<Vec<u8>>);

impl AsRef<[u8]> for ZipballBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// A file of the snapshot.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Where its path (top folder stripped) lies in [`Zipball::names`].
    name_start: usize,
    name_end: usize,
    wayfinder: ZipArchiveEntryWayfinder,
    method: CompressionMethod,
    size: u64,
    crc32: u32,
    /// The Unix mode recorded for it, file type included.
    unix_mode: u32,
}

impl Entry {
    fn mode(&self) -> FileMode {
        match self.unix_mode {
            mode if mode & 0o170000 == 0o120000 => FileMode::Symlink,
            mode if mode & 0o111 != 0 => FileMode::Executable,
            _ => FileMode::Regular,
        }
    }
}

/// What identifies a file's content without reading it: its CRC-32 and size, both recorded in
/// the zip's central directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ContentStamp {
    /// CRC-32 of the content.
    pub crc32: u32,
    /// Size in bytes.
    pub size: u64,
}

/// A file under a folder, as [`Zipball::files_under`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderFile {
    /// Path relative to the folder.
    pub path: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// How git records it.
    pub mode: FileMode,
}

/// A file of one snapshot, found once and then read or copied without looking its path up again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileId(usize);

/// A file's bytes as the archive stores them, and what is needed to inflate and check them.
#[derive(Debug, Clone, Copy)]
pub struct Compressed<'a> {
    /// The zip compression method (0 stored, 8 deflated).
    pub method: u16,
    /// CRC-32 and size of the inflated content.
    pub stamp: ContentStamp,
    /// The bytes as stored.
    pub data: &'a [u8],
}

/// Inflates single files, reusing one decompressor's state across them.
pub struct Inflater(zlib_rs::Inflate);

impl Default for Inflater {
    fn default() -> Self {
        // Raw deflate (no zlib header), as zip stores it, with the largest window.
        Inflater(zlib_rs::Inflate::new(false, 15))
    }
}

impl Inflater {
    /// The content of `file`, checked against its size and CRC-32; the error says what is wrong.
    pub fn inflate(&mut self, file: &Compressed<'_>) -> Result<Vec<u8>, String> {
        if file.stamp.size > MAX_FILE_BYTES {
            return Err(format!("it is larger than {} MiB", MAX_FILE_BYTES >> 20));
        }
        let mut bytes = vec![0; file.stamp.size as usize];
        match CompressionMethod::from(file.method) {
            CompressionMethod::STORE if file.data.len() == bytes.len() => bytes.copy_from_slice(file.data),
            CompressionMethod::STORE => return Err("its stored size is inconsistent".into()),
            CompressionMethod::DEFLATE => {
                self.0.reset(false);
                // The whole output fits the buffer, so one call finishes the stream.
                let status = self.0.decompress(file.data, &mut bytes, zlib_rs::InflateFlush::Finish);
                if !matches!(status, Ok(zlib_rs::Status::StreamEnd)) || self.0.total_out() != bytes.len() as u64 {
                    return Err(format!("its compressed data is damaged ({status:?})"));
                }
            }
            other => return Err(format!("it uses compression method {other}, which is not supported")),
        }
        if rawzip::crc32(&bytes) != file.stamp.crc32 {
            return Err("its checksum does not match".into());
        }
        Ok(bytes)
    }
}

/// The files of one commit, read lazily from its zip archive.
pub struct Zipball {
    archive: ZipSliceArchive<ZipballBytes>,
    /// Every path, one after the other; entries point into it.
    names: String,
    /// Every file, sorted by path.
    entries: Vec<Entry>,
    /// Whether any entry is a symlink (most archives have none: then no path needs resolving).
    has_symlinks: bool,
    inflater: Inflater,
}

impl Zipball {
    /// Opens a GitHub zipball. Its single top-level folder (`owner-repo-sha/`) is stripped, so
    /// paths are relative to the repository root.
    pub fn from_zip(bytes: Vec<u8>) -> Result<Self, ZipballError> {
        Self::from_shared(ZipballBytes(Rc::new(bytes)))
    }

    /// Opens a GitHub zipball held in shared bytes.
    pub fn from_shared(bytes: ZipballBytes) -> Result<Self, ZipballError> {
        let corrupt = |e: rawzip::Error| ZipballError::Corrupt(e.to_string());
        let archive = ZipArchive::from_slice(bytes).map_err(corrupt)?;
        // The hint comes from the archive itself: bounded so a forged count cannot reserve much.
        let mut entries = Vec::with_capacity(archive.entries_hint().min(1 << 16) as usize);
        let mut names = String::new();
        for record in archive.entries() {
            let record = record.map_err(corrupt)?;
            if record.is_dir() {
                continue;
            }
            // Git allows any bytes in a path; a path that is not UTF-8 cannot name a skill or
            // be written back through the API, so it is left out.
            let Ok(name) = std::str::from_utf8(record.file_path().as_bytes()) else { continue };
            let Some((_, path)) = name.split_once('/') else { continue };
            if path.is_empty() {
                continue;
            }
            let name_start = names.len();
            names.push_str(path);
            entries.push(Entry {
                name_start,
                name_end: names.len(),
                wayfinder: record.wayfinder(),
                method: record.compression_method(),
                size: record.uncompressed_size_hint(),
                crc32: record.crc32(),
                unix_mode: record.mode().value(),
            });
        }
        // GitHub lists files in git's order, which is byte order; sorting sorted input is linear.
        entries.sort_by(|a, b| names[a.name_start..a.name_end].cmp(&names[b.name_start..b.name_end]));
        entries.dedup_by(|a, b| names[a.name_start..a.name_end] == names[b.name_start..b.name_end]);
        let has_symlinks = entries.iter().any(|e| e.mode() == FileMode::Symlink);
        Ok(Zipball { archive, names, entries, has_symlinks, inflater: Inflater::default() })
    }

    fn path_of(&self, entry: &Entry) -> &str {
        &self.names[entry.name_start..entry.name_end]
    }

    fn find(&self, path: &str) -> Option<Entry> {
        self.file(path).map(|id| self.entries[id.0])
    }

    /// The file at `path`, if present.
    pub fn file(&self, path: &str) -> Option<FileId> {
        self.entries.binary_search_by(|e| self.path_of(e).cmp(path)).ok().map(FileId)
    }

    /// The range of entries whose path starts with `prefix`, found by binary search.
    fn range_under(&self, prefix: &str) -> std::ops::Range<usize> {
        let start = self.entries.partition_point(|e| self.path_of(e) < prefix);
        let len = self.entries[start..].partition_point(|e| self.path_of(e).starts_with(prefix));
        start..start + len
    }

    /// The entries whose path starts with `prefix`, found without scanning the others.
    fn under(&self, prefix: &str) -> impl Iterator<Item = &Entry> + '_ {
        self.entries[self.range_under(prefix)].iter()
    }

    /// The path of `file`.
    pub fn path(&self, file: FileId) -> &str {
        self.path_of(&self.entries[file.0])
    }

    /// How git records `file` (a symlink's content is its target).
    pub fn mode_of(&self, file: FileId) -> FileMode {
        self.entries[file.0].mode()
    }

    /// The path `path` names once every symlink along it is followed, as a clone follows them;
    /// `None` when a link points outside the repository or links go round (more than 16 hops).
    /// Paths through no symlink come back unchanged.
    pub fn resolve(&mut self, path: &str) -> Option<String> {
        const MAX_HOPS: usize = 16;
        if !self.has_symlinks {
            return Some(path.to_string());
        }
        let mut pending: std::collections::VecDeque<String> =
            path.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(segment) = pending.pop_front() {
            match segment.as_str() {
                "." => continue,
                ".." => {
                    done.pop()?;
                    continue;
                }
                _ => done.push(segment),
            }
            let current = done.join("/");
            let Some(link) = self.file(&current).filter(|f| self.mode_of(*f) == FileMode::Symlink) else { continue };
            hops += 1;
            let target = String::from_utf8(self.read_file(link).ok()?).ok()?;
            if hops > MAX_HOPS || target.starts_with('/') {
                return None;
            }
            // The target replaces the link, relative to the link's folder.
            done.pop();
            for part in target.split('/').rev().filter(|s| !s.is_empty()) {
                pending.push_front(part.to_string());
            }
        }
        Some(done.join("/"))
    }

    /// The regular file `path` names, symlinks followed.
    pub fn regular_file(&mut self, path: &str) -> Option<FileId> {
        let resolved = self.resolve(path)?;
        self.file(&resolved).filter(|f| self.mode_of(*f) != FileMode::Symlink)
    }

    /// The regular file the archive entry `file` leads to, symlinks followed.
    pub fn resolve_file(&mut self, file: FileId) -> Option<FileId> {
        let path = self.path(file).to_string();
        self.regular_file(&path)
    }

    /// The content stamp of `file`.
    pub fn stamp_of(&self, file: FileId) -> ContentStamp {
        let entry = &self.entries[file.0];
        ContentStamp { crc32: entry.crc32, size: entry.size }
    }

    /// `file`'s bytes as the archive stores them.
    pub fn compressed(&self, file: FileId) -> Result<Compressed<'_>, ZipballError> {
        let entry = &self.entries[file.0];
        let local = self
            .archive
            .get_entry(entry.wayfinder)
            .map_err(|e| ZipballError::Unreadable { path: self.path_of(entry).to_string(), message: e.to_string() })?;
        Ok(Compressed { method: entry.method.as_u16(), stamp: self.stamp_of(file), data: local.data() })
    }

    /// The bytes of `file`, checked against the CRC-32 the archive records.
    pub fn read_file(&mut self, file: FileId) -> Result<Vec<u8>, ZipballError> {
        let entry = &self.entries[file.0];
        let path = &self.names[entry.name_start..entry.name_end];
        let unreadable = |message| ZipballError::Unreadable { path: path.to_string(), message };
        let local = self.archive.get_entry(entry.wayfinder).map_err(|e| unreadable(e.to_string()))?;
        let stamp = ContentStamp { crc32: entry.crc32, size: entry.size };
        let compressed = Compressed { method: entry.method.as_u16(), stamp, data: local.data() };
        self.inflater.inflate(&compressed).map_err(unreadable)
    }

    /// Every file path, in byte order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| self.path_of(e))
    }

    /// Whether `path` is a file of this commit.
    pub fn contains(&self, path: &str) -> bool {
        self.find(path).is_some()
    }

    /// Every path that starts with `prefix`, in byte order, found without scanning the others.
    pub fn paths_with_prefix<'s>(&'s self, prefix: &str) -> impl Iterator<Item = &'s str> + 's {
        self.under(prefix).map(|e| self.path_of(e))
    }

    /// Every file whose path starts with `prefix`, with its path, in byte order.
    pub fn files_with_prefix<'s>(&'s self, prefix: &str) -> impl Iterator<Item = (FileId, &'s str)> + 's {
        self.range_under(prefix).map(|i| (FileId(i), self.path_of(&self.entries[i])))
    }

    /// The files under `folder` (a folder path, no trailing `/`), in path order. `near` is a file
    /// usually inside it (its SKILL.md): the folder's files are then found by walking out from
    /// it, a few comparisons for a skill's few files where a binary search over the whole
    /// archive costs dozens; otherwise (a SKILL.md that is a symlink to elsewhere) by search.
    pub fn folder_files(&self, folder: &str, near: FileId) -> impl ExactSizeIterator<Item = FileId> + Clone {
        let inside = |i: usize| {
            let path = self.path_of(&self.entries[i]);
            path.len() > folder.len() && path.as_bytes()[folder.len()] == b'/' && path.starts_with(folder)
        };
        let range = if inside(near.0) {
            let mut start = near.0;
            while start > 0 && inside(start - 1) {
                start -= 1;
            }
            let mut end = near.0 + 1;
            while end < self.entries.len() && inside(end) {
                end += 1;
            }
            start..end
        } else {
            self.range_under(&format!("{folder}/"))
        };
        range.map(FileId)
    }

    /// The names of the folders directly under `prefix` (a folder path ending in `/`), in byte
    /// order: one binary search per folder, however many files each holds.
    pub fn subfolders<'s>(&'s self, prefix: &str) -> Vec<&'s str> {
        let range = self.range_under(prefix);
        let mut names = Vec::new();
        let mut at = range.start;
        while at < range.end {
            let path = self.path_of(&self.entries[at]);
            let Some((name, _)) = path[prefix.len()..].split_once('/') else {
                at += 1;
                continue;
            };
            names.push(name);
            // A folder's files are contiguous in byte order: skip them all at once.
            let inside = &path[..prefix.len() + name.len() + 1];
            at += self.entries[at..range.end].partition_point(|e| self.path_of(e).starts_with(inside));
        }
        names
    }

    /// Every file under `folder` (recursively), in byte order of their relative paths.
    pub fn files_under(&self, folder: &str) -> Vec<FolderFile> {
        let prefix = format!("{folder}/");
        self.under(&prefix)
            .map(|entry| FolderFile {
                path: self.path_of(entry)[prefix.len()..].to_string(),
                size: entry.size,
                mode: entry.mode(),
            })
            .collect()
    }

    /// The bytes of `path`, checked against the CRC-32 the archive records.
    pub fn read(&mut self, path: &str) -> Result<Vec<u8>, ZipballError> {
        let file = self.file(path).ok_or_else(|| ZipballError::Missing(path.to_string()))?;
        self.read_file(file)
    }

    /// Copies `path` into `writer` as `new_name`, still compressed: no inflating, no deflating,
    /// the CRC kept, mode 0755 for an executable and 0644 for anything else. `modified` is the timestamp recorded for the copy.
    pub fn copy_raw<W: Write>(
        &self,
        path: &str,
        writer: &mut rawzip::ZipArchiveWriter<W>,
        new_name: &str,
        modified: rawzip::time::UtcDateTime,
    ) -> Result<(), ZipballError> {
        let entry = self.find(path).ok_or_else(|| ZipballError::Missing(path.to_string()))?;
        let unreadable =
            |e: &dyn std::fmt::Display| ZipballError::Unreadable { path: path.to_string(), message: e.to_string() };
        let local = self.archive.get_entry(entry.wayfinder).map_err(|e| unreadable(&e))?;
        let (mut copy, _) = writer
            .new_file(new_name)
            .compression_method(entry.method)
            // Only the two modes git gives regular files: never a symlink, setuid or odd bits.
            .unix_permissions(if entry.mode() == FileMode::Executable { 0o100755 } else { 0o100644 })
            .last_modified(modified)
            .start()
            .map_err(|e| unreadable(&e))?;
        copy.write_all(local.data()).map_err(|e| unreadable(&e))?;
        copy.finish(DataDescriptorOutput::new(entry.crc32, entry.size)).map_err(|e| unreadable(&e))?;
        Ok(())
    }
}
