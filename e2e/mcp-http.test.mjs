// The /mcp endpoint's HTTP contract in the real Workers runtime: framing, status codes, origins,
// CORS, configuration errors, and the request log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { GitRepo } from "./lib/git-repo.mjs";
import { FakeGitHub } from "./lib/fake-github.mjs";
import { startWorker } from "./lib/worker.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";

let repo, github, worker;

before(async () => {
  repo = await GitRepo.create();
  await repo.commit(fixtureFiles());
  github = new FakeGitHub(repo);
  await github.start();
  worker = await startWorker({ vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token } });
});

after(async () => {
  await worker?.stop();
  await github?.stop();
  await repo?.destroy();
});

const post = async (body, headers = {}) =>
  fetch(`${worker.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: await worker.bearer(), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

test("JSON-RPC errors carry their codes, and a client's mistake is never a 500", async () => {
  const cases = [
    ["{broken", {}, 400, -32700],
    [{ id: 1, method: "ping" }, {}, 400, -32600],
    [{ jsonrpc: "2.0", id: 1, method: "nope/nope" }, {}, 200, -32601],
    [{ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "no_such_tool" } }, {}, 200, -32602],
    // An unknown revision is answered as 2026-07-28 answers it: UnsupportedProtocolVersionError.
    [{ jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-protocol-version": "2000-01-01" }, 400, -32022],
    [[{ jsonrpc: "2.0", id: 1, method: "ping" }], { "mcp-protocol-version": "2025-06-18" }, 400, -32600],
  ];
  for (const [body, headers, status, code] of cases) {
    const response = await post(body, headers);
    assert.equal(response.status, status, JSON.stringify(body));
    assert.equal((await response.json()).error.code, code, JSON.stringify(body));
  }
});

test("a 2025-03-26 batch is answered in order; notifications get 202; no session id", async () => {
  const response = await post([
    { jsonrpc: "2.0", id: "a", method: "ping" },
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: "b", method: "tools/list" },
  ]);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("mcp-session-id"), null);
  const answers = await response.json();
  assert.deepEqual(answers.map((a) => a.id), ["a", "b"]);
  const notification = await post({ jsonrpc: "2.0", method: "notifications/initialized" });
  assert.equal(notification.status, 202);
  assert.equal(await notification.text(), "");
});

test("GET /mcp is 405 with Allow; origins are checked; CORS exposes WWW-Authenticate", async () => {
  const get = await fetch(`${worker.url}/mcp`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");

  const evil = await post({ jsonrpc: "2.0", id: 1, method: "ping" }, { origin: "https://evil.example" });
  assert.equal(evil.status, 403);
  const claude = await post({ jsonrpc: "2.0", id: 1, method: "ping" }, { origin: "https://claude.ai" });
  assert.equal(claude.status, 200);
  assert.equal(claude.headers.get("access-control-allow-origin"), "https://claude.ai");
  assert.match(claude.headers.get("access-control-expose-headers"), /WWW-Authenticate/);

  const preflight = await fetch(`${worker.url}/mcp`, { method: "OPTIONS", headers: { origin: "https://claude.com", "access-control-request-method": "POST" } });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get("access-control-allow-headers"), /MCP-Protocol-Version/);
});

test("one JSON log line per request, with the tool and GitHub requests, and never the token", async () => {
  const response = await post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_skills", arguments: {} } });
  const requestId = response.headers.get("x-request-id");
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lines = worker.logs.map((line) => JSON.parse(line)).filter((line) => line.request_id === requestId);
  assert.equal(lines.length, 1);
  assert.deepEqual(lines[0].calls, ["tools/call:list_skills"]);
  assert.equal(lines[0].status, 200);
  assert.match(lines[0].request_id, /^[0-9a-f]{16}$/);
  assert.ok(!worker.logs.join("\n").includes(github.token), "the service token never appears in logs");
  const bearer = (await worker.bearer()).split(" ")[1];
  assert.ok(!worker.logs.join("\n").includes(bearer), "access tokens never appear in logs");
  assert.equal(lines[0].user, "google:ann@acme.example");
});

test("a missing setting is named on every request, not a crash", async () => {
  const broken = await startWorker({ oidc: false, vars: { MARKETPLACE_REPO: "not a repo", GITHUB_SERVICE_TOKEN: "", COOKIE_ENCRYPTION_KEY: "" } });
  try {
    const response = await fetch(`${broken.url}/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) });
    assert.equal(response.status, 503);
    const body = await response.json();
    assert.deepEqual(body.problems.map((p) => p.setting), ["MARKETPLACE_REPO", "GITHUB_SERVICE_TOKEN", "COOKIE_ENCRYPTION_KEY", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"]);
    const home = await fetch(`${broken.url}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Configuration: incomplete/);
  } finally {
    await broken.stop();
  }
});

test("GitHub refusing the token is a tool error naming the setting", async () => {
  const wrong = await startWorker({ vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: "wrong" } });
  try {
    const response = await fetch(`${wrong.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", authorization: await wrong.bearer() }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_skills" } }) });
    assert.equal(response.status, 200);
    const { result } = await response.json();
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /GITHUB_SERVICE_TOKEN/);
  } finally {
    await wrong.stop();
  }
});

/**
 * POSTs to /mcp with node:http, writing `total` bytes of a JSON body 256 KiB at a time (with a
 * Content-Length when `declare`, chunked otherwise) and stopping as soon as the answer arrives:
 * a server that refuses early may reset the connection under a client still writing, so the
 * answer is read as it comes. Resolves to {status, body}.
 */
/**
 * Posts `total` bytes and resolves to the answer. A server that answers before reading the whole
 * body closes a socket with unread data, and TCP may then reset it before the client reads the
 * answer (seen on loaded machines): such a reset, with no answer read, is tried again, twice.
 */
async function postLarge(options) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postLargeOnce(options);
    } catch (error) {
      if (error.code !== "ECONNRESET" || attempt === 3) throw error;
    }
  }
}

function postLargeOnce({ total, declare }) {
  const url = new URL(`${worker.url}/mcp`);
  const chunk = Buffer.alloc(256 << 10, "x");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", ...(declare ? { "content-length": total } : {}) } },
      (response) => {
        answered = true;
        let body = "";
        response.on("data", (data) => (body += data));
        response.on("end", () => {
          request.destroy();
          resolve({ status: response.statusCode, body: JSON.parse(body || "null") });
        });
      },
    );
    request.on("error", (error) => answered || reject(error));
    const write = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!request.write(chunk)) return request.once("drain", write);
      }
      if (!answered) request.end();
    };
    write();
  });
}

test("security review finding 3: a body over 4 MiB is refused with 413 before authentication, declared or streamed", async () => {
  const declared = await postLarge({ total: 5 << 20, declare: true });
  assert.equal(declared.status, 413, "no token, yet refused for its size first");
  assert.match(declared.body.error_description, /at most 4194304 bytes/);
  // Without a token either: the router would answer 401 first; only the edge's capped read says 413.
  const streamed = await postLarge({ total: 8 << 20, declare: false });
  assert.equal(streamed.status, 413, "without a Content-Length, reading stops at the limit");
  const small = await post({ jsonrpc: "2.0", id: 2, method: "ping" });
  assert.equal(small.status, 200);
});
