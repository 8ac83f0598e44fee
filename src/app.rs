//! Where every HTTP request enters the core and leaves with a response and one log record;
//! [`crate::routes`] decides what answers it.

use crate::config::{Config, ConfigError};
use crate::mcp::sse::SseOpen;
use crate::ports::{HttpRequest, HttpResponse, Platform};
use crate::routes::{self, Incoming};
use crate::web::{ApiError, IntoResponse};
use http::{HeaderValue, StatusCode};
use serde::Serialize;

pub use crate::routes::{CLAUDE_ORIGINS, MAX_BODY_BYTES};

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
    /// GitHub requests made (counted by the host's adapter, which fills this in).
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
        Ok(()) => {
            let base_url = routes::own_origin(config.as_ref().ok(), &request);
            let incoming = Incoming {
                request: &request,
                config,
                platform,
                base_url: &base_url,
                log: &mut log,
                sse_open: &mut sse,
            };
            routes::dispatch(incoming).await
        }
        Err(unavailable) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", unavailable.to_string())
                .into_response()
        }
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    log.status = response.status().as_u16();
    log.duration_ms = platform.now_ms().saturating_sub(started);
    Handled { response, log, sse }
}
