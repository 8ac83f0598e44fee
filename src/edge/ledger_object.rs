//! The sign-in ledger's Durable Object: one instance per shard (a user, or the clients list),
//! holding [`crate::oauth::ledger`]'s records in its SQLite storage, and the port adapter that
//! sends it commands.
//!
//! The object reads the command, runs [`ledger::apply`] synchronously over its SQL table (no
//! `await` in between, so no other request interleaves), and answers the command's answer. It keeps nothing
//! in memory between requests, so it never needs to stay awake.

use crate::oauth::ledger::{self, Records};
use crate::ports::{HostError, SignInStore};
use serde::Deserialize;
use worker::{
    durable_object, DurableObject, Env, Method, Request, RequestInit, Response, SqlStorage, SqlStorageValue, State,
};

/// The Durable Object binding's name in `wrangler.toml`.
pub const LEDGER_BINDING: &str = "SIGN_IN_LEDGER";

/// One shard of the sign-in ledger.
#[durable_object]
pub struct SignInLedger {
    state: State,
}

impl DurableObject for SignInLedger {
    fn new(state: State, _env: Env) -> Self {
        SignInLedger { state }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let command = match request.text().await {
            Ok(command) => command,
            Err(e) => return Response::error(format!("unreadable ledger command: {e}"), 400),
        };
        let records = SqlRecords::open(self.state.storage().sql());
        match records.and_then(|records| ledger::apply(&records, &command)) {
            Ok(answer) => Response::ok(answer),
            Err(e) => Response::error(e.to_string(), 500),
        }
    }
}

/// The ledger's records in the object's SQLite database: one table, key → JSON value and expiry
/// (the branch watch keeps its records the same way).
pub(super) struct SqlRecords {
    sql: SqlStorage,
}

#[derive(Deserialize)]
struct ValueRow {
    value: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}

fn store_error(e: worker::Error) -> HostError {
    HostError::ledger(e)
}

fn integer(value: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

impl SqlRecords {
    pub(super) fn open(sql: SqlStorage) -> Result<Self, HostError> {
        sql.exec(
            "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL)",
            None,
        )
        .map_err(store_error)?;
        Ok(SqlRecords { sql })
    }
}

impl Records for SqlRecords {
    fn get(&self, key: &str, now_ms: u64) -> Result<Option<String>, HostError> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec("SELECT value FROM records WHERE key = ? AND expires_at > ?", vec![key.into(), integer(now_ms)])
            .and_then(|cursor| cursor.to_array())
            .map_err(store_error)?;
        Ok(rows.into_iter().next().map(|row| row.value))
    }

    fn put(&self, key: &str, value: &str, expires_at_ms: u64) -> Result<(), HostError> {
        self.sql
            .exec(
                "INSERT INTO records (key, value, expires_at) VALUES (?, ?, ?) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                vec![key.into(), value.into(), integer(expires_at_ms)],
            )
            .map(drop)
            .map_err(store_error)
    }

    fn delete(&self, key: &str) -> Result<(), HostError> {
        self.sql.exec("DELETE FROM records WHERE key = ?", vec![key.into()]).map(drop).map_err(store_error)
    }

    fn delete_prefix(&self, prefix: &str) -> Result<u64, HostError> {
        // substr rather than LIKE, so that `_` and `%` in a prefix mean themselves.
        let count: Vec<CountRow> = self
            .sql
            .exec(
                "SELECT count(*) AS n FROM records WHERE substr(key, 1, ?) = ?",
                vec![integer(prefix.len() as u64), prefix.into()],
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(store_error)?;
        self.sql
            .exec("DELETE FROM records WHERE substr(key, 1, ?) = ?", vec![integer(prefix.len() as u64), prefix.into()])
            .map_err(store_error)?;
        Ok(count.first().map_or(0, |row| row.n.max(0) as u64))
    }

    fn purge_expired(&self, now_ms: u64) -> Result<(), HostError> {
        self.sql.exec("DELETE FROM records WHERE expires_at <= ?", vec![integer(now_ms)]).map(drop).map_err(store_error)
    }
}

/// Sends ledger commands to the shard objects.
pub struct LedgerClient {
    namespace: Option<worker::ObjectNamespace>,
}

impl LedgerClient {
    /// Binds to the `SIGN_IN_LEDGER` namespace in `env`.
    pub fn new(env: &Env) -> Self {
        LedgerClient { namespace: env.durable_object(LEDGER_BINDING).ok() }
    }
}

impl SignInStore for LedgerClient {
    async fn ledger(&self, shard: &str, command: String) -> Result<String, HostError> {
        let namespace = self.namespace.as_ref().ok_or_else(|| {
            HostError::ledger(format_args!(
                "the Durable Object binding {LEDGER_BINDING} is missing; see docs/CONFIGURATION.md"
            ))
        })?;
        let stub = namespace.get_by_name(shard).map_err(store_error)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(command.into()));
        let request = Request::new_with_init("https://ledger/command", &init).map_err(store_error)?;
        let mut response = stub.fetch_with_request(request).await.map_err(store_error)?;
        if response.status_code() != 200 {
            let text = response.text().await.unwrap_or_default();
            return Err(HostError::ledger(format_args!("ledger shard answered {}: {text}", response.status_code())));
        }
        response.text().await.map_err(store_error)
    }
}
