//! The catalog currently served: the branch head revalidated on every call, everything derived
//! from a commit cached under its sha.
//!
//! KV holds two records per commit seen, written once when the commit is new:
//! - `state:…` — where the branch points (sha and GitHub's ETag) together with the catalog of
//!   that commit, so a warm call needs one KV read and one conditional GitHub request (a 304,
//!   free of rate limit);
//! - `zip:…` — the commit's zipball, from which skill files and packages are read without
//!   asking GitHub again.
//!
//! The isolate also keeps the last catalog it decoded, so a warm call in a warm isolate does not
//! parse it again. When GitHub cannot be reached, the last known catalog is served, marked stale.
//!
//! A new commit's build parses and digests only files that are new or changed since the stored
//! catalog. When that would cost more than [`INLINE_COST_US`] (a first build, or a large merge),
//! they are read by parse workers in slices ([`slices::slices`]), each slice its own invocation
//! with its own CPU allowance, so that no invocation comes near the free plan's 10 ms at
//! thousands of skills; this invocation only indexes the archive and assembles the answers.

use crate::branch_watch::{self, Head};
use crate::catalog::slices::{self, SliceError};
use crate::catalog::{Build, Catalog, CatalogError};
use crate::config::{Config, GitHubAuth};
use crate::github::app::Access;
use crate::github::{Auth, BranchHead, GitHub, GitHubError, RetryPolicy};
use crate::ports::Platform;
use crate::zipball::{Zipball, ZipballBytes};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;

/// Bumped whenever the stored state's shape changes, so old records are ignored.
const STATE_FORMAT: u32 = 8;
/// Zipballs are dropped by KV after this long; an older commit's archive is then re-downloaded.
pub const ARCHIVE_TTL_SECONDS: u64 = 30 * 24 * 3600;
/// Workers KV values are limited to 25 MiB; a larger zipball is not cached.
pub const MAX_CACHED_ARCHIVE_BYTES: usize = 24 << 20;
/// The most CPU (estimated, in µs of wasm) a build spends reading files itself: about 100
/// SKILL.md files, or 350 KB to digest; more goes to parse workers.
pub const INLINE_COST_US: u64 = 2_500;

/// Why no catalog can be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// GitHub could not be read and nothing is cached.
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    /// The repository at its current commit is not a readable marketplace.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A parse worker failed, and no earlier catalog is stored to serve meanwhile.
    #[error("the skills of the new commit could not be read ({0}); try again in a moment")]
    ParseWorker(String),
}

/// A catalog and how fresh it is.
#[derive(Debug)]
pub struct Served {
    /// The catalog.
    pub catalog: Rc<Catalog>,
    /// Set when GitHub could not be asked for the branch head and the last known catalog is
    /// served instead: the reason.
    pub stale: Option<String>,
    /// The commit's zipball, when this call had to read it to build the catalog.
    pub zipball: Option<ZipballBytes>,
    /// The commit's root tree, when known (writes build on it without asking GitHub again).
    pub tree: Option<String>,
}

/// The first line of the `state:` record (JSON); the catalog follows it, postcard-encoded.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StateHeader {
    sha: String,
    etag: Option<String>,
    #[serde(default)]
    tree: Option<String>,
}

thread_local! {
    /// The last catalog this isolate decoded or built.
    static MEMO: RefCell<Option<Rc<Catalog>>> = const { RefCell::new(None) };
    /// The last zipball this isolate read, and its commit.
    static ZIPBALL_MEMO: RefCell<Option<(String, ZipballBytes)>> = const { RefCell::new(None) };
}

/// Forgets the catalog and zipball this isolate holds, as a new isolate starts without them: the
/// tests and the benchmark use it to see a cold isolate's requests and time its CPU.
pub fn forget_isolate_memo() {
    MEMO.with(|memo| *memo.borrow_mut() = None);
    ZIPBALL_MEMO.with(|memo| *memo.borrow_mut() = None);
}

/// The KV key of the served head and catalog (see docs/STORAGE.md).
pub fn state_key(config: &Config) -> String {
    format!("state:v{STATE_FORMAT}:{}@{}", config.repo, config.branch.as_deref().unwrap_or(""))
}

