//! The two JSON manifests of a Claude Code plugin marketplace: `.claude-plugin/marketplace.json`
//! (which groups are published) and each group's `.claude-plugin/plugin.json` (its version).
//!
//! Only the fields the connector uses are typed; every other key is ignored here and preserved
//! when the connector writes these files.

use serde::Deserialize;

/// Where the marketplace catalogue lives in the repository.
pub const MARKETPLACE_PATH: &str = ".claude-plugin/marketplace.json";
/// Where a group's manifest lives, relative to the group's folder.
pub const PLUGIN_MANIFEST: &str = ".claude-plugin/plugin.json";

/// `.claude-plugin/marketplace.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Marketplace {
    /// The marketplace's name.
    pub name: String,
    /// Who maintains it.
    #[serde(default)]
    pub owner: Option<Owner>,
    /// Free-form description and version.
    #[serde(default)]
    pub metadata: Option<MarketplaceMetadata>,
    /// The published groups. Kept as raw JSON so that one malformed entry is skipped with a
    /// reason instead of making the whole catalogue unreadable (see [`PluginEntry::parse`]), and
    /// so that reading hundreds of entries builds no intermediate JSON trees.
    #[serde(default)]
    pub plugins: Vec<Box<serde_json::value::RawValue>>,
}

/// The marketplace owner.
#[derive(Debug, Clone, Deserialize)]
pub struct Owner {
    /// A person or team name.
    pub name: String,
}

/// `metadata` of marketplace.json.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MarketplaceMetadata {
    /// What the marketplace offers.
    #[serde(default)]
    pub description: Option<String>,
    /// Prepended to sources given as a bare name (`"formatter"` with `"./plugins"` is
    /// `./plugins/formatter`), as Claude Code does.
    #[serde(default, rename = "pluginRoot")]
    pub plugin_root: Option<String>,
}

/// One entry of `plugins` in marketplace.json.
#[derive(Debug, Clone, Deserialize)]
pub struct PluginEntry {
    /// The group's name.
    pub name: String,
    /// `"./plugins/<group>"` for groups in this repository; an object for remote sources.
    pub source: serde_json::Value,
    /// Shown in listings when the group's plugin.json has none.
    #[serde(default)]
    pub description: Option<String>,
    /// Mirrors plugin.json's version (both are written together).
    #[serde(default)]
    pub version: Option<String>,
    /// A category for browsing.
    #[serde(default)]
    pub category: Option<String>,
    /// Search tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Search keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// `false`: the entry is the plugin's whole definition (plugin.json may not declare
    /// components). Claude Code's default is `true`.
    #[serde(default)]
    pub strict: Option<bool>,
    /// Skill folders (or folders of skill folders) the entry adds, relative to the plugin root.
    #[serde(default)]
    pub skills: Option<Paths>,
}

/// Where a marketplace entry's plugin comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntrySource {
    /// A folder of this repository (`""` is the repository root).
    Local(String),
    /// Another repository or package (`github`, `url`, `git-subdir`, `npm`, …), described for
    /// people: its kind and where it points.
    External(String),
    /// A path Claude Code would not accept either (`../`, absolute), with the reason.
    Invalid(String),
}

/// A `skills` field: one path or a list of them, each relative to the plugin root.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Paths(pub Vec<String>);

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than `#[serde(untagged)]`, which buffers every value before trying
        // each form: a collection's entries list thousands of paths.
        struct PathsVisitor;
        impl<'de> serde::de::Visitor<'de> for PathsVisitor {
            type Value = Paths;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path or a list of paths")
            }
            fn visit_str<E: serde::de::Error>(self, path: &str) -> Result<Paths, E> {
                Ok(Paths(vec![path.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Paths, A::Error> {
                let mut paths = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(path) = seq.next_element::<String>()? {
                    paths.push(path);
                }
                Ok(Paths(paths))
            }
        }
        deserializer.deserialize_any(PathsVisitor)
    }
}

/// Joins `path` (relative, `./` optional) onto `base`, the way Claude Code resolves plugin
/// sources and skill paths: `.` segments dropped, `..` and absolute paths refused so nothing
/// outside the marketplace is reached. `""` is the repository root.
pub fn join_relative(base: &str, path: &str) -> Result<String, String> {
    if path.starts_with('/') || path.contains('\\') {
        return Err(format!("`{path}` is not a relative path starting with ./"));
    }
    let mut joined = String::with_capacity(base.len() + path.len() + 1);
    let mut push = |segment: &str| {
        if !joined.is_empty() {
            joined.push('/');
        }
        joined.push_str(segment);
    };
    base.split('/').filter(|s| !s.is_empty()).for_each(&mut push);
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(format!("`{path}` reaches outside the plugin with `..`")),
            segment => push(segment),
        }
    }
    Ok(joined)
}

impl PluginEntry {
    /// Reads the entry at `position` (0-based) of `plugins`; on failure, the error names the
    /// entry by its `name` when it has one, else by its position.
    pub fn parse(raw: &serde_json::value::RawValue, position: usize) -> Result<PluginEntry, String> {
        serde_json::from_str(raw.get()).map_err(|e| {
            #[derive(Deserialize)]
            struct Named {
                name: Option<serde_json::Value>,
            }
            let name = serde_json::from_str::<Named>(raw.get()).ok().and_then(|n| n.name);
            let label = match name.as_ref().and_then(|n| n.as_str()) {
                Some(name) => format!("`{name}`"),
                None => format!("#{}", position + 1),
            };
            format!("plugin entry {label} is malformed: {e}")
        })
    }

