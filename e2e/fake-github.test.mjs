// The fake GitHub is only worth what its fidelity is: its answers are checked against GitHub's
// published OpenAPI description, and it enforces GitHub's authentication rules.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import http from "node:http";
import { createHash, createHmac, generateKeyPairSync, sign, timingSafeEqual } from "node:crypto";
import { text } from "node:stream/consumers";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { GitRepo } from "./lib/git-repo.mjs";
import { FakeGitHub } from "./lib/fake-github.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";

const require = createRequire(import.meta.url);
const spec = toJsonSchema(require("@octokit/openapi/generated/api.github.com.json"));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, "github");
const schema = (name) => ajv.getSchema(`github#/components/schemas/${name}`);
// GitHub's webhook payloads are described apart, in OpenAPI 3.1 (already plain JSON Schema types).
ajv.addSchema(toJsonSchema(require("@octokit/openapi-webhooks/generated/api.github.com.json")), "webhooks");
const webhookSchema = (name) => ajv.getSchema(`webhooks#/components/schemas/${name}`);

/** OpenAPI 3.0's `nullable: true` as plain JSON Schema, which Ajv validates without extensions. */
function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const { nullable, ...rest } = node;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, toJsonSchema(value)]));
  if (nullable !== true) return converted;
  if (typeof converted.type === "string") {
    return { ...converted, type: [converted.type, "null"], ...(converted.enum ? { enum: [...converted.enum, null] } : {}) };
  }
  return { anyOf: [converted, { type: "null" }] };
}

let repo, github, hooks;
const headers = (token) => ({ "user-agent": "e2e", accept: "application/vnd.github+json", authorization: `Bearer ${token}` });

