//! Every endpoint in one table: a path, the methods it takes and the action of each, and who
//! may call it from a browser. An action's kind is its guard: `Open` actions run as they are,
//! `Configured` ones need a valid configuration, `SignedIn` ones also a valid access token and a
//! body within the limit. [`dispatch`] applies the guards in one order for every route, so no
//! endpoint can forget one; a new endpoint is a row here and an arm in its kind's handler.

use crate::access;
use crate::config::{Config, ConfigError};
use crate::console;
use crate::downloads;
use crate::home;
use crate::identity::Caller;
use crate::mcp::sse::{self, SseOpen};
use crate::mcp::streamable_http;
use crate::oauth::{authorize, bearer, callback, clients, metadata, shard_of, token};
use crate::ports::{HttpRequest, HttpResponse, Platform};
use crate::request_log::RequestLog;
use crate::site::Site;
use crate::tools::ToolContext;
use crate::web::{self, ApiError, IntoResponse};
use crate::webhooks::{self, AfterResponse};
use http::{header, HeaderValue, Method, StatusCode};

/// The largest request body accepted on the MCP endpoints.
pub const MAX_BODY_BYTES: usize = 4 << 20;

/// Origins always allowed to call the connector from a browser.
pub const CLAUDE_ORIGINS: [&str; 2] = ["https://claude.ai", "https://claude.com"];

/// The handlers that need nothing before they run (they cope with a broken configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Home,
    AccessSchema,
}

/// The handlers that need a valid configuration (otherwise 503 naming every problem).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Configured {
    Download,
    ProtectedResourceMetadata,
    AuthorizationServerMetadata,
    Register,
    Token,
    Revoke,
    ShowConsent,
    DecideConsent,
    Callback,
    GitHubWebhook,
    /// The admin console: its own sign-in (a session cookie), for editors.
    Console,
}

/// The handlers that act for a signed-in caller: a valid configuration, a valid access token
/// (otherwise the 401 challenge) and a body of at most [`MAX_BODY_BYTES`] (otherwise 413).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignedIn {
    Mcp,
    SseStream,
    SseMessage,
}

/// What a method of a route runs: its kind is its guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Open(Open),
    Configured(Configured),
    SignedIn(SignedIn),
}

/// Who may call a route from a browser page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cors {
    /// Not meant for scripts on other pages: no CORS headers, no preflight.
    None,
    /// Credentialed endpoints: the connector's own origin, Claude's, and `ALLOWED_ORIGINS`;
    /// another origin gets 403.
    Listed,
    /// Endpoints that carry no cookies and serve every client (discovery, registration, tokens).
    Any,
}

