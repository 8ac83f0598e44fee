//! The `.skill` package: entries copied from the zipball under the skill's name, a generated manifest, names that unpack everywhere.

use skillport_connector::package::*;
use skillport_connector::zipball::Zipball;
use skillport_test::zipball;
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
    for excluded in ["__pycache__/x.cpython.pyc", "a/node_modules/b.js", "x/.DS_Store", "tool.pyc", "a/__pycache__/b"] {
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
    let mut snapshot = Zipball::from_zip(archive).unwrap();
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
    assert_eq!(names, ["pdf/.claude-plugin/plugin.json", "pdf/SKILL.md", "pdf/assets/logo.bin", "pdf/scripts/run.py"]);
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
    let mut snapshot = Zipball::from_zip(writer.finish().unwrap().into_inner()).unwrap();
    let manifest = InstalledManifest { name: "pdf".into(), version: None, description: "d".into(), group: "g".into() };
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
