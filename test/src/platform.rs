//! The ports in memory: a KV store that counts writes, a settable clock, sign-in ledgers and
//! `/sse` sessions in maps, parse workers run in place, and outbound requests answered by a
//! [`FakeGitHub`].

use crate::github::{FakeGitHub, API_URL, TOKEN};
use crate::records::MemoryRecords;
use skillport_connector::branch_watch;
use skillport_connector::config::Config;
use skillport_connector::identity::UserInfo;
use skillport_connector::oauth::id_token_crypto::JwsAlgorithm;
use skillport_connector::oauth::ledger::{self, Call, IssueCode, PendingCode, RedeemCode};
use skillport_connector::oauth::{bearer, shard_of, Site};
use skillport_connector::ports::{
    BranchWatchStore, Clock, Digest, FetchError, HostError, HttpClient, HttpRequest, HttpResponse, KvStore, Limits,
    ParseWorkers, Random, RandomUnavailable, SessionAnswer, SessionRelay, SessionRequest, SignInStore, Signer,
};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// The test configuration's `COOKIE_ENCRYPTION_KEY`.
pub const SIGNING_KEY_HEX: &str = "4f1c0a1e9d2b7c6e5a3f8d0b1c2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4";

/// The connector's origin in the native tests.
pub const BASE_URL: &str = "https://skills.example.com";

/// The ports in memory.
pub struct FakePlatform {
    /// The GitHub it talks to.
    pub github: FakeGitHub,
    /// Each sign-in shard's records, as its Durable Object would hold them.
    pub ledgers: RefCell<HashMap<String, MemoryRecords>>,
    /// Each branch watch's records, as its Durable Object would hold them.
    pub watches: RefCell<HashMap<String, MemoryRecords>>,
    /// Branch watch requests so far.
    pub watch_calls: Cell<u32>,
    /// Each usage log's tables, in SQLite as its Durable Object holds them.
    #[cfg(not(target_arch = "wasm32"))]
    pub usage: RefCell<HashMap<String, crate::sql::MemorySql>>,
    /// Answers given to usage commands by their name (`read_usage`…) instead of running them:
    /// how the benchmark, whose wasm build has no SQLite, supplies a large usage log.
    pub usage_replies: RefCell<HashMap<String, String>>,
    /// Usage log requests so far.
    pub usage_calls: Cell<u32>,
    /// Open `/sse` sessions: id → (owner shard, messages relayed to the stream).
    pub sessions: RefCell<HashMap<String, (String, Vec<String>)>>,
    kv: RefCell<HashMap<String, Vec<u8>>>,
    writes: Cell<u32>,
    github_requests: Cell<u32>,
    /// The current time, settable.
    pub now: Cell<u64>,
    /// Every `sleep`, in milliseconds.
    pub sleeps: RefCell<Vec<u64>>,
    /// The files of each slice sent to a parse worker, in order.
    pub parsed_slices: RefCell<Vec<usize>>,
    /// When set, every parse worker fails.
    pub parse_workers_down: Cell<bool>,
    /// Each parse worker's last answer, by worker number.
    pub parse_answers: RefCell<Vec<Vec<u8>>>,
    /// When set, parse workers answer with [`FakePlatform::parse_answers`] instead of parsing, so
    /// that a benchmark times only what the calling invocation does.
    pub replay_parse_answers: Cell<bool>,
    /// When set, the random source fails (as a broken host's would).
    pub random_fails: Cell<bool>,
}

impl FakePlatform {
    /// A platform whose outbound requests reach `github`.
    pub fn new(github: FakeGitHub) -> Self {
        FakePlatform {
            github,
            ledgers: RefCell::default(),
            watches: RefCell::default(),
            watch_calls: Cell::new(0),
            #[cfg(not(target_arch = "wasm32"))]
            usage: RefCell::default(),
            usage_replies: RefCell::default(),
            usage_calls: Cell::new(0),
            sessions: RefCell::default(),
            kv: RefCell::default(),
            writes: Cell::new(0),
            github_requests: Cell::new(0),
            now: Cell::new(1_800_000_000_000),
            sleeps: RefCell::default(),
            parsed_slices: RefCell::default(),
            parse_workers_down: Cell::new(false),
            parse_answers: RefCell::default(),
            replay_parse_answers: Cell::new(false),
            random_fails: Cell::new(false),
        }
    }

    /// A platform whose repository publishes one group, `sales` in `plugins/sales`, holding one
    /// skill, `proposal-writer` (its SKILL.md and a `notes.md`): the smallest marketplace a
    /// protocol-level test needs.
    pub fn with_one_skill() -> Self {
        let github = FakeGitHub::new("main");
        github.commit(&[
            (
                ".claude-plugin/marketplace.json",
                serde_json::json!({"name": "acme", "plugins": [{"name": "sales", "source": "./plugins/sales"}]})
                    .to_string(),
            ),
            (
                "plugins/sales/skills/proposal-writer/SKILL.md",
                "---\nname: proposal-writer\ndescription: Drafts proposals\n---\n".into(),
            ),
            ("plugins/sales/skills/proposal-writer/notes.md", "notes".into()),
        ]);
        FakePlatform::new(github)
    }

