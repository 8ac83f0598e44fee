// The connector as a GitHub App, end to end: the fake GitHub verifies the app's RS256 token
// (signed by the Workers runtime's Web Crypto) against the app's public key, issues installation
// tokens that expire, and attributes commits made with them to the app's bot.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./lib/stack.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

const EDITOR = "erin@acme.example";
const RULES = { editors: [`google:${EDITOR}`] };
let stack, client, brief, briefClient, split, splitClient;

before(async () => {
  const files = { ...(await import("./lib/fixture.mjs")).fixtureFiles(), ".skillport/access.json": JSON.stringify(RULES) };
  stack = await startStack({ files, githubApp: {} });
  client = await connectClient(stack.worker.url, { headers: { authorization: await stack.worker.bearer(EDITOR) } });
  // Tokens that live 5 minutes and 3 seconds: each is due for renewal 3 s after it is issued.
  brief = await startStack({ files, githubApp: { tokenTtlMs: 5 * 60_000 + 3_000 } });
  briefClient = await connectClient(brief.worker.url, { headers: { authorization: await brief.worker.bearer(EDITOR) } });
  // A read-only app for every call, and a second app that alone may write.
  split = await startStack({
    files,
    githubApp: { permissions: { contents: "read", metadata: "read" } },
    githubWriteApp: { appId: 222222, slug: "skillport-writer", installationId: 8888888, permissions: { contents: "write", metadata: "read" } },
  });
  splitClient = await connectClient(split.worker.url, { headers: { authorization: await split.worker.bearer(EDITOR) } });
});

after(async () => {
  await client?.close().catch(() => {});
  await briefClient?.close().catch(() => {});
  await splitClient?.close().catch(() => {});
  await split?.stop();
  await stack?.stop();
  await brief?.stop();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const list = async (mcp) => (await mcp.callTool({ name: "list_skills", arguments: {} })).structuredContent.skills.map((s) => s.name);

test("reads go through an installation token the app's JWT obtained, scoped to the repository and contents: read", async () => {
  const { github } = stack;
  assert.ok((await list(client)).includes("proposal-writer"));
  const auths = new Set(github.requests.map((r) => r.auth));
  assert.ok(!auths.has("token"), "the personal token is never used");
  assert.equal(github.count(/^\/repos\/acme\/skills\/installation$/), 1, "the installation is found from the repository");
  assert.equal(github.count(/^\/app\/installations\/7654321\/access_tokens$/), 1);
  const [token] = [...github.installationTokens.values()];
  assert.deepEqual(token.permissions, { contents: "read", metadata: "read" });
  assert.deepEqual(token.repositories, ["skills"]);
  github.reset();
  await list(client);
  assert.equal(github.count(/access_tokens|installation$/), 0, "a warm call reuses the token");
});

test("a write is one commit by the app's bot with the trailers, through a contents: write token", async () => {
  const { github, repo } = stack;
  const before = await repo.head();
  const fetched = await client.callTool({ name: "fetch_skill", arguments: { name: "code-review" } });
  const result = await client.callTool({
    name: "save_skill",
    arguments: {
      skill: "code-review",
      base_version: fetched.structuredContent.skill.version_id,
      message: "Sharpen code-review",
      files: [{ path: "SKILL.md", content: "---\nname: code-review\ndescription: Reviews code changes carefully.\n---\n\nBody\n" }],
    },
  });
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  const head = await repo.head();
  assert.equal((await repo.git(["rev-parse", `${head}^`])).trim(), before, "exactly one commit");
  const [author, email, message] = (await repo.git(["show", "-s", "--format=%an%x00%ae%x00%B", head])).split("\0");
  assert.equal(author, "skillport-connector[bot]");
  assert.equal(email, "123456+skillport-connector[bot]@users.noreply.github.com");
  assert.match(message, /^Sharpen code-review\n\nRequested-by: .*<erin@acme\.example>\nSkillport-User: google:erin@acme\.example/);
  const writeTokens = [...github.installationTokens.values()].filter((t) => t.permissions.contents === "write");
  assert.equal(writeTokens.length, 1);
});

test("an installation token GitHub stops accepting is renewed and the call still succeeds", async () => {
  const { github } = stack;
  github.expireInstallationTokens();
  github.reset();
  assert.ok((await list(client)).includes("proposal-writer"));
  const statuses = github.requests.map((r) => `${r.status} ${r.path}`);
  assert.ok(statuses.includes("401 /repos/acme/skills/commits"), statuses.join("\n"));
  assert.equal(github.count(/access_tokens$/), 1, "one new token");
  assert.equal(github.requests.at(-1).status, 200);
});

test("a token near its expiry is renewed before use, without a refused request", async () => {
  const { github } = brief;
  await list(briefClient);
  await sleep(3_500);
  github.reset();
  await list(briefClient);
  assert.equal(github.count(/access_tokens$/), 1, "renewed before it was due to expire");
  assert.ok(github.requests.every((r) => r.status !== 401), github.requests.map((r) => `${r.status} ${r.path}`).join("\n"));
});

test("the home page tells editors which identity is in use, its permissions and when its token expires", async () => {
  const { worker } = stack;
  const response = await fetch(`${worker.url}/`, { headers: { accept: "application/json", authorization: await worker.bearer(EDITOR) } });
  const status = await response.json();
  assert.match(status.github_identity, /^GitHub App 123456 \(installation 7654321; read token: contents: read, metadata: read\); writes use a token of the same app with contents: write$/);
  assert.match(status.github_token_expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(status.github.ok, true);
  const anonymous = await (await fetch(`${worker.url}/`, { headers: { accept: "application/json" } })).json();
  assert.equal(anonymous.github_identity, undefined, "only editors see it");
});

test("with a separate write app, reads use the read-only app and a write is one commit by the write app's bot", async () => {
  const { github, repo, worker } = split;
  assert.ok((await list(splitClient)).includes("code-review"));
  assert.equal(github.count(/^\/app\/installations\/7654321\/access_tokens$/), 1, "the read app's token");
  assert.equal(github.count(/^\/app\/installations\/8888888\/access_tokens$/), 0, "no write token for reads");
  const before = await repo.head();
  const fetched = await splitClient.callTool({ name: "fetch_skill", arguments: { name: "code-review" } });
  const result = await splitClient.callTool({
    name: "save_skill",
    arguments: {
      skill: "code-review",
      base_version: fetched.structuredContent.skill.version_id,
      message: "Through the write app",
      files: [{ path: "SKILL.md", content: "---\nname: code-review\ndescription: Reviews code changes, written by the write app.\n---\n\nBody\n" }],
    },
  });
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  const head = await repo.head();
  assert.equal((await repo.git(["rev-parse", `${head}^`])).trim(), before, "exactly one commit");
  const [author, message] = (await repo.git(["show", "-s", "--format=%an%x00%B", head])).split("\0");
  assert.equal(author, "skillport-writer[bot]");
  assert.match(message, /Requested-by: .*<erin@acme\.example>\nSkillport-User: google:erin@acme\.example/);
  assert.equal(github.count(/^\/repos\/acme\/skills\/installation$/), 1, "only the read app looks its installation up");
  const tokens = [...github.installationTokens.values()];
  assert.deepEqual(tokens.map((t) => [t.appId, t.permissions.contents]).sort(), [[123456, "read"], [222222, "write"]]);
  const home = await (await fetch(`${worker.url}/`, { headers: { accept: "application/json", authorization: await worker.bearer(EDITOR) } })).json();
  assert.match(home.github_identity, /writes go through GitHub App 222222 with contents: write/);
});
