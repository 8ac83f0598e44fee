// Push webhooks and update notifications, end to end: the fake GitHub signs and delivers
// GitHub's push events to the Worker in the Workers runtime; a receiver stands in for Slack,
// Teams and a generic JSON webhook. While webhooks are healthy a warm call asks GitHub nothing
// and still sees a push at once; every push is announced exactly once per destination, whether
// the webhook or the cron saw it first; forged, replayed and other-branch deliveries change nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startStack } from "./lib/stack.mjs";
import { connectClient } from "./lib/mcp-client.mjs";
import { startNotifyReceiver } from "./lib/notify-receiver.mjs";

const SECRET = "whsec-e2e-secret";
const JSON_SECRET = "json-receiver-secret";
let stack, receiver, client, quiet, quietReceiver, quietClient;

const destinations = (url) =>
  JSON.stringify([
    { name: "skills-channel", kind: "slack", url: `${url}/slack/T000/B000/xyz` },
    { name: "skills-team", kind: "teams", url: `${url}/teams/workflows/run?api-version=1&sig=abc` },
    { name: "catalog-hook", kind: "json", url: `${url}/generic`, secret: JSON_SECRET },
  ]);

before(async () => {
  receiver = await startNotifyReceiver();
  stack = await startStack({ webhookSecret: SECRET, vars: { NOTIFY_WEBHOOKS: destinations(receiver.url) } });
  client = await connectClient(stack.worker.url, { headers: { authorization: await stack.worker.bearer("ann@acme.example") } });
  quietReceiver = await startNotifyReceiver();
  quiet = await startStack({ vars: { NOTIFY_WEBHOOKS: destinations(quietReceiver.url) } });
  quietClient = await connectClient(quiet.worker.url, { headers: { authorization: await quiet.worker.bearer("ann@acme.example") } });
});

after(async () => {
  await client?.close().catch(() => {});
  await quietClient?.close().catch(() => {});
  await stack?.stop();
  await quiet?.stop();
  await receiver?.stop();
  await quietReceiver?.stop();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Log lines of `worker` (JSON only) after index `from`. */
const jsonLogs = (worker, from = 0) =>
  worker.logs.slice(from).flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });

