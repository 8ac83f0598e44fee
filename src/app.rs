//! The router: every HTTP request enters here, and leaves with a response and one log record.
//!
//! Origin checks and CORS live here because they apply to every browser-reachable endpoint;
//! each endpoint's own behaviour lives in its module.

use crate::access;
use crate::config::{Config, ConfigError};
use crate::downloads;
use crate::home;
use crate::mcp::sse::{self, SseOpen};
use crate::mcp::streamable_http;
use crate::oauth::{self, bearer, Site};
use crate::ports::{HttpRequest, HttpResponse, Platform};
use crate::responses::{error, json};
use crate::tools::ToolContext;
use http::{header, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde_json::json;

/// The largest JSON-RPC body accepted on `/mcp`.
pub const MAX_BODY_BYTES: usize = 4 << 20;

/// Origins always allowed to call the connector from a browser.
pub const CLAUDE_ORIGINS: [&str; 2] = ["https://claude.ai", "https://claude.com"];

/// One structured log line per request. Never holds a token, a secret or file content.
#[derive(Debug, Clone, Serialize)]
pub struct RequestLog {
    /// Random, per request; also sent back as `X-Request-Id`.
    pub request_id: String,
    /// HTTP method.
    pub method: String,
    /// Path only (queries may carry codes or signatures).
    pub path: String,
    /// HTTP status answered.
    pub status: u16,
    /// The signed-in user's id, when the request was authenticated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// JSON-RPC methods called (`tools/call:<tool>` for tools).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
    /// GitHub requests made.
    pub github_requests: u32,
    /// KV reads (counted by the host's adapter, which fills this in).
    pub kv_reads: u32,
    /// KV writes (counted by the host's adapter, which fills this in).
    pub kv_writes: u32,
    /// Sign-in ledger (Durable Object) requests (counted by the host's adapter).
    pub ledger_calls: u32,
    /// Parse worker (Durable Object) requests: slices of a new commit's files sent to be parsed
    /// (counted by the host's adapter).
    pub parse_workers: u32,
    /// For `/sse` messages: the session object's incarnation that relayed them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_object: Option<String>,
    /// Wall time, as far as the runtime lets it be measured.
    pub duration_ms: u64,
}

/// A response and its log record.
pub struct Handled {
    /// What to send.
    pub response: HttpResponse,
    /// What to log.
    pub log: RequestLog,
    /// For `GET /sse`: the stream the host must open instead of sending `response`'s body.
    pub sse: Option<SseOpen>,
}

/// Handles one request. `config` is the result of loading the configuration, so that a broken
/// configuration is reported on every request rather than crashing the Worker.
pub async fn handle<P: Platform>(
    platform: &P,
    config: &Result<Config, Vec<ConfigError>>,
    request: HttpRequest,
) -> Handled {
    let started = platform.now_ms();
    let mut id = [0u8; 8];
    // Without randomness nothing can be issued safely; the request fails before it is routed.
    let random = platform.fill_random(&mut id);
    let request_id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let mut log = RequestLog {
        request_id: request_id.clone(),
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        status: 0,
        user: None,
        calls: Vec::new(),
        github_requests: 0,
        kv_reads: 0,
        kv_writes: 0,
        ledger_calls: 0,
        parse_workers: 0,
        session_object: None,
        duration_ms: 0,
    };

    let mut sse = None;
    let mut response = match random {
        Ok(()) => route(platform, config, &request, &mut log, &mut sse).await,
        Err(unavailable) => error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", &unavailable.to_string()),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    log.status = response.status().as_u16();
    log.duration_ms = platform.now_ms().saturating_sub(started);
    Handled { response, log, sse }
}

async fn route<P: Platform>(
    platform: &P,
    config: &Result<Config, Vec<ConfigError>>,
    request: &HttpRequest,
    log: &mut RequestLog,
    sse_open: &mut Option<SseOpen>,
) -> HttpResponse {
    let path = request.uri().path();
    if config.as_ref().is_ok_and(|settings| settings.connector_url.is_none()) && !is_loopback(request) {
        // 421: this host is not one the connector knows it serves (also what a DNS-rebinding
        // request gets); the body names the setting to fix.
        let mut response = configuration_error(&[ConfigError {
            setting: "CONNECTOR_URL",
            problem: "is required outside a local run: set the connector's public https URL (e.g. \
                      https://skills.acme.com) under [vars], so that its issuer, links and cookies do \
                      not follow whatever host a request names"
                .into(),
        }]);
        *response.status_mut() = StatusCode::MISDIRECTED_REQUEST;
        return response;
    }
    let own_origin = own_origin(config.as_ref().ok(), request);
    let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
    let origin_allowed = origin.as_deref().is_none_or(|o| is_allowed_origin(o, &own_origin, config.as_ref().ok()));

    match config {
        Ok(config) => {
            let site = Site { platform, config, base_url: &own_origin };
            if let Some(response) = oauth::handle(&site, request).await {
                return response;
            }
        }
        Err(problems) if oauth::owns(path) => return configuration_error(problems),
        Err(_) => {}
    }

    match (path, request.method()) {
        ("/", &Method::GET) => {
            let signed_in = match config {
                Ok(config) if request.headers().contains_key(header::AUTHORIZATION) => {
                    let site = Site { platform, config, base_url: &own_origin };
                    bearer::authenticate(&site, request.headers()).await.ok().map(|principal| principal.user)
                }
                _ => None,
            };
            home::page(platform, config, &own_origin, wants_json(request), signed_in.as_ref()).await
        }
        ("/mcp", method) => {
            if !origin_allowed {
                return forbidden_origin();
            }
            let response = match *method {
                Method::OPTIONS => preflight(),
                Method::POST => match config {
                    Err(problems) => configuration_error(problems),
                    Ok(config) => {
                        let site = Site { platform, config, base_url: &own_origin };
                        match bearer::authenticate(&site, request.headers()).await {
                            Err(problem) => bearer::challenge(&own_origin, "/mcp", &problem),
                            Ok(_) if request.body().len() > MAX_BODY_BYTES => error(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                "too_large",
                                &format!("a request body may be at most {MAX_BODY_BYTES} bytes"),
                            ),
                            Ok(principal) => {
                                log.user = Some(principal.user.id.clone());
                                let ctx = ToolContext::new(Site { platform, config, base_url: &own_origin }, principal);
                                let exchange = streamable_http::post(&ctx, request.headers(), request.body()).await;
                                log.calls = exchange.calls;
                                log.github_requests = ctx.github_requests();
                                exchange.response
                            }
                        }
                    }
                },
                _ => method_not_allowed("POST, OPTIONS"),
            };
            with_cors(response, origin.as_deref())
        }
        ("/sse" | sse::MESSAGE_PATH, method) => {
            if !origin_allowed {
                return forbidden_origin();
            }
            let response = match (path, method, config) {
                (_, &Method::OPTIONS, _) => preflight(),
                (_, _, Err(problems)) => configuration_error(problems),
                ("/sse", &Method::GET, Ok(config)) | (sse::MESSAGE_PATH, &Method::POST, Ok(config)) => {
                    let site = Site { platform, config, base_url: &own_origin };
                    match bearer::authenticate(&site, request.headers()).await {
                        Err(problem) => bearer::challenge(&own_origin, "/sse", &problem),
                        Ok(principal) => {
                            log.user = Some(principal.user.id.clone());
                            let owner = oauth::shard_of(&principal.user.id);
                            if path == "/sse" {
                                let mut id = [0u8; 16];
                                match platform.fill_random(&mut id) {
                                    Ok(()) => {
                                        *sse_open = Some(SseOpen { session_id: hex::encode(id), owner });
                                        // The host replaces this body with the live stream.
                                        http::Response::new(Vec::new())
                                    }
                                    Err(e) => error(
                                        StatusCode::SERVICE_UNAVAILABLE,
                                        "temporarily_unavailable",
                                        &e.to_string(),
                                    ),
                                }
                            } else {
                                match sse::session_id(request.uri().query().unwrap_or("")) {
                                    None => error(StatusCode::NOT_FOUND, "unknown_session", "the sessionId is missing or malformed; use the URL of the stream's endpoint event"),
                                    Some(_) if request.body().len() > MAX_BODY_BYTES => error(
                                        StatusCode::PAYLOAD_TOO_LARGE,
                                        "too_large",
                                        &format!("a request body may be at most {MAX_BODY_BYTES} bytes"),
                                    ),
                                    Some(session) => {
                                        let ctx = ToolContext::new(Site { platform, config, base_url: &own_origin }, principal);
                                        let posted = sse::post(&ctx, &session, &owner, request.headers(), request.body()).await;
                                        log.calls = posted.calls;
                                        log.github_requests = ctx.github_requests();
                                        log.session_object = posted.instance;
                                        posted.response
                                    }
                                }
                            }
                        }
                    }
                }
                ("/sse", _, _) => method_not_allowed("GET, OPTIONS"),
                _ => method_not_allowed("POST, OPTIONS"),
            };
            with_cors(response, origin.as_deref())
        }
        (path, &Method::GET) if path.starts_with(downloads::PATH_PREFIX) => match config {
            Err(problems) => configuration_error(problems),
            Ok(config) => {
                let (response, requests) =
                    downloads::serve(platform, config, path, request.uri().query().unwrap_or("")).await;
                log.github_requests = requests;
                response
            }
        },
        (access::SCHEMA_PATH, &Method::GET) => {
            let mut response = http::Response::new(access::SCHEMA.as_bytes().to_vec());
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/schema+json"));
            headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            response
        }
        ("/", _) => method_not_allowed("GET"),
        _ => error(StatusCode::NOT_FOUND, "not_found", &format!("nothing at {path}; the MCP endpoint is /mcp")),
    }
}

/// Whether the request was addressed to this machine (a local run, where the request's own URL
/// may stand in for `CONNECTOR_URL`).
fn is_loopback(request: &HttpRequest) -> bool {
    matches!(request.uri().host(), Some("localhost" | "127.0.0.1" | "[::1]" | "::1"))
}

/// The connector's public origin: `CONNECTOR_URL`'s, else (on loopback only) the request's.
fn own_origin(config: Option<&Config>, request: &HttpRequest) -> String {
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

fn preflight() -> HttpResponse {
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, DELETE, OPTIONS"));
    headers.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(
            "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID",
        ),
    );
    headers.insert("access-control-max-age", HeaderValue::from_static("86400"));
    response
}

/// Lets the allowed browser origin read the response, including `WWW-Authenticate` (without
/// which browser clients cannot discover how to sign in).
fn with_cors(mut response: HttpResponse, origin: Option<&str>) -> HttpResponse {
    let headers = response.headers_mut();
    if let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert("access-control-allow-origin", value);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, X-Request-Id"),
    );
    response
}

/// 403 for a browser origin that may not call the connector.
fn forbidden_origin() -> HttpResponse {
    with_cors(
        error(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "this origin may not call the connector; an admin can add it to ALLOWED_ORIGINS",
        ),
        None,
    )
}

fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", &format!("use {allow}"));
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

fn configuration_error(problems: &[ConfigError]) -> HttpResponse {
    let problems: Vec<_> = problems.iter().map(|p| json!({"setting": p.setting, "problem": p.problem})).collect();
    json(
        StatusCode::SERVICE_UNAVAILABLE,
        &json!({"error": "configuration_error", "error_description": "the connector is not fully configured; see docs/CONFIGURATION.md", "problems": problems}),
    )
}
