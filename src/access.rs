//! Who may read and who may write, from `.skillport/access.json` in the skills repository.
//!
//! One module answers every access question ([`Access::can_read`], [`Access::can_write`],
//! [`Access::is_editor`]); every tool and the package download link ask it. The file is read from
//! the same commit as the catalog it governs. It fails closed: a file that is not valid JSON or
//! does not match the format never widens access; the skill tools answer its error (with the line)
//! until it is fixed. No file at all means everyone signed in reads and nobody writes.
//!
//! The format is documented with examples in `docs/ACCESS.md`; its JSON Schema is served at
//! [`SCHEMA_PATH`].

use crate::identity::UserInfo;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Where the file lives in the repository.
pub const ACCESS_PATH: &str = ".skillport/access.json";
/// Where the connector serves the file's JSON Schema (for editor completion via `$schema`).
pub const SCHEMA_PATH: &str = "/schemas/access.json";
/// The JSON Schema itself.
pub const SCHEMA: &str = include_str!("../schemas/access.schema.json");
/// The largest access.json accepted.
pub const MAX_ACCESS_BYTES: usize = 256 << 10;

/// Why access.json cannot be used, with where in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ACCESS_PATH}{} is invalid: {problem}. Until it is fixed, skills are not served (fail closed); fix it and push again", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct AccessError {
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: String,
}

/// Someone or something a rule can name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: every signed-in user.
    Everyone,
    /// `"editors"`: the editors list.
    Editors,
    /// A user id, `<provider>:<subject>`.
    User(String),
    /// `"team:<name>"`: the members of a named team.
    Team(String),
    /// `"domain:<domain>"`: anyone signed in with a verified email at that domain.
    Domain(String),
    /// `"group:<name>"`: the members of a directory group, as the identity provider names it at
    /// sign-in (see `OIDC_GROUPS_CLAIM`).
    Group(String),
    /// `"github-team:<org>/<slug>"`: the members of a GitHub team, for people signed in with
    /// GitHub (lower-case, as GitHub compares them).
    GitHubTeam(String),
}

impl Principal {
    /// Parses a principal string, or says what would have been valid.
    pub fn parse(text: &str) -> Result<Principal, String> {
        let valid_name = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        match text {
            "*" => Ok(Principal::Everyone),
            "editors" => Ok(Principal::Editors),
            _ => match text.split_once(':') {
                Some(("team", name)) if valid_name(name) => Ok(Principal::Team(name.to_string())),
                // Directory group names may hold spaces (Okta's do).
                Some(("group", name)) if !name.trim().is_empty() && !name.chars().any(char::is_control) => {
                    Ok(Principal::Group(name.to_string()))
                }
                Some(("github-team", team)) => match team.split_once('/') {
                    Some((org, slug))
                        if [org, slug].iter().all(|p| {
                            !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                        }) =>
                    {
                        Ok(Principal::GitHubTeam(team.to_ascii_lowercase()))
                    }
                    _ => Err(format!("`{text}` is not a GitHub team; write github-team:<organization>/<team slug>")),
                },
                Some(("domain", domain)) if domain.contains('.') && valid_name(domain) && !domain.contains('@') => {
                    Ok(Principal::Domain(domain.to_ascii_lowercase()))
                }
                Some((provider, subject))
                    if !matches!(provider, "team" | "domain" | "group")
                        && !provider.is_empty()
                        && provider.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        && valid_name(subject) =>
                {
                    Ok(Principal::User(text.to_string()))
                }
                _ => Err(format!(
                    "`{text}` is not a principal; write a user id such as google:1234 (whoami shows yours), team:<name>, domain:<example.com>, group:<directory group>, github-team:<org>/<slug>, \"*\" or \"editors\""
                )),
            },
        }
    }
}

impl fmt::Display for Principal {
    /// The principal as access.json writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Everyone => f.write_str("*"),
            Principal::Editors => f.write_str("editors"),
            Principal::User(id) => f.write_str(id),
            Principal::Team(name) => write!(f, "team:{name}"),
            Principal::Domain(domain) => write!(f, "domain:{domain}"),
            Principal::Group(name) => write!(f, "group:{name}"),
            Principal::GitHubTeam(team) => write!(f, "github-team:{team}"),
        }
    }
}

