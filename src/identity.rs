//! Who is asking: the person the identity provider vouched for ([`UserInfo`]) and, once their
//! access token is checked, the caller a request acts for ([`Caller`]). A leaf module, so that
//! the access rules, the tools and the sign-in code share one vocabulary without depending on
//! each other.

use serde::{Deserialize, Serialize};

/// Who signed in, as the identity provider vouched for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// `<provider>:<subject>` (`google:<sub>`, `entra:<tid>:<oid>`, `github:<numeric id>`…).
    pub id: String,
    /// The verified email address.
    pub email: String,
    /// Display name, when the provider gave one.
    pub name: Option<String>,
    /// The organization domain the provider vouches for (Google's hosted domain `hd`; for other
    /// providers the verified email's domain), which `domain:` principals match. Grants made
    /// before it was recorded have none and match no `domain:` principal until the next sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The directory groups the provider named at sign-in (its `OIDC_GROUPS_CLAIM`), which
    /// `group:` principals match; recorded in the grant, so reading them costs no request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Set when the provider said the groups were too many to send in the token (Entra ID's
    /// "overage": the claim is replaced by a pointer under `_claim_names`). The user then
    /// matches no `group:` principal, and whoami says why.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub groups_overage: bool,
    /// For people signed in with GitHub: the teams (`<org>/<slug>`, lower-case) they are in,
    /// within the organizations that admit them, which `github-team:` principals match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_teams: Vec<String>,
}

/// An authenticated caller: who, through which client, under which grant (what every `/mcp`
/// request is checked against and what the tools act for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Who.
    pub user: UserInfo,
    /// Through which client.
    pub client_id: String,
    /// Which grant.
    pub grant_id: String,
}
