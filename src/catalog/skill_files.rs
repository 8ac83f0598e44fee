//! A skill's files as the Skills extension lists them: every file a package holds (caches and
//! unsafe names left out, a symlink as the file it leads to), each with its SHA-256, computed
//! once per content and carried from commit to commit.
//!
//! Kept compact because every catalog holds thousands of them and every build decodes the
//! previous catalog and encodes the next: all paths in one string, the stamps in one vector, the
//! digests in one byte buffer. A skill whose files did not change since the previous commit
//! takes the previous list whole, after one walk over its folder's entries.

use super::slices::Sha256Digest;
use crate::git_tree::FileMode;
use crate::zipball::{ContentStamp, FileId, Zipball};
use serde::{Deserialize, Serialize};

/// Most files a skill may have to be offered through the Skills extension (its limit).
pub const MAX_SKILL_FILES: usize = 512;
/// Most bytes a skill may have to be offered through the Skills extension (16 MiB, its limit).
pub const MAX_SKILL_BYTES: u64 = 16 << 20;
/// The largest file a build digests: hashing it must fit one invocation's CPU (about 7 ms/MB).
pub const MAX_DIGESTED_FILE: u64 = 1 << 20;

/// A skill's files as the Skills extension offers them, or why it does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SkillFiles {
    /// Every file, each digested.
    Listed(FileList),
    /// The skill is beyond the extension's rules (the tools still serve it), and why.
    Unoffered(String),
}

impl SkillFiles {
    /// The files, when the skill is offered.
    pub fn listed(&self) -> Option<&FileList> {
        match self {
            SkillFiles::Listed(files) => Some(files),
            SkillFiles::Unoffered(_) => None,
        }
    }
}

/// One file of a skill, as [`FileList`] hands it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkillFile<'a> {
    /// Its path relative to the skill folder.
    pub path: &'a str,
    /// Its content stamp (of the file a symlink leads to): its size, and what lets the next
    /// build reuse the digest.
    pub stamp: ContentStamp,
    /// SHA-256 of its bytes.
    pub sha256: Sha256Digest,
}

/// A skill's files in path order, with their stamps and digests, in one buffer: per file its
/// CRC-32 (4 bytes, little-endian), size (8), SHA-256 (32), path length (2) and path.
///
/// Hand-laid rather than a vector of structs: a catalog holds thousands of these, and as one
/// buffer each is decoded, encoded and dropped as a single copy, and read in place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileList {
    #[serde(with = "serde_bytes")]
    data: Vec<u8>,
}

/// The fixed part of a file's record: CRC-32, size, digest, path length.
const FIXED: usize = 4 + 8 + 32 + 2;

impl FileList {
    /// The files, in path order. A damaged buffer (never written so) ends the list early.
    pub fn iter(&self) -> impl Iterator<Item = SkillFile<'_>> + '_ {
        let mut rest = self.data.as_slice();
        std::iter::from_fn(move || {
            let (fixed, tail) = rest.split_at_checked(FIXED)?;
            let (crc32, fixed) = fixed.split_first_chunk::<4>()?;
            let (size, fixed) = fixed.split_first_chunk::<8>()?;
            let (sha256, fixed) = fixed.split_first_chunk::<32>()?;
            let length = u16::from_le_bytes(*fixed.first_chunk::<2>()?) as usize;
            let (path, tail) = tail.split_at_checked(length)?;
            rest = tail;
            let stamp = ContentStamp { crc32: u32::from_le_bytes(*crc32), size: u64::from_le_bytes(*size) };
            Some(SkillFile { path: std::str::from_utf8(path).ok()?, stamp, sha256: Sha256Digest(*sha256) })
        })
    }

    /// The file at `path`.
    pub fn get(&self, path: &str) -> Option<SkillFile<'_>> {
        self.iter().find(|f| f.path == path)
    }

    /// An empty list with room for `files` files whose paths hold `path_bytes` bytes.
    pub fn with_capacity(files: usize, path_bytes: usize) -> FileList {
        FileList { data: Vec::with_capacity(files * FIXED + path_bytes) }
    }

    /// Adds a file after the others (in path order). A zip names a file in at most 65,535
    /// bytes, so every path fits its 2-byte length; the cut below is never taken.
    pub fn push(&mut self, path: &str, stamp: ContentStamp, sha256: Sha256Digest) {
        let mut end = path.len().min(u16::MAX as usize);
        while !path.is_char_boundary(end) {
            end -= 1;
        }
        self.data.extend_from_slice(&stamp.crc32.to_le_bytes());
        self.data.extend_from_slice(&stamp.size.to_le_bytes());
        self.data.extend_from_slice(&sha256.0);
        self.data.extend_from_slice(&(end as u16).to_le_bytes());
        self.data.extend_from_slice(&path.as_bytes()[..end]);
    }
}

