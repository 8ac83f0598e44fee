//! Sign-in with GitHub, through an OAuth app (GitHub is not an OpenID provider, so there is no
//! ID token): the code is exchanged for a user token, which is used during the callback only —
//! to read who the person is, their verified primary email, whether they belong to an allowed
//! organization, and their teams there — and then dropped, never stored.
//!
//! A sign-in costs one token exchange and three or four API requests (user, emails, one
//! membership per organization tried until one admits, teams).

use super::admission::{clean, SignInRefused};
use super::{exchange_code, SignInError, TokenClient, TokenGrant, UpstreamError, UPSTREAM_TIMEOUT_MS};
use crate::config::sign_in::GITHUB_ID_PREFIX;
use crate::config::GitHubSignIn;
use crate::github::USER_AGENT;
use crate::identity::UserInfo;
use crate::oauth::Site;
use crate::ports::{Limits, Platform};
use http::StatusCode;
use oauth2::{AuthType, TokenResponse};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Requests to GitHub during sign-in: counted as GitHub requests in the request log.
const LIMITS: Limits = Limits { timeout_ms: UPSTREAM_TIMEOUT_MS, max_body_bytes: 1 << 20, github: true };
/// What the connector asks of the person's account: their profile and emails, and their
/// organization and team memberships (read only).
pub const SCOPES: &str = "read:user user:email read:org";
/// Teams asked for per page; two pages reach [`crate::config::MAX_GROUPS`].
const TEAMS_PER_PAGE: usize = 100;

/// `GET /user`: the fields used.
#[derive(Debug, Clone, Deserialize)]
pub struct GitHubUser {
    /// The numeric id, which never changes (the login can).
    pub id: u64,
    /// The login.
    pub login: String,
    /// The profile name.
    pub name: Option<String>,
}

/// One entry of `GET /user/emails`.
#[derive(Debug, Clone, Deserialize)]
pub struct GitHubEmail {
    /// The address.
    pub email: String,
    /// Whether it is the account's primary address.
    pub primary: bool,
    /// Whether GitHub verified it.
    pub verified: bool,
}

/// One entry of `GET /user/teams`.
#[derive(Debug, Clone, Deserialize)]
pub struct GitHubTeam {
    /// The team's slug.
    pub slug: String,
    /// Its organization.
    pub organization: GitHubOrganization,
}

/// An organization, as a team names it.
#[derive(Debug, Clone, Deserialize)]
pub struct GitHubOrganization {
    /// Its login.
    pub login: String,
}

#[derive(Debug, Deserialize)]
struct Membership {
    state: String,
}

