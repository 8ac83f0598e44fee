// The connector's budgets at scale, measured in the Workers runtime: the real wasm build under
// Miniflare against the git-backed fake GitHub, which waits BENCH_DELAY_MS (default 40) before
// every answer, like a real round trip. Counts come from the fake GitHub and the Worker's own
// request log (KV reads and writes); latencies are medians and 95th percentiles, also divided by
// one GitHub round trip. Usage: node scripts/bench-runtime.mjs [skills...]  (default 50 500 2000)
import { performance } from "node:perf_hooks";
import { GitRepo } from "../e2e/lib/git-repo.mjs";
import { FakeGitHub } from "../e2e/lib/fake-github.mjs";
import { startWorker } from "../e2e/lib/worker.mjs";
import { generateMarketplace, skillFolder } from "../e2e/lib/generate.mjs";
import { signIn, tokenRequest } from "../e2e/lib/sign-in.mjs";

const DELAY = Number(process.env.BENCH_DELAY_MS ?? 40);
const WARM_SAMPLES = Number(process.env.BENCH_WARM_SAMPLES ?? 20);
const COLD_SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 5);
const sizes = process.argv.slice(2).map(Number).filter(Boolean);

/** One JSON-RPC tool call (or, for a name with a `/`, that method with `args` as its params);
 * resolves to {ms, log} with the Worker's log line for it. */
