//! Edits of marketplace.json and plugin.json that keep everything else as it was: every other
//! entry and unknown key keeps its meaning and its order (serde_json with `preserve_order`), and
//! versions are bumped by the `semver` crate.

use crate::catalog::manifests::{PluginEntry, MARKETPLACE_PATH};
use crate::tools::ToolError;
use serde_json::{Map, Value};

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

/// The next version. A pre-release is released by the bump that reaches it (1.5.0-beta.2 with a
/// patch or minor bump becomes 1.5.0; 2.0.0-rc.1 with any bump becomes 2.0.0), as npm does.
pub fn bump(version: &str, kind: Bump) -> Result<String, ToolError> {
    let mut v = semver::Version::parse(version.trim().trim_start_matches(['v', 'V'])).map_err(|e| {
        ToolError::InvalidArguments(format!(
            "the current version `{version}` is not a semantic version ({e}); fix plugin.json first"
        ))
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
pub fn parse_object(path: &str, bytes: &[u8]) -> Result<Map<String, Value>, ToolError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ToolError::InvalidArguments(format!("{path} is not a JSON object; fix it first"))),
        Err(e) => Err(ToolError::InvalidArguments(format!("{path} is not valid JSON ({e}); fix it first"))),
    }
}

/// Serializes as the files are usually written: two-space indentation and a final newline.
pub fn to_bytes(map: &Map<String, Value>) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(map).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The index of the marketplace entry for the group in `group_folder`, matched by its source
/// folder (or, for entries without a local source, by name).
pub fn entry_index(marketplace: &Map<String, Value>, group: &str, group_folder: &str) -> Option<usize> {
    let plugins = marketplace.get("plugins")?.as_array()?;
    plugins.iter().position(|raw| {
        let by_folder = serde_json::from_value::<PluginEntry>(raw.clone())
            .ok()
            .and_then(|entry| entry.local_folder())
            .is_some_and(|folder| folder == group_folder);
        by_folder || raw.get("name").and_then(Value::as_str) == Some(group)
    })
}

/// Sets `version` of the group's marketplace entry, if it has one; returns whether it did.
pub fn set_entry_version(marketplace: &mut Map<String, Value>, group: &str, group_folder: &str, version: &str) -> bool {
    let Some(index) = entry_index(marketplace, group, group_folder) else { return false };
    match marketplace.get_mut("plugins").and_then(Value::as_array_mut).and_then(|p| p.get_mut(index)) {
        Some(Value::Object(entry)) => {
            entry.insert("version".into(), Value::String(version.into()));
            true
        }
        _ => false,
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

/// Adds the group's entry to marketplace.json, or updates it in place. Returns whether it was added.
pub fn publish(
    marketplace: &mut Map<String, Value>,
    group: &str,
    group_folder: &str,
    fields: &EntryFields,
) -> Result<bool, ToolError> {
    let index = entry_index(marketplace, group, group_folder);
    let plugins = marketplace.entry("plugins").or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(plugins) = plugins else {
        return Err(ToolError::InvalidArguments(format!("{MARKETPLACE_PATH}'s `plugins` is not a list; fix it first")));
    };
    let added = index.is_none();
    let entry = match index {
        Some(i) => &mut plugins[i],
        None => {
            let mut entry = Map::new();
            entry.insert("name".into(), Value::String(group.into()));
            entry.insert("source".into(), Value::String(format!("./{group_folder}")));
            plugins.push(Value::Object(entry));
            plugins.last_mut().expect("just pushed")
        }
    };
    let Value::Object(entry) = entry else {
        return Err(ToolError::InvalidArguments(format!(
            "the marketplace entry of {group} is not an object; fix it first"
        )));
    };
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            entry.insert(key.into(), value);
        }
    };
    set("description", fields.description.clone().map(Value::String));
    set("version", fields.version.clone().map(Value::String));
    set("category", fields.category.clone().map(Value::String));
    set("tags", fields.tags.clone().map(|t| Value::Array(t.into_iter().map(Value::String).collect())));
    set("keywords", fields.keywords.clone().map(|t| Value::Array(t.into_iter().map(Value::String).collect())));
    Ok(added)
}

/// Removes the group's entry from marketplace.json; returns whether there was one.
pub fn unpublish(marketplace: &mut Map<String, Value>, group: &str, group_folder: &str) -> bool {
    let Some(index) = entry_index(marketplace, group, group_folder) else { return false };
    if let Some(Value::Array(plugins)) = marketplace.get_mut("plugins") {
        plugins.remove(index);
        return true;
    }
    false
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
            assert_eq!(bump(from, kind).unwrap(), to, "{from} {kind:?}");
        }
        assert!(bump("latest", Bump::Patch).is_err());
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
        assert!(!publish(&mut map, "sales", "plugins/sales", &fields).unwrap());
        assert!(publish(
            &mut map,
            "eng",
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
        assert!(unpublish(&mut map, "eng", "plugins/eng"));
        assert_eq!(map["plugins"].as_array().unwrap().len(), 2);
    }
}
