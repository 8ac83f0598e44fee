//! Who the OAuth clients are: Dynamic Client Registration (RFC 7591) at `/register`, Client ID
//! Metadata Documents (a `client_id` that is an https URL), and client authentication at the
//! token and revocation endpoints.
//!
//! A registration is not stored: the client id is the registration itself, signed
//! (`spd1.<metadata>.<mac>`), and a confidential client's secret is a MAC of its id. So
//! `/register` writes nothing and cannot be used to fill storage or exhaust a write quota, and
//! no secret exists anywhere but in the client. A registration nobody has signed in with for
//! [`UNUSED_REGISTRATION_DAYS`] stops working; each sign-in is remembered in the ledger's
//! clients shard (one row per sign-in, written only after a successful login).

mod metadata_document;

use metadata_document::metadata_document;
pub use metadata_document::{
    DEFAULT_METADATA_DOCUMENT_CACHE_SECONDS, MAX_CACHED_METADATA_DOCUMENTS, MAX_METADATA_CLIENT_ID_LENGTH,
    MAX_METADATA_DOCUMENT_BYTES, MAX_METADATA_DOCUMENT_CACHE_SECONDS, METADATA_DOCUMENT_TIMEOUT_MS,
};

use super::ledger::{ClientLastUsed, TouchClient};
use super::{signed, OAuthError, Site, CLIENTS_SHARD};
use crate::keys::Purpose;
use crate::ports::{HttpRequest, HttpResponse, Platform};
use crate::web::IntoResponse;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use http::{header, StatusCode};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use url::Url;

/// Prefix of registered client ids.
pub const REGISTRATION_PREFIX: &str = "spd1";
/// A registration with no sign-in for this long stops working.
pub const UNUSED_REGISTRATION_DAYS: u64 = 90;
/// Largest registration request accepted.
pub const MAX_REGISTRATION_BYTES: usize = 16 << 10;
const MAX_REDIRECT_URIS: usize = 10;
const MAX_URI_LENGTH: usize = 1_000;
const MAX_NAME_LENGTH: usize = 100;

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public client (PKCE only).
    None,
    /// `client_secret` in the form body.
    ClientSecretPost,
    /// HTTP Basic.
    ClientSecretBasic,
}

/// A client the connector knows: registered here, or described by a metadata document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The client id as the client presents it.
    pub id: String,
    /// Its display name, shown on the consent page.
    pub name: Option<String>,
    /// Where it may be sent back to (compared exactly).
    pub redirect_uris: Vec<String>,
    /// How it authenticates at the token endpoint.
    pub auth: AuthMethod,
    /// When it registered (seconds), for registered clients.
    pub issued_at: Option<u64>,
}

/// The signed contents of a registered client id.
#[derive(Debug, Serialize, Deserialize)]
struct Registration {
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "r")]
    redirect_uris: Vec<String>,
    #[serde(rename = "m")]
    auth: AuthMethod,
    #[serde(rename = "t")]
    issued_at: u64,
    /// Random, so that two identical registrations get different ids (and secrets).
    #[serde(rename = "x")]
    nonce: String,
}

/// The registration request fields the connector uses (RFC 7591 §2); others are ignored.
#[derive(Debug, Deserialize)]
struct RegistrationRequest {
    #[serde(default)]
    redirect_uris: Vec<String>,
    client_name: Option<String>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
}

fn registration_error(error: &'static str, description: impl Into<String>) -> OAuthError {
    OAuthError::bad(error, description)
}

/// `POST /register`.
pub async fn register<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    register_client(site, request).into_response()
}

