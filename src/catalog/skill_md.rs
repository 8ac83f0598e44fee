//! SKILL.md: its YAML frontmatter, parsed with a real YAML parser and checked against the
//! Agent Skills rules (name, description, optional license/compatibility/metadata/allowed-tools).

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The largest SKILL.md served. Agent Skills keep SKILL.md short (their guidance is under 500
/// lines) and put the rest in other files; the limit keeps one file from costing a build's CPU.
pub const MAX_SKILL_MD_BYTES: usize = 64 << 10;
/// The largest frontmatter block: a name, a description and a few optional fields.
pub const MAX_FRONTMATTER_BYTES: usize = 16 << 10;

/// The YAML parser's budget for a frontmatter: generous for any real one (a few dozen keys),
/// and small enough that a crafted block (an alias bomb, thousands of nodes) is refused after
/// microseconds instead of costing a build hundreds of milliseconds.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::Options {
        // Without error snippets: only an error's first line is reported.
        with_snippet: false,
        budget: Some(serde_saphyr::Budget {
            max_reader_input_bytes: Some(MAX_FRONTMATTER_BYTES),
            max_events: 5_000,
            max_aliases: 16,
            max_anchors: 16,
            max_depth: 32,
            max_documents: 1,
            max_nodes: 2_000,
            max_total_scalar_bytes: MAX_FRONTMATTER_BYTES,
            max_merge_keys: 100,
            ..serde_saphyr::Budget::default()
        }),
        alias_limits: serde_saphyr::options::AliasLimits {
            max_total_replayed_events: 2_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 100,
        },
        ..Default::default()
    }
}

/// The frontmatter keys the Agent Skills format allows; Anthropic's validator refuses others.
pub const ALLOWED_KEYS: [&str; 6] = ["name", "description", "license", "compatibility", "metadata", "allowed-tools"];

/// The frontmatter of a SKILL.md.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Frontmatter {
    /// The skill's name: by the Agent Skills rules 1–64 of `a-z 0-9 -`, equal to its folder's name.
    pub name: String,
    /// What the skill does and when to use it; by the rules 1–1024 characters, no `<` or `>`.
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
    /// The file is larger than the connector reads.
    #[error("SKILL.md is larger than {} KiB; keep it short and move details into other files of the skill", MAX_SKILL_MD_BYTES >> 10)]
    TooLarge,
    /// The frontmatter block is larger than the connector reads.
    #[error("the frontmatter is larger than {} KiB; it holds a name, a description and a few short fields", MAX_FRONTMATTER_BYTES >> 10)]
    FrontmatterTooLarge,
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

/// What a SKILL.md carries, plus the Agent Skills rules it breaks that Claude Code tolerates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSkillMd {
    /// The frontmatter, with Claude Code's defaults filled in (the folder's name for a missing
    /// `name`, the body's first paragraph for a missing `description`).
    pub frontmatter: Frontmatter,
    /// The frontmatter exactly as written (every key, in order), as JSON.
    pub json: Map<String, Value>,
    /// Problems that Claude.ai's upload may refuse but that Claude Code loads the skill with.
    pub warnings: Vec<SkillMdError>,
}

impl ParsedSkillMd {
    /// The first warning that makes the file non-portable beyond an unknown key: what a save
    /// refuses, since the connector writes only files every Claude surface accepts.
    pub fn portability_error(&self) -> Option<&SkillMdError> {
        self.warnings.iter().find(|w| !matches!(w, SkillMdError::UnknownKey(_)))
    }
}