/// Where to send the browser to sign in with GitHub.
pub fn authorization_url(settings: &GitHubSignIn, redirect_uri: &str, state: &str, code_challenge: &str) -> String {
    let mut url = settings.web_url.clone();
    url.set_path(&format!("{}/login/oauth/authorize", settings.web_url.path().trim_end_matches('/')));
    url.query_pairs_mut()
        .append_pair("client_id", &settings.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", SCOPES)
        .append_pair("state", state)
        .append_pair("code_challenge", code_challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("allow_signup", "false");
    url.into()
}

/// Completes a GitHub sign-in: who the code's owner is, if they may sign in.
pub async fn sign_in<P: Platform>(
    site: &Site<'_, P>,
    settings: &GitHubSignIn,
    code: &str,
    verifier: &str,
) -> Result<UserInfo, SignInError> {
    let token = exchange(site, settings, code, verifier).await?;
    let user: GitHubUser = get(site, &token, "/user").await?.ok_or_else(|| unavailable("/user", "HTTP 404"))?;
    let emails: Vec<GitHubEmail> = get(site, &token, "/user/emails?per_page=100").await?.unwrap_or_default();
    let mut member_of = None;
    for org in &settings.orgs {
        let membership: Option<Membership> = get(site, &token, &format!("/user/memberships/orgs/{org}")).await?;
        if membership.is_some_and(|m| m.state == "active") {
            member_of = Some(org.clone());
            break;
        }
    }
    let mut teams: Vec<GitHubTeam> = Vec::new();
    if member_of.is_some() {
        for page in 1..=2 {
            let path = format!("/user/teams?per_page={TEAMS_PER_PAGE}&page={page}");
            let batch: Vec<GitHubTeam> = get(site, &token, &path).await?.unwrap_or_default();
            let full = batch.len() == TEAMS_PER_PAGE;
            teams.extend(batch);
            if !full {
                break;
            }
        }
    }
    Ok(admit(settings, &user, &emails, member_of.as_deref(), &teams)?)
}

/// Who a GitHub account is, if it may sign in: an active member of an allowed organization,
/// with a verified primary email; its teams in the allowed organizations.
pub fn admit(
    settings: &GitHubSignIn,
    user: &GitHubUser,
    emails: &[GitHubEmail],
    member_of: Option<&str>,
    teams: &[GitHubTeam],
) -> Result<UserInfo, SignInRefused> {
    if member_of.is_none_or(|org| !settings.orgs.iter().any(|o| o.eq_ignore_ascii_case(org))) {
        return Err(SignInRefused::NotInOrganization { login: user.login.clone(), orgs: settings.orgs.join(" or ") });
    }
    let email = emails
        .iter()
        .find(|e| e.primary && e.verified && e.email.contains('@'))
        .map(|e| e.email.clone())
        .ok_or(SignInRefused::GitHubNoVerifiedEmail)?;
    let github_teams = clean(
        teams
            .iter()
            .map(|t| (t.organization.login.to_ascii_lowercase(), t.slug.to_ascii_lowercase()))
            .filter(|(org, _)| settings.orgs.contains(org))
            .map(|(org, slug)| format!("{org}/{slug}"))
            .collect(),
    );
    Ok(UserInfo {
        id: format!("{GITHUB_ID_PREFIX}:{}", user.id),
        domain: email.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()),
        email,
        name: user.name.clone().filter(|n| !n.trim().is_empty()).or_else(|| Some(user.login.clone())),
        groups: Vec::new(),
        groups_overage: false,
        github_teams,
    })
}

fn unavailable(what: &str, problem: &str) -> UpstreamError {
    UpstreamError::Unavailable { url: format!("GitHub {what}"), problem: problem.to_string() }
}

/// The code for the person's user token (PKCE, client secret in the body as GitHub documents).
async fn exchange<P: Platform>(
    site: &Site<'_, P>,
    settings: &GitHubSignIn,
    code: &str,
    verifier: &str,
) -> Result<String, UpstreamError> {
    let token_url = format!("{}/login/oauth/access_token", settings.web_url.as_str().trim_end_matches('/'));
    let client = TokenClient {
        token_url: &token_url,
        client_id: &settings.client_id,
        client_secret: settings.client_secret.expose(),
        auth_type: AuthType::RequestBody,
        limits: LIMITS,
    };
    Ok(exchange_code(site, &client, TokenGrant::Code { code, verifier }).await?.access_token().secret().clone())
}

/// `GET <api><path>` with the person's token; `None` for 404 (and 403: an organization that
/// hides membership from this app), which mean "not a member" where they are asked.
async fn get<P: Platform, T: DeserializeOwned>(
    site: &Site<'_, P>,
    token: &str,
    path: &str,
) -> Result<Option<T>, UpstreamError> {
    // The same REST API the repository is read through (`GITHUB_API_URL`).
    let url = format!("{}{path}", site.config.github_api_url.as_str().trim_end_matches('/'));
    let what = path.split('?').next().unwrap_or(path);
    let request = http::Request::get(&url)
        .header("user-agent", USER_AGENT)
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28")
        .header("authorization", format!("Bearer {token}"))
        .body(Vec::new())
        .map_err(|e| unavailable(what, &e.to_string()))?;
    let response = site.platform.send(request, LIMITS).await.map_err(|e| unavailable(what, &e.to_string()))?;
    match response.status() {
        StatusCode::OK => {
            serde_json::from_slice(response.body()).map(Some).map_err(|e| unavailable(what, &e.to_string()))
        }
        StatusCode::FORBIDDEN if response.headers().get("x-ratelimit-remaining").is_some_and(|r| r == "0") => {
            Err(unavailable(what, "GitHub's rate limit for this account is exhausted; try again in an hour"))
        }
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => Ok(None),
        status => Err(unavailable(what, &format!("HTTP {}", status.as_u16()))),
    }
}