/** Waits for a background log line (`push` or `poll`) written after index `from`. */
async function backgroundRun(worker, event, from) {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const found = jsonLogs(worker, from).find((line) => line.event === event);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no ${event} run logged; logs: ${worker.logs.slice(from).join("\n")}`);
}

/** Runs the cron trigger once and resolves to its log line. */
async function cron(worker) {
  const from = worker.logs.length;
  const fetcher = await worker.mf.getWorker();
  await fetcher.scheduled({ cron: "*/5 * * * *" });
  return backgroundRun(worker, "poll", from);
}

const skills = async (mcp) => {
  const result = await mcp.callTool({ name: "list_skills", arguments: { limit: 100 } });
  return Object.fromEntries(result.structuredContent.skills.map((s) => [s.name, s.version]));
};

const salesAt = (version, extra = {}) => ({
  "plugins/sales/.claude-plugin/plugin.json": JSON.stringify({ name: "sales", version, description: "Sales skills" }),
  ...extra,
});

/** The messages each destination received since index `from`. */
const received = (from) => {
  const messages = receiver.messages.slice(from).filter((m) => !m.failed);
  return {
    slack: messages.filter((m) => m.path.startsWith("/slack/")),
    teams: messages.filter((m) => m.path.startsWith("/teams/")),
    json: messages.filter((m) => m.path === "/generic"),
  };
};

test("a ping and the cron's poll make webhooks healthy: a warm list_skills then asks GitHub nothing", async () => {
  const { github, worker, hook } = stack;
  const ping = await github.deliver("ping", github.pingPayload(hook), { hook });
  assert.equal(ping.status, 200, ping.body);
  assert.equal(JSON.parse(ping.body).status, "ignored");
  const poll = await cron(worker);
  assert.equal(poll.moved, true, "the first poll records the head");
  assert.equal(poll.catalog, "ready");
  assert.equal(poll.notifications.outcome, "first_snapshot", "nothing is announced for the first head seen");
  assert.equal(receiver.messages.length, 0);

  await skills(client);
  github.reset();
  const from = worker.logs.length;
  const listed = await skills(client);
  assert.equal(listed["proposal-writer"], "1.2.0");
  assert.deepEqual(github.requests, [], "no GitHub request while webhooks are healthy");
  const line = jsonLogs(worker, from).find((l) => l.calls?.includes("tools/call:list_skills"));
  assert.equal(line.github_requests, 0);
  assert.equal(line.watch_calls, 1, "one branch watch read per call");
  assert.equal(line.kv_reads, 0, "the isolate holds the catalog: nothing else is read");
});

let pushDelivery;

test("a pushed change is served by the next call with no GitHub request and announced once per destination", async () => {
  const { github, worker, repo } = stack;
  const from = worker.logs.length;
  const sent = receiver.messages.length;
  const message = "Sales skills 1.3.0\n\nRequested-by: Sam Seller <sam@acme.example>\nSkillport-User: google:sam@acme.example";
  const pushed = await github.pushCommit(
    salesAt("1.3.0", {
      "plugins/sales/skills/pitch-deck/SKILL.md": "---\nname: pitch-deck\ndescription: Builds pitch decks.\n---\n\nBody\n",
      "plugins/sales/skills/resume-helper/SKILL.md": null,
    }),
    message,
  );
  [pushDelivery] = pushed.deliveries;
  assert.equal(pushDelivery.status, 200, pushDelivery.body);
  assert.equal(JSON.parse(pushDelivery.body).status, "accepted");
  const run = await backgroundRun(worker, "push", from);
  assert.equal(run.catalog, "ready");
  assert.equal(run.commit, pushed.sha);
  assert.equal(run.notifications.outcome, "sent");

  github.reset();
  const listed = await skills(client);
  assert.equal(listed["proposal-writer"], "1.3.0");
  assert.equal(listed["pitch-deck"], "1.3.0");
  assert.equal(listed["resume-helper"], undefined);
  const fetched = await client.callTool({ name: "fetch_skill", arguments: { name: "proposal-writer" } });
  assert.notEqual(fetched.isError, true, JSON.stringify(fetched.content));
  assert.deepEqual(github.requests, [], "the push's build left the catalog and the archive warm");

  await receiver.waitFor(sent + 3);
  await sleep(500);
  const { slack, teams, json } = received(sent);
  assert.equal(slack.length, 1, "one Slack message");
  assert.equal(teams.length, 1, "one Teams message");
  assert.equal(json.length, 1, "one JSON message");
  const text = slack[0].body.blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(" ") ?? "").join("\n");
  assert.match(text, /Updated: proposal-writer 1\.2\.0 → 1\.3\.0 \(sales\)/);
  assert.match(text, /Added: pitch-deck 1\.3\.0 \(sales\)/);
  assert.match(text, /Removed: resume-helper 1\.2\.0 \(sales\)/);
  assert.match(text, /By Sam Seller &lt;sam@acme\.example&gt;/);
  assert.doesNotMatch(text, /code-review \(engineering\)/, "an unchanged skill is not listed");
  assert.match(text, new RegExp(`commit/${pushed.sha}\\|${pushed.sha.slice(0, 7)}`));
  const card = teams[0].body.attachments[0];
  assert.equal(card.contentType, "application/vnd.microsoft.card.adaptive");
  assert.ok(card.content.body.some((b) => b.text === "Updated: proposal-writer 1.2.0 → 1.3.0 (sales)"));
  assert.equal(card.content.actions[0].url, `https://github.com/acme/skills/commit/${pushed.sha}`);
  const body = json[0].body;
  assert.equal(body.event, "skills.changed");
  assert.equal(body.commit.sha, pushed.sha);
  assert.equal(body.by, "Sam Seller <sam@acme.example>");
  assert.deepEqual(body.added, [{ name: "pitch-deck", group: "sales", version: "1.3.0" }]);
  assert.deepEqual(body.removed, [{ name: "resume-helper", group: "sales", version: "1.2.0" }]);
  assert.ok(body.updated.some((u) => u.name === "proposal-writer" && u.from === "1.2.0" && u.to === "1.3.0"));
  const signature = `sha256=${createHmac("sha256", JSON_SECRET).update(json[0].raw).digest("hex")}`;
  assert.equal(json[0].headers["x-skillport-signature-256"], signature);
  assert.equal(await repo.head(), pushed.sha);
});

