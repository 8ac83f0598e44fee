//! Sign-in state that must change atomically: authorization codes (single use), grants and
//! their refresh generation (rotation with a retry grace window), revocation, and when each
//! registered client last signed someone in.
//!
//! Each user's records live in one Durable Object of their own ("shard", named from a hash of
//! the user id), so every operation on a user's codes and grants runs one at a time, and
//! `revoke_user` ends them all in one place. The logic here is plain Rust over [`Records`], a
//! synchronous key-value view of the object's SQLite table: an operation reads and writes with
//! no `await` in between, which is what makes it atomic inside a Durable Object. The Worker sends
//! a [`Command`] and gets a [`Reply`]; the native tests run the same code over a `HashMap`.
//!
//! Nothing secret is stored: codes are stored under their SHA-256, refresh tokens are signed and
//! only their generation number is kept, access tokens are signed and not stored at all.

use crate::host::HostError;
use crate::identity::UserInfo;
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
}

/// What the Worker asks of a shard. Every command carries the Worker's clock reading.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Records the upstream state as used and stores a new code, unless the state was used.
    IssueCode {
        /// SHA-256 of the upstream state's random part.
        state_hash: String,
        /// SHA-256 of the code.
        code_hash: String,
        /// What the code stands for.
        code: PendingCode,
        /// Now.
        now: u64,
    },
    /// Redeems a code: checks client, redirect URI and PKCE, and creates the grant, once.
    RedeemCode {
        /// SHA-256 of the code.
        code_hash: String,
        /// The S256 challenge computed from the presented `code_verifier`.
        verifier_challenge: String,
        /// The authenticated client.
        client_id: String,
        /// The redirect URI presented at the token endpoint.
        redirect_uri: String,
        /// Id for the new grant.
        grant_id: String,
        /// The grant's absolute lifetime.
        grant_lifetime_ms: u64,
        /// Now.
        now: u64,
    },
    /// Rotates the refresh token of `grant_id` presented at `generation`.
    Refresh {
        /// The grant.
        grant_id: String,
        /// The generation of the presented token.
        generation: u64,
        /// The authenticated client.
        client_id: String,
        /// Now.
        now: u64,
    },
    /// Is the grant still live? (every authenticated request)
    Check {
        /// The grant.
        grant_id: String,
        /// Now.
        now: u64,
    },
    /// Ends one grant, if `client_id` owns it.
    Revoke {
        /// The grant.
        grant_id: String,
        /// The client asking.
        client_id: String,
    },
    /// Ends every grant in the shard (offboarding).
    RevokeAll,
    /// Notes that a client just signed someone in.
    TouchClient {
        /// A hash of the client id.
        client_key: String,
        /// Now.
        now: u64,
    },
    /// When did a client last sign someone in?
    ClientLastUsed {
        /// A hash of the client id.
        client_key: String,
        /// Now.
        now: u64,
    },
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
}

/// The answer to a [`Command`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// Done, nothing to report.
    Done,
    /// The grant, created or live; `generation` is that of the refresh token to hand out.
    Grant {
        /// The grant.
        grant: Grant,
    },
    /// A retry of the rotation just made (the previous refresh token, within the grace window):
    /// the grant, for an access token only. The current refresh token is not handed out again,
    /// so whoever holds a leaked previous token cannot take over the grant.
    Retried {
        /// The grant.
        grant: Grant,
    },
    /// Grants ended.
    Revoked {
        /// How many.
        count: u64,
    },
    /// When a client last signed someone in (milliseconds), if within memory.
    LastUsed {
        /// The time.
        at: Option<u64>,
    },
    /// The command was refused.
    Refused {
        /// Why.
        refusal: Refusal,
    },
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

