//! `whoami`: who the connector thinks the caller is, and the exact snippet an admin pastes into
//! `.skillport/access.json` to grant them something.

use super::{Tool, ToolContext, ToolError};
use crate::access::{Access, ACCESS_PATH};
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {}

/// The `{"id", "label"}` entry that names this user in access.json.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccessEntry {
    /// The user id.
    pub id: String,
    /// A label for people reading the file (the email address).
    pub label: String,
}

/// The answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The user id: `<provider>:<subject>`, stable across email changes.
    pub id: String,
    /// The verified email address.
    pub email: String,
    /// The display name, if the identity provider gave one.
    pub name: Option<String>,
    /// The identity provider (the user id's prefix).
    pub provider: String,
    /// Whether this user is an editor in access.json.
    pub editor: bool,
    /// The access.json teams this user is in.
    pub teams: Vec<String>,
    /// The directory groups the identity provider named at sign-in, as `group:` principals
    /// match them.
    pub groups: Vec<String>,
    /// Set when the identity provider left the groups out for being too many: what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups_problem: Option<String>,
    /// For people signed in with GitHub: their teams (`<org>/<slug>`), as `github-team:`
    /// principals match them (empty for other providers).
    pub github_teams: Vec<String>,
    /// Where the access rules come from, or why they cannot be used.
    pub access_rules: String,
    /// Set while access.json is broken (skills are not served until it is fixed): the problem and its line.
    pub access_error: Option<String>,
    /// Paste this into access.json to name this user.
    pub access_json_entry: AccessEntry,
}

/// What whoami says when the provider sent a pointer instead of the groups.
pub const GROUPS_OVERAGE: &str = "your identity provider sent no groups because you are in too many (Entra ID's \
    group overage), so no group: rule applies to you; an admin can have the app registration emit only the groups \
    assigned to the application";

/// The tool, as the registry in `tools` lists it.
pub struct Whoami;

impl Tool for Whoami {
    const NAME: &'static str = "whoami";
    const TITLE: &'static str = "Who am I";
    const DESCRIPTION: &'static str = "Show who you are signed in as (user id, email, provider), whether you are an editor, your teams and directory groups, the state of the access rules, and the entry an administrator pastes into .skillport/access.json to grant you access.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::READ_ONLY;
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, _input: Input) -> Result<Output, ToolError> {
        let user = &ctx.caller.user;
        let provider = user.id.split_once(':').map(|(p, _)| p).unwrap_or_default().to_string();
        // whoami answers even when the catalog or access.json cannot be read, so people can always
        // find the id an admin needs.
        let (editor, teams, access_rules, access_error) = match ctx.access().await {
            Ok(access) => match access.as_ref() {
                Access::Rules(_) => {
                    (access.is_editor(user), access.teams_of(user), format!("from {ACCESS_PATH}"), None)
                }
                Access::Missing => (
                    false,
                    Vec::new(),
                    format!(
                        "there is no {ACCESS_PATH}: everyone signed in reads the published skills and nobody edits"
                    ),
                    None,
                ),
                Access::Broken(error) => {
                    (false, Vec::new(), format!("{ACCESS_PATH} is broken"), Some(error.to_string()))
                }
            },
            Err(error) => (false, Vec::new(), "unknown: the catalog could not be read".into(), Some(error.to_string())),
        };
        Ok(Output {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            provider,
            editor,
            teams,
            groups: user.groups.clone(),
            groups_problem: user.groups_overage.then(|| GROUPS_OVERAGE.to_string()),
            github_teams: user.github_teams.clone(),
            access_rules,
            access_error,
            access_json_entry: AccessEntry { id: user.id.clone(), label: user.email.clone() },
        })
    }
}
