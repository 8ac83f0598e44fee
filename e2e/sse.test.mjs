// The legacy HTTP+SSE transport at /sse in the Workers runtime: the TypeScript SDK's
// SSEClientTransport (signing in by itself), the Python SDK's sse_client and the MCP Inspector
// CLI each list the tools and call every read tool with the same results as over /mcp; sessions
// are private to their stream and their user; an idle stream keeps delivering, while its session
// object hibernates; a closed or unknown session gets 404.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./lib/worker.mjs";
import { startStack } from "./lib/stack.mjs";
import { connectClient } from "./lib/mcp-client.mjs";
import { pythonClient } from "./lib/python-client.mjs";
import { TestOAuthProvider, connectWithOAuth } from "./lib/oauth-client.mjs";

const run = promisify(execFile);
let stack, worker, overMcp;

const CALLS = [
  { name: "list_skills", arguments: {} },
  { name: "list_skills", arguments: { query: "proposal" } },
  { name: "fetch_skill", arguments: { name: "code-review" } },
  { name: "check_updates", arguments: { installed: [{ name: "proposal-writer", version: "1.0.0" }, { name: "nope", version: "1.0.0" }] } },
  { name: "whoami", arguments: {} },
];

/** A tool result without what differs per call (the download link's expiry and signature). */
function comparable(result) {
  const copy = structuredClone(result);
  if (copy?.package?.download_url) copy.package.download_url = copy.package.download_url.replace(/[?].*$/, "");
  return copy;
}

before(async () => {
  stack = await startStack();
  ({ worker } = stack);
  overMcp = await connectClient(worker.url, { headers: { authorization: await worker.bearer() } });
});

after(async () => {
  await overMcp?.close();
  await stack?.stop();
});

async function expected() {
  const results = [];
  for (const call of CALLS) results.push(comparable((await overMcp.callTool(call)).structuredContent));
  return results;
}

test("the TypeScript SDK signs in over /sse and gets the same answers as over /mcp", async () => {
  const provider = new TestOAuthProvider("ann@acme.example");
  const client = await connectWithOAuth(worker.url, provider, { transport: "sse" });
  try {
    assert.equal(provider.logins, 1);
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(tools, (await overMcp.listTools()).tools.map((t) => t.name).sort());
    const results = [];
    for (const call of CALLS) results.push(comparable((await client.callTool(call)).structuredContent));
    assert.deepEqual(results, await expected());
  } finally {
    // An open SSE stream would keep the runtime from stopping.
    await client.close();
  }
});

test("the Python SDK's sse_client and the Inspector CLI get the same answers", async () => {
  const authorization = await worker.bearer();
  const python = await pythonClient(`${worker.url}/sse`, CALLS, { transport: "sse", headers: { Authorization: authorization } });
  assert.deepEqual(python.tools.sort(), (await overMcp.listTools()).tools.map((t) => t.name).sort());
  assert.deepEqual(python.results.map((r) => comparable(r.structuredContent)), await expected());

  const inspector = path.join(ROOT, "node_modules/.bin/mcp-inspector");
  const args = ["--cli", `${worker.url}/sse`, "--transport", "sse", "--header", `Authorization: ${authorization}`];
  const listed = JSON.parse((await run(inspector, [...args, "--method", "tools/list"], { cwd: ROOT })).stdout);
  assert.ok(listed.tools.some((t) => t.name === "fetch_skill"));
  const called = JSON.parse((await run(inspector, [...args, "--method", "tools/call", "--tool-name", "list_skills"], { cwd: ROOT })).stdout);
  assert.deepEqual(comparable(called.structuredContent), (await expected())[0]);
});

