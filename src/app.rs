//! Where every HTTP request enters the core and leaves with a response and one log record;
//! [`crate::routes`] decides what answers it.

use crate::config::{Config, ConfigError};
use crate::mcp::sse::SseOpen;
use crate::ports::{HttpRequest, HttpResponse, Platform};
pub use crate::request_log::RequestLog;
use crate::routes::{self, Incoming};
use crate::web::{ApiError, IntoResponse};
use crate::webhooks::AfterResponse;
use http::{HeaderValue, StatusCode};

pub use crate::routes::{CLAUDE_ORIGINS, MAX_BODY_BYTES};

/// A response and its log record.
pub struct Handled {
    /// What to send.
    pub response: HttpResponse,
    /// What to log.
    pub log: RequestLog,
    /// For `GET /sse`: the stream the host must open instead of sending `response`'s body.
    pub sse: Option<SseOpen>,
    /// Work the host runs after sending the response (`waitUntil`): [`crate::push::after_response`].
    pub after: Option<AfterResponse>,
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
        watch_calls: 0,
        usage_calls: 0,
        parse_workers: 0,
        session_object: None,
        duration_ms: 0,
    };

    let mut sse = None;
    let mut after = None;
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
                after: &mut after,
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
    Handled { response, log, sse, after }
}
