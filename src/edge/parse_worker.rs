//! The parse workers: a Durable Object class used only for its CPU allowance. A commit's first
//! build at thousands of skills sends its SKILL.md and plugin.json files here in slices (see
//! [`crate::catalog::slices`]); each request is its own invocation with its own 10 ms, so no
//! invocation exceeds the free plan's limit. The objects store nothing and hold nothing between
//! requests.

use crate::catalog::slices;
use crate::ports::{HostError, ParseWorkers};
use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, State};

/// The Durable Object binding's name in `wrangler.toml`.
pub const PARSERS_BINDING: &str = "PARSE_WORKERS";

/// One parse worker.
#[durable_object]
pub struct ParseWorker {
    _state: State,
}

impl DurableObject for ParseWorker {
    fn new(state: State, _env: Env) -> Self {
        ParseWorker { _state: state }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let slice = request.bytes().await?;
        match slices::parse_slice(&slice) {
            Ok(answer) => Response::from_bytes(answer),
            Err(e) => Response::error(e.to_string(), 422),
        }
    }
}

/// Sends slices to the parse workers.
pub struct ParseClient {
    namespace: Option<worker::ObjectNamespace>,
}

impl ParseClient {
    /// Binds to the `PARSE_WORKERS` namespace in `env`.
    pub fn new(env: &Env) -> Self {
        ParseClient { namespace: env.durable_object(PARSERS_BINDING).ok() }
    }
}

impl ParseWorkers for ParseClient {
    async fn parse_slice(&self, worker: usize, slice: Vec<u8>) -> Result<Vec<u8>, HostError> {
        let failed = |e: worker::Error| HostError::parse_workers(format_args!("worker {worker}: {e}"));
        let namespace = self.namespace.as_ref().ok_or_else(|| {
            HostError::parse_workers(format_args!(
                "the Durable Object binding {PARSERS_BINDING} is missing; see docs/CONFIGURATION.md"
            ))
        })?;
        // A fixed name per slice number: slices run at once on separate objects, and the same
        // few objects serve every build.
        let stub = namespace.get_by_name(&format!("parser-{worker}")).map_err(failed)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(js_sys::Uint8Array::from(slice.as_slice()).into()));
        let request = Request::new_with_init("https://parse-worker/slice", &init).map_err(failed)?;
        let mut response = stub.fetch_with_request(request).await.map_err(failed)?;
        if response.status_code() != 200 {
            let text = response.text().await.unwrap_or_default();
            return Err(HostError::parse_workers(format_args!(
                "worker {worker} answered {}: {text}",
                response.status_code()
            )));
        }
        response.bytes().await.map_err(failed)
    }
}
