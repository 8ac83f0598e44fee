//! SKILL.md: its YAML frontmatter, parsed with a real YAML parser and checked against the
//! Agent Skills rules (name, description, optional license/compatibility/metadata/allowed-tools).

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

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
    let raw: RawFrontmatter = if yaml.trim().is_empty() {
        RawFrontmatter::default()
    } else {
        serde_saphyr::from_str(yaml).map_err(|e| SkillMdError::Yaml(first_line(&e.to_string())))?
    };
    let warnings = raw.unknown_keys.into_iter().map(SkillMdError::UnknownKey).collect();

    let name = text_field("name", raw.name)?.ok_or_else(|| field("name", "is required"))?;
    validate_name(&name)?;
    let description = text_field("description", raw.description)?.ok_or_else(|| field("description", "is required"))?;
    validate_description(&description)?;
    let license = text_field("license", raw.license)?;
    let compatibility = text_field("compatibility", raw.compatibility)?;
    if compatibility.as_ref().is_some_and(|c| c.chars().count() > 500) {
        return Err(field("compatibility", "must be at most 500 characters"));
    }
    let metadata = match raw.metadata {
        None | Some(Node::Null) => None,
        Some(Node::Mapping(entries)) => Some(
            entries
                .into_iter()
                .map(|(key, value)| match value {
                    Node::Text(text) => Ok((key, text)),
                    _ => Err(field("metadata", &format!("must map keys to text; `{key}` is not text"))),
                })
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => return Err(field("metadata", "must be a mapping of keys to text")),
    };
    Ok(ParsedSkillMd { frontmatter: Frontmatter { name, description, license, compatibility, metadata }, warnings })
}

/// The frontmatter's keys as the YAML parser hands them over, before validation.
///
/// Deserialized by hand-written visitors rather than into a generic value tree: reading only the
/// allowed keys into small typed slots, and noting the others, keeps parsing a marketplace's
/// SKILL.md files (most of a catalog build's CPU time) lean, while every wrong type still gets
/// its own message.
#[derive(Debug, Default)]
struct RawFrontmatter {
    name: Option<Node>,
    description: Option<Node>,
    license: Option<Node>,
    compatibility: Option<Node>,
    metadata: Option<Node>,
    unknown_keys: Vec<String>,
}

/// A YAML value, reduced to what validation needs to tell apart.
#[derive(Debug)]
enum Node {
    Text(String),
    Null,
    Mapping(Vec<(String, Node)>),
    /// Numbers, booleans and sequences.
    Other,
}

fn text_field(name: &'static str, value: Option<Node>) -> Result<Option<String>, SkillMdError> {
    match value {
        None | Some(Node::Null) => Ok(None),
        Some(Node::Text(text)) => Ok(Some(text.trim().to_string())),
        Some(_) => Err(field(name, "must be text")),
    }
}

impl<'de> Deserialize<'de> for RawFrontmatter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = RawFrontmatter;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of keys to values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawFrontmatter, E> {
                Ok(RawFrontmatter::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFrontmatter, A::Error> {
                let mut raw = RawFrontmatter::default();
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        "name" => &mut raw.name,
                        "description" => &mut raw.description,
                        "license" => &mut raw.license,
                        "compatibility" => &mut raw.compatibility,
                        "metadata" => &mut raw.metadata,
                        other => {
                            map.next_value::<IgnoredAny>()?;
                            if other != "allowed-tools" {
                                raw.unknown_keys.push(key);
                            }
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(raw)
            }
        }
        deserializer.deserialize_any(RawVisitor)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a YAML value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Text(v))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
                Node::deserialize(deserializer)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Node::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Node>()? {
                    entries.push(entry);
                }
                Ok(Node::Mapping(entries))
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
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
    fn wrong_types_are_named() {
        let cases: [(&[u8], &str); 7] = [
            (b"---\nname: 123\ndescription: d\n---\n", "`name` must be text"),
            (b"---\nname: a\ndescription: [x, y]\n---\n", "`description` must be text"),
            (b"---\nname: a\ndescription:\n---\n", "`description` is required"),
            (b"---\nname: a\ndescription: d\nmetadata: [x]\n---\n", "`metadata` must be a mapping"),
            (b"---\nname: a\ndescription: d\nmetadata:\n  owner: 3\n---\n", "`owner` is not text"),
            (b"---\nname: a\ndescription: d\nlicense: true\n---\n", "`license` must be text"),
            (b"---\n- a\n- b\n---\n", "mapping"),
        ];
        for (input, expected) in cases {
            let error = parse(input).unwrap_err().to_string();
            assert!(error.contains(expected), "{error:?} should mention {expected:?}");
        }
        let parsed = parse(b"---\nname: a\ndescription: d\nallowed-tools: [Read, Bash]\nmetadata:\n---\n").unwrap();
        assert!(parsed.warnings.is_empty(), "allowed-tools is part of the format");
        assert_eq!(parsed.frontmatter.metadata, None);
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
