//! Who an OpenID provider's ID token admits, and as whom: the pure rules, one per kind of
//! provider, kept apart from the network so every refusal is tested as a table.
//!
//! - Google: a verified email, and the Workspace domain (`hd`) must be allowed.
//! - Entra ID: a tenant that is allowed; an email only when Entra ID vouches for it (`xms_edov`,
//!   or the member's UPN, whose domain the tenant has verified); the id `entra:<tid>:<oid>`.
//! - Okta and any other: `email_verified`, and the email's domain must be allowed.

use super::IdClaims;
use crate::config::{AllowedDomains, OidcKind, OidcSettings, MAX_GROUPS};
use crate::identity::UserInfo;
use serde_json::Value;

/// Why a person who signed in upstream is not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInRefused {
    /// No email in the ID token.
    #[error("your identity provider did not share an email address; ask your administrator to allow the email scope")]
    NoEmail,
    /// The email is not verified.
    #[error("the email address {0} is not verified at your identity provider; verify it there and try again")]
    Unverified(String),
    /// Entra ID sent an email it does not vouch for, and no UPN.
    #[error("Microsoft Entra ID did not confirm that {0} belongs to your organization; ask your administrator to add the optional claims `xms_edov` and `upn` to the app registration's ID token")]
    EntraUnverified(String),
    /// The token names no Entra ID tenant or object id.
    #[error("Microsoft Entra ID sent no tenant or object id (tid, oid); sign in with a work or school account")]
    EntraNoId,
    /// The Entra ID tenant is not allowed.
    #[error("your Microsoft Entra ID organization (tenant {0}) is not one allowed to use this connector; sign in with your work account")]
    TenantNotAllowed(String),
    /// Outside the allowed domains.
    #[error("{email} is not in a domain allowed to use this connector ({allowed}); sign in with your work account")]
    DomainNotAllowed {
        /// The email.
        email: String,
        /// The allowed domains.
        allowed: String,
    },
    /// A GitHub account without a verified primary email.
    #[error("your GitHub account has no verified primary email address; verify one at github.com/settings/emails and try again")]
    GitHubNoVerifiedEmail,
    /// A GitHub account outside the allowed organizations.
    #[error("{login} is not a member of {orgs} on GitHub (a pending invitation must be accepted first; an organization that restricts OAuth apps must approve this connector)")]
    NotInOrganization {
        /// The GitHub login.
        login: String,
        /// The organizations that admit.
        orgs: String,
    },
}

/// Who the claims describe, if they may sign in.
pub fn admit(settings: &OidcSettings, claims: &IdClaims) -> Result<UserInfo, SignInRefused> {
    let (id, email, domain) = match settings.kind {
        OidcKind::Entra => entra_identity(settings, claims)?,
        OidcKind::Google | OidcKind::Okta | OidcKind::Generic => {
            let email = claims.email.clone().filter(|e| e.contains('@')).ok_or(SignInRefused::NoEmail)?;
            if !claims.email_verified {
                return Err(SignInRefused::Unverified(email));
            }
            // The domain the provider vouches for: Google's hosted domain (a personal account
            // has none, whatever its address), elsewhere the verified email's domain.
            let domain = if settings.is_google() {
                claims.hd.as_deref().map(str::to_ascii_lowercase)
            } else {
                domain_of(&email)
            };
            (format!("{}:{}", settings.provider_name, claims.sub), email, domain)
        }
    };
    if !settings.allowed_domains.admit(domain.as_deref()) {
        let allowed = match &settings.allowed_domains {
            AllowedDomains::Any => "any".into(),
            AllowedDomains::Only(domains) => domains.join(", "),
        };
        return Err(SignInRefused::DomainNotAllowed { email, allowed });
    }
    let (groups, groups_overage) = groups(settings, claims);
    Ok(UserInfo {
        id,
        email,
        name: claims.name.clone().filter(|n| !n.trim().is_empty()),
        domain,
        groups,
        groups_overage,
        github_teams: Vec::new(),
    })
}

/// Entra ID's id, email and domain. The `email` claim is whatever the account's owner typed
/// (Entra ID does not verify it), so it is used only with `xms_edov: true` (the tenant verified
/// the email's domain); otherwise a member's UPN, whose suffix is always one of the tenant's
/// verified domains. A guest's UPN (`#EXT#`) names the host tenant's domain, not the person's,
/// so it is not used.
fn entra_identity(
    settings: &OidcSettings,
    claims: &IdClaims,
) -> Result<(String, String, Option<String>), SignInRefused> {
    let claim = |name: &str| claims.other.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    let (Some(tid), Some(oid)) = (claim("tid"), claim("oid")) else { return Err(SignInRefused::EntraNoId) };
    let tid = tid.to_ascii_lowercase();
    if !settings.tenants.is_empty() && !settings.tenants.contains(&tid) {
        return Err(SignInRefused::TenantNotAllowed(tid));
    }
    let edov = matches!(claims.other.get("xms_edov"), Some(Value::Bool(true))) || claim("xms_edov") == Some("true");
    let email = claims.email.clone().filter(|e| e.contains('@'));
    let upn = claim("upn").filter(|u| u.contains('@') && !u.contains("#EXT#")).map(str::to_string);
    let verified = match (email, upn) {
        (Some(email), _) if edov => email,
        (_, Some(upn)) => upn,
        (Some(email), None) => return Err(SignInRefused::EntraUnverified(email)),
        (None, None) => return Err(SignInRefused::NoEmail),
    };
    let domain = domain_of(&verified);
    Ok((format!("{}:{tid}:{}", settings.provider_name, oid.to_ascii_lowercase()), verified, domain))
}

fn domain_of(email: &str) -> Option<String> {
    email.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase())
}

/// The user's directory groups from the configured claim (a list of strings, or one string),
/// at most [`MAX_GROUPS`], and whether the provider left them out for being too many (a
/// `_claim_names` entry for the claim, Entra ID's overage).
fn groups(settings: &OidcSettings, claims: &IdClaims) -> (Vec<String>, bool) {
    let Some(claim) = settings.groups_claim.as_deref() else { return (Vec::new(), false) };
    let overage = claims.other.get("_claim_names").and_then(|names| names.get(claim)).is_some();
    let groups: Vec<String> = match claims.other.get(claim) {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many.iter().filter_map(|g| g.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    (clean(groups), overage)
}

/// Group names as recorded: without empty or control-character names, sorted, deduplicated,
/// at most [`MAX_GROUPS`].
pub fn clean(mut groups: Vec<String>) -> Vec<String> {
    groups.retain(|g| !g.is_empty() && !g.chars().any(char::is_control));
    groups.sort();
    groups.dedup();
    groups.truncate(MAX_GROUPS);
    groups
}
