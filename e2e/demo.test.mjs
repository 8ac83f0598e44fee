// The README's run command, as a newcomer uses it: the demo comes up under `wrangler dev` against
// the local GitHub stand-in and OpenID provider; a newcomer signs in as any email address and the
// MCP Inspector CLI lists its tools and skills.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./lib/worker.mjs";

const run = promisify(execFile);

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("the demo serves the example marketplace and the Inspector CLI lists tools and skills", { timeout: 120_000 }, async () => {
  const port = await freePort();
  const state = await mkdtemp(path.join(tmpdir(), "skillport-demo-"));
  const demo = spawn("node", ["scripts/dev.mjs", "--demo"], { cwd: ROOT, detached: true, env: { ...process.env, PORT: String(port), PERSIST_TO: state }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  demo.stdout.on("data", (chunk) => (output += chunk));
  demo.stderr.on("data", (chunk) => (output += chunk));
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 90_000);
      demo.stdout.on("data", () => output.includes("--method tools/list") && (clearTimeout(timer), resolve()));
      demo.on("exit", (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
    });
    const url = `http://127.0.0.1:${port}/mcp`;
    assert.match(output, new RegExp(`Connector: ${url.replace(/[.]/g, "\\.")}`));
    assert.match(output, /node scripts\/sign-in\.mjs http:\/\/127\.0\.0\.1:\d+ you@example\.com/);

    // Unauthenticated, the connector asks for sign-in; the printed sign-in command gets a token.
    const anonymous = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(anonymous.status, 401);
    const token = (await run("node", ["scripts/sign-in.mjs", `http://127.0.0.1:${port}`, "newcomer@example.com"], { cwd: ROOT })).stdout.trim();
    const header = ["--header", `Authorization: Bearer ${token}`];
    const inspector = path.join(ROOT, "node_modules/.bin/mcp-inspector");
    const tools = JSON.parse((await run(inspector, ["--cli", url, ...header, "--method", "tools/list"], { cwd: ROOT })).stdout);
    assert.ok(tools.tools.some((t) => t.name === "list_skills"));
    const whoami = JSON.parse((await run(inspector, ["--cli", url, ...header, "--method", "tools/call", "--tool-name", "whoami"], { cwd: ROOT })).stdout);
    assert.equal(whoami.structuredContent.email, "newcomer@example.com");
    assert.equal(whoami.structuredContent.id, "demo:newcomer@example.com");
    const call = JSON.parse((await run(inspector, ["--cli", url, ...header, "--method", "tools/call", "--tool-name", "list_skills"], { cwd: ROOT })).stdout);
    assert.deepEqual(call.structuredContent.skills.map((s) => s.name), ["brand-voice", "code-review", "meeting-notes", "proposal-writer", "release-notes", "skillport-manager"]);
  } finally {
    try {
      process.kill(-demo.pid, "SIGTERM");
    } catch {
      // Already stopped.
    }
    await new Promise((resolve) => (demo.exitCode !== null ? resolve() : demo.on("exit", resolve)));
    await rm(state, { recursive: true, force: true });
  }
});