/// A principal as written: a string, or `{"id": …, "label": …}` (the label is for people).
struct Entry(Principal);

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = Entry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a principal string or an object {\"id\": …, \"label\": …}")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Entry, E> {
                Principal::parse(text).map(Entry).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
                let mut id: Option<String> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "id" => id = Some(map.next_value()?),
                        "label" => {
                            let _: String = map.next_value()?;
                        }
                        other => {
                            return Err(de::Error::custom(format!(
                                "unknown field `{other}` (an entry has `id` and `label`)"
                            )))
                        }
                    }
                }
                let id = id.ok_or_else(|| de::Error::custom("an entry needs an `id`"))?;
                Principal::parse(&id).map(Entry).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(EntryVisitor)
    }
}

/// Who a rule lets in: a list of principals (a single string is a list of one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Audience(pub Vec<Principal>);

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;
        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"*\", \"editors\", a principal string, or a list of principals")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Audience, E> {
                Principal::parse(text).map(|p| Audience(vec![p])).map_err(E::custom)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut principals = Vec::new();
                while let Some(Entry(principal)) = seq.next_element()? {
                    principals.push(principal);
                }
                Ok(Audience(principals))
            }
        }
        deserializer.deserialize_any(AudienceVisitor)
    }
}

/// A `read` and/or `write` rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Who may read.
    pub read: Option<Audience>,
    /// Who may write.
    pub write: Option<Audience>,
    /// Who reviews changes to the group: when set, only they (and editors) change it directly,
    /// and its other writers propose (their changes open pull requests).
    pub review: Option<Audience>,
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessFile {
    #[serde(rename = "$schema")]
    _schema: Option<String>,
    #[serde(rename = "version")]
    _version: Option<serde_json::Value>,
    #[serde(default)]
    editors: Audience,
    #[serde(default)]
    teams: BTreeMap<String, Audience>,
    #[serde(default)]
    skills: BTreeMap<String, Rule>,
    #[serde(default)]
    defaults: Rule,
    #[serde(default)]
    notifications: BTreeMap<String, Vec<String>>,
}

/// The rules of a valid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    editors: Vec<Principal>,
    teams: BTreeMap<String, Vec<Principal>>,
    skills: BTreeMap<String, Rule>,
    defaults: Rule,
    notifications: BTreeMap<String, Vec<String>>,
}

/// The access state of one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// A valid access.json.
    Rules(Policy),
    /// No access.json: everyone signed in reads, nobody writes.
    Missing,
    /// An access.json that cannot be used: nothing is served until it is fixed.
    Broken(AccessError),
}

/// What a read decision needs to know about a skill.
#[derive(Debug, Clone, Copy)]
pub struct SkillRef<'a> {
    /// The skill's name.
    pub name: &'a str,
    /// Its group.
    pub group: &'a str,
    /// Whether the group is published in marketplace.json.
    pub published: bool,
}

impl Access {
    /// Reads access.json's text (`None`: the file does not exist at that commit).
    pub fn load(source: Option<&str>) -> Access {
        match source {
            None => Access::Missing,
            Some(text) => match parse(text) {
                Ok(policy) => Access::Rules(policy),
                Err(error) => Access::Broken(error),
            },
        }
    }

    /// The file's error, if it is broken: skill tools answer it instead of serving.
    pub fn error(&self) -> Option<&AccessError> {
        match self {
            Access::Broken(error) => Some(error),
            _ => None,
        }
    }

    /// Editors read and write everything, and alone create groups, publish and delete groups.
    pub fn is_editor(&self, user: &UserInfo) -> bool {
        self.editor_principal(Who::Person(user)).is_some()
    }

    /// Whether `user` may write (edit, delete skills of, bump) `group`.
    pub fn can_write(&self, user: &UserInfo, group: &str) -> bool {
        self.explain_write(Who::Person(user), group).allowed
    }

    /// Whether `user` may see `skill` at all (list it, fetch it, download it, check it).
    pub fn can_read(&self, user: &UserInfo, skill: SkillRef<'_>) -> bool {
        self.explain_read(Who::Person(user), skill).allowed
    }

