//! Tests of [`super`].

use super::*;

fn parse(bytes: &[u8]) -> Result<ParsedSkillMd, SkillMdError> {
    super::parse(bytes, "folder")
}

fn warnings(bytes: &[u8]) -> Vec<String> {
    parse(bytes).unwrap().warnings.iter().map(ToString::to_string).collect()
}

#[test]
fn parses_multiline_values_and_crlf() {
    let md = "---\r\nname: proposal-writer\r\ndescription: >\r\n  Writes proposals,\r\n  in our house style.\r\nmetadata:\r\n  owner: sales\r\n---\r\n# Body\r\n";
    let parsed = parse(md.as_bytes()).unwrap();
    assert_eq!(parsed.frontmatter.name, "proposal-writer");
    assert_eq!(parsed.frontmatter.description, "Writes proposals, in our house style.");
    assert_eq!(parsed.frontmatter.metadata.as_ref().unwrap()["owner"], "sales");
    assert!(parsed.warnings.is_empty());
    assert_eq!(parsed.portability_error(), None);
}

#[test]
fn non_ascii_descriptions_are_kept() {
    let parsed = parse("---\nname: resume\ndescription: Résumé helper — für Ärzte\n---\n".as_bytes()).unwrap();
    assert_eq!(parsed.frontmatter.description, "Résumé helper — für Ärzte");
}

#[test]
fn unknown_keys_are_warnings_not_failures() {
    let parsed = parse(b"---\nname: a\ndescription: d\nversion: 1.0.0\n---\n").unwrap();
    assert_eq!(parsed.warnings, [SkillMdError::UnknownKey("version".into())]);
    assert_eq!(parsed.portability_error(), None, "an unknown key travels everywhere");
}

#[test]
fn what_claude_code_cannot_load_is_an_error() {
    let cases: [(&[u8], &str); 6] = [
        (b"---\nname: a\n", "never closed"),
        (b"---\nname: [unclosed\n---\n", "not valid YAML"),
        (b"\xff\xfe", "UTF-8"),
        (b"---\nname: 123\ndescription: d\n---\n", "`name` must be text"),
        (b"---\nname: a\ndescription: [x, y]\n---\n", "`description` must be text"),
        (b"---\nname: ../x\ndescription: d\n---\n", "cannot be a folder name"),
    ];
    for (input, expected) in cases {
        let error = parse(input).unwrap_err().to_string();
        assert!(error.contains(expected), "{error:?} should mention {expected:?}");
    }
    assert!(parse(b"---\n- a\n- b\n---\n").unwrap_err().to_string().contains("mapping"));
}

#[test]
fn claude_codes_defaults_fill_what_is_missing() {
    let parsed = parse(b"# Title\n\nDoes a thing\nwell.\n\nMore.\n").unwrap();
    assert_eq!(parsed.frontmatter.name, "folder", "no frontmatter: the folder's name");
    assert_eq!(parsed.frontmatter.description, "Does a thing well.", "the first paragraph, heading skipped");
    assert!(parsed.portability_error().unwrap().to_string().contains("must begin"));

    let parsed = parse(b"---\ndescription: d\n---\n").unwrap();
    assert_eq!(parsed.frontmatter.name, "folder");
    assert!(parsed.warnings[0].to_string().contains("`name` is missing"));

    let parsed = parse(b"---\nname: a\ndescription:\n---\nBody text\n").unwrap();
    assert_eq!(parsed.frontmatter.description, "Body text");
    assert_eq!(warnings(b"---\nname: a\n---\n").len(), 1, "one warning for a missing description, even with no body");
}

