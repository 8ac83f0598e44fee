//! The usage log's Durable Object: one per served repository and branch, holding
//! [`crate::usage`]'s tables in its SQLite storage, and the port adapter that sends it commands.
//! Each command runs synchronously (no `await` in between).

use crate::ports::{HostError, UsageStore};
use crate::usage::{self, Sql, SqlParam};
use serde_json::{Map, Value};
use worker::{
    durable_object, DurableObject, Env, Method, Request, RequestInit, Response, SqlStorage, SqlStorageValue, State,
};

/// The Durable Object binding's name in `wrangler.toml`.
pub const USAGE_BINDING: &str = "USAGE_LOG";

/// The usage of one branch's skills.
#[durable_object]
pub struct UsageLog {
    state: State,
}

impl DurableObject for UsageLog {
    fn new(state: State, _env: Env) -> Self {
        UsageLog { state }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let command = match request.text().await {
            Ok(command) => command,
            Err(e) => return Response::error(format!("unreadable usage command: {e}"), 400),
        };
        match usage::apply(&Tables(self.state.storage().sql()), &command) {
            Ok(answer) => Response::ok(answer),
            Err(e) => Response::error(e.to_string(), 500),
        }
    }
}

/// The object's SQLite storage as the core's [`Sql`] port.
struct Tables(SqlStorage);

impl Sql for Tables {
    fn exec(&self, statement: &str, params: &[SqlParam]) -> Result<Vec<Map<String, Value>>, HostError> {
        let params: Vec<SqlStorageValue> = params
            .iter()
            .map(|p| match p {
                SqlParam::Int(n) => SqlStorageValue::Integer(*n),
                SqlParam::Text(t) => SqlStorageValue::String(t.clone()),
            })
            .collect();
        let cursor = self.0.exec(statement, params).map_err(HostError::usage)?;
        // Rows are read as raw values and named here: deserializing them into JSON maps through
        // serde-wasm-bindgen would cost the Worker about 20 KB.
        let columns = cursor.column_names();
        cursor
            .raw()
            .map(|row| {
                let row = row.map_err(HostError::usage)?;
                Ok(columns.iter().cloned().zip(row.into_iter().map(json_value)).collect())
            })
            .collect()
    }
}

/// A SQLite value as JSON (blobs are not used by the usage tables).
fn json_value(value: SqlStorageValue) -> Value {
    match value {
        SqlStorageValue::Null | SqlStorageValue::Blob(_) => Value::Null,
        SqlStorageValue::Boolean(b) => Value::Bool(b),
        SqlStorageValue::Integer(n) => Value::from(n),
        SqlStorageValue::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        SqlStorageValue::String(s) => Value::String(s),
    }
}

/// Sends commands to the usage objects.
pub struct UsageClient {
    namespace: Option<worker::ObjectNamespace>,
}

impl UsageClient {
    /// Binds to the `USAGE_LOG` namespace in `env`.
    pub fn new(env: &Env) -> Self {
        UsageClient { namespace: env.durable_object(USAGE_BINDING).ok() }
    }
}

impl UsageStore for UsageClient {
    async fn usage(&self, name: &str, command: String) -> Result<String, HostError> {
        let namespace = self.namespace.as_ref().ok_or_else(|| {
            HostError::usage(format_args!(
                "the Durable Object binding {USAGE_BINDING} is missing; see docs/CONFIGURATION.md"
            ))
        })?;
        let stub = namespace.get_by_name(name).map_err(HostError::usage)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(command.into()));
        let request = Request::new_with_init("https://usage-log/command", &init).map_err(HostError::usage)?;
        let mut response = stub.fetch_with_request(request).await.map_err(HostError::usage)?;
        if response.status_code() != 200 {
            let text = response.text().await.unwrap_or_default();
            return Err(HostError::usage(format_args!("it answered {}: {text}", response.status_code())));
        }
        response.text().await.map_err(HostError::usage)
    }
}