/// Runs one command against a shard's records. Must be called with nothing else running on the
/// same records in between (a Durable Object guarantees it).
pub fn apply(records: &impl Records, command: Command) -> Result<Reply, HostError> {
    let refused = |refusal| Ok(Reply::Refused { refusal });
    match command {
        Command::IssueCode { state_hash, code_hash, code, now } => {
            records.purge_expired(now)?;
            let state_key = format!("state:{state_hash}");
            if records.get(&state_key, now)?.is_some() {
                return refused(Refusal::StateReused);
            }
            records.put(&state_key, "1", now + STATE_MEMORY_MS)?;
            let expires_at = code.expires_at;
            write(records, &code_key(&code_hash), &code, expires_at)?;
            Ok(Reply::Done)
        }
        Command::RedeemCode {
            code_hash,
            verifier_challenge,
            client_id,
            redirect_uri,
            grant_id,
            grant_lifetime_ms,
            now,
        } => {
            let key = code_key(&code_hash);
            let Some(mut code) = read::<PendingCode>(records, &key, now)? else {
                return refused(Refusal::UnknownCode);
            };
            if let Some(grant) = &code.redeemed_by {
                // RFC 6749 §4.1.2: a code used twice revokes what it granted.
                records.delete(&grant_key(grant))?;
                return refused(Refusal::CodeReused);
            }
            let refusal = if code.client_id != client_id {
                Some(Refusal::WrongClient)
            } else if code.redirect_uri != redirect_uri {
                Some(Refusal::RedirectMismatch)
            } else if code.code_challenge != verifier_challenge {
                Some(Refusal::PkceMismatch)
            } else {
                None
            };
            if let Some(refusal) = refusal {
                // A failed attempt burns the code: a guessed verifier gets no second try.
                records.delete(&key)?;
                return refused(refusal);
            }
            let grant = Grant {
                id: grant_id.clone(),
                user: code.user.clone(),
                client_id,
                resource: code.resource.clone(),
                created_at: now,
                expires_at: now + grant_lifetime_ms,
                generation: 0,
                rotated_at: 0,
            };
            code.redeemed_by = Some(grant_id);
            let expires_at = code.expires_at;
            write(records, &key, &code, expires_at)?;
            write(records, &grant_key(&grant.id), &grant, grant.expires_at)?;
            Ok(Reply::Grant { grant })
        }
        Command::Refresh { grant_id, generation, client_id, now } => {
            let key = grant_key(&grant_id);
            let Some(mut grant) = read::<Grant>(records, &key, now)? else {
                return refused(Refusal::GrantEnded);
            };
            if grant.expires_at <= now {
                records.delete(&key)?;
                return refused(Refusal::GrantExpired);
            }
            if grant.client_id != client_id {
                return refused(Refusal::WrongClient);
            }
            if generation == grant.generation {
                grant.generation += 1;
                grant.rotated_at = now;
                write(records, &key, &grant, grant.expires_at)?;
                Ok(Reply::Grant { grant })
            } else if generation + 1 == grant.generation && now.saturating_sub(grant.rotated_at) <= REFRESH_GRACE_MS {
                // A retry of the rotation just made: nothing written, so two concurrent refreshes
                // still leave a single live token; the retry gets an access token only.
                Ok(Reply::Retried { grant })
            } else {
                records.delete(&key)?;
                refused(Refusal::RefreshReused)
            }
        }
        Command::Check { grant_id, now } => match read::<Grant>(records, &grant_key(&grant_id), now)? {
            None => refused(Refusal::GrantEnded),
            Some(grant) if grant.expires_at <= now => refused(Refusal::GrantExpired),
            Some(grant) => Ok(Reply::Grant { grant }),
        },
        Command::Revoke { grant_id, client_id } => {
            let key = grant_key(&grant_id);
            match read::<Grant>(records, &key, 0)? {
                Some(grant) if grant.client_id != client_id => refused(Refusal::WrongClient),
                Some(_) => {
                    records.delete(&key)?;
                    Ok(Reply::Revoked { count: 1 })
                }
                None => Ok(Reply::Revoked { count: 0 }),
            }
        }
        Command::RevokeAll => {
            let count = records.delete_prefix("grant:")?;
            records.delete_prefix("code:")?;
            Ok(Reply::Revoked { count })
        }
        Command::TouchClient { client_key, now } => {
            records.purge_expired(now)?;
            records.put(&format!("client:{client_key}"), &now.to_string(), now + CLIENT_MEMORY_MS)?;
            Ok(Reply::Done)
        }
        Command::ClientLastUsed { client_key, now } => {
            let at = records.get(&format!("client:{client_key}"), now)?.and_then(|t| t.parse().ok());
            Ok(Reply::LastUsed { at })
        }
    }
}
