//! Sign-in state that must change atomically: authorization codes (single use), grants and
//! their refresh generation (rotation with a retry grace window), revocation, and when each
//! registered client last signed someone in.
//!
//! Each user's records live in one Durable Object of their own ("shard", named from a hash of
//! the user id), so every operation on a user's codes and grants runs one at a time, and
//! `revoke_user` ends them all in one place. The logic here is plain Rust over [`Records`], a
//! synchronous key-value view of the object's SQLite table: an operation reads and writes with
//! no `await` in between, which is what makes it atomic inside a Durable Object.
//!
//! Each command is a struct of its own with the answer it gives ([`Call::Answer`]): the Worker
//! calls [`call`] with one and gets that answer back typed, through the object, which runs
//! [`apply`] on the JSON it receives; the native tests run the same code over a map in memory.
//!
//! Nothing secret is stored: codes are stored under their SHA-256, refresh tokens are signed and
//! only their generation number is kept, access tokens are signed and not stored at all.

mod commands;

pub use commands::{
    CheckGrant, ClientLastUsed, IssueCode, RedeemCode, Refresh, Refreshed, RevokeAll, RevokeGrant, TouchClient,
    UpstreamCheck,
};

use crate::host::HostError;
use crate::identity::UserInfo;
use crate::ports::SignInStore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A rotated refresh token presented again within this many milliseconds (a client retrying
/// after a lost response) gets the current token back instead of ending the grant.
pub const REFRESH_GRACE_MS: u64 = 30_000;
/// How long an authorization code may wait to be redeemed.
pub const CODE_LIFETIME_MS: u64 = 5 * 60_000;
/// How long a used upstream state is remembered (its own lifetime is shorter).
pub const STATE_MEMORY_MS: u64 = 15 * 60_000;
/// How long a client registration is remembered as used.
pub const CLIENT_MEMORY_MS: u64 = 90 * 86_400_000;

/// A synchronous key-value table with per-record expiry (a Durable Object's SQLite storage).
pub trait Records {
    /// The value under `key`, unless absent or expired at `now_ms`.
    fn get(&self, key: &str, now_ms: u64) -> Result<Option<String>, HostError>;
    /// Writes `value` under `key` until `expires_at_ms`.
    fn put(&self, key: &str, value: &str, expires_at_ms: u64) -> Result<(), HostError>;
    /// Removes `key`.
    fn delete(&self, key: &str) -> Result<(), HostError>;
    /// Removes every key starting with `prefix`; returns how many there were.
    fn delete_prefix(&self, prefix: &str) -> Result<u64, HostError>;
    /// Removes every record expired at `now_ms`.
    fn purge_expired(&self, now_ms: u64) -> Result<(), HostError>;
}

/// An authorization code waiting at the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCode {
    /// Who signed in.
    pub user: UserInfo,
    /// The client the code was issued to.
    pub client_id: String,
    /// The exact redirect URI of the authorization request.
    pub redirect_uri: String,
    /// The client's PKCE S256 challenge.
    pub code_challenge: String,
    /// The resource (RFC 8707) the token will be for.
    pub resource: String,
    /// When the code stops being redeemable.
    pub expires_at: u64,
    /// Set once redeemed: the grant it created (so a replay can end that grant).
    #[serde(default)]
    pub redeemed_by: Option<String>,
    /// The identity provider's refresh token, encrypted ([`crate::oauth::sealed`]); cleared
    /// when the code is redeemed, when it moves into the client's refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_refresh: Option<String>,
}

/// A user's authorization of one client: what refresh tokens and access tokens stand for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Random id, carried in the tokens.
    pub id: String,
    /// Who.
    pub user: UserInfo,
    /// For which client.
    pub client_id: String,
    /// For which resource.
    pub resource: String,
    /// When the user signed in.
    pub created_at: u64,
    /// The absolute end: after it the user signs in again, however often they refreshed.
    pub expires_at: u64,
    /// The generation of the only valid refresh token.
    pub generation: u64,
    /// When the previous generation was rotated out (for the retry grace window).
    pub rotated_at: u64,
    /// The identity provider's encrypted refresh token, in answers only (a redeemed code's, or a
    /// refresh's renewed one): it goes into the refresh token handed out, never into the stored
    /// grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_refresh: Option<String>,
}

