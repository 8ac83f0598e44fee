//! The connector as a client of the company's identity provider. For an OpenID Connect
//! provider, here: discovery, the authorization URL, the code exchange (the `oauth2` crate) and
//! ID token verification (`jsonwebtoken`, against the provider's JWKS); who is admitted is
//! [`admission`]'s. GitHub, which is not an OpenID provider, is [`github`]'s.
//!
//! Discovery and the key set are cached in the isolate's memory for an hour (the key set is
//! fetched again, at most once a minute, when a token names a key it does not hold), so a
//! sign-in usually costs one request upstream: the code exchange.

use super::{id_token_crypto, Site};
use crate::config::{OidcKind, OidcSettings};
use crate::ports::{FetchError, HttpResponse, Limits, Platform};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::{header, StatusCode};
use jsonwebtoken::jwk::JwkSet;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::TokenResponse as _;
use oauth2::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, ExtraTokenFields, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;

/// Longest wait for the identity provider.
pub const UPSTREAM_TIMEOUT_MS: u64 = 10_000;
/// The most an identity provider's answer (discovery, keys, token) may hold: real ones are a few
/// kilobytes.
pub const MAX_UPSTREAM_BYTES: usize = 256 << 10;
/// Limits of every request to the identity provider.
const UPSTREAM_LIMITS: Limits =
    Limits { timeout_ms: UPSTREAM_TIMEOUT_MS, max_body_bytes: MAX_UPSTREAM_BYTES, github: false };
const CACHE_MS: u64 = 3_600_000;
const JWKS_REFETCH_MS: u64 = 60_000;
/// Allowed clock difference with the identity provider.
const LEEWAY_SECONDS: u64 = 60;
/// Largest discovery document or key set accepted.
const MAX_DOCUMENT_BYTES: usize = 256 << 10;

pub mod admission;
pub mod github;
pub mod renewal;

pub use admission::{admit, SignInRefused};

/// Why a sign-in at the identity provider did not produce a person to admit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The provider could not be used: the person can only try again later.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The provider vouched for someone this connector does not admit.
    #[error(transparent)]
    Refused(#[from] SignInRefused),
}

/// Why talking to the identity provider failed (the user can only try again later).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// No answer, or not the expected document.
    #[error("the identity provider at {url} is not answering as expected: {problem}")]
    Unavailable {
        /// What was asked for.
        url: String,
        /// What went wrong.
        problem: String,
    },
    /// The provider refused the code exchange.
    #[error("the identity provider refused the sign-in: {0}")]
    ExchangeRefused(String),
    /// The provider no longer honours a refresh token (`invalid_grant`): revoked, expired, or
    /// its person disabled or removed from the application.
    #[error("the identity provider ended the sign-in: {0}")]
    GrantEnded(String),
    /// The answer names another issuer (RFC 9207): a mix-up, not the provider's failure.
    #[error("The answer came from an identity provider other than the configured one")]
    ForeignIssuer,
    /// The ID token failed verification.
    #[error("the identity provider's ID token is not valid: {0}")]
    InvalidIdToken(String),
}

/// The parts of the provider's discovery document the connector uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// Must equal `OIDC_ISSUER` (for Entra ID: be on its host; the multi-tenant issuers answer
    /// with the template `https://login.microsoftonline.com/{tenantid}/v2.0`).
    pub issuer: String,
    /// Where users sign in.
    pub authorization_endpoint: String,
    /// Where codes are exchanged.
    pub token_endpoint: String,
    /// The signing keys.
    pub jwks_uri: String,
}

/// The ID token claims the connector reads.
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    /// Who issued it (checked against the discovery document's issuer).
    pub iss: String,
    /// The user's stable id at the provider.
    pub sub: String,
    /// Expiry (seconds).
    pub exp: u64,
    /// The nonce sent in the authorization request.
    pub nonce: Option<String>,
    /// The email.
    pub email: Option<String>,
    /// Whether the provider verified the email (some send the string "true").
    #[serde(default, deserialize_with = "boolish")]
    pub email_verified: bool,
    /// Display name.
    pub name: Option<String>,
    /// Google Workspace's hosted domain.
    pub hd: Option<String>,
    /// The audiences (one string or a list; jsonwebtoken checks ours is among them).
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// The authorized party: the client the token was issued to.
    pub azp: Option<String>,
    /// Every other claim: the configurable groups claim, and Entra ID's `tid`, `oid`, `upn`,
    /// `xms_edov` and `_claim_names`.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl IdClaims {
    /// OpenID Connect Core 1.0 §3.1.3.7 (items 4 and 5): a token for several audiences must name
    /// its authorized party, and an authorized party, when named, must be this connector, so a
    /// token issued to another application that merely lists us is refused.
    pub fn check_authorized_party(&self, client_id: &str) -> Result<(), String> {
        match self.azp.as_deref() {
            Some(azp) if azp != client_id => Err(format!("it was issued to another client (azp `{azp}`)")),
            None if self.aud.len() > 1 => Err("it names several audiences but no authorized party (azp)".into()),
            _ => Ok(()),
        }
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(OneOrMany::One(one)) => vec![one],
        Some(OneOrMany::Many(many)) => many,
    })
}

