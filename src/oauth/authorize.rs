//! `/authorize`: validates the client's request, asks the person to consent (once per browser
//! and client) and, when several are configured, which identity provider to sign in with, and
//! sends them there.
//!
//! Nothing is stored here. The pending authorization travels signed: in the consent form, then
//! inside the upstream `state`. The state's random part is also put in a cookie, so the
//! callback only completes in the browser that started, and it derives the upstream PKCE
//! verifier and nonce, which therefore never appear anywhere.

use super::clients::{self, Client};
use super::cookies;
use super::pages::{self, Choice, Consent};
use super::upstream;
use super::{pairs, resource_for, signed, OAuthError, Site};
use crate::config::SignInProvider;
use crate::keys::Purpose;
use crate::ports::{HttpRequest, HttpResponse, Platform};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::{header, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

/// How long a person has from the client's request to finishing the sign-in.
pub const PENDING_SECONDS: u64 = 600;
/// How long a browser remembers approving a client.
pub const CONSENT_DAYS: u64 = 90;
/// How many approved clients a browser remembers.
const CONSENT_ENTRIES: usize = 20;
const FORM_PREFIX: &str = "spq1";
/// Prefix of the upstream `state`.
pub const STATE_PREFIX: &str = "sps1";
const CONSENT_PREFIX: &str = "spk1";

/// An authorization request that passed validation, waiting for consent and sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// The client.
    #[serde(rename = "c")]
    pub client_id: String,
    /// Its exact redirect URI.
    #[serde(rename = "r")]
    pub redirect_uri: String,
    /// Its PKCE S256 challenge.
    #[serde(rename = "h")]
    pub code_challenge: String,
    /// Its `state`, returned untouched.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The resource the token will be for.
    #[serde(rename = "a")]
    pub resource: String,
    /// The client's name for pages.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// When it stops being usable (seconds).
    #[serde(rename = "e")]
    pub expires: u64,
}

/// The upstream `state`: the pending authorization plus the flow's random part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpstreamState {
    /// The pending authorization.
    #[serde(rename = "p")]
    pub pending: PendingAuthorization,
    /// Random; also in the flow cookie; derives the upstream PKCE verifier and nonce.
    #[serde(rename = "f")]
    pub flow: String,
    /// When it expires (seconds).
    #[serde(rename = "e")]
    pub expires: u64,
    /// The provider the person chose (its `SIGN_IN_PROVIDERS` key); empty in states issued
    /// before there could be several, which meant the OpenID provider.
    #[serde(rename = "v", default)]
    pub provider: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ApprovedClients {
    /// (client key, until seconds)
    #[serde(rename = "a")]
    approved: Vec<(String, u64)>,
}

/// What went wrong with an authorization request.
enum Problem {
    /// Cannot be sent back (unknown client, redirect URI not registered): shown to the person.
    Fatal(StatusCode, String),
    /// Sent back to the client's redirect URI as an OAuth error: the redirect response.
    Redirect(HttpResponse),
}

/// The upstream PKCE verifier and nonce of a flow: MACs of its random part.
pub fn flow_secrets(site: &Site<'_, impl Platform>, flow: &str) -> (String, String) {
    let keys = &site.config.keys;
    let verifier = URL_SAFE_NO_PAD.encode(keys.sign(Purpose::UpstreamSecrets, &[b"pkce", flow.as_bytes()]));
    let nonce = URL_SAFE_NO_PAD.encode(keys.sign(Purpose::UpstreamSecrets, &[b"nonce", flow.as_bytes()]));
    (verifier, nonce)
}

/// The client's redirect URI with OAuth response parameters (and RFC 9207's `iss`) added.
pub fn client_redirect(redirect_uri: &str, params: &[(&str, &str)], issuer: &str) -> HttpResponse {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return pages::error(StatusCode::BAD_REQUEST, "Invalid redirect", "The redirect URI is not a URL."),
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
        query.append_pair("iss", issuer);
    }
    crate::web::redirect(StatusCode::FOUND, url.as_str())
}

