//! Git object ids for a skill folder, computed from its files.
//!
//! A skill's `version_id` is its folder's git tree sha: the same id `git rev-parse
//! <commit>:<folder>` prints, so it identifies the exact content, can be checked against the
//! repository with plain git, and stays the same across commits that do not touch the skill.
//! Hand-written because the git crates (gix, git2) bring a whole repository implementation and
//! C or heavy dependencies for what is two hash formats.

use sha1::{Digest, Sha1};
use std::collections::BTreeMap;

/// How git records a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// `100644`
    Regular,
    /// `100755`
    Executable,
    /// `120000` (the content is the link's target)
    Symlink,
}

impl FileMode {
    fn git_mode(self) -> &'static str {
        match self {
            FileMode::Regular => "100644",
            FileMode::Executable => "100755",
            FileMode::Symlink => "120000",
        }
    }
}

/// The blob id of `content`.
pub fn blob_id(content: &[u8]) -> [u8; 20] {
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", content.len()).as_bytes());
    hasher.update(content);
    hasher.finalize().into()
}

/// The tree id of a folder holding `files` (paths relative to the folder, `/`-separated).
pub fn tree_id(files: &[(String, FileMode, [u8; 20])]) -> String {
    hex::encode(tree_of(files.iter().map(|(path, mode, id)| (path.as_str(), *mode, *id)).collect()))
}

enum Node<'a> {
    File(FileMode, [u8; 20]),
    Tree(Vec<(&'a str, FileMode, [u8; 20])>),
}

fn tree_of(files: Vec<(&str, FileMode, [u8; 20])>) -> [u8; 20] {
    // Git sorts entries by name, comparing a tree's name as if it ended with '/'.
    let mut children: BTreeMap<Vec<u8>, (&str, Node)> = BTreeMap::new();
    for (path, mode, id) in files {
        match path.split_once('/') {
            None => {
                children.insert(path.as_bytes().to_vec(), (path, Node::File(mode, id)));
            }
            Some((dir, rest)) => {
                let key = [dir.as_bytes(), b"/"].concat();
                let entry = children.entry(key).or_insert((dir, Node::Tree(Vec::new())));
                if let Node::Tree(inner) = &mut entry.1 {
                    inner.push((rest, mode, id));
                }
            }
        }
    }
    let mut body = Vec::new();
    for (_, (name, node)) in children {
        let (mode, id) = match node {
            Node::File(mode, id) => (mode.git_mode(), id),
            Node::Tree(inner) => ("40000", tree_of(inner)),
        };
        body.extend_from_slice(format!("{mode} {name}\0").as_bytes());
        body.extend_from_slice(&id);
    }
    let mut hasher = Sha1::new();
    hasher.update(format!("tree {}\0", body.len()).as_bytes());
    hasher.update(&body);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_git_for_blobs_and_nested_trees() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(hex::encode(blob_id(b"hello\n")), "ce013625030ba8dba906f756967f9e9ca394464a");
        // The empty tree every git knows.
        assert_eq!(tree_id(&[]), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
        // A folder with a.txt ("a\n") and b/c.sh ("c\n", executable), as built by
        // `git update-index --cacheinfo` and `git write-tree` (names chosen to exercise ordering
        // of "b" the tree against "b.txt" the file).
        let files = vec![
            ("a.txt".to_string(), FileMode::Regular, blob_id(b"a\n")),
            ("b/c.sh".to_string(), FileMode::Executable, blob_id(b"c\n")),
            ("b.txt".to_string(), FileMode::Regular, blob_id(b"b\n")),
        ];
        assert_eq!(tree_id(&files), "3d3a94f6fd3b77fbd246db96fe5793e036d7c824");
    }
}