    /// The editors-list entry that names `who`.
    fn editor_principal(&self, who: Who<'_>) -> Option<&Principal> {
        match self {
            Access::Rules(policy) => policy.editors.iter().find(|p| policy.matches(p, who, false)),
            _ => None,
        }
    }

    /// Whether `who` may write `group`, and the rule that decided: what [`Access::can_write`]
    /// answers (it asks this), said the way the admin console shows it. Where the group requires
    /// review (`review`), its reviewers write and its other writers are refused.
    pub fn explain_write(&self, who: Who<'_>, group: &str) -> Decision {
        let policy = match self {
            Access::Rules(policy) => policy,
            Access::Missing => return Decision::no("no access.json: nobody writes"),
            Access::Broken(_) => return Decision::no("access.json is broken: nothing is allowed until it is fixed"),
        };
        if let Some(principal) = self.editor_principal(who) {
            return Decision::yes(format!("an editor (editors lists {principal})"));
        }
        let writer = policy.writer(who, group);
        match policy.reviewers(group) {
            None => writer,
            Some((place, reviewers)) => match policy.decide(&place, reviewers, who) {
                reviewer if reviewer.allowed => reviewer,
                _ if writer.allowed => Decision::no(format!(
                    "changes to the group are reviewed ({place} lists {}); a writer who is not a reviewer proposes changes as pull requests ({})",
                    listed(reviewers),
                    writer.rule
                )),
                _ => writer,
            },
        }
    }

    /// Whether `user` proposes changes to `group` rather than making them: a writer of a group
    /// under review who is not one of its reviewers. Their changes open pull requests.
    pub fn must_propose(&self, user: &UserInfo, group: &str) -> bool {
        match self {
            Access::Rules(policy) => {
                policy.reviewers(group).is_some()
                    && !self.can_write(user, group)
                    && policy.writer(Who::Person(user), group).allowed
            }
            _ => false,
        }
    }

    /// Whether changes to `group` are reviewed (a `review` rule for it, or in `defaults`).
    pub fn requires_review(&self, group: &str) -> bool {
        matches!(self, Access::Rules(policy) if policy.reviewers(group).is_some())
    }

    /// Whether `who` reviews changes to `group`: an editor, or named by the group's `review`
    /// rule (`skills.<group>.review`, else `defaults.review`).
    pub fn can_review(&self, who: Who<'_>, group: &str) -> bool {
        match self {
            Access::Rules(policy) => {
                self.editor_principal(who).is_some()
                    || policy.reviewers(group).is_some_and(|(_, reviewers)| policy.admits(reviewers, who))
            }
            _ => false,
        }
    }

    /// Whether `who` may read `skill`, and the rule that decided: what [`Access::can_read`]
    /// answers (it asks this), said the way the admin console shows it.
    pub fn explain_read(&self, who: Who<'_>, skill: SkillRef<'_>) -> Decision {
        let policy = match self {
            Access::Missing if skill.published => {
                return Decision::yes("no access.json: everyone signed in reads published skills")
            }
            Access::Missing => {
                return Decision::no("not published: without access.json nobody reads unpublished skills")
            }
            Access::Broken(_) => return Decision::no("access.json is broken: nothing is served until it is fixed"),
            Access::Rules(policy) => policy,
        };
        if let Some(principal) = self.editor_principal(who) {
            return Decision::yes(format!("an editor (editors lists {principal})"));
        }
        if !skill.published {
            // A group's writers see its drafts even where review keeps them from changing it.
            let write = match policy.writer(who, skill.group) {
                writer if writer.allowed => writer,
                _ => self.explain_write(who, skill.group),
            };
            let verdict = if write.allowed { "a writer of the group" } else { "not a writer of the group" };
            return Decision {
                allowed: write.allowed,
                rule: format!("not published: editors and the group's writers only; {verdict} ({})", write.rule),
            };
        }
        let (place, rule) = policy.read_rule(skill);
        match rule {
            Some(audience) => policy.decide(&place, audience, who),
            None => Decision::yes("no read rule: everyone signed in"),
        }
    }

