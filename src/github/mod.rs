//! A small client for the few GitHub REST endpoints the connector reads.
//!
//! Written against the `HttpClient` port rather than with an SDK crate: the GitHub SDKs for Rust
//! bring their own HTTP stack (hyper/reqwest), which does not run inside a Worker, and the
//! connector needs only a handful of endpoints. Every request is marked as GitHub's, so the host
//! counts it for the request log and budgets can be shown.

use crate::config::{GitHubApp, RepoName, Secret};
use crate::keys::Keys;
use crate::ports::{FetchError, HttpRequest, HttpResponse, Limits, Platform};
use serde::Deserialize;
use url::Url;

pub mod app;
mod errors;

pub use errors::GitHubError;
use errors::{check_status, header, unexpected};

/// The `User-Agent` GitHub requires on every request.
pub const USER_AGENT: &str = concat!("skillport-connector/", env!("CARGO_PKG_VERSION"));

/// The largest zipball the connector reads: it is held in memory (twice while a new commit's
/// catalog is built), and Workers give an isolate 128 MB.
pub const MAX_ARCHIVE_BYTES: usize = 40 << 20;
/// The largest answer of GitHub's JSON API the connector reads (a page of commits, a created
/// object): real ones are kilobytes.
pub const MAX_API_RESPONSE_BYTES: usize = 4 << 20;

/// One request to GitHub, before it is sent.
struct Outgoing<'u> {
    method: http::Method,
    url: &'u Url,
    etag: Option<&'u str>,
    /// Whether to send the service token (never to another origin).
    with_token: bool,
    body: Option<Vec<u8>>,
    /// The most the answer may hold.
    max_bytes: usize,
}

/// How long the client waits for GitHub, and how it retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Longest wait for one response.
    pub timeout_ms: u64,
    /// Waits before the first and second retry of an outage (5xx, network error, timeout).
    pub backoff_ms: [u64; 2],
    /// Longest `Retry-After` honoured by waiting; a longer one is reported at once.
    pub max_retry_after_ms: u64,
    /// All attempts of one request, waits included, end within this.
    pub deadline_ms: u64,
}

impl RetryPolicy {
    /// The policy for a per-request timeout of `timeout_ms`: two retries after 300 ms and 1 s,
    /// a `Retry-After` of up to 5 s honoured, everything within 2.5 timeouts.
    pub fn with_timeout(timeout_ms: u64) -> Self {
        RetryPolicy { timeout_ms, backoff_ms: [300, 1_000], max_retry_after_ms: 5_000, deadline_ms: timeout_ms * 5 / 2 }
    }
}

/// Where a branch points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchHead {
    /// The branch still points where the ETag says (HTTP 304: free of rate limit).
    Unchanged,
    /// The branch points at `sha` (whose root tree is `tree`); `etag` revalidates it next time.
    At { sha: String, tree: Option<String>, etag: Option<String>, commit: CommitDetails },
}

/// What the commits API says of a commit, for update notifications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitDetails {
    /// Its message.
    pub message: Option<String>,
    /// Its author, `Name <email>`.
    pub author: Option<String>,
    /// Its page on GitHub.
    pub link: Option<String>,
}

/// One entry of a tree written on top of another (`POST /git/trees`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// The path in the repository.
    pub path: String,
    /// What the path holds afterwards.
    pub content: TreeContent,
}

/// What a [`TreeEntry`] puts at its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeContent {
    /// Nothing: the file is deleted.
    Deleted,
    /// UTF-8 text, sent inline (GitHub stores the blob).
    Text { text: String, executable: bool },
    /// A blob created before ([`GitHub::create_blob`]), for bytes that are not UTF-8.
    Blob { sha: String, executable: bool },
}

impl TreeEntry {
    fn to_json(&self) -> serde_json::Value {
        let mode = |executable: bool| if executable { "100755" } else { "100644" };
        match &self.content {
            TreeContent::Deleted => {
                serde_json::json!({"path": self.path, "mode": "100644", "type": "blob", "sha": null})
            }
            TreeContent::Text { text, executable } => {
                serde_json::json!({"path": self.path, "mode": mode(*executable), "type": "blob", "content": text})
            }
            TreeContent::Blob { sha, executable } => {
                serde_json::json!({"path": self.path, "mode": mode(*executable), "type": "blob", "sha": sha})
            }
        }
    }
}

