// Access control with real signed-in users in the Workers runtime: an editor, a team member who
// may read a restricted skill, a group writer, a plain reader and someone admitted by a domain
// principal each see their own answer from every tool; an invalid access.json committed mid-run
// fails closed with a clear error while whoami keeps working, and fixing it restores service; a
// file written for the earlier connector keeps its meaning; revoke_user ends a live session.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";
import { signLink, grantOf } from "./lib/links.mjs";
import { randomBytes } from "node:crypto";

const KEY = randomBytes(32).toString("hex");

const people = {
  editor: "erin@acme.example",
  teamMember: "tom@acme.example",
  writer: "wendy@acme.example",
  reader: "rita@acme.example",
  partner: "pat@partner.example",
};
const id = (email) => `google:${email}`;

const RULES = {
  $schema: "https://skills.acme.example/schemas/access.json",
  version: "1.0",
  editors: [{ id: id(people.editor), label: people.editor }],
  teams: { "deal-desk": [id(people.teamMember), "domain:partner.example"] },
  skills: {
    "proposal-writer": { read: "team:deal-desk" },
    engineering: { write: [{ id: id(people.writer), label: people.writer }] },
  },
  defaults: { read: "*", write: "editors" },
};

let stack, repo, worker;
const clients = {};

before(async () => {
  stack = await startStack({ files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(RULES, null, 2) }, vars: { COOKIE_ENCRYPTION_KEY: KEY } });
  ({ repo, worker } = stack);
  for (const [role, email] of Object.entries(people)) {
    clients[role] = await connectClient(worker.url, { headers: { authorization: await worker.bearer(email) } });
  }
});

after(async () => {
  for (const client of Object.values(clients)) await client.close().catch(() => {});
  await stack?.stop();
});

const call = async (role, name, args = {}) => (await clients[role].callTool({ name, arguments: args }));
const listed = async (role) => Object.fromEntries((await call(role, "list_skills")).structuredContent.skills.map((s) => [s.name, s]));

test("each person's list, fetch, check and whoami follow the rules", async () => {
  const expected = {
    editor: { sees: ["code-review", "crm-notes", "proposal-writer", "resume-helper", "secret-plan"], editable: ["code-review", "crm-notes", "proposal-writer", "resume-helper", "secret-plan"], editor: true, teams: [] },
    teamMember: { sees: ["code-review", "crm-notes", "proposal-writer", "resume-helper"], editable: [], editor: false, teams: ["deal-desk"] },
    writer: { sees: ["code-review", "crm-notes", "resume-helper"], editable: ["code-review"], editor: false, teams: [] },
    reader: { sees: ["code-review", "crm-notes", "resume-helper"], editable: [], editor: false, teams: [] },
    partner: { sees: ["code-review", "crm-notes", "proposal-writer", "resume-helper"], editable: [], editor: false, teams: ["deal-desk"] },
  };
  for (const [role, want] of Object.entries(expected)) {
    const skills = await listed(role);
    assert.deepEqual(Object.keys(skills).sort(), want.sees, `${role} sees`);
    const skipped = (await call(role, "list_skills")).structuredContent.skipped;
    assert.equal(Array.isArray(skipped), want.editor, `${role}: only editors see what is skipped and why`);
    if (skipped) assert.ok(skipped.some((s) => s.path.includes("broken") && /frontmatter|YAML|yaml/.test(s.reason)), JSON.stringify(skipped));
    assert.deepEqual(Object.values(skills).filter((s) => s.editable).map((s) => s.name).sort(), want.editable, `${role} may edit`);
    if (skills["secret-plan"]) assert.equal(skills["secret-plan"].published, false, "unpublished skills are marked");

    const fetched = await call(role, "fetch_skill", { name: "proposal-writer" });
    const mayRead = want.sees.includes("proposal-writer");
    assert.equal(fetched.isError ?? false, !mayRead, `${role} fetching proposal-writer`);
    if (!mayRead) {
      const missing = await call(role, "fetch_skill", { name: "no-such-skill" });
      assert.equal(fetched.content[0].text, missing.content[0].text.replace("no-such-skill", "proposal-writer"), "the same answer as a skill that does not exist");
    } else {
      const download = await fetch(fetched.structuredContent.package.download_url);
      assert.equal(download.status, 200, `${role} downloads the package`);
    }

    const checked = (await call(role, "check_updates", { installed: [{ name: "proposal-writer", version: "1.0.0" }] })).structuredContent;
    assert.equal(checked.unknown.length === 1, !mayRead, `${role} check_updates`);

    const me = (await call(role, "whoami")).structuredContent;
    assert.equal(me.email, people[role]);
    assert.equal(me.editor, want.editor, `${role} editor`);
    assert.deepEqual(me.teams, want.teams, `${role} teams`);
    assert.deepEqual(me.access_json_entry, { id: id(people[role]), label: people[role] });
  }
});

