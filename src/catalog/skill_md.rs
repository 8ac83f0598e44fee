//! SKILL.md: its YAML frontmatter, parsed with a real YAML parser and checked against the
//! Agent Skills rules (name, description, optional license/compatibility/metadata/allowed-tools).

use serde::Deserialize;
use std::collections::BTreeMap;

/// The frontmatter keys the Agent Skills format allows; Anthropic's validator refuses others.
pub const ALLOWED_KEYS: [&str; 6] = ["name", "description", "license", "compatibility", "metadata", "allowed-tools"];

/// The validated frontmatter of a SKILL.md.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Frontmatter {
    /// The skill's name: 1–64 of `a-z 0-9 -`, equal to its folder's name.
    pub name: String,
    /// What the skill does and when to use it; 1–1024 characters, no `<` or `>`.
    pub description: String,
    /// Optional license name or file.
    #[serde(default)]
    pub license: Option<String>,
    /// Optional environment requirements, at most 500 characters.
    #[serde(default)]
    pub compatibility: Option<String>,
    /// Optional string-to-string map.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// Why a SKILL.md cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkillMdError {
    /// The file is not UTF-8 text.
    #[error("SKILL.md is not UTF-8 text")]
    NotUtf8,
    /// The file does not begin with a `---` frontmatter block.
    #[error("SKILL.md must begin with a YAML frontmatter block between two `---` lines")]
    NoFrontmatter,
    /// The opening `---` is never closed.
    #[error("the frontmatter block opened by `---` on line 1 is never closed by a `---` line")]
    Unterminated,
    /// The YAML does not parse.
    #[error("the frontmatter is not valid YAML: {0}")]
    Yaml(String),
    /// A field has the wrong type or value.
    #[error("frontmatter field `{field}` {problem}")]
    Field { field: &'static str, problem: String },
    /// A key outside the Agent Skills format.
    #[error("frontmatter key `{0}` is not part of the Agent Skills format (allowed: name, description, license, compatibility, metadata, allowed-tools)")]
    UnknownKey(String),
}

/// What a valid SKILL.md carries, plus any portable-format problems that do not stop serving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSkillMd {
    /// The frontmatter.
    pub frontmatter: Frontmatter,
    /// Problems that Claude's upload validator may refuse but that do not hide the skill
    /// (today: unknown top-level keys).
    pub warnings: Vec<SkillMdError>,
}

/// Parses and validates a SKILL.md. CRLF line endings and a UTF-8 byte-order mark are accepted.
pub fn parse(bytes: &[u8]) -> Result<ParsedSkillMd, SkillMdError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SkillMdError::NotUtf8)?;
    let yaml = frontmatter_block(text)?;
    let value: serde_json::Value = if yaml.trim().is_empty() {
        serde_json::Value::Object(Default::default())
    } else {
        serde_saphyr::from_str(yaml).map_err(|e| SkillMdError::Yaml(first_line(&e.to_string())))?
    };
    let serde_json::Value::Object(map) = value else {
        return Err(SkillMdError::Yaml("the frontmatter must be a mapping of keys to values".into()));
    };
    let warnings = map
        .keys()
        .filter(|k| !ALLOWED_KEYS.contains(&k.as_str()))
        .map(|k| SkillMdError::UnknownKey(k.clone()))
        .collect();

    let name = required_text(&map, "name")?;
    validate_name(&name)?;
    let description = required_text(&map, "description")?;
    validate_description(&description)?;
    let license = optional_text(&map, "license")?;
    let compatibility = optional_text(&map, "compatibility")?;
    if compatibility.as_ref().is_some_and(|c| c.chars().count() > 500) {
        return Err(field("compatibility", "must be at most 500 characters"));
    }
    let metadata = match map.get("metadata") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Object(m)) => Some(
            m.iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(field("metadata", &format!("must map keys to text; `{k}` is not text"))),
                })
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => return Err(field("metadata", "must be a mapping of keys to text")),
    };
    Ok(ParsedSkillMd { frontmatter: Frontmatter { name, description, license, compatibility, metadata }, warnings })
}

/// Checks a skill name against the Agent Skills rules.
pub fn validate_name(name: &str) -> Result<(), SkillMdError> {
    if name.is_empty() || name.len() > 64 {
        return Err(field("name", "must be 1 to 64 characters long"));
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(field("name", &format!("`{name}` may contain only lowercase letters a-z, digits and hyphens")));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Err(field("name", &format!("`{name}` must not start or end with a hyphen or contain `--`")));
    }
    Ok(())
}

fn validate_description(description: &str) -> Result<(), SkillMdError> {
    let length = description.chars().count();
    if description.trim().is_empty() || length > 1024 {
        return Err(field("description", &format!("must be 1 to 1024 characters long (it has {length})")));
    }
    if description.contains(['<', '>']) {
        return Err(field("description", "must not contain `<` or `>`"));
    }
    Ok(())
}

/// Finds the YAML between the opening `---` line and the next `---` line.
fn frontmatter_block(text: &str) -> Result<&str, SkillMdError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Err(SkillMdError::NoFrontmatter);
    }
    let body = &text[(first_end + 1).min(text.len())..];
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Ok(&body[..offset]);
        }
        offset += line.len();
    }
    Err(SkillMdError::Unterminated)
}

fn required_text(map: &serde_json::Map<String, serde_json::Value>, key: &'static str) -> Result<String, SkillMdError> {
    optional_text(map, key)?.ok_or_else(|| field(key, "is required"))
}

fn optional_text(
    map: &serde_json::Map<String, serde_json::Value>,
    key: &'static str,
) -> Result<Option<String>, SkillMdError> {
    match map.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(field(key, "must be text")),
    }
}

fn field(field: &'static str, problem: &str) -> SkillMdError {
    SkillMdError::Field { field, problem: problem.to_string() }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multiline_values_and_crlf() {
        let md = "---\r\nname: proposal-writer\r\ndescription: >\r\n  Writes proposals,\r\n  in our house style.\r\nmetadata:\r\n  owner: sales\r\n---\r\n# Body\r\n";
        let parsed = parse(md.as_bytes()).unwrap();
        assert_eq!(parsed.frontmatter.name, "proposal-writer");
        assert_eq!(parsed.frontmatter.description, "Writes proposals, in our house style.");
        assert_eq!(parsed.frontmatter.metadata.unwrap()["owner"], "sales");
        assert!(parsed.warnings.is_empty());
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
    }

    #[test]
    fn broken_files_explain_themselves() {
        let cases: [(&[u8], &str); 8] = [
            (b"# no frontmatter", "must begin"),
            (b"---\nname: a\n", "never closed"),
            (b"---\nname: [unclosed\n---\n", "not valid YAML"),
            (b"---\ndescription: d\n---\n", "`name` is required"),
            (b"---\nname: Bad_Name\ndescription: d\n---\n", "lowercase"),
            (b"---\nname: a--b\ndescription: d\n---\n", "--"),
            (b"---\nname: a\ndescription: use <b>\n---\n", "`<`"),
            (b"\xff\xfe", "UTF-8"),
        ];
        for (input, expected) in cases {
            let error = parse(input).unwrap_err().to_string();
            assert!(error.contains(expected), "{error:?} should mention {expected:?}");
        }
    }

    #[test]
    fn long_fields_are_refused() {
        let long = "x".repeat(1025);
        let md = format!("---\nname: a\ndescription: {long}\n---\n");
        assert!(parse(md.as_bytes()).unwrap_err().to_string().contains("1024"));
        assert!(validate_name(&"a".repeat(65)).is_err());
        assert!(validate_name(&"a".repeat(64)).is_ok());
    }
}