#[derive(Deserialize)]
struct RepositoryBody {
    default_branch: String,
}

/// What a client authenticates with.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// A token sent as it is (a personal token, or an app's JWT on the app's own endpoints).
    Token(&'a Secret),
    /// A GitHub App's installation token for `access`, minted and cached by [`app::AppClient`].
    App {
        /// The app.
        app: &'a GitHubApp,
        /// The keys that encrypt its shared token.
        keys: &'a Keys,
        /// What the token must allow.
        access: app::Access,
    },
}

/// A read client for one repository.
pub struct GitHub<'a, P> {
    platform: &'a P,
    api: &'a Url,
    auth: Auth<'a>,
    repo: &'a RepoName,
    policy: RetryPolicy,
    token_expiration: std::cell::RefCell<Option<String>>,
    installation: std::cell::RefCell<Option<app::InstallationToken>>,
}

#[derive(Deserialize)]
struct CommitBody {
    sha: String,
    commit: Option<CommitDetail>,
    html_url: Option<String>,
}

#[derive(Deserialize)]
struct CommitDetail {
    tree: Option<ObjectRef>,
    message: Option<String>,
    author: Option<Person>,
}

#[derive(Deserialize)]
struct Person {
    name: Option<String>,
    email: Option<String>,
}

/// `{"sha": …}`, as GitHub names git objects in its answers.
#[derive(Debug, Deserialize)]
pub struct ObjectRef {
    /// The object id.
    pub sha: String,
}

/// A pull request GitHub opened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PullRequest {
    /// Its number in the repository.
    pub number: u64,
    /// Its page on GitHub.
    pub html_url: String,
}

impl<'a, P: Platform> GitHub<'a, P> {
    /// A client for `repo` at the API base `api`, authenticating with `auth`.
    pub fn new(platform: &'a P, api: &'a Url, auth: Auth<'a>, repo: &'a RepoName, policy: RetryPolicy) -> Self {
        GitHub {
            platform,
            api,
            auth,
            repo,
            policy,
            token_expiration: Default::default(),
            installation: Default::default(),
        }
    }

    /// When the token expires, as GitHub last said (`github-authentication-token-expiration`,
    /// sent for tokens that expire), or when the installation token used expires.
    pub fn token_expiration(&self) -> Option<String> {
        self.token_expiration.borrow().clone()
    }

    /// The installation token this client used, if it authenticates as a GitHub App and has
    /// sent a request (the home page shows its permissions and expiry).
    pub fn installation_token(&self) -> Option<app::InstallationToken> {
        self.installation.borrow().clone()
    }

    /// The app's installation on the repository (`GET /repos/{owner}/{repo}/installation`, with
    /// the app's JWT).
    pub async fn installation(&self) -> Result<u64, GitHubError> {
        let body: app::InstallationBody =
            self.call(http::Method::GET, &["installation"], None, "the app's installation").await?;
        Ok(body.id)
    }