/// The KV key of a commit's zipball.
pub fn zipball_key(sha: &str) -> String {
    format!("zip:v1:{sha}")
}

/// A GitHub read client with the configured credentials and timeout.
pub fn github<'a, P: Platform>(platform: &'a P, config: &'a Config) -> GitHub<'a, P> {
    github_for(platform, config, Access::Read)
}

/// A GitHub client for `access`: the service token (or the write token for writes, when set), or
/// the app's installation token with only that permission.
pub fn github_for<'a, P: Platform>(platform: &'a P, config: &'a Config, access: Access) -> GitHub<'a, P> {
    let auth = match &config.github {
        GitHubAuth::Tokens { read, write } => Auth::Token(match access {
            Access::Read => read,
            Access::Write | Access::Propose => write.as_ref().unwrap_or(read),
        }),
        GitHubAuth::App { app, writer } => {
            let app = match access {
                Access::Read => app,
                Access::Write | Access::Propose => writer.as_ref().unwrap_or(app),
            };
            Auth::App { app, keys: &config.keys, access }
        }
    };
    let policy = RetryPolicy::with_timeout(config.github_timeout_ms);
    GitHub::new(platform, &config.github_api_url, auth, &config.repo, policy)
}

/// The catalog of the served branch's current commit.
///
/// While push webhooks are healthy ([`branch_watch::Watch::trusted`]) the head comes from the
/// branch watch (one Durable Object request) and GitHub is not asked; an isolate that already
/// holds that commit's catalog then reads nothing else. Otherwise the head is revalidated with
/// GitHub (one conditional request).
pub async fn current<P: Platform>(platform: &P, config: &Config) -> Result<Served, LoadError> {
    let github = github(platform, config);
    if let Some(head) = trusted_head(platform, config).await {
        if let Some(catalog) = memo_of(&head.sha) {
            return Ok(Served { catalog, stale: None, zipball: None, tree: head.tree });
        }
        let stored = platform.kv_get(&state_key(config)).await.ok().flatten().and_then(StoredState::split);
        let etag = stored.as_ref().filter(|s| s.header.sha == head.sha).and_then(|s| s.header.etag.clone());
        return serve_commit(platform, config, &github, stored, head.sha, etag, head.tree).await;
    }
    let stored = platform.kv_get(&state_key(config)).await.ok().flatten().and_then(StoredState::split);

    let head = github.head(config.branch.as_deref(), stored.as_ref().and_then(|s| s.header.etag.as_deref())).await;
    let stored_tree = stored.as_ref().and_then(|s| s.header.tree.clone());
    let served = |catalog, stale, tree| Served { catalog, stale, zipball: None, tree };
    let (sha, etag, tree) = match head {
        Ok(BranchHead::At { sha, etag, tree, .. }) => (sha, etag, tree),
        Ok(BranchHead::Unchanged) => match stored.as_ref().and_then(StoredState::catalog) {
            Some(catalog) => return Ok(served(catalog, None, stored_tree)),
            None => return Err(unexpected_304().into()),
        },
        Err(error) if error.is_transient() => match stored.as_ref().and_then(StoredState::catalog) {
            Some(catalog) => return Ok(served(catalog, Some(error.to_string()), None)),
            None => return Err(error.into()),
        },
        Err(error) => return Err(error.into()),
    };
    serve_commit(platform, config, &github, stored, sha, etag, tree).await
}

/// The catalog of `head`, built now if it is not stored: what a push webhook starts after it is
/// answered, so the first call after the push finds it ready.
pub async fn at_commit<P: Platform>(platform: &P, config: &Config, head: &Head) -> Result<Served, LoadError> {
    if let Some(catalog) = memo_of(&head.sha) {
        return Ok(Served { catalog, stale: None, zipball: None, tree: head.tree.clone() });
    }
    let github = github(platform, config);
    let stored = platform.kv_get(&state_key(config)).await.ok().flatten().and_then(StoredState::split);
    let etag = stored.as_ref().filter(|s| s.header.sha == head.sha).and_then(|s| s.header.etag.clone());
    serve_commit(platform, config, &github, stored, head.sha.clone(), etag, head.tree.clone()).await
}

