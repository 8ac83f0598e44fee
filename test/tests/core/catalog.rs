//! The catalog per marketplace layout: each test asserts the exact skills (name, group, folder,
//! version), groups and skipped paths that Claude Code's loading rules give.

use skillport_connector::catalog::manifest_schema::MARKETPLACE_PATH;
use skillport_connector::catalog::*;
use skillport_connector::zipball::Zipball;
use skillport_test::zipball;

fn catalog(files: &[(&str, &str)]) -> Result<Catalog, CatalogError> {
    let files: Vec<(&str, &[u8], bool)> = files.iter().map(|(p, c)| (*p, c.as_bytes(), false)).collect();
    let mut snapshot = Zipball::from_zip(zipball("acme-skills-0123456", &files)).unwrap();
    Catalog::build("0123456789", &mut snapshot, None)
}

const MARKETPLACE: &str = r#"{"name": "acme", "owner": {"name": "IT"}, "metadata": {"description": "Acme skills"},
    "plugins": [{"name": "sales", "source": "./plugins/sales", "category": "business", "tags": ["crm"], "version": "0.9.0"},
                {"name": "remote", "source": {"source": "github", "repo": "a/b"}},
                {"name": "ghost", "source": "./plugins/ghost"}]}"#;

fn skill(name: &str, description: &str) -> String {
    format!("---\nname: {name}\ndescription: {description}\n---\nBody\n")
}

/// `(name, group, folder, version)` of every served skill, in name order.
fn served(catalog: &Catalog) -> Vec<(&str, &str, &str, Option<&str>)> {
    catalog
        .skills
        .iter()
        .map(|s| (s.name.as_str(), s.group.as_str(), s.folder.as_str(), s.version.as_deref()))
        .collect()
}

/// `(name, root, published)` of every group, in name order.
fn groups(catalog: &Catalog) -> Vec<(&str, &str, bool)> {
    catalog.groups.iter().map(|g| (g.name.as_str(), g.root.as_str(), g.published)).collect()
}

/// `path: reason` of everything skipped.
fn skipped(catalog: &Catalog) -> Vec<String> {
    catalog.skipped.iter().map(|s| format!("{}: {}", s.path, s.reason)).collect()
}

