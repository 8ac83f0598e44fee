// Teams from the directory: the OpenID provider stand-in sends a `groups` claim for some people
// (as Okta and Entra ID do); signing in records them, whoami shows them, and a skill restricted
// to `group:Sales Team` is listed, fetched and read through the Skills extension by a member of
// that group only, through the whole sign-in of the official MCP SDK.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

const member = "gail@acme.example";
const outsider = "rita@acme.example";

const RULES = {
  version: "1.0",
  skills: { "proposal-writer": { read: "group:Sales Team" } },
  defaults: { read: "*", write: "editors" },
};

let stack;
const clients = {};

before(async () => {
  stack = await startStack({ files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(RULES, null, 2) } });
  for (const email of [member, outsider]) {
    clients[email] = await connectClient(stack.worker.url, { headers: { authorization: await stack.worker.bearer(email) } });
  }
});

after(async () => {
  for (const client of Object.values(clients)) await client.close().catch(() => {});
  await stack?.stop();
});

const call = async (email, name, args = {}) => (await clients[email].callTool({ name, arguments: args })).structuredContent;

test("whoami shows the directory groups the provider sent at sign-in", async () => {
  const me = await call(member, "whoami");
  assert.deepEqual(me.groups, ["Sales Team", "eng"]);
  assert.equal(me.groups_problem, undefined);
  const other = await call(outsider, "whoami");
  assert.deepEqual(other.groups, []);
});

test("a skill restricted to a directory group is served to its members only", async () => {
  const names = async (email) => (await call(email, "list_skills")).skills.map((s) => s.name);
  assert.ok((await names(member)).includes("proposal-writer"), "a member of Sales Team lists it");
  assert.ok(!(await names(outsider)).includes("proposal-writer"), "someone outside the group does not");
  assert.ok((await names(outsider)).includes("code-review"), "and still lists what everyone reads");

  const fetched = await clients[member].callTool({ name: "fetch_skill", arguments: { name: "proposal-writer" } });
  assert.notEqual(fetched.isError, true, "a member fetches it");
  assert.equal(fetched.structuredContent.skill.name, "proposal-writer");
  const refused = await clients[outsider].callTool({ name: "fetch_skill", arguments: { name: "proposal-writer" } });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /not found|no skill/i);
});
