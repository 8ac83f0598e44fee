//! [`Build::plan`]: marketplace.json and every plugin.json read, every skill folder found and
//! assigned to its group under Claude Code's loading rules, each SKILL.md taken from the
//! previous catalog when unchanged or left to parse.

use super::*;

impl<'p> Build<'p> {
    /// Reads marketplace.json and every plugin.json, and finds the groups and skills of
    /// `zipball`; what `previous` parsed from files unchanged since counts as parsed already.
    pub fn plan(zipball: &mut Zipball, previous: Option<&'p Catalog>) -> Result<Build<'p>, CatalogError> {
        if !zipball.contains(MARKETPLACE_PATH) {
            return Err(CatalogError::NoMarketplace);
        }
        let marketplace: Marketplace =
            manifest_schema::parse_json_file(MARKETPLACE_PATH, &zipball.read(MARKETPLACE_PATH)?)?;
        let plugin_root = marketplace.metadata.as_ref().and_then(|m| m.plugin_root.clone());
        let mut skipped = Vec::new();
        let mut external = Vec::new();
        let skip_entry = |skipped: &mut Vec<Skipped>, reason: String| {
            skipped.push(Skipped { path: MARKETPLACE_PATH.into(), reason, group: None })
        };

        // Published groups, in marketplace order.
        let mut entries: Vec<EntryPlan> = Vec::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for (index, raw) in marketplace.plugins.iter().enumerate() {
            let entry = match PluginEntry::parse(raw, index) {
                Ok(entry) => entry,
                Err(reason) => {
                    skip_entry(&mut skipped, reason);
                    continue;
                }
            };
            let label = entry.label();
            match entry.source(plugin_root.as_deref()) {
                EntrySource::External(source) => {
                    skip_entry(&mut skipped, format!("plugin entry {label} is served from another repository ({source}); the connector serves only this repository's folders"));
                    external.push(External { name: entry.name, source });
                }
                EntrySource::Invalid(reason) => {
                    skip_entry(
                        &mut skipped,
                        format!("plugin entry {label} has source {reason}; use ./<folder> inside this repository"),
                    );
                }
                EntrySource::Local(root) if !layout::has_files_under(zipball, &root) => {
                    skip_entry(&mut skipped, format!("plugin entry {label} points at ./{root}, which does not exist"));
                }
                EntrySource::Local(_) if names.contains(&entry.name) => {
                    skip_entry(
                        &mut skipped,
                        format!("plugin entry {label} repeats the name of an earlier entry; the first is used"),
                    );
                }
                EntrySource::Local(root) => {
                    names.insert(entry.name.clone());
                    entries.push(EntryPlan { index, entry, root });
                }
            }
        }

        // Unpublished groups: folders under plugins/ that no entry uses as its root.
        let roots: BTreeSet<&str> = entries.iter().map(|e| e.root.as_str()).collect();
        let prefix = format!("{PLUGINS_DIR}/");
        let unpublished: Vec<String> = zipball
            .subfolders(&prefix)
            .into_iter()
            .map(|name| format!("{prefix}{name}"))
            .filter(|folder| !roots.contains(folder.as_str()))
            .collect();

        // Each root's plugin.json, parsed here (its `skills` field decides which folders are
        // skills) unless unchanged since the previous commit.
        let mut known: BTreeMap<&str, &(ContentStamp, PluginManifest)> = BTreeMap::new();
        for group in previous.map(|p| p.groups.as_slice()).unwrap_or_default() {
            if let Some(manifest) = &group.manifest {
                known.insert(group.root.as_str(), manifest);
            }
        }
        let mut manifests: BTreeMap<String, Result<Option<(ContentStamp, PluginManifest)>, String>> = BTreeMap::new();
        for root in roots.iter().map(|r| r.to_string()).chain(unpublished.iter().cloned()) {
            let path = layout::join(&root, PLUGIN_MANIFEST);
            let parsed = match zipball.file(&path) {
                None => Ok(None),
                Some(file) => {
                    let stamp = zipball.stamp_of(file);
                    match known.get(root.as_str()).filter(|(known, _)| *known == stamp) {
                        Some((_, manifest)) => Ok(Some((stamp, manifest.clone()))),
                        None => {
                            let bytes = zipball.read_file(file)?;
                            PluginManifest::parse(&path, &bytes).map(|m| Some((stamp, m))).map_err(|e| e.to_string())
                        }
                    }
                }
            };
            if let Err(reason) = &parsed {
                skipped.push(Skipped {
                    path,
                    reason: format!("{reason}; the group's skills are not served until it is fixed"),
                    group: None,
                });
            }
            manifests.insert(root, parsed);
        }

        let mut groups: Vec<Group> = Vec::new();
        let mut listing = Vec::new();
        for plan in entries {
            let Some(Ok(manifest)) = manifests.get(&plan.root) else { continue };
            let entry = plan.entry;
            if !entry.is_strict() {
                if let Some((_, m)) = manifest.as_ref().filter(|(_, m)| !m.components.is_empty()) {
                    skip_entry(&mut skipped, format!(
                        "plugin entry {} has \"strict\": false, so it must define the whole plugin, but {} also declares {}; Claude Code refuses to load such a plugin: move them into the entry or drop \"strict\": false",
                        entry.label(), layout::join(&plan.root, PLUGIN_MANIFEST), m.components.join(", ")
                    ));
                    continue;
                }
            }
            listing.push(listing_of(Some(&entry), manifest.as_ref().map(|(_, m)| m)));
            groups.push(Group {
                version: manifest.as_ref().and_then(|(_, m)| m.version.clone()).or_else(|| entry.version.clone()),
                description: manifest
                    .as_ref()
                    .and_then(|(_, m)| m.description.clone())
                    .or_else(|| entry.description.clone()),
                name: entry.name,
                root: plan.root,
                published: true,
                manifest: manifest.clone(),
                entry: Some(EntryRef {
                    index: plan.index,
                    strict: entry.strict != Some(false),
                    skills: entry.skills.map(|s| s.0).unwrap_or_default(),
                    has_version: entry.version.is_some(),
                }),
            });
        }
        for root in unpublished {
            let Some(Ok(manifest)) = manifests.get(&root) else { continue };
            let plugin = manifest.as_ref().map(|(_, m)| m);
            let name = plugin.and_then(|m| m.name.clone()).unwrap_or_else(|| root[prefix.len()..].to_string());
            if !names.insert(name.clone()) {
                skipped.push(Skipped {
                    path: layout::join(&root, PLUGIN_MANIFEST),
                    reason: format!("the unpublished group in {root} is named `{name}`, like another group; rename it in its plugin.json"),
                    group: None,
                });
                continue;
            }
            listing.push(listing_of(None, plugin));
            groups.push(Group {
                name,
                version: plugin.and_then(|m| m.version.clone()),
                description: plugin.and_then(|m| m.description.clone()),
                root,
                published: false,
                manifest: manifest.clone(),
                entry: None,
            });
        }

        // Which folders are skills, and whose.
        let specs: Vec<GroupSpec<'_>> = groups
            .iter()
            .map(|group| GroupSpec {
                label: match &group.entry {
                    Some(_) => format!("plugin entry `{}`", group.name),
                    None => format!("the unpublished group in {}", group.root),
                },
                root: &group.root,
                manifest: group.manifest.as_ref().map(|(_, m)| m),
                entry_skills: group.entry.as_ref().map(|e| e.skills.as_slice()).unwrap_or_default(),
                strict: group.entry.as_ref().is_none_or(|e| e.strict),
            })
            .collect();
        let folders = layout::assign(zipball, &specs, &mut skipped);
        // The previous commit's skills by content stamp: a skill is reused when its SKILL.md has
        // the same stamp in the same folder. Searching numbers is cheaper than searching names.
        let mut by_stamp: Vec<(ContentStamp, &'p Skill)> =
            previous.map(|p| p.skills.iter().filter_map(|s| Some((s.stamp?, s))).collect()).unwrap_or_default();
        by_stamp.sort_unstable_by_key(|(stamp, _)| *stamp);
        // A changed SKILL.md's other files keep their digests: its skill found by folder, in an
        // index made only when some SKILL.md changed.
        let mut by_folder: Option<Vec<(&'p str, &'p Skill)>> = None;
        let mut skills = Vec::with_capacity(folders.len());
        for SkillFolder { folder, file, group } in folders {
            let stamp = zipball.stamp_of(file);
            let same = &by_stamp[by_stamp.partition_point(|(s, _)| *s < stamp)..];
            let reused =
                same.iter().take_while(|(s, _)| *s == stamp).find(|(_, s)| s.folder == folder).map(|(_, s)| *s);
            let (source, before) = match reused {
                Some(skill) => (Source::Reused(skill), Some(skill)),
                None => {
                    // Usually named after its folder: found by name, else by folder.
                    let name = folder.rsplit('/').next().unwrap_or_default();
                    if let Some(skill) = previous.and_then(|p| p.skill(name)).filter(|s| s.folder == folder) {
                        let files = skill_files::plan(zipball, &folder, file, skill.files.listed());
                        skills.push(SkillLayout { folder, group, file, stamp, source: Source::Pending, files });
                        continue;
                    }
                    let index = by_folder.get_or_insert_with(|| {
                        let mut index: Vec<(&str, &Skill)> = previous
                            .map(|p| p.skills.iter().map(|s| (s.folder.as_str(), s)).collect())
                            .unwrap_or_default();
                        index.sort_unstable_by_key(|(folder, _)| *folder);
                        index
                    });
                    let before = index.binary_search_by_key(&folder.as_str(), |(f, _)| f).ok().map(|i| index[i].1);
                    (Source::Pending, before)
                }
            };
            let files = skill_files::plan(zipball, &folder, file, before.and_then(|s| s.files.listed()));
            skills.push(SkillLayout { folder, group, file, stamp, source, files });
        }
        Ok(Build {
            marketplace: marketplace.name,
            description: marketplace.metadata.and_then(|m| m.description),
            groups,
            listing,
            skills,
            external,
            skipped,
        })
    }
}
