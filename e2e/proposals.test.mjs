// Change control in the Workers runtime against the git-backed fake GitHub: in a group under
// review, a writer's save becomes exactly one branch, one commit and one pull request, and the
// served branch does not move; a reader cannot propose; the group's reviewer still commits
// directly. Checked by inspecting the bare repository.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

const people = { editor: "erin@acme.example", writer: "wendy@acme.example", lead: "leo@acme.example", reader: "rita@acme.example" };
const id = (email) => `google:${email}`;
const RULES = {
  editors: [id(people.editor)],
  skills: { engineering: { write: [id(people.writer), id(people.lead)], review: [id(people.lead)] } },
};

let stack, repo, github, worker;
const clients = {};

before(async () => {
  stack = await startStack({ files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(RULES, null, 2) } });
  ({ repo, github, worker } = stack);
  for (const [role, email] of Object.entries(people)) clients[role] = await connectClient(worker.url, { headers: { authorization: await worker.bearer(email) } });
});

after(async () => {
  for (const client of Object.values(clients)) await client.close().catch(() => {});
  await stack?.stop();
});

const call = (role, name, args) => clients[role].callTool({ name, arguments: args });
const versionOf = async (skill) => (await call("editor", "fetch_skill", { name: skill })).structuredContent.skill.version_id;
const branches = async () => (await repo.git(["for-each-ref", "--format=%(refname:short)", "refs/heads/"])).trim().split("\n").filter(Boolean).sort();

test("a writer's save under review is one branch, one commit and one pull request; the served branch stays", async () => {
  const served = await repo.head();
  const before = await branches();
  const catalog = Object.fromEntries((await call("writer", "list_skills", {})).structuredContent.skills.map((s) => [s.name, s]));
  assert.deepEqual([catalog["code-review"].editable, catalog["code-review"].proposes], [true, true], "list_skills says the writer proposes");
  const asReviewer = (await call("lead", "list_skills", {})).structuredContent.skills.find((s) => s.name === "code-review");
  assert.deepEqual([asReviewer.editable, asReviewer.proposes], [true, undefined], "the reviewer edits directly");
  const skillMd = "---\nname: code-review\ndescription: Reviews code changes, proposed.\n---\n\nProposed body.\n";
  const saved = await call("writer", "save_skill", { skill: "code-review", base_version: await versionOf("code-review"), files: [{ path: "SKILL.md", content: skillMd }] });
  assert.equal(saved.isError ?? false, false, JSON.stringify(saved));
  const { commit, proposal } = saved.structuredContent;
  assert.equal(await repo.head(), served, "nothing reached the served branch");
  assert.deepEqual((await branches()).filter((b) => !before.includes(b)), [proposal.branch], "exactly one new branch");
  assert.equal((await repo.git(["rev-parse", proposal.branch])).trim(), commit);
  assert.equal((await repo.git(["rev-parse", `${commit}^`])).trim(), served, "one commit, on the served head");
  assert.equal((await repo.git(["show", `${commit}:plugins/engineering/skills/code-review/SKILL.md`])), skillMd);
  const message = await repo.git(["log", "-1", "--format=%B", commit]);
  assert.match(message, new RegExp(`Skillport-User: ${id(people.writer)}`));
  assert.equal(github.pulls.length, 1);
  assert.deepEqual([github.pulls[0].number, github.pulls[0].head, github.pulls[0].base], [proposal.number, proposal.branch, repo.branch]);
  assert.match(proposal.url, new RegExp(`/pull/${proposal.number}$`));
  const listed = (await call("writer", "fetch_skill", { name: "code-review" })).structuredContent.skill;
  assert.doesNotMatch(JSON.stringify(listed), /proposed/, "the served skill is unchanged");
});

test("a reader cannot propose, and the reviewer commits directly", async () => {
  const served = await repo.head();
  const pulls = github.pulls.length;
  const refused = await call("reader", "bump_version", { skill: "code-review", type: "patch" });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /may not edit group engineering/);
  assert.equal(github.pulls.length, pulls);
  assert.equal(await repo.head(), served);
  const bumped = await call("lead", "bump_version", { skill: "code-review", type: "patch" });
  assert.equal(bumped.isError ?? false, false, JSON.stringify(bumped));
  assert.equal(bumped.structuredContent.proposal, undefined);
  assert.equal(await repo.head(), bumped.structuredContent.commit, "the reviewer's change is on the served branch");
  assert.equal(github.pulls.length, pulls);
});