    /// A new installation token (`POST /app/installations/{id}/access_tokens`, with the app's JWT).
    async fn access_token(
        &self,
        installation: u64,
        body: &app::TokenRequest<'_>,
    ) -> Result<app::GrantedToken, GitHubError> {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["app", "installations", &installation.to_string(), "access_tokens"]);
        }
        let body = serde_json::to_value(body).map_err(|e| unexpected("an installation token", &e.to_string()))?;
        self.call_url(http::Method::POST, url, Some(&body), "an installation token").await
    }

    /// The newest commit of `branch`, or of the default branch when `None`, in one request
    /// (`GET /repos/{owner}/{repo}/commits?per_page=1`), revalidated with `etag` when given.
    pub async fn head(&self, branch: Option<&str>, etag: Option<&str>) -> Result<BranchHead, GitHubError> {
        let what = match branch {
            Some(branch) => format!("branch `{branch}` in {}", self.repo),
            None => format!("default branch of {}", self.repo),
        };
        let mut url = self.repo_url(&["commits"]);
        url.query_pairs_mut().append_pair("per_page", "1");
        if let Some(branch) = branch {
            url.query_pairs_mut().append_pair("sha", branch);
        }
        let response = self.get(url, etag, &what).await?;
        if response.status() == http::StatusCode::NOT_MODIFIED {
            return Ok(BranchHead::Unchanged);
        }
        let etag = header(&response, "etag");
        let commits: Vec<CommitBody> = parse(&response, &what)?;
        let head = commits.into_iter().next().ok_or_else(|| GitHubError::EmptyRepository(self.repo.to_string()))?;
        let (tree, message, author) = match head.commit {
            Some(CommitDetail { tree, message, author }) => {
                let author = author.and_then(|p| match (p.name, p.email) {
                    (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
                    (name, email) => name.or(email),
                });
                (tree.map(|t| t.sha), message, author)
            }
            None => (None, None, None),
        };
        let commit = CommitDetails { message, author, link: head.html_url };
        Ok(BranchHead::At { sha: head.sha, tree, etag, commit })
    }

    /// The zip archive of the repository at `sha` (`GET /repos/{owner}/{repo}/zipball/{sha}`,
    /// which redirects once to the archive host).
    pub async fn zipball(&self, sha: &str) -> Result<Vec<u8>, GitHubError> {
        let what = format!("the archive of {} at {sha}", self.repo);
        let first = self.send(self.repo_url(&["zipball", sha]), None, true, MAX_ARCHIVE_BYTES, &what).await?;
        if !first.status().is_redirection() {
            return Ok(first.into_body());
        }
        let location = header(&first, "location").ok_or_else(|| unexpected(&what, "a redirect without a Location"))?;
        let target =
            self.api.join(&location).map_err(|e| unexpected(&what, &format!("a redirect to an invalid URL ({e})")))?;
        // The archive host authenticates by the signed URL itself; never send the token elsewhere.
        let same_origin = target.origin() == self.api.origin();
        let response = self.send(target, None, same_origin, MAX_ARCHIVE_BYTES, &what).await?;
        if response.status().is_redirection() {
            return Err(unexpected(&what, "more than one redirect"));
        }
        Ok(response.into_body())
    }

    /// The repository's default branch (`GET /repos/{owner}/{repo}`).
    pub async fn default_branch(&self) -> Result<String, GitHubError> {
        let body: RepositoryBody = self.call(http::Method::GET, &[], None, "the repository").await?;
        Ok(body.default_branch)
    }

    /// Stores `bytes` as a blob and returns its id (for files that are not UTF-8 text).
    pub async fn create_blob(&self, bytes: &[u8], what: &str) -> Result<String, GitHubError> {
        use base64::Engine;
        let body = serde_json::json!({"content": base64::engine::general_purpose::STANDARD.encode(bytes), "encoding": "base64"});
        let blob: ObjectRef = self.call(http::Method::POST, &["git", "blobs"], Some(&body), what).await?;
        Ok(blob.sha)
    }

    /// Writes `entries` on top of the tree `base` and returns the new tree's id.
    pub async fn create_tree(&self, base: &str, entries: &[TreeEntry]) -> Result<String, GitHubError> {
        let entries: Vec<serde_json::Value> = entries.iter().map(TreeEntry::to_json).collect();
        let body = serde_json::json!({"base_tree": base, "tree": entries});
        let tree: ObjectRef = self.call(http::Method::POST, &["git", "trees"], Some(&body), "a new tree").await?;
        Ok(tree.sha)
    }

    /// Makes a commit of `tree` on `parent` and returns its id (it is on no branch yet).
    pub async fn create_commit(&self, message: &str, tree: &str, parent: &str) -> Result<String, GitHubError> {
        let body = serde_json::json!({"message": message, "tree": tree, "parents": [parent]});
        let commit: ObjectRef = self.call(http::Method::POST, &["git", "commits"], Some(&body), "a new commit").await?;
        Ok(commit.sha)
    }

    /// Creates branch `name` at `commit` (a proposal's branch).
    pub async fn create_branch(&self, name: &str, commit: &str) -> Result<(), GitHubError> {
        let body = serde_json::json!({"ref": format!("refs/heads/{name}"), "sha": commit});
        let what = format!("the new branch {name}");
        self.call::<serde_json::Value>(http::Method::POST, &["git", "refs"], Some(&body), &what).await.map(drop)
    }

    /// Opens a pull request from branch `head` into `base`; its number and page.
    pub async fn create_pull(
        &self,
        title: &str,
        body: &str,
        head: &str,
        base: &str,
    ) -> Result<PullRequest, GitHubError> {
        let request = serde_json::json!({"title": title, "body": body, "head": head, "base": base});
        self.call(http::Method::POST, &["pulls"], Some(&request), "a new pull request").await
    }

    /// Moves `branch` to `commit`, never forced. GitHub refuses a move that is not a fast
    /// forward with the same status as any other refusal, so a refusal is followed by a look at
    /// the branch: if it no longer points at `parent`, the answer is
    /// [`GitHubError::NotFastForward`] with where it points now, whatever GitHub's wording.
    pub async fn update_branch(&self, branch: &str, commit: &str, parent: &str) -> Result<(), GitHubError> {
        let body = serde_json::json!({"sha": commit, "force": false});
        let what = format!("the update of branch {branch}");
        let refused = match self
            .call::<serde_json::Value>(http::Method::PATCH, &["git", "refs", "heads", branch], Some(&body), &what)
            .await
        {
            Ok(_) => return Ok(()),
            Err(refused @ GitHubError::Refused { .. }) => refused,
            Err(other) => return Err(other),
        };
        match self.head(Some(branch), None).await? {
            BranchHead::At { sha, tree, .. } if sha != parent => {
                Err(GitHubError::NotFastForward { branch: branch.to_string(), head: sha, tree })
            }
            _ => Err(refused),
        }
    }

    fn repo_url(&self, segments: &[&str]) -> Url {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["repos", &self.repo.owner, &self.repo.name]).extend(segments);
        }
        url
    }

    async fn get(&self, url: Url, etag: Option<&str>, what: &str) -> Result<HttpResponse, GitHubError> {
        self.send(url, etag, true, MAX_API_RESPONSE_BYTES, what).await
    }

    /// A JSON request to `/repos/{owner}/{repo}/<segments>`, with the same retries as reads
    /// (the Git Data API's writes are content-addressed or fast-forward-only, so a retry of one
    /// that did arrive changes nothing); parses the JSON answer.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: http::Method,
        segments: &[&str],
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<T, GitHubError> {
        self.call_url(method, self.repo_url(segments), body, what).await
    }

    /// A JSON request to `url`, retried as [`GitHub::call`]'s; parses the JSON answer.
    async fn call_url<T: serde::de::DeserializeOwned>(
        &self,
        method: http::Method,
        url: Url,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<T, GitHubError> {
        let body = body.map(|b| b.to_string().into_bytes());
        let response = self
            .with_retries(|| {
                let outgoing = Outgoing {
                    method: method.clone(),
                    url: &url,
                    etag: None,
                    with_token: true,
                    body: body.clone(),
                    max_bytes: MAX_API_RESPONSE_BYTES,
                };
                self.send_request(outgoing, what)
            })
            .await?;
        parse(&response, what)
    }

    /// Sends with retries: outages are retried twice with back-off, a short `Retry-After` is
    /// waited out, and everything ends within the policy's deadline.
    async fn send(
        &self,
        url: Url,
        etag: Option<&str>,
        with_token: bool,
        max_bytes: usize,
        what: &str,
    ) -> Result<HttpResponse, GitHubError> {
        self.with_retries(|| {
            let outgoing = Outgoing { method: http::Method::GET, url: &url, etag, with_token, body: None, max_bytes };
            self.send_request(outgoing, what)
        })
        .await
    }

    /// Runs `attempt` until it succeeds or the policy gives up: outages are retried with
    /// back-off, a short `Retry-After` is waited out once, all within the deadline.
    async fn with_retries<F, Fut>(&self, mut attempt: F) -> Result<HttpResponse, GitHubError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<HttpResponse, GitHubError>>,
    {
        let started = self.platform.now_ms();
        let mut retries = 0;
        loop {
            let error = match attempt().await {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            let wait = match &error {
                GitHubError::Unavailable { .. } | GitHubError::Unreachable(_) | GitHubError::Timeout(_) => {
                    self.policy.backoff_ms.get(retries).copied()
                }
                GitHubError::RateLimited { retry_after_seconds: Some(seconds), .. } if retries == 0 => {
                    Some(seconds * 1000).filter(|ms| *ms <= self.policy.max_retry_after_ms)
                }
                _ => None,
            };
            let elapsed = self.platform.now_ms().saturating_sub(started);
            match wait {
                Some(wait) if elapsed + wait + self.policy.timeout_ms <= self.policy.deadline_ms => {
                    self.platform.sleep(wait).await;
                    retries += 1;
                }
                _ => return Err(error),
            }
        }
    }

    /// Sends once; an installation token GitHub refuses (revoked, or expired early) is renewed
    /// and the request sent once more, so the call does not fail for it.
    async fn send_request(&self, outgoing: Outgoing<'_>, what: &str) -> Result<HttpResponse, GitHubError> {
        match self.send_once(&outgoing, what, false).await {
            Err(GitHubError::Unauthorized) if outgoing.with_token && matches!(self.auth, Auth::App { .. }) => {
                self.send_once(&outgoing, what, true).await
            }
            answer => answer,
        }
    }

    /// The `Authorization` header's value; for an app, its installation token (`renew`: a new one).
    async fn authorization(&self, renew: bool) -> Result<String, GitHubError> {
        match self.auth {
            Auth::Token(token) => Ok(format!("Bearer {}", token.expose())),
            Auth::App { app, keys, access } => {
                let client = app::AppClient {
                    platform: self.platform,
                    api: self.api,
                    repo: self.repo,
                    app,
                    keys,
                    policy: self.policy,
                };
                // Boxed: minting a token sends requests through a client of this same type.
                let minting: std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>> =
                    Box::pin(client.token(access, renew));
                let token = minting.await?;
                let header = format!("Bearer {}", token.token.expose());
                *self.token_expiration.borrow_mut() = app::format_utc(token.expires_at_ms);
                *self.installation.borrow_mut() = Some(token);
                Ok(header)
            }
        }
    }

    async fn send_once(&self, outgoing: &Outgoing<'_>, what: &str, renew: bool) -> Result<HttpResponse, GitHubError> {
        let Outgoing { method, url, etag, with_token, body, max_bytes } = outgoing;
        let (url, etag, with_token, max_bytes) = (*url, *etag, *with_token, *max_bytes);
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(url.as_str())
            .header("user-agent", USER_AGENT)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28");
        if with_token {
            request = request.header("authorization", self.authorization(renew).await?);
        }
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request: HttpRequest =
            request.body(body.clone().unwrap_or_default()).map_err(|e| unexpected(what, &e.to_string()))?;
        let limits = Limits { timeout_ms: self.policy.timeout_ms, max_body_bytes: max_bytes, github: true };
        let response = self.platform.send(request, limits).await.map_err(|e| match e {
            FetchError::Timeout { timeout_ms, .. } => GitHubError::Timeout(timeout_ms),
            FetchError::Network { message, .. } => GitHubError::Unreachable(message),
            FetchError::TooLarge { max_body_bytes, .. } => {
                GitHubError::TooLarge { what: what.to_string(), max_bytes: max_body_bytes }
            }
        })?;
        if let Some(expires) = header(&response, "github-authentication-token-expiration") {
            *self.token_expiration.borrow_mut() = Some(expires);
        }
        check_status(response, what, self.platform.now_ms() / 1000, &self.repo.to_string())
    }
}

fn parse<T: serde::de::DeserializeOwned>(response: &HttpResponse, what: &str) -> Result<T, GitHubError> {
    serde_json::from_slice(response.body())
        .map_err(|e| unexpected(what, &format!("a body that is not the documented JSON ({e})")))
}
