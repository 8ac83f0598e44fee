//! The ledger's commands, one struct each with the answer it gives and what it does to a shard's
//! records. Every command carries the Worker's clock reading where time matters.

use super::{
    code_key, grant_key, read, write, Call, Command, Grant, PendingCode, Records, Refusal, CLIENT_MEMORY_MS,
    REFRESH_GRACE_MS, STATE_MEMORY_MS,
};
use crate::host::HostError;
use crate::identity::UserInfo;
use serde::{Deserialize, Serialize};

/// Records the upstream state as used and stores a new code, unless the state was used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueCode {
    /// SHA-256 of the upstream state's random part.
    pub state_hash: String,
    /// SHA-256 of the code.
    pub code_hash: String,
    /// What the code stands for.
    pub code: PendingCode,
    /// Now.
    pub now: u64,
}

impl Call for IssueCode {
    type Answer = Result<(), Refusal>;

    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError> {
        records.purge_expired(self.now)?;
        let state_key = format!("state:{}", self.state_hash);
        if records.get(&state_key, self.now)?.is_some() {
            return Ok(Err(Refusal::StateReused));
        }
        records.put(&state_key, "1", self.now + STATE_MEMORY_MS)?;
        write(records, &code_key(&self.code_hash), &self.code, self.code.expires_at)?;
        Ok(Ok(()))
    }
}

/// Redeems a code: checks client, redirect URI and PKCE, and creates the grant, once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RedeemCode {
    /// SHA-256 of the code.
    pub code_hash: String,
    /// The S256 challenge computed from the presented `code_verifier`.
    pub verifier_challenge: String,
    /// The authenticated client.
    pub client_id: String,
    /// The redirect URI presented at the token endpoint.
    pub redirect_uri: String,
    /// Id for the new grant.
    pub grant_id: String,
    /// The grant's absolute lifetime.
    pub grant_lifetime_ms: u64,
    /// Now.
    pub now: u64,
}

impl Call for RedeemCode {
    /// The new grant.
    type Answer = Result<Grant, Refusal>;

    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError> {
        let key = code_key(&self.code_hash);
        let Some(mut code) = read::<PendingCode>(records, &key, self.now)? else {
            return Ok(Err(Refusal::UnknownCode));
        };
        if let Some(grant) = &code.redeemed_by {
            // RFC 6749 §4.1.2: a code used twice revokes what it granted.
            records.delete(&grant_key(grant))?;
            return Ok(Err(Refusal::CodeReused));
        }
        let refusal = if code.client_id != self.client_id {
            Some(Refusal::WrongClient)
        } else if code.redirect_uri != self.redirect_uri {
            Some(Refusal::RedirectMismatch)
        } else if code.code_challenge != self.verifier_challenge {
            Some(Refusal::PkceMismatch)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            // A failed attempt burns the code: a guessed verifier gets no second try.
            records.delete(&key)?;
            return Ok(Err(refusal));
        }
        let grant = Grant {
            id: self.grant_id.clone(),
            user: code.user.clone(),
            client_id: self.client_id,
            resource: code.resource.clone(),
            created_at: self.now,
            expires_at: self.now + self.grant_lifetime_ms,
            generation: 0,
            rotated_at: 0,
            upstream_refresh: None,
        };
        code.redeemed_by = Some(self.grant_id);
        let upstream_refresh = code.upstream_refresh.take();
        write(records, &key, &code, code.expires_at)?;
        write(records, &grant_key(&grant.id), &grant, grant.expires_at)?;
        Ok(Ok(Grant { upstream_refresh, ..grant }))
    }
}

/// Rotates the refresh token of `grant_id` presented at `generation`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refresh {
    /// The grant.
    pub grant_id: String,
    /// The generation of the presented token.
    pub generation: u64,
    /// The authenticated client.
    pub client_id: String,
    /// Now.
    pub now: u64,
    /// What the identity provider said when asked again (with `OIDC_REFRESH_GROUPS`).
    #[serde(default)]
    pub upstream: UpstreamCheck,
}

/// What the identity provider said about the person at a refresh: applied only when the
/// refresh rotates (a retry within the grace window changes nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "upstream", content = "user", rename_all = "snake_case")]
pub enum UpstreamCheck {
    /// Not asked, or not answering: the grant keeps what it knows.
    #[default]
    Unchanged,
    /// Still admitted, as this (the groups as the directory has them now).
    Renewed(UserInfo),
    /// No longer admitted (the provider ended the sign-in, or the rules now refuse the
    /// person): the grant ends.
    Ended,
}

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refreshed", content = "grant", rename_all = "snake_case")]
pub enum Refreshed {
    /// The token was rotated: hand out an access token and a refresh token of the grant's
    /// (new) generation.
    Rotated(Grant),
    /// A retry of the rotation just made (the previous refresh token, within the grace window):
    /// an access token only. The current refresh token is not handed out again, so whoever holds
    /// a leaked previous token cannot take over the grant.
    Retried(Grant),
}