fn boolish<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Boolish {
        Bool(bool),
        Text(String),
    }
    Ok(match Option::<Boolish>::deserialize(deserializer)? {
        Some(Boolish::Bool(b)) => b,
        Some(Boolish::Text(t)) => t == "true",
        None => false,
    })
}

/// The `id_token` field of the token response.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenField {
    id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenField {}

type TokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;
/// The one `oauth2` client type of every code exchange (GitHub's too, whose answers have no
/// `id_token`): each further instantiation would add its own copy of the exchange to the wasm.
type UpstreamClient<Auth, Token> = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    Auth,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    Token,
>;

thread_local! {
    static DISCOVERY: RefCell<Option<(String, Discovery, u64)>> = const { RefCell::new(None) };
    static KEYS: RefCell<Option<(String, JwkSet, u64)>> = const { RefCell::new(None) };
}

async fn get_json<P: Platform, T: serde::de::DeserializeOwned>(platform: &P, url: &str) -> Result<T, UpstreamError> {
    let unavailable = |problem: String| UpstreamError::Unavailable { url: url.to_string(), problem };
    let request = http::Request::get(url)
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| unavailable(e.to_string()))?;
    let response: HttpResponse =
        platform.send(request, UPSTREAM_LIMITS).await.map_err(|e| unavailable(e.to_string()))?;
    if response.status() != StatusCode::OK {
        return Err(unavailable(format!("HTTP {}", response.status().as_u16())));
    }
    if response.body().len() > MAX_DOCUMENT_BYTES {
        return Err(unavailable("the document is too large".into()));
    }
    serde_json::from_slice(response.body()).map_err(|e| unavailable(e.to_string()))
}

/// The provider's endpoints, from `<OIDC_ISSUER>/.well-known/openid-configuration`.
pub async fn discover<P: Platform>(site: &Site<'_, P>, settings: &OidcSettings) -> Result<Discovery, UpstreamError> {
    let issuer = settings.issuer.as_str().trim_end_matches('/').to_string();
    let now = site.platform.now_ms();
    let cached = DISCOVERY.with(|d| {
        d.borrow().as_ref().filter(|(i, _, until)| *i == issuer && *until > now).map(|(_, doc, _)| doc.clone())
    });
    if let Some(discovery) = cached {
        return Ok(discovery);
    }
    let url = format!("{issuer}/.well-known/openid-configuration");
    let discovery: Discovery = get_json(site.platform, &url).await?;
    let names_issuer = match settings.kind {
        // Entra ID names the tenant by its id whatever the issuer says (a domain, or
        // `organizations` with its `{tenantid}` template): the document must come from the
        // same host, and tokens are then checked against the issuer it names.
        OidcKind::Entra => url::Url::parse(&discovery.issuer)
            .is_ok_and(|named| named.origin() == settings.issuer.origin() && named.path().ends_with("/v2.0")),
        _ => discovery.issuer.trim_end_matches('/') == issuer,
    };
    if !names_issuer {
        return Err(UpstreamError::Unavailable {
            url,
            problem: format!("it names issuer {}, not OIDC_ISSUER {issuer}", discovery.issuer),
        });
    }
    DISCOVERY.with(|d| *d.borrow_mut() = Some((issuer, discovery.clone(), now + CACHE_MS)));
    Ok(discovery)
}

/// Where to send the browser to sign in.
pub fn authorization_url(
    settings: &OidcSettings,
    discovery: &Discovery,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    code_challenge: &str,
) -> String {
    let mut url = match url::Url::parse(&discovery.authorization_endpoint) {
        Ok(url) => url,
        Err(_) => return discovery.authorization_endpoint.clone(),
    };
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &settings.scope())
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256");
        if settings.is_google() {
            query.append_pair("prompt", "select_account");
            // A hint only: Google shows accounts of this Workspace domain first. The `hd` claim
            // is what is enforced.
            if let Some(domain) = settings.allowed_domains.single() {
                query.append_pair("hd", domain);
            }
        }
    }
    url.into()
}

/// What the provider's token endpoint gave: its ID token, and a refresh token when
/// `offline_access` was granted.
#[derive(Debug, Clone)]
pub struct Exchanged {
    /// The ID token, still to be verified.
    pub id_token: String,
    /// The provider's refresh token, if it sent one.
    pub refresh_token: Option<String>,
}