fn register_client<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> Result<HttpResponse, OAuthError> {
    if request.body().len() > MAX_REGISTRATION_BYTES {
        return Err(OAuthError::invalid_request(format!(
            "a registration may be at most {MAX_REGISTRATION_BYTES} bytes"
        )));
    }
    let body: RegistrationRequest = serde_json::from_slice(request.body()).map_err(|e| {
        registration_error("invalid_client_metadata", format!("the registration is not valid JSON: {e}"))
    })?;
    if body.redirect_uris.is_empty() || body.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(registration_error(
            "invalid_redirect_uri",
            format!("give from 1 to {MAX_REDIRECT_URIS} redirect_uris"),
        ));
    }
    for uri in &body.redirect_uris {
        check_redirect_uri(uri).map_err(|problem| registration_error("invalid_redirect_uri", problem))?;
    }
    let auth = match body.token_endpoint_auth_method.as_deref() {
        Some("none") => AuthMethod::None,
        Some("client_secret_post") => AuthMethod::ClientSecretPost,
        // RFC 7591 §2: the default is client_secret_basic.
        Some("client_secret_basic") | None => AuthMethod::ClientSecretBasic,
        Some(other) => {
            return Err(registration_error(
                "invalid_client_metadata",
                format!("token_endpoint_auth_method {other} is not supported; use none, client_secret_post or client_secret_basic"),
            ))
        }
    };
    if let Some(types) = &body.grant_types {
        if let Some(other) = types.iter().find(|t| !matches!(t.as_str(), "authorization_code" | "refresh_token")) {
            return Err(registration_error("invalid_client_metadata", format!("grant type {other} is not supported")));
        }
    }
    if let Some(types) = &body.response_types {
        if types.iter().any(|t| t != "code") {
            return Err(registration_error("invalid_client_metadata", "only the response type code is supported"));
        }
    }
    let name = body.client_name.map(|n| n.chars().filter(|c| !c.is_control()).take(MAX_NAME_LENGTH).collect());
    let registration = Registration {
        name,
        redirect_uris: body.redirect_uris,
        auth,
        issued_at: site.now_seconds(),
        nonce: site.random_token(9)?,
    };
    let client_id = signed::seal(&site.config.keys, Purpose::ClientRegistration, REGISTRATION_PREFIX, &registration);
    let mut answer = serde_json::json!({
        "client_id": client_id,
        "client_id_issued_at": registration.issued_at,
        "redirect_uris": registration.redirect_uris,
        "token_endpoint_auth_method": auth,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some(name) = &registration.name {
        answer["client_name"] = name.clone().into();
    }
    if auth != AuthMethod::None {
        answer["client_secret"] = secret_for(site, &client_id).into();
        answer["client_secret_expires_at"] = 0.into();
    }
    let mut response = crate::web::json(StatusCode::CREATED, &answer);
    crate::web::no_store(&mut response);
    Ok(response)
}

/// A confidential client's secret: a MAC of its id, so it never needs storing.
fn secret_for<P: Platform>(site: &Site<'_, P>, client_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(site.config.keys.sign(Purpose::ClientSecret, &[client_id.as_bytes()]))
}

/// A short, stable key for a client id (the clients shard's record key, the consent cookie).
pub fn client_key(client_id: &str) -> String {
    super::hash_hex(client_id)[..32].to_string()
}

/// Checks a redirect URI: https, or http on a loopback host; no fragment.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_URI_LENGTH {
        return Err(format!("redirect URI longer than {MAX_URI_LENGTH} characters"));
    }
    let url = Url::parse(uri).map_err(|e| format!("redirect URI {uri} is not a URL ({e})"))?;
    if url.fragment().is_some() {
        return Err(format!("redirect URI {uri} must not have a fragment"));
    }
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!("redirect URI {uri} must use https (http only on a loopback host)")),
    }
}

/// Finds the client named by `client_id`: checks a registration's signature and age, or fetches
/// a metadata document.
pub async fn resolve<P: Platform>(site: &Site<'_, P>, client_id: &str) -> Result<Client, OAuthError> {
    if client_id.starts_with("https://") {
        return metadata_document(site, client_id).await;
    }
    let registration: Registration =
        signed::open(&site.config.keys, Purpose::ClientRegistration, REGISTRATION_PREFIX, client_id).map_err(|_| {
            OAuthError::invalid_client("unknown client_id; register again at the registration endpoint")
        })?;
    Ok(Client {
        id: client_id.to_string(),
        name: registration.name,
        redirect_uris: registration.redirect_uris,
        auth: registration.auth,
        issued_at: Some(registration.issued_at),
    })
}

