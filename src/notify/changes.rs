//! What a push changed, skill by skill: the catalog before and after, each reduced to a
//! [`Snapshot`] small enough to keep between pushes.

use crate::access::{Access, SkillRef};
use crate::catalog::Catalog;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One skill as a notification needs to remember it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSkill {
    /// Its name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// Its version, when the group has one.
    pub version: Option<String>,
    /// A digest of its files (paths and contents), so a change without a new version shows too.
    pub content: String,
    /// Whether every signed-in person may read it (only those go to destinations that are not
    /// routed in access.json).
    pub everyone: bool,
}

/// The skills of one commit, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The commit.
    pub commit: String,
    /// Its skills.
    pub skills: Vec<SnapshotSkill>,
}

impl Snapshot {
    /// The snapshot of `catalog`, under the access rules of its own commit.
    pub fn of(catalog: &Catalog) -> Snapshot {
        let access = Access::load(catalog.access.as_deref());
        let mut skills: Vec<SnapshotSkill> = catalog
            .skills
            .iter()
            .map(|skill| {
                let mut content = Sha256::new();
                match skill.files.listed() {
                    Some(files) => {
                        for file in files.iter() {
                            content.update(file.path.as_bytes());
                            content.update([0]);
                            content.update(file.sha256.0);
                        }
                    }
                    // A skill beyond the Skills extension's limits has no digests: its SKILL.md
                    // stands for it.
                    None => {
                        let stamp = skill.stamp.as_ref().map(|s| (s.crc32, s.size));
                        content.update(format!("{stamp:?}{:?}", skill.frontmatter).as_bytes());
                    }
                }
                let reference = SkillRef { name: &skill.name, group: &skill.group, published: skill.published };
                SnapshotSkill {
                    name: skill.name.clone(),
                    group: skill.group.clone(),
                    version: skill.version.clone(),
                    content: hex::encode(&content.finalize()[..12]),
                    everyone: access.readable_by_everyone(reference),
                }
            })
            .collect();
        skills.sort_by(|a, b| a.name.cmp(&b.name));
        Snapshot { commit: catalog.commit.clone(), skills }
    }
}

/// A skill that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// Its name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// Its version before (`None` for an added skill, or a group without a version).
    pub from: Option<String>,
    /// Its version after (`None` for a removed skill, or a group without a version).
    pub to: Option<String>,
    /// Whether every signed-in person may read it (after the change; before it, when removed).
    #[serde(skip)]
    pub everyone: bool,
}

/// What one push changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// Skills that are new.
    pub added: Vec<Changed>,
    /// Skills whose version or files changed.
    pub updated: Vec<Changed>,
    /// Skills that are gone.
    pub removed: Vec<Changed>,
}

impl Changes {
    /// From `before` to `after`, by skill name (names are unique across a marketplace).
    pub fn between(before: &Snapshot, after: &Snapshot) -> Changes {
        let find = |snapshot: &'_ Snapshot, name: &str| {
            snapshot.skills.binary_search_by(|s| s.name.as_str().cmp(name)).ok().map(|i| snapshot.skills[i].clone())
        };
        let mut changes = Changes::default();
        for new in &after.skills {
            let changed = |from: Option<String>| Changed {
                name: new.name.clone(),
                group: new.group.clone(),
                from,
                to: new.version.clone(),
                everyone: new.everyone,
            };
            match find(before, &new.name) {
                None => changes.added.push(changed(None)),
                Some(old) if old.version != new.version || old.content != new.content || old.group != new.group => {
                    changes.updated.push(changed(old.version))
                }
                Some(_) => {}
            }
        }
        for old in &before.skills {
            if find(after, &old.name).is_none() {
                changes.removed.push(Changed {
                    name: old.name.clone(),
                    group: old.group.clone(),
                    from: old.version.clone(),
                    to: None,
                    everyone: old.everyone,
                });
            }
        }
        changes
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty()
    }

    /// Only the changes `keep` admits.
    pub fn filter(&self, keep: impl Fn(&Changed) -> bool) -> Changes {
        let pick = |list: &[Changed]| list.iter().filter(|c| keep(c)).cloned().collect();
        Changes { added: pick(&self.added), updated: pick(&self.updated), removed: pick(&self.removed) }
    }
}
