//! Edits of marketplace.json and plugin.json that keep everything else as it was: every other
//! entry and unknown key keeps its meaning and its order (serde_json with `preserve_order`), and
//! versions are read by the strict rule of `crate::version` and bumped by the `semver` crate.
//!
//! Entries are addressed by their position in `plugins` (as the catalog of the same commit
//! recorded it) and checked by name, never found again by a folder rebuilt from a name.

use crate::catalog::manifest_schema::{join_relative, MARKETPLACE_PATH};
use serde_json::{Map, Value};

/// Why a manifest could not be edited; each is fixed in the repository.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The file is not JSON.
    #[error("{path} is not valid JSON ({reason}); fix it first")]
    InvalidJson { path: String, reason: String },
    /// The file is JSON but not an object.
    #[error("{path} is not a JSON object; fix it first")]
    NotObject { path: String },
    /// A version that semver cannot read.
    #[error("the current version `{version}` is not a semantic version ({reason}); fix {path} first")]
    NotSemver { version: String, reason: String, path: String },
    /// `plugins` is not a list.
    #[error("{MARKETPLACE_PATH}'s `plugins` is not a list; fix it first")]
    PluginsNotList,
    /// The group's entry is not where the catalog saw it, or not an object.
    #[error("the marketplace entry of {name} is missing or not an object; fix {MARKETPLACE_PATH} first")]
    NoEntry { name: String },
    /// A `skills` field that is neither a path nor a list of paths.
    #[error("the `skills` field of {owner} is neither a path nor a list of paths; fix it first")]
    SkillsNotPaths { owner: String },
}

/// Which part of a version to bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Incompatible changes: 1.4.2 → 2.0.0.
    Major,
    /// New behaviour, compatible: 1.4.2 → 1.5.0.
    Minor,
    /// Fixes: 1.4.2 → 1.4.3.
    Patch,
}

/// The next version after `version` (read from `path`). A pre-release is released by the bump
/// that reaches it (1.5.0-beta.2 with a patch or minor bump becomes 1.5.0; 2.0.0-rc.1 with any
/// bump becomes 2.0.0), as npm does.
pub fn bump(version: &str, kind: Bump, path: &str) -> Result<String, ManifestError> {
    let mut v = crate::version::parse(version).map_err(|e| ManifestError::NotSemver {
        version: version.to_string(),
        reason: e.to_string(),
        path: path.to_string(),
    })?;
    let pre = !v.pre.is_empty();
    match kind {
        Bump::Major if pre && v.minor == 0 && v.patch == 0 => {}
        Bump::Major => {
            v.major += 1;
            v.minor = 0;
            v.patch = 0;
        }
        Bump::Minor if pre && v.patch == 0 => {}
        Bump::Minor => {
            v.minor += 1;
            v.patch = 0;
        }
        Bump::Patch if pre => {}
        Bump::Patch => v.patch += 1,
    }
    v.pre = semver::Prerelease::EMPTY;
    v.build = semver::BuildMetadata::EMPTY;
    Ok(v.to_string())
}

/// A JSON file parsed as an ordered object.
pub fn parse_object(path: &str, bytes: &[u8]) -> Result<Map<String, Value>, ManifestError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ManifestError::NotObject { path: path.to_string() }),
        Err(e) => Err(ManifestError::InvalidJson { path: path.to_string(), reason: e.to_string() }),
    }
}

/// Serializes as the files are usually written: two-space indentation and a final newline.
pub fn to_bytes(map: &Map<String, Value>) -> Vec<u8> {
    // A map of JSON values always serializes.
    let mut bytes = serde_json::to_vec_pretty(map).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn plugins_mut(marketplace: &mut Map<String, Value>) -> Result<&mut Vec<Value>, ManifestError> {
    match marketplace.entry("plugins").or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(plugins) => Ok(plugins),
        _ => Err(ManifestError::PluginsNotList),
    }
}

