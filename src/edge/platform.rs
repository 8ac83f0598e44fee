//! The core's ports over the Workers runtime: `fetch` (without following redirects, with a
//! timeout), Workers KV, `Date.now()`, timers and the Web Crypto random source.

use crate::ports::{
    Clock, Digest, FetchError, HostError, HttpClient, HttpRequest, HttpResponse, KvStore, Limits, Random,
    RandomUnavailable, SignInStore,
};
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use std::cell::Cell;
use std::time::Duration;
use wasm_bindgen::JsCast;
use worker::{AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// The KV namespace binding for caches.
pub const KV_BINDING: &str = "OAUTH_KV";

/// The ports, bound to one request's `env`.
pub struct WorkerPlatform {
    kv: Option<worker::kv::KvStore>,
    ledger: super::ledger_object::LedgerClient,
    /// The `/sse` session objects.
    pub sessions: super::sse_session::SessionClient,
    /// GitHub requests so far (those sent with `Limits::github`), for the request log.
    pub github_requests: Cell<u32>,
    /// KV reads so far, for the request log.
    pub kv_reads: Cell<u32>,
    /// KV writes so far, for the request log.
    pub kv_writes: Cell<u32>,
    /// Sign-in ledger requests so far, for the request log.
    pub ledger_calls: Cell<u32>,
    parsers: super::parse_worker::ParseClient,
    /// Parse worker requests so far, for the request log.
    pub parse_calls: Cell<u32>,
    watch: super::branch_watch_object::WatchClient,
    /// Branch watch requests so far, for the request log.
    pub watch_calls: Cell<u32>,
    usage: super::usage_object::UsageClient,
    /// Usage log requests so far, for the request log.
    pub usage_calls: Cell<u32>,
}

impl WorkerPlatform {
    /// Binds the ports to `env`.
    pub fn new(env: &Env) -> Self {
        WorkerPlatform {
            kv: env.kv(KV_BINDING).ok(),
            ledger: super::ledger_object::LedgerClient::new(env),
            sessions: super::sse_session::SessionClient::new(env),
            github_requests: Cell::new(0),
            kv_reads: Cell::new(0),
            kv_writes: Cell::new(0),
            ledger_calls: Cell::new(0),
            parsers: super::parse_worker::ParseClient::new(env),
            parse_calls: Cell::new(0),
            watch: super::branch_watch_object::WatchClient::new(env),
            watch_calls: Cell::new(0),
            usage: super::usage_object::UsageClient::new(env),
            usage_calls: Cell::new(0),
        }
    }
}

/// Why an incoming request could not be taken in.
pub enum IncomingError {
    /// Its body is larger than any endpoint accepts.
    TooLarge,
    /// It could not be read.
    Unreadable(String),
}

/// Converts the incoming Workers request into the core's request type. The body is refused
/// before anything else runs (authentication included) when its `Content-Length` says it is over
/// `max_body_bytes`, and read in chunks that stop at that size when it does not say.
pub async fn to_core_request(mut request: Request, max_body_bytes: usize) -> Result<HttpRequest, IncomingError> {
    let unreadable = |e: worker::Error| IncomingError::Unreadable(e.to_string());
    let declared = request.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max_body_bytes) {
        return Err(IncomingError::TooLarge);
    }
    let body = match request.method() {
        Method::Get | Method::Head | Method::Options => Vec::new(),
        // A request without a body (a POST with none) has no stream to read.
        _ if request.inner().body().is_none() => Vec::new(),
        _ => match read_capped(request.stream().map_err(unreadable)?, max_body_bytes).await {
            Ok(Some(body)) => body,
            Ok(None) => return Err(IncomingError::TooLarge),
            Err(e) => return Err(unreadable(e)),
        },
    };
    let url = request.url().map_err(unreadable)?;
    let mut builder = http::Request::builder().method(request.method().as_ref()).uri(url.as_str());
    for (name, value) in request.headers().entries() {
        builder = builder.header(name, value);
    }
    builder.body(body).map_err(|e| IncomingError::Unreadable(e.to_string()))
}

