//! A small GitHub in memory: it serves one repository on one branch with GitHub's shapes (the
//! branch head with ETag/304, the zipball through one redirect, the Git Data API with its
//! fast-forward check), refuses unauthenticated calls, and can fail on demand, move the branch
//! under a writer or protect it.

use crate::zipball::zipball;
use sha2::{Digest as _, Sha256};
use skillport_connector::ports::{HttpRequest, HttpResponse};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

/// The token the fake GitHub accepts.
pub const TOKEN: &str = "test-token";
/// Where the fake GitHub answers (the test configuration's `GITHUB_API_URL`).
pub const API_URL: &str = "https://api.github.test";

/// A status and headers to answer once instead of the real response.
type InjectedFailure = (u16, Vec<(&'static str, String)>);

/// A repository's files: path → (bytes, executable).
pub type Files = BTreeMap<String, (Vec<u8>, bool)>;

/// A commit of the fake: its tree, parent and message.
#[derive(Debug, Clone)]
pub struct FakeCommit {
    /// The root tree's id.
    pub tree: String,
    /// The parent commit, if any.
    pub parent: Option<String>,
    /// The commit message.
    pub message: String,
}

/// A repository in memory, on one branch.
pub struct FakeGitHub {
    branch: String,
    files: RefCell<BTreeMap<String, (Vec<u8>, bool)>>,
    head: RefCell<String>,
    archives: RefCell<HashMap<String, Vec<u8>>>,
    trees: RefCell<HashMap<String, Files>>,
    blobs: RefCell<HashMap<String, Vec<u8>>>,
    commits: RefCell<HashMap<String, FakeCommit>>,
    /// Files pushed by "someone else" just before each of the next ref updates arrives.
    concurrent: RefCell<std::collections::VecDeque<Vec<(String, String)>>>,
    /// Answers a ref update with 422 "protected branch" while set.
    protected: Cell<bool>,
    failure: Cell<Option<u16>>,
    queued: RefCell<std::collections::VecDeque<InjectedFailure>>,
    /// Answers given as is to a path (200, before anything else is looked at).
    served: RefCell<HashMap<String, Vec<u8>>>,
    /// Every request path, in order.
    pub log: RefCell<Vec<String>>,
    /// Branches other than the served one (proposals): name → commit.
    pub branches: RefCell<BTreeMap<String, String>>,
    /// Pull requests opened, in order.
    pub pulls: RefCell<Vec<FakePull>>,
}

/// A pull request opened on the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePull {
    /// Its number.
    pub number: u64,
    /// Its title.
    pub title: String,
    /// Its description.
    pub body: String,
    /// The branch it proposes.
    pub head: String,
}

impl FakeGitHub {
    /// An empty repository whose default branch is `branch`.
    pub fn new(branch: &str) -> Self {
        FakeGitHub {
            branch: branch.into(),
            files: RefCell::default(),
            head: RefCell::default(),
            archives: RefCell::default(),
            trees: RefCell::default(),
            blobs: RefCell::default(),
            commits: RefCell::default(),
            concurrent: RefCell::default(),
            protected: Cell::new(false),
            served: RefCell::default(),
            failure: Cell::new(None),
            queued: RefCell::default(),
            log: RefCell::default(),
            branches: RefCell::default(),
            pulls: RefCell::default(),
        }
    }

    /// Adds or replaces text files and moves the branch to a new commit.
    pub fn commit(&self, files: &[(&str, String)]) {
        let binary: Vec<(&str, Vec<u8>, bool)> =
            files.iter().map(|(p, c)| (*p, c.clone().into_bytes(), false)).collect();
        self.commit_bytes(&binary);
    }

    /// Adds or replaces files (bytes, executable) and moves the branch to a new commit.
    pub fn commit_bytes(&self, files: &[(&str, Vec<u8>, bool)]) {
        let mut tree = self.files();
        for (path, bytes, executable) in files {
            tree.insert(path.to_string(), (bytes.clone(), *executable));
        }
        let parent = Some(self.head()).filter(|h| !h.is_empty());
        let tree_sha = self.store_tree(tree.clone());
        let sha = self.store_commit(FakeCommit { tree: tree_sha, parent, message: "seed".into() });
        *self.files.borrow_mut() = tree;
        *self.head.borrow_mut() = sha;
    }

    /// The files at the branch head.
    pub fn files(&self) -> Files {
        self.files.borrow().clone()
    }

    /// The commit `sha`.
    pub fn commit_of(&self, sha: &str) -> Option<FakeCommit> {
        self.commits.borrow().get(sha).cloned()
    }

    /// Someone else pushes `files` just before the next ref update arrives; called again, just
    /// before the one after, and so on.
    pub fn push_before_next_update(&self, files: &[(&str, &str)]) {
        self.concurrent.borrow_mut().push_back(files.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect());
    }

    /// Whether ref updates are refused as a protected branch refuses them.
    pub fn protect_branch(&self, protected: bool) {
        self.protected.set(protected);
    }

    fn object_id(kind: &str, parts: &[&[u8]]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(kind.as_bytes());
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        hasher.finalize().iter().take(20).map(|b| format!("{b:02x}")).collect()
    }

    fn store_tree(&self, files: Files) -> String {
        let mut parts: Vec<&[u8]> = Vec::new();
        for (path, (bytes, executable)) in &files {
            parts.extend([path.as_bytes(), bytes.as_slice(), if *executable { b"x" } else { b"-" }]);
        }
        let sha = Self::object_id("tree", &parts);
        self.trees.borrow_mut().insert(sha.clone(), files);
        sha
    }

    fn store_commit(&self, commit: FakeCommit) -> String {
        let parent = commit.parent.clone().unwrap_or_default();
        let sha = Self::object_id("commit", &[commit.tree.as_bytes(), parent.as_bytes(), commit.message.as_bytes()]);
        let files = self.trees.borrow()[&commit.tree].clone();
        let entries: Vec<(&str, &[u8], bool)> =
            files.iter().map(|(p, (b, x))| (p.as_str(), b.as_slice(), *x)).collect();
        self.archives.borrow_mut().insert(sha.clone(), zipball(&format!("acme-skills-{}", &sha[..7]), &entries));
        self.commits.borrow_mut().insert(sha.clone(), commit);
        sha
    }

    /// The Git Data API: `POST git/blobs`, `POST git/trees`, `POST git/commits`, `POST git/refs`
    /// (a new branch), `PATCH git/refs/heads/<branch>`, with GitHub's shapes and its refusal of a
    /// ref update that is not a fast forward; and `POST pulls` (a pull request from a branch it
    /// holds into the served one).
    fn git_data(&self, method: &http::Method, path: &str, body: &[u8]) -> Option<(u16, serde_json::Value)> {
        use base64::Engine;
        let body: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let invalid = |message: &str| Some((422, serde_json::json!({"message": message})));
        match (method.as_str(), path) {
            ("POST", "git/blobs") => {
                let content = body["content"].as_str()?;
                let bytes = base64::engine::general_purpose::STANDARD.decode(content).ok()?;
                let sha = Self::object_id("blob", &[&bytes]);
                self.blobs.borrow_mut().insert(sha.clone(), bytes);
                Some((201, serde_json::json!({"sha": sha})))
            }
            ("POST", "git/trees") => {
                let Some(mut files) = body["base_tree"].as_str().and_then(|b| self.trees.borrow().get(b).cloned())
                else {
                    return invalid("base_tree is not a tree");
                };
                for entry in body["tree"].as_array()? {
                    let path = entry["path"].as_str()?.to_string();
                    let executable = entry["mode"] == "100755";
                    if let Some(text) = entry["content"].as_str() {
                        files.insert(path, (text.as_bytes().to_vec(), executable));
                    } else if let Some(sha) = entry["sha"].as_str() {
                        let Some(bytes) = self.blobs.borrow().get(sha).cloned() else { return invalid("unknown blob") };
                        files.insert(path, (bytes, executable));
                    } else if files.remove(&path).is_none() {
                        return invalid(&format!("GitHub cannot delete {path}: no such path in the base tree"));
                    }
                }
                Some((201, serde_json::json!({"sha": self.store_tree(files)})))
            }
            ("POST", "git/commits") => {
                let tree = body["tree"].as_str()?.to_string();
                if !self.trees.borrow().contains_key(&tree) {
                    return invalid("tree is not a tree");
                }
                let parent = body["parents"][0].as_str().map(str::to_string);
                let message = body["message"].as_str()?.to_string();
                Some((201, serde_json::json!({"sha": self.store_commit(FakeCommit { tree, parent, message })})))
            }
            ("POST", "git/refs") => {
                let name = body["ref"].as_str()?.strip_prefix("refs/heads/")?.to_string();
                let sha = body["sha"].as_str()?.to_string();
                if self.commit_of(&sha).is_none() {
                    return invalid("Object does not exist");
                }
                if name == self.branch || self.branches.borrow().contains_key(&name) {
                    return invalid("Reference already exists");
                }
                self.branches.borrow_mut().insert(name.clone(), sha.clone());
                Some((
                    201,
                    serde_json::json!({"ref": format!("refs/heads/{name}"), "object": {"sha": sha, "type": "commit"}}),
                ))
            }
            ("POST", "pulls") => {
                let head = body["head"].as_str()?.to_string();
                if !self.branches.borrow().contains_key(&head) {
                    return invalid("Validation Failed: head does not exist");
                }
                if body["base"].as_str() != Some(self.branch.as_str()) {
                    return invalid("Validation Failed: base does not exist");
                }
                let mut pulls = self.pulls.borrow_mut();
                let number = pulls.len() as u64 + 1;
                let title = body["title"].as_str()?.to_string();
                let text = body["body"].as_str().unwrap_or_default().to_string();
                pulls.push(FakePull { number, title, body: text, head });
                let url = format!("https://github.com/acme/skills/pull/{number}");
                Some((201, serde_json::json!({"number": number, "html_url": url, "state": "open"})))
            }
            ("PATCH", ref_path) if ref_path == format!("git/refs/heads/{}", self.branch) => {
                let pushed = self.concurrent.borrow_mut().pop_front();
                if let Some(files) = pushed {
                    let files: Vec<(&str, Vec<u8>, bool)> =
                        files.iter().map(|(p, c)| (p.as_str(), c.clone().into_bytes(), false)).collect();
                    self.commit_bytes(&files);
                }
                if self.protected.get() {
                    return invalid("Protected branch update failed for refs/heads/main.");
                }
                let sha = body["sha"].as_str()?.to_string();
                let Some(commit) = self.commit_of(&sha) else { return invalid("Object does not exist") };
                if commit.parent.as_deref() != Some(self.head().as_str()) && body["force"] != true {
                    return invalid("Update is not a fast forward");
                }
                *self.files.borrow_mut() = self.trees.borrow()[&commit.tree].clone();
                *self.head.borrow_mut() = sha.clone();
                Some((200, serde_json::json!({"ref": format!("refs/heads/{}", self.branch), "object": {"sha": sha}})))
            }
            _ => None,
        }
    }

    pub fn commit_zipball(&self, zip: Vec<u8>) -> String {
        let sha: String = Sha256::digest(&zip).iter().take(20).map(|b| format!("{b:02x}")).collect();
        self.archives.borrow_mut().insert(sha.clone(), zip);
        *self.head.borrow_mut() = sha.clone();
        sha
    }

    /// Answers every request for `path` with 200 and `body` from now on (a metadata document, an
    /// oversized API answer).
    pub fn serve(&self, path: &str, body: Vec<u8>) {
        self.served.borrow_mut().insert(path.to_string(), body);
    }

    /// Stops answering `path` as [`FakeGitHub::serve`] said.
    pub fn unserve(&self, path: &str) {
        self.served.borrow_mut().remove(path);
    }

    /// The branch's current commit.
    pub fn head(&self) -> String {
        self.head.borrow().clone()
    }

    /// Makes every following request fail with `status`.
    pub fn fail_with(&self, status: u16) {
        self.failure.set(Some(status));
    }

    /// Makes the next request fail with `status` and `headers`.
    pub fn fail_next(&self, status: u16, headers: &[(&'static str, &str)]) {
        self.queued.borrow_mut().push_back((status, headers.iter().map(|(k, v)| (*k, v.to_string())).collect()));
    }

    /// GitHub's answer to `request`, as the platform's outbound fetch receives it.
    pub fn answer(&self, request: &HttpRequest) -> HttpResponse {
        let path = request.uri().path().to_string();
        self.log.borrow_mut().push(path.clone());
        if let Some(body) = self.served.borrow().get(&path) {
            return http::Response::builder().status(200).body(body.clone()).unwrap();
        }
        let reply = |status: u16, body: serde_json::Value| {
            http::Response::builder().status(status).body(body.to_string().into_bytes()).unwrap()
        };
        if let Some(status) = self.failure.get() {
            return reply(status, serde_json::json!({"message": "Server Error"}));
        }
        if let Some((status, headers)) = self.queued.borrow_mut().pop_front() {
            let mut response = reply(status, serde_json::json!({"message": "Injected"}));
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            return response;
        }
        if request.headers().get("user-agent").is_none() {
            return reply(
                403,
                serde_json::json!({"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"}),
            );
        }
        if let Some(sha) = path.strip_prefix("/codeload/") {
            return match self.archives.borrow().get(sha) {
                Some(zip) => http::Response::builder().status(200).body(zip.clone()).unwrap(),
                None => reply(404, serde_json::json!({"message": "Not Found"})),
            };
        }
        let authorized =
            request.headers().get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"));
        if !authorized {
            return reply(401, serde_json::json!({"message": "Bad credentials"}));
        }
        let head = self.head();
        let etag = format!("\"{head}\"");
        if path == "/repos/acme/skills/commits" {
            let query = request.uri().query().unwrap_or_default();
            if query.contains("sha=") && !query.contains(&format!("sha={}", self.branch)) {
                return reply(404, serde_json::json!({"message": "No commit found for SHA"}));
            }
            if request.headers().get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                return http::Response::builder().status(304).body(Vec::new()).unwrap();
            }
            let tree = self.commit_of(&head).map(|c| c.tree);
            let mut response = reply(
                200,
                serde_json::json!([{"sha": head, "commit": {"message": "m", "tree": tree.map(|t| serde_json::json!({"sha": t}))}}]),
            );
            response.headers_mut().insert("etag", etag.parse().unwrap());
            return response;
        }
        if path == "/repos/acme/skills" && request.method() == http::Method::GET {
            return reply(200, serde_json::json!({"default_branch": self.branch}));
        }
        if let Some(git) = path.strip_prefix("/repos/acme/skills/") {
            if let Some((status, body)) = self.git_data(request.method(), git, request.body()) {
                return reply(status, body);
            }
        }
        if let Some(sha) = path.strip_prefix("/repos/acme/skills/zipball/") {
            return http::Response::builder()
                .status(302)
                .header("location", format!("https://codeload.github.test/codeload/{sha}"))
                .body(Vec::new())
                .unwrap();
        }
        reply(404, serde_json::json!({"message": "Not Found"}))
    }
}