test("a download link works only for a user who may read the skill under the rules of its commit", async () => {
  const fetched = (await call("teamMember", "fetch_skill", { name: "proposal-writer" })).structuredContent;
  const link = new URL(fetched.package.download_url);
  assert.equal((await fetch(link)).status, 200);
  link.searchParams.set("r", grantOf(await worker.bearer(people.partner)).grant);
  assert.equal((await fetch(link)).status, 403, "the link's fields are signed");
  // Correctly signed links (minted with the Worker's key) for people the rules exclude or admit.
  const fields = { skill: "proposal-writer", group: "sales", folder: "plugins/sales/skills/proposal-writer", commit: link.searchParams.get("c"), version: "1.2.0", expires: Math.floor(Date.now() / 1000) + 60 };
  const forReader = await fetch(signLink(worker.url, KEY, { ...fields, ...grantOf(await worker.bearer(people.reader)) }));
  assert.equal(forReader.status, 404, "the reader may not read proposal-writer");
  const forPartner = await fetch(signLink(worker.url, KEY, { ...fields, ...grantOf(await worker.bearer(people.partner)) }));
  assert.equal(forPartner.status, 200, "the partner domain is in the team");
});

test("an invalid access.json committed mid-run fails closed with the file and line; whoami still works; fixing it restores service", async () => {
  const broken = JSON.stringify(RULES, null, 2).replace(`"id": "${id(people.editor)}"`, '"id": "erin at acme"');
  await repo.commit({ ".skillport/access.json": broken }, "A typo in access.json");
  for (const role of ["editor", "reader"]) {
    for (const [tool, args] of [["list_skills", {}], ["fetch_skill", { name: "code-review" }], ["check_updates", { installed: [{ name: "code-review", version: "1.0.0" }] }]]) {
      const result = await call(role, tool, args);
      assert.equal(result.isError, true, `${role} ${tool}`);
      assert.match(result.content[0].text, /\.skillport\/access\.json line 6 is invalid: `erin at acme` is not a principal/);
    }
    const me = await call(role, "whoami");
    assert.equal(me.isError ?? false, false);
    assert.equal(me.structuredContent.email, people[role]);
    assert.match(me.structuredContent.access_error, /line 6/);
    assert.equal(me.structuredContent.editor, false, "a broken file grants nothing");
  }
  await repo.commit({ ".skillport/access.json": JSON.stringify(RULES, null, 2) }, "Fix access.json");
  assert.deepEqual(Object.keys(await listed("reader")).sort(), ["code-review", "crm-notes", "resume-helper"]);
  assert.equal((await call("editor", "whoami")).structuredContent.editor, true);
});

test("a file written for the earlier connector keeps its meaning", async () => {
  const old = {
    version: "1.0",
    editors: [{ id: id(people.editor), label: people.editor }],
    skills: { "code-review": { read: [{ id: id(people.writer) }] }, sales: { write: [{ id: id(people.reader) }] } },
    defaults: { read: "*", write: "editors" },
  };
  await repo.commit({ ".skillport/access.json": JSON.stringify(old, null, 2) }, "The earlier connector's format");
  assert.ok(!(await listed("reader"))["code-review"], "code-review is restricted to one user");
  assert.ok((await listed("writer"))["code-review"]);
  assert.equal((await listed("reader"))["crm-notes"].editable, true, "the reader writes the sales group");
  assert.equal((await listed("writer"))["crm-notes"].editable, false);
  await repo.commit({ ".skillport/access.json": JSON.stringify(RULES, null, 2) }, "Back to the current rules");
});

test("revoke_user is refused to non-editors and ends a live session at once", async () => {
  const refused = await call("reader", "revoke_user", { id: id(people.partner) });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /only editors/);
  assert.equal((await call("partner", "whoami")).structuredContent.email, people.partner, "the partner's session is live");
  const done = await call("editor", "revoke_user", { id: id(people.partner) });
  assert.deepEqual(done.structuredContent, { id: id(people.partner), grants_ended: 1 });
  await assert.rejects(() => call("partner", "whoami"), /401|Unauthorized|invalid_token/i, "the next request is refused");
  assert.equal((await call("reader", "whoami")).structuredContent.email, people.reader, "others are unaffected");
});