/// How a route's path is matched.
#[derive(Debug, Clone, Copy)]
enum PathMatch {
    Exact(&'static str),
    /// Several paths answered alike.
    OneOf(&'static [&'static str]),
    Prefix(&'static str),
}

/// One row of the table.
struct Route {
    path: PathMatch,
    methods: &'static [(Method, Action)],
    cors: Cors,
    /// What the `WWW-Authenticate` challenge of a signed-in route names as the protected
    /// resource.
    resource: &'static str,
}

const fn route(path: PathMatch, methods: &'static [(Method, Action)], cors: Cors) -> Route {
    Route { path, methods, cors, resource: "" }
}

const fn signed_in(path: &'static str, methods: &'static [(Method, Action)], resource: &'static str) -> Route {
    Route { path: PathMatch::Exact(path), methods, cors: Cors::Listed, resource }
}

use Action::{Configured as C, Open as O, SignedIn as S};
use PathMatch::{Exact, OneOf, Prefix};

/// Every endpoint.
static ROUTES: [Route; 15] = [
    route(Exact("/"), &[(Method::GET, O(Open::Home))], Cors::None),
    route(Exact(access::SCHEMA_PATH), &[(Method::GET, O(Open::AccessSchema))], Cors::Any),
    route(Prefix(downloads::PATH_PREFIX), &[(Method::GET, C(Configured::Download))], Cors::None),
    // One resource, served at its own path and under each transport's (RFC 9728 §3.1).
    route(
        OneOf(&[
            metadata::PROTECTED_RESOURCE_PATH,
            metadata::PROTECTED_RESOURCE_MCP_PATH,
            metadata::PROTECTED_RESOURCE_SSE_PATH,
        ]),
        &[(Method::GET, C(Configured::ProtectedResourceMetadata))],
        Cors::Any,
    ),
    route(
        Exact(metadata::AUTHORIZATION_SERVER_PATH),
        &[(Method::GET, C(Configured::AuthorizationServerMetadata))],
        Cors::Any,
    ),
    route(Exact("/register"), &[(Method::POST, C(Configured::Register))], Cors::Any),
    route(Exact("/token"), &[(Method::POST, C(Configured::Token))], Cors::Any),
    route(Exact("/revoke"), &[(Method::POST, C(Configured::Revoke))], Cors::Any),
    route(
        Exact("/authorize"),
        &[(Method::GET, C(Configured::ShowConsent)), (Method::POST, C(Configured::DecideConsent))],
        Cors::None,
    ),
    route(Exact("/callback"), &[(Method::GET, C(Configured::Callback))], Cors::None),
    route(
        Prefix(console::PATH),
        &[(Method::GET, C(Configured::Console)), (Method::POST, C(Configured::Console))],
        Cors::None,
    ),
    // Authenticated by its HMAC signature, not a token.
    route(Exact(webhooks::PATH), &[(Method::POST, C(Configured::GitHubWebhook))], Cors::None),
    signed_in("/mcp", &[(Method::POST, S(SignedIn::Mcp))], "/mcp"),
    // Both halves of the legacy transport answer the `/sse` resource's challenge.
    signed_in("/sse", &[(Method::GET, S(SignedIn::SseStream))], "/sse"),
    signed_in(sse::MESSAGE_PATH, &[(Method::POST, S(SignedIn::SseMessage))], "/sse"),
];

impl Route {
    fn matches(&self, path: &str) -> bool {
        match self.path {
            Exact(exact) => path == exact,
            OneOf(paths) => paths.contains(&path),
            Prefix(prefix) => path.starts_with(prefix),
        }
    }

    /// The methods for `Allow` and preflights: the route's own, and OPTIONS where it answers
    /// preflights.
    fn allow(&self) -> String {
        let mut methods: Vec<&str> = self.methods.iter().map(|(method, _)| method.as_str()).collect();
        if self.cors != Cors::None {
            methods.push("OPTIONS");
        }
        methods.join(", ")
    }
}

/// What a request brings to its handler once the guards passed.
pub struct Incoming<'a, P> {
    /// The request.
    pub request: &'a HttpRequest,
    /// The result of loading the configuration.
    pub config: &'a Result<Config, Vec<ConfigError>>,
    /// The host.
    pub platform: &'a P,
    /// The connector's origin: `CONNECTOR_URL`'s, else (on loopback only) the request's.
    pub base_url: &'a str,
    /// What the log of this request records.
    pub log: &'a mut RequestLog,
    /// For `GET /sse`: the stream the host must open.
    pub sse_open: &'a mut Option<SseOpen>,
    /// Work for the host to run after the response is sent.
    pub after: &'a mut Option<AfterResponse>,
}

/// Routes one request: finds its row, applies the row's guards, runs its handler.
pub async fn dispatch<P: Platform>(incoming: Incoming<'_, P>) -> HttpResponse {
    let request = incoming.request;
    let path = request.uri().path();
    if incoming.config.as_ref().is_ok_and(|settings| settings.connector_url.is_none()) && !is_loopback(request) {
        return ConnectorUrlMissing.into_response();
    }
    let Some(route) = ROUTES.iter().find(|route| route.matches(path)) else {
        let message = format!("nothing at {path}; the MCP endpoint is /mcp");
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", message).into_response();
    };
    let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
    let response = match route.cors {
        Cors::Listed
            if origin
                .as_deref()
                .is_some_and(|o| !is_allowed_origin(o, incoming.base_url, incoming.config.as_ref().ok())) =>
        {
            return forbidden_origin();
        }
        Cors::Listed | Cors::Any if request.method() == Method::OPTIONS => web::preflight(&route.allow()),
        _ => guarded(route, incoming).await,
    };
    match route.cors {
        Cors::None => response,
        Cors::Listed => web::allow_origin(response, origin.as_deref()),
        Cors::Any => web::allow_any_origin(response),
    }
}

