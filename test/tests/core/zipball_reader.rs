//! The zipball reader: paths, modes and bytes as GitHub zipped them.

use skillport_connector::git_tree::FileMode;
use skillport_connector::zipball::*;
use skillport_test::zipball;
use std::io::Read;

#[test]
fn strips_the_top_folder_and_keeps_modes_and_bytes() {
    let bytes = zipball(
        "acme-skills-abc123",
        &[("a/run.sh", b"#!/bin/sh\n", true), ("a/data.bin", &[0, 159, 146, 150], false), ("b/x", b"x", false)],
    );
    let mut snapshot = Zipball::from_zip(bytes).unwrap();
    assert_eq!(snapshot.paths().collect::<Vec<_>>(), ["a/data.bin", "a/run.sh", "b/x"]);
    let files = snapshot.files_under("a");
    assert_eq!(
        files.iter().map(|f| (f.path.as_str(), f.size, f.mode)).collect::<Vec<_>>(),
        [("data.bin", 4, FileMode::Regular), ("run.sh", 10, FileMode::Executable)]
    );
    assert_eq!(snapshot.read("a/data.bin").unwrap(), [0, 159, 146, 150]);
    assert!(matches!(snapshot.read("nope"), Err(ZipballError::Missing(_))));
}

#[test]
fn copies_entries_without_recompressing() {
    let content = b"hello hello hello hello".repeat(100);
    let bytes = zipball("top", &[("s/run.sh", &content, true)]);
    let snapshot = Zipball::from_zip(bytes).unwrap();
    let mut writer = rawzip::ZipArchiveWriter::new(Vec::new());
    snapshot.copy_raw("s/run.sh", &mut writer, "pkg/run.sh", rawzip::time::UtcDateTime::from_unix(0)).unwrap();
    let copied = writer.finish().unwrap();
    // Read back with an independent implementation.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(copied)).unwrap();
    let mut file = archive.by_name("pkg/run.sh").unwrap();
    assert_eq!(file.unix_mode().map(|m| m & 0o777), Some(0o755));
    let mut read = Vec::new();
    file.read_to_end(&mut read).unwrap();
    assert_eq!(read, content);
}

#[test]
fn subfolders_lists_each_direct_folder_once() {
    let files: Vec<(&str, &[u8], bool)> = ["p/a/x", "p/a/y/z", "p/a-b/x", "p/a.txt", "p/b/x", "q/c/x"]
        .iter()
        .map(|p| (*p, b"x".as_slice(), false))
        .collect();
    let snapshot = Zipball::from_zip(zipball("top", &files)).unwrap();
    assert_eq!(snapshot.subfolders("p/"), ["a-b", "a", "b"]);
    assert!(snapshot.subfolders("none/").is_empty());
}

#[test]
fn garbage_is_a_clear_error() {
    assert!(matches!(Zipball::from_zip(b"not a zip".to_vec()), Err(ZipballError::Corrupt(_))));
}