fn redirect_error(pending: &PendingAuthorization, error: &OAuthError, issuer: &str) -> HttpResponse {
    let mut params = vec![("error", error.error), ("error_description", error.description.as_str())];
    if let Some(state) = &pending.state {
        params.push(("state", state));
    }
    client_redirect(&pending.redirect_uri, &params, issuer)
}

/// `GET /authorize`.
pub async fn show<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    let pending = match validate(site, request.uri().query().unwrap_or("")).await {
        Ok(pending) => pending,
        Err(Problem::Fatal(status, message)) => {
            return pages::error(status, "This sign-in request cannot be used", &message)
        }
        Err(Problem::Redirect(response)) => return response,
    };
    let approved = approved_clients(site, request);
    let key = approval_key(&pending.client_id, &pending.redirect_uri);
    let remembered = approved.approved.iter().any(|(k, _)| *k == key);
    match site.config.sign_in.providers.as_slice() {
        [only] if remembered => to_upstream(site, pending, only, Vec::new()).await,
        _ => consent_page(site, request, &pending, remembered),
    }
}

/// The consent page; with several providers it is also where the person chooses one (and
/// only that, when they approved this client before).
fn consent_page<P: Platform>(
    site: &Site<'_, P>,
    request: &HttpRequest,
    pending: &PendingAuthorization,
    remembered: bool,
) -> HttpResponse {
    let secure = site.secure();
    let (browser, new_cookie) = match cookies::get(request, cookies::CSRF, secure).filter(|c| c.len() >= 16) {
        Some(existing) => (existing, false),
        None => match site.random_token(18) {
            Ok(token) => (token, true),
            Err(e) => return pages::error(StatusCode::SERVICE_UNAVAILABLE, "Try again", &e.description),
        },
    };
    let form = signed::seal(&site.config.keys, Purpose::ConsentForm, FORM_PREFIX, pending);
    let csrf =
        URL_SAFE_NO_PAD.encode(site.config.keys.sign(Purpose::ConsentForm, &[form.as_bytes(), browser.as_bytes()]));
    let providers: Vec<Choice> = site
        .config
        .sign_in
        .providers
        .iter()
        .map(|p| Choice { key: p.key(), label: p.label(), location: p.location() })
        .collect();
    let host_of = |url: &str| url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string));
    let published_by = pending.client_id.starts_with("https://").then(|| host_of(&pending.client_id)).flatten();
    let redirect_host = host_of(&pending.redirect_uri).unwrap_or_else(|| pending.redirect_uri.clone());
    let mut response = pages::consent(&Consent {
        client_name: pending.client_name.as_deref().unwrap_or("An unnamed application"),
        published_by: published_by.as_deref(),
        redirect_host: &redirect_host,
        redirect_uri: &pending.redirect_uri,
        providers: &providers,
        remembered,
        request: &form,
        csrf: &csrf,
    });
    if new_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookies::set(cookies::CSRF, &browser, PENDING_SECONDS, secure));
    }
    response
}

