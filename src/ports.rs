//! The core's only doors to the outside world.
//!
//! Everything outside `edge` is plain Rust that talks to the network, to storage and to time
//! through these traits, so the whole connector can be exercised natively against in-memory fakes
//! and the wasm edge stays a thin adapter. The futures are deliberately not `Send`: a Worker is
//! single-threaded and the Workers runtime's JavaScript handles are not `Send` either.

use std::future::Future;

/// An HTTP response as the core sees it: status, headers and the whole body.
pub type HttpResponse = http::Response<Vec<u8>>;
/// An HTTP request as the core sees it.
pub type HttpRequest = http::Request<Vec<u8>>;

/// Why an outbound request produced no HTTP response at all.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// DNS, TLS or connection failure, or the runtime refused the request.
    #[error("could not reach {host}: {message}")]
    Network { host: String, message: String },
    /// No response within the time allowed.
    #[error("{host} did not answer within {timeout_ms} ms")]
    Timeout { host: String, timeout_ms: u64 },
    /// The response's body is larger than the request allowed; reading stopped at the limit.
    #[error("{host} answered with more than {max_body_bytes} bytes")]
    TooLarge { host: String, max_body_bytes: usize },
}

/// How long an outbound request may take, and how much it may bring back: every outgoing read
/// is capped, so a misbehaving server cannot fill the isolate's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The whole exchange, body included, must end within this.
    pub timeout_ms: u64,
    /// The body may hold at most this many bytes.
    pub max_body_bytes: usize,
    /// Whether the host counts the request as one to GitHub, for the request log (as it counts
    /// KV reads): every retry and redirect hop is a request.
    pub github: bool,
}

/// Outbound HTTP. Implementations must not follow redirects: the core follows the ones it
/// expects itself, so that it can count every hop and never forward credentials to another host.
pub trait HttpClient {
    /// Sends `request` and returns the response, whatever its status; gives up with
    /// [`FetchError::Timeout`] when the whole response has not arrived within the limits' time,
    /// and with [`FetchError::TooLarge`] as soon as its body passes their size (declared or read).
    fn send(&self, request: HttpRequest, limits: Limits) -> impl Future<Output = Result<HttpResponse, FetchError>>;
}

pub use crate::host::{HostError, HostService};

/// A global, eventually consistent key-value store (Workers KV in production).
///
/// Only caches live here: nothing whose loss or staleness could widen access.
pub trait KvStore {
    /// Reads `key`; `None` when absent or expired.
    fn kv_get(&self, key: &str) -> impl Future<Output = Result<Option<Vec<u8>>, HostError>>;
    /// Writes `key`, expiring after `ttl_seconds` when given (Workers KV needs at least 60).
    fn kv_put(&self, key: &str, value: &[u8], ttl_seconds: Option<u64>) -> impl Future<Output = Result<(), HostError>>;
}

/// Wall-clock time and waiting, injected so that expiry and back-off are testable.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Waits `ms` milliseconds (back-off between retries).
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
}

/// The host's random source failed. Nothing that needs randomness (codes, grant ids, session
/// ids, request ids) is made without it: the request fails instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the runtime's random number source failed; try again")]
pub struct RandomUnavailable;

/// Cryptographically secure randomness: request ids, codes, grant ids, session ids.
pub trait Random {
    /// Fills `buffer` with random bytes, or fails; never a predictable fill.
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), RandomUnavailable>;
}

/// SHA-256, from the host because wasm hashes a megabyte in ~7 ms while the Workers runtime's
/// Web Crypto does it natively in a fraction of that.
pub trait Digest {
    /// The SHA-256 of `data`.
    fn sha256(&self, data: &[u8]) -> impl Future<Output = [u8; 32]>;
}

/// Signatures, made and checked by the host's Web Crypto, so that no RSA or elliptic-curve code
/// is in the wasm: a GitHub App authenticates with an RS256 JSON Web Token, and ID tokens are
/// signed by the identity provider.
pub trait Signer {
    /// The RSASSA-PKCS1-v1_5 SHA-256 signature of `message` under `pkcs8_der`, a PKCS#8 RSA key.
    fn sign_rs256(&self, pkcs8_der: &[u8], message: &[u8]) -> impl Future<Output = Result<Vec<u8>, HostError>>;