/// Whether a registered client may start a new sign-in: registered within the last
/// [`UNUSED_REGISTRATION_DAYS`], or signed someone in within them.
pub async fn still_registered<P: Platform>(site: &Site<'_, P>, client: &Client) -> Result<bool, OAuthError> {
    let Some(issued_at) = client.issued_at else { return Ok(true) };
    let window = UNUSED_REGISTRATION_DAYS * 86_400;
    if site.now_seconds() < issued_at + window {
        return Ok(true);
    }
    // Remembered for ten minutes per isolate, so repeated requests with an old registration
    // cost one Durable Object read, not one each.
    let key = client_key(&client.id);
    let now = site.platform.now_ms();
    if let Some(known) =
        LAST_USED_CHECKS.with(|c| c.borrow().get(&key).filter(|(_, until)| *until > now).map(|(ok, _)| *ok))
    {
        return Ok(known);
    }
    let used = site.ledger(CLIENTS_SHARD, ClientLastUsed { client_key: key.clone(), now }).await?.is_some();
    LAST_USED_CHECKS.with(|c| {
        let mut checks = c.borrow_mut();
        checks.retain(|_, (_, until)| *until > now);
        checks.insert(key, (used, now + 600_000));
    });
    Ok(used)
}

thread_local! {
    /// Whether an old registration was used recently, per client key, until when (ms).
    static LAST_USED_CHECKS: RefCell<HashMap<String, (bool, u64)>> = RefCell::new(HashMap::new());
}

/// Notes a successful sign-in by `client` (keeps its registration alive).
pub async fn touch<P: Platform>(site: &Site<'_, P>, client: &Client) -> Result<(), OAuthError> {
    if client.issued_at.is_some() {
        site.ledger(CLIENTS_SHARD, TouchClient { client_key: client_key(&client.id), now: site.platform.now_ms() })
            .await?;
    }
    Ok(())
}

/// Authenticates the client of a token or revocation request: HTTP Basic or form credentials
/// for confidential clients, none for public ones.
pub async fn authenticate<P: Platform>(
    site: &Site<'_, P>,
    request: &HttpRequest,
    form: &HashMap<String, String>,
) -> Result<Client, OAuthError> {
    let basic = match request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        Some(value) if value.len() > 6 && value[..6].eq_ignore_ascii_case("basic ") => {
            let decoded = STANDARD
                .decode(value[6..].trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| OAuthError::invalid_client("the Basic credentials are not valid base64"))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| OAuthError::invalid_client("Basic credentials need id:secret"))?;
            let decode =
                |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
            Some((decode(id).unwrap_or_default(), decode(secret).unwrap_or_default()))
        }
        _ => None,
    };
    if basic.is_some() && form.contains_key("client_secret") {
        return Err(OAuthError::invalid_request("send client credentials one way only"));
    }
    let (client_id, secret) = match basic {
        Some((id, secret)) => {
            if form.get("client_id").is_some_and(|form_id| *form_id != id) {
                return Err(OAuthError::invalid_client("client_id differs from the Basic credentials"));
            }
            (id, Some(secret))
        }
        None => (
            form.get("client_id").cloned().ok_or_else(|| OAuthError::invalid_client("client_id is required"))?,
            form.get("client_secret").cloned(),
        ),
    };
    let client = resolve(site, &client_id).await?;
    match (client.auth, secret) {
        (AuthMethod::None, None) => Ok(client),
        (AuthMethod::None, Some(_)) => Err(OAuthError::invalid_client("this public client has no secret; send none")),
        (_, None) => Err(OAuthError::invalid_client("this client must authenticate with its client_secret")),
        (_, Some(secret)) => {
            let presented = URL_SAFE_NO_PAD.decode(secret.as_bytes()).unwrap_or_default();
            if site.config.keys.verify(Purpose::ClientSecret, &[client.id.as_bytes()], &presented) {
                Ok(client)
            } else {
                Err(OAuthError::invalid_client("wrong client_secret"))
            }
        }
    }
}

#[cfg(test)]
mod tests;
