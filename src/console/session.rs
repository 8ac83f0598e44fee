//! The admin console's sign-in: the connector's own sign-in flow (the same identity providers,
//! admission rules and ledger), ending in a session cookie instead of a code for a client.
//!
//! `/admin/sign-in` sends the browser to the identity provider with a pending authorization for
//! [`CLIENT_ID`], a client id no registration or metadata document can have, so no one else can
//! start or finish a flow as the console. The callback recognises it and calls [`start`]: the
//! code is issued and redeemed at once in the person's ledger shard, and the grant it makes is
//! the session. The cookie (`__Host-` over https, HttpOnly, `SameSite=Lax`) carries the grant,
//! signed; each page reads the grant, so a revocation ends the session on the next page. Every
//! form carries a CSRF token that is a MAC of the cookie, and is refused from another origin.

use crate::identity::UserInfo;
use crate::keys::Purpose;
use crate::oauth::authorize::{self, PendingAuthorization, PENDING_SECONDS};
use crate::oauth::cookies;
use crate::oauth::ledger::{self, CheckGrant, IssueCode, PendingCode, RedeemCode, RevokeGrant, CODE_LIFETIME_MS};
use crate::oauth::{code, hash_hex, pages, s256, shard_of, signed, Site};
use crate::ports::{HttpRequest, HttpResponse, Platform};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::{header, StatusCode};
use serde::{Deserialize, Serialize};

/// The console's client id in the ledger: not a URL and not a signed registration, so
/// `/authorize` and `/token` never accept it.
pub const CLIENT_ID: &str = "skillport:admin-console";
/// The session cookie's base name.
pub const COOKIE: &str = "skillport_console";
/// How long a console session lasts.
pub const SESSION_SECONDS: u64 = 8 * 3_600;
const SESSION_PREFIX: &str = "spn1";

/// What the session cookie says.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionClaims {
    #[serde(rename = "s")]
    shard: String,
    #[serde(rename = "g")]
    grant: String,
    #[serde(rename = "e")]
    expires: u64,
}

/// A signed-in visitor of the console (an editor or not: the pages decide).
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Who, as at their sign-in.
    pub user: UserInfo,
    /// The session's CSRF token, for every form.
    pub csrf: String,
    shard: String,
    grant: String,
    cookie: String,
}

/// Why there is no session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// No cookie, or one this connector did not sign, or an expired one: sign in.
    #[error("sign in to use the admin console")]
    Missing,
    /// The session's grant has ended (signed out, or revoked by an editor).
    #[error("this session has ended ({0}); sign in again")]
    Ended(String),
    /// The sign-in storage could not be asked.
    #[error("sign-in storage is unavailable; reload the page in a moment")]
    Unavailable,
}

/// The pending authorization of a console sign-in.
fn pending(site: &Site<'_, impl Platform>) -> PendingAuthorization {
    PendingAuthorization {
        client_id: CLIENT_ID.to_string(),
        redirect_uri: format!("{}/admin", site.base_url),
        code_challenge: String::new(),
        state: None,
        resource: format!("{}/admin", site.base_url),
        client_name: Some("Skillport admin console".into()),
        expires: site.now_seconds() + PENDING_SECONDS,
    }
}

/// `GET /admin/sign-in[?provider=<key>]`: to the identity provider (the only one, or the one
/// chosen on the sign-in page).
pub async fn sign_in<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    let query = crate::oauth::pairs(request.uri().query().unwrap_or("").as_bytes()).unwrap_or_default();
    let providers = &site.config.sign_in.providers;
    let chosen = match query.get("provider") {
        Some(key) => site.config.sign_in.get(key),
        None if providers.len() == 1 => providers.first(),
        None => None,
    };
    match chosen {
        Some(provider) => authorize::to_upstream(site, pending(site), provider, Vec::new()).await,
        None => super::pages::sign_in(site, None),
    }
}

