//! The JSON responses every endpoint shares: a body with its status, and the error shape
//! `{"error", "error_description"}` (OAuth's, so one shape serves every endpoint).

use crate::ports::HttpResponse;
use http::{header, HeaderValue, StatusCode};

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