/// The entry at `index`, checked to be `name`'s.
pub fn entry_mut<'m>(
    marketplace: &'m mut Map<String, Value>,
    index: usize,
    name: &str,
) -> Result<&'m mut Map<String, Value>, ManifestError> {
    match plugins_mut(marketplace)?.get_mut(index) {
        Some(Value::Object(entry)) if entry.get("name").and_then(Value::as_str) == Some(name) => Ok(entry),
        _ => Err(ManifestError::NoEntry { name: name.to_string() }),
    }
}

/// What a publish sets on a marketplace entry (absent fields keep their current values).
#[derive(Debug, Clone, Default)]
pub struct EntryFields {
    /// The group's version (from plugin.json).
    pub version: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Keywords.
    pub keywords: Option<Vec<String>>,
}

/// Updates the entry at `existing` (checked to be `name`'s), or adds an entry for `name` whose
/// source is `root`. Returns whether it was added.
pub fn publish(
    marketplace: &mut Map<String, Value>,
    name: &str,
    existing: Option<usize>,
    root: &str,
    fields: &EntryFields,
) -> Result<bool, ManifestError> {
    let entry = match existing {
        Some(index) => entry_mut(marketplace, index, name)?,
        None => {
            let plugins = plugins_mut(marketplace)?;
            let mut entry = Map::new();
            entry.insert("name".into(), Value::String(name.into()));
            entry.insert("source".into(), Value::String(format!("./{root}")));
            plugins.push(Value::Object(entry));
            let index = plugins.len() - 1;
            entry_mut(marketplace, index, name)?
        }
    };
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            entry.insert(key.into(), value);
        }
    };
    let strings =
        |list: &Option<Vec<String>>| list.clone().map(|t| Value::Array(t.into_iter().map(Value::String).collect()));
    set("description", fields.description.clone().map(Value::String));
    set("version", fields.version.clone().map(Value::String));
    set("category", fields.category.clone().map(Value::String));
    set("tags", strings(&fields.tags));
    set("keywords", strings(&fields.keywords));
    Ok(existing.is_none())
}

/// Removes the entry at `index` (checked to be `name`'s).
pub fn unpublish(marketplace: &mut Map<String, Value>, index: usize, name: &str) -> Result<(), ManifestError> {
    entry_mut(marketplace, index, name)?;
    plugins_mut(marketplace)?.remove(index);
    Ok(())
}

/// Adds `path` (`./…`, relative to the plugin root) to the `skills` field of `object` (an
/// entry or a plugin.json), turning a single path into a list.
pub fn add_skill_path(object: &mut Map<String, Value>, path: &str, owner: &str) -> Result<(), ManifestError> {
    let list = match object.remove("skills") {
        None => Vec::new(),
        Some(Value::String(one)) => vec![Value::String(one)],
        Some(Value::Array(list)) => list,
        Some(_) => return Err(ManifestError::SkillsNotPaths { owner: owner.to_string() }),
    };
    let mut list = list;
    list.push(Value::String(path.to_string()));
    object.insert("skills".into(), Value::Array(list));
    Ok(())
}