async function call(worker, name, args) {
  const before = worker.logs.length;
  const start = performance.now();
  const response = await fetch(`${worker.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", "mcp-protocol-version": "2025-11-25", authorization: await worker.bearer() },
    body: JSON.stringify(name.includes("/") ? { jsonrpc: "2.0", id: 1, method: name, params: args } : { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  const body = await response.json();
  const ms = performance.now() - start;
  if (body.result?.isError || body.error) throw new Error(`${name} failed: ${body.error?.message ?? body.result.content[0].text}`);
  for (let i = 0; i < 100 && worker.logs.length === before; i++) await new Promise((r) => setTimeout(r, 10));
  const log = worker.logs.slice(before).filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((l) => l.path === "/mcp");
  return { ms, log, body };
}

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs `measure` `samples` times; returns the row for the table. */
async function row(skills, label, samples, measure) {
  const results = [];
  for (let i = 0; i < samples; i++) results.push(await measure(i));
  const ms = results.map((r) => r.ms);
  const last = results[results.length - 1];
  const p50 = percentile(ms, 50);
  const p95 = percentile(ms, 95);
  return {
    skills,
    call: label,
    "GitHub requests": last.github,
    "KV reads": last.log.kv_reads,
    "KV writes": last.log.kv_writes,
    "DO requests": last.log.ledger_calls + (last.log.watch_calls ?? 0),
    "parse workers": last.log.parse_workers,
    "p50 ms": Math.round(p50),
    "p95 ms": Math.round(p95),
    "p50 / round trip": (p50 / DELAY).toFixed(1),
    "p95 / round trip": (p95 / DELAY).toFixed(1),
  };
}

const rows = [];
let signInCosts;

/** Workers reading through `github`: `fresh()` starts one (with an empty KV), `measured` runs a
 * call and counts the GitHub requests it made; `workers` are stopped by the caller. */
function workersOn(github) {
  const workers = [];
  const fresh = async (vars = {}) => {
    const worker = await startWorker({ vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token, ...vars } });
    workers.push(worker);
    return worker;
  };
  const measured = async (worker, name, args) => {
    github.reset();
    const result = await call(worker, name, args);
    return { ...result, github: github.count() };
  };
  return { workers, fresh, measured };
}

/** The Worker's log lines written while `action` ran. */
async function logsOf(worker, action) {
  const before = worker.logs.length;
  const start = performance.now();
  const result = await action();
  const ms = performance.now() - start;
  await new Promise((r) => setTimeout(r, 100));
  return { result, ms, lines: worker.logs.slice(before).map((l) => JSON.parse(l)) };
}

/** Durable Object requests, KV writes and time of a whole sign-in and of a refresh. */
async function measureSignIn(worker) {
  const login = await logsOf(worker, () => signIn(worker.url, "bench@acme.example"));
  const { tokens, client } = login.result;
  const refresh = await logsOf(worker, () => tokenRequest(worker.url, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: client.client_id }));
  const sum = (lines, field) => lines.reduce((n, l) => n + (l[field] ?? 0), 0);
  return [
    { flow: "sign-in (register, authorize, consent, callback, token)", "connector requests": login.lines.length, "DO requests": sum(login.lines, "ledger_calls"), "DO rows written": 5, "KV writes": sum(login.lines, "kv_writes"), "ms (local IdP)": Math.round(login.ms) },
    { flow: "refresh", "connector requests": refresh.lines.length, "DO requests": sum(refresh.lines, "ledger_calls"), "DO rows written": 1, "KV writes": sum(refresh.lines, "kv_writes"), "ms (local IdP)": Math.round(refresh.ms) },
  ];
}
for (const skills of sizes.length ? sizes : [50, 500, 2000]) {
  const repo = await GitRepo.create();
  const github = new FakeGitHub(repo, { delayMs: DELAY });
  await github.start();
  const { workers, fresh, measured } = workersOn(github);
  try {
    // The benchmark's user is an editor, so writes can be measured too.
    await repo.commit({ ...generateMarketplace({ skills, groups: Math.max(1, skills / 10) }), ".skillport/access.json": JSON.stringify({ editors: ["google:ann@acme.example"] }) });
    const installed = Array.from({ length: Math.min(skills, 50) }, (_, i) => ({ name: `skill-${String(i).padStart(4, "0")}`, version: "0.9.0" }));

    rows.push(await row(skills, "list_skills cold", COLD_SAMPLES, async () => measured(await fresh(), "list_skills", {})));
    rows.push(await row(skills, "fetch_skill cold", COLD_SAMPLES, async () => measured(await fresh(), "fetch_skill", { name: "skill-0001" })));
    const worker = await fresh();
    await call(worker, "list_skills", {});
    if (skills === (sizes.length ? sizes : [50, 500, 2000])[0]) signInCosts = await measureSignIn(worker);
    rows.push(await row(skills, "list_skills warm", WARM_SAMPLES, () => measured(worker, "list_skills", {})));
    rows.push(await row(skills, "fetch_skill warm", WARM_SAMPLES, (i) => measured(worker, "fetch_skill", { name: `skill-${String(i % skills).padStart(4, "0")}` })));
    rows.push(await row(skills, "check_updates warm", WARM_SAMPLES, () => measured(worker, "check_updates", { installed })));
    // The Skills extension: a page of manifests, and single files read as resources.
    rows.push(await row(skills, "skills/list warm", WARM_SAMPLES, () => measured(worker, "skills/list", {})));
    const files = (await call(worker, "skills/list", {})).body.result.skills.flatMap((s) => s.resources.map((r) => r.uri));
    rows.push(await row(skills, "resources/read warm", WARM_SAMPLES, (i) => measured(worker, "resources/read", { uri: files[i % files.length] })));
    rows.push(
      await row(skills, "list_skills, new commit", COLD_SAMPLES, async (i) => {
        await repo.commit({ "plugins/group-000/skills/skill-0000/SKILL.md": `---\nname: skill-0000\ndescription: Edit ${i}.\n---\n` });
        return measured(worker, "list_skills", {});
      }),
    );
    // Writes: each one commit through the Git Data API (the served catalog is current beforehand).
    const text = (i) => `---\nname: skill-0002\ndescription: Edited ${i}.\n---\nBody ${i}\n`;
    const version = async () => (await call(worker, "fetch_skill", { name: "skill-0002" })).body.result.structuredContent.skill.version_id;
    rows.push(
      await row(skills, "save_skill (3 text files, 1 binary)", COLD_SAMPLES, async (i) => {
        const base = await version();
        return measured(worker, "save_skill", {
          skill: "skill-0002",
          base_version: base,
          files: [
            { path: "SKILL.md", content: text(i) },
            { path: "notes.md", content: `notes ${i}\n` },
            { path: "more.md", content: `more ${i}\n` },
            { path: "asset.bin", content: Buffer.from([0, 255, i]).toString("base64"), encoding: "base64" },
          ],
        });
      }),
    );
    rows.push(
      await row(skills, "save_skill right after an edit", COLD_SAMPLES, async (i) => {
        const first = await call(worker, "save_skill", { skill: "skill-0002", base_version: await version(), files: [{ path: "a.md", content: `a ${i}\n` }] });
        const base = first.body.result.structuredContent.version_id;
        return measured(worker, "save_skill", { skill: "skill-0002", base_version: base, files: [{ path: "b.md", content: `b ${i}\n` }] });
      }),
    );
    rows.push(
      await row(skills, "publish_skill", COLD_SAMPLES, async (i) => {
        await call(worker, "list_skills", {});
        return measured(worker, "publish_skill", { skill: "skill-0002", tags: [`t${i}`] });
      }),
    );
    rows.push(
      await row(skills, "bump_version (one commit)", COLD_SAMPLES, async () => {
        await call(worker, "list_skills", {});
        return measured(worker, "bump_version", { skill: "skill-0001", type: "patch" });
      }),
    );
  } finally {
    for (const worker of workers) await worker.stop();
    await github.stop();
    await repo.destroy();
  }
}

/** The Worker's background run (`push` or `poll`) logged after index `from`. */
async function backgroundRun(worker, event, from) {
  for (let waited = 0; waited < 60_000; waited += 20) {
    const line = worker.logs.slice(from).filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((l) => l.event === event);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${event} run logged`);
}