impl Call for Refresh {
    type Answer = Result<Refreshed, Refusal>;

    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError> {
        let key = grant_key(&self.grant_id);
        let Some(mut grant) = read::<Grant>(records, &key, self.now)? else {
            return Ok(Err(Refusal::GrantEnded));
        };
        if grant.expires_at <= self.now {
            records.delete(&key)?;
            return Ok(Err(Refusal::GrantExpired));
        }
        if grant.client_id != self.client_id {
            return Ok(Err(Refusal::WrongClient));
        }
        if self.generation == grant.generation {
            match self.upstream {
                UpstreamCheck::Unchanged => {}
                // The same person, or the grant ends: a refresh never turns into someone else.
                UpstreamCheck::Renewed(user) if user.id == grant.user.id => grant.user = user,
                UpstreamCheck::Renewed(_) | UpstreamCheck::Ended => {
                    records.delete(&key)?;
                    return Ok(Err(Refusal::UpstreamEnded));
                }
            }
            grant.generation += 1;
            grant.rotated_at = self.now;
            write(records, &key, &grant, grant.expires_at)?;
            Ok(Ok(Refreshed::Rotated(grant)))
        } else if self.generation + 1 == grant.generation
            && self.now.saturating_sub(grant.rotated_at) <= REFRESH_GRACE_MS
        {
            // Nothing written, so two concurrent refreshes still leave a single live token.
            Ok(Ok(Refreshed::Retried(grant)))
        } else {
            records.delete(&key)?;
            Ok(Err(Refusal::RefreshReused))
        }
    }
}

/// Is the grant still live? (every authenticated request)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckGrant {
    /// The grant.
    pub grant_id: String,
    /// Now.
    pub now: u64,
}

impl Call for CheckGrant {
    /// The live grant.
    type Answer = Result<Grant, Refusal>;

    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError> {
        Ok(match read::<Grant>(records, &grant_key(&self.grant_id), self.now)? {
            None => Err(Refusal::GrantEnded),
            Some(grant) if grant.expires_at <= self.now => Err(Refusal::GrantExpired),
            Some(grant) => Ok(grant),
        })
    }
}

/// Ends one grant, if `client_id` owns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevokeGrant {
    /// The grant.
    pub grant_id: String,
    /// The client asking.
    pub client_id: String,
}

impl Call for RevokeGrant {
    /// Whether a live grant was ended (false: there was none).
    type Answer = Result<bool, Refusal>;

    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError> {
        let key = grant_key(&self.grant_id);
        Ok(match read::<Grant>(records, &key, 0)? {
            Some(grant) if grant.client_id != self.client_id => Err(Refusal::WrongClient),
            Some(_) => {
                records.delete(&key)?;
                Ok(true)
            }
            None => Ok(false),
        })
    }
}

/// Ends every grant and code in the shard (offboarding).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevokeAll {}

impl Call for RevokeAll {
    /// How many grants were ended.
    type Answer = u64;

    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError> {
        let count = records.delete_prefix("grant:")?;
        records.delete_prefix("code:")?;
        Ok(count)
    }
}

/// Notes that a client just signed someone in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TouchClient {
    /// A hash of the client id.
    pub client_key: String,
    /// Now.
    pub now: u64,
}

impl Call for TouchClient {
    type Answer = ();

    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError> {
        records.purge_expired(self.now)?;
        records.put(&format!("client:{}", self.client_key), &self.now.to_string(), self.now + CLIENT_MEMORY_MS)
    }
}

/// When did a client last sign someone in?
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientLastUsed {
    /// A hash of the client id.
    pub client_key: String,
    /// Now.
    pub now: u64,
}

impl Call for ClientLastUsed {
    /// The time (milliseconds), if within memory.
    type Answer = Option<u64>;

    fn run(self, records: &impl Records) -> Result<Self::Answer, HostError> {
        Ok(records.get(&format!("client:{}", self.client_key), self.now)?.and_then(|t| t.parse().ok()))
    }
}

macro_rules! into_command {
    ($($command:ident),*) => {$(
        impl From<$command> for Command {
            fn from(command: $command) -> Self {
                Command::$command(command)
            }
        }
    )*};
}

into_command!(IssueCode, RedeemCode, Refresh, CheckGrant, RevokeGrant, RevokeAll, TouchClient, ClientLastUsed);