/// Exchanges the provider's code (or, with [`TokenGrant::Refresh`], its refresh token) for its
/// ID token.
pub async fn exchange<P: Platform>(
    site: &Site<'_, P>,
    settings: &OidcSettings,
    discovery: &Discovery,
    grant: TokenGrant<'_>,
) -> Result<Exchanged, UpstreamError> {
    let client = TokenClient {
        token_url: &discovery.token_endpoint,
        client_id: &settings.client_id,
        client_secret: settings.client_secret.expose(),
        auth_type: AuthType::BasicAuth,
        limits: UPSTREAM_LIMITS,
    };
    let response = exchange_code(site, &client, grant).await?;
    let id_token = response.extra_fields().id_token.clone().ok_or_else(|| {
        UpstreamError::InvalidIdToken("the token response has no id_token (is the openid scope allowed?)".into())
    })?;
    Ok(Exchanged { id_token, refresh_token: response.refresh_token().map(|t| t.secret().clone()) })
}

/// What is exchanged at a token endpoint.
#[derive(Debug, Clone, Copy)]
pub enum TokenGrant<'a> {
    /// An authorization code and the PKCE verifier of its request.
    Code {
        /// The code.
        code: &'a str,
        /// The verifier.
        verifier: &'a str,
    },
    /// A refresh token.
    Refresh(&'a str),
}

/// Where and how a provider exchanges codes.
struct TokenClient<'a> {
    /// The token endpoint.
    token_url: &'a str,
    /// The connector's client id there.
    client_id: &'a str,
    /// Its secret.
    client_secret: &'a str,
    /// How the secret is sent.
    auth_type: AuthType,
    /// Limits of the request.
    limits: Limits,
}

/// The token request of every provider (a code with PKCE, or a refresh), written once: each
/// instantiation of `oauth2`'s exchange is a copy of it in the wasm.
async fn exchange_code<P: Platform>(
    site: &Site<'_, P>,
    token: &TokenClient<'_>,
    grant: TokenGrant<'_>,
) -> Result<TokenResponse, UpstreamError> {
    let bad_endpoint = |e: String| UpstreamError::Unavailable { url: token.token_url.to_string(), problem: e };
    let client: UpstreamClient<oauth2::EndpointNotSet, oauth2::EndpointSet> =
        oauth2::Client::new(ClientId::new(token.client_id.to_string()))
            .set_client_secret(ClientSecret::new(token.client_secret.to_string()))
            .set_auth_type(token.auth_type.clone())
            .set_token_uri(TokenUrl::new(token.token_url.to_string()).map_err(|e| bad_endpoint(e.to_string()))?);
    let redirect = RedirectUrl::new(format!("{}/callback", site.base_url)).map_err(|e| bad_endpoint(e.to_string()))?;
    let platform = site.platform;
    let limits = token.limits;
    let http = |request: oauth2::HttpRequest| async move { platform.send(request, limits).await };
    let answer = match grant {
        TokenGrant::Code { code, verifier } => {
            client
                .exchange_code(AuthorizationCode::new(code.to_string()))
                .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
                .set_redirect_uri(Cow::Owned(redirect))
                .request_async(&http)
                .await
        }
        TokenGrant::Refresh(refresh) => {
            let refresh = RefreshToken::new(refresh.to_string());
            client.exchange_refresh_token(&refresh).request_async(&http).await
        }
    };
    answer.map_err(|e: RequestTokenError<FetchError, BasicErrorResponse>| match e {
        RequestTokenError::ServerResponse(error)
            if matches!(grant, TokenGrant::Refresh(_))
                && *error.error() == oauth2::basic::BasicErrorResponseType::InvalidGrant =>
        {
            UpstreamError::GrantEnded(error.to_string())
        }
        RequestTokenError::ServerResponse(error) => UpstreamError::ExchangeRefused(error.to_string()),
        // GitHub answers a refused exchange with 200 and an error object, which is not a token.
        RequestTokenError::Parse(_, body) => match serde_json::from_slice::<BasicErrorResponse>(&body) {
            Ok(error) => UpstreamError::ExchangeRefused(error.to_string()),
            Err(_) => bad_endpoint("the answer is not a token".into()),
        },
        RequestTokenError::Request(error) => bad_endpoint(error.to_string()),
        other => bad_endpoint(other.to_string()),
    })
}