/// Applies the guards of the method's action in order (configuration, caller, body), then runs
/// it.
async fn guarded<P: Platform>(route: &Route, incoming: Incoming<'_, P>) -> HttpResponse {
    let request = incoming.request;
    let Some(&(_, action)) = route.methods.iter().find(|(method, _)| method == request.method()) else {
        return web::method_not_allowed(&route.allow());
    };
    let site = match incoming.config {
        Ok(config) => Ok(Site { platform: incoming.platform, config, base_url: incoming.base_url }),
        Err(problems) => Err(ConfigErrors(problems).into_response()),
    };
    match (action, site) {
        (Action::Open(handler), site) => open(handler, &incoming, site.ok().as_ref()).await,
        (_, Err(configuration_errors)) => configuration_errors,
        (Action::Configured(Configured::GitHubWebhook), Ok(site)) => {
            let (response, after) = webhooks::receive(&site, request).await;
            *incoming.after = after;
            response
        }
        (Action::Configured(handler), Ok(site)) => configured(handler, &site, request).await,
        (Action::SignedIn(handler), Ok(site)) => {
            let caller = match bearer::authenticate(&site, request.headers()).await {
                Ok(caller) => caller,
                Err(problem) => {
                    return bearer::Challenge { base_url: site.base_url, path: route.resource, problem }.into_response()
                }
            };
            incoming.log.user = Some(caller.user.id.clone());
            if request.body().len() > MAX_BODY_BYTES {
                let message = format!("a request body may be at most {MAX_BODY_BYTES} bytes");
                return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message).into_response();
            }
            signed(handler, site, caller, incoming).await
        }
    }
}

/// The handlers that need nothing before they run.
/// `site` is there when the configuration is valid.
async fn open<P: Platform>(handler: Open, incoming: &Incoming<'_, P>, site: Option<&Site<'_, P>>) -> HttpResponse {
    let request = incoming.request;
    match handler {
        Open::Home => {
            let signed_in = match site {
                Some(site) if request.headers().contains_key(header::AUTHORIZATION) => {
                    bearer::authenticate(site, request.headers()).await.ok().map(|caller| caller.user)
                }
                _ => None,
            };
            let as_json = wants_json(request);
            home::page(incoming.platform, incoming.config, incoming.base_url, as_json, signed_in.as_ref()).await
        }
        Open::AccessSchema => access_schema(),
    }
}

/// The handlers that need a valid configuration.
async fn configured<P: Platform>(handler: Configured, site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    match handler {
        Configured::Download => {
            downloads::serve(site.platform, site.config, request.uri().path(), request.uri().query().unwrap_or(""))
                .await
        }
        Configured::ProtectedResourceMetadata => metadata::protected_resource(site.base_url),
        Configured::AuthorizationServerMetadata => metadata::authorization_server(site.base_url),
        Configured::Register => clients::register(site, request).await,
        Configured::Token => token::token(site, request).await,
        Configured::Revoke => token::revoke(site, request).await,
        Configured::ShowConsent => authorize::show(site, request).await,
        Configured::DecideConsent => authorize::decide(site, request).await,
        Configured::Callback => callback::callback(site, request).await,
        Configured::Console => console::handle(site, request).await,
        // Answered in `guarded`, which hands its after-response work to the host.
        Configured::GitHubWebhook => web::method_not_allowed("POST"),
    }
}