    /// How messages name this entry.
    pub fn label(&self) -> String {
        format!("`{}`", self.name)
    }

    /// Where the plugin lives: a folder of this repository, resolved as Claude Code resolves it
    /// (relative to the marketplace root; `plugin_root` prepended to a bare name), or elsewhere.
    pub fn source(&self, plugin_root: Option<&str>) -> EntrySource {
        let Some(path) = self.source.as_str() else {
            let kind = self.source.get("source").and_then(serde_json::Value::as_str).unwrap_or("unknown");
            let target = ["repo", "url", "package"]
                .iter()
                .find_map(|key| self.source.get(*key).and_then(serde_json::Value::as_str));
            return EntrySource::External(match target {
                Some(target) => format!("{kind}: {target}"),
                None => kind.to_string(),
            });
        };
        let bare = !(path.starts_with("./") || path == ".");
        let base = match plugin_root {
            Some(root) if bare => match join_relative("", root) {
                Ok(root) => root,
                Err(reason) => return EntrySource::Invalid(format!("metadata.pluginRoot {reason}")),
            },
            _ => String::new(),
        };
        match join_relative(&base, path) {
            Ok(folder) => EntrySource::Local(folder),
            Err(reason) => EntrySource::Invalid(reason),
        }
    }

    /// Whether Claude Code reads this entry in strict mode (the default).
    pub fn is_strict(&self) -> bool {
        self.strict != Some(false)
    }

    /// The group's folder inside this repository (`plugins/sales`; `""` for the root), or `None`
    /// for a source elsewhere.
    pub fn local_folder(&self) -> Option<String> {
        match self.source(None) {
            EntrySource::Local(folder) => Some(folder),
            _ => None,
        }
    }
}

/// A group's `.claude-plugin/plugin.json`, as the catalog keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct PluginManifest {
    /// The plugin's name (the only field Claude Code requires).
    pub name: Option<String>,
    /// The group's version: every skill of the group carries it.
    pub version: Option<String>,
    /// What the group is for.
    pub description: Option<String>,
    /// Search keywords.
    pub keywords: Vec<String>,
    /// Skill folders (or folders of skill folders) the plugin adds to its `skills/` folder.
    pub skills: Vec<String>,
    /// The components it declares (see [`COMPONENT_KEYS`]): a `strict: false` entry may not
    /// have any.
    pub components: Vec<String>,
}

/// The keys of plugin.json that declare components.
pub const COMPONENT_KEYS: [&str; 7] =
    ["skills", "commands", "agents", "hooks", "mcpServers", "outputStyles", "lspServers"];

/// plugin.json as written: the typed fields, and the component keys only noted as present.
#[derive(Deserialize)]
struct RawManifest {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    skills: Option<Paths>,
    #[serde(default)]
    commands: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    agents: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    hooks: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "mcpServers")]
    mcp_servers: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "outputStyles")]
    output_styles: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "lspServers")]
    lsp_servers: Option<serde::de::IgnoredAny>,
}

impl PluginManifest {
    /// Parses a plugin.json, noting which components it declares.
    pub fn parse(path: &str, bytes: &[u8]) -> Result<PluginManifest, JsonFileError> {
        let raw: RawManifest = parse_json_file(path, bytes)?;
        let declared = [
            raw.skills.is_some(),
            raw.commands.is_some(),
            raw.agents.is_some(),
            raw.hooks.is_some(),
            raw.mcp_servers.is_some(),
            raw.output_styles.is_some(),
            raw.lsp_servers.is_some(),
        ];
        let components = COMPONENT_KEYS
            .iter()
            .zip(declared)
            .filter(|(_, declared)| *declared)
            .map(|(key, _)| key.to_string())
            .collect();
        Ok(PluginManifest {
            name: raw.name,
            version: raw.version,
            description: raw.description,
            keywords: raw.keywords,
            skills: raw.skills.map(|paths| paths.0).unwrap_or_default(),
            components,
        })
    }
}

/// Where a JSON file stopped making sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} line {line}, column {column}: {message}")]
pub struct JsonFileError {
    /// The file's path in the repository.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// serde_json's description of the problem.
    pub message: String,
}

/// Parses a JSON file of the repository into `T`, reporting the file, line and column on failure.
pub fn parse_json_file<T: serde::de::DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T, JsonFileError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the position is reported separately.
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        JsonFileError { path: path.to_string(), line: e.line(), column: e.column(), message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sources_are_normalised_and_remote_ones_recognised() {
        let entry = |source: serde_json::Value| PluginEntry {
            name: "g".into(),
            source,
            description: None,
            version: None,
            category: None,
            tags: vec![],
            keywords: vec![],
            strict: None,
            skills: None,
        };
        assert_eq!(entry("./plugins/sales/".into()).local_folder().as_deref(), Some("plugins/sales"));
        assert_eq!(entry("plugins/sales".into()).local_folder().as_deref(), Some("plugins/sales"));
        assert_eq!(entry("../elsewhere".into()).local_folder(), None);
        assert_eq!(entry("/abs".into()).local_folder(), None);
        assert_eq!(entry(serde_json::json!({"source": "github", "repo": "a/b"})).local_folder(), None);
    }

    #[test]
    fn json_errors_name_file_and_position() {
        let error = parse_json_file::<Marketplace>("m.json", b"{\n  \"name\": \"x\",\n  oops\n}").unwrap_err();
        assert_eq!((error.line, error.column), (3, 3));
        assert!(error.to_string().starts_with("m.json line 3, column 3: key must be a string"), "{error}");
    }
}