#[test]
fn agent_skills_rules_claude_code_tolerates_are_warnings() {
    for (input, expected) in [
        (&b"---\nname: Bad_Name\ndescription: d\n---\n"[..], "lowercase"),
        (b"---\nname: a--b\ndescription: d\n---\n", "--"),
        (b"---\nname: a\ndescription: use <b>\n---\n", "`<`"),
        (b"---\nname: a\ndescription: d\nmetadata: [x]\n---\n", "`metadata` must be a mapping"),
        (b"---\nname: a\ndescription: d\nmetadata:\n  owner: 3\n---\n", "`owner` is not text"),
        (b"---\nname: a\ndescription: d\nlicense: true\n---\n", "`license` must be text"),
    ] {
        let parsed = parse(input).unwrap();
        let problem = parsed.portability_error().map(ToString::to_string).unwrap_or_default();
        assert!(problem.contains(expected), "{problem:?} should mention {expected:?}");
    }
    let parsed = parse(b"---\nname: a\ndescription: d\nallowed-tools: [Read, Bash]\nmetadata:\n---\n").unwrap();
    assert!(parsed.warnings.is_empty(), "allowed-tools is part of the format");
    assert_eq!(parsed.frontmatter.metadata, None);
}

#[test]
fn long_fields_are_warned_about() {
    let long = "x".repeat(1025);
    let md = format!("---\nname: a\ndescription: {long}\n---\n");
    assert!(warnings(md.as_bytes())[0].contains("1024"));
    assert!(validate_name(&"a".repeat(65)).is_err());
    assert!(validate_name(&"a".repeat(64)).is_ok());
}

mod security_tests {
    use super::super::*;

    /// A 700-byte alias bomb: nine anchors, each nine aliases of the one before.
    fn alias_bomb() -> String {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 9].join(", ");
            yaml.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        format!("---\nname: bomb\ndescription: d\nmetadata:\n  x: y\nbomb: {}\n---\n", "*a8")
            .replace("---\nname", &format!("---\n{yaml}name"))
    }

    /// Finding 5: a crafted frontmatter cost a build hundreds of milliseconds (an alias bomb
    /// about 300 ms, a 1 MiB block about 400 ms natively), enough on a 10 ms plan to kill the
    /// build so that nothing is cached and every tool fails.
    #[test]
    fn security_5_large_or_crafted_frontmatter_is_refused_within_the_budget() {
        let bomb = alias_bomb();
        assert!(bomb.len() < 1_000, "{}", bomb.len());
        let started = std::time::Instant::now();
        let error = parse(bomb.as_bytes(), "bomb").unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(error, SkillMdError::Yaml(_)), "{error}");
        println!("alias bomb refused in {elapsed:?}: {error}");

        let huge_metadata: String = (0..40_000).map(|i| format!("  k{i}: v\n")).collect();
        let big = format!("---\nname: big\ndescription: d\nmetadata:\n{huge_metadata}---\n");
        assert!(big.len() > MAX_SKILL_MD_BYTES);
        assert_eq!(parse(big.as_bytes(), "big"), Err(SkillMdError::TooLarge));
        let frontmatter: String = (0..2_000).map(|i| format!("  k{i}: v\n")).collect();
        let long = format!("---\nname: long\ndescription: d\nmetadata:\n{frontmatter}---\nBody\n");
        assert!(long.len() < MAX_SKILL_MD_BYTES && long.len() > MAX_FRONTMATTER_BYTES);
        assert_eq!(parse(long.as_bytes(), "long"), Err(SkillMdError::FrontmatterTooLarge));
        let nodes = vec!["a"; 2_100].join(",");
        let many = format!("---\nname: many\ndescription: d\nlist: [{nodes}]\n---\n");
        assert!(many.len() < MAX_FRONTMATTER_BYTES);
        assert!(matches!(parse(many.as_bytes(), "many"), Err(SkillMdError::Yaml(_))), "2,100 nodes exceed the budget");
        let real = "---\nname: ok\ndescription: A real one\nlicense: MIT\nmetadata:\n  author: Ann\n  version: \"1.0\"\n---\nBody\n";
        assert!(parse(real.as_bytes(), "ok").is_ok());
    }
}