    /// A configuration pointing at the fake GitHub.
    pub fn config(&self) -> Config {
        let vars: HashMap<&str, &str> = [
            ("MARKETPLACE_REPO", "acme/skills"),
            ("GITHUB_SERVICE_TOKEN", TOKEN),
            ("GITHUB_API_URL", API_URL),
            ("COOKIE_ENCRYPTION_KEY", SIGNING_KEY_HEX),
            ("OIDC_ISSUER", "https://idp.example.com"),
            ("OIDC_CLIENT_ID", "skillport"),
            ("OIDC_CLIENT_SECRET", "upstream-secret"),
            ("OIDC_PROVIDER_NAME", "test"),
            ("ALLOWED_DOMAINS", "acme.example"),
            ("CONNECTOR_URL", BASE_URL),
        ]
        .into();
        Config::load(|name| vars.get(name).map(|v| v.to_string())).expect("test configuration is valid")
    }

    /// Signs `user` in (a grant in their shard, as a completed login makes) and returns an
    /// `Authorization` header value for requests to [`BASE_URL`].
    pub fn sign_in(&self, user: &UserInfo) -> String {
        let config = self.config();
        let shard = shard_of(&user.id);
        let now = self.now.get();
        let mut ledgers = self.ledgers.borrow_mut();
        let records = ledgers.entry(shard.clone()).or_default();
        let code = PendingCode {
            user: user.clone(),
            client_id: "test-client".into(),
            redirect_uri: "https://claude.ai/api/mcp/auth_callback".into(),
            code_challenge: "c".into(),
            resource: BASE_URL.into(),
            expires_at: now + 60_000,
            redeemed_by: None,
            upstream_refresh: None,
        };
        let state_hash = format!("{now}-{}", user.id);
        IssueCode { state_hash, code_hash: user.id.clone(), code, now }
            .run(records)
            .expect("memory records do not fail")
            .expect("a new state is accepted");
        let redeem = RedeemCode {
            code_hash: user.id.clone(),
            verifier_challenge: "c".into(),
            client_id: "test-client".into(),
            redirect_uri: "https://claude.ai/api/mcp/auth_callback".into(),
            grant_id: format!("grant-{now}"),
            grant_lifetime_ms: config.lifetimes.grant * 1000,
            now,
        };
        let grant = redeem.run(records).expect("memory records do not fail").expect("the test code is redeemed");
        drop(ledgers);
        let site = Site { platform: self, config: &config, base_url: BASE_URL };
        format!("Bearer {}", bearer::issue(&site, &shard, &grant).0)
    }

    /// One `tools/call` of `tool` through the whole router with `authorization` (a bearer header
    /// value), as an MCP 2025-06-18 client sends it: the HTTP status and the JSON-RPC `result`
    /// (`null` when there is none, as for a 401).
    pub async fn call_tool(
        &self,
        authorization: &str,
        tool: &str,
        arguments: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
        let request = http::Request::post(format!("{BASE_URL}/mcp"))
            .header("content-type", "application/json")
            .header("mcp-protocol-version", "2025-06-18")
            .header("authorization", authorization)
            .body(body.to_string().into_bytes())
            .expect("a valid request");
        let handled = skillport_connector::app::handle(self, &Ok(self.config()), request).await;
        let status = handled.response.status().as_u16();
        let reply: serde_json::Value = serde_json::from_slice(handled.response.body()).unwrap_or_default();
        (status, reply["result"].clone())
    }

    /// [`FakePlatform::sign_in`] for a default user, `test:ann` (ann@acme.example).
    pub fn bearer(&self) -> String {
        self.sign_in(&UserInfo {
            id: "test:ann".into(),
            email: "ann@acme.example".into(),
            name: Some("Ann".into()),
            domain: Some("acme.example".into()),
            ..Default::default()
        })
    }

    /// GitHub requests so far (those the core marks as GitHub's, as the Worker's adapter counts
    /// them for the request log).
    pub fn github_requests(&self) -> u32 {
        self.github_requests.get()
    }

    /// KV writes so far.
    pub fn kv_writes(&self) -> u32 {
        self.writes.get()
    }

    /// Everything in KV, to put back later with [`FakePlatform::restore_kv`].
    pub fn kv_contents(&self) -> HashMap<String, Vec<u8>> {
        self.kv.borrow().clone()
    }

    /// Replaces everything in KV.
    pub fn restore_kv(&self, contents: HashMap<String, Vec<u8>>) {
        *self.kv.borrow_mut() = contents;
    }
}

impl HttpClient for FakePlatform {
    async fn send(&self, request: HttpRequest, limits: Limits) -> Result<HttpResponse, FetchError> {
        if limits.github {
            self.github_requests.set(self.github_requests.get() + 1);
        }
        let response = self.github.answer(&request);
        if response.body().len() > limits.max_body_bytes {
            let host = request.uri().host().unwrap_or_default().to_string();
            return Err(FetchError::TooLarge { host, max_body_bytes: limits.max_body_bytes });
        }
        Ok(response)
    }
}

