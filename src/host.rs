//! What the host's services fail with. Every port that reaches a host service (Workers KV, a
//! Durable Object, a parse worker) reports one error type, naming the service and its binding so
//! that the admin reading the log knows where to look.

use std::fmt;

/// A host service that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostService {
    /// Workers KV, the caches (binding `OAUTH_KV`).
    Kv,
    /// The sign-in ledger's Durable Objects (binding `SIGN_IN_LEDGER`).
    SignInLedger,
    /// The `/sse` sessions' Durable Objects (binding `SSE_SESSIONS`).
    SseSessions,
    /// The parse workers' Durable Objects (binding `PARSE_WORKERS`).
    ParseWorkers,
    /// The branch watch's Durable Object (binding `BRANCH_WATCH`).
    BranchWatch,
    /// The usage log's Durable Object (binding `USAGE_LOG`).
    UsageLog,
    /// The runtime's Web Crypto (signing a GitHub App's token).
    WebCrypto,
}

impl fmt::Display for HostService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HostService::Kv => "the key-value store (OAUTH_KV)",
            HostService::SignInLedger => "the sign-in ledger (SIGN_IN_LEDGER)",
            HostService::SseSessions => "the /sse session store (SSE_SESSIONS)",
            HostService::ParseWorkers => "a parse worker (PARSE_WORKERS)",
            HostService::BranchWatch => "the branch watch (BRANCH_WATCH)",
            HostService::UsageLog => "the usage log (USAGE_LOG)",
            HostService::WebCrypto => "the runtime's Web Crypto",
        })
    }
}

/// Why a host service could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[error("{service} failed: {detail}")]
pub struct HostError {
    /// Which service.
    pub service: HostService,
    /// What it said.
    pub detail: String,
}

impl HostError {
    /// A failure of Workers KV.
    pub fn kv(detail: impl fmt::Display) -> Self {
        HostError { service: HostService::Kv, detail: detail.to_string() }
    }

    /// A failure of the sign-in ledger (its Durable Object, or a record it could not read).
    pub fn ledger(detail: impl fmt::Display) -> Self {
        HostError { service: HostService::SignInLedger, detail: detail.to_string() }
    }

    /// A failure of the `/sse` session store.
    pub fn sessions(detail: impl fmt::Display) -> Self {
        HostError { service: HostService::SseSessions, detail: detail.to_string() }
    }

    /// A failure of the branch watch.
    pub fn branch_watch(detail: impl fmt::Display) -> Self {
        HostError { service: HostService::BranchWatch, detail: detail.to_string() }
    }

    /// A failure of the usage log.
    pub fn usage(detail: impl fmt::Display) -> Self {
        HostError { service: HostService::UsageLog, detail: detail.to_string() }
    }

    /// A failure of Web Crypto.
    pub fn web_crypto(detail: impl fmt::Display) -> Self {
        HostError { service: HostService::WebCrypto, detail: detail.to_string() }
    }

    /// A failure of a parse worker.
    pub fn parse_workers(detail: impl fmt::Display) -> Self {
        HostError { service: HostService::ParseWorkers, detail: detail.to_string() }
    }
}
