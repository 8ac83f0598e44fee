//! The branch watch's Durable Object: one per served repository and branch, holding
//! [`crate::branch_watch`]'s records in its SQLite storage, and the port adapter that sends it
//! commands. Like the ledger, it runs each command synchronously (no `await` in between) and
//! keeps nothing in memory between requests.

use super::ledger_object::SqlRecords;
use crate::branch_watch;
use crate::ports::{BranchWatchStore, HostError};
use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, State};

/// The Durable Object binding's name in `wrangler.toml`.
pub const WATCH_BINDING: &str = "BRANCH_WATCH";

/// The watch of one branch.
#[durable_object]
pub struct BranchWatch {
    state: State,
}

impl DurableObject for BranchWatch {
    fn new(state: State, _env: Env) -> Self {
        BranchWatch { state }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let command = match request.text().await {
            Ok(command) => command,
            Err(e) => return Response::error(format!("unreadable branch watch command: {e}"), 400),
        };
        let records = SqlRecords::open(self.state.storage().sql());
        match records.and_then(|records| branch_watch::apply(&records, &command)) {
            Ok(answer) => Response::ok(answer),
            Err(e) => Response::error(e.to_string(), 500),
        }
    }
}

/// Sends commands to the watch objects.
pub struct WatchClient {
    namespace: Option<worker::ObjectNamespace>,
}

impl WatchClient {
    /// Binds to the `BRANCH_WATCH` namespace in `env`.
    pub fn new(env: &Env) -> Self {
        WatchClient { namespace: env.durable_object(WATCH_BINDING).ok() }
    }
}

impl BranchWatchStore for WatchClient {
    async fn branch_watch(&self, branch: &str, command: String) -> Result<String, HostError> {
        let namespace = self.namespace.as_ref().ok_or_else(|| {
            HostError::branch_watch(format_args!(
                "the Durable Object binding {WATCH_BINDING} is missing; see docs/CONFIGURATION.md"
            ))
        })?;
        let stub = namespace.get_by_name(branch).map_err(HostError::branch_watch)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(command.into()));
        let request = Request::new_with_init("https://branch-watch/command", &init).map_err(HostError::branch_watch)?;
        let mut response = stub.fetch_with_request(request).await.map_err(HostError::branch_watch)?;
        if response.status_code() != 200 {
            let text = response.text().await.unwrap_or_default();
            return Err(HostError::branch_watch(format_args!("it answered {}: {text}", response.status_code())));
        }
        response.text().await.map_err(HostError::branch_watch)
    }
}