/// The head the branch watch vouches for, when webhooks are configured and healthy.
async fn trusted_head<P: Platform>(platform: &P, config: &Config) -> Option<Head> {
    let webhooks = config.webhooks.as_ref()?;
    let watch = branch_watch::call(platform, &branch_watch::watch_name(config), branch_watch::Read {}).await.ok()?;
    watch.trusted(platform.now_ms(), webhooks.silence_seconds * 1000).cloned()
}

/// The isolate's catalog, when it is of `sha`.
fn memo_of(sha: &str) -> Option<Rc<Catalog>> {
    MEMO.with(|memo| memo.borrow().clone()).filter(|c| c.commit == sha)
}

/// The catalog of the commit `sha`: `stored`'s when it is that commit's, else built from the
/// commit's zipball and stored (the `state:` and `zip:` records).
async fn serve_commit<P: Platform>(
    platform: &P,
    config: &Config,
    github: &GitHub<'_, P>,
    stored: Option<StoredState>,
    sha: String,
    etag: Option<String>,
    tree: Option<String>,
) -> Result<Served, LoadError> {
    let served = |catalog, stale, tree| Served { catalog, stale, zipball: None, tree };
    if let Some(catalog) = stored.as_ref().filter(|s| s.header.sha == sha).and_then(StoredState::catalog) {
        let tree = tree.or_else(|| stored.as_ref().and_then(|s| s.header.tree.clone()));
        return Ok(served(catalog, None, tree));
    }

    // A commit not seen before: build its catalog from its zipball, caching a downloaded one.
    let previous = stored.as_ref().and_then(StoredState::catalog);
    let built = async {
        let fetched = fetch_zipball(platform, github, &sha).await?;
        if fetched.downloaded && fetched.bytes.0.len() <= MAX_CACHED_ARCHIVE_BYTES {
            let _ = platform.kv_put(&zipball_key(&sha), &fetched.bytes.0, Some(ARCHIVE_TTL_SECONDS)).await;
        }
        let archive = fetched.bytes;
        let mut zipball = Zipball::from_shared(archive.clone()).map_err(CatalogError::from)?;
        let catalog = build(platform, &sha, &mut zipball, previous.as_deref()).await?;
        Ok::<_, LoadError>((Rc::new(catalog), archive))
    }
    .await;
    let (catalog, archive) = match built {
        Ok(built) => built,
        // Whatever stopped the new commit (an archive too large, parse workers down, a broken
        // zip), the last catalog is served, marked stale; nothing is cached for the new commit,
        // so the next call tries again.
        Err(error) => match previous {
            Some(previous) => {
                let stale = format!("the new commit {sha} is not read yet: {error}");
                return Ok(served(previous, Some(stale), None));
            }
            None => return Err(error),
        },
    };
    if let Ok(record) = StoredState::join(&StateHeader { sha, etag, tree: tree.clone() }, &catalog) {
        // A failed cache write (KV's daily or per-key limits) only costs a rebuild later.
        let _ = platform.kv_put(&state_key(config), &record, None).await;
    }
    MEMO.with(|memo| *memo.borrow_mut() = Some(catalog.clone()));
    Ok(Served { catalog, stale: None, zipball: Some(archive), tree })
}

