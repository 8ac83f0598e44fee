// A bounded loopback load test: the real Worker in the Workers runtime (Miniflare), a git-backed
// fake GitHub and the test identity provider, all on 127.0.0.1. USERS people sign in through the
// whole OAuth flow, then CONCURRENCY clients send a mix of calls as random users for SECONDS,
// while GitHub faults are injected (a 502, a secondary rate limit with a short Retry-After, a
// slow answer) and a new commit lands every 20 s. Prints throughput, latency percentiles per
// call, errors (none are expected: faults are retried or served from the last catalog) and the
// runtime's peak memory. Everything it starts is stopped at the end.
//   node scripts/load.mjs   (LOAD_USERS=200 LOAD_CONCURRENCY=16 LOAD_SECONDS=60 by default)
import { readFileSync, readdirSync } from "node:fs";
import { startStack } from "../e2e/lib/stack.mjs";
import { fixtureFiles } from "../e2e/lib/fixture.mjs";

const USERS = Number(process.env.LOAD_USERS ?? 200);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };

const emails = Array.from({ length: USERS }, (_, n) => `user${n}@acme.example`);
const access = { editors: [{ id: `google:${emails[0]}`, label: emails[0] }], teams: { sales: emails.slice(0, USERS / 2).map((e) => `google:${e}`) }, skills: { sales: { read: "team:sales" } } };
const stack = await startStack({ files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(access) } });
const { worker, github, repo } = stack;

/** Resident memory of the workerd processes, in MB (Linux /proc). */
function workerdMemoryMb() {
  let kb = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) continue;
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      kb += Number(rss?.[1] ?? 0);
    } catch {}
  }
  return kb / 1024;
}

const calls = {
  list_skills: () => ({ method: "tools/call", params: { name: "list_skills", arguments: {} } }),
  search: () => ({ method: "tools/call", params: { name: "list_skills", arguments: { query: "review" } } }),
  fetch_skill: () => ({ method: "tools/call", params: { name: "fetch_skill", arguments: { name: "code-review" } } }),
  check_updates: () => ({ method: "tools/call", params: { name: "check_updates", arguments: { installed: [{ name: "proposal-writer", version: "1.0.0" }] } } }),
  whoami: () => ({ method: "tools/call", params: { name: "whoami", arguments: {} } }),
  "skills/list": () => ({ method: "skills/list", params: { _meta: META }, v2026: true }),
  "resources/read": () => ({ method: "resources/read", params: { uri: "skill://engineering/code-review/scripts/check.py", _meta: META }, v2026: true }),
};
const names = Object.keys(calls);

let stop = false;
const latencies = Object.fromEntries(names.map((n) => [n, []]));
const errors = [];
let peakMb = 0;
let commits = 0;

try {
  const started = Date.now();
  const bearers = [];
  for (let i = 0; i < emails.length; i += 8) bearers.push(...(await Promise.all(emails.slice(i, i + 8).map((e) => worker.bearer(e)))));
  console.log(`${USERS} users signed in through the OAuth flow in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const send = async (name, bearer) => {
    const call = calls[name]();
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: bearer };
    if (call.v2026) Object.assign(headers, { "mcp-protocol-version": "2026-07-28", "mcp-method": call.method });
    else headers["mcp-protocol-version"] = "2025-11-25";
    if (call.v2026 && (call.params.name || call.params.uri)) headers["mcp-name"] = call.params.name ?? call.params.uri;
    const began = performance.now();
    const response = await fetch(`${worker.url}/mcp`, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: call.method, params: call.params }) });
    const body = await response.json().catch(() => null);
    latencies[name].push(performance.now() - began);
    const failed = response.status !== 200 || body?.error || body?.result?.isError;
    if (failed) errors.push(`${name}: HTTP ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  };

  const faults = setInterval(() => {
    if (process.env.LOAD_FAULTS === "0") return;
    github.faults.push({ status: 502, match: /\/commits$/ });
    github.faults.push({ status: 403, headers: { "retry-after": "1" }, body: { message: "You have exceeded a secondary rate limit." }, match: /\/commits$/ });
    github.faults.push({ delayMs: 1500, match: /\/commits$/ });
  }, 5_000);
  const memory = setInterval(() => (peakMb = Math.max(peakMb, workerdMemoryMb())), 1_000);
  const pushes = setInterval(async () => {
    commits++;
    await repo.commit({ [`plugins/engineering/skills/code-review/notes-${commits}.md`]: `Notes ${commits}\n` }, `Load test commit ${commits}`);
  }, 20_000);

  const loadStarted = Date.now();
  const client = async () => {
    while (!stop) {
      const name = names[Math.floor(Math.random() * names.length)];
      await send(name, bearers[Math.floor(Math.random() * bearers.length)]).catch((e) => errors.push(`${name}: ${e.message}`));
    }
  };
  const timer = setTimeout(() => (stop = true), SECONDS * 1000);
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  clearTimeout(timer);
  clearInterval(faults);
  clearInterval(memory);
  clearInterval(pushes);
  const elapsed = (Date.now() - loadStarted) / 1000;

  const percentile = (values, p) => values.length ? values.slice().sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] : NaN;
  const all = Object.values(latencies).flat();
  console.log(`\n${all.length} requests in ${elapsed.toFixed(1)} s by ${CONCURRENCY} concurrent clients: ${(all.length / elapsed).toFixed(1)} requests/s; ${commits} new commits; GitHub faults every 5 s`);
  console.log(`${"call".padEnd(16)} ${"count".padStart(7)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}`);
  for (const name of names) {
    console.log(`${name.padEnd(16)} ${String(latencies[name].length).padStart(7)} ${percentile(latencies[name], 50).toFixed(0).padStart(8)} ${percentile(latencies[name], 99).toFixed(0).padStart(8)}`);
  }
  console.log(`${"all".padEnd(16)} ${String(all.length).padStart(7)} ${percentile(all, 50).toFixed(0).padStart(8)} ${percentile(all, 99).toFixed(0).padStart(8)}`);
  console.log(`errors: ${errors.length}`);
  for (const error of errors.slice(0, 10)) console.log(`  ${error}`);
  console.log(`peak memory of the Workers runtime (workerd RSS): ${peakMb.toFixed(0)} MB`);
  process.exitCode = errors.length ? 1 : 0;
} finally {
  stop = true;
  await stack.stop();
}
