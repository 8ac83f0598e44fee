//! The small HTTP toolkit every endpoint shares: JSON bodies and the one error shape
//! `{"error", "error_description"}` (OAuth's, so one shape serves every endpoint), the answers
//! the router gives on its own (preflight, 405, 202), CORS, and [`IntoResponse`], through which
//! every error type becomes a response in one place.

use crate::ports::HttpResponse;
use http::{header, HeaderValue, StatusCode};

/// Something that can be sent back: a response, or an error that knows its status and shape.
pub trait IntoResponse {
    /// The response to send.
    fn into_response(self) -> HttpResponse;
}

impl IntoResponse for HttpResponse {
    fn into_response(self) -> HttpResponse {
        self
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> HttpResponse {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => error.into_response(),
        }
    }
}

/// An error in the shared shape: a machine-readable `code` and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The machine-readable code (`error`).
    pub code: &'static str,
    /// What went wrong and what to do (`error_description`).
    pub message: String,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> HttpResponse {
        error(self.status, self.code, &self.message)
    }
}

/// A JSON response with `status`.
pub fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> HttpResponse {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = http::Response::new(bytes);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// An error response: a machine-readable `code` and a message a person can act on.
pub fn error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    json(status, &serde_json::json!({"error": code, "error_description": message}))
}

/// 202 with no body: a notification or response was taken.
pub fn accepted() -> HttpResponse {
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() = StatusCode::ACCEPTED;
    response
}

/// 405, naming in `Allow` the methods the path takes.
pub fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", &format!("use {allow}"));
    if let Ok(value) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The request headers a browser client may send: the bearer token, MCP's own headers (the
/// protocol version, the 2025 session id and stream resumption, the 2026-07-28 method and name).
const ALLOWED_HEADERS: &str =
    "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name";

/// The response headers a browser client may read: without `WWW-Authenticate` it cannot
/// discover how to sign in.
const EXPOSED_HEADERS: &str = "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, X-Request-Id";

/// 204 to a CORS preflight for a path taking `methods`.
pub fn preflight(methods: &str) -> HttpResponse {
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(methods) {
        headers.insert("access-control-allow-methods", value);
    }
    headers.insert("access-control-allow-headers", HeaderValue::from_static(ALLOWED_HEADERS));
    headers.insert("access-control-max-age", HeaderValue::from_static("86400"));
    response
}

/// Lets the browser page at `origin` (already checked as allowed) read the response.
pub fn allow_origin(mut response: HttpResponse, origin: Option<&str>) -> HttpResponse {
    let headers = response.headers_mut();
    if let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert("access-control-allow-origin", value);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert("access-control-expose-headers", HeaderValue::from_static(EXPOSED_HEADERS));
    response
}

/// Lets any page read the response: for endpoints that carry no cookies and are meant for every
/// client, browser-based ones included (discovery, registration, the token endpoint).
pub fn allow_any_origin(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert("access-control-allow-origin", HeaderValue::from_static("*"));
    response
}

/// A redirect (`302` to the identity provider or a client, `303` after a form) to `location`,
/// never cached.
pub fn redirect(status: StatusCode, location: &str) -> HttpResponse {
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() = status;
    if let Ok(value) = http::HeaderValue::from_str(location) {
        response.headers_mut().insert(http::header::LOCATION, value);
    }
    no_store(&mut response);
    response
}

/// Marks a response as never to be cached (token responses, pages carrying state).
pub fn no_store(response: &mut HttpResponse) {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
