//! SQLite in memory behind the usage log's [`Sql`] port: the same statements the Durable
//! Object's SQLite storage runs.

use rusqlite::types::ValueRef;
use serde_json::{Map, Value};
use skillport_connector::ports::HostError;
use skillport_connector::usage::{Sql, SqlParam};

/// One usage log's database.
pub struct MemorySql(rusqlite::Connection);

impl Default for MemorySql {
    fn default() -> Self {
        MemorySql(rusqlite::Connection::open_in_memory().expect("SQLite opens in memory"))
    }
}

impl Sql for MemorySql {
    fn exec(&self, statement: &str, params: &[SqlParam]) -> Result<Vec<Map<String, Value>>, HostError> {
        let mut prepared = self.0.prepare(statement).map_err(HostError::usage)?;
        let names: Vec<String> = prepared.column_names().into_iter().map(String::from).collect();
        let bound: Vec<rusqlite::types::Value> = params
            .iter()
            .map(|p| match p {
                SqlParam::Int(n) => rusqlite::types::Value::Integer(*n),
                SqlParam::Text(t) => rusqlite::types::Value::Text(t.clone()),
            })
            .collect();
        let mut rows = prepared.query(rusqlite::params_from_iter(bound)).map_err(HostError::usage)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(HostError::usage)? {
            let mut object = Map::new();
            for (i, name) in names.iter().enumerate() {
                let value = match row.get_ref(i).map_err(HostError::usage)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::from(n),
                    ValueRef::Real(f) => Value::from(f),
                    ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::from(b.to_vec()),
                };
                object.insert(name.clone(), value);
            }
            out.push(object);
        }
        Ok(out)
    }
}
