//! The `/sse` transport's runtime half: the session Durable Object, the client that asks it
//! things, and the Worker side that holds the client's event stream.
//!
//! The Worker that answers `GET /sse` keeps the client's `text/event-stream` open and connects to
//! the session object with a WebSocket; the object accepts it with the hibernation API, so while
//! the session is idle the object is evicted from memory and costs no duration (an object that
//! held the stream itself could never sleep). A message POST (any Worker) asks the object to send
//! its JSON-RPC responses down that WebSocket; the stream's Worker writes them as `message`
//! events, with a keep-alive comment every 15 s. When the client goes away, the next write fails,
//! the Worker closes the WebSocket, and the object forgets the session.

use crate::mcp::sse::{message_event, SseOpen, KEEPALIVE, KEEPALIVE_MS};
use crate::ports::{HostError, SessionAnswer, SessionRelay, SessionRequest};
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use std::time::Duration;
use worker::{
    console_error, durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair, WebsocketEvent,
};

/// The Durable Object binding's name in `wrangler.toml`.
pub const SESSIONS_BINDING: &str = "SSE_SESSIONS";
const OWNER_TAG: &str = "owner:";

/// One `/sse` session. Its only state is the hibernatable WebSocket and its owner tag.
#[durable_object]
pub struct SseSession {
    state: State,
    /// Random per construction: a new value after a request shows the object was evicted and
    /// rebuilt (hibernation) in between.
    instance: String,
}

impl SseSession {
    fn answer(&self, owner: &str) -> SessionAnswer {
        let sockets = self.state.get_websockets();
        if sockets.is_empty() {
            return SessionAnswer::Unknown;
        }
        let owned =
            sockets.iter().any(|ws| self.state.get_tags(ws).iter().any(|t| t == &format!("{OWNER_TAG}{owner}")));
        if owned {
            SessionAnswer::Open { instance: self.instance.clone() }
        } else {
            SessionAnswer::OtherUser
        }
    }
}

impl DurableObject for SseSession {
    fn new(state: State, _env: Env) -> Self {
        let mut bytes = [0u8; 8];
        // A failed random source only makes the incarnation id less unique.
        let _ = getrandom::fill(&mut bytes);
        SseSession { state, instance: hex::encode(bytes) }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let path = request.path();
        if path == "/connect" {
            let owner = request.headers().get("x-owner")?.unwrap_or_default();
            let pair = WebSocketPair::new()?;
            self.state.accept_websocket_with_tags(&pair.server, &[&format!("{OWNER_TAG}{owner}")]);
            return Response::from_websocket(pair.client);
        }
        let ask: SessionRequest = match request.json().await {
            Ok(ask) => ask,
            Err(e) => return Response::error(format!("unreadable session request: {e}"), 400),
        };
        let answer = match ask {
            SessionRequest::Check { owner } => self.answer(&owner),
            SessionRequest::Relay { owner, messages } => {
                let answer = self.answer(&owner);
                if matches!(answer, SessionAnswer::Open { .. }) {
                    for ws in self.state.get_websockets_with_tag(&format!("{OWNER_TAG}{owner}")) {
                        for message in &messages {
                            ws.send_with_str(message)?;
                        }
                    }
                }
                answer
            }
        };
        Response::from_json(&answer)
    }

