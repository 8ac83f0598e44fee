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

    /// The group's folder inside this repository (`plugins/sales`), or `None` for a source that
    /// is not a relative path inside the repository (a GitHub or git URL object).
    pub fn local_folder(&self) -> Option<String> {
        let path = self.source.as_str()?;
        let path = path.trim_start_matches("./").trim_end_matches('/');
        let safe = !path.is_empty()
            && !path.starts_with('/')
            && path.split('/').all(|s| !s.is_empty() && s != "." && s != "..");
        safe.then(|| path.to_string())
    }
}

/// A group's `.claude-plugin/plugin.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct PluginManifest {
    /// The plugin's name (the only field Claude Code requires).
    #[serde(default)]
    pub name: Option<String>,
    /// The group's version: every skill of the group carries it.
    #[serde(default)]
    pub version: Option<String>,
    /// What the group is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Search keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
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