/// Removes from the `skills` field of `object` every path that names `folder` (a repository
/// path) when resolved against `root`; a path naming a folder of skill folders stays. Returns
/// whether one was removed.
pub fn remove_skill_path(object: &mut Map<String, Value>, root: &str, folder: &str) -> bool {
    let names = |value: &Value| value.as_str().and_then(|p| join_relative(root, p).ok()).as_deref() == Some(folder);
    if object.get("skills").is_some_and(|value| value.is_string() && names(value)) {
        object.remove("skills");
        return true;
    }
    match object.get_mut("skills") {
        Some(Value::Array(list)) => {
            let before = list.len();
            list.retain(|value| !names(value));
            before != list.len()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_bumps_release_pre_releases() {
        for (from, kind, to) in [
            ("1.4.2", Bump::Patch, "1.4.3"),
            ("1.4.2", Bump::Minor, "1.5.0"),
            ("1.4.2", Bump::Major, "2.0.0"),
            ("1.5.0-beta.2", Bump::Patch, "1.5.0"),
            ("1.5.0-beta.2", Bump::Minor, "1.5.0"),
            ("1.5.1-beta.2", Bump::Minor, "1.6.0"),
            ("2.0.0-rc.1", Bump::Major, "2.0.0"),
            ("1.2.3+build.5", Bump::Patch, "1.2.4"),
            ("v0.9.0", Bump::Minor, "0.10.0"),
        ] {
            assert_eq!(bump(from, kind, "p").unwrap(), to, "{from} {kind:?}");
        }
        assert!(bump("latest", Bump::Patch, "p").is_err());
    }

    #[test]
    fn publishing_keeps_other_entries_and_unknown_keys_in_order() {
        let text = r#"{"name": "acme", "owner": {"name": "IT"}, "x-custom": [1, 2],
            "plugins": [{"name": "b", "source": "./plugins/b", "zeta": true, "version": "1.0.0"},
                        {"name": "sales", "source": "./plugins/sales", "version": "1.0.0", "custom": "keep"}],
            "metadata": {"version": "2"}}"#;
        let mut map = parse_object("m", text.as_bytes()).unwrap();
        let fields =
            EntryFields { version: Some("1.1.0".into()), tags: Some(vec!["crm".into()]), ..Default::default() };
        assert!(!publish(&mut map, "sales", Some(1), "plugins/sales", &fields).unwrap());
        assert_eq!(
            publish(&mut map, "sales", Some(0), "plugins/sales", &fields),
            Err(ManifestError::NoEntry { name: "sales".into() }),
            "an index that is not the group's is refused"
        );
        assert!(publish(
            &mut map,
            "eng",
            None,
            "plugins/eng",
            &EntryFields { version: Some("1.0.0".into()), ..Default::default() }
        )
        .unwrap());
        let out: Value = serde_json::from_slice(&to_bytes(&map)).unwrap();
        let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "owner", "x-custom", "plugins", "metadata"]);
        assert_eq!(
            out["plugins"][0],
            serde_json::json!({"name": "b", "source": "./plugins/b", "zeta": true, "version": "1.0.0"})
        );
        assert_eq!(
            out["plugins"][1],
            serde_json::json!({"name": "sales", "source": "./plugins/sales", "version": "1.1.0", "custom": "keep", "tags": ["crm"]})
        );
        assert_eq!(
            out["plugins"][2],
            serde_json::json!({"name": "eng", "source": "./plugins/eng", "version": "1.0.0"})
        );
        unpublish(&mut map, 2, "eng").unwrap();
        assert_eq!(map["plugins"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn skill_paths_are_added_and_removed_by_the_folder_they_name() {
        let mut entry = parse_object("m", br#"{"name": "x", "skills": "./skills/a"}"#).unwrap();
        add_skill_path(&mut entry, "./skills/b", "x").unwrap();
        assert_eq!(entry["skills"], serde_json::json!(["./skills/a", "./skills/b"]));
        assert!(remove_skill_path(&mut entry, "", "skills/a"));
        assert!(!remove_skill_path(&mut entry, "", "skills/a"));
        assert_eq!(entry["skills"], serde_json::json!(["./skills/b"]));
        let mut shared = parse_object("m", br#"{"skills": ["./extra", "extra/c"]}"#).unwrap();
        assert!(!remove_skill_path(&mut shared, "plugins/p", "plugins/p/extra/c/d"), "a folder of skill folders stays");
        assert!(remove_skill_path(&mut shared, "plugins/p", "plugins/p/extra/c"));
        let mut single = parse_object("m", br#"{"skills": "./skills/a"}"#).unwrap();
        assert!(remove_skill_path(&mut single, "", "skills/a"));
        assert!(!single.contains_key("skills"));
        let mut bad = parse_object("m", br#"{"skills": 3}"#).unwrap();
        assert!(add_skill_path(&mut bad, "./a", "x").is_err());
    }
}
