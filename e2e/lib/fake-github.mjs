// A strict stand-in for the GitHub REST API, backed by a real bare git repository.
//
// It serves exactly the endpoints the connector uses, with GitHub's shapes (checked against
// GitHub's OpenAPI description in fake-github.test.mjs), GitHub's authentication and User-Agent
// rules, ETag/304 on refs, and the zipball's redirect to an archive host. Every request is
// recorded so tests can count them, and faults (statuses, Retry-After, delays) can be injected.
//
// It is also GitHub for sign-in: an OAuth app's authorize page (a login form standing in for
// GitHub's), the code exchange with PKCE, and the user API a signed-in person's token reads
// (`people`: who exists, their emails, organization memberships and teams).
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { text } from "node:stream/consumers";

export class FakeGitHub {
  /**
   * @param {import("./git-repo.mjs").GitRepo} repo
   * @param {{owner?: string, name?: string, token?: string, delayMs?: number}} options
   */
  constructor(repo, { owner = "acme", name = "skills", token = "ghs_fixture_token", delayMs = 0, people = {} } = {}) {
    this.repo = repo;
    this.owner = owner;
    this.name = name;
    this.token = token;
    this.delayMs = delayMs;
    /** Every request: {method, path, status}. */
    this.requests = [];
    /** Pending faults, consumed in order: {status, headers?, body?, delayMs?, match?: RegExp}. */
    this.faults = [];
    this.codeloadTokens = new Set();
    /** When true, ref updates are refused as GitHub refuses pushes to a protected branch. */
    this.protectedBranch = false;
    /** Called before each ref update (a test may commit here to race the connector). */
    this.beforeRefUpdate = null;
    /**
     * GitHub accounts, by login: {id, name?, emails: [{email, primary, verified}],
     * orgs: {<org>: "active" | "pending"}, teams: [{org, slug}]}.
     */
    this.people = people;
    /** OAuth apps: client id -> {secret, redirectUri}. */
    this.oauthApps = new Map();
    /** Codes not yet exchanged: code -> {login, clientId, redirectUri, challenge}. */
    this.oauthCodes = new Map();
    /** Every user token issued: token -> login. */
    this.userTokens = new Map();
  }

  /** Registers an OAuth app whose callback is `redirectUri`; resolves to {clientId, clientSecret}. */
  registerOAuthApp(redirectUri) {
    const clientId = `Ov23li${randomBytes(7).toString("hex")}`;
    const clientSecret = randomBytes(20).toString("hex");
    this.oauthApps.set(clientId, { secret: clientSecret, redirectUri });
    return { clientId, clientSecret };
  }

