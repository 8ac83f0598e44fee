// GitHub request budgets, asserted as counts at the fake GitHub with a generated marketplace of
// 500 skills in 50 groups, and the connector's behaviour when GitHub misbehaves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GitRepo } from "./lib/git-repo.mjs";
import { FakeGitHub } from "./lib/fake-github.mjs";
import { startWorker } from "./lib/worker.mjs";
import { generateMarketplace } from "./lib/generate.mjs";

let repo, github;
const started = [];

before(async () => {
  repo = await GitRepo.create();
  await repo.commit(generateMarketplace({ skills: 500, groups: 50 }), "500 skills");
  github = new FakeGitHub(repo);
  await github.start();
});

after(async () => {
  for (const worker of started) await worker.stop();
  await github?.stop();
  await repo?.destroy();
});

async function freshWorker(extra = {}) {
  const worker = await startWorker({ vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token, ...extra } });
  started.push(worker);
  return worker;
}

/** Calls a tool with plain JSON-RPC; returns {status, result, log} where log is the request's log line. */
async function call(worker, name, args = {}) {
  const before = worker.logs.length;
  const response = await fetch(`${worker.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", "mcp-protocol-version": "2025-11-25", authorization: await worker.bearer() },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  const body = await response.json();
  for (let i = 0; i < 50 && worker.logs.length === before; i++) await new Promise((r) => setTimeout(r, 20));
  const log = worker.logs.slice(before).map((l) => JSON.parse(l)).find((l) => l.path === "/mcp");
  return { status: response.status, result: body.result, log };
}

test("500 skills: list_skills costs 3 requests cold and 1 warm, fetch_skill 3 cold and 1 warm, 2 KV writes per new commit; a first build is parsed by workers, the next in place", async () => {
  const worker = await freshWorker();
  github.reset();
  const cold = await call(worker, "list_skills", { limit: 500 });
  assert.equal(cold.result.structuredContent.total, 500);
  assert.equal(github.count(), 3, "head, zipball, archive host");
  assert.equal(cold.log.kv_writes, 2);
  // 500 SKILL.md files to parse and digest and the 600 other files of the skills to digest
  // (the Skills extension's manifests), in slices of 200: six parse worker invocations.
  assert.equal(cold.log.parse_workers, 6);

  github.reset();
  const warm = await call(worker, "list_skills", { query: "skill-0042" });
  assert.deepEqual(warm.result.structuredContent.skills.map((s) => s.name), ["skill-0042"]);
  assert.equal(github.count(), 1);
  assert.equal(github.requests[0].status, 304, "revalidated with the ETag: free of rate limit");
  assert.equal(warm.log.kv_writes, 0);

  github.reset();
  const fetched = await call(worker, "fetch_skill", { name: "skill-0250" });
  assert.equal(fetched.result.isError, false);
  assert.equal(github.count(), 1, "warm fetch: the zipball comes from KV");

  await repo.commit({ "plugins/group-001/skills/skill-0001/SKILL.md": "---\nname: skill-0001\ndescription: Changed.\n---\n" }, "edit");
  github.reset();
  const moved = await call(worker, "list_skills", { query: "skill-0001" });
  assert.equal(moved.result.structuredContent.skills[0].description, "Changed.");
  assert.equal(github.count(), 3);
  assert.equal(moved.log.kv_writes, 2, "two KV writes per new commit");
  assert.equal(moved.log.parse_workers, 0, "one changed file is parsed in place");
  assert.ok(github.requests.every((r) => !/\/contents\/|\/git\/blobs\/|\/git\/trees\//.test(r.path)), "no request per file or per group");
});

test("500 skills: a cold fetch_skill on an empty cache costs 3 requests", async () => {
  const worker = await freshWorker();
  github.reset();
  const fetched = await call(worker, "fetch_skill", { name: "skill-0499" });
  assert.equal(fetched.result.isError, false);
  assert.equal(github.count(), 3);
});

test("a 502 once is retried and the call succeeds", async () => {
  const worker = await freshWorker();
  github.faults.push({ status: 502, match: /\/commits$/ });
  github.reset();
  const result = await call(worker, "list_skills", { limit: 1 });
  assert.equal(result.status, 200);
  assert.equal(result.result.isError, false);
  assert.deepEqual(github.requests.slice(0, 2).map((r) => r.status), [502, 200]);
});

test("403 with a short Retry-After is waited out; 429 with a long one is a clear error naming the limit", async () => {
  const worker = await freshWorker();
  github.faults.push({ status: 403, headers: { "retry-after": "1" }, body: { message: "You have exceeded a secondary rate limit." }, match: /\/commits$/ });
  const waited = await call(worker, "list_skills", { limit: 1 });
  assert.equal(waited.result.isError, false);

  const other = await freshWorker();
  github.faults.push({ status: 429, headers: { "retry-after": "90" }, match: /\/commits$/ });
  const refused = await call(other, "list_skills", { limit: 1 });
  assert.equal(refused.status, 200);
  assert.equal(refused.result.isError, true);
  assert.match(refused.result.content[0].text, /secondary rate limit.*90 s/);
});

test("a slow GitHub: the call ends within the stated timeout, and the cached catalog is served, marked stale", async () => {
  const worker = await freshWorker({ GITHUB_TIMEOUT_MS: "1000" });
  await call(worker, "list_skills", { limit: 1 });
  for (let i = 0; i < 3; i++) github.faults.push({ delayMs: 5000, match: /\/commits$/ });
  github.reset();
  const stale = await call(worker, "list_skills", { limit: 1 });
  assert.equal(stale.status, 200);
  assert.equal(stale.result.isError, false);
  // Had the 5 s answers been awaited, they would have arrived and nothing would be stale.
  assert.match(stale.result.structuredContent.stale, /did not answer within 1000 ms/);
  // 1 s, 300 ms back-off, 1 s: a third attempt would pass the 2.5 s deadline, so it is not made.
  assert.equal(github.count(/\/commits$/), 2);

  const empty = await freshWorker({ GITHUB_TIMEOUT_MS: "1000" });
  for (let i = 0; i < 3; i++) github.faults.push({ delayMs: 5000, match: /\/commits$/ });
  const failed = await call(empty, "list_skills", { limit: 1 });
  assert.equal(failed.status, 200, "never an HTTP 500");
  assert.equal(failed.result.isError, true);
  assert.match(failed.result.content[0].text, /did not answer within 1000 ms; try again/);
  github.faults.length = 0;
});

test("GitHub down with a cache: stale catalog; without: a clear retryable error", async () => {
  const worker = await freshWorker();
  await call(worker, "list_skills", { limit: 1 });
  for (let i = 0; i < 3; i++) github.faults.push({ status: 503, match: /\/commits$/ });
  const stale = await call(worker, "list_skills", { limit: 1 });
  assert.match(stale.result.structuredContent.stale, /HTTP 503/);
  const fetched = await call(worker, "fetch_skill", { name: "skill-0001" });
  assert.equal(fetched.result.isError, false, "files come from the cached zipball");

  const empty = await freshWorker();
  for (let i = 0; i < 3; i++) github.faults.push({ status: 503, match: /\/commits$/ });
  const failed = await call(empty, "list_skills", { limit: 1 });
  assert.equal(failed.status, 200, "never an HTTP 500");
  assert.equal(failed.result.isError, true);
  assert.match(failed.result.content[0].text, /GitHub is having trouble \(HTTP 503\); try again in a minute/);
  github.faults.length = 0;
});