/// `POST /authorize`: the consent form's answer.
pub async fn decide<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    let refuse = |message: &str| pages::error(StatusCode::FORBIDDEN, "This consent form cannot be used", message);
    if let Some(origin) = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin != site.base_url {
            return refuse("It was submitted from another site.");
        }
    }
    let Ok(form) = super::form(request) else {
        return refuse("It arrived without its fields; go back to the application and connect again.");
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let Ok(pending) =
        signed::open::<PendingAuthorization>(&site.config.keys, Purpose::ConsentForm, FORM_PREFIX, field("request"))
    else {
        return refuse("It was altered or is not from this connector; go back to the application and connect again.");
    };
    if pending.expires <= site.now_seconds() {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "This consent form has expired",
            "Go back to the application and connect again.",
        );
    }
    let browser = cookies::get(request, cookies::CSRF, site.secure()).unwrap_or_default();
    let csrf = URL_SAFE_NO_PAD.decode(field("csrf")).unwrap_or_default();
    if browser.is_empty()
        || !site.config.keys.verify(Purpose::ConsentForm, &[field("request").as_bytes(), browser.as_bytes()], &csrf)
    {
        return refuse(
            "It was not opened in this browser (or cookies are blocked); go back to the application and connect again.",
        );
    }
    let providers = &site.config.sign_in.providers;
    let chosen = match field("decision").split_once(':') {
        None if field("decision") == "allow" => providers.first(),
        Some(("allow", key)) => site.config.sign_in.get(key),
        _ => return redirect_error(&pending, &OAuthError::bad("access_denied", "the user declined"), site.base_url),
    };
    let Some(provider) = chosen else {
        return refuse(
            "It chose a sign-in provider this connector does not offer; go back to the application and connect again.",
        );
    };
    let cookie = remember_approval(site, request, &approval_key(&pending.client_id, &pending.redirect_uri));
    to_upstream(site, pending, provider, vec![cookie]).await
}

/// Validates `GET /authorize`'s query (RFC 6749 §4.1.1 with OAuth 2.1's required PKCE).
async fn validate<P: Platform>(site: &Site<'_, P>, query: &str) -> Result<PendingAuthorization, Problem> {
    let params = pairs(query.as_bytes()).map_err(|e| Problem::Fatal(StatusCode::BAD_REQUEST, e.description))?;
    let get = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id").ok_or_else(|| {
        Problem::Fatal(StatusCode::BAD_REQUEST, "The request names no client (client_id is missing).".into())
    })?;
    let client: Client = clients::resolve(site, client_id).await.map_err(|e| {
        Problem::Fatal(
            StatusCode::BAD_REQUEST,
            format!("The application is not known to this connector: {}", e.description),
        )
    })?;
    let redirect_uri = match (get("redirect_uri"), client.redirect_uris.as_slice()) {
        (Some(uri), registered) if registered.iter().any(|r| r == uri) => uri.to_string(),
        (Some(uri), _) => {
            return Err(Problem::Fatal(
                StatusCode::BAD_REQUEST,
                format!("The redirect URI {uri} is not one the application registered."),
            ))
        }
        (None, [only]) => only.clone(),
        (None, _) => return Err(Problem::Fatal(StatusCode::BAD_REQUEST, "The request has no redirect_uri.".into())),
    };
    match clients::still_registered(site, &client).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(Problem::Fatal(
                StatusCode::BAD_REQUEST,
                format!(
                    "The application's registration expired after {} days without use; it must register again.",
                    clients::UNUSED_REGISTRATION_DAYS
                ),
            ))
        }
        Err(e) => return Err(Problem::Fatal(StatusCode::SERVICE_UNAVAILABLE, e.description)),
    }
    let state = get("state").map(str::to_string);
    let mut pending = PendingAuthorization {
        client_id: client.id.clone(),
        redirect_uri,
        code_challenge: String::new(),
        state,
        resource: site.base_url.to_string(),
        client_name: client.name.clone(),
        expires: site.now_seconds() + PENDING_SECONDS,
    };
    let fail = |error: OAuthError, pending: &PendingAuthorization| {
        Problem::Redirect(redirect_error(pending, &error, site.base_url))
    };
    if pending.state.as_ref().is_some_and(|s| s.len() > 1_000) {
        pending.state = None;
        return Err(fail(OAuthError::invalid_request("state is longer than 1000 characters"), &pending));
    }
    if get("response_type") != Some("code") {
        return Err(fail(OAuthError::bad("unsupported_response_type", "response_type must be code"), &pending));
    }
    let challenge = get("code_challenge").unwrap_or("");
    if challenge.is_empty() {
        return Err(fail(
            OAuthError::invalid_request("PKCE is required: send code_challenge with code_challenge_method=S256"),
            &pending,
        ));
    }
    if get("code_challenge_method") != Some("S256") {
        return Err(fail(
            OAuthError::invalid_request("code_challenge_method must be S256 (plain is not accepted)"),
            &pending,
        ));
    }
    if challenge.len() != 43 || !challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(fail(
            OAuthError::invalid_request("code_challenge must be a base64url SHA-256 (43 characters)"),
            &pending,
        ));
    }
    pending.code_challenge = challenge.to_string();
    pending.resource = resource_for(site.base_url, get("resource")).map_err(|e| fail(e, &pending))?;
    Ok(pending)
}

