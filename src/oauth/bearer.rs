//! Access tokens: issued by the token endpoint, checked on every `/mcp` (and `/sse`) request.
//!
//! An access token is signed, not stored (`spa1.<claims>.<mac>`): it names the user's shard,
//! the grant, the client, the audience and the expiry. Checking one costs a MAC, and one read
//! of the grant in the user's Durable Object, so a revoked grant or an offboarded user stops
//! working on the very next request.

use super::ledger::{self, CheckGrant, Grant};
use super::metadata::resource_metadata_url;
use super::{audience_matches, signed, Site};
use crate::identity::Caller;
use crate::keys::Purpose;
use crate::ports::{HttpResponse, Platform};
use crate::web::IntoResponse;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

/// Prefix of access tokens.
pub const ACCESS_PREFIX: &str = "spa1";

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user's shard.
    #[serde(rename = "s")]
    pub shard: String,
    /// The grant.
    #[serde(rename = "g")]
    pub grant: String,
    /// The client.
    #[serde(rename = "c")]
    pub client: String,
    /// The audience (resource).
    #[serde(rename = "a")]
    pub audience: String,
    /// Expiry, seconds.
    #[serde(rename = "e")]
    pub expires: u64,
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    /// No `Authorization: Bearer` header: the client should start signing in.
    #[error("sign in first: this connector needs an access token")]
    Missing,
    /// A token was sent but is not valid (the `invalid_token` error of RFC 6750).
    #[error("{0}")]
    Invalid(String),
    /// The ledger could not be asked.
    #[error("sign-in storage is unavailable, try again shortly")]
    Unavailable,
}

/// Signs an access token for `grant`, valid for `lifetime` seconds but never past the grant's
/// end. Returns the token and its lifetime in seconds.
pub fn issue(site: &Site<'_, impl Platform>, shard: &str, grant: &Grant) -> (String, u64) {
    let now = site.now_seconds();
    let expires = (now + site.config.lifetimes.access_token).min(grant.expires_at / 1000);
    let claims = AccessClaims {
        shard: shard.to_string(),
        grant: grant.id.clone(),
        client: grant.client_id.clone(),
        audience: grant.resource.clone(),
        expires,
    };
    (signed::seal(&site.config.keys, Purpose::AccessToken, ACCESS_PREFIX, &claims), expires.saturating_sub(now))
}

/// Opens and checks a token's signature, expiry and audience (no storage involved).
pub fn open(site: &Site<'_, impl Platform>, token: &str) -> Result<AccessClaims, BearerError> {
    let claims: AccessClaims = signed::open(&site.config.keys, Purpose::AccessToken, ACCESS_PREFIX, token)
        .map_err(|_| BearerError::Invalid("the access token is not one this connector issued".into()))?;
    if claims.expires <= site.now_seconds() {
        return Err(BearerError::Invalid("the access token has expired".into()));
    }
    if !audience_matches(site.base_url, &claims.audience) {
        return Err(BearerError::Invalid(format!("the access token is for {}, not this connector", claims.audience)));
    }
    Ok(claims)
}

/// Authenticates a request from its `Authorization` header.
pub async fn authenticate<P: Platform>(site: &Site<'_, P>, headers: &HeaderMap) -> Result<Caller, BearerError> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(BearerError::Missing)?;
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Err(BearerError::Invalid("use Authorization: Bearer <token>".into())),
    };
    let claims = open(site, token)?;
    let command = CheckGrant { grant_id: claims.grant.clone(), now: site.platform.now_ms() };
    match ledger::call(site.platform, &claims.shard, command).await {
        Ok(Ok(grant)) => Ok(Caller { user: grant.user, client_id: grant.client_id, grant_id: grant.id }),
        Ok(Err(refusal)) => Err(BearerError::Invalid(refusal.to_string())),
        Err(_) => Err(BearerError::Unavailable),
    }
}

/// The 401 (or 503) answer for an unauthenticated request to the resource at `path`, with the
/// challenge that tells a client where to sign in.
pub struct Challenge<'a> {
    /// The connector's origin.
    pub base_url: &'a str,
    /// The protected resource's path (`/mcp`, `/sse`).
    pub path: &'a str,
    /// Why the request is not authenticated.
    pub problem: BearerError,
}

impl IntoResponse for Challenge<'_> {
    fn into_response(self) -> HttpResponse {
        challenge(self.base_url, self.path, &self.problem)
    }
}

fn challenge(base_url: &str, path: &str, error: &BearerError) -> HttpResponse {
    let metadata = resource_metadata_url(base_url, path);
    let (status, value) = match error {
        BearerError::Missing => (StatusCode::UNAUTHORIZED, format!("Bearer resource_metadata=\"{metadata}\"")),
        BearerError::Invalid(description) => (
            StatusCode::UNAUTHORIZED,
            format!(
                "Bearer resource_metadata=\"{metadata}\", error=\"invalid_token\", error_description=\"{}\"",
                description.replace(['"', '\\'], "'")
            ),
        ),
        BearerError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, String::new()),
    };
    let code = match error {
        BearerError::Missing => "unauthorized",
        BearerError::Invalid(_) => "invalid_token",
        BearerError::Unavailable => "temporarily_unavailable",
    };
    let mut response = crate::web::error(status, code, &error.to_string());
    if let Ok(value) = HeaderValue::from_str(&value) {
        if !value.is_empty() {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}