/// Why a command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The upstream state was already used to sign in.
    #[error("this sign-in response was already used; start signing in again")]
    StateReused,
    /// No such code, or it expired.
    #[error("the authorization code is unknown or expired")]
    UnknownCode,
    /// The code was redeemed before; the grant it created has been ended.
    #[error("the authorization code was already used; the tokens issued for it are revoked")]
    CodeReused,
    /// The code belongs to another client.
    #[error("the authorization code was issued to another client")]
    WrongClient,
    /// The redirect URI differs from the authorization request's.
    #[error("redirect_uri does not match the authorization request")]
    RedirectMismatch,
    /// The PKCE verifier does not match the challenge.
    #[error("code_verifier does not match the code_challenge")]
    PkceMismatch,
    /// No such grant: never existed, revoked or ended.
    #[error("the sign-in has ended or was revoked; sign in again")]
    GrantEnded,
    /// The grant's absolute lifetime is over.
    #[error("the sign-in is older than its maximum lifetime; sign in again")]
    GrantExpired,
    /// A rotated refresh token came back after the grace window: the grant is ended.
    #[error("this refresh token was already used; the sign-in has been revoked for safety")]
    RefreshReused,
    /// The identity provider no longer admits the person: the grant is ended.
    #[error(
        "your identity provider ended your sign-in (or you are no longer allowed to use this connector); sign in again"
    )]
    UpstreamEnded,
}

/// A ledger command: what it carries (the struct), what it answers, and how it runs against a
/// shard's records. The answer of a command that may be refused is a `Result<_, Refusal>`.
pub trait Call: Into<Command> {
    /// What the command answers.
    type Answer: Serialize + DeserializeOwned;
    /// Runs the command against a shard's records. Must be called with nothing else running on
    /// the same records in between (a Durable Object guarantees it).
    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError>;
}

/// Every command as it travels to a shard's object, as JSON tagged with `op`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// [`IssueCode`].
    IssueCode(IssueCode),
    /// [`RedeemCode`].
    RedeemCode(RedeemCode),
    /// [`Refresh`].
    Refresh(Refresh),
    /// [`CheckGrant`].
    CheckGrant(CheckGrant),
    /// [`RevokeGrant`].
    RevokeGrant(RevokeGrant),
    /// [`RevokeAll`].
    RevokeAll(RevokeAll),
    /// [`TouchClient`].
    TouchClient(TouchClient),
    /// [`ClientLastUsed`].
    ClientLastUsed(ClientLastUsed),
}

/// Sends `command` to the shard named `shard` and returns its answer.
pub async fn call<C: Call>(store: &impl SignInStore, shard: &str, command: C) -> Result<C::Answer, HostError> {
    let command = serde_json::to_string(&command.into()).map_err(HostError::ledger)?;
    let answer = store.ledger(shard, command).await?;
    serde_json::from_str(&answer).map_err(|e| HostError::ledger(format_args!("unreadable answer: {e}")))
}

/// Runs a command received as JSON against a shard's records and returns its answer as JSON:
/// what a shard's object does with each request.
pub fn apply(records: &impl Records, command: &str) -> Result<String, HostError> {
    fn answer<C: Call>(command: C, records: &impl Records) -> Result<String, HostError> {
        serde_json::to_string(&command.run(records)?).map_err(HostError::ledger)
    }
    let command: Command =
        serde_json::from_str(command).map_err(|e| HostError::ledger(format_args!("unreadable command: {e}")))?;
    match command {
        Command::IssueCode(command) => answer(command, records),
        Command::RedeemCode(command) => answer(command, records),
        Command::Refresh(command) => answer(command, records),
        Command::CheckGrant(command) => answer(command, records),
        Command::RevokeGrant(command) => answer(command, records),
        Command::RevokeAll(command) => answer(command, records),
        Command::TouchClient(command) => answer(command, records),
        Command::ClientLastUsed(command) => answer(command, records),
    }
}

fn code_key(hash: &str) -> String {
    format!("code:{hash}")
}
fn grant_key(id: &str) -> String {
    format!("grant:{id}")
}

fn read<T: for<'de> Deserialize<'de>>(records: &impl Records, key: &str, now: u64) -> Result<Option<T>, HostError> {
    match records.get(key, now)? {
        None => Ok(None),
        Some(text) => {
            serde_json::from_str(&text).map(Some).map_err(|e| HostError::ledger(format_args!("record {key}: {e}")))
        }
    }
}

fn write<T: Serialize>(records: &impl Records, key: &str, value: &T, expires_at: u64) -> Result<(), HostError> {
    let text = serde_json::to_string(value).map_err(HostError::ledger)?;
    records.put(key, &text, expires_at)
}
