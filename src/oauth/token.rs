//! `/token` (authorization code and refresh token grants) and `/revoke` (RFC 7009).
//!
//! Refresh tokens are signed (`spr1.<claims>.<mac>`) and name their grant and generation; only
//! the generation is stored, in the grant. Rotation is a ledger command, atomic in the user's
//! Durable Object: the current generation is rotated once; the previous one presented again
//! within [`REFRESH_GRACE_MS`](super::ledger::REFRESH_GRACE_MS) gets an access token only (so a
//! retried or concurrent refresh keeps working for now, never forks the grant into two live
//! tokens, and never hands the current refresh token to whoever else holds the previous one);
//! presented later, or a generation further back, it ends the grant.

use super::bearer::{self, ACCESS_PREFIX};
use super::clients::{self, Client};
use super::code;
use super::ledger::{Grant, RedeemCode, Refresh, Refreshed, Refusal, RevokeGrant, UpstreamCheck};
use super::upstream::renewal::{self, Renewal};
use super::{form, hash_hex, resource_for, s256, signed, OAuthError, Site};
use crate::keys::Purpose;
use crate::ports::{HttpRequest, HttpResponse, Platform};
use crate::web::IntoResponse;
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "spr1";

/// What a refresh token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RefreshClaims {
    #[serde(rename = "s")]
    shard: String,
    #[serde(rename = "g")]
    grant: String,
    #[serde(rename = "n")]
    generation: u64,
    /// The identity provider's refresh token, encrypted (with `OIDC_REFRESH_GROUPS`).
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    upstream: Option<String>,
}

/// `POST /token`.
pub async fn token<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    grant_tokens(site, request).await.into_response()
}

async fn grant_tokens<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> Result<HttpResponse, OAuthError> {
    let form = form(request)?;
    let get = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let grant_type = get("grant_type").ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    if !matches!(grant_type, "authorization_code" | "refresh_token") {
        return Err(OAuthError::bad(
            "unsupported_grant_type",
            format!("grant_type {grant_type} is not supported; use authorization_code or refresh_token"),
        ));
    }
    let client = clients::authenticate(site, request, &form).await?;
    let requested_resource = get("resource").map(|r| resource_for(site.base_url, Some(r))).transpose()?;
    let invalid_grant = |description: String| OAuthError::bad("invalid_grant", description);
    let (shard, grant) = if grant_type == "authorization_code" {
        let code = get("code").ok_or_else(|| OAuthError::invalid_request("code is required"))?;
        let verifier =
            get("code_verifier").ok_or_else(|| OAuthError::invalid_request("code_verifier is required (PKCE)"))?;
        if !(43..=128).contains(&verifier.len())
            || !verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        {
            return Err(OAuthError::invalid_request("code_verifier must be 43 to 128 unreserved characters"));
        }
        let redirect_uri =
            get("redirect_uri").ok_or_else(|| OAuthError::invalid_request("redirect_uri is required"))?;
        // Checked before any Durable Object is asked: a forged code costs nothing but this MAC.
        let shard = code::shard(&site.config.keys, code)
            .map(str::to_string)
            .ok_or_else(|| invalid_grant("the authorization code is not one this connector issued".into()))?;
        let mut grant_id = [0u8; 16];
        site.platform.fill_random(&mut grant_id).map_err(OAuthError::random)?;
        let command = RedeemCode {
            code_hash: hash_hex(code),
            verifier_challenge: s256(verifier),
            client_id: client.id.clone(),
            redirect_uri: redirect_uri.to_string(),
            grant_id: hex::encode(grant_id),
            grant_lifetime_ms: site.config.lifetimes.grant * 1000,
            now: site.platform.now_ms(),
        };
        let grant = site.ledger(&shard, command).await?.map_err(invalid_grant_refused)?;
        if requested_resource.as_ref().is_some_and(|r| *r != grant.resource) {
            // The code is spent; the grant it made is ended rather than left half-issued.
            site.ledger(&shard, RevokeGrant { grant_id: grant.id.clone(), client_id: client.id.clone() }).await?.ok();
            return Err(OAuthError::bad("invalid_target", "resource differs from the authorization request's"));
        }
        clients::touch(site, &client).await?;
        (shard, grant)
    } else {
        let token = get("refresh_token").ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
        let claims: RefreshClaims = signed::open(&site.config.keys, Purpose::RefreshToken, REFRESH_PREFIX, token)
            .map_err(|_| invalid_grant("the refresh token is not one this connector issued".into()))?;
        // Asked before the ledger, whose one command then applies the answer only if it rotates.
        let renewal = match (claims.upstream.as_deref(), site.config.sign_in.oidc()) {
            (Some(sealed), Some(settings)) if settings.refresh_groups => renewal::renew(site, settings, sealed).await?,
            _ => Renewal { check: UpstreamCheck::Unchanged, upstream_refresh: claims.upstream.clone() },
        };
        let command = Refresh {
            grant_id: claims.grant.clone(),
            generation: claims.generation,
            client_id: client.id.clone(),
            now: site.platform.now_ms(),
            upstream: renewal.check,
        };
        let (grant, rotated) = match site.ledger(&claims.shard, command).await?.map_err(invalid_grant_refused)? {
            Refreshed::Rotated(grant) => (Grant { upstream_refresh: renewal.upstream_refresh, ..grant }, true),
            Refreshed::Retried(grant) => (grant, false),
        };
        if requested_resource.as_ref().is_some_and(|r| *r != grant.resource) {
            return Err(OAuthError::bad("invalid_target", "resource differs from the one this sign-in is for"));
        }
        crate::usage::record_seen(site.platform, site.config, &grant.user, false).await;
        return Ok(token_response(site, &claims.shard, &grant, rotated));
    };
    Ok(token_response(site, &shard, &grant, true))
}

