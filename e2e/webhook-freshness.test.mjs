// What a channel may hear of, and how stale an answer can get, end to end. A destination that
// access.json does not route hears only of skills everyone may read; a routed one hears of its
// groups, restricted or not. With webhooks silent (a push no delivery reported, and no poll),
// calls trust the recorded head for at most WEBHOOK_SILENCE_SECONDS, then ask GitHub again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./lib/stack.mjs";
import { connectClient } from "./lib/mcp-client.mjs";
import { startNotifyReceiver } from "./lib/notify-receiver.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";

const SILENCE_SECONDS = 10;
const ENGINEER = "eve@acme.example";
const ACCESS = {
  teams: { eng: [`google:${ENGINEER}`] },
  skills: { engineering: { read: "team:eng" } },
  notifications: { "eng-channel": ["engineering"] },
};
let stack, receiver, client;

before(async () => {
  receiver = await startNotifyReceiver();
  const destinations = [
    { name: "skills-channel", kind: "slack", url: `${receiver.url}/slack/everyone` },
    { name: "eng-channel", kind: "slack", url: `${receiver.url}/slack/eng` },
  ];
  stack = await startStack({
    files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(ACCESS) },
    webhookSecret: "freshness-secret",
    vars: { NOTIFY_WEBHOOKS: JSON.stringify(destinations), WEBHOOK_SILENCE_SECONDS: String(SILENCE_SECONDS) },
  });
  client = await connectClient(stack.worker.url, { headers: { authorization: await stack.worker.bearer(ENGINEER) } });
});

after(async () => {
  await client?.close().catch(() => {});
  await stack?.stop();
  await receiver?.stop();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const jsonLogs = (worker, from) =>
  worker.logs.slice(from).flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });

async function backgroundRun(worker, event, from) {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const found = jsonLogs(worker, from).find((line) => line.event === event);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no ${event} run logged`);
}

async function cron(worker) {
  const from = worker.logs.length;
  await (await worker.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
  return backgroundRun(worker, "poll", from);
}

const versions = async () => {
  const result = await client.callTool({ name: "list_skills", arguments: { limit: 100 } });
  return Object.fromEntries(result.structuredContent.skills.map((s) => [s.name, s.version]));
};

test("an unrouted channel hears only of skills everyone reads; a routed one of its restricted group", async () => {
  const { github, worker, hook } = stack;
  await github.deliver("ping", github.pingPayload(hook), { hook });
  assert.equal((await cron(worker)).notifications.outcome, "first_snapshot");
  const from = worker.logs.length;
  await github.pushCommit(
    {
      "plugins/sales/.claude-plugin/plugin.json": JSON.stringify({ name: "sales", version: "1.3.0", description: "Sales skills" }),
      "plugins/engineering/skills/code-review/SKILL.md": "---\nname: code-review\ndescription: Reviews code changes for bugs, style and tests.\n---\n\nBody\n",
    },
    "Sales 1.3.0, a sharper code-review",
  );
  const run = await backgroundRun(worker, "push", from);
  assert.equal(run.notifications.outcome, "sent", JSON.stringify(run.notifications));
  await receiver.waitFor(2);
  await sleep(300);
  const everyone = receiver.messages.filter((m) => m.path === "/slack/everyone" && !m.failed);
  const eng = receiver.messages.filter((m) => m.path === "/slack/eng" && !m.failed);
  assert.equal(everyone.length, 1);
  assert.equal(eng.length, 1);
  assert.match(everyone[0].body.text, /proposal-writer 1\.2\.0 → 1\.3\.0 \(sales\)/);
  assert.doesNotMatch(everyone[0].body.text, /engineering|code-review/, "a restricted group never reaches an unrouted channel");
  assert.match(eng[0].body.text, /Updated: code-review \(engineering\), files changed/);
  assert.doesNotMatch(eng[0].body.text, /sales/, "a routed channel hears of its groups only");
});

test(`a push no delivery reported is served at the latest ${SILENCE_SECONDS} s after the head was last confirmed`, async () => {
  const { github, worker } = stack;
  await cron(worker); // confirms the current head: the silence starts now
  const confirmed = Date.now();
  assert.equal((await versions())["proposal-writer"], "1.3.0");
  github.webhooksPaused = true;
  const pushed = await github.pushCommit(
    { "plugins/sales/.claude-plugin/plugin.json": JSON.stringify({ name: "sales", version: "1.4.0", description: "Sales skills" }) },
    "Sales 1.4.0, delivery lost",
  );
  github.webhooksPaused = false;

  github.reset();
  assert.equal((await versions())["proposal-writer"], "1.3.0", "within the silence the recorded head is trusted");
  assert.deepEqual(github.requests, [], "and GitHub is not asked");

  await sleep(Math.max(0, confirmed + SILENCE_SECONDS * 1000 + 500 - Date.now()));
  github.reset();
  assert.equal((await versions())["proposal-writer"], "1.4.0", "after the silence calls ask GitHub and see the push");
  assert.equal(github.count(/\/commits$/), 1, "one conditional head request");
  assert.equal(await stack.repo.head(), pushed.sha);
});