/// Builds the catalog of `commit`, reusing `previous` for unchanged files and sending the
/// parsing to parse workers when there is much of it.
async fn build<P: Platform>(
    platform: &P,
    commit: &str,
    zipball: &mut Zipball,
    previous: Option<&Catalog>,
) -> Result<Catalog, LoadError> {
    let mut build = Build::plan(zipball, previous)?;
    let pending = build.pending();
    if pending.iter().map(|work| slices::cost_us(zipball, work)).sum::<u64>() > INLINE_COST_US {
        let failed = |e: &dyn std::fmt::Display| LoadError::ParseWorker(e.to_string());
        let slices = slices::split(zipball, &pending).map_err(|e| failed(&e))?;
        let answers = futures_util::future::join_all(
            slices.into_iter().enumerate().map(|(worker, slice)| platform.parse_slice(worker, slice)),
        )
        .await;
        let mut files = Vec::with_capacity(pending.len());
        for answer in answers {
            let answer = answer.map_err(|e| failed(&e))?;
            files.extend(slices::read_answer(&answer).map_err(|e: SliceError| failed(&e))?);
        }
        build.accept(files).map_err(|e| failed(&e))?;
    }
    Ok(build.finish(commit, zipball)?)
}

/// A commit's zipball and where it came from.
pub struct FetchedZipball {
    /// The zip's bytes, shared with the isolate's memo.
    pub bytes: ZipballBytes,
    /// Whether it was downloaded from GitHub (rather than read from KV).
    pub downloaded: bool,
}

/// The zipball of `sha`: the isolate's memo when it holds that commit, else from KV, else from
/// GitHub through `github`. Only the catalog build writes it back to KV (once per commit); a
/// zipball too large for KV is never cached there. The isolate keeps the last one it read, so
/// that warm reads of single files (the Skills extension's `resources/read`) cost no KV read.
pub async fn fetch_zipball<P: Platform>(
    platform: &P,
    github: &GitHub<'_, P>,
    sha: &str,
) -> Result<FetchedZipball, GitHubError> {
    if let Some(bytes) =
        ZIPBALL_MEMO.with(|memo| memo.borrow().as_ref().filter(|(s, _)| s == sha).map(|(_, b)| b.clone()))
    {
        return Ok(FetchedZipball { bytes, downloaded: false });
    }
    let (bytes, downloaded) = match platform.kv_get(&zipball_key(sha)).await.ok().flatten() {
        Some(bytes) => (bytes, false),
        None => (github.zipball(sha).await?, true),
    };
    let bytes = ZipballBytes(Rc::new(bytes));
    if bytes.0.len() <= MAX_CACHED_ARCHIVE_BYTES {
        ZIPBALL_MEMO.with(|memo| *memo.borrow_mut() = Some((sha.to_string(), bytes.clone())));
    }
    Ok(FetchedZipball { bytes, downloaded })
}

fn unexpected_304() -> GitHubError {
    GitHubError::Unexpected {
        what: "the branch head".into(),
        problem: "304 Not Modified for a request the connector did not make conditional".into(),
    }
}

/// A `state:` record split into its header and the catalog's bytes, decoded only when needed.
struct StoredState {
    header: StateHeader,
    /// The whole record; the catalog starts at `body_start`. Kept whole rather than split, so a
    /// warm call whose isolate already holds the catalog copies nothing.
    record: Vec<u8>,
    body_start: usize,
}

impl StoredState {
    fn join(header: &StateHeader, catalog: &Catalog) -> Result<Vec<u8>, String> {
        let mut record = serde_json::to_vec(header).map_err(|e| e.to_string())?;
        record.push(b'\n');
        // postcard, not JSON: a 2,000-skill catalog decodes several times faster and is smaller.
        postcard::to_io(catalog, &mut record).map_err(|e| e.to_string())?;
        Ok(record)
    }

    /// `None` for a record that is unreadable (a cache miss, never an error).
    fn split(record: Vec<u8>) -> Option<Self> {
        let newline = record.iter().position(|b| *b == b'\n')?;
        let header = serde_json::from_slice(&record[..newline]).ok()?;
        Some(StoredState { header, record, body_start: newline + 1 })
    }

    /// The catalog: the isolate's memo when it holds this commit, else decoded.
    fn catalog(&self) -> Option<Rc<Catalog>> {
        if let Some(memo) = memo_of(&self.header.sha) {
            return Some(memo);
        }
        let catalog: Rc<Catalog> = Rc::new(postcard::from_bytes(&self.record[self.body_start..]).ok()?);
        MEMO.with(|memo| *memo.borrow_mut() = Some(catalog.clone()));
        Some(catalog)
    }
}
