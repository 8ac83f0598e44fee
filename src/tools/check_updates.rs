//! `check_updates`: which installed skills have newer versions in the marketplace.

use super::{Tool, ToolContext, ToolError};
use crate::catalog::{Catalog, Skill};
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use crate::usage;
use crate::version::parse_lenient;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most skills one call checks.
pub const MAX_INSTALLED: usize = 500;

/// One installed skill, as its `.claude-plugin/plugin.json` records it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Installed {
    /// The skill's name (a group's name is accepted too).
    pub name: String,
    /// The installed version, e.g. `1.2.0`.
    pub version: String,
}

/// The arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The installed skills and their versions (at most 500).
    pub installed: Vec<Installed>,
}

/// A skill with a newer version available.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Update {
    /// The skill (or group) name as given.
    pub name: String,
    /// What is installed.
    pub installed_version: String,
    /// What the marketplace offers.
    pub available_version: String,
}

/// A skill that is current.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpToDate {
    /// The skill (or group) name as given.
    pub name: String,
    /// The installed version, which is the newest (or newer than the marketplace's).
    pub version: String,
}

/// A skill that could not be checked, and why.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Unknown {
    /// The name as given.
    pub name: String,
    /// Why it could not be compared.
    pub reason: String,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// Skills with a newer version available; install them again with fetch_skill.
    pub updates: Vec<Update>,
    /// Skills that are current.
    pub up_to_date: Vec<UpToDate>,
    /// Skills that are not in the marketplace, or whose versions cannot be compared.
    pub unknown: Vec<Unknown>,
}

/// The tool, as the registry in `tools` lists it.
pub struct CheckUpdates;

impl Tool for CheckUpdates {
    const NAME: &'static str = "check_updates";
    const TITLE: &'static str = "Check installed skills for updates";
    const DESCRIPTION: &'static str = "Compare installed skills' versions (read from each skill's .claude-plugin/plugin.json) with the marketplace, and say which have updates.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::READ_ONLY;
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        if input.installed.len() > MAX_INSTALLED {
            return Err(ToolError::InvalidArguments(format!(
                "`installed` may list at most {MAX_INSTALLED} skills; check them in batches"
            )));
        }
        let (served, access) = ctx.readable().await?;
        // Drift: the versions of the skills this person may read, as they reported them.
        let reported = input
            .installed
            .iter()
            .filter(|i| served.catalog.skill(&i.name).is_some_and(|s| ctx.can_read(&access, s)))
            .map(|i| (i.name.clone(), i.version.clone()))
            .collect();
        usage::record_installed(ctx.site.platform, ctx.site.config, &ctx.caller.user.id, reported).await;
        Ok(compare(&served.catalog, input.installed, |skill| ctx.can_read(&access, skill)))
    }
}

/// Sorts each installed skill into updates, up to date, or unknown; skills `readable` refuses
/// are unknown, exactly like skills that do not exist.
pub fn compare(catalog: &Catalog, installed: Vec<Installed>, readable: impl Fn(&Skill) -> bool) -> Output {
    let mut output = Output { updates: Vec::new(), up_to_date: Vec::new(), unknown: Vec::new() };
    for Installed { name, version } in installed {
        let unknown = |reason: String| Unknown { name: name.clone(), reason };
        let available = match available_version(catalog, &name, &readable) {
            Ok(available) => available,
            Err(reason) => {
                output.unknown.push(unknown(reason));
                continue;
            }
        };
        let (Some(have), Some(offered)) = (parse_lenient(&version), parse_lenient(&available)) else {
            let reason = match parse_lenient(&version) {
                None => format!("the installed version `{version}` is not a semantic version such as 1.2.0"),
                Some(_) => format!("the marketplace's version `{available}` is not a semantic version such as 1.2.0"),
            };
            output.unknown.push(unknown(reason));
            continue;
        };
        if offered > have {
            output.updates.push(Update { name, installed_version: version, available_version: available });
        } else {
            output.up_to_date.push(UpToDate { name, version });
        }
    }
    output
}

/// The version the marketplace offers for a readable skill (or a group with a readable skill)
/// called `name`.
fn available_version(catalog: &Catalog, name: &str, readable: &impl Fn(&Skill) -> bool) -> Result<String, String> {
    let (version, what) = if let Some(skill) = catalog.skill(name).filter(|s| readable(s)) {
        (skill.version.clone(), "its group")
    } else if let Some(group) = catalog
        .groups
        .iter()
        .find(|g| g.name == name && catalog.skills.iter().any(|s| s.group == g.name && readable(s)))
    {
        (group.version.clone(), "the group")
    } else {
        return Err("no skill or group of that name is available in the marketplace".into());
    };
    version.ok_or_else(|| format!("{what} declares no version in its plugin.json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Group, Skill};

    fn catalog() -> Catalog {
        let skill = |name: &str, version: Option<&str>, published: bool| Skill {
            name: name.into(),
            group: "g".into(),
            folder: format!("plugins/g/skills/{name}"),
            description: "d".into(),
            version: version.map(Into::into),
            published,
            category: None,
            tags: vec![],
            warnings: vec![],
            stamp: None,
            frontmatter: Ok("{}".into()),
            files: crate::catalog::SkillFiles::Listed(Default::default()),
        };
        Catalog {
            commit: "c".into(),
            marketplace: "m".into(),
            description: None,
            skills: vec![
                skill("a", Some("1.2.0"), true),
                skill("b", None, true),
                skill("c", Some("2.0.0-beta.2"), true),
                skill("hidden", Some("9.0.0"), false),
                skill("odd", Some("latest"), true),
            ],
            groups: vec![Group {
                name: "g".into(),
                root: "plugins/g".into(),
                published: true,
                version: Some("1.2.0".into()),
                description: None,
                manifest: None,
                entry: None,
            }],
            external: vec![],
            skipped: vec![],
            access: None,
        }
    }

    fn check(name: &str, version: &str) -> Output {
        compare(&catalog(), vec![Installed { name: name.into(), version: version.into() }], |s| s.published)
    }

    #[test]
    fn semver_comparison_including_prereleases() {
        assert_eq!(check("a", "1.1.9").updates[0].available_version, "1.2.0");
        assert_eq!(check("a", "1.2.0").up_to_date.len(), 1);
        assert_eq!(check("a", "1.10.0").up_to_date.len(), 1, "numeric, not lexical");
        assert_eq!(check("a", "v1.2").up_to_date.len(), 1, "lenient about v and missing patch");
        assert_eq!(check("c", "2.0.0-beta.1").updates.len(), 1);
        assert_eq!(check("c", "2.0.0").up_to_date.len(), 1, "a release is newer than its pre-release");
        assert_eq!(check("g", "1.0.0").updates.len(), 1, "group names are accepted");
    }

    #[test]
    fn what_cannot_be_compared_is_reported_with_a_reason() {
        assert!(check("a", "banana").unknown[0].reason.contains("`banana` is not a semantic version"));
        assert!(check("odd", "1.0.0").unknown[0].reason.contains("marketplace's version `latest`"));
        assert!(check("b", "1.0.0").unknown[0].reason.contains("declares no version"));
        assert!(check("hidden", "1.0.0").unknown[0].reason.contains("no skill or group"), "unpublished is unknown");
        assert!(check("nope", "1.0.0").unknown[0].reason.contains("no skill or group"));
    }
}