impl KvStore for FakePlatform {
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, HostError> {
        Ok(self.kv.borrow().get(key).cloned())
    }

    async fn kv_put(&self, key: &str, value: &[u8], _ttl_seconds: Option<u64>) -> Result<(), HostError> {
        self.writes.set(self.writes.get() + 1);
        self.kv.borrow_mut().insert(key.to_string(), value.to_vec());
        Ok(())
    }
}

impl Clock for FakePlatform {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }

    /// Returns at once, moving the clock forward and recording the wait.
    async fn sleep(&self, ms: u64) {
        self.sleeps.borrow_mut().push(ms);
        self.now.set(self.now.get() + ms);
    }
}

impl SignInStore for FakePlatform {
    async fn ledger(&self, shard: &str, command: String) -> Result<String, HostError> {
        let mut ledgers = self.ledgers.borrow_mut();
        ledger::apply(ledgers.entry(shard.to_string()).or_default(), &command)
    }
}

impl BranchWatchStore for FakePlatform {
    async fn branch_watch(&self, branch: &str, command: String) -> Result<String, HostError> {
        self.watch_calls.set(self.watch_calls.get() + 1);
        let mut watches = self.watches.borrow_mut();
        branch_watch::apply(watches.entry(branch.to_string()).or_default(), &command)
    }
}

impl skillport_connector::ports::UsageStore for FakePlatform {
    async fn usage(&self, name: &str, command: String) -> Result<String, HostError> {
        self.usage_calls.set(self.usage_calls.get() + 1);
        let kind = command.trim_start_matches(['{', '"']).split('"').next().unwrap_or_default().to_string();
        if let Some(reply) = self.usage_replies.borrow().get(&kind) {
            return Ok(reply.clone());
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let mut logs = self.usage.borrow_mut();
            skillport_connector::usage::apply(logs.entry(name.to_string()).or_default(), &command)
        }
        #[cfg(target_arch = "wasm32")]
        {
            let _ = name;
            Ok("null".into())
        }
    }
}

impl Signer for FakePlatform {
    /// RS256 with the `rsa` crate, as Web Crypto signs in the Workers runtime.
    async fn sign_rs256(&self, pkcs8_der: &[u8], message: &[u8]) -> Result<Vec<u8>, HostError> {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::signature::{SignatureEncoding, Signer as _};
        let key = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8_der).map_err(HostError::web_crypto)?;
        let signing = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
        Ok(signing.try_sign(message).map_err(HostError::web_crypto)?.to_vec())
    }

    async fn verify_jws(
        &self,
        algorithm: JwsAlgorithm,
        public_jwk: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, HostError> {
        crate::jws::verify(algorithm, public_jwk, message, signature).map_err(HostError::web_crypto)
    }
}

impl SessionRelay for FakePlatform {
    async fn session(&self, session_id: &str, request: SessionRequest) -> Result<SessionAnswer, HostError> {
        let mut sessions = self.sessions.borrow_mut();
        let Some((owner, relayed)) = sessions.get_mut(session_id) else { return Ok(SessionAnswer::Unknown) };
        let (asker, messages) = match request {
            SessionRequest::Check { owner } => (owner, Vec::new()),
            SessionRequest::Relay { owner, messages } => (owner, messages),
        };
        if asker != *owner {
            return Ok(SessionAnswer::OtherUser);
        }
        relayed.extend(messages);
        Ok(SessionAnswer::Open { instance: "memory".into() })
    }
}

impl ParseWorkers for FakePlatform {
    async fn parse_slice(&self, worker: usize, slice: Vec<u8>) -> Result<Vec<u8>, HostError> {
        if self.parse_workers_down.get() {
            return Err(HostError::parse_workers("the parse worker is unavailable"));
        }
        if self.replay_parse_answers.get() {
            return self
                .parse_answers
                .borrow()
                .get(worker)
                .cloned()
                .ok_or_else(|| HostError::parse_workers("no answer"));
        }
        let answer = skillport_connector::catalog::slices::parse_slice(&slice).map_err(HostError::parse_workers)?;
        let files = skillport_connector::catalog::slices::read_answer(&answer).map_err(HostError::parse_workers)?.len();
        self.parsed_slices.borrow_mut().push(files);
        let mut answers = self.parse_answers.borrow_mut();
        let len = answers.len().max(worker + 1);
        answers.resize(len, Vec::new());
        answers[worker] = answer.clone();
        Ok(answer)
    }
}

impl Digest for FakePlatform {
    async fn sha256(&self, data: &[u8]) -> [u8; 32] {
        use sha2::Digest as _;
        sha2::Sha256::digest(data).into()
    }
}

impl Random for FakePlatform {
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), RandomUnavailable> {
        if self.random_fails.get() {
            return Err(RandomUnavailable);
        }
        // Deterministic but never repeating within a test.
        let seed = self.now.get();
        self.now.set(seed + 1);
        for (i, byte) in buffer.iter_mut().enumerate() {
            *byte = (seed as usize).wrapping_mul(31).wrapping_add(i * 7) as u8;
        }
        Ok(())
    }
}