/// The handlers that act for a signed-in caller.
async fn signed<P: Platform>(
    handler: SignedIn,
    site: Site<'_, P>,
    caller: Caller,
    incoming: Incoming<'_, P>,
) -> HttpResponse {
    let request = incoming.request;
    match handler {
        SignedIn::Mcp => {
            let ctx = ToolContext::new(site, caller);
            let exchange = streamable_http::post(&ctx, request.headers(), request.body()).await;
            incoming.log.calls = exchange.calls;
            exchange.response
        }
        SignedIn::SseStream => {
            let mut id = [0u8; 16];
            match site.platform.fill_random(&mut id) {
                Ok(()) => {
                    let owner = shard_of(&caller.user.id);
                    *incoming.sse_open = Some(SseOpen { session_id: hex::encode(id), owner });
                    // The host replaces this body with the live stream.
                    http::Response::new(Vec::new())
                }
                Err(e) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", e.to_string())
                    .into_response(),
            }
        }
        SignedIn::SseMessage => {
            let Some(session) = sse::session_id(request.uri().query().unwrap_or("")) else {
                let message = "the sessionId is missing or malformed; use the URL of the stream's endpoint event";
                return ApiError::new(StatusCode::NOT_FOUND, "unknown_session", message).into_response();
            };
            let owner = shard_of(&caller.user.id);
            let ctx = ToolContext::new(site, caller);
            let posted = sse::post(&ctx, &session, &owner, request.headers(), request.body()).await;
            incoming.log.calls = posted.calls;
            incoming.log.session_object = posted.instance;
            posted.response
        }
    }
}

/// `GET /schemas/access.json`: the access file's JSON Schema, for editors' tools.
fn access_schema() -> HttpResponse {
    let mut response = http::Response::new(access::SCHEMA.as_bytes().to_vec());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/schema+json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// Whether the request was addressed to this machine (a local run, where the request's own URL
/// may stand in for `CONNECTOR_URL`).
pub fn is_loopback(request: &HttpRequest) -> bool {
    matches!(request.uri().host(), Some("localhost" | "127.0.0.1" | "[::1]" | "::1"))
}

/// The connector's public origin: `CONNECTOR_URL`'s, else (on loopback only) the request's.
pub fn own_origin(config: Option<&Config>, request: &HttpRequest) -> String {
    if let Some(url) = config.and_then(|c| c.connector_url.as_ref()) {
        return url.origin().ascii_serialization();
    }
    let uri = request.uri();
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
        _ => String::new(),
    }
}

fn is_allowed_origin(origin: &str, own_origin: &str, config: Option<&Config>) -> bool {
    let origin = origin.trim_end_matches('/');
    origin == own_origin
        || CLAUDE_ORIGINS.contains(&origin)
        || config.is_some_and(|c| c.allowed_origins.iter().any(|o| o == origin))
}

fn wants_json(request: &HttpRequest) -> bool {
    request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"))
}

/// 403 for a browser origin that may not call the connector.
fn forbidden_origin() -> HttpResponse {
    let message = "this origin may not call the connector; an admin can add it to ALLOWED_ORIGINS";
    web::allow_origin(ApiError::new(StatusCode::FORBIDDEN, "forbidden_origin", message).into_response(), None)
}

/// Every configuration problem, as the 503 every configured route answers until they are fixed.
pub struct ConfigErrors<'a>(pub &'a [ConfigError]);

impl IntoResponse for ConfigErrors<'_> {
    fn into_response(self) -> HttpResponse {
        let problems: Vec<_> =
            self.0.iter().map(|p| serde_json::json!({"setting": p.setting, "problem": p.problem})).collect();
        web::json(
            StatusCode::SERVICE_UNAVAILABLE,
            &serde_json::json!({
                "error": "configuration_error",
                "error_description": "the connector is not fully configured; see docs/CONFIGURATION.md",
                "problems": problems,
            }),
        )
    }
}

/// A request from outside this machine while `CONNECTOR_URL` is unset.
struct ConnectorUrlMissing;

impl IntoResponse for ConnectorUrlMissing {
    /// 421: this host is not one the connector knows it serves (also what a DNS-rebinding
    /// request gets); the body names the setting to fix.
    fn into_response(self) -> HttpResponse {
        let mut response = ConfigErrors(&[ConfigError {
            setting: "CONNECTOR_URL",
            problem: "is required outside a local run: set the connector's public https URL (e.g. \
                      https://skills.acme.com) under [vars], so that its issuer, links and cookies do \
                      not follow whatever host a request names"
                .into(),
        }])
        .into_response();
        *response.status_mut() = StatusCode::MISDIRECTED_REQUEST;
        response
    }
}