    async fn websocket_message(&self, _ws: WebSocket, _message: WebSocketIncomingMessage) -> worker::Result<()> {
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, _code: usize, _reason: String, _clean: bool) -> worker::Result<()> {
        // The stream's Worker went away: close our end too, so nothing is left of the session.
        let _ = ws.close(Some(1000), Some("session closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        let _ = ws.close(Some(1011), Some("session error"));
        Ok(())
    }
}

/// Asks session objects.
pub struct SessionClient {
    namespace: Option<worker::ObjectNamespace>,
}

impl SessionClient {
    /// Binds to the `SSE_SESSIONS` namespace in `env`.
    pub fn new(env: &Env) -> Self {
        SessionClient { namespace: env.durable_object(SESSIONS_BINDING).ok() }
    }

    fn stub(&self, session_id: &str) -> Result<worker::Stub, HostError> {
        let namespace = self.namespace.as_ref().ok_or_else(|| {
            HostError::sessions(format_args!(
                "the Durable Object binding {SESSIONS_BINDING} is missing; see docs/CONFIGURATION.md"
            ))
        })?;
        namespace.get_by_name(session_id).map_err(HostError::sessions)
    }

    /// Opens the session's WebSocket and returns the client's event stream as a response.
    pub async fn open_stream(&self, open: &SseOpen, disconnected: web_sys::AbortSignal) -> worker::Result<Response> {
        let stub = self.stub(&open.session_id).map_err(|e| worker::Error::RustError(e.to_string()))?;
        let headers = Headers::new();
        headers.set("upgrade", "websocket")?;
        headers.set("x-owner", &open.owner)?;
        let mut init = RequestInit::new();
        init.with_headers(headers);
        let answer = stub.fetch_with_request(Request::new_with_init("https://session/connect", &init)?).await?;
        let ws = answer
            .websocket()
            .ok_or_else(|| worker::Error::RustError("the session did not accept the WebSocket".into()))?;
        ws.accept()?;
        let (tx, rx) = futures_channel::mpsc::unbounded::<Result<Vec<u8>, worker::Error>>();
        let _ = tx.unbounded_send(Ok(open.endpoint_event().into_bytes()));
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = pump(&ws, &tx, &disconnected).await {
                console_error!("sse stream ended: {e}");
            }
            let _ = ws.close(Some(1000), Some("stream closed"));
        });
        let response = Response::from_stream(rx)?;
        let headers = Headers::new();
        headers.set("content-type", "text/event-stream")?;
        headers.set("cache-control", "no-cache, no-transform")?;
        headers.set("x-accel-buffering", "no")?;
        Ok(response.with_headers(headers))
    }
}

/// Copies the session's messages into the client's stream, with keep-alives, until either side
/// goes away.
async fn pump(
    ws: &WebSocket,
    tx: &futures_channel::mpsc::UnboundedSender<Result<Vec<u8>, worker::Error>>,
    disconnected: &web_sys::AbortSignal,
) -> worker::Result<()> {
    let mut events = ws.events()?;
    let signal = disconnected.clone();
    let mut gone = std::pin::pin!(wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |resolve, _| {
        if signal.aborted() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        } else {
            let _ = signal.add_event_listener_with_callback("abort", &resolve);
        }
    })));
    loop {
        let next = events.next();
        let tick = worker::Delay::from(Duration::from_millis(KEEPALIVE_MS));
        let Either::Left((waited, _)) = select(select(next, tick), gone.as_mut()).await else {
            // The client disconnected.
            return Ok(());
        };
        let frame = match waited {
            Either::Left((Some(Ok(WebsocketEvent::Message(message))), _)) => match message.text() {
                Some(text) => message_event(&text),
                None => continue,
            },
            Either::Left((Some(Ok(WebsocketEvent::Close(_))), _)) | Either::Left((None, _)) => return Ok(()),
            Either::Left((Some(Err(e)), _)) => return Err(e),
            Either::Right(_) => KEEPALIVE.to_string(),
        };
        if tx.unbounded_send(Ok(frame.into_bytes())).is_err() {
            // The client went away.
            return Ok(());
        }
    }
}

impl SessionRelay for SessionClient {
    async fn session(&self, session_id: &str, request: SessionRequest) -> Result<SessionAnswer, HostError> {
        let stub = self.stub(session_id)?;
        let body = serde_json::to_string(&request).map_err(HostError::sessions)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let request = Request::new_with_init("https://session/ask", &init).map_err(HostError::sessions)?;
        let mut response = stub.fetch_with_request(request).await.map_err(HostError::sessions)?;
        if response.status_code() != 200 {
            return Err(HostError::sessions(format_args!("the session answered {}", response.status_code())));
        }
        response.json().await.map_err(HostError::sessions)
    }
}