/// Called by `/callback` for a console sign-in, once the person is admitted: the session's
/// grant is made (a code issued and redeemed in one go) and the cookie set.
pub async fn start<P: Platform>(site: &Site<'_, P>, user: UserInfo, flow: &str) -> HttpResponse {
    let unavailable = |e: crate::oauth::OAuthError| {
        pages::error(StatusCode::SERVICE_UNAVAILABLE, "Sign-in storage is unavailable", &e.description)
    };
    let shard = shard_of(&user.id);
    let (secret, verifier, grant_id) = match (site.random_token(32), site.random_token(32), site.random_token(16)) {
        (Ok(secret), Ok(verifier), Ok(grant)) => (secret, verifier, grant),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return unavailable(e),
    };
    let code = code::issue(&site.config.keys, &shard, &secret);
    let now = site.platform.now_ms();
    let target = pending(site);
    let issue = IssueCode {
        state_hash: hash_hex(flow),
        code_hash: hash_hex(&code),
        code: PendingCode {
            user: user.clone(),
            client_id: CLIENT_ID.to_string(),
            redirect_uri: target.redirect_uri.clone(),
            code_challenge: s256(&verifier),
            resource: target.resource.clone(),
            expires_at: now + CODE_LIFETIME_MS,
            redeemed_by: None,
            upstream_refresh: None,
        },
        now,
    };
    match site.ledger(&shard, issue).await {
        Ok(Ok(())) => {}
        Ok(Err(refusal)) => {
            return pages::error(StatusCode::BAD_REQUEST, "This sign-in cannot be completed", &refusal.to_string())
        }
        Err(e) => return unavailable(e),
    }
    let redeem = RedeemCode {
        code_hash: hash_hex(&code),
        verifier_challenge: s256(&verifier),
        client_id: CLIENT_ID.to_string(),
        redirect_uri: target.redirect_uri,
        grant_id,
        grant_lifetime_ms: SESSION_SECONDS * 1000,
        now,
    };
    let grant = match site.ledger(&shard, redeem).await {
        Ok(Ok(grant)) => grant,
        Ok(Err(refusal)) => {
            return pages::error(StatusCode::BAD_REQUEST, "This sign-in cannot be completed", &refusal.to_string())
        }
        Err(e) => return unavailable(e),
    };
    crate::usage::record_seen(site.platform, site.config, &user, true).await;
    let claims = SessionClaims { shard, grant: grant.id, expires: site.now_seconds() + SESSION_SECONDS };
    let cookie = signed::seal(&site.config.keys, Purpose::ConsoleSession, SESSION_PREFIX, &claims);
    let secure = site.secure();
    let mut response = see_other("/admin");
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookies::set(COOKIE, &cookie, SESSION_SECONDS, secure));
    headers.append(header::SET_COOKIE, cookies::set(cookies::FLOW, "", 0, secure));
    response
}

/// The session of `request`, checked against its grant (one ledger read).
pub async fn open<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> Result<Viewer, SessionError> {
    let cookie = cookies::get(request, COOKIE, site.secure()).ok_or(SessionError::Missing)?;
    let claims: SessionClaims = signed::open(&site.config.keys, Purpose::ConsoleSession, SESSION_PREFIX, &cookie)
        .map_err(|_| SessionError::Missing)?;
    if claims.expires <= site.now_seconds() {
        return Err(SessionError::Missing);
    }
    let command = CheckGrant { grant_id: claims.grant.clone(), now: site.platform.now_ms() };
    let grant = match ledger::call(site.platform, &claims.shard, command).await {
        Ok(Ok(grant)) if grant.client_id == CLIENT_ID => grant,
        Ok(Ok(_)) => return Err(SessionError::Missing),
        Ok(Err(refusal)) => return Err(SessionError::Ended(refusal.to_string())),
        Err(_) => return Err(SessionError::Unavailable),
    };
    let csrf = URL_SAFE_NO_PAD.encode(site.config.keys.sign(Purpose::ConsoleForm, &[cookie.as_bytes()]));
    Ok(Viewer { user: grant.user, csrf, shard: claims.shard, grant: claims.grant, cookie })
}

/// Whether a form posted in this session is its own: sent from the connector's origin (when the
/// browser says) with the session's CSRF token.
pub fn form_is_genuine(site: &Site<'_, impl Platform>, viewer: &Viewer, request: &HttpRequest, token: &str) -> bool {
    let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if origin.is_some_and(|origin| origin != site.base_url) {
        return false;
    }
    let token = URL_SAFE_NO_PAD.decode(token).unwrap_or_default();
    site.config.keys.verify(Purpose::ConsoleForm, &[viewer.cookie.as_bytes()], &token)
}

/// `POST /admin/sign-out` (its form checked by the caller): the session's grant ended, the
/// cookie cleared.
pub async fn sign_out<P: Platform>(site: &Site<'_, P>, viewer: &Viewer) -> HttpResponse {
    let command = RevokeGrant { grant_id: viewer.grant.clone(), client_id: CLIENT_ID.to_string() };
    if let Err(e) = site.ledger(&viewer.shard, command).await {
        return pages::error(StatusCode::SERVICE_UNAVAILABLE, "Sign-in storage is unavailable", &e.description);
    }
    let mut response = see_other("/");
    response.headers_mut().append(header::SET_COOKIE, cookies::set(COOKIE, "", 0, site.secure()));
    response
}

/// A `303 See Other` to `location` (after a form, the browser then GETs it).
pub fn see_other(location: &str) -> HttpResponse {
    crate::web::redirect(StatusCode::SEE_OTHER, location)
}
