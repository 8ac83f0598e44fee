//! Discovery documents: Protected Resource Metadata (RFC 9728) and Authorization Server
//! Metadata (RFC 8414). MCP clients read these to find where to register, sign in and get
//! tokens; Claude refuses to proceed without `code_challenge_methods_supported: ["S256"]`, and
//! uses Client ID Metadata Documents only when the server says it supports them.

use crate::ports::HttpResponse;
use crate::web::json;
use http::StatusCode;
use serde_json::json;

/// Where the protected resource metadata is served.
pub const PROTECTED_RESOURCE_PATH: &str = "/.well-known/oauth-protected-resource";
/// The same document under the `/mcp` resource's own path (RFC 9728 §3.1).
pub const PROTECTED_RESOURCE_MCP_PATH: &str = "/.well-known/oauth-protected-resource/mcp";
/// The same document under the `/sse` resource's own path.
pub const PROTECTED_RESOURCE_SSE_PATH: &str = "/.well-known/oauth-protected-resource/sse";
/// Where the authorization server metadata is served (RFC 8414 §3).
pub const AUTHORIZATION_SERVER_PATH: &str = "/.well-known/oauth-authorization-server";

/// The `WWW-Authenticate` challenge's `resource_metadata` URL for a protected path.
pub fn resource_metadata_url(base_url: &str, path: &str) -> String {
    format!("{base_url}{PROTECTED_RESOURCE_PATH}{path}")
}

/// `/.well-known/oauth-protected-resource` (and its `/mcp`, `/sse` forms): one resource, the
/// connector's base URL, so one token serves both transports.
pub fn protected_resource(base_url: &str) -> HttpResponse {
    json(
        StatusCode::OK,
        &json!({
            "resource": base_url,
            "authorization_servers": [base_url],
            "bearer_methods_supported": ["header"],
            "resource_name": "Skillport Connector",
        }),
    )
}

/// `/.well-known/oauth-authorization-server`.
pub fn authorization_server(base_url: &str) -> HttpResponse {
    let auth_methods = ["none", "client_secret_post", "client_secret_basic"];
    json(
        StatusCode::OK,
        &json!({
            "issuer": base_url,
            "authorization_endpoint": format!("{base_url}/authorize"),
            "token_endpoint": format!("{base_url}/token"),
            "registration_endpoint": format!("{base_url}/register"),
            "revocation_endpoint": format!("{base_url}/revoke"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "client_id_metadata_document_supported": true,
            "authorization_response_iss_parameter_supported": true,
        }),
    )
}
