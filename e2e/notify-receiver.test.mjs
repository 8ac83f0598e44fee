// The notification receiver stand-in answers as Slack, Power Automate (Teams) and a plain webhook
// answer, records what it is sent, and fails on demand for retry tests.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNotifyReceiver } from "./lib/notify-receiver.mjs";

let receiver;
const post = (path, body, headers = { "content-type": "application/json" }) =>
  fetch(`${receiver.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

before(async () => {
  receiver = await startNotifyReceiver();
});

after(async () => {
  await receiver?.stop();
});

test("answers as Slack (200 ok), Power Automate (202) and a plain webhook (204), and records each message", async () => {
  assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const slack = await post("/slack/T000/B000/XXX", { text: "Skill *pdf* updated" });
  assert.equal(slack.status, 200);
  assert.match(slack.headers.get("content-type"), /^text\/plain/);
  assert.equal(await slack.text(), "ok");
  const teams = await post("/teams/workflows/abc", { type: "message", attachments: [] });
  assert.equal(teams.status, 202);
  assert.equal(await teams.text(), "");
  const plain = await post("/hooks/skillport", "not json", { "content-type": "text/plain", "x-test": "1" });
  assert.equal(plain.status, 204);
  assert.equal((await fetch(`${receiver.url}/slack`)).status, 405, "only POST");

  const messages = await receiver.waitFor(3);
  assert.deepEqual(messages.map((m) => [m.path, m.status]), [["/slack/T000/B000/XXX", 200], ["/teams/workflows/abc", 202], ["/hooks/skillport", 204]]);
  assert.deepEqual(messages[0].body, { text: "Skill *pdf* updated" });
  assert.equal(messages[0].headers["content-type"], "application/json");
  assert.equal(messages[2].body, null);
  assert.equal(messages[2].raw, "not json");
  assert.equal(messages[2].headers["x-test"], "1");
  assert.ok(messages.every((m) => m.at instanceof Date));
});

test("fail(n, status) answers the next n with that status, recorded as failed; waitFor counts successes and times out", async () => {
  receiver.messages.length = 0;
  receiver.fail(2, 503, { "retry-after": "1" });
  const waiting = receiver.waitFor(1, 5_000);
  const first = await post("/slack/retry", { text: "try 1" });
  assert.equal(first.status, 503);
  assert.equal(first.headers.get("retry-after"), "1");
  assert.equal((await post("/slack/retry", { text: "try 2" })).status, 503);
  assert.equal((await post("/slack/retry", { text: "try 3" })).status, 200);
  const delivered = await waiting;
  assert.deepEqual(delivered.map((m) => m.body.text), ["try 3"]);
  assert.deepEqual(receiver.messages.map((m) => [m.body.text, m.failed ?? false]), [["try 1", true], ["try 2", true], ["try 3", false]]);

  receiver.fail(1);
  assert.equal((await post("/teams", {})).status, 500, "500 by default");
  await assert.rejects(receiver.waitFor(2, 200), /expected 2 notification\(s\) within 200 ms, received 1/);
});