    /// Whether every signed-in person may read `skill`: what an update notification may tell a
    /// destination that access.json does not route.
    pub fn readable_by_everyone(&self, skill: SkillRef<'_>) -> bool {
        match self {
            Access::Missing => skill.published,
            Access::Broken(_) => false,
            Access::Rules(policy) => {
                let (_, rule) = policy.read_rule(skill);
                skill.published && rule.is_none_or(|audience| audience.0.contains(&Principal::Everyone))
            }
        }
    }

    /// The groups whose changes the notification destination `name` gets, when access.json's
    /// `notifications` routes it (`None`: it is not routed, and gets only what everyone reads).
    pub fn notification_groups(&self, name: &str) -> Option<&[String]> {
        match self {
            Access::Rules(policy) => policy.notifications.get(name).map(Vec::as_slice),
            _ => None,
        }
    }

    /// The teams `user` is a member of.
    pub fn teams_of(&self, user: &UserInfo) -> Vec<String> {
        match self {
            Access::Rules(policy) => policy
                .teams
                .iter()
                .filter(|(_, members)| members.iter().any(|p| policy.matches(p, Who::Person(user), false)))
                .map(|(name, _)| name.clone())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// An audience as access.json writes it, comma-separated.
fn listed(audience: &Audience) -> String {
    audience.0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

impl Policy {
    /// Whether `who` is named by `audience`.
    fn admits(&self, audience: &Audience, who: Who<'_>) -> bool {
        audience.0.iter().any(|p| self.matches(p, who, true))
    }

    /// The read rule that governs `skill` and where it is written: `skills.<skill>.read`, else
    /// `skills.<group>.read`, else `defaults.read` (none: everyone signed in).
    fn read_rule(&self, skill: SkillRef<'_>) -> (String, Option<&Audience>) {
        let named = |key: &str| self.skills.get(key).and_then(|r| r.read.as_ref());
        if let Some(rule) = named(skill.name) {
            (format!("skills.{}.read", skill.name), Some(rule))
        } else if let Some(rule) = named(skill.group) {
            (format!("skills.{}.read", skill.group), Some(rule))
        } else {
            ("defaults.read".to_string(), self.defaults.read.as_ref())
        }
    }

    /// The group's write rule for `who` (not an editor): `skills.<group>.write`, else
    /// `defaults.write`, else editors only.
    fn writer(&self, who: Who<'_>, group: &str) -> Decision {
        let (place, rule) = match self.skills.get(group).and_then(|r| r.write.as_ref()) {
            Some(rule) => (format!("skills.{group}.write"), Some(rule)),
            None => ("defaults.write".to_string(), self.defaults.write.as_ref()),
        };
        match rule {
            Some(audience) => self.decide(&place, audience, who),
            None => Decision::no("no write rule for the group: editors only"),
        }
    }

    /// Where the group's review rule is written, and whom it names, if the group requires review.
    fn reviewers(&self, group: &str) -> Option<(String, &Audience)> {
        match self.skills.get(group).and_then(|r| r.review.as_ref()) {
            Some(rule) => Some((format!("skills.{group}.review"), rule)),
            None => self.defaults.review.as_ref().map(|rule| ("defaults.review".to_string(), rule)),
        }
    }

    /// The decision of the rule at `place` (`skills.<key>.read`, `defaults.write`…) for `who`.
    fn decide(&self, place: &str, audience: &Audience, who: Who<'_>) -> Decision {
        match audience.0.iter().find(|p| self.matches(p, who, true)) {
            Some(principal) => Decision::yes(format!("{place} lists {principal}")),
            None => Decision::no(format!("{place} lists only {}", listed(audience))),
        }
    }

    /// Whether `principal` names `who`. `expand` allows `editors` and `team:` (not inside the
    /// editors list or a team, which the parser refuses anyway, so there is no recursion).
    fn matches(&self, principal: &Principal, who: Who<'_>, expand: bool) -> bool {
        let user = match who {
            // A team as such is named by `*` and by its own `team:` only.
            Who::Team(team) => {
                return match principal {
                    Principal::Everyone => true,
                    Principal::Team(name) => expand && name == team,
                    _ => false,
                }
            }
            Who::Person(user) => user,
        };
        match principal {
            Principal::Everyone => true,
            Principal::User(id) => *id == user.id,
            // The domain the identity provider vouched for at sign-in, not the email's: a
            // personal Google account can have an address at the company's domain.
            Principal::Domain(domain) => user.domain.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(domain)),
            Principal::Group(name) => user.groups.iter().any(|g| g == name),
            Principal::GitHubTeam(team) => user.github_teams.iter().any(|t| t == team),
            Principal::Editors => expand && self.editors.iter().any(|p| self.matches(p, who, false)),
            Principal::Team(name) => {
                expand
                    && self.teams.get(name).is_some_and(|members| members.iter().any(|p| self.matches(p, who, false)))
            }
        }
    }
}

/// Whom an access question is about: a person as signed in, or a team as such (what the rules
/// grant to `team:<name>`, which every member gets at least).
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// A signed-in person (id, vouched domain, directory groups, GitHub teams).
    Person(&'a UserInfo),
    /// A team of access.json, by name.
    Team(&'a str),
}

/// An access decision and the rule that made it, for the admin console's access matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether it is allowed.
    pub allowed: bool,
    /// Which rule decided, as access.json writes it.
    pub rule: String,
}

impl Decision {
    fn yes(rule: impl Into<String>) -> Decision {
        Decision { allowed: true, rule: rule.into() }
    }

    fn no(rule: impl Into<String>) -> Decision {
        Decision { allowed: false, rule: rule.into() }
    }
}

impl Access {
    /// The teams access.json defines, for the console's team picker.
    pub fn team_names(&self) -> Vec<&str> {
        match self {
            Access::Rules(policy) => policy.teams.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|at| text[..at].matches('\n').count() + 1)
}

fn parse(text: &str) -> Result<Policy, AccessError> {
    if text.len() > MAX_ACCESS_BYTES {
        return Err(AccessError { line: None, problem: format!("it is larger than {MAX_ACCESS_BYTES} bytes") });
    }
    let file: AccessFile = serde_json::from_str(text).map_err(|e| {
        let problem = e.to_string();
        // serde_json appends " at line L column C"; the line is reported separately.
        let problem = problem.split(" at line ").next().unwrap_or(&problem).to_string();
        // serde_json places an entry's error at the entry's end; the bad principal's own line
        // is what a person looks for.
        let principal_line = problem
            .strip_prefix('`')
            .and_then(|rest| rest.split_once("` is not a principal"))
            .and_then(|(bad, _)| line_of(text, &format!("\"{bad}\"")));
        AccessError { line: principal_line.or((e.line() > 0).then_some(e.line())), problem }
    })?;
    let error = |needle: String, problem: String| AccessError { line: line_of(text, &needle), problem };
    let teams: BTreeMap<String, Vec<Principal>> = file.teams.into_iter().map(|(k, v)| (k, v.0)).collect();
    for (name, members) in &teams {
        if let Some(bad) = members.iter().find(|p| matches!(p, Principal::Team(_) | Principal::Editors)) {
            let shown = match bad {
                Principal::Team(t) => format!("team:{t}"),
                _ => "editors".into(),
            };
            return Err(error(
                format!("\"{name}\""),
                format!("team `{name}` lists `{shown}`; a team lists users and domains only"),
            ));
        }
    }
    if let Some(bad) = file.editors.0.iter().find(|p| matches!(p, Principal::Editors | Principal::Everyone)) {
        let shown = if *bad == Principal::Editors { "editors" } else { "*" };
        return Err(error("\"editors\"".into(), format!("the editors list cannot contain `{shown}`")));
    }
    let rules = file.skills.values().flat_map(|r| [r.read.as_ref(), r.write.as_ref(), r.review.as_ref()]).chain([
        file.defaults.read.as_ref(),
        file.defaults.write.as_ref(),
        file.defaults.review.as_ref(),
    ]);
    for principal in rules.flatten().flat_map(|a| a.0.iter()).chain(file.editors.0.iter()) {
        if let Principal::Team(name) = principal {
            if !teams.contains_key(name) {
                return Err(error(
                    format!("team:{name}"),
                    format!("`team:{name}` names no team; define it under \"teams\""),
                ));
            }
        }
    }
    Ok(Policy {
        editors: file.editors.0,
        teams,
        skills: file.skills,
        defaults: file.defaults,
        notifications: file.notifications,
    })
}

#[cfg(test)]
mod tests;