/** An app JWT as the connector makes one: RS256 over `claims`, iat 30 s back and exp 9 minutes on by default. */
function appJwt(key, claims = {}, header = { alg: "RS256", typ: "JWT" }) {
  const now = Math.floor(Date.now() / 1000);
  const encode = (part) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const input = `${encode(header)}.${encode({ iat: now - 30, exp: now + 540, iss: github.app.appId, ...claims })}`;
  return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

/** A webhook receiver on 127.0.0.1: records each request {path, headers, raw} and answers 202. */
async function startHookReceiver() {
  const received = [];
  const server = http.createServer(async (req, res) => {
    received.push({ path: req.url, headers: req.headers, raw: await text(req) });
    res.writeHead(202, { "content-type": "text/plain" });
    res.end("accepted");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    received,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

before(async () => {
  repo = await GitRepo.create();
  await repo.commit(fixtureFiles());
  github = new FakeGitHub(repo);
  await github.start();
  hooks = await startHookReceiver();
});

after(async () => {
  await github?.stop();
  await hooks?.stop();
  await repo?.destroy();
});

test("GET /repos/{owner}/{repo} matches full-repository", async () => {
  const response = await fetch(`${github.url}/repos/acme/skills`, { headers: headers(github.token) });
  assert.equal(response.status, 200);
  const validate = schema("full-repository");
  assert.ok(validate(await response.json()), JSON.stringify(validate.errors));
});

test("GET /repos/{owner}/{repo}/git/ref/heads/{branch} matches git-ref and revalidates with its ETag", async () => {
  const url = `${github.url}/repos/acme/skills/git/ref/heads/main`;
  const response = await fetch(url, { headers: headers(github.token) });
  assert.equal(response.status, 200);
  const body = await response.json();
  const validate = schema("git-ref");
  assert.ok(validate(body), JSON.stringify(validate.errors));
  assert.equal(body.object.sha, await repo.head());
  const etag = response.headers.get("etag");
  const again = await fetch(url, { headers: { ...headers(github.token), "if-none-match": etag } });
  assert.equal(again.status, 304);
  await repo.commit({ "README.md": "changed" });
  const moved = await fetch(url, { headers: { ...headers(github.token), "if-none-match": etag } });
  assert.equal(moved.status, 200, "a new commit changes the ETag");
});

test("GET /repos/{owner}/{repo}/commits?per_page=1 matches commit[] and revalidates with its ETag", async () => {
  const url = `${github.url}/repos/acme/skills/commits?per_page=1`;
  const response = await fetch(url, { headers: headers(github.token) });
  assert.equal(response.status, 200);
  const body = await response.json();
  const validate = schema("commit");
  assert.equal(body.length, 1);
  assert.ok(validate(body[0]), JSON.stringify(validate.errors));
  assert.equal(body[0].sha, await repo.head());
  assert.equal(body[0].commit.tree.sha, (await repo.git(["rev-parse", "HEAD^{tree}"])).trim());
  const etag = response.headers.get("etag");
  assert.equal((await fetch(url, { headers: { ...headers(github.token), "if-none-match": etag } })).status, 304);
  const branch = await fetch(`${url}&sha=main`, { headers: headers(github.token) });
  assert.equal((await branch.json())[0].sha, await repo.head());
  const missing = await fetch(`${url}&sha=nope`, { headers: headers(github.token) });
  assert.equal(missing.status, 404);
});

test("GET /repos/{owner}/{repo}/zipball/{ref} redirects once to a zip of the commit", async () => {
  const sha = await repo.head();
  const response = await fetch(`${github.url}/repos/acme/skills/zipball/${sha}`, { headers: headers(github.token), redirect: "manual" });
  assert.equal(response.status, 302);
  const location = response.headers.get("location");
  assert.match(location, /legacy\.zip\/[0-9a-f]{40}\?token=/);
  const archive = await fetch(location, { headers: { "user-agent": "e2e" } });
  assert.equal(archive.status, 200);
  const bytes = Buffer.from(await archive.arrayBuffer());
  assert.equal(bytes.subarray(0, 4).toString("hex"), "504b0304", "a zip file");
  const tampered = await fetch(location.replace(/token=[0-9a-f]+/, "token=0000"), { headers: { "user-agent": "e2e" } });
  assert.equal(tampered.status, 404);
});

test("GitHub's rules: no User-Agent is 403, a bad token 401, an unknown path 404", async () => {
  const noAgent = await fetch(`${github.url}/repos/acme/skills`, { headers: { authorization: `Bearer ${github.token}`, "user-agent": "" } });
  assert.equal(noAgent.status, 403);
  const badToken = await fetch(`${github.url}/repos/acme/skills`, { headers: headers("wrong") });
  assert.equal(badToken.status, 401);
  assert.ok(schema("basic-error")(await badToken.json()));
  const missing = await fetch(`${github.url}/repos/acme/other`, { headers: headers(github.token) });
  assert.equal(missing.status, 404);
  const noBranch = await fetch(`${github.url}/repos/acme/skills/git/ref/heads/nope`, { headers: headers(github.token) });
  assert.equal(noBranch.status, 404);
});

test("the Git Data API writes match short-blob, git-tree, git-commit and git-ref, a ref moves only forward, and a proposal's branch and pull request match git-ref and pull-request", async () => {
  const post = (path, body, method = "POST") =>
    fetch(`${github.url}/repos/acme/skills${path}`, { method, headers: { ...headers(github.token), "content-type": "application/json" }, body: JSON.stringify(body) });
  const head = await repo.head();
  const baseTree = (await repo.git(["rev-parse", `${head}^{tree}`])).trim();
  const commitAnswer = await fetch(`${github.url}/repos/acme/skills/git/commits/${head}`, { headers: headers(github.token) });
  assert.ok(schema("git-commit")(await commitAnswer.json()), JSON.stringify(schema("git-commit").errors));

  const blob = await post("/git/blobs", { content: Buffer.from([0, 255]).toString("base64"), encoding: "base64" });
  assert.equal(blob.status, 201);
  const blobBody = await blob.json();
  assert.ok(schema("short-blob")(blobBody), JSON.stringify(schema("short-blob").errors));

  const tree = await post("/git/trees", { base_tree: baseTree, tree: [{ path: "new/bin", mode: "100644", type: "blob", sha: blobBody.sha }, { path: "new/text.md", mode: "100755", type: "blob", content: "hi\n" }, { path: "README.md", mode: "100644", type: "blob", sha: null }] });
  assert.equal(tree.status, 201);
  const treeBody = await tree.json();
  assert.ok(schema("git-tree")(treeBody), JSON.stringify(schema("git-tree").errors));
  const listing = await repo.git(["ls-tree", "-r", treeBody.sha]);
  assert.match(listing, /100755 blob [0-9a-f]{40}\tnew\/text\.md/);
  assert.doesNotMatch(listing, /\tREADME\.md/);
  assert.equal((await post("/git/trees", { base_tree: baseTree, tree: [{ path: "../x", mode: "100644", type: "blob", content: "x" }] })).status, 422);

  const commit = await post("/git/commits", { message: "m", tree: treeBody.sha, parents: [head] });
  assert.equal(commit.status, 201);
  const commitBody = await commit.json();
  assert.ok(schema("git-commit")(commitBody), JSON.stringify(schema("git-commit").errors));

  const sideways = await post("/git/commits", { message: "elsewhere", tree: baseTree, parents: [] });
  const notForward = await post("/git/refs/heads/main", { sha: (await sideways.json()).sha, force: false }, "PATCH");
  assert.equal(notForward.status, 422);
  assert.equal((await notForward.json()).message, "Update is not a fast forward");
  const moved = await post("/git/refs/heads/main", { sha: commitBody.sha, force: false }, "PATCH");
  assert.equal(moved.status, 200);
  assert.ok(schema("git-ref")(await moved.json()));
  assert.equal(await repo.head(), commitBody.sha);

  // A proposal: a new branch at a commit, then a pull request from it.
  const created = await post("/git/refs", { ref: "refs/heads/skillport/test-1", sha: commitBody.sha });
  assert.equal(created.status, 201);
  assert.ok(schema("git-ref")(await created.json()), JSON.stringify(schema("git-ref").errors));
  assert.equal((await post("/git/refs", { ref: "refs/heads/skillport/test-1", sha: commitBody.sha })).status, 422, "an existing branch");
  const pull = await post("/pulls", { title: "A proposal", body: "Why", head: "skillport/test-1", base: "main" });
  assert.equal(pull.status, 201);
  const pullBody = await pull.json();
  assert.ok(schema("pull-request")(pullBody), JSON.stringify(schema("pull-request").errors));
  assert.equal(pullBody.number, github.pulls.at(-1).number);
  assert.equal((await post("/pulls", { title: "x", head: "no-such-branch", base: "main" })).status, 422);
});

test("GitHub sign-in: the OAuth web flow with PKCE, and the user API matching private-user, email[], org-membership and team-full[]", async () => {
  github.people["octocat"] = {
    id: 583231, name: "The Octocat",
    emails: [{ email: "octo@acme.example", primary: true, verified: true }],
    orgs: { acme: "active", invited: "pending" },
    teams: [{ org: "acme", slug: "platform" }],
  };
  const { clientId, clientSecret } = github.registerOAuthApp("http://127.0.0.1:9/callback");
  const verifier = "v".repeat(43);
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const authorize = `${github.url}/login/oauth/authorize?client_id=${clientId}&redirect_uri=${encodeURIComponent("http://127.0.0.1:9/callback")}&state=s1&code_challenge=${challenge}&code_challenge_method=S256&scope=read:user`;
  const page = await fetch(authorize);
  assert.match(await page.text(), /name="login"/);
  const login = await fetch(authorize, { method: "POST", redirect: "manual", body: new URLSearchParams({ login: "octocat", password: "x" }) });
  assert.equal(login.status, 302);
  const back = new URL(login.headers.get("location"));
  assert.equal(back.searchParams.get("state"), "s1");
  const exchange = (fields) => fetch(`${github.url}/login/oauth/access_token`, { method: "POST", headers: { accept: "application/json" }, body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, ...fields }) }).then((r) => r.json());
  const code = back.searchParams.get("code");
  assert.equal((await exchange({ code, code_verifier: "w".repeat(43) })).error, "invalid_grant", "a wrong verifier is refused");
  assert.equal((await exchange({ code, code_verifier: verifier })).error, "bad_verification_code", "and the code is spent");

  const again = await fetch(authorize, { method: "POST", redirect: "manual", body: new URLSearchParams({ login: "octocat", password: "x" }) });
  const token = await exchange({ code: new URL(again.headers.get("location")).searchParams.get("code"), code_verifier: verifier });
  assert.match(token.access_token, /^gho_/);
  const get = (path) => fetch(`${github.url}${path}`, { headers: headers(token.access_token) });
  const user = await get("/user");
  assert.ok(schema("private-user")(await user.json()), JSON.stringify(schema("private-user").errors));
  const emails = await (await get("/user/emails")).json();
  assert.ok(emails.every((e) => schema("email")(e)), JSON.stringify(schema("email").errors));
  const membership = await (await get("/user/memberships/orgs/acme")).json();
  assert.ok(schema("org-membership")(membership), JSON.stringify(schema("org-membership").errors));
  assert.equal(membership.state, "active");
  assert.equal((await (await get("/user/memberships/orgs/invited")).json()).state, "pending");
  assert.equal((await get("/user/memberships/orgs/elsewhere")).status, 404);
  const teams = await (await get("/user/teams?per_page=100")).json();
  assert.ok(teams.every((t) => schema("team-full")(t)), JSON.stringify(schema("team-full").errors));
  assert.equal((await get("/repos/acme/skills")).status, 401, "a person's token does not read the repository API here");
});

test("a GitHub App: the repository's installation matches installation, and its tokens installation-token", async () => {
  const app = github.createApp();
  assert.match(app.privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/, "PKCS#1, as GitHub hands out app keys");
  assert.match(app.privateKeyPkcs8Pem, /^-----BEGIN PRIVATE KEY-----\n/);
  const jwt = appJwt(app.privateKeyPem);
  const installation = await fetch(`${github.url}/repos/acme/skills/installation`, { headers: headers(jwt) });
  assert.equal(installation.status, 200);
  const installationBody = await installation.json();
  assert.ok(schema("installation")(installationBody), JSON.stringify(schema("installation").errors));
  assert.equal(installationBody.id, app.installationId);
  assert.equal(installationBody.app_id, app.appId);
  assert.equal(github.requests.at(-1).auth, "jwt", "JWT requests are recorded as such");
  assert.equal((await fetch(`${github.url}/repos/acme/other/installation`, { headers: headers(jwt) })).status, 404);

  const mint = (body, id = app.installationId, token = appJwt(app.privateKeyPkcs8Pem, { iss: String(app.appId) })) =>
    fetch(`${github.url}/app/installations/${id}/access_tokens`, { method: "POST", headers: { ...headers(token), "content-type": "application/json" }, body: body && JSON.stringify(body) });
  const all = await mint();
  assert.equal(all.status, 201);
  const allBody = await all.json();
  assert.ok(schema("installation-token")(allBody), JSON.stringify(schema("installation-token").errors));
  assert.match(allBody.token, /^ghs_[A-Za-z0-9]{36}$/);
  assert.deepEqual(allBody.permissions, { contents: "write", metadata: "read" }, "all the installation's permissions when none are asked");
  assert.equal(allBody.repository_selection, "selected");
  assert.equal(allBody.repositories, undefined);
  const lifetime = Date.parse(allBody.expires_at) - Date.now();
  assert.ok(lifetime > 3590_000 && lifetime <= 3600_000, `expires in an hour (${lifetime} ms)`);
  assert.equal(github.installationTokens.get(allBody.token).permissions.contents, "write");

  const scoped = await mint({ repositories: ["skills"], permissions: { contents: "read" } });
  assert.equal(scoped.status, 201);
  const scopedBody = await scoped.json();
  assert.ok(schema("installation-token")(scopedBody), JSON.stringify(schema("installation-token").errors));
  assert.deepEqual(scopedBody.permissions, { contents: "read", metadata: "read" });
  assert.deepEqual(scopedBody.repositories.map((r) => r.full_name), ["acme/skills"]);
  assert.equal((await mint({ repository_ids: [42] })).status, 201);

  const refused = await mint({ permissions: { issues: "read" } });
  assert.equal(refused.status, 422);
  assert.equal((await refused.json()).message, "The permissions requested are not granted to this installation.");
  assert.equal((await mint({ permissions: { metadata: "write" } })).status, 422, "not a higher level than granted");
  assert.equal((await mint({ repositories: ["elsewhere"] })).status, 422);
  assert.equal((await mint({ repository_ids: [7] })).status, 422);
  assert.equal((await mint(undefined, 1)).status, 404, "an unknown installation");
});

test("the app's JWT is verified as GitHub does: signature, iss, iat and exp; the app endpoints take nothing else", async () => {
  const app = github.createApp({ appId: 98765 });
  const now = Math.floor(Date.now() / 1000);
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const attempt = async (token) => {
    const response = await fetch(`${github.url}/app/installations/${app.installationId}/access_tokens`, { method: "POST", headers: headers(token) });
    const body = await response.json();
    if (response.status === 401) assert.ok(schema("basic-error")(body), JSON.stringify(schema("basic-error").errors));
    return [response.status, body.message];
  };
  assert.equal((await attempt(appJwt(app.privateKeyPem)))[0], 201);
  assert.equal((await attempt(appJwt(app.privateKeyPem, { exp: now + 600 })))[0], 201, "exactly 10 minutes is allowed");
  const undecodable = [401, "A JSON web token could not be decoded"];
  assert.deepEqual(await attempt(appJwt(other)), undecodable, "signed with another key");
  assert.deepEqual(await attempt(appJwt(app.privateKeyPem, {}, { alg: "HS256", typ: "JWT" })), undecodable);
  assert.deepEqual(await attempt("not.a.jwt"), undecodable);
  assert.deepEqual(await attempt(github.token), undecodable, "the personal token is no JWT");
  assert.deepEqual(await attempt(appJwt(app.privateKeyPem, { iss: 123 })), [401, "Integration not found"]);
  assert.deepEqual(await attempt(appJwt(app.privateKeyPem, { exp: now + 700 })), [401, "'Expiration time' claim ('exp') is too far in the future"]);
  const mustBeFuture = [401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"];
  assert.deepEqual(await attempt(appJwt(app.privateKeyPem, { iat: now - 700, exp: now - 100 })), mustBeFuture);
  assert.deepEqual(await attempt(appJwt(app.privateKeyPem, { exp: String(now + 300) })), mustBeFuture);
  assert.equal((await attempt(appJwt(app.privateKeyPem, { iat: now + 120, exp: now + 500 })))[0], 401, "iat too far ahead");
  assert.equal((await fetch(`${github.url}/repos/acme/skills`, { headers: headers(appJwt(app.privateKeyPem)) })).status, 401, "a JWT reads no repository");
});

test("installation tokens: read until they expire, write only with contents: write, commit as the app's bot", async () => {
  const app = github.createApp();
  const mint = async (permissions) => {
    const response = await fetch(`${github.url}/app/installations/${app.installationId}/access_tokens`, { method: "POST", headers: headers(appJwt(app.privateKeyPem)), body: JSON.stringify(permissions ? { permissions } : {}) });
    return (await response.json()).token;
  };
  const writer = await mint();
  const reader = await mint({ contents: "read" });
  const call = (token, path, body, method = body ? "POST" : "GET") =>
    fetch(`${github.url}/repos/acme/skills${path}`, { method, headers: { ...headers(token), "content-type": "application/json" }, body: body && JSON.stringify(body) });

  for (const token of [writer, reader]) {
    assert.equal((await call(token, "")).status, 200);
    assert.equal(github.requests.at(-1).auth, "installation");
    assert.equal((await call(token, "/git/ref/heads/main")).status, 200);
    assert.equal((await call(token, "/commits?per_page=1")).status, 200);
  }
  const denied = await call(reader, "/git/blobs", { content: "x" });
  assert.equal(denied.status, 403);
  const deniedBody = await denied.json();
  assert.equal(deniedBody.message, "Resource not accessible by integration");
  assert.match(deniedBody.documentation_url, /^https:\/\/docs\.github\.com\/rest\/git\//);
  assert.equal((await call(reader, "/git/refs/heads/main", { sha: await repo.head() }, "PATCH")).status, 403);

  const head = await repo.head();
  const tree = await (await call(writer, "/git/trees", { base_tree: (await repo.git(["rev-parse", `${head}^{tree}`])).trim(), tree: [{ path: "by-app.md", mode: "100644", type: "blob", content: "app\n" }] })).json();
  const commit = await call(writer, "/git/commits", { message: "By the app", tree: tree.sha, parents: [head] });
  assert.equal(commit.status, 201);
  const commitBody = await commit.json();
  assert.ok(schema("git-commit")(commitBody), JSON.stringify(schema("git-commit").errors));
  const bot = { name: "skillport-connector[bot]", email: "123456+skillport-connector[bot]@users.noreply.github.com" };
  assert.deepEqual({ name: commitBody.author.name, email: commitBody.author.email }, bot);
  assert.deepEqual({ name: commitBody.committer.name, email: commitBody.committer.email }, bot);
  assert.equal((await call(writer, "/git/refs/heads/main", { sha: commitBody.sha }, "PATCH")).status, 200);
  assert.equal(await repo.head(), commitBody.sha);

  const personal = await (await call(github.token, "/git/commits", { message: "By the token", tree: tree.sha, parents: [head] })).json();
  assert.equal(personal.author.name, "Skillport Connector", "the personal token keeps its author");

  github.expireInstallationTokens();
  for (const token of [writer, reader]) {
    const expired = await call(token, "");
    assert.equal(expired.status, 401);
    assert.equal((await expired.json()).message, "Bad credentials");
  }
  assert.ok([...github.installationTokens.values()].every((t) => t.expiresAt <= Date.now()));
  assert.equal((await call(await mint(), "")).status, 200, "a new token works");
  await github.settled();
});

/** The HMAC a receiver computes with the hook's secret over the exact body: equal to the header? */
function signedWith(secret, received) {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(received.raw).digest("hex")}`);
  const header = Buffer.from(received.headers["x-hub-signature-256"] ?? "");
  return header.length === expected.length && timingSafeEqual(header, expected);
}

test("webhooks: a person's push is delivered with GitHub's headers, signed with the hook's secret, matching webhook-push", async () => {
  const hook = github.addWebhook({ url: `${hooks.url}/webhooks/github`, secret: "It's a Secret to Everybody" });
  const elsewhere = github.addWebhook({ url: `${hooks.url}/issues-only`, secret: "other", events: ["issues"] });
  await repo.commit({ "notes.md": "v1\n" }, "A file to change");
  hooks.received.length = 0;
  const { sha, before, deliveries } = await github.pushCommit({ "skills/pushed/SKILL.md": "---\nname: pushed\ndescription: Pushed by a person\n---\n", "notes.md": "v2\n" }, "Push a skill");
  assert.equal(await repo.head(), sha);
  assert.equal(deliveries.length, 1, "only the hook subscribed to push");
  assert.equal(deliveries[0].status, 202);
  assert.equal(deliveries[0].body, "accepted");
  assert.equal(hooks.received.length, 1);
  const [received] = hooks.received;
  assert.equal(received.path, "/webhooks/github");
  assert.equal(received.headers["content-type"], "application/json");
  assert.match(received.headers["user-agent"], /^GitHub-Hookshot\/[0-9a-f]+$/);
  assert.equal(received.headers["x-github-event"], "push");
  assert.match(received.headers["x-github-delivery"], /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(received.headers["x-github-delivery"], deliveries[0].deliveryId);
  assert.equal(received.headers["x-github-hook-id"], String(hook.id));
  assert.equal(received.headers["x-github-hook-installation-target-type"], "repository");
  assert.equal(received.headers["x-github-hook-installation-target-id"], "42");
  assert.ok(signedWith("It's a Secret to Everybody", received), "x-hub-signature-256 verifies with the secret");
  assert.equal(received.headers["x-hub-signature"], `sha1=${createHmac("sha1", "It's a Secret to Everybody").update(received.raw).digest("hex")}`);

  const payload = JSON.parse(received.raw);
  const validate = webhookSchema("webhook-push");
  assert.ok(validate(payload), JSON.stringify(validate.errors));
  assert.equal(payload.ref, "refs/heads/main");
  assert.deepEqual([payload.before, payload.after, payload.created, payload.deleted, payload.forced], [before, sha, false, false, false]);
  assert.deepEqual(payload.commits.map((c) => c.id), [sha]);
  assert.deepEqual(payload.commits[0].added, ["skills/pushed/SKILL.md"]);
  assert.deepEqual(payload.commits[0].modified, ["notes.md"]);
  assert.equal(payload.commits[0].author.username, "fixture");
  assert.equal(payload.head_commit.id, sha);
  assert.equal(payload.head_commit.url, `https://github.com/acme/skills/commit/${sha}`);
  assert.equal(typeof payload.repository.pushed_at, "number");
  assert.equal(payload.repository.full_name, "acme/skills");
  assert.equal(github.deliveries.at(-1).hookId, hook.id);

  // Two pushes in one: the commits oldest first.
  const first = await repo.commit({ "a.md": "a" }, "first");
  const second = await repo.commit({ "a.md": null, "b.md": "b" }, "second");
  const both = await github.pushPayload({ before: sha, after: second });
  assert.ok(validate(both), JSON.stringify(validate.errors));
  assert.deepEqual(both.commits.map((c) => c.id), [first, second]);
  assert.deepEqual(both.commits[1].removed, ["a.md"]);
  assert.equal(both.compare, `https://github.com/acme/skills/compare/${sha.slice(0, 12)}...${second.slice(0, 12)}`);

  // Forged deliveries: another key, a replaced signature, none at all.
  hooks.received.length = 0;
  const forged = await github.deliver("push", both, { hook, secret: "guessed" });
  assert.equal(forged.status, 202, "one result when a hook is named");
  assert.equal(signedWith("It's a Secret to Everybody", hooks.received[0]), false);
  await github.deliver("push", both, { hook: hook.id, signature: "sha256=00", deliveryId: "replayed" });
  assert.equal(hooks.received[1].headers["x-hub-signature-256"], "sha256=00");
  assert.equal(hooks.received[1].headers["x-github-delivery"], "replayed");
  await github.deliver("push", both, { hook, signature: null });
  assert.equal(hooks.received[2].headers["x-hub-signature-256"], undefined);
  assert.equal(hooks.received[2].headers["x-hub-signature"], undefined);

  const ping = await github.deliver("ping", github.pingPayload(elsewhere));
  assert.equal(ping.length, 2, "a ping reaches every hook");
  const pingValidate = webhookSchema("webhook-ping");
  const pingPayload = JSON.parse(hooks.received.at(-1).raw);
  assert.ok(pingValidate(pingPayload), JSON.stringify(pingValidate.errors));
  assert.equal(pingPayload.hook_id, elsewhere.id);
  assert.equal(pingPayload.hook.config.secret, "********");
});

test("webhooks: a ref update by the connector is delivered after the answer, as the app's bot; paused, it is lost", async () => {
  const app = github.createApp();
  const token = (await (await fetch(`${github.url}/app/installations/${app.installationId}/access_tokens`, { method: "POST", headers: headers(appJwt(app.privateKeyPem)) })).json()).token;
  const call = (path, body, method = "POST") =>
    fetch(`${github.url}/repos/acme/skills${path}`, { method, headers: { ...headers(token), "content-type": "application/json" }, body: JSON.stringify(body) });
  const commitOnHead = async (content) => {
    const head = await repo.head();
    const tree = await (await call("/git/trees", { base_tree: (await repo.git(["rev-parse", `${head}^{tree}`])).trim(), tree: [{ path: "by-app.md", mode: "100644", type: "blob", content }] })).json();
    return { head, sha: (await (await call("/git/commits", { message: `Write ${content}`, tree: tree.sha, parents: [head] })).json()).sha };
  };

  hooks.received.length = 0;
  const { head, sha } = await commitOnHead("one");
  assert.equal((await call("/git/refs/heads/main", { sha }, "PATCH")).status, 200);
  await github.settled();
  const pushes = hooks.received.filter((r) => r.headers["x-github-event"] === "push");
  assert.equal(pushes.length, 1);
  assert.ok(signedWith("It's a Secret to Everybody", pushes[0]));
  const payload = JSON.parse(pushes[0].raw);
  assert.deepEqual([payload.before, payload.after], [head, sha]);
  assert.deepEqual(payload.commits.map((c) => c.id), [sha]);
  assert.equal(payload.pusher.name, "skillport-connector[bot]");
  assert.equal(payload.sender.type, "Bot");
  assert.equal(payload.head_commit.author.username, "skillport-connector[bot]");
  assert.deepEqual(payload.head_commit.modified, ["by-app.md"]);
  // GitHub's bot addresses hold "[bot]", which the schema's `format: email` refuses; all else must match.
  const validate = webhookSchema("webhook-push");
  assert.ok(validate(payload) || validate.errors.every((e) => e.keyword === "format" && /\/(author|committer|pusher)\/email$/.test(e.instancePath)), JSON.stringify(validate.errors));

  github.webhooksPaused = true;
  hooks.received.length = 0;
  const lost = await commitOnHead("two");
  assert.equal((await call("/git/refs/heads/main", { sha: lost.sha }, "PATCH")).status, 200);
  assert.deepEqual((await github.pushCommit({ "c.md": "c" }, "pushed while paused")).deliveries, []);
  await github.settled();
  assert.equal(hooks.received.length, 0, "no delivery while paused");
  github.webhooksPaused = false;
});