// With push webhooks: the head comes from the branch watch (one Durable Object read) instead of
// GitHub, and a push's catalog is built after the webhook is answered, before the next call.
const webhookRows = [];
for (const skills of sizes.length ? sizes : [50, 500, 2000]) {
  const repo = await GitRepo.create();
  const github = new FakeGitHub(repo, { delayMs: DELAY });
  await github.start();
  const { workers, fresh, measured } = workersOn(github);
  try {
    await repo.commit(generateMarketplace({ skills, groups: Math.max(1, skills / 10) }));
    const secret = "bench-webhook-secret";
    const worker = await fresh({ GITHUB_WEBHOOK_SECRET: secret });
    const hook = github.addWebhook({ url: `${worker.url}/webhooks/github`, secret });
    await github.deliver("ping", github.pingPayload(hook), { hook });
    let from = worker.logs.length;
    await (await worker.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
    await backgroundRun(worker, "poll", from);
    await call(worker, "list_skills", {});
    rows.push(await row(skills, "webhooks: list_skills warm", WARM_SAMPLES, () => measured(worker, "list_skills", {})));
    rows.push(await row(skills, "webhooks: fetch_skill warm", WARM_SAMPLES, (i) => measured(worker, "fetch_skill", { name: `skill-${String(i % skills).padStart(4, "0")}` })));
    const pushes = [];
    rows.push(
      await row(skills, "webhooks: list_skills, first call after a push", COLD_SAMPLES, async (i) => {
        from = worker.logs.length;
        github.reset();
        const start = performance.now();
        await github.pushCommit({ "plugins/group-000/skills/skill-0000/SKILL.md": `---\nname: skill-0000\ndescription: Pushed ${i}.\n---\n` }, `Push ${i}`);
        const run = await backgroundRun(worker, "push", from);
        pushes.push({ ...run, ms: performance.now() - start, github: github.count() });
        return measured(worker, "list_skills", {});
      }),
    );
    const ms = pushes.map((p) => p.ms);
    const last = pushes[pushes.length - 1];
    webhookRows.push({
      skills,
      "push to catalog ready p50 ms": Math.round(percentile(ms, 50)),
      "p95 ms": Math.round(percentile(ms, 95)),
      "GitHub requests (build)": last.github,
      "KV reads": last.kv_reads,
      "KV writes": last.kv_writes,
      catalog: last.catalog,
    });
  } finally {
    for (const worker of workers) await worker.stop();
    await github.stop();
    await repo.destroy();
  }
}

// The same reads on the largest size laid out as a `strict: false` collection sharing the
// repository root: the budgets do not depend on the layout.
{
  const skills = Math.max(...(sizes.length ? sizes : [50, 500, 2000]));
  const repo = await GitRepo.create();
  const github = new FakeGitHub(repo, { delayMs: DELAY });
  await github.start();
  const { workers, fresh, measured } = workersOn(github);
  try {
    await repo.commit(generateMarketplace({ skills, groups: Math.max(1, skills / 10), layout: "collection" }));
    rows.push(await row(skills, "collection: list_skills cold", COLD_SAMPLES, async () => measured(await fresh(), "list_skills", {})));
    const worker = await fresh();
    await call(worker, "list_skills", {});
    rows.push(await row(skills, "collection: list_skills warm", WARM_SAMPLES, () => measured(worker, "list_skills", {})));
    rows.push(await row(skills, "collection: fetch_skill warm", WARM_SAMPLES, (i) => measured(worker, "fetch_skill", { name: `skill-${String(i % skills).padStart(4, "0")}` })));
    rows.push(
      await row(skills, "collection: list_skills, new commit", COLD_SAMPLES, async (i) => {
        await repo.commit({ [`${skillFolder("collection", "skill-0000")}/SKILL.md`]: `---\nname: skill-0000\ndescription: Edit ${i}.\n---\n` });
        return measured(worker, "list_skills", {});
      }),
    );
  } finally {
    for (const worker of workers) await worker.stop();
    await github.stop();
    await repo.destroy();
  }
}

console.log(`GitHub round trip: ${DELAY} ms. Cold = a fresh Worker with an empty KV. Every call is authenticated (1 DO request).`);
console.table(rows);
console.log("Sign-in costs (DO rows written per flow as counted by test/tests/sign_in.rs):");
console.table(signInCosts);

// A day of a team of 500 active users, from the measured per-call figures of the largest
// marketplace. Assumptions (stated in the output): each user makes 20 tool calls a day (8
// list_skills, 6 fetch_skill with one package download each, 6 check_updates), each in its own
// MCP request, plus 4 protocol requests (initialize, initialized, tools/list, ping); the
// repository gets 20 new commits a day.
const USERS = 500;
const COMMITS = 20;
const largest = Math.max(...rows.map((r) => r.skills));
const at = (label) => rows.find((r) => r.skills === largest && r.call === label);
const perUser = { list: 8, fetch: 6, check: 6, protocol: 4 };
const toolCalls = USERS * (perUser.list + perUser.fetch + perUser.check);
const requests = toolCalls + USERS * (perUser.protocol + perUser.fetch);
const kvReads =
  USERS * (perUser.list * at("list_skills warm")["KV reads"] + perUser.fetch * (at("fetch_skill warm")["KV reads"] + 1) + perUser.check * at("check_updates warm")["KV reads"]) +
  COMMITS * at("list_skills, new commit")["KV reads"];
const kvWrites = COMMITS * at("list_skills, new commit")["KV writes"];
// Sign-in: each user signs in once a week (the grant lifetime) and refreshes 8 times a day (one-hour
// access tokens over a working day); every authenticated MCP request checks its grant (1 DO request).
const signIns = USERS / 7;
const refreshes = USERS * 8;
const [login, refresh] = signInCosts;
const mcpRequests = USERS * (perUser.list + perUser.fetch + perUser.check + perUser.protocol);
const doRequests = Math.round(
  mcpRequests + signIns * login["DO requests"] + refreshes * refresh["DO requests"] + COMMITS * at("list_skills, new commit")["parse workers"],
);
const doRows = Math.round(signIns * login["DO rows written"] + refreshes * refresh["DO rows written"]);
// Duration is billed while an object runs a request (128 MB); assume 10 ms each, well above measured.
const doGbSeconds = Math.round(doRequests * 0.01 * 0.125);
const day = [
  { resource: "Workers requests", "per day": Math.round(requests + signIns * login["connector requests"] + refreshes), "free plan": 100_000 },
  { resource: "KV reads", "per day": kvReads, "free plan": 100_000 },
  { resource: "KV writes", "per day": kvWrites, "free plan": 1_000 },
  { resource: "Durable Object requests", "per day": doRequests, "free plan": 100_000 },
  { resource: "Durable Object rows written", "per day": doRows, "free plan": 100_000 },
  { resource: "Durable Object GB-s", "per day": doGbSeconds, "free plan": 13_000 },
  // With push webhooks: one branch watch read per tool call and download, a delivery and an
  // announcement claim per commit, and the cron's 288 polls a day.
  {
    resource: "Durable Object requests, with push webhooks",
    "per day": doRequests + USERS * (perUser.list + perUser.fetch * 2 + perUser.check) + COMMITS * 2 + 288,
    "free plan": 100_000,
  },
].map((r) => ({ ...r, "share of limit": `${((100 * r["per day"]) / r["free plan"]).toFixed(1)}%` }));
console.log(`A day of ${USERS} active users (20 tool calls and 6 downloads each, a sign-in a week, 8 refreshes a day) and ${COMMITS} new commits, at ${largest} skills:`);
console.table(day);
const githubPerDay = USERS * (perUser.list + perUser.fetch + perUser.check) * at("list_skills warm")["GitHub requests"] + COMMITS * at("list_skills, new commit")["GitHub requests"];
console.log(`GitHub requests a day: ${githubPerDay} by conditional head checks (free of rate limit when answered 304); with push webhooks ${COMMITS * at("list_skills, new commit")["GitHub requests"] + 288} (the builds of new commits, and the cron's polls).`);
console.log("With push webhooks, a push's catalog built after the webhook's answer (delivery to catalog ready, measured from the push):");
console.table(webhookRows);

// The request counts must not grow with the marketplace.
const bySize = (label) => rows.filter((r) => r.call === label).map((r) => r["GitHub requests"]);
const growing = [...new Set(rows.map((r) => r.call))].filter((label) => new Set(bySize(label)).size > 1);
if (growing.length) {
  console.error(`GitHub requests grow with the number of skills for: ${growing.join(", ")}`);
  process.exitCode = 1;
}