/// A skill's files as a build plans them: the previous commit's list whole, or each file with
/// its digest when known.
pub enum PlannedFiles<'p> {
    /// Nothing changed in the folder since the previous commit.
    Same(&'p FileList),
    /// Each file, and its digest when the previous commit had the same content.
    Slots(Vec<FileSlot>),
}

/// A file of a skill and its digest, once known.
pub struct FileSlot {
    /// The archive entry at its path (the path is read from there, not copied).
    pub entry: FileId,
    /// The file whose bytes it has (a symlink's target).
    pub file: FileId,
    /// That file's stamp.
    pub stamp: ContentStamp,
    /// Its digest, when known.
    pub sha256: Option<Sha256Digest>,
}

/// The files of the skill whose SKILL.md is `skill_md` in `folder`, with what `previous` (the
/// same folder's list at the previous commit) already knows; or why the skill is beyond the
/// extension's limits.
pub fn plan<'p>(
    zipball: &mut Zipball,
    folder: &str,
    skill_md: FileId,
    previous: Option<&'p FileList>,
) -> Result<PlannedFiles<'p>, String> {
    let prefix_len = folder.len() + 1;
    let ids = zipball.folder_files(folder, skill_md);
    if ids.len() > MAX_SKILL_FILES {
        return Err(format!("it has {} files, more than the Skills extension's {MAX_SKILL_FILES}", ids.len()));
    }
    if let Some(previous) = previous.filter(|p| same_files(zipball, ids.clone(), prefix_len, p)) {
        return Ok(PlannedFiles::Same(previous));
    }
    let known: Vec<SkillFile<'_>> = previous.map(|p| p.iter().collect()).unwrap_or_default();
    let mut known = known.into_iter().peekable();
    let mut slots = Vec::with_capacity(ids.len());
    let mut total = 0;
    for id in ids {
        let path = &zipball.path(id)[prefix_len..];
        if crate::package::is_excluded(path) || !crate::package::is_safe_name(path) {
            continue;
        }
        // A symlink is listed as the file it leads to, as packages hold it; one that leads
        // nowhere (or to a folder) is left out, as packages leave it out.
        let file = match zipball.mode_of(id) {
            FileMode::Symlink => match zipball.resolve_file(id) {
                Some(file) => file,
                None => continue,
            },
            _ => id,
        };
        let stamp = zipball.stamp_of(file);
        total += stamp.size;
        let path = &zipball.path(id)[prefix_len..];
        while known.next_if(|k| k.path < path).is_some() {}
        let sha256 = known.next_if(|k| k.path == path).filter(|k| k.stamp == stamp).map(|k| k.sha256);
        if sha256.is_none() && stamp.size > MAX_DIGESTED_FILE {
            return Err(format!("{path} is {} bytes, more than the {MAX_DIGESTED_FILE} a build digests", stamp.size));
        }
        slots.push(FileSlot { entry: id, file, stamp, sha256 });
    }
    if total > MAX_SKILL_BYTES {
        return Err(format!("it holds {total} bytes, more than the Skills extension's {MAX_SKILL_BYTES}"));
    }
    Ok(PlannedFiles::Slots(slots))
}

/// Whether the folder's entries are exactly `previous`'s files with the same stamps: the common
/// case, checked without allocating. A symlink, or a file a list leaves out, takes the full path.
fn same_files(
    zipball: &Zipball,
    mut ids: impl Iterator<Item = FileId>,
    prefix_len: usize,
    previous: &FileList,
) -> bool {
    let mut known = previous.iter();
    ids.all(|id| {
        known.next().is_some_and(|known| {
            zipball.mode_of(id) != FileMode::Symlink
                && &zipball.path(id)[prefix_len..] == known.path
                && zipball.stamp_of(id) == known.stamp
        })
    }) && known.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_gives_back_what_was_pushed_in_order() {
        let mut list = FileList::default();
        let stamp = |crc32| ContentStamp { crc32, size: 3 };
        list.push("SKILL.md", stamp(1), Sha256Digest([1; 32]));
        list.push("a/b.md", stamp(2), Sha256Digest([2; 32]));
        let files: Vec<SkillFile<'_>> = list.iter().collect();
        assert_eq!(files.len(), 2);
        assert_eq!((files[1].path, files[1].stamp, files[1].sha256), ("a/b.md", stamp(2), Sha256Digest([2; 32])));
        assert_eq!(list.get("a/b.md"), Some(files[1]));
        assert_eq!(list.get("a"), None);
        let decoded: FileList = postcard::from_bytes(&postcard::to_stdvec(&list).unwrap()).unwrap();
        assert_eq!(decoded, list);
    }
}