    /// Whether `signature` is `algorithm`'s signature of `message` under `public_jwk`, a JSON Web
    /// Key holding only its public members (`oauth::id_token_crypto::public_jwk`).
    fn verify_jws(
        &self,
        algorithm: crate::oauth::id_token_crypto::JwsAlgorithm,
        public_jwk: &str,
        message: &[u8],
        signature: &[u8],
    ) -> impl Future<Output = Result<bool, HostError>>;
}

/// Strongly consistent storage for what the connector knows of the served branch (a Durable
/// Object in production): the head webhooks and polls recorded, deliveries seen, and the last
/// notified catalog. Commands and answers cross as JSON; `branch_watch::call` is the typed way in.
pub trait BranchWatchStore {
    /// Runs the JSON `command` on the watch of `branch` (`owner/repo@branch`) and returns its answer.
    fn branch_watch(&self, branch: &str, command: String) -> impl Future<Output = Result<String, HostError>>;
}

/// Usage and installed versions (a SQLite-backed Durable Object per served branch in
/// production). Commands and answers cross as JSON; `usage::call` is the typed way in.
pub trait UsageStore {
    /// Runs the JSON `command` on the usage object `name` and returns its answer.
    fn usage(&self, name: &str, command: String) -> impl Future<Output = Result<String, HostError>>;
}

/// Strongly consistent, atomic storage for sign-in state (a Durable Object per shard in
/// production): each command runs alone against its shard's records. Commands and answers cross
/// as the JSON they travel as; `oauth::ledger::call` is the typed way in.
pub trait SignInStore {
    /// Runs the JSON `command` on the shard named `shard` and returns its JSON answer.
    fn ledger(&self, shard: &str, command: String) -> impl Future<Output = Result<String, HostError>>;
}

/// What the `/sse` message endpoint asks of a session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SessionRequest {
    /// Is the session open, and does `owner` own it?
    Check {
        /// The caller's shard.
        owner: String,
    },
    /// Send `messages` down the session's stream, in order.
    Relay {
        /// The caller's shard.
        owner: String,
        /// JSON-RPC messages, serialized.
        messages: Vec<String>,
    },
}

/// A session's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum SessionAnswer {
    /// Open and owned by the caller; `instance` identifies the object's current incarnation.
    Open {
        /// Random per construction of the session object.
        instance: String,
    },
    /// No open stream (closed, never opened, or the client went away).
    Unknown,
    /// Open, but another user's.
    OtherUser,
}

/// `/sse` sessions (a Durable Object each in production).
pub trait SessionRelay {
    /// Asks the session `session_id`.
    fn session(
        &self,
        session_id: &str,
        request: SessionRequest,
    ) -> impl Future<Output = Result<SessionAnswer, HostError>>;
}

/// Other invocations to parse files in, each with its own CPU allowance (a Durable Object
/// request each in production): parsing every SKILL.md of a few thousand skills takes more CPU
/// than one invocation may use on the Workers free plan.
pub trait ParseWorkers {
    /// Has parse worker number `worker` parse `slice` (see [`crate::catalog::slices`]); returns
    /// its answer.
    fn parse_slice(&self, worker: usize, slice: Vec<u8>) -> impl Future<Output = Result<Vec<u8>, HostError>>;
}

/// Everything the core needs from its host, in one bound.
pub trait Platform:
    HttpClient
    + KvStore
    + Clock
    + Random
    + Digest
    + Signer
    + SignInStore
    + BranchWatchStore
    + UsageStore
    + SessionRelay
    + ParseWorkers
{
}

impl<
        T: HttpClient
            + KvStore
            + Clock
            + Random
            + Digest
            + Signer
            + SignInStore
            + BranchWatchStore
            + UsageStore
            + SessionRelay
            + ParseWorkers,
    > Platform for T
{
}
