//! The example marketplace is what a company starts from and what the demo serves: every file
//! in it must pass the rules, and it must stay a valid Claude Code plugin marketplace.

use serde_json::Value;
use skillport_connector::catalog::Catalog;
use skillport_connector::zipball::Zipball;
use skillport_test::zipball;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/marketplace");

fn files(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>, bool)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let relative = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        if path.is_dir() {
            files(&path, &relative, out);
        } else {
            let executable = std::fs::metadata(&path).unwrap().permissions().mode() & 0o111 != 0;
            out.push((relative, std::fs::read(&path).unwrap(), executable));
        }
    }
}

fn example() -> (Vec<(String, Vec<u8>, bool)>, Catalog) {
    let mut all = Vec::new();
    files(Path::new(ROOT), "", &mut all);
    let entries: Vec<(&str, &[u8], bool)> = all.iter().map(|(p, b, x)| (p.as_str(), b.as_slice(), *x)).collect();
    let catalog =
        Catalog::build("0", &mut Zipball::from_zip(zipball("example-skills-0000000", &entries)).unwrap(), None)
            .unwrap();
    (all, catalog)
}

fn json(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(Path::new(ROOT).join(path)).unwrap()).unwrap()
}

#[test]
fn every_example_skill_passes_the_agent_skills_rules() {
    let (_, catalog) = example();
    assert!(catalog.skipped.is_empty(), "{:#?}", catalog.skipped);
    let names: Vec<&str> = catalog.skills.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["brand-voice", "code-review", "meeting-notes", "proposal-writer", "release-notes", "skillport-manager"]
    );
    for skill in &catalog.skills {
        assert!(skill.warnings.is_empty(), "{}: {:?}", skill.name, skill.warnings);
        assert!(skill.published, "{} is published", skill.name);
        assert!(skill.version.is_some(), "{} has a version", skill.name);
    }
}

#[test]
fn the_example_is_a_consistent_plugin_marketplace() {
    let marketplace = json(".claude-plugin/marketplace.json");
    assert!(marketplace["name"].is_string() && marketplace["owner"]["name"].is_string());
    let mut layouts = Vec::new();
    for entry in marketplace["plugins"].as_array().unwrap() {
        let source = entry["source"].as_str().unwrap().trim_start_matches("./");
        assert!(semver::Version::parse(entry["version"].as_str().unwrap()).is_ok());
        if entry["strict"] == false {
            // The entry is the whole plugin: its skills are listed, with no plugin.json.
            assert_eq!(source, "", "the strict: false example shares the repository root");
            for skill in entry["skills"].as_array().unwrap() {
                let folder = skill.as_str().unwrap().trim_start_matches("./");
                assert!(Path::new(ROOT).join(folder).join("SKILL.md").is_file(), "{folder} is a skill");
            }
            layouts.push("strict: false root");
        } else {
            let manifest = json(&format!("{source}/.claude-plugin/plugin.json"));
            assert_eq!(manifest["name"], entry["name"], "{source}: plugin.json names the entry");
            assert_eq!(manifest["version"], entry["version"], "{source}: versions agree in both files");
            layouts.push("plugin folder");
        }
    }
    assert!(layouts.contains(&"strict: false root") && layouts.contains(&"plugin folder"), "both layouts are shown");
    let access = json(".skillport/access.json");
    assert_eq!(access["defaults"]["read"], "*");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/marketplace/.skillport/access.json"),
    )
    .unwrap();
    let rules = skillport_connector::access::Access::load(Some(&text));
    assert!(rules.error().is_none(), "the example access.json is valid: {:?}", rules.error());
}

#[test]
fn scripts_are_executable() {
    let (all, _) = example();
    let scripts: Vec<&(String, Vec<u8>, bool)> = all.iter().filter(|(p, _, _)| p.contains("/scripts/")).collect();
    assert!(scripts.len() >= 2);
    for (path, bytes, executable) in scripts {
        assert!(*executable, "{path} is executable");
        assert!(bytes.starts_with(b"#!"), "{path} has a shebang");
    }
}

#[test]
fn installed_versions_reads_skillport_manifests() {
    let dir = std::env::temp_dir().join(format!("skillport-installed-{}", std::process::id()));
    for (name, version) in [("proposal-writer", "1.0.0"), ("code-review", "1.1.0")] {
        let folder = dir.join(name).join(".claude-plugin");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("plugin.json"), format!(r#"{{"name": "{name}", "version": "{version}"}}"#)).unwrap();
    }
    std::fs::create_dir_all(dir.join("hand-made")).unwrap();
    let script = Path::new(ROOT).join("plugins/skillport/skills/skillport-manager/scripts/installed_versions.py");
    let output = std::process::Command::new("python3").arg(script).arg(&dir).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let found: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        found,
        serde_json::json!([{"name": "code-review", "version": "1.1.0"}, {"name": "proposal-writer", "version": "1.0.0"}])
    );
}