/** Opens a raw SSE stream; returns {endpoint, events (growing list), close}. */
async function openStream(authorization) {
  const controller = new AbortController();
  const response = await fetch(`${worker.url}/sse`, { headers: { authorization, accept: "text/event-stream" }, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const stream = { events: [], comments: 0, buffer: "" };
  let resolveEndpoint;
  const endpoint = new Promise((resolve) => (resolveEndpoint = resolve));
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        stream.buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = stream.buffer.indexOf("\n\n")) >= 0) {
          const block = stream.buffer.slice(0, end);
          stream.buffer = stream.buffer.slice(end + 2);
          if (block.startsWith(":")) {
            stream.comments += 1;
            continue;
          }
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === "endpoint") resolveEndpoint(data);
          else stream.events.push(JSON.parse(data));
        }
      }
    } catch {
      // Aborted.
    }
  })();
  stream.endpoint = await endpoint;
  stream.close = () => controller.abort();
  return stream;
}

const post = (endpoint, authorization, message) =>
  fetch(`${worker.url}${endpoint}`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(message) });

async function until(predicate, what, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function sessionObjectOf(requestCount) {
  const lines = worker.logs.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((l) => l.path === "/sse/message" && l.session_object);
  return lines.at(requestCount)?.session_object;
}

test("sessions are private; an idle stream still delivers while its object hibernates; closed and unknown sessions get 404", { timeout: 90_000 }, async () => {
  const ann = await worker.bearer("ann@acme.example");
  const bob = await worker.bearer("bob@acme.example");
  const a = await openStream(ann);
  const b = await openStream(bob);
  const closing = await openStream(ann);
  assert.match(a.endpoint, /^\/sse\/message\?sessionId=[0-9a-f]{32}$/);
  assert.notEqual(a.endpoint, b.endpoint);

  const [pa, pb] = await Promise.all([
    post(a.endpoint, ann, { jsonrpc: "2.0", id: "a-1", method: "ping" }),
    post(b.endpoint, bob, { jsonrpc: "2.0", id: "b-1", method: "tools/call", params: { name: "whoami", arguments: {} } }),
  ]);
  assert.deepEqual([pa.status, pb.status], [202, 202]);
  await until(() => a.events.length === 1 && b.events.length === 1, "one answer on each stream");
  assert.equal(a.events[0].id, "a-1");
  assert.equal(b.events[0].id, "b-1");
  assert.equal(b.events[0].result.structuredContent.email, "bob@acme.example");
  for (const [i, id] of ["a-2", "a-3", "a-4"].entries()) assert.equal((await post(a.endpoint, ann, { jsonrpc: "2.0", id, method: "ping" })).status, 202, `${i}`);
  await until(() => a.events.length === 4, "three more answers");
  assert.deepEqual(a.events.map((e) => e.id), ["a-1", "a-2", "a-3", "a-4"], "in order");
  assert.equal(b.events.length, 1, "b never sees a's messages");

  const foreign = await post(a.endpoint, bob, { jsonrpc: "2.0", id: "x", method: "ping" });
  assert.equal(foreign.status, 403, "another user's token cannot post to ann's session");
  const unknown = await post(`/sse/message?sessionId=${"0".repeat(32)}`, ann, { jsonrpc: "2.0", id: "x", method: "ping" });
  assert.equal(unknown.status, 404);
  const unauthenticated = await fetch(`${worker.url}${a.endpoint}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(unauthenticated.status, 401);
  assert.match(unauthenticated.headers.get("www-authenticate"), /oauth-protected-resource\/sse/);

  const before = sessionObjectOf(-1);
  closing.close();
  await new Promise((r) => setTimeout(r, 40_000));

  const late = await post(a.endpoint, ann, { jsonrpc: "2.0", id: "a-late", method: "ping" });
  assert.equal(late.status, 202);
  await until(() => a.events.length === 5, "the answer after 40 s idle");
  assert.equal(a.events[4].id, "a-late");
  assert.ok(a.comments >= 2, `keep-alive comments while idle (${a.comments})`);
  const after = sessionObjectOf(-1);
  assert.ok(before && after);
  assert.notEqual(after, before, "the session object was evicted while idle (hibernated) and rebuilt, and still relays");

  const closed = await post(closing.endpoint, ann, { jsonrpc: "2.0", id: "c", method: "ping" });
  assert.equal(closed.status, 404, "the object forgot the session when its client went away");
  a.close();
  b.close();
});
