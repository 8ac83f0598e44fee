//! The OAuth 2.1 authorization server MCP clients sign in through, with an OpenID Connect
//! provider (Google by default) upstream.
//!
//! The connector issues its own tokens and never passes the provider's on. What the endpoints
//! hand out is signed rather than stored wherever single use is not required (client
//! registrations, the upstream state, access and refresh tokens); what must be used once or
//! revoked (codes, grants, refresh generations) lives in per-user Durable Objects ([`ledger`]),
//! so the unauthenticated endpoints write nothing and cannot exhaust a storage quota.
//!
//! One module per endpoint: [`metadata`] (discovery), [`clients`] (`/register` and Client ID
//! Metadata Documents), [`authorize`] (`/authorize` and the consent page), [`callback`]
//! (`/callback`), [`token`] (`/token`, `/revoke`), and [`bearer`] (checking tokens on `/mcp`).

pub mod authorize;
pub mod bearer;
pub mod callback;
pub mod clients;
pub mod code;
pub(crate) mod cookies;
pub mod id_token_crypto;
pub mod ledger;
pub mod metadata;
pub(crate) mod pages;
pub mod sealed;
pub mod signed;
pub mod token;
pub mod upstream;

use crate::ports::{HostError, HttpRequest, HttpResponse, Platform, RandomUnavailable};
pub use crate::site::Site;
use crate::web::{no_store, IntoResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::{header, HeaderValue, StatusCode};
use sha2::{Digest as _, Sha256};

// The sign-in endpoints' own helpers on the request's site, answering in OAuth errors.
impl<P: Platform> Site<'_, P> {
    /// Runs a ledger command on a shard, mapping storage failures to a 503 the client may retry.
    pub async fn ledger<C: ledger::Call>(&self, shard: &str, command: C) -> Result<C::Answer, OAuthError> {
        ledger::call(self.platform, shard, command).await.map_err(OAuthError::storage)
    }

    /// `n` random bytes, base64url.
    pub fn random_token(&self, n: usize) -> Result<String, OAuthError> {
        let mut bytes = vec![0u8; n];
        self.platform.fill_random(&mut bytes).map_err(OAuthError::random)?;
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// `secret` encrypted for `purpose` under a fresh random nonce ([`sealed`]).
    pub fn seal_secret(&self, purpose: crate::keys::Purpose, secret: &str) -> Result<String, OAuthError> {
        let mut nonce = [0u8; sealed::NONCE_BYTES];
        self.platform.fill_random(&mut nonce).map_err(OAuthError::random)?;
        Ok(sealed::seal(&self.config.keys, purpose, nonce, secret.as_bytes()))
    }
}

/// An OAuth error response (RFC 6749 §5.2): `{error, error_description}`, never cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// HTTP status.
    pub status: StatusCode,
    /// The OAuth error code.
    pub error: &'static str,
    /// What went wrong and what to do, for the person reading the client's logs.
    pub description: String,
}

impl OAuthError {
    /// A 400 with `error`.
    pub fn bad(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError { status: StatusCode::BAD_REQUEST, error, description: description.into() }
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::bad("invalid_request", description)
    }

    /// `invalid_client` (401): clients such as Claude register again when they see it.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        OAuthError { status: StatusCode::UNAUTHORIZED, error: "invalid_client", description: description.into() }
    }

    /// The random source failed: the client may retry.
    pub fn random(error: RandomUnavailable) -> Self {
        OAuthError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error: "temporarily_unavailable",
            description: error.to_string(),
        }
    }

    /// Storage unavailable: the client may retry.
    pub fn storage(error: HostError) -> Self {
        OAuthError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error: "temporarily_unavailable",
            description: format!("sign-in storage is unavailable, try again shortly ({error})"),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> HttpResponse {
        let mut response = crate::web::json(
            self.status,
            &serde_json::json!({"error": self.error, "error_description": self.description}),
        );
        no_store(&mut response);
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"token\""));
        }
        response
    }
}

/// The Durable Object shard that holds a user's codes and grants: a hash of the user id, so
/// tokens that name the shard reveal nothing about who they belong to.
pub fn shard_of(user_id: &str) -> String {
    let digest = Sha256::digest(format!("skillport user {user_id}").as_bytes());
    format!("u-{}", hex::encode(&digest[..16]))
}

/// The shard that remembers when each registered client last signed someone in.
pub const CLIENTS_SHARD: &str = "clients";

/// The S256 PKCE challenge of a verifier (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// SHA-256, hex: how codes and states are stored.
pub fn hash_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The resource (RFC 8707) a request asks for: the base URL or any URL under it; absent means
/// the base URL. One token serves `/mcp` and `/sse`.
pub fn resource_for(base_url: &str, requested: Option<&str>) -> Result<String, OAuthError> {
    let Some(requested) = requested else {
        return Ok(base_url.to_string());
    };
    let normalized = requested.trim_end_matches('/');
    let under =
        normalized == base_url || (normalized.starts_with(base_url) && normalized[base_url.len()..].starts_with('/'));
    if under && !normalized.contains(['?', '#']) {
        Ok(normalized.to_string())
    } else {
        Err(OAuthError::bad(
            "invalid_target",
            format!("resource must be {base_url} or a URL under it, not {requested}"),
        ))
    }
}

/// Whether `audience` (a token's resource) covers a request to `base_url`.
pub fn audience_matches(base_url: &str, audience: &str) -> bool {
    resource_for(base_url, Some(audience)).is_ok()
}

/// Parses an `application/x-www-form-urlencoded` body; a parameter given twice is an error
/// (RFC 6749 §3.1).
pub fn form(request: &HttpRequest) -> Result<std::collections::HashMap<String, String>, OAuthError> {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request("send the parameters as application/x-www-form-urlencoded"));
    }
    pairs(request.body())
}

/// Parses URL-encoded pairs (a form body or a query), refusing repeated parameters.
pub fn pairs(bytes: &[u8]) -> Result<std::collections::HashMap<String, String>, OAuthError> {
    let mut map = std::collections::HashMap::new();
    for (name, value) in url::form_urlencoded::parse(bytes) {
        if map.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(OAuthError::invalid_request(format!("parameter {name} is given more than once")));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_is_the_base_url_or_under_it() {
        let base = "https://skills.acme.example";
        assert_eq!(resource_for(base, None).unwrap(), base);
        assert_eq!(resource_for(base, Some("https://skills.acme.example/")).unwrap(), base);
        assert_eq!(resource_for(base, Some("https://skills.acme.example/mcp")).unwrap(), format!("{base}/mcp"));
        for bad in [
            "https://skills.acme.example.evil.example",
            "https://other.example/mcp",
            "https://skills.acme.example/mcp?x=1",
        ] {
            assert_eq!(resource_for(base, Some(bad)).unwrap_err().error, "invalid_target", "{bad}");
        }
    }

    #[test]
    fn shards_hide_user_ids() {
        let shard = shard_of("google:123");
        assert!(shard.starts_with("u-") && shard.len() == 34 && !shard.contains("123"));
        assert_ne!(shard, shard_of("google:124"));
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