  /** Starts listening on 127.0.0.1; resolves to the base URL. */
  async start() {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `fake GitHub failed: ${error.message}` }));
      });
    });
    await new Promise((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this.url;
  }

  async stop() {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    this.server = null;
  }

  /** The OAuth app's web flow: /login/oauth/authorize (GET a login form, POST it) and /access_token. */
  async oauth(req, url, send) {
    const form = req.method === "POST" ? new URLSearchParams(await text(req)) : new URLSearchParams();
    const params = url.searchParams;
    if (url.pathname === "/login/oauth/authorize") {
      const app = this.oauthApps.get(params.get("client_id"));
      if (!app) return send(404, Buffer.from("Not Found"), { "content-type": "text/html" });
      if (params.get("redirect_uri") && params.get("redirect_uri") !== app.redirectUri) {
        return send(200, Buffer.from("<p>The redirect_uri is not associated with this application.</p>"), { "content-type": "text/html" });
      }
      if (req.method === "GET") {
        const action = `/login/oauth/authorize?${params}`.replace(/&/g, "&amp;");
        const page = `<!doctype html><title>Sign in to GitHub</title><form method="post" action="${action}"><input name="login" autocomplete="username"><input name="password" type="password"><button>Sign in</button></form>`;
        return send(200, Buffer.from(page), { "content-type": "text/html; charset=utf-8" });
      }
      const login = form.get("login") ?? "";
      if (!this.people[login]) return send(200, Buffer.from("<p>Incorrect username or password.</p>"), { "content-type": "text/html" });
      const code = randomBytes(10).toString("hex");
      this.oauthCodes.set(code, { login, clientId: params.get("client_id"), redirectUri: app.redirectUri, challenge: params.get("code_challenge"), scope: params.get("scope") ?? "" });
      const back = new URL(app.redirectUri);
      back.searchParams.set("code", code);
      if (params.get("state")) back.searchParams.set("state", params.get("state"));
      return send(302, Buffer.alloc(0), { location: back.toString() });
    }
    if (url.pathname === "/login/oauth/access_token" && req.method === "POST") {
      // GitHub answers a refused exchange with 200 and an error object.
      const refuse = (error, description) => send(200, { error, error_description: description, error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors" });
      const app = this.oauthApps.get(form.get("client_id"));
      if (!app || form.get("client_secret") !== app.secret) return refuse("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
      const pending = this.oauthCodes.get(form.get("code"));
      this.oauthCodes.delete(form.get("code"));
      if (!pending || pending.clientId !== form.get("client_id")) return refuse("bad_verification_code", "The code passed is incorrect or expired.");
      if (form.get("redirect_uri") && form.get("redirect_uri") !== pending.redirectUri) return refuse("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
      const challenge = createHash("sha256").update(form.get("code_verifier") ?? "").digest("base64url");
      if (pending.challenge && challenge !== pending.challenge) return refuse("invalid_grant", "The code_verifier does not match the code_challenge.");
      const token = `gho_${randomBytes(18).toString("base64url")}`;
      this.userTokens.set(token, pending.login);
      return send(200, { access_token: token, token_type: "bearer", scope: pending.scope.split(/[ ,]+/).filter(Boolean).join(",") });
    }
    return notFound(send);
  }

  /** The user API, for a signed-in person's token. */
  async userApi(req, url, send, login) {
    const person = this.people[login];
    if (req.method !== "GET" || !person) return notFound(send);
    const user = userJson(this, login, person);
    if (url.pathname === "/user") return send(200, privateUserJson(user, person));
    if (url.pathname === "/user/emails") {
      return send(200, person.emails.map((e) => ({ email: e.email, primary: e.primary, verified: e.verified, visibility: e.primary ? "private" : null })));
    }
    const membership = url.pathname.match(/^\/user\/memberships\/orgs\/([^/]+)$/);
    if (membership) {
      const org = decodeURIComponent(membership[1]).toLowerCase();
      const state = Object.entries(person.orgs ?? {}).find(([name]) => name.toLowerCase() === org)?.[1];
      if (!state) return notFound(send);
      return send(200, {
        url: `${this.url}/orgs/${org}/memberships/${login}`, state, role: "member", organization_url: `${this.url}/orgs/${org}`,
        organization: organizationJson(this, org), user,
      });
    }
    if (url.pathname === "/user/teams") {
      const perPage = Number(url.searchParams.get("per_page") ?? "30");
      const page = Number(url.searchParams.get("page") ?? "1");
      const teams = (person.teams ?? []).map((t, i) => teamJson(this, t, i));
      return send(200, teams.slice((page - 1) * perPage, page * perPage));
    }
    return notFound(send);
  }

  /** Whether `sha` names an object of `type` in the repository. */
  async objectIs(sha, type) {
    if (typeof sha !== "string" || !/^[0-9a-f]{40}$/.test(sha)) return false;
    try {
      return (await this.repo.git(["cat-file", "-t", sha])).trim() === type;
    } catch {
      return false;
    }
  }

  /** Forgets the recorded requests. */
  reset() {
    this.requests = [];
  }

  /** Requests whose path matches `pattern` (all when omitted). */
  count(pattern) {
    return this.requests.filter((r) => !pattern || pattern.test(r.path)).length;
  }

  async handle(req, res) {
    const url = new URL(req.url, this.url);
    const record = { method: req.method, path: url.pathname, status: 0 };
    this.requests.push(record);
    const send = (status, body, headers = {}) => {
      record.status = status;
      const isJson = body !== undefined && !Buffer.isBuffer(body);
      res.writeHead(status, { ...(isJson ? { "content-type": "application/json; charset=utf-8" } : {}), ...headers });
      res.end(isJson ? JSON.stringify(body) : body);
    };
    if (this.delayMs) await sleep(this.delayMs);

    const faultIndex = this.faults.findIndex((f) => !f.match || f.match.test(url.pathname));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.status) return send(fault.status, fault.body ?? { message: "Injected fault" }, fault.headers);
    }

    if (url.pathname.startsWith("/login/oauth/")) return this.oauth(req, url, send);

    // GitHub's rules: a User-Agent always; the token on API requests.
    if (!req.headers["user-agent"]) {
      return send(403, { message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)." });
    }

    const codeload = url.pathname.match(/^\/_codeload\/([^/]+)\/([^/]+)\/legacy\.zip\/([0-9a-f]{40})$/);
    if (codeload) {
      if (!this.codeloadTokens.has(url.searchParams.get("token"))) return send(404, Buffer.from("404: Not Found"));
      const zip = await this.repo.git(["archive", "--format=zip", `--prefix=${this.owner}-${this.name}-${codeload[3].slice(0, 7)}/`, codeload[3]], { encoding: "buffer" });
      return send(200, zip, { "content-type": "application/zip", "content-disposition": `attachment; filename=${this.owner}-${this.name}-${codeload[3].slice(0, 7)}.zip` });
    }

    const auth = req.headers.authorization ?? "";
    const userLogin = this.userTokens.get(auth.replace(/^(Bearer|token) /, ""));
    if (userLogin && url.pathname.startsWith("/user")) return this.userApi(req, url, send, userLogin);
    if (auth !== `Bearer ${this.token}` && auth !== `token ${this.token}`) {
      return send(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    }
    const prefix = `/repos/${this.owner}/${this.name}`;
    if (!url.pathname.startsWith(prefix)) return notFound(send);
    const rest = url.pathname.slice(prefix.length);
    const rateHeaders = { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", "x-github-api-version-selected": "2022-11-28" };

    if (req.method === "GET" && rest === "") {
      return send(200, repositoryJson(this), rateHeaders);
    }
    const ref = rest.match(/^\/git\/ref\/heads\/(.+)$/);
    if (req.method === "GET" && ref) {
      const branch = decodeURIComponent(ref[1]);
      if (branch !== this.repo.branch) return notFound(send);
      const sha = await this.repo.head();
      if (!sha) return send(409, { message: "Git Repository is empty.", documentation_url: "https://docs.github.com/rest", status: "409" });
      const etag = `W/"${createHash("sha256").update(sha).digest("hex")}"`;
      if (req.headers["if-none-match"] === etag) return send(304, Buffer.alloc(0), { etag });
      return send(200, refJson(this, branch, sha), { ...rateHeaders, etag, "cache-control": "private, max-age=60, s-maxage=60" });
    }
    if (req.method === "GET" && rest === "/commits") {
      const branch = url.searchParams.get("sha") ?? this.repo.branch;
      const perPage = Number(url.searchParams.get("per_page") ?? "30");
      if (branch !== this.repo.branch) return send(404, { message: `No commit found for SHA: ${branch}`, documentation_url: "https://docs.github.com/rest/commits/commits#list-commits", status: "404" });
      const sha = await this.repo.head();
      if (!sha) return send(409, { message: "Git Repository is empty.", documentation_url: "https://docs.github.com/rest", status: "409" });
      const etag = `W/"${createHash("sha256").update(`${sha}:${perPage}`).digest("hex")}"`;
      if (req.headers["if-none-match"] === etag) return send(304, Buffer.alloc(0), { etag });
      const shas = (await this.repo.git(["rev-list", `--max-count=${perPage}`, sha])).trim().split("\n");
      const commits = [];
      for (const commit of shas) commits.push(await commitJson(this, commit));
      return send(200, commits, { ...rateHeaders, etag, "cache-control": "private, max-age=60, s-maxage=60" });
    }
    const gitCommit = rest.match(/^\/git\/commits\/([0-9a-f]{40})$/);
    if (req.method === "GET" && gitCommit) {
      if (!(await this.objectIs(gitCommit[1], "commit"))) return notFound(send);
      return send(200, await gitCommitJson(this, gitCommit[1]), rateHeaders);
    }
    if (req.method === "POST" && rest === "/git/blobs") {
      const body = await readJson(req);
      if (typeof body?.content !== "string" || !["utf-8", "base64", undefined].includes(body.encoding)) return unprocessable(send, "Invalid request.\n\n\"content\" wasn't supplied.");
      const sha = await this.repo.hashObject(Buffer.from(body.content, body.encoding === "base64" ? "base64" : "utf8"));
      return send(201, { sha, url: `${this.url}${prefix}/git/blobs/${sha}` }, rateHeaders);
    }
    if (req.method === "POST" && rest === "/git/trees") {
      const body = await readJson(req);
      if (!Array.isArray(body?.tree)) return unprocessable(send, "Invalid tree info");
      if (body.base_tree && !(await this.objectIs(body.base_tree, "tree"))) return unprocessable(send, "Invalid tree info");
      const entries = [];
      for (const entry of body.tree) {
        if (typeof entry.path !== "string" || entry.path.startsWith("/") || entry.path.split("/").some((s) => s === "" || s === "." || s === "..")) return unprocessable(send, `Invalid tree info: path ${entry.path}`);
        if (!["100644", "100755", "040000", "160000", "120000"].includes(entry.mode)) return unprocessable(send, `Invalid tree info: mode ${entry.mode}`);
        if (typeof entry.content === "string") entries.push({ path: entry.path, mode: entry.mode, sha: await this.repo.hashObject(entry.content) });
        else if (entry.sha === null) entries.push({ path: entry.path, mode: entry.mode, sha: null });
        else if (typeof entry.sha === "string" && (await this.objectIs(entry.sha, "blob"))) entries.push({ path: entry.path, mode: entry.mode, sha: entry.sha });
        else return unprocessable(send, `Invalid tree info: sha ${entry.sha}`);
      }
      const sha = await this.repo.buildTree(body.base_tree, entries);
      return send(201, { sha, url: `${this.url}${prefix}/git/trees/${sha}`, tree: [], truncated: false }, rateHeaders);
    }
    if (req.method === "POST" && rest === "/git/commits") {
      const body = await readJson(req);
      if (typeof body?.message !== "string" || !(await this.objectIs(body.tree, "tree"))) return unprocessable(send, "Invalid request.");
      const parents = body.parents ?? [];
      for (const parent of parents) if (!(await this.objectIs(parent, "commit"))) return unprocessable(send, `Parent SHA does not exist or is not a commit object`);
      const env = { GIT_AUTHOR_NAME: "Skillport Connector", GIT_AUTHOR_EMAIL: "connector@users.noreply.github.com", GIT_COMMITTER_NAME: "Skillport Connector", GIT_COMMITTER_EMAIL: "connector@users.noreply.github.com" };
      const sha = (await this.repo.git(["commit-tree", body.tree, ...parents.flatMap((p) => ["-p", p]), "-m", body.message], { env })).trim();
      return send(201, await gitCommitJson(this, sha), rateHeaders);
    }
    const refUpdate = rest.match(/^\/git\/refs\/heads\/(.+)$/);
    if (req.method === "PATCH" && refUpdate) {
      const branch = decodeURIComponent(refUpdate[1]);
      if (branch !== this.repo.branch) return unprocessable(send, "Reference does not exist");
      const body = await readJson(req);
      if (!(await this.objectIs(body?.sha, "commit"))) return unprocessable(send, "Object does not exist");
      if (this.beforeRefUpdate) await this.beforeRefUpdate();
      if (this.protectedBranch) return unprocessable(send, `Protected branch update failed for refs/heads/${branch}.`);
      const current = await this.repo.head();
      if (!body.force && current) {
        try {
          await this.repo.git(["merge-base", "--is-ancestor", current, body.sha]);
        } catch {
          return unprocessable(send, "Update is not a fast forward");
        }
      }
      await this.repo.git(["update-ref", `refs/heads/${branch}`, body.sha, ...(current ? [current] : [])]);
      return send(200, refJson(this, branch, body.sha), rateHeaders);
    }
    const zipball = rest.match(/^\/zipball\/(.+)$/);
    if (req.method === "GET" && zipball) {
      let sha;
      try {
        sha = (await this.repo.git(["rev-parse", "--verify", "--quiet", `${decodeURIComponent(zipball[1])}^{commit}`])).trim();
      } catch {
        return notFound(send);
      }
      const token = randomBytes(12).toString("hex");
      this.codeloadTokens.add(token);
      return send(302, Buffer.alloc(0), { location: `${this.url}/_codeload/${this.owner}/${this.name}/legacy.zip/${sha}?token=${token}` });
    }
    return notFound(send);
  }
}

function unprocessable(send, message) {
  return send(422, { message, documentation_url: "https://docs.github.com/rest/git", status: "422" });
}

async function readJson(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

/** A git `commit` object, as the Git Data API returns it. */
async function gitCommitJson(fake, sha) {
  const format = ["%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x00");
  const [tree, parents, an, ae, ad, cn, ce, cd, message] = (await fake.repo.git(["show", "-s", `--format=${format}`, sha])).split("\0");
  const api = `${fake.url}/repos/${fake.owner}/${fake.name}`;
  return {
    sha,
    node_id: Buffer.from(`Commit:${sha}`).toString("base64"),
    url: `${api}/git/commits/${sha}`,
    html_url: `https://github.com/${fake.owner}/${fake.name}/commit/${sha}`,
    author: { name: an, email: ae, date: ad },
    committer: { name: cn, email: ce, date: cd },
    message: message.replace(/\n$/, ""),
    tree: { sha: tree, url: `${api}/git/trees/${tree}` },
    parents: parents.split(" ").filter(Boolean).map((p) => ({ sha: p, url: `${api}/git/commits/${p}`, html_url: `https://github.com/${fake.owner}/${fake.name}/commit/${p}` })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

function notFound(send) {
  return send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A `commit` object, as the commits endpoints return it. */
async function commitJson(fake, sha) {
  const format = ["%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x00");
  const [tree, parents, an, ae, ad, cn, ce, cd, message] = (await fake.repo.git(["show", "-s", `--format=${format}`, sha])).split("\0");
  const api = `${fake.url}/repos/${fake.owner}/${fake.name}`;
  const html = `https://github.com/${fake.owner}/${fake.name}`;
  return {
    url: `${api}/commits/${sha}`,
    sha,
    node_id: Buffer.from(`Commit:${sha}`).toString("base64"),
    html_url: `${html}/commit/${sha}`,
    comments_url: `${api}/commits/${sha}/comments`,
    commit: {
      url: `${api}/git/commits/${sha}`,
      author: { name: an, email: ae, date: ad },
      committer: { name: cn, email: ce, date: cd },
      message: message.trim(),
      comment_count: 0,
      tree: { sha: tree, url: `${api}/git/trees/${tree}` },
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    },
    author: null,
    committer: null,
    parents: parents.split(" ").filter(Boolean).map((p) => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${html}/commit/${p}` })),
  };
}

function refJson(fake, branch, sha) {
  const api = `${fake.url}/repos/${fake.owner}/${fake.name}`;
  return {
    ref: `refs/heads/${branch}`,
    node_id: Buffer.from(`Ref:${branch}`).toString("base64"),
    url: `${api}/git/refs/heads/${branch}`,
    object: { sha, type: "commit", url: `${api}/git/commits/${sha}` },
  };
}

/** A complete `full-repository` object, as `GET /repos/{owner}/{repo}` returns. */
export function repositoryJson(fake) {
  const api = `${fake.url}/repos/${fake.owner}/${fake.name}`;
  const html = `https://github.com/${fake.owner}/${fake.name}`;
  const now = "2026-11-01T00:00:00Z";
  const owner = {
    login: fake.owner, id: 1, node_id: "O_1", avatar_url: "https://avatars.githubusercontent.com/u/1", gravatar_id: "",
    url: `${fake.url}/users/${fake.owner}`, html_url: `https://github.com/${fake.owner}`,
    followers_url: `${fake.url}/users/${fake.owner}/followers`, following_url: `${fake.url}/users/${fake.owner}/following{/other_user}`,
    gists_url: `${fake.url}/users/${fake.owner}/gists{/gist_id}`, starred_url: `${fake.url}/users/${fake.owner}/starred{/owner}{/repo}`,
    subscriptions_url: `${fake.url}/users/${fake.owner}/subscriptions`, organizations_url: `${fake.url}/users/${fake.owner}/orgs`,
    repos_url: `${fake.url}/users/${fake.owner}/repos`, events_url: `${fake.url}/users/${fake.owner}/events{/privacy}`,
    received_events_url: `${fake.url}/users/${fake.owner}/received_events`, type: "Organization", site_admin: false,
  };
  const templated = Object.fromEntries(
    [
      ["archive_url", "/{archive_format}{/ref}"], ["assignees_url", "/assignees{/user}"], ["blobs_url", "/git/blobs{/sha}"],
      ["branches_url", "/branches{/branch}"], ["collaborators_url", "/collaborators{/collaborator}"], ["comments_url", "/comments{/number}"],
      ["commits_url", "/commits{/sha}"], ["compare_url", "/compare/{base}...{head}"], ["contents_url", "/contents/{+path}"],
      ["contributors_url", "/contributors"], ["deployments_url", "/deployments"], ["downloads_url", "/downloads"], ["events_url", "/events"],
      ["forks_url", "/forks"], ["git_commits_url", "/git/commits{/sha}"], ["git_refs_url", "/git/refs{/sha}"], ["git_tags_url", "/git/tags{/sha}"],
      ["hooks_url", "/hooks"], ["issue_comment_url", "/issues/comments{/number}"], ["issue_events_url", "/issues/events{/number}"],
      ["issues_url", "/issues{/number}"], ["keys_url", "/keys{/key_id}"], ["labels_url", "/labels{/name}"], ["languages_url", "/languages"],
      ["merges_url", "/merges"], ["milestones_url", "/milestones{/number}"], ["notifications_url", "/notifications{?since,all,participating}"],
      ["pulls_url", "/pulls{/number}"], ["releases_url", "/releases{/id}"], ["stargazers_url", "/stargazers"], ["statuses_url", "/statuses/{sha}"],
      ["subscribers_url", "/subscribers"], ["subscription_url", "/subscription"], ["tags_url", "/tags"], ["teams_url", "/teams"],
      ["trees_url", "/git/trees{/sha}"],
    ].map(([key, suffix]) => [key, api + suffix]),
  );
  return {
    id: 42, node_id: "R_42", name: fake.name, full_name: `${fake.owner}/${fake.name}`, private: true, owner, html_url: html,
    description: "Claude Skills", fork: false, url: api, ...templated,
    clone_url: `${html}.git`, git_url: `git://github.com/${fake.owner}/${fake.name}.git`, ssh_url: `git@github.com:${fake.owner}/${fake.name}.git`,
    svn_url: html, mirror_url: null, homepage: null, language: null, forks: 0, forks_count: 0, stargazers_count: 0, watchers_count: 0,
    watchers: 0, size: 1, default_branch: fake.repo.branch, open_issues: 0, open_issues_count: 0, is_template: false, topics: [],
    has_issues: true, has_projects: false, has_wiki: false, has_pages: false, has_downloads: true, has_discussions: false,
    archived: false, disabled: false, visibility: "private", pushed_at: now, created_at: now, updated_at: now,
    permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
    license: null, network_count: 0, subscribers_count: 0,
  };
}

function accountUrls(fake, login) {
  const base = `${fake.url}/users/${login}`;
  return {
    url: base, html_url: `https://github.com/${login}`, followers_url: `${base}/followers`, following_url: `${base}/following{/other_user}`,
    gists_url: `${base}/gists{/gist_id}`, starred_url: `${base}/starred{/owner}{/repo}`, subscriptions_url: `${base}/subscriptions`,
    organizations_url: `${base}/orgs`, repos_url: `${base}/repos`, events_url: `${base}/events{/privacy}`, received_events_url: `${base}/received_events`,
  };
}

function userJson(fake, login, person) {
  return {
    login, id: person.id, node_id: `U_${person.id}`, avatar_url: `https://avatars.githubusercontent.com/u/${person.id}`, gravatar_id: "",
    ...accountUrls(fake, login), type: "User", site_admin: false,
  };
}

function privateUserJson(user, person) {
  const now = "2026-11-01T00:00:00Z";
  return {
    ...user, name: person.name ?? null, company: null, blog: "", location: null, email: null, hireable: null, bio: null,
    public_repos: 0, public_gists: 0, followers: 0, following: 0, created_at: now, updated_at: now,
    private_gists: 0, total_private_repos: 0, owned_private_repos: 0, disk_usage: 0, collaborators: 0, two_factor_authentication: true,
    plan: { name: "free", space: 976562499, private_repos: 10000, collaborators: 0 },
  };
}

function organizationJson(fake, org) {
  const base = `${fake.url}/orgs/${org}`;
  return {
    login: org, id: 1000 + org.length, node_id: `O_${org}`, url: base, repos_url: `${base}/repos`, events_url: `${base}/events`,
    hooks_url: `${base}/hooks`, issues_url: `${base}/issues`, members_url: `${base}/members{/member}`,
    public_members_url: `${base}/public_members{/member}`, avatar_url: "https://avatars.githubusercontent.com/u/1000", description: null,
  };
}

function teamJson(fake, { org, slug }, index) {
  const now = "2026-11-01T00:00:00Z";
  const organization = {
    ...organizationJson(fake, org), html_url: `https://github.com/${org}`, has_organization_projects: true, has_repository_projects: true,
    public_repos: 0, public_gists: 0, followers: 0, following: 0, type: "Organization", created_at: now, updated_at: now, archived_at: null,
  };
  const url = `${fake.url}/organizations/${organization.id}/team/${index + 1}`;
  return {
    id: index + 1, node_id: `T_${index + 1}`, url, html_url: `https://github.com/orgs/${org}/teams/${slug}`, name: slug, slug,
    description: null, privacy: "closed", notification_setting: "notifications_enabled", permission: "pull",
    members_url: `${url}/members{/member}`, repositories_url: `${url}/repos`, parent: null, type: "enterprise",
    members_count: 1, repos_count: 0, created_at: now, updated_at: now, organization,
  };
}
