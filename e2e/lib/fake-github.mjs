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
//
// And it is GitHub for a GitHub App (`createApp`): the app's JWT (RS256, verified as GitHub does)
// on the two app endpoints, installation tokens that expire and carry permissions, commits made
// with them authored by the app's bot; and GitHub's webhooks (`addWebhook`): push events
// delivered, signed with the hook's secret, when the branch moves.
import http from "node:http";
import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, verify } from "node:crypto";
import { text } from "node:stream/consumers";

/** The repository's and its owner's ids, as every answer names them. */
const REPOSITORY_ID = 42;
const OWNER_ID = 1;
/** Permission levels, lowest first, for comparing a token's grant with what an endpoint needs. */
const LEVELS = { read: 1, write: 2, admin: 3 };
/** The person `pushCommit` pushes as by default: git-repo.mjs's fixture identity. */
const FIXTURE_PERSON = { login: "fixture", id: 100, type: "User", name: "Fixture", email: "fixture@example.com" };
/** GitHub's zen, for ping events. */
const ZEN = ["Keep it logically awesome.", "Design for failure.", "Speak like a human.", "Favor focus over features.", "Non-blocking is better than blocking.", "Practicality beats purity."];
/** Where GitHub's errors point, per endpoint. */
const DOCS = {
  installation: "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app",
  accessToken: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app",
  repository: "https://docs.github.com/rest/repos/repos#get-a-repository",
  getRef: "https://docs.github.com/rest/git/refs#get-a-reference",
  listCommits: "https://docs.github.com/rest/commits/commits#list-commits",
  getCommit: "https://docs.github.com/rest/git/commits#get-a-commit",
  createBlob: "https://docs.github.com/rest/git/blobs#create-a-blob",
  createTree: "https://docs.github.com/rest/git/trees#create-a-tree",
  createCommit: "https://docs.github.com/rest/git/commits#create-a-commit",
  updateRef: "https://docs.github.com/rest/git/refs#update-a-reference",
  createRef: "https://docs.github.com/rest/git/refs#create-a-reference",
  createPull: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
  zipball: "https://docs.github.com/rest/repos/contents#download-a-repository-archive-zip",
};

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
    /** Pull requests opened: {number, title, body, head, base, headSha, baseSha, actor}. */
    this.pulls = [];
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
    /** Who the personal token `token` belongs to: the author of its commits, the pusher of its ref updates. */
    this.tokenOwner = { login: "skillport-connector", id: 4242, type: "User", name: "Skillport Connector", email: "connector@users.noreply.github.com" };
    /** The GitHub App (see createApp), or null. */
    /** The GitHub Apps created (`createApp`), each installed on the repository; `app` is the latest. */
    this.apps = [];
    this.app = null;
    /** Every installation token issued: token -> {expiresAt (ms since the epoch), permissions, repositories}. */
    this.installationTokens = new Map();
    /** Repository webhooks (see addWebhook): {id, url, secret, events, active, createdAt}. */
    this.webhooks = [];
    /** Every webhook delivery: {deliveryId, hookId, event, url, headers, payload, status, body, error?, at}. */
    this.deliveries = [];
    /** When true, the automatic push deliveries (ref updates, pushCommit) are skipped: a lost delivery. */
    this.webhooksPaused = false;
    /** The queue of automatic deliveries (in order, one at a time), and what failed in it. */
    this.pendingDeliveries = Promise.resolve();
    this.deliveryErrors = [];
    /** The version in GitHub-Hookshot/<hex>, one per fake. */
    this.hookshotVersion = randomBytes(4).toString("hex").slice(0, 7);
  }

  /**
   * Registers a GitHub App installed on the fake's repository (one app, one installation; a second
   * call replaces them). Its key pair is RSA 2048; GitHub hands out the private key as PKCS#1 PEM.
   * Installation tokens live `tokenTtlMs`; `permissions` are the installation's. Commits made with
   * its tokens are the bot's: `${slug}[bot]` <`${botUserId}+${slug}[bot]@users.noreply.github.com`>
   * (GitHub numbers that address with the bot user's id; here it defaults to the app id).
   * @returns {{appId: number, slug: string, clientId: string, installationId: number, botUserId: number, privateKeyPem: string, privateKeyPkcs8Pem: string}}
   */
  createApp({ appId = 123456, slug = "skillport-connector", installationId = 7654321, tokenTtlMs = 3600_000, permissions = { contents: "write", metadata: "read" }, botUserId = appId } = {}) {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const clientId = `Iv23li${randomBytes(7).toString("hex")}`;
    const app = { appId, slug, clientId, installationId, tokenTtlMs, permissions: { ...permissions }, botUserId, publicKey };
    // An app id created again is that app with a new key (its old JWTs stop verifying).
    this.apps = [...this.apps.filter((a) => a.appId !== appId), app];
    this.app = app;
    return {
      appId, slug, clientId, installationId, botUserId,
      privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }),
      privateKeyPkcs8Pem: privateKey.export({ type: "pkcs8", format: "pem" }),
    };
  }

  /** An app's bot (the latest app's by default), as an actor (author, pusher, sender). */
  botActor(app = this.app) {
    const { slug, botUserId } = app;
    return { login: `${slug}[bot]`, id: botUserId, type: "Bot", name: `${slug}[bot]`, email: `${botUserId}+${slug}[bot]@users.noreply.github.com` };
  }

  /** Makes every installation token issued so far expired. */
  expireInstallationTokens() {
    for (const grant of this.installationTokens.values()) grant.expiresAt = Math.min(grant.expiresAt, Date.now() - 1);
  }

  /**
   * Verifies an app JWT as GitHub does: RS256 signed by the app's key, `iss` its id (or client id),
   * `iat` at most 60 s ahead, `exp` in the future and at most 10 minutes ahead. Returns {app} or {error}.
   */
  verifyJwt(jwt) {
    const undecodable = { error: "A JSON web token could not be decoded" };
    const parts = jwt.split(".");
    if (parts.length !== 3) return undecodable;
    let header, claims;
    try {
      header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
      claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    } catch {
      return undecodable;
    }
    if (header?.alg !== "RS256" || !claims || typeof claims !== "object") return undecodable;
    const app = this.apps.find((a) => [String(a.appId), a.clientId].includes(String(claims.iss)));
    if (!app) return { error: "Integration not found" };
    if (!verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), app.publicKey, Buffer.from(parts[2], "base64url"))) return undecodable;
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(claims.iat) || claims.iat > now + 60) return { error: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued" };
    if (typeof claims.exp !== "number" || claims.exp <= now) return { error: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires" };
    if (claims.exp > now + 600) return { error: "'Expiration time' claim ('exp') is too far in the future" };
    return { app };
  }

  /** The app's endpoints, which take the app's JWT only: the repository's installation, and minting its tokens. */
  async appApi(req, url, send, record, jwt) {
    const verdict = this.verifyJwt(jwt);
    if (verdict.error) return send(401, { message: verdict.error, documentation_url: "https://docs.github.com/rest", status: "401" });
    record.auth = "jwt";
    const app = verdict.app;
    const installation = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/installation$/);
    if (installation) {
      if (installation[1] !== this.owner || installation[2] !== this.name) return send(404, { message: "Not Found", documentation_url: DOCS.installation, status: "404" });
      return send(200, installationJson(this, app));
    }
    const id = url.pathname.match(/^\/app\/installations\/([^/]+)\/access_tokens$/)[1];
    if (id !== String(app.installationId)) return send(404, { message: "Not Found", documentation_url: DOCS.accessToken, status: "404" });
    const raw = await text(req);
    let body = {};
    try {
      if (raw.trim()) body = JSON.parse(raw);
    } catch {
      return send(400, { message: "Problems parsing JSON", documentation_url: DOCS.accessToken, status: "400" });
    }
    const refuse = (message) => send(422, { message, documentation_url: DOCS.accessToken, status: "422" });
    if (!body || typeof body !== "object" || Array.isArray(body)) return refuse("Invalid request.");
    const { repositories, repository_ids: repositoryIds, permissions } = body;
    const elsewhere = "There is at least one repository that does not exist or is not accessible to the parent installation.";
    if (repositories !== undefined && (!Array.isArray(repositories) || repositories.some((name) => name !== this.name))) return refuse(elsewhere);
    if (repositoryIds !== undefined && (!Array.isArray(repositoryIds) || repositoryIds.some((repoId) => repoId !== REPOSITORY_ID))) return refuse(elsewhere);
    let granted = { ...app.permissions };
    if (permissions !== undefined) {
      const refused = "The permissions requested are not granted to this installation.";
      if (!permissions || typeof permissions !== "object" || Array.isArray(permissions)) return refuse(refused);
      for (const [name, level] of Object.entries(permissions)) {
        if (!LEVELS[level] || !(LEVELS[app.permissions[name]] >= LEVELS[level])) return refuse(refused);
      }
      // GitHub always grants the metadata read a repository token needs.
      granted = { ...permissions, ...(app.permissions.metadata && !permissions.metadata ? { metadata: "read" } : {}) };
    }
    const scoped = Boolean(repositories?.length || repositoryIds?.length);
    const token = `ghs_${randomAlphanumeric(36)}`;
    const expiresAt = Date.now() + app.tokenTtlMs;
    this.installationTokens.set(token, { expiresAt, permissions: granted, repositories: scoped ? [this.name] : null, appId: app.appId });
    return send(201, {
      token,
      expires_at: isoSeconds(new Date(expiresAt)),
      permissions: granted,
      repository_selection: "selected",
      ...(scoped ? { repositories: [repositoryJson(this)] } : {}),
    });
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
    await this.settled().catch(() => {});
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

  /**
   * Registers a repository webhook (several may be) and returns it: {id, url, secret, events, active,
   * createdAt}. `events` may hold "*" for all. No ping is sent (deliver one with pingPayload).
   */
  addWebhook({ url, secret = null, events = ["push"], active = true } = {}) {
    const hook = { id: 500_000_001 + this.webhooks.length, url, secret, events: [...events], active, createdAt: isoSeconds(new Date()) };
    this.webhooks.push(hook);
    return hook;
  }

  /**
   * POSTs `payload` as the `event` webhook, exactly as GitHub does: the body is JSON.stringify(payload),
   * with headers content-type, user-agent GitHub-Hookshot/<hex>, x-github-event, x-github-delivery,
   * x-github-hook-id, x-github-hook-installation-target-type ("repository") and -id (the repository's
   * id), and, when the hook has a secret, x-hub-signature-256 (sha256=<HMAC-SHA256 hex of the body>)
   * and x-hub-signature (sha1=<HMAC-SHA1 hex>).
   *
   * With `hook` (a hook or its id) it delivers to that hook, whatever its events, and resolves to one
   * result; without, it delivers to every active hook subscribed to `event` (every hook for "ping"),
   * one after another, and resolves to an array of results (empty when none matches). A result is
   * {status, body (the response's text), deliveryId, hookId, error?}; a hook that cannot be reached
   * (or answers after GitHub's 10 s) gives status 0 and `error`. Nothing throws for a failed delivery.
   *
   * To forge a delivery: `secret` signs with another key, `signature` replaces the whole
   * x-hub-signature-256 value (null sends neither signature header), `deliveryId` replays an id.
   */
  async deliver(event, payload, { hook, secret, deliveryId, signature } = {}) {
    const options = { secret, deliveryId, signature };
    if (hook !== undefined) {
      const target = typeof hook === "object" ? hook : this.webhooks.find((h) => h.id === hook);
      if (!target) throw new Error(`fake GitHub: no webhook ${hook}`);
      return this.deliverTo(target, event, payload, options);
    }
    const results = [];
    for (const target of this.webhooks.filter((h) => h.active && (event === "ping" || h.events.includes(event) || h.events.includes("*")))) {
      results.push(await this.deliverTo(target, event, payload, options));
    }
    return results;
  }

  /** One delivery to one hook (see deliver), recorded in `deliveries`. */
  async deliverTo(hook, event, payload, { secret, deliveryId = randomUUID(), signature } = {}) {
    const body = JSON.stringify(payload);
    const key = secret ?? hook.secret;
    const headers = {
      accept: "*/*",
      "content-type": "application/json",
      "user-agent": `GitHub-Hookshot/${this.hookshotVersion}`,
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-github-hook-id": String(hook.id),
      "x-github-hook-installation-target-type": "repository",
      "x-github-hook-installation-target-id": String(REPOSITORY_ID),
    };
    if (key) {
      headers["x-hub-signature"] = `sha1=${createHmac("sha1", key).update(body).digest("hex")}`;
      headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
    }
    if (signature === null) {
      delete headers["x-hub-signature"];
      delete headers["x-hub-signature-256"];
    } else if (signature !== undefined) headers["x-hub-signature-256"] = signature;
    const delivery = { deliveryId, hookId: hook.id, event, url: hook.url, headers, payload, status: 0, body: "", at: new Date() };
    this.deliveries.push(delivery);
    try {
      const response = await fetch(hook.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(10_000) });
      delivery.status = response.status;
      delivery.body = await response.text();
    } catch (error) {
      delivery.error = error.message;
    }
    return { status: delivery.status, body: delivery.body, deliveryId, hookId: hook.id, ...(delivery.error ? { error: delivery.error } : {}) };
  }

  /** Runs `task` after the automatic deliveries queued before it, so that hooks see events in order. */
  queueDelivery(task) {
    const run = this.pendingDeliveries.then(task);
    this.pendingDeliveries = run.then(() => {}, () => {});
    return run;
  }

  /** Resolves once every automatic delivery queued so far (and any queued meanwhile) is done; throws what failed to be built. */
  async settled() {
    let seen;
    do {
      seen = this.pendingDeliveries;
      await seen;
    } while (seen !== this.pendingDeliveries);
    if (this.deliveryErrors.length) throw new AggregateError(this.deliveryErrors.splice(0), "fake GitHub: automatic deliveries failed");
  }

  /**
   * Commits `files` on the branch as a person pushing (repo.commit: same `files` shape, the fixture
   * identity), then delivers the push event to the hooks (unless webhooksPaused).
   * `actor` ({login, id, type, name, email}) is the pusher and sender. Resolves to {sha, before, deliveries}.
   */
  async pushCommit(files, message = "Update fixture", { actor = FIXTURE_PERSON } = {}) {
    const before = await this.repo.head();
    const sha = await this.repo.commit(files, message);
    if (this.webhooksPaused) return { sha, before, deliveries: [] };
    const deliveries = await this.queueDelivery(async () => this.deliver("push", await this.pushPayload({ before, after: sha, actor })));
    return { sha, before, deliveries };
  }

  /**
   * GitHub's `push` event payload for the ref moving from `before` to `after` (default: the branch's
   * head). A null or all-zero `before` is a created ref, a null or all-zero `after` a deleted one;
   * `forced` defaults to whether `before` is not an ancestor of `after`. `commits` are those reachable
   * from `after` and not from `before`, oldest first (at most 2048, as GitHub). `actor` pushes.
   */
  async pushPayload({ before = null, after, ref = `refs/heads/${this.repo.branch}`, forced, actor = FIXTURE_PERSON } = {}) {
    const zero = "0".repeat(40);
    after = after === undefined ? await this.repo.head() : after;
    const created = !before || before === zero;
    const deleted = !after || after === zero;
    if (forced === undefined) {
      forced = false;
      if (!created && !deleted) {
        try {
          await this.repo.git(["merge-base", "--is-ancestor", before, after]);
        } catch {
          forced = true;
        }
      }
    }
    const range = deleted ? [] : (await this.repo.git(["rev-list", "--reverse", "--max-count=2048", after, ...(created ? [] : [`^${before}`])])).trim().split("\n").filter(Boolean);
    const commits = [];
    for (const sha of range) commits.push(await pushCommitJson(this, sha));
    const html = `https://github.com/${this.owner}/${this.name}`;
    const short = (sha) => (sha ?? zero).slice(0, 12);
    const pushedAt = Math.floor(Date.now() / 1000);
    return {
      ref,
      before: created ? zero : before,
      after: deleted ? zero : after,
      repository: pushRepositoryJson(this, pushedAt),
      pusher: { name: actor.login, email: actor.email ?? null },
      organization: ownerOrganizationJson(this),
      sender: senderJson(this, actor),
      created,
      deleted,
      forced,
      base_ref: null,
      compare: created ? `${html}/commit/${short(after)}` : `${html}/compare/${short(before)}...${short(after)}`,
      commits,
      head_commit: deleted ? null : commits.find((c) => c.id === after) ?? (await pushCommitJson(this, after)),
    };
  }

  /** GitHub's `ping` event payload for `hook`, as sent when a hook is created. */
  pingPayload(hook, { actor = FIXTURE_PERSON } = {}) {
    return {
      zen: ZEN[hook.id % ZEN.length],
      hook_id: hook.id,
      hook: hookJson(this, hook),
      repository: repositoryJson(this),
      organization: ownerOrganizationJson(this),
      sender: senderJson(this, actor),
    };
  }

  /** The GitHub login an author's email belongs to, when known (the bot, the token's owner, the fixture person, `people`). */
  usernameFor(email) {
    const bot = this.apps.map((app) => this.botActor(app)).find((actor) => actor.email === email);
    if (bot) return bot.login;
    if (email === this.tokenOwner.email) return this.tokenOwner.login;
    if (email === FIXTURE_PERSON.email) return FIXTURE_PERSON.login;
    return Object.entries(this.people).find(([, person]) => person.emails?.some((e) => e.email === email))?.[0];
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
    const presented = auth.match(/^(?:Bearer|token) (.+)$/)?.[1] ?? "";
    const userLogin = this.userTokens.get(presented);
    if (userLogin && url.pathname.startsWith("/user")) {
      record.auth = "user";
      return this.userApi(req, url, send, userLogin);
    }
    // The app's endpoints take its JWT (as a Bearer token) and nothing else.
    if ((req.method === "GET" && /^\/repos\/[^/]+\/[^/]+\/installation$/.test(url.pathname)) || (req.method === "POST" && /^\/app\/installations\/[^/]+\/access_tokens$/.test(url.pathname))) {
      return this.appApi(req, url, send, record, auth.startsWith("Bearer ") ? presented : "");
    }
    // Everything else: the personal token, or an installation token until it expires.
    // `grant.permissions` is null for the personal token (it may do everything here).
    const badCredentials = () => send(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    let grant;
    if (presented && presented === this.token) grant = { kind: "token", permissions: null, actor: this.tokenOwner };
    else if (this.installationTokens.has(presented)) {
      const issued = this.installationTokens.get(presented);
      if (issued.expiresAt <= Date.now()) return badCredentials();
      grant = { kind: "installation", permissions: issued.permissions, actor: this.botActor(this.apps.find((a) => a.appId === issued.appId)) };
    } else return badCredentials();
    record.auth = grant.kind;
    const prefix = `/repos/${this.owner}/${this.name}`;
    if (!url.pathname.startsWith(prefix)) return notFound(send);
    const rest = url.pathname.slice(prefix.length);
    const rateHeaders = { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", "x-github-api-version-selected": "2022-11-28" };
    // An installation token reaches an endpoint only with the permission it needs.
    const lacks = (permission, level, documentation_url) => {
      if (!grant.permissions || LEVELS[grant.permissions[permission]] >= LEVELS[level]) return false;
      send(403, { message: "Resource not accessible by integration", documentation_url, status: "403" });
      return true;
    };

    if (req.method === "GET" && rest === "") {
      if (lacks("metadata", "read", DOCS.repository)) return;
      return send(200, repositoryJson(this), rateHeaders);
    }
    const ref = rest.match(/^\/git\/ref\/heads\/(.+)$/);
    if (req.method === "GET" && ref) {
      if (lacks("contents", "read", DOCS.getRef)) return;
      const branch = decodeURIComponent(ref[1]);
      if (branch !== this.repo.branch) return notFound(send);
      const sha = await this.repo.head();
      if (!sha) return send(409, { message: "Git Repository is empty.", documentation_url: "https://docs.github.com/rest", status: "409" });
      const etag = `W/"${createHash("sha256").update(sha).digest("hex")}"`;
      if (req.headers["if-none-match"] === etag) return send(304, Buffer.alloc(0), { etag });
      return send(200, refJson(this, branch, sha), { ...rateHeaders, etag, "cache-control": "private, max-age=60, s-maxage=60" });
    }
    if (req.method === "GET" && rest === "/commits") {
      if (lacks("contents", "read", DOCS.listCommits)) return;
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
      if (lacks("contents", "read", DOCS.getCommit)) return;
      if (!(await this.objectIs(gitCommit[1], "commit"))) return notFound(send);
      return send(200, await gitCommitJson(this, gitCommit[1]), rateHeaders);
    }
    if (req.method === "POST" && rest === "/git/blobs") {
      if (lacks("contents", "write", DOCS.createBlob)) return;
      const body = await readJson(req);
      if (typeof body?.content !== "string" || !["utf-8", "base64", undefined].includes(body.encoding)) return unprocessable(send, "Invalid request.\n\n\"content\" wasn't supplied.");
      const sha = await this.repo.hashObject(Buffer.from(body.content, body.encoding === "base64" ? "base64" : "utf8"));
      return send(201, { sha, url: `${this.url}${prefix}/git/blobs/${sha}` }, rateHeaders);
    }
    if (req.method === "POST" && rest === "/git/trees") {
      if (lacks("contents", "write", DOCS.createTree)) return;
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
      if (lacks("contents", "write", DOCS.createCommit)) return;
      const body = await readJson(req);
      if (typeof body?.message !== "string" || !(await this.objectIs(body.tree, "tree"))) return unprocessable(send, "Invalid request.");
      const parents = body.parents ?? [];
      for (const parent of parents) if (!(await this.objectIs(parent, "commit"))) return unprocessable(send, `Parent SHA does not exist or is not a commit object`);
      // GitHub makes the token's owner the author and committer: with an installation token, the app's bot.
      const { name, email } = grant.actor;
      const env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
      const sha = (await this.repo.git(["commit-tree", body.tree, ...parents.flatMap((p) => ["-p", p]), "-m", body.message], { env })).trim();
      return send(201, await gitCommitJson(this, sha), rateHeaders);
    }
    if (req.method === "POST" && rest === "/git/refs") {
      if (lacks("contents", "write", DOCS.createRef)) return;
      const body = await readJson(req);
      const name = typeof body?.ref === "string" && body.ref.startsWith("refs/heads/") ? body.ref.slice("refs/heads/".length) : null;
      if (!name) return unprocessable(send, "Reference name must start with 'refs/' and have at least two slashes.");
      if (!(await this.objectIs(body.sha, "commit"))) return unprocessable(send, "Object does not exist");
      const exists = await this.repo.git(["rev-parse", "--verify", "--quiet", `refs/heads/${name}`]).then(() => true, () => false);
      if (exists) return unprocessable(send, "Reference already exists");
      await this.repo.git(["update-ref", `refs/heads/${name}`, body.sha]);
      return send(201, refJson(this, name, body.sha), rateHeaders);
    }
    if (req.method === "POST" && rest === "/pulls") {
      if (lacks("pull_requests", "write", DOCS.createPull)) return;
      const body = await readJson(req);
      if (typeof body?.title !== "string" || typeof body?.head !== "string" || typeof body?.base !== "string") return unprocessable(send, "Validation Failed");
      const resolve = (branch) => this.repo.git(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`]).then((sha) => sha.trim(), () => null);
      const [head, base] = [await resolve(body.head), await resolve(body.base)];
      if (!head || !base) return unprocessable(send, "Validation Failed: the head or base branch does not exist");
      const number = this.pulls.length + 1;
      const pull = { number, title: body.title, body: body.body ?? null, head: body.head, base: body.base, headSha: head, baseSha: base, actor: grant.actor };
      this.pulls.push(pull);
      return send(201, pullJson(this, pull), rateHeaders);
    }
    const refUpdate = rest.match(/^\/git\/refs\/heads\/(.+)$/);
    if (req.method === "PATCH" && refUpdate) {
      if (lacks("contents", "write", DOCS.updateRef)) return;
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
      send(200, refJson(this, branch, body.sha), rateHeaders);
      // As GitHub does, the push event goes to the hooks after the answer; settled() awaits it.
      if (!this.webhooksPaused && current !== body.sha) {
        this.queueDelivery(async () => this.deliver("push", await this.pushPayload({ before: current, after: body.sha, actor: grant.actor }))).catch((error) => this.deliveryErrors.push(error));
      }
      return;
    }
    const zipball = rest.match(/^\/zipball\/(.+)$/);
    if (req.method === "GET" && zipball) {
      if (lacks("contents", "read", DOCS.zipball)) return;
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

/** A `pull-request` object, as `POST /repos/{owner}/{repo}/pulls` returns for a new one. */
function pullJson(fake, pull) {
  const api = `${fake.url}/repos/${fake.owner}/${fake.name}`;
  const html = `https://github.com/${fake.owner}/${fake.name}/pull/${pull.number}`;
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const user = ownerJson(fake);
  const side = (ref, sha) => ({ label: `${fake.owner}:${ref}`, ref, sha, user, repo: repositoryJson(fake) });
  const link = (href) => ({ href });
  const issue = `${api}/issues/${pull.number}`;
  return {
    url: `${api}/pulls/${pull.number}`, id: 9000 + pull.number, node_id: `PR_${pull.number}`, html_url: html,
    diff_url: `${html}.diff`, patch_url: `${html}.patch`, issue_url: issue, commits_url: `${api}/pulls/${pull.number}/commits`,
    review_comments_url: `${api}/pulls/${pull.number}/comments`, review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`, statuses_url: `${api}/statuses/${pull.headSha}`,
    number: pull.number, state: "open", locked: false, title: pull.title, user, body: pull.body, labels: [], milestone: null,
    active_lock_reason: null, created_at: now, updated_at: now, closed_at: null, merged_at: null, merge_commit_sha: null,
    assignee: null, assignees: [], requested_reviewers: [], requested_teams: [],
    head: side(pull.head, pull.headSha), base: side(pull.base, pull.baseSha),
    _links: {
      self: link(`${api}/pulls/${pull.number}`), html: link(html), issue: link(issue), comments: link(`${issue}/comments`),
      review_comments: link(`${api}/pulls/${pull.number}/comments`), review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${api}/pulls/${pull.number}/commits`), statuses: link(`${api}/statuses/${pull.headSha}`),
    },
    author_association: "NONE", auto_merge: null, draft: false, merged: false, mergeable: null, rebaseable: null, mergeable_state: "unknown",
    merged_by: null, comments: 0, review_comments: 0, maintainer_can_modify: false, commits: 1, additions: 0, deletions: 0, changed_files: 0,
  };
}

/** A complete `full-repository` object, as `GET /repos/{owner}/{repo}` returns. */
export function repositoryJson(fake) {
  const api = `${fake.url}/repos/${fake.owner}/${fake.name}`;
  const html = `https://github.com/${fake.owner}/${fake.name}`;
  const now = "2026-11-01T00:00:00Z";
  const owner = ownerJson(fake);
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
    id: REPOSITORY_ID, node_id: `R_${REPOSITORY_ID}`, name: fake.name, full_name: `${fake.owner}/${fake.name}`, private: true, owner, html_url: html,
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

/** The repository's owner, an organization, as a `simple-user`. */
function ownerJson(fake) {
  return {
    login: fake.owner, id: OWNER_ID, node_id: `O_${OWNER_ID}`, avatar_url: `https://avatars.githubusercontent.com/u/${OWNER_ID}`, gravatar_id: "",
    ...accountUrls(fake, fake.owner), type: "Organization", site_admin: false,
  };
}

/** The repository's owner as webhooks name the organization (`organization-simple-webhooks`). */
function ownerOrganizationJson(fake) {
  return { ...organizationJson(fake, fake.owner), id: OWNER_ID, node_id: `O_${OWNER_ID}`, avatar_url: `https://avatars.githubusercontent.com/u/${OWNER_ID}` };
}

/** The app's installation on the repository (`installation`). */
function installationJson(fake, app) {
  const { installationId, appId, clientId, slug, permissions } = app;
  const now = "2026-11-01T00:00:00Z";
  return {
    id: installationId, account: ownerJson(fake), repository_selection: "selected",
    access_tokens_url: `${fake.url}/app/installations/${installationId}/access_tokens`, repositories_url: `${fake.url}/installation/repositories`,
    html_url: `https://github.com/organizations/${fake.owner}/settings/installations/${installationId}`,
    app_id: appId, client_id: clientId, app_slug: slug, target_id: OWNER_ID, target_type: "Organization", permissions: { ...permissions },
    events: ["push"], created_at: now, updated_at: now, single_file_name: null, has_multiple_single_files: false, single_file_paths: [],
    suspended_by: null, suspended_at: null,
  };
}

/** A commit as push events list it (`commits[]`, `head_commit`): ids, message, people, and the paths it changed from its first parent. */
async function pushCommitJson(fake, sha) {
  const format = ["%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%B"].join("%x00");
  const [tree, parents, an, ae, ad, cn, ce, message] = (await fake.repo.git(["show", "-s", `--format=${format}`, sha])).split("\0");
  const parent = parents.split(" ").filter(Boolean)[0];
  const changes = (await fake.repo.git(["diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", "--name-status", ...(parent ? [parent, sha] : ["--root", sha])])).split("\0").filter(Boolean);
  const added = [], removed = [], modified = [];
  for (let i = 0; i + 1 < changes.length; i += 2) {
    ({ A: added, D: removed }[changes[i]] ?? modified).push(changes[i + 1]);
  }
  const person = (name, email) => {
    const username = fake.usernameFor(email);
    return { name, email, ...(username ? { username } : {}) };
  };
  return {
    id: sha, tree_id: tree, distinct: true, message: message.replace(/\n+$/, ""), timestamp: ad,
    url: `https://github.com/${fake.owner}/${fake.name}/commit/${sha}`,
    author: person(an, ae), committer: person(cn, ce), added, removed, modified,
  };
}

/** The repository as push events carry it: dates as numbers, `url` the web page, the legacy `master_branch`. */
function pushRepositoryJson(fake, pushedAt) {
  const { permissions, network_count, subscribers_count, ...repository } = repositoryJson(fake);
  return {
    ...repository,
    owner: { name: fake.owner, email: null, ...ownerJson(fake) },
    url: repository.html_url,
    created_at: Math.floor(Date.parse(repository.created_at) / 1000),
    pushed_at: pushedAt,
    stargazers: 0, master_branch: fake.repo.branch, organization: fake.owner, custom_properties: {},
  };
}

/** Who caused an event, as a `simple-user` (a bot's login percent-encoded in its API URLs, as GitHub does). */
function senderJson(fake, actor) {
  const bot = actor.type === "Bot";
  return {
    login: actor.login, id: actor.id, node_id: `${bot ? "BOT" : "U"}_${actor.id}`, avatar_url: `https://avatars.githubusercontent.com/${bot ? "in" : "u"}/${actor.id}`, gravatar_id: "",
    ...accountUrls(fake, encodeURIComponent(actor.login)), ...(bot ? { html_url: `https://github.com/apps/${actor.login.replace(/\[bot\]$/, "")}` } : {}),
    type: bot ? "Bot" : "User", user_view_type: "public", site_admin: false,
  };
}

/** A repository webhook, as ping events carry it. */
function hookJson(fake, hook) {
  const api = `${fake.url}/repos/${fake.owner}/${fake.name}/hooks/${hook.id}`;
  return {
    type: "Repository", id: hook.id, name: "web", active: hook.active, events: [...hook.events],
    config: { content_type: "json", insecure_ssl: "0", url: hook.url, ...(hook.secret ? { secret: "********" } : {}) },
    updated_at: hook.createdAt, created_at: hook.createdAt, url: api, test_url: `${api}/test`, ping_url: `${api}/pings`,
    deliveries_url: `${api}/deliveries`, last_response: { code: null, status: "unused", message: null },
  };
}

/** A date as GitHub writes it: ISO 8601 to the second, in UTC. */
function isoSeconds(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `length` random letters and digits, as in GitHub's tokens. */
function randomAlphanumeric(length) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join("");
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