/// A refused redemption or refresh, as the `invalid_grant` error of RFC 6749 §5.2.
fn invalid_grant_refused(refusal: Refusal) -> OAuthError {
    OAuthError::bad("invalid_grant", refusal.to_string())
}

/// What `/token` answers.
#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

/// The token response (RFC 6749 §5.1 and 6): a new access token and, unless `with_refresh` is
/// false (a retried rotation), the grant's current refresh token.
fn token_response<P: Platform>(site: &Site<'_, P>, shard: &str, grant: &Grant, with_refresh: bool) -> HttpResponse {
    let (access_token, expires_in) = bearer::issue(site, shard, grant);
    let refresh_token = with_refresh.then(|| {
        let refresh = RefreshClaims {
            shard: shard.to_string(),
            grant: grant.id.clone(),
            generation: grant.generation,
            upstream: grant.upstream_refresh.clone(),
        };
        signed::seal(&site.config.keys, Purpose::RefreshToken, REFRESH_PREFIX, &refresh)
    });
    let body = TokenResponse { access_token, token_type: "Bearer", expires_in, refresh_token };
    let mut response = crate::web::json(StatusCode::OK, &body);
    crate::web::no_store(&mut response);
    response
}

/// `POST /revoke`: ends the grant behind an access or refresh token, if the authenticated
/// client owns it. Unknown or malformed tokens get 200, as RFC 7009 §2.2 asks.
pub async fn revoke<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    let result = async {
        let form = form(request)?;
        let client: Client = clients::authenticate(site, request, &form).await?;
        let token = form.get("token").ok_or_else(|| OAuthError::invalid_request("token is required"))?;
        let keys = &site.config.keys;
        let target =
            if let Ok(claims) = signed::open::<RefreshClaims>(keys, Purpose::RefreshToken, REFRESH_PREFIX, token) {
                Some((claims.shard, claims.grant))
            } else if token.starts_with(ACCESS_PREFIX) {
                signed::open::<bearer::AccessClaims>(keys, Purpose::AccessToken, ACCESS_PREFIX, token)
                    .ok()
                    .map(|claims| (claims.shard, claims.grant))
            } else {
                None
            };
        if let Some((shard, grant_id)) = target {
            let revoked = site.ledger(&shard, RevokeGrant { grant_id, client_id: client.id.clone() }).await?;
            if revoked.is_err() {
                return Err(OAuthError::bad("unauthorized_client", "this token was issued to another client"));
            }
        }
        Ok(())
    }
    .await;
    result
        .map(|()| {
            let mut response = http::Response::new(Vec::new());
            crate::web::no_store(&mut response);
            response
        })
        .into_response()
}