/// The bytes of `stream`, or `None` as soon as they pass `max_bytes` (the rest is never read).
async fn read_capped(mut stream: worker::ByteStream, max_bytes: usize) -> Result<Option<Vec<u8>>, worker::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > max_bytes {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

impl SignInStore for WorkerPlatform {
    async fn ledger(&self, shard: &str, command: String) -> Result<String, HostError> {
        self.ledger_calls.set(self.ledger_calls.get() + 1);
        self.ledger.ledger(shard, command).await
    }
}

impl crate::ports::BranchWatchStore for WorkerPlatform {
    async fn branch_watch(&self, branch: &str, command: String) -> Result<String, HostError> {
        self.watch_calls.set(self.watch_calls.get() + 1);
        self.watch.branch_watch(branch, command).await
    }
}

impl crate::ports::UsageStore for WorkerPlatform {
    async fn usage(&self, name: &str, command: String) -> Result<String, HostError> {
        self.usage_calls.set(self.usage_calls.get() + 1);
        self.usage.usage(name, command).await
    }
}

impl crate::ports::Signer for WorkerPlatform {
    async fn sign_rs256(&self, pkcs8_der: &[u8], message: &[u8]) -> Result<Vec<u8>, HostError> {
        web_crypto_sign_rs256(pkcs8_der, message).await.map_err(HostError::web_crypto)
    }

    async fn verify_jws(
        &self,
        algorithm: crate::oauth::id_token_crypto::JwsAlgorithm,
        public_jwk: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, HostError> {
        web_crypto_verify(algorithm, public_jwk, message, signature).await.map_err(HostError::web_crypto)
    }
}

/// `crypto.subtle.importKey("jwk", …)` then `verify`: an ID token's signature, checked by the
/// runtime. The import and verify parameters of each algorithm are Web Crypto's (RSASSA-PKCS1-v1_5,
/// RSA-PSS with a salt as long as the hash, ECDSA on P-256).
async fn web_crypto_verify(
    algorithm: crate::oauth::id_token_crypto::JwsAlgorithm,
    public_jwk: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, String> {
    use crate::oauth::id_token_crypto::JwsAlgorithm;
    use wasm_bindgen::JsValue;
    let describe = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let object = |pairs: &[(&str, JsValue)]| -> Result<js_sys::Object, String> {
        let object = js_sys::Object::new();
        for (name, value) in pairs {
            js_sys::Reflect::set(&object, &JsValue::from_str(name), value).map_err(describe)?;
        }
        Ok(object)
    };
    let hash = JsValue::from_str(algorithm.hash());
    let (import, verify) = match algorithm {
        JwsAlgorithm::RsaPkcs1 { .. } => {
            let name = JsValue::from_str("RSASSA-PKCS1-v1_5");
            (object(&[("name", name.clone()), ("hash", hash)])?, object(&[("name", name)])?)
        }
        JwsAlgorithm::RsaPss { bits } => {
            let name = JsValue::from_str("RSA-PSS");
            let salt = JsValue::from_f64(f64::from(bits / 8));
            (object(&[("name", name.clone()), ("hash", hash)])?, object(&[("name", name), ("saltLength", salt)])?)
        }
        JwsAlgorithm::EcdsaP256 => {
            let name = JsValue::from_str("ECDSA");
            (
                object(&[("name", name.clone()), ("namedCurve", JsValue::from_str("P-256"))])?,
                object(&[("name", name), ("hash", hash)])?,
            )
        }
    };
    let subtle = subtle_crypto().map_err(describe)?;
    let jwk: js_sys::Object = js_sys::JSON::parse(public_jwk).map_err(describe)?.dyn_into().map_err(describe)?;
    let usages = js_sys::Array::of1(&"verify".into());
    let imported = subtle.import_key_with_object("jwk", &jwk, &import, false, &usages).map_err(describe)?;
    let key: web_sys::CryptoKey =
        wasm_bindgen_futures::JsFuture::from(imported).await.map_err(describe)?.dyn_into().map_err(describe)?;
    let verified =
        subtle.verify_with_object_and_u8_array_and_u8_array(&verify, &key, signature, message).map_err(describe)?;
    Ok(wasm_bindgen_futures::JsFuture::from(verified).await.map_err(describe)?.as_bool() == Some(true))
}

/// `crypto.subtle.importKey("pkcs8", …, RSASSA-PKCS1-v1_5 / SHA-256)` then `sign`: the RSA
/// signature of a GitHub App's token, by the runtime rather than by code in the wasm.
async fn web_crypto_sign_rs256(pkcs8_der: &[u8], message: &[u8]) -> Result<Vec<u8>, String> {
    use wasm_bindgen::JsValue;
    let describe = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let subtle = subtle_crypto().map_err(describe)?;
    let algorithm = js_sys::Object::new();
    js_sys::Reflect::set(&algorithm, &"name".into(), &"RSASSA-PKCS1-v1_5".into()).map_err(describe)?;
    js_sys::Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).map_err(describe)?;
    let usages = js_sys::Array::of1(&"sign".into());
    let key_data = js_sys::Uint8Array::from(pkcs8_der);
    let import = subtle.import_key_with_object("pkcs8", &key_data, &algorithm, false, &usages).map_err(describe)?;
    let key: web_sys::CryptoKey =
        wasm_bindgen_futures::JsFuture::from(import).await.map_err(describe)?.dyn_into().map_err(describe)?;
    let sign = subtle.sign_with_object_and_u8_array(&algorithm, &key, message).map_err(describe)?;
    let signature = wasm_bindgen_futures::JsFuture::from(sign).await.map_err(describe)?;
    Ok(js_sys::Uint8Array::new(&signature).to_vec())
}

impl crate::ports::ParseWorkers for WorkerPlatform {
    async fn parse_slice(&self, worker: usize, slice: Vec<u8>) -> Result<Vec<u8>, HostError> {
        self.parse_calls.set(self.parse_calls.get() + 1);
        self.parsers.parse_slice(worker, slice).await
    }
}

impl crate::ports::SessionRelay for WorkerPlatform {
    async fn session(
        &self,
        session_id: &str,
        request: crate::ports::SessionRequest,
    ) -> Result<crate::ports::SessionAnswer, HostError> {
        self.sessions.session(session_id, request).await
    }
}

impl HttpClient for WorkerPlatform {
    async fn send(&self, request: HttpRequest, limits: Limits) -> Result<HttpResponse, FetchError> {
        let Limits { timeout_ms, max_body_bytes, github } = limits;
        if github {
            self.github_requests.set(self.github_requests.get() + 1);
        }
        let host = request.uri().host().unwrap_or_default().to_string();
        let too_large = FetchError::TooLarge { host: host.clone(), max_body_bytes };
        let network = |message: String| FetchError::Network { host: host.clone(), message };
        let (parts, body) = request.into_parts();
        let headers = Headers::new();
        for (name, value) in &parts.headers {
            if let Ok(value) = value.to_str() {
                headers.append(name.as_str(), value).map_err(|e| network(e.to_string()))?;
            }
        }
        let mut init = RequestInit::new();
        init.with_method(Method::from(parts.method.to_string()))
            .with_headers(headers)
            .with_redirect(RequestRedirect::Manual);
        if !body.is_empty() {
            init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        }
        let request = Request::new_with_init(&parts.uri.to_string(), &init).map_err(|e| network(e.to_string()))?;

        // The whole exchange, body included, races a timer; on timeout the fetch is aborted, so a
        // slow server never holds the invocation past the timeout.
        let controller = AbortController::default();
        let signal = controller.signal();
        let exchange = Box::pin(async move {
            let mut response = Fetch::Request(request).send_with_signal(&signal).await.map_err(|e| e.to_string())?;
            let mut builder = http::Response::builder().status(response.status_code());
            let mut declared = None;
            for (name, value) in response.headers().entries() {
                if name.eq_ignore_ascii_case("content-length") {
                    declared = value.parse::<usize>().ok();
                }
                builder = builder.header(name, value);
            }
            if declared.is_some_and(|length| length > max_body_bytes) {
                return Ok(None);
            }
            let bytes = match response.body() {
                // A 304 or 204 has no body at all.
                worker::ResponseBody::Empty => Vec::new(),
                worker::ResponseBody::Body(bytes) if bytes.len() > max_body_bytes => return Ok(None),
                worker::ResponseBody::Body(bytes) => bytes.clone(),
                worker::ResponseBody::Stream(_) => {
                    match read_capped(response.stream().map_err(|e| e.to_string())?, max_body_bytes)
                        .await
                        .map_err(|e| e.to_string())?
                    {
                        Some(bytes) => bytes,
                        None => return Ok(None),
                    }
                }
            };
            builder.body(bytes).map(Some).map_err(|e| e.to_string())
        });
        let timer = Delay::from(Duration::from_millis(timeout_ms));
        match select(exchange, timer).await {
            Either::Left((Ok(Some(response)), _)) => Ok(response),
            Either::Left((Ok(None), _)) => {
                // Stop the rest of the body from being read.
                controller.abort();
                Err(too_large)
            }
            Either::Left((Err(message), _)) => Err(network(message)),
            Either::Right(_) => {
                controller.abort();
                Err(FetchError::Timeout { host, timeout_ms })
            }
        }
    }
}

impl KvStore for WorkerPlatform {
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, HostError> {
        let kv = self.kv.as_ref().ok_or_else(missing_binding)?;
        self.kv_reads.set(self.kv_reads.get() + 1);
        kv.get(key).bytes().await.map_err(HostError::kv)
    }

    async fn kv_put(&self, key: &str, value: &[u8], ttl_seconds: Option<u64>) -> Result<(), HostError> {
        let kv = self.kv.as_ref().ok_or_else(missing_binding)?;
        self.kv_writes.set(self.kv_writes.get() + 1);
        let mut put = kv.put_bytes(key, value).map_err(HostError::kv)?;
        if let Some(ttl) = ttl_seconds {
            // Workers KV refuses TTLs under 60 seconds.
            put = put.expiration_ttl(ttl.max(60));
        }
        put.execute().await.map_err(HostError::kv)
    }
}

fn missing_binding() -> HostError {
    HostError::kv(format_args!("the KV namespace binding {KV_BINDING} is missing; declare it in wrangler.toml"))
}

impl Clock for WorkerPlatform {
    fn now_ms(&self) -> u64 {
        worker::Date::now().as_millis()
    }

    async fn sleep(&self, ms: u64) {
        Delay::from(Duration::from_millis(ms)).await;
    }
}

impl Digest for WorkerPlatform {
    async fn sha256(&self, data: &[u8]) -> [u8; 32] {
        match web_crypto_sha256(data).await {
            Some(digest) => digest,
            // Web Crypto is always present in the Workers runtime; hashing in wasm is the
            // slower but equal answer should it ever fail.
            None => {
                sha2::Digest::finalize(sha2::Digest::chain_update(<sha2::Sha256 as sha2::Digest>::new(), data)).into()
            }
        }
    }
}

/// The runtime's `crypto.subtle`. The Workers global is not an `instanceof WorkerGlobalScope`,
/// so `crypto` is read from it by name.
fn subtle_crypto() -> Result<web_sys::SubtleCrypto, wasm_bindgen::JsValue> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())?;
    if crypto.is_undefined() {
        return Err("the runtime has no Web Crypto".into());
    }
    Ok(crypto.unchecked_into::<web_sys::Crypto>().subtle())
}

/// `crypto.subtle.digest("SHA-256", data)`.
async fn web_crypto_sha256(data: &[u8]) -> Option<[u8; 32]> {
    let promise = subtle_crypto().ok()?.digest_with_str_and_u8_array("SHA-256", data).ok()?;
    let buffer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    js_sys::Uint8Array::new(&buffer).to_vec().try_into().ok()
}

impl Random for WorkerPlatform {
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), RandomUnavailable> {
        // getrandom's `wasm_js` backend reads crypto.getRandomValues; if that fails the request
        // fails, rather than handing out a predictable code or id.
        getrandom::fill(buffer).map_err(|_| RandomUnavailable)
    }
}
