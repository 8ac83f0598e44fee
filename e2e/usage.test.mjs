// Usage and drift in the Workers runtime: a scripted day of three people (fetches, a package
// download, update checks) gives exactly the expected counts in skill_stats, recorded in the
// UsageLog Durable Object; people who are not editors get an error and no personal data.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

const people = { editor: "erin@acme.example", bob: "bob@acme.example", cat: "cat@acme.example" };
const RULES = { version: "1.0", editors: [`google:${people.editor}`], defaults: { read: "*", write: "editors" } };

let stack, worker;
const clients = {};

before(async () => {
  stack = await startStack({ files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(RULES) } });
  ({ worker } = stack);
  for (const [role, email] of Object.entries(people)) {
    clients[role] = await connectClient(worker.url, { headers: { authorization: await worker.bearer(email) } });
  }
});

after(async () => {
  for (const client of Object.values(clients)) await client.close().catch(() => {});
  await stack?.stop();
});

const call = (role, name, args = {}) => clients[role].callTool({ name, arguments: args });

test("a scripted day of three people gives exactly its counts and drift in skill_stats", async () => {
  const first = await call("bob", "fetch_skill", { name: "code-review" });
  assert.equal(first.isError ?? false, false, JSON.stringify(first));
  await call("bob", "fetch_skill", { name: "code-review" });
  const download = await fetch(first.structuredContent.package.download_url);
  assert.equal(download.status, 200);
  await download.arrayBuffer();
  await call("bob", "check_updates", { installed: [{ name: "code-review", version: "1.9.0" }, { name: "crm-notes", version: "1.2.0" }] });
  await call("cat", "fetch_skill", { name: "crm-notes" });
  await call("cat", "check_updates", { installed: [{ name: "code-review", version: "2.0.0" }] });
  // Failed and unreadable fetches are not uses.
  await call("cat", "fetch_skill", { name: "no-such-skill" });

  const refused = await call("bob", "skill_stats", {});
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /only editors/);
  assert.doesNotMatch(refused.content[0].text, /cat@|google:/, "no personal data in the refusal");

  const stats = await call("editor", "skill_stats", { days: 1 });
  assert.equal(stats.isError ?? false, false, JSON.stringify(stats));
  const out = stats.structuredContent;
  const { skills: _, ...totals } = out.totals;
  assert.deepEqual(totals, { fetches: 3, downloads: 1, reads: 0, behind: 1, active_people: 2 }, JSON.stringify(out.totals));
  const [review, crm] = out.skills;
  assert.equal(review.name, "code-review", "the most used skill first");
  assert.deepEqual([review.fetches, review.downloads, review.users, review.version], [2, 1, 1, "2.0.0"]);
  assert.deepEqual(review.installed, [{ version: "1.9.0", users: 1, behind: true }, { version: "2.0.0", users: 1, behind: false }]);
  assert.deepEqual([review.behind, review.behind_users], [1, [`google:${people.bob}`]]);
  assert.deepEqual([crm.name, crm.fetches, crm.users, crm.behind], ["crm-notes", 1, 1, 0]);
  assert.deepEqual(crm.installed, [{ version: "1.2.0", users: 1, behind: false }]);
  assert.equal(review.daily.length, 1);
  assert.equal(review.daily[0].uses, 3);
  assert.ok(out.unused.includes("resume-helper") && !out.unused.includes("code-review"), JSON.stringify(out.unused));

  const group = await call("editor", "skill_stats", { group: "sales", days: 1 });
  const inGroup = group.structuredContent.skills;
  assert.deepEqual(inGroup.map((s) => s.name), ["crm-notes", "proposal-writer", "resume-helper"], "used first, then the unused");
  assert.ok(inGroup.every((s) => s.group === "sales"));
  assert.deepEqual(group.structuredContent.unused, ["proposal-writer", "resume-helper"]);
});
