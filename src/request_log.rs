//! The one log record written per request: what was asked, who asked, what it cost. The router
//! fills in what it decides, the host's adapter what it counts (GitHub, KV, Durable Object
//! requests).

use serde::Serialize;

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
    /// Branch watch (Durable Object) requests: the head recorded by webhooks, read by calls
    /// while webhooks are configured (counted by the host's adapter).
    pub watch_calls: u32,
    /// Usage log (Durable Object) requests: a fetch, download, read or update check recorded
    /// (counted by the host's adapter).
    pub usage_calls: u32,
    /// Parse worker (Durable Object) requests: slices of a new commit's files sent to be parsed
    /// (counted by the host's adapter).
    pub parse_workers: u32,
    /// For `/sse` messages: the session object's incarnation that relayed them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_object: Option<String>,
    /// Wall time, as far as the runtime lets it be measured.
    pub duration_ms: u64,
}
