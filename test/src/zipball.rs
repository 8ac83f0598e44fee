//! Zipballs shaped like GitHub's: every file under one top folder named after the commit.

use std::io::Write;

/// A zip of `files` (path, bytes, executable) under `prefix/`, like a GitHub zipball.
///
/// # Panics
/// Only if writing to memory fails, which the `zip` crate does not do.
pub fn zipball(prefix: &str, files: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer.add_directory(format!("{prefix}/"), zip::write::SimpleFileOptions::default()).expect("a zip in memory");
    for (path, bytes, executable) in files {
        let mode = if *executable { 0o755 } else { 0o644 };
        let options = zip::write::SimpleFileOptions::default().unix_permissions(mode);
        writer.start_file(format!("{prefix}/{path}"), options).expect("a zip in memory");
        writer.write_all(bytes).expect("a zip in memory");
    }
    writer.finish().expect("a zip in memory").into_inner()
}
