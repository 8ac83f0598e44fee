//! `/callback`: the identity provider sends the person back here. The connector checks that the
//! state is its own, unexpired and from this browser, completes the sign-in with the provider
//! the state names (an OpenID provider's code exchange and ID token, or GitHub's user API),
//! admits or refuses the person, and returns to the client with a single-use code.
//!
//! Storage is written only after the provider vouched for the person (one ledger command, two
//! rows: the used state and the code), so an unauthenticated caller cannot cause writes here.

use super::authorize::{client_redirect, flow_secrets, UpstreamState, STATE_PREFIX};
use super::code;
use super::cookies;
use super::ledger::{IssueCode, PendingCode, CODE_LIFETIME_MS};
use super::pages;
use super::upstream::{self, SignInError, TokenGrant, UpstreamError};
use super::{hash_hex, pairs, shard_of, signed, Site};
use crate::config::{OidcSettings, SignInProvider};
use crate::identity::UserInfo;
use crate::keys::Purpose;
use crate::ports::{HttpRequest, HttpResponse, Platform};
use http::{header, StatusCode};

/// `GET /callback`.
pub async fn callback<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    let bad = |message: &str| pages::error(StatusCode::BAD_REQUEST, "This sign-in cannot be completed", message);
    let Ok(params) = pairs(request.uri().query().unwrap_or("").as_bytes()) else {
        return bad("The identity provider's answer is malformed. Go back to the application and connect again.");
    };
    let get = |name: &str| params.get(name).map(String::as_str).unwrap_or("");
    let Ok(state) =
        signed::open::<UpstreamState>(&site.config.keys, Purpose::UpstreamState, STATE_PREFIX, get("state"))
    else {
        return bad("The sign-in state is missing or was not issued by this connector. Go back to the application and connect again.");
    };
    if state.expires <= site.now_seconds() {
        return bad("The sign-in took longer than 10 minutes. Go back to the application and connect again.");
    }
    let secure = site.secure();
    if cookies::get(request, cookies::FLOW, secure).as_deref() != Some(state.flow.as_str()) {
        return bad("The sign-in was started in another browser, or this browser blocks cookies. Connect again from this browser.");
    }
    let pending = &state.pending;
    let mut back = vec![];
    if let Some(client_state) = &pending.state {
        back.push(("state", client_state.as_str()));
    }
    if !get("error").is_empty() {
        let description = format!("the identity provider answered {}", get("error"));
        let mut params = vec![("error", "access_denied"), ("error_description", description.as_str())];
        params.extend(back.iter().copied());
        return client_redirect(&pending.redirect_uri, &params, site.base_url);
    }
    let provider_key = if state.provider.is_empty() { "oidc" } else { state.provider.as_str() };
    let Some(provider) = site.config.sign_in.get(provider_key) else {
        return bad("The sign-in was started with a provider this connector no longer offers. Connect again.");
    };
    let (verifier, nonce) = flow_secrets(site, &state.flow);
    let signed_in = match provider {
        SignInProvider::Oidc(settings) => {
            oidc_sign_in(site, settings, get("code"), get("iss"), &verifier, &nonce).await
        }
        // GitHub's token is dropped here: teams are read at sign-in only.
        SignInProvider::GitHub(settings) => {
            upstream::github::sign_in(site, settings, get("code"), &verifier).await.map(|user| (user, None))
        }
    };
    let (user, upstream_refresh) = match signed_in {
        Ok(signed_in) => signed_in,
        Err(SignInError::Upstream(e @ UpstreamError::ForeignIssuer)) => return bad(&format!("{e}.")),
        Err(SignInError::Upstream(e)) => {
            return pages::error(StatusCode::BAD_GATEWAY, "Sign-in failed at the identity provider", &e.to_string())
        }
        Err(SignInError::Refused(refusal)) => {
            let description = refusal.to_string();
            let mut params = vec![("error", "access_denied"), ("error_description", description.as_str())];
            params.extend(back.iter().copied());
            let back_url = client_redirect(&pending.redirect_uri, &params, site.base_url);
            let location = back_url.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("/");
            return pages::refused(&description, location);
        }
    };
    if pending.client_id == crate::console::session::CLIENT_ID {
        return crate::console::session::start(site, user, &state.flow).await;
    }
    // The provider's refresh token, encrypted: it travels in the code record until redeemed,
    // then only inside the client's refresh token.
    let upstream_refresh = match upstream_refresh.map(|token| site.seal_secret(Purpose::UpstreamRefresh, &token)) {
        None => None,
        Some(Ok(sealed)) => Some(sealed),
        Some(Err(e)) => return pages::error(StatusCode::SERVICE_UNAVAILABLE, "Try again", &e.description),
    };
    let shard = shard_of(&user.id);
    let signed_in_user = user.clone();
    let code = match site.random_token(32) {
        Ok(secret) => code::issue(&site.config.keys, &shard, &secret),
        Err(e) => return pages::error(StatusCode::SERVICE_UNAVAILABLE, "Try again", &e.description),
    };
    let now = site.platform.now_ms();
    let command = IssueCode {
        state_hash: hash_hex(&state.flow),
        code_hash: hash_hex(&code),
        code: PendingCode {
            user,
            client_id: pending.client_id.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            code_challenge: pending.code_challenge.clone(),
            resource: pending.resource.clone(),
            expires_at: now + CODE_LIFETIME_MS,
            redeemed_by: None,
            upstream_refresh,
        },
        now,
    };
    match site.ledger(&shard, command).await {
        Ok(Ok(())) => crate::usage::record_seen(site.platform, site.config, &signed_in_user, true).await,
        Ok(Err(refusal)) => return bad(&format!("{refusal}.")),
        Err(e) => return pages::error(e.status, "Sign-in storage is unavailable", &e.description),
    }
    let mut params = vec![("code", code.as_str())];
    params.extend(back.iter().copied());
    let mut response = client_redirect(&pending.redirect_uri, &params, site.base_url);
    response.headers_mut().append(header::SET_COOKIE, cookies::set(cookies::FLOW, "", 0, secure));
    response
}

/// The OpenID Connect half of the callback: RFC 9207's `iss` (when sent), the code exchange,
/// the ID token and the admission rules. With `OIDC_REFRESH_GROUPS`, also the provider's
/// refresh token, for the groups to be read again at each refresh.
async fn oidc_sign_in<P: Platform>(
    site: &Site<'_, P>,
    settings: &OidcSettings,
    code: &str,
    iss: &str,
    verifier: &str,
    nonce: &str,
) -> Result<(UserInfo, Option<String>), SignInError> {
    let discovery = upstream::discover(site, settings).await?;
    // Entra ID's multi-tenant issuers name the person's tenant here, checked with the token.
    let templated = discovery.issuer.contains("{tenantid}");
    if !iss.is_empty() && !templated && iss.trim_end_matches('/') != discovery.issuer.trim_end_matches('/') {
        return Err(UpstreamError::ForeignIssuer.into());
    }
    let exchanged = upstream::exchange(site, settings, &discovery, TokenGrant::Code { code, verifier }).await?;
    let claims = upstream::verify_id_token(site, settings, &discovery, &exchanged.id_token, Some(nonce)).await?;
    let user = upstream::admit(settings, &claims)?;
    Ok((user, exchanged.refresh_token.filter(|_| settings.refresh_groups)))
}
