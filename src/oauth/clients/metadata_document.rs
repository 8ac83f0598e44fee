//! Client ID Metadata Documents: a `client_id` that is an https URL names a JSON document
//! describing the client, which the connector fetches (bounded in size and time), validates and
//! caches per isolate, within limits, as its `Cache-Control` allows.

use super::{check_redirect_uri, AuthMethod, Client, MAX_NAME_LENGTH, MAX_REDIRECT_URIS};
use crate::oauth::{OAuthError, Site};
use crate::ports::{FetchError, Limits, Platform};
use http::{header, HeaderValue, StatusCode};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashMap;
use url::{Host, Url};

/// Largest Client ID Metadata Document accepted.
pub const MAX_METADATA_DOCUMENT_BYTES: usize = 10 << 10;
/// Longest wait for a Client ID Metadata Document.
pub const METADATA_DOCUMENT_TIMEOUT_MS: u64 = 5_000;
/// Longest a Client ID Metadata Document is cached, whatever its `Cache-Control` says.
pub const MAX_METADATA_DOCUMENT_CACHE_SECONDS: u64 = 86_400;
/// How long a Client ID Metadata Document is cached when it says nothing.
pub const DEFAULT_METADATA_DOCUMENT_CACHE_SECONDS: u64 = 300;
/// The longest metadata-document client id: ids travel in every authorization request and in
/// signed codes and tokens.
pub const MAX_METADATA_CLIENT_ID_LENGTH: usize = 512;
/// Metadata documents an isolate keeps at most; beyond it the one that goes stale first makes
/// room, so a script registering endless ids cannot grow the isolate's memory.
pub const MAX_CACHED_METADATA_DOCUMENTS: usize = 256;

/// A Client ID Metadata Document's fields the connector uses.
#[derive(Debug, Deserialize)]
struct MetadataDocument {
    client_id: String,
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    token_endpoint_auth_method: Option<String>,
    client_secret: Option<serde_json::Value>,
}

thread_local! {
    /// Metadata documents fetched by this isolate, with when each stops being fresh (ms).
    static DOCUMENTS: RefCell<HashMap<String, (Client, u64)>> = RefCell::new(HashMap::new());
}

/// Fetches, validates and caches a Client ID Metadata Document.
pub(super) async fn metadata_document<P: Platform>(site: &Site<'_, P>, client_id: &str) -> Result<Client, OAuthError> {
    let now = site.platform.now_ms();
    if let Some(client) =
        DOCUMENTS.with(|d| d.borrow().get(client_id).filter(|(_, until)| *until > now).map(|(c, _)| c.clone()))
    {
        return Ok(client);
    }
    let fail = |problem: String| {
        OAuthError::invalid_client(format!("the client metadata document {client_id} cannot be used: {problem}"))
    };
    if client_id.len() > MAX_METADATA_CLIENT_ID_LENGTH {
        return Err(fail(format!("it is longer than {MAX_METADATA_CLIENT_ID_LENGTH} characters")));
    }
    let url = Url::parse(client_id).map_err(|e| fail(e.to_string()))?;
    let own_host = Url::parse(site.base_url).ok().and_then(|own| own.host_str().map(str::to_ascii_lowercase));
    match url.host() {
        Some(Host::Domain(domain)) if own_host.as_deref() == Some(domain) => {
            return Err(fail("it is on this connector's own host".into()))
        }
        Some(Host::Domain(domain)) if domain != "localhost" && !domain.ends_with(".localhost") => {}
        _ => return Err(fail("its host must be a domain name, not an IP address or localhost".into())),
    }
    if url.path() == "/"
        || url.path().split('/').any(|s| s == "." || s == "..")
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(fail("the URL needs a path, without dot segments, query, credentials or fragment".into()));
    }
    let request = http::Request::get(client_id)
        .header(header::ACCEPT, "application/json")
        .header(header::USER_AGENT, "skillport-connector")
        .body(Vec::new())
        .map_err(|e| fail(e.to_string()))?;
    let limits =
        Limits { timeout_ms: METADATA_DOCUMENT_TIMEOUT_MS, max_body_bytes: MAX_METADATA_DOCUMENT_BYTES, github: false };
    let response = site.platform.send(request, limits).await.map_err(|e| match e {
        FetchError::TooLarge { .. } => fail(format!("it is larger than {MAX_METADATA_DOCUMENT_BYTES} bytes")),
        other => fail(other.to_string()),
    })?;
    if response.status().is_redirection() {
        return Err(fail("it answered with a redirect, which is not followed".into()));
    }
    if response.status() != StatusCode::OK {
        return Err(fail(format!("it answered HTTP {}", response.status().as_u16())));
    }
    if response.body().len() > MAX_METADATA_DOCUMENT_BYTES {
        return Err(fail(format!("it is larger than {MAX_METADATA_DOCUMENT_BYTES} bytes")));
    }
    let document: MetadataDocument = serde_json::from_slice(response.body())
        .map_err(|e| fail(format!("it is not a JSON client metadata object ({e})")))?;
    if document.client_id != client_id {
        return Err(fail(format!("its client_id is {}, not its own URL", document.client_id)));
    }
    if document.client_secret.is_some()
        || !matches!(document.token_endpoint_auth_method.as_deref(), None | Some("none"))
    {
        return Err(fail("only public clients (token_endpoint_auth_method none, no secret) are supported".into()));
    }
    if document.redirect_uris.is_empty() || document.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(fail(format!("it must list from 1 to {MAX_REDIRECT_URIS} redirect_uris")));
    }
    for uri in &document.redirect_uris {
        check_redirect_uri(uri).map_err(fail)?;
    }
    let client = Client {
        id: client_id.to_string(),
        name: document.client_name.map(|n| n.chars().filter(|c| !c.is_control()).take(MAX_NAME_LENGTH).collect()),
        redirect_uris: document.redirect_uris,
        auth: AuthMethod::None,
        issued_at: None,
    };
    if let Some(seconds) = cache_seconds(response.headers().get(header::CACHE_CONTROL)) {
        DOCUMENTS.with(|d| remember(&mut d.borrow_mut(), client.clone(), now, now + seconds * 1000));
    }
    Ok(client)
}

/// Keeps `client`'s document until `until`, dropping stale ones and, when the cache is full, the
/// one that goes stale first.
pub(super) fn remember(documents: &mut HashMap<String, (Client, u64)>, client: Client, now: u64, until: u64) {
    documents.retain(|_, (_, fresh_until)| *fresh_until > now);
    if documents.len() >= MAX_CACHED_METADATA_DOCUMENTS {
        let first_stale = documents.iter().min_by_key(|(_, (_, fresh_until))| *fresh_until).map(|(id, _)| id.clone());
        if let Some(id) = first_stale {
            documents.remove(&id);
        }
    }
    documents.insert(client.id.clone(), (client, until));
}

/// How long a response may be cached per its `Cache-Control`; `None` for no-store/no-cache.
pub(super) fn cache_seconds(value: Option<&HeaderValue>) -> Option<u64> {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return Some(DEFAULT_METADATA_DOCUMENT_CACHE_SECONDS);
    };
    let mut max_age = None;
    for directive in value.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        if directive == "no-store" || directive == "no-cache" {
            return None;
        }
        if let Some(seconds) = directive.strip_prefix("max-age=") {
            max_age = seconds.trim_matches('"').parse::<u64>().ok();
        }
    }
    Some(max_age.unwrap_or(DEFAULT_METADATA_DOCUMENT_CACHE_SECONDS).min(MAX_METADATA_DOCUMENT_CACHE_SECONDS))
}