/// Sends the browser to the chosen identity provider with a fresh flow.
pub(crate) async fn to_upstream<P: Platform>(
    site: &Site<'_, P>,
    pending: PendingAuthorization,
    provider: &SignInProvider,
    mut set_cookies: Vec<HeaderValue>,
) -> HttpResponse {
    let flow = match site.random_token(18) {
        Ok(flow) => flow,
        Err(e) => return pages::error(StatusCode::SERVICE_UNAVAILABLE, "Try again", &e.description),
    };
    let (verifier, nonce) = flow_secrets(site, &flow);
    let state = UpstreamState {
        pending,
        flow: flow.clone(),
        expires: site.now_seconds() + PENDING_SECONDS,
        provider: provider.key().to_string(),
    };
    let state = signed::seal(&site.config.keys, Purpose::UpstreamState, STATE_PREFIX, &state);
    let redirect_uri = format!("{}/callback", site.base_url);
    let challenge = super::s256(&verifier);
    let location = match provider {
        SignInProvider::Oidc(settings) => {
            let discovery = match upstream::discover(site, settings).await {
                Ok(discovery) => discovery,
                Err(e) => {
                    return pages::error(
                        StatusCode::BAD_GATEWAY,
                        "The identity provider is unavailable",
                        &e.to_string(),
                    )
                }
            };
            upstream::authorization_url(settings, &discovery, &redirect_uri, &state, &nonce, &challenge)
        }
        SignInProvider::GitHub(settings) => {
            upstream::github::authorization_url(settings, &redirect_uri, &state, &challenge)
        }
    };
    let mut response = crate::web::redirect(StatusCode::FOUND, &location);
    set_cookies.push(cookies::set(cookies::FLOW, &flow, PENDING_SECONDS, site.secure()));
    for cookie in set_cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn approved_clients<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> ApprovedClients {
    let now = site.now_seconds();
    cookies::get(request, cookies::CONSENT, site.secure())
        .and_then(|value| {
            signed::open::<ApprovedClients>(&site.config.keys, Purpose::ConsentCookie, CONSENT_PREFIX, &value).ok()
        })
        .map(|mut list| {
            list.approved.retain(|(_, until)| *until > now);
            list
        })
        .unwrap_or_default()
}

/// What an approval is remembered by: the client and the redirect URI together, so that a client
/// registered with several redirect URIs and approved for one is asked again for another.
fn approval_key(client_id: &str, redirect_uri: &str) -> String {
    clients::client_key(&format!("{client_id}\n{redirect_uri}"))
}

fn remember_approval<P: Platform>(site: &Site<'_, P>, request: &HttpRequest, key: &str) -> HeaderValue {
    let mut list = approved_clients(site, request);
    let key = key.to_string();
    list.approved.retain(|(k, _)| *k != key);
    list.approved.push((key, site.now_seconds() + CONSENT_DAYS * 86_400));
    let excess = list.approved.len().saturating_sub(CONSENT_ENTRIES);
    list.approved.drain(..excess);
    let value = signed::seal(&site.config.keys, Purpose::ConsentCookie, CONSENT_PREFIX, &list);
    cookies::set(cookies::CONSENT, &value, CONSENT_DAYS * 86_400, site.secure())
}
