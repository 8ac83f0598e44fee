//! The wasm edge: the Workers entry point and the adapters that implement the core's ports over
//! the Workers runtime. Nothing here decides anything; it converts and delegates to [`crate::app`].

mod branch_watch_object;
mod ledger_object;
mod parse_worker;
mod platform;
mod sse_session;
mod usage_object;

use crate::app;
use crate::config::Config;
use platform::WorkerPlatform;
use worker::{console_error, console_log, event, Context, Env, Request, Response, ResponseBuilder};

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(request: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let platform = WorkerPlatform::new(&env);
    let config = Config::load(|name| setting(&env, name));
    // Aborted when the client disconnects (compatibility flag `enable_request_signal`); an /sse
    // stream ends with it.
    let disconnected = request.inner().signal();
    let request = match platform::to_core_request(request, app::MAX_BODY_BYTES).await {
        Ok(request) => request,
        Err(platform::IncomingError::TooLarge) => {
            let message = format!("a request body may be at most {} bytes", app::MAX_BODY_BYTES);
            return to_worker_response(crate::web::error(http::StatusCode::PAYLOAD_TOO_LARGE, "too_large", &message));
        }
        Err(platform::IncomingError::Unreadable(e)) => {
            console_error!("unreadable request: {e}");
            return Response::error("Bad Request: the request could not be read", 400);
        }
    };
    let mut handled = app::handle(&platform, &config, request).await;
    handled.log.watch_calls = platform.watch_calls.get();
    handled.log.usage_calls = platform.usage_calls.get();
    handled.log.github_requests = platform.github_requests.get();
    handled.log.kv_reads = platform.kv_reads.get();
    handled.log.kv_writes = platform.kv_writes.get();
    handled.log.ledger_calls = platform.ledger_calls.get();
    handled.log.parse_workers = platform.parse_calls.get();
    console_log!("{}", serde_json::to_string(&handled.log).unwrap_or_default());
    if let (Some(job), Ok(config)) = (handled.after.take(), config) {
        // A push: its catalog is built and announced after the response, with its own counts.
        ctx.wait_until(async move {
            let platform = WorkerPlatform::new(&env);
            let log = crate::push::after_response(&platform, &config, job).await;
            log_background(&platform, log);
        });
    }
    if let Some(open) = &handled.sse {
        // GET /sse: the live stream, with the headers (CORS) the router chose.
        let stream = platform.sessions.open_stream(open, disconnected).await?;
        let headers = stream.headers().clone();
        for (name, value) in &handled.response.headers().clone() {
            if let Ok(value) = value.to_str() {
                headers.set(name.as_str(), value)?;
            }
        }
        return Ok(stream.with_headers(headers));
    }
    to_worker_response(handled.response)
}

/// The cron trigger: the branch head polled, recorded and, when new, built and announced.
#[event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    let platform = WorkerPlatform::new(&env);
    match Config::load(|name| setting(&env, name)) {
        Ok(config) => {
            let log = crate::push::poll(&platform, &config).await;
            log_background(&platform, log);
        }
        Err(problems) => {
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            console_error!("the cron cannot poll the branch: {}", problems.join("; "));
        }
    }
}

fn log_background(platform: &WorkerPlatform, mut log: crate::push::BackgroundLog) {
    log.github_requests = platform.github_requests.get();
    log.kv_reads = platform.kv_reads.get();
    log.kv_writes = platform.kv_writes.get();
    console_log!("{}", serde_json::to_string(&log).unwrap_or_default());
}

/// A var or a secret by name (both are plain strings on `env`).
fn setting(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string()).or_else(|| env.secret(name).ok().map(|s| s.to_string()))
}

fn to_worker_response(response: crate::ports::HttpResponse) -> worker::Result<Response> {
    let (parts, body) = response.into_parts();
    let headers = worker::Headers::new();
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            headers.append(name.as_str(), value)?;
        }
    }
    let builder = ResponseBuilder::new().with_status(parts.status.as_u16()).with_headers(headers);
    // Statuses such as 202 and 204 must not carry a body object at all.
    Ok(if body.is_empty() { builder.empty() } else { builder.fixed(body) })
}