/// The provider's keys, cached; fetched again when `kid` is unknown and the cache is older than
/// a minute.
async fn keys<P: Platform>(
    site: &Site<'_, P>,
    discovery: &Discovery,
    kid: Option<&str>,
) -> Result<JwkSet, UpstreamError> {
    let now = site.platform.now_ms();
    let cached = KEYS.with(|k| {
        k.borrow()
            .as_ref()
            .filter(|(uri, _, _)| *uri == discovery.jwks_uri)
            .map(|(_, set, fetched)| (set.clone(), *fetched))
    });
    if let Some((set, fetched)) = cached {
        let fresh = now < fetched + CACHE_MS;
        let knows_kid = kid.is_none_or(|kid| set.find(kid).is_some());
        if fresh && (knows_kid || now < fetched + JWKS_REFETCH_MS) {
            return Ok(set);
        }
    }
    let set: JwkSet = get_json(site.platform, &discovery.jwks_uri).await?;
    KEYS.with(|k| *k.borrow_mut() = Some((discovery.jwks_uri.clone(), set.clone(), now)));
    Ok(set)
}

/// Verifies the ID token: signature against the provider's keys, `iss`, `aud`, `exp`, and the
/// `nonce` of the sign-in. An ID token from a refresh (`nonce` `None`) carries none to check
/// (OpenID Connect Core §12.2).
pub async fn verify_id_token<P: Platform>(
    site: &Site<'_, P>,
    settings: &OidcSettings,
    discovery: &Discovery,
    id_token: &str,
    nonce: Option<&str>,
) -> Result<IdClaims, UpstreamError> {
    let invalid = |problem: String| UpstreamError::InvalidIdToken(problem);
    let header = jsonwebtoken::decode_header(id_token).map_err(|e| invalid(e.to_string()))?;
    let algorithm = id_token_crypto::JwsAlgorithm::accepted(header.alg)
        .ok_or_else(|| invalid(format!("algorithm {:?} is not accepted", header.alg)))?;
    let set = keys(site, discovery, header.kid.as_deref()).await?;
    let jwk = match header.kid.as_deref() {
        Some(kid) => set.find(kid),
        None if set.keys.len() == 1 => set.keys.first(),
        None => None,
    }
    .ok_or_else(|| invalid("it is signed with a key the provider does not publish".into()))?;
    let public = id_token_crypto::public_jwk(jwk, header.alg, algorithm).map_err(invalid)?;
    let (signed, signature) = id_token.rsplit_once('.').ok_or_else(|| invalid("it is not a signed JWT".into()))?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid("its signature is not base64url".into()))?;
    let verified = site
        .platform
        .verify_jws(algorithm, &public, signed.as_bytes(), &signature)
        .await
        .map_err(|e| invalid(format!("its signature could not be checked: {e}")))?;
    if !verified {
        return Err(invalid("its signature does not verify with the provider's key".into()));
    }
    // The signature is checked; the claims are read, then checked here one by one (iss, sub and
    // exp are required by the type).
    let claims: IdClaims =
        jsonwebtoken::dangerous::insecure_decode_claims(id_token).map_err(|e| invalid(e.to_string()))?;
    if !claims.aud.contains(&settings.client_id) {
        return Err(invalid("it is for another application (aud does not name this connector's client id)".into()));
    }
    check_issuer(settings, discovery, &claims).map_err(invalid)?;
    if claims.exp + LEEWAY_SECONDS <= site.now_seconds() {
        return Err(invalid("it has expired".into()));
    }
    if nonce.is_some_and(|nonce| claims.nonce.as_deref() != Some(nonce)) {
        return Err(invalid("its nonce does not match this sign-in".into()));
    }
    claims.check_authorized_party(&settings.client_id).map_err(invalid)?;
    Ok(claims)
}

/// Whether the token's `iss` is the provider's. Google also names itself without the scheme;
/// Entra ID's is the discovery document's issuer with the token's own tenant (`tid`) in place
/// of `{tenantid}`, and must name that tenant.
pub fn check_issuer(settings: &OidcSettings, discovery: &Discovery, claims: &IdClaims) -> Result<(), String> {
    let iss = claims.iss.trim_end_matches('/');
    let matches = match settings.kind {
        OidcKind::Google => iss == settings.issuer.as_str().trim_end_matches('/') || iss == "accounts.google.com",
        OidcKind::Entra => {
            let tid = claims.other.get("tid").and_then(|t| t.as_str()).unwrap_or_default();
            let expected = discovery.issuer.replace("{tenantid}", tid);
            !tid.is_empty()
                && iss == expected.trim_end_matches('/')
                && url::Url::parse(iss).is_ok_and(|u| u.path_segments().is_some_and(|mut s| s.any(|s| s == tid)))
        }
        OidcKind::Okta | OidcKind::Generic => iss == settings.issuer.as_str().trim_end_matches('/'),
    };
    if matches {
        Ok(())
    } else {
        Err(format!("it was issued by {iss}, not by the configured provider"))
    }
}

#[cfg(test)]
mod tests;