test("a forged, replayed, other-branch or malformed delivery changes nothing", async () => {
  const { github, worker, hook } = stack;
  const sent = receiver.messages.length;
  github.webhooksPaused = true;
  const pushed = await github.pushCommit(salesAt("1.4.0"), "Sales skills 1.4.0");
  github.webhooksPaused = false;
  const payload = await github.pushPayload({ before: pushed.before, after: pushed.sha });

  const forged = await github.deliver("push", payload, { hook, secret: "not-the-secret" });
  assert.equal(forged.status, 401, forged.body);
  const unsigned = await github.deliver("push", payload, { hook, signature: null });
  assert.equal(unsigned.status, 401);
  const replayed = await github.deliver("push", payload, { hook, deliveryId: pushDelivery.deliveryId });
  assert.equal(replayed.status, 200);
  assert.equal(JSON.parse(replayed.body).status, "duplicate");
  const elsewhere = await github.deliver("push", { ...payload, ref: "refs/heads/feature" }, { hook });
  assert.equal(JSON.parse(elsewhere.body).status, "ignored");
  const body = "{not json";
  const malformed = await fetch(`${worker.url}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "f00d-0001",
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
    body,
  });
  assert.equal(malformed.status, 400);
  assert.equal((await malformed.json()).error, "bad_delivery");

  github.reset();
  assert.equal((await skills(client))["proposal-writer"], "1.3.0", "the recorded head did not move");
  assert.deepEqual(github.requests, []);
  await sleep(500);
  assert.equal(receiver.messages.length, sent, "nothing was announced");

  // The genuine delivery, late: served and announced once.
  const from = worker.logs.length;
  const genuine = await github.deliver("push", payload, { hook });
  assert.equal(JSON.parse(genuine.body).status, "accepted");
  await backgroundRun(worker, "push", from);
  assert.equal((await skills(client))["proposal-writer"], "1.4.0");
  await receiver.waitFor(sent + 3);
  const { slack } = received(sent);
  assert.equal(slack.length, 1);
  assert.match(slack[0].body.text, /proposal-writer 1\.3\.0 → 1\.4\.0/);
});

test("a push no webhook delivered is found by the cron, served and announced once", async () => {
  const { github, worker } = stack;
  const sent = receiver.messages.length;
  github.webhooksPaused = true;
  const pushed = await github.pushCommit(salesAt("1.5.0"), "Sales skills 1.5.0");
  github.webhooksPaused = false;
  const poll = await cron(worker);
  assert.equal(poll.moved, true);
  assert.equal(poll.commit, pushed.sha);
  assert.equal(poll.notifications.outcome, "sent");
  assert.equal((await skills(client))["proposal-writer"], "1.5.0");
  await receiver.waitFor(sent + 3);
  const again = await cron(worker);
  assert.equal(again.moved, false);
  await sleep(500);
  const { slack, teams, json } = received(sent);
  assert.deepEqual([slack.length, teams.length, json.length], [1, 1, 1], "announced once, by the cron");
  assert.match(slack[0].body.text, /proposal-writer 1\.4\.0 → 1\.5\.0/);
});

test("a receiver that fails is retried with back-off and gets the message once", async () => {
  const { github, worker } = stack;
  const sent = receiver.messages.length;
  receiver.fail(1, 503);
  const from = worker.logs.length;
  await github.pushCommit(salesAt("1.6.0"), "Sales skills 1.6.0");
  const run = await backgroundRun(worker, "push", from);
  assert.equal(run.notifications.outcome, "sent");
  assert.ok(run.notifications.destinations.every(([, outcome]) => outcome.startsWith("accepted")), JSON.stringify(run.notifications));
  const all = receiver.messages.slice(sent);
  assert.equal(all.filter((m) => m.failed).length, 1, "one attempt failed");
  const { slack, teams, json } = received(sent);
  assert.deepEqual([slack.length, teams.length, json.length], [1, 1, 1], "each destination accepted it once");
});

test("without webhooks, the cron announces each push once and calls revalidate with GitHub", async () => {
  const { github, worker } = quiet;
  const baseline = await cron(worker);
  assert.equal(baseline.notifications.outcome, "first_snapshot");
  await skills(quietClient);
  github.reset();
  await skills(quietClient);
  assert.equal(github.count(/\/commits$/), 1, "one conditional request per call without webhooks");

  const pushed = await github.pushCommit(salesAt("2.0.0"), "Sales skills 2.0.0");
  const poll = await cron(worker);
  assert.equal(poll.commit, pushed.sha);
  assert.equal(poll.notifications.outcome, "sent");
  await quietReceiver.waitFor(3);
  const again = await cron(worker);
  assert.equal(again.moved, false);
  await sleep(500);
  assert.equal(quietReceiver.messages.filter((m) => !m.failed).length, 3, "one message per destination");
  const slack = quietReceiver.messages.find((m) => m.path.startsWith("/slack/"));
  assert.match(slack.body.text, /proposal-writer 1\.2\.0 → 2\.0\.0/);
});