fn marketplace(entries: &str) -> String {
    format!(r#"{{"name": "acme", "owner": {{"name": "IT"}}, "plugins": [{entries}]}}"#)
}

#[test]
fn the_default_layout_serves_skills_folders_with_plugin_json_versions() {
    let catalog = catalog(&[
        (MARKETPLACE_PATH, MARKETPLACE),
        ("plugins/sales/.claude-plugin/plugin.json", r#"{"name": "sales", "version": "1.2.0", "keywords": ["deals"]}"#),
        ("plugins/sales/skills/proposal-writer/SKILL.md", &skill("proposal-writer", "Writes proposals")),
        ("plugins/sales/skills/crm-notes/SKILL.md", &skill("crm-notes", "CRM notes")),
        ("plugins/sales/skills/crm-notes/reference/guide.md", "guide"),
        ("plugins/sales/skills/unclosed/SKILL.md", "---\nname: unclosed\n"),
        ("plugins/wip/skills/draft/SKILL.md", &skill("draft", "Not yet")),
        ("plugins/wip/skills/proposal-writer/SKILL.md", &skill("proposal-writer", "Again")),
    ])
    .unwrap();
    assert_eq!(
        served(&catalog),
        [
            ("crm-notes", "sales", "plugins/sales/skills/crm-notes", Some("1.2.0")),
            ("draft", "wip", "plugins/wip/skills/draft", None),
            ("proposal-writer", "sales", "plugins/sales/skills/proposal-writer", Some("1.2.0")),
        ]
    );
    assert_eq!(groups(&catalog), [("sales", "plugins/sales", true), ("wip", "plugins/wip", false)]);
    let writer = catalog.skill("proposal-writer").unwrap();
    assert_eq!(writer.tags, ["crm", "deals"]);
    assert_eq!(writer.category.as_deref(), Some("business"));
    assert_eq!(catalog.description.as_deref(), Some("Acme skills"));
    assert_eq!(catalog.external, [External { name: "remote".into(), source: "github: a/b".into() }]);
    let reasons = skipped(&catalog);
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(reasons[0].starts_with(
        ".claude-plugin/marketplace.json: plugin entry `remote` is served from another repository (github: a/b)"
    ));
    assert!(reasons[1].starts_with(".claude-plugin/marketplace.json: plugin entry `ghost` points at ./plugins/ghost"));
    assert!(
        reasons[2].starts_with(
            "plugins/sales/skills/unclosed/SKILL.md: the frontmatter block opened by `---` on line 1 is never closed"
        ),
        "{}",
        reasons[2]
    );
    assert!(reasons[3].starts_with("plugins/wip/skills/proposal-writer/SKILL.md: another skill named `proposal-writer` exists at plugins/sales/skills/proposal-writer"));
    assert_eq!(catalog.skipped[2].group.as_deref(), Some("sales"), "a broken skill is still its group's");
    let (group, folder) = catalog.skill_folder("unclosed").unwrap();
    assert_eq!((group.name.as_str(), folder), ("sales", "plugins/sales/skills/unclosed"));
}

#[test]
fn the_entrys_version_is_used_when_plugin_json_has_none() {
    let catalog = catalog(&[
        (
            MARKETPLACE_PATH,
            &marketplace(r#"{"name": "a", "source": "./a", "version": "3.1.0"}, {"name": "b", "source": "./b"}"#),
        ),
        ("a/skills/one/SKILL.md", &skill("one", "One")),
        ("b/.claude-plugin/plugin.json", r#"{"name": "b"}"#),
        ("b/skills/two/SKILL.md", &skill("two", "Two")),
    ])
    .unwrap();
    assert_eq!(served(&catalog), [("one", "a", "a/skills/one", Some("3.1.0")), ("two", "b", "b/skills/two", None)]);
    let a = catalog.group("a").unwrap();
    assert_eq!(a.entry.as_ref().map(|e| (e.index, e.strict, e.has_version)), Some((0, true, true)));
    assert!(a.manifest.is_none());
}

#[test]
fn plugin_json_skills_add_folders_given_as_a_string_an_array_or_a_folder_of_folders() {
    let catalog = catalog(&[
        (MARKETPLACE_PATH, &marketplace(r#"{"name": "one", "source": "./one"}, {"name": "many", "source": "./many"}"#)),
        ("one/.claude-plugin/plugin.json", r#"{"name": "one", "version": "1.0.0", "skills": "./custom/solo"}"#),
        ("one/custom/solo/SKILL.md", &skill("solo", "Solo")),
        ("one/skills/default/SKILL.md", &skill("default", "Still loaded")),
        (
            "many/.claude-plugin/plugin.json",
            r#"{"name": "many", "version": "2.0.0", "skills": ["./extra", "./more/x"]}"#,
        ),
        ("many/extra/a/SKILL.md", &skill("a", "A")),
        ("many/extra/b/SKILL.md", &skill("b", "B")),
        ("many/extra/b/notes/SKILL.md", &skill("notes", "inside b")),
        ("many/more/x/SKILL.md", &skill("x", "X")),
        ("many/unlisted/y/SKILL.md", &skill("y", "not reached")),
    ])
    .unwrap();
    assert_eq!(
        served(&catalog),
        [
            ("a", "many", "many/extra/a", Some("2.0.0")),
            ("b", "many", "many/extra/b", Some("2.0.0")),
            ("default", "one", "one/skills/default", Some("1.0.0")),
            ("solo", "one", "one/custom/solo", Some("1.0.0")),
            ("x", "many", "many/more/x", Some("2.0.0")),
        ]
    );
    assert!(catalog.skipped.is_empty(), "{:#?}", skipped(&catalog));
}

#[test]
fn strict_false_entries_share_the_root_and_each_owns_what_it_lists() {
    let catalog = catalog(&[
        (
            MARKETPLACE_PATH,
            &marketplace(
                r#"{"name": "document-skills", "source": "./", "strict": false, "version": "1.0.0", "skills": ["./skills/xlsx", "./skills/docx"]},
                   {"name": "example-skills", "source": "./", "strict": false, "skills": ["./skills/art", "./skills/xlsx"]}"#,
            ),
        ),
        ("skills/xlsx/SKILL.md", &skill("xlsx", "Spreadsheets")),
        ("skills/xlsx/scripts/recalc.py", "print(1)"),
        ("skills/docx/SKILL.md", &skill("docx", "Documents")),
        ("skills/art/SKILL.md", &skill("art", "Art")),
        ("skills/unlisted/SKILL.md", &skill("unlisted", "In skills/ but listed by nobody")),
        ("README.md", "# Skills"),
    ])
    .unwrap();
    assert_eq!(
        served(&catalog),
        [
            ("art", "example-skills", "skills/art", None),
            ("docx", "document-skills", "skills/docx", Some("1.0.0")),
            ("unlisted", "document-skills", "skills/unlisted", Some("1.0.0")),
            ("xlsx", "document-skills", "skills/xlsx", Some("1.0.0")),
        ]
    );
    assert_eq!(groups(&catalog), [("document-skills", "", true), ("example-skills", "", true)]);
    assert_eq!(
        skipped(&catalog),
        ["skills/xlsx/SKILL.md: plugin entry `example-skills` lists this skill too; it is served once, in plugin entry `document-skills`"]
    );
    let entry = catalog.group("example-skills").unwrap().entry.clone().unwrap();
    assert_eq!((entry.index, entry.strict, entry.skills.len()), (1, false, 2));
    assert_eq!(catalog.groups_at("").count(), 2);
}

#[test]
fn a_strict_false_entry_whose_plugin_json_declares_components_is_not_loaded() {
    let catalog = catalog(&[
        (
            MARKETPLACE_PATH,
            &marketplace(r#"{"name": "kit", "source": "./kit", "strict": false, "skills": ["./skills/a"]}"#),
        ),
        ("kit/.claude-plugin/plugin.json", r#"{"name": "kit", "commands": ["./commands/x.md"]}"#),
        ("kit/skills/a/SKILL.md", &skill("a", "A")),
    ])
    .unwrap();
    assert!(catalog.skills.is_empty());
    assert_eq!(
        skipped(&catalog),
        [".claude-plugin/marketplace.json: plugin entry `kit` has \"strict\": false, so it must define the whole plugin, but kit/.claude-plugin/plugin.json also declares commands; Claude Code refuses to load such a plugin: move them into the entry or drop \"strict\": false"]
    );
}

#[test]
fn the_repository_root_can_be_the_plugin() {
    let catalog = catalog(&[
        (MARKETPLACE_PATH, &marketplace(r#"{"name": "toolkit", "source": "./"}"#)),
        (".claude-plugin/plugin.json", r#"{"name": "toolkit", "version": "2.1.0", "description": "Our toolkit"}"#),
        ("skills/lint/SKILL.md", &skill("lint", "Lints")),
        ("skills/format/SKILL.md", &skill("format", "Formats")),
        ("docs/SKILL.md", &skill("docs", "Not in skills/: not loaded")),
    ])
    .unwrap();
    assert_eq!(
        served(&catalog),
        [("format", "toolkit", "skills/format", Some("2.1.0")), ("lint", "toolkit", "skills/lint", Some("2.1.0"))]
    );
    let toolkit = catalog.group("toolkit").unwrap();
    assert_eq!(
        (toolkit.root.as_str(), toolkit.manifest_path(), toolkit.skills_folder()),
        ("", ".claude-plugin/plugin.json".to_string(), "skills".to_string())
    );
    assert_eq!(toolkit.description.as_deref(), Some("Our toolkit"));
    assert!(catalog.skipped.is_empty(), "{:#?}", skipped(&catalog));
}

#[test]
fn a_skill_is_named_by_its_frontmatter_whatever_its_folder() {
    let catalog = catalog(&[
        (MARKETPLACE_PATH, &marketplace(r#"{"name": "g", "source": "./g"}"#)),
        ("g/skills/folder-name/SKILL.md", &skill("real-name", "Uses <tags> in its description")),
        ("g/skills/no-front/SKILL.md", "# Heading\n\nWhat it does.\n"),
    ])
    .unwrap();
    assert_eq!(
        served(&catalog),
        [("no-front", "g", "g/skills/no-front", None), ("real-name", "g", "g/skills/folder-name", None)]
    );
    let real = catalog.skill("real-name").unwrap();
    assert_eq!(real.warnings.len(), 2, "{:?}", real.warnings);
    assert!(real.warnings.iter().any(|w| w.contains("`<` or `>`")));
    assert!(real.warnings.iter().any(|w| w.contains("differs from its folder `folder-name`")));
    assert_eq!(catalog.skill("no-front").unwrap().description, "What it does.");
    assert_eq!(
        catalog.skill_folder("real-name").map(|(g, f)| (g.name.as_str(), f)),
        Some(("g", "g/skills/folder-name"))
    );
    assert!(catalog.skipped.is_empty());
}

#[test]
fn a_group_is_named_by_its_entry_whatever_its_folder() {
    let catalog = catalog(&[
        (MARKETPLACE_PATH, &marketplace(r#"{"name": "sales-team", "source": "./plugins/sales", "version": "1.0.0"}"#)),
        ("plugins/sales/.claude-plugin/plugin.json", r#"{"name": "sales", "version": "1.4.0"}"#),
        ("plugins/sales/skills/a/SKILL.md", &skill("a", "A")),
        ("plugins/sales/skills/b/SKILL.md", &skill("b", "B")),
        ("plugins/sales-team/skills/c/SKILL.md", &skill("c", "A folder named like the group, unpublished")),
    ])
    .unwrap();
    assert_eq!(
        served(&catalog),
        [
            ("a", "sales-team", "plugins/sales/skills/a", Some("1.4.0")),
            ("b", "sales-team", "plugins/sales/skills/b", Some("1.4.0")),
        ]
    );
    assert_eq!(groups(&catalog), [("sales-team", "plugins/sales", true)]);
    assert_eq!(
        skipped(&catalog),
        ["plugins/sales-team/.claude-plugin/plugin.json: the unpublished group in plugins/sales-team is named `sales-team`, like another group; rename it in its plugin.json"]
    );
}

#[test]
fn a_skill_reached_twice_is_served_once() {
    let catalog = catalog(&[
        (
            MARKETPLACE_PATH,
            &marketplace(
                r#"{"name": "a", "source": "./a", "skills": ["./skills/x", "./skills/x"]}, {"name": "b", "source": "./b"}, {"name": "a", "source": "./c"}"#,
            ),
        ),
        ("a/skills/x/SKILL.md", &skill("x", "X")),
        ("b/skills/x/SKILL.md", &skill("x", "Another x")),
        ("c/skills/z/SKILL.md", &skill("z", "Z")),
    ])
    .unwrap();
    assert_eq!(served(&catalog), [("x", "a", "a/skills/x", None)]);
    assert_eq!(
        skipped(&catalog),
        [
            ".claude-plugin/marketplace.json: plugin entry `a` repeats the name of an earlier entry; the first is used",
            "b/skills/x/SKILL.md: another skill named `x` exists at a/skills/x/SKILL.md; skill names must be unique across the marketplace",
        ]
    );
}

#[test]
fn entries_served_from_elsewhere_are_listed_not_dropped() {
    let catalog = catalog(&[(
        MARKETPLACE_PATH,
        &marketplace(
            r#"{"name": "gh", "source": {"source": "github", "repo": "acme/tools"}},
               {"name": "url", "source": {"source": "url", "url": "https://git.example.com/x.git"}},
               {"name": "npm", "source": {"source": "npm", "package": "@acme/plugin"}},
               {"name": "sub", "source": {"source": "git-subdir", "url": "https://example.com/r.git", "path": "p"}},
               {"name": "up", "source": "../outside"},
               {"name": "odd", "source": 42}"#,
        ),
    )])
    .unwrap();
    let external: Vec<(&str, &str)> = catalog.external.iter().map(|e| (e.name.as_str(), e.source.as_str())).collect();
    assert_eq!(
        external,
        [
            ("gh", "github: acme/tools"),
            ("url", "url: https://git.example.com/x.git"),
            ("npm", "npm: @acme/plugin"),
            ("sub", "git-subdir: https://example.com/r.git"),
            ("odd", "unknown"),
        ]
    );
    let reasons = skipped(&catalog);
    assert_eq!(reasons.len(), 6, "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("`up` has source `../outside` reaches outside")), "{reasons:#?}");
    assert!(catalog.skills.is_empty() && catalog.groups.is_empty());
}

#[test]
fn plugin_root_prefixes_bare_sources_and_single_skill_plugins_are_their_own_skill() {
    let catalog = catalog(&[
        (
            MARKETPLACE_PATH,
            r#"{"name": "acme", "metadata": {"pluginRoot": "./plugins"},
                "plugins": [{"name": "formatter", "source": "formatter"}, {"name": "lint", "source": "./tools/lint"}]}"#,
        ),
        ("plugins/formatter/skills/fmt/SKILL.md", &skill("fmt", "Formats")),
        ("tools/lint/SKILL.md", &skill("lint", "A plugin that is one skill")),
        ("tools/lint/rules.md", "rules"),
    ])
    .unwrap();
    assert_eq!(
        served(&catalog),
        [("fmt", "formatter", "plugins/formatter/skills/fmt", None), ("lint", "lint", "tools/lint", None)]
    );
    assert!(catalog.skipped.is_empty(), "{:#?}", skipped(&catalog));
}

#[test]
fn listed_paths_that_hold_no_skill_are_reported() {
    let catalog = catalog(&[
        (
            MARKETPLACE_PATH,
            &marketplace(r#"{"name": "g", "source": "./g", "strict": false, "skills": ["./missing", "../escape", "./skills/a/inner"]}"#),
        ),
        ("g/skills/a/SKILL.md", &skill("a", "A")),
        ("g/skills/a/inner/SKILL.md", &skill("inner", "Inside a")),
    ])
    .unwrap();
    assert_eq!(served(&catalog), [("a", "g", "g/skills/a", None)]);
    assert_eq!(
        skipped(&catalog),
        [
            ".claude-plugin/marketplace.json: plugin entry `g` lists skill path `../escape` reaches outside the plugin with `..`; it is ignored",
            "g/missing: plugin entry `g` lists `./missing`, which holds no SKILL.md (neither a skill folder nor a folder of skill folders)",
            "g/skills/a/inner/SKILL.md: it lies inside the skill folder g/skills/a, which is served with it",
        ]
    );
}

#[test]
fn unchanged_skill_files_are_reused_from_the_previous_catalog() {
    let files = |description: &str| {
        let a = skill("a", description);
        let b = skill("b", "B");
        let owned = [
            (MARKETPLACE_PATH, MARKETPLACE.to_string()),
            ("plugins/sales/skills/a/SKILL.md", a),
            ("plugins/sales/skills/b/SKILL.md", b),
        ];
        let entries: Vec<(&str, &[u8], bool)> = owned.iter().map(|(p, c)| (*p, c.as_bytes(), false)).collect();
        Zipball::from_zip(zipball("acme-skills-0123456", &entries)).unwrap()
    };
    let first = Catalog::build("1", &mut files("A"), None).unwrap();
    // Forge the previous entry of `b` to prove it is reused rather than parsed again.
    let mut previous = first.clone();
    previous.skills[1].description = "from the previous catalog".into();
    let second = Catalog::build("2", &mut files("A changed"), Some(&previous)).unwrap();
    assert_eq!(second.skill("a").unwrap().description, "A changed", "changed files are parsed");
    assert_eq!(second.skill("b").unwrap().description, "from the previous catalog", "unchanged files are reused");
    assert_eq!(
        Catalog::build("2", &mut files("A changed"), Some(&first)).unwrap(),
        Catalog::build("2", &mut files("A changed"), None).unwrap(),
        "an incremental build equals a build from scratch"
    );
}

#[test]
fn a_broken_plugin_json_skips_only_its_group() {
    let catalog = catalog(&[
        (MARKETPLACE_PATH, MARKETPLACE),
        ("plugins/sales/.claude-plugin/plugin.json", "{ not json"),
        ("plugins/sales/skills/a/SKILL.md", &skill("a", "A")),
        ("plugins/other/skills/b/SKILL.md", &skill("b", "B")),
    ])
    .unwrap();
    assert_eq!(catalog.skills.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["b"]);
    assert!(catalog
        .skipped
        .iter()
        .any(|s| s.path == "plugins/sales/.claude-plugin/plugin.json" && s.reason.contains("line 1")));
}

#[test]
fn a_missing_or_broken_marketplace_is_a_clear_error() {
    assert!(matches!(catalog(&[("README.md", "hi")]), Err(CatalogError::NoMarketplace)));
    let error = catalog(&[(MARKETPLACE_PATH, "{\"name\": ")]).unwrap_err().to_string();
    assert!(error.contains(".claude-plugin/marketplace.json line 1"), "{error}");
}

#[test]
fn a_symlinked_skill_folder_is_its_target_served_once() {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let files = [
        (
            MARKETPLACE_PATH,
            marketplace(
                r#"{"name": "a", "source": "./plugins/a"}, {"name": "b", "source": "./plugins/b", "skills": ["./linked"]}"#,
            ),
        ),
        ("shared/pdf/SKILL.md", skill("pdf", "PDFs")),
        ("shared/pdf/forms.md", "forms".to_string()),
    ];
    for (path, content) in &files {
        writer.start_file(format!("acme-skills-0123456/{path}"), options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.add_symlink("acme-skills-0123456/plugins/a/skills/pdf", "../../../shared/pdf", options).unwrap();
    writer.add_symlink("acme-skills-0123456/plugins/b/linked", "../../shared/pdf", options).unwrap();
    writer.add_symlink("acme-skills-0123456/plugins/a/skills/escape", "../../../../etc", options).unwrap();
    let mut snapshot = Zipball::from_zip(writer.finish().unwrap().into_inner()).unwrap();
    let catalog = Catalog::build("1", &mut snapshot, None).unwrap();
    assert_eq!(served(&catalog), [("pdf", "b", "shared/pdf", None)], "the listing wins, the folder is the target");
    assert_eq!(skipped(&catalog), Vec::<String>::new(), "a link reaching outside the repository is no skill");
}

#[test]
fn symlinks_are_followed_anywhere_along_a_path_and_through_chains() {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let top = "acme-skills-0123456";
    let files = [
        (
            MARKETPLACE_PATH.to_string(),
            marketplace(
                r#"{"name": "a", "source": "./plugins/a"}, {"name": "b", "source": "./plugins/b"},
                   {"name": "c", "source": "./plugins/c", "skills": ["./vendor/v"]}, {"name": "d", "source": "./plugins/d"}"#,
            ),
        ),
        ("docs/x.md".into(), skill("xname", "The real file")),
        ("shared/s/SKILL.md".into(), skill("s", "Under a linked skills folder")),
        ("real/b/skills/rb/SKILL.md".into(), skill("rb", "Under a linked plugin root")),
        ("third_party/v/SKILL.md".into(), skill("v", "Through a linked middle folder")),
        ("real/chained/SKILL.md".into(), skill("chained", "At the end of a chain")),
    ];
    for (path, content) in &files {
        writer.start_file(format!("{top}/{path}"), options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    for (link, target) in [
        ("plugins/a/skills/x/SKILL.md", "../../../../docs/x.md"),
        ("plugins/a/skills/s-dir", "../../../shared/s"),
        ("plugins/b", "../real/b"),
        ("plugins/c/vendor", "../../third_party"),
        ("plugins/d/skills/chained", "../../../mid/chained"),
        ("mid/chained", "../real/chained"),
        ("plugins/d/skills/loop", "loop"),
    ] {
        writer.add_symlink(format!("{top}/{link}"), target, options).unwrap();
    }
    let mut snapshot = Zipball::from_zip(writer.finish().unwrap().into_inner()).unwrap();
    let catalog = Catalog::build("1", &mut snapshot, None).unwrap();
    assert_eq!(
        served(&catalog),
        [
            ("chained", "d", "real/chained", None),
            ("rb", "b", "real/b/skills/rb", None),
            ("s", "a", "shared/s", None),
            ("v", "c", "third_party/v", None),
            ("xname", "a", "plugins/a/skills/x", None),
        ]
    );
    assert_eq!(catalog.skill("xname").unwrap().description, "The real file", "a linked SKILL.md is read through");
    assert_eq!(skipped(&catalog), Vec::<String>::new());
}

#[test]
fn skill_folders_inside_skill_folders_are_served_once_as_the_outer_one() {
    let catalog = catalog(&[
        (
            MARKETPLACE_PATH,
            &marketplace(r#"{"name": "p", "source": "./p", "skills": ["./skills/a/x", "./skills/a/y", "./more/k"]}"#),
        ),
        ("p/skills/a/SKILL.md", &skill("a", "Outer")),
        ("p/skills/a/x/SKILL.md", &skill("x", "Inside a")),
        ("p/skills/a/y/SKILL.md", &skill("y", "Inside a too")),
        ("p/skills/b/SKILL.md", &skill("b", "Beside a")),
        ("p/more/k/SKILL.md", &skill("k", "Elsewhere")),
    ])
    .unwrap();
    assert_eq!(
        served(&catalog),
        [("a", "p", "p/skills/a", None), ("b", "p", "p/skills/b", None), ("k", "p", "p/more/k", None)]
    );
    assert_eq!(
        skipped(&catalog),
        [
            "p/skills/a/x/SKILL.md: it lies inside the skill folder p/skills/a, which is served with it",
            "p/skills/a/y/SKILL.md: it lies inside the skill folder p/skills/a, which is served with it",
        ]
    );
}

#[test]
fn a_skills_field_that_is_neither_a_path_nor_a_list_is_reported() {
    let catalog = catalog(&[
        (
            MARKETPLACE_PATH,
            &marketplace(r#"{"name": "p", "source": "./p"}, {"name": "q", "source": "./q", "skills": 5}"#),
        ),
        ("p/.claude-plugin/plugin.json", r#"{"name": "p", "skills": {"a": 1}}"#),
        ("p/skills/a/SKILL.md", &skill("a", "A")),
        ("q/skills/b/SKILL.md", &skill("b", "B")),
    ])
    .unwrap();
    assert!(catalog.skills.is_empty(), "{:?}", served(&catalog));
    let reasons = skipped(&catalog);
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("p/.claude-plugin/plugin.json") && r.contains("a path or a list of paths")),
        "{reasons:#?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("plugin entry `q` is malformed") && r.contains("a path or a list of paths")),
        "{reasons:#?}"
    );
}

#[test]
fn a_skill_file_moved_to_another_folder_is_parsed_again() {
    let build = |folder: &str, previous: Option<&Catalog>| {
        let owned =
            [(MARKETPLACE_PATH, MARKETPLACE.to_string()), (folder, "---\ndescription: Same bytes\n---\n".to_string())];
        let entries: Vec<(&str, &[u8], bool)> = owned.iter().map(|(p, c)| (*p, c.as_bytes(), false)).collect();
        Catalog::build("1", &mut Zipball::from_zip(zipball("acme-skills-0123456", &entries)).unwrap(), previous)
            .unwrap()
    };
    let mut first = build("plugins/sales/skills/old-name/SKILL.md", None);
    first.skills[0].description = "from the previous catalog".into();
    // Same content stamp, another folder: the name comes from the folder, so nothing is reused.
    let moved = build("plugins/sales/skills/new-name/SKILL.md", Some(&first));
    assert_eq!(served(&moved), [("new-name", "sales", "plugins/sales/skills/new-name", Some("0.9.0"))]);
    assert_eq!(moved.skills[0].description, "Same bytes");
}