/// Parses a SKILL.md the way Claude Code loads it: CRLF line endings and a UTF-8 byte-order mark
/// are accepted, a missing frontmatter, `name` or `description` takes Claude Code's default, and
/// each Agent Skills rule it breaks is a warning. Only what Claude Code cannot load is an error:
/// text that is not UTF-8, an unclosed or unparsable frontmatter, a `name` or `description` that
/// is not text, and a name that cannot be a folder name.
pub fn parse(bytes: &[u8], folder_name: &str) -> Result<ParsedSkillMd, SkillMdError> {
    if bytes.len() > MAX_SKILL_MD_BYTES {
        return Err(SkillMdError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| SkillMdError::NotUtf8)?;
    let mut warnings = Vec::new();
    let (yaml, body) = match frontmatter_block(text) {
        Ok(found) => found,
        Err(SkillMdError::NoFrontmatter) => {
            warnings.push(SkillMdError::NoFrontmatter);
            ("", text.strip_prefix('\u{feff}').unwrap_or(text))
        }
        Err(other) => return Err(other),
    };
    // Parsed once, into JSON: validation reads its fields, and the Skills extension serves it
    // as the skill's frontmatter, every key as written.
    if yaml.len() > MAX_FRONTMATTER_BYTES {
        return Err(SkillMdError::FrontmatterTooLarge);
    }
    let json: Map<String, Value> = if yaml.trim().is_empty() {
        Map::new()
    } else {
        match serde_saphyr::from_str_with_options::<Value>(yaml, yaml_options()) {
            Ok(Value::Object(map)) => map,
            Ok(Value::Null) => Map::new(),
            Ok(_) => return Err(SkillMdError::Yaml("the frontmatter must be a mapping of keys to values".into())),
            Err(e) => return Err(SkillMdError::Yaml(first_line(&e.to_string()))),
        }
    };
    let raw = RawFrontmatter::of(&json);
    warnings.extend(raw.unknown_keys.into_iter().map(SkillMdError::UnknownKey));

    let name = match text_field("name", raw.name)? {
        Some(name) => name,
        None => {
            warnings.push(field("name", "is missing; Claude Code uses the folder's name"));
            folder_name.to_string()
        }
    };
    check_folder_safe(&name)?;
    warnings.extend(validate_name(&name).err());
    let description = match text_field("description", raw.description)? {
        Some(description) if !description.trim().is_empty() => {
            warnings.extend(validate_description(&description).err());
            description
        }
        _ => {
            warnings.push(field("description", "is missing; Claude Code uses the first paragraph of the text"));
            first_paragraph(body)
        }
    };
    let license = lenient_text("license", raw.license, &mut warnings);
    let compatibility = lenient_text("compatibility", raw.compatibility, &mut warnings);
    if compatibility.as_ref().is_some_and(|c| c.chars().count() > 500) {
        warnings.push(field("compatibility", "must be at most 500 characters"));
    }
    let metadata = match raw.metadata {
        None | Some(Node::Null) => None,
        Some(Node::Mapping(entries)) => {
            let mut map = BTreeMap::new();
            for (key, value) in entries {
                match value {
                    Node::Text(text) => {
                        map.insert(key, text);
                    }
                    _ => warnings.push(field("metadata", &format!("must map keys to text; `{key}` is not text"))),
                }
            }
            Some(map)
        }
        Some(_) => {
            warnings.push(field("metadata", "must be a mapping of keys to text"));
            None
        }
    };
    Ok(ParsedSkillMd {
        frontmatter: Frontmatter { name, description, license, compatibility, metadata },
        json,
        warnings,
    })
}

/// An optional text field: a value of another type is ignored with a warning, as Claude Code
/// ignores it.
fn lenient_text(name: &'static str, value: Option<Node>, warnings: &mut Vec<SkillMdError>) -> Option<String> {
    text_field(name, value).unwrap_or_else(|problem| {
        warnings.push(problem);
        None
    })
}

/// A name is also the skill's folder in packages and its `skill://` URI segment: it must be one
/// plain path segment whatever else it breaks.
fn check_folder_safe(name: &str) -> Result<(), SkillMdError> {
    let unsafe_char = |c: char| c == '/' || c == '\\' || c.is_control();
    if name.is_empty() || name == "." || name == ".." || name.len() > 255 || name.chars().any(unsafe_char) {
        return Err(field("name", &format!("`{}` cannot be a folder name", name.escape_debug())));
    }
    Ok(())
}

/// The first paragraph of a Markdown body, headings skipped, joined onto one line, at most 1024
/// characters: what Claude Code shows for a skill without a description.
fn first_paragraph(body: &str) -> String {
    let mut lines = Vec::new();
    for line in body.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(line);
    }
    lines.join(" ").chars().take(1024).collect()
}

/// The frontmatter fields validation looks at, taken from the parsed YAML.
#[derive(Debug, Default)]
struct RawFrontmatter {
    name: Option<Node>,
    description: Option<Node>,
    license: Option<Node>,
    compatibility: Option<Node>,
    metadata: Option<Node>,
    unknown_keys: Vec<String>,
}

impl RawFrontmatter {
    /// The fields of `map`, the whole frontmatter.
    fn of(map: &Map<String, Value>) -> RawFrontmatter {
        let get = |key: &str| map.get(key).map(Node::of);
        RawFrontmatter {
            name: get("name"),
            description: get("description"),
            license: get("license"),
            compatibility: get("compatibility"),
            metadata: get("metadata"),
            unknown_keys: map.keys().filter(|k| !ALLOWED_KEYS.contains(&k.as_str())).cloned().collect(),
        }
    }
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

impl Node {
    fn of(value: &Value) -> Node {
        match value {
            Value::String(text) => Node::Text(text.clone()),
            Value::Null => Node::Null,
            Value::Object(map) => Node::Mapping(map.iter().map(|(k, v)| (k.clone(), Node::of(v))).collect()),
            _ => Node::Other,
        }
    }
}

fn text_field(name: &'static str, value: Option<Node>) -> Result<Option<String>, SkillMdError> {
    match value {
        None | Some(Node::Null) => Ok(None),
        Some(Node::Text(text)) => Ok(Some(text.trim().to_string())),
        Some(_) => Err(field(name, "must be text")),
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

/// Finds the YAML between the opening `---` line and the next `---` line, and the body after it.
fn frontmatter_block(text: &str) -> Result<(&str, &str), SkillMdError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Err(SkillMdError::NoFrontmatter);
    }
    let body = &text[(first_end + 1).min(text.len())..];
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Ok((&body[..offset], &body[offset + line.len()..]));
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
mod tests;
