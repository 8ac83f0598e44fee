// Editing from chat against the git-backed fake GitHub, checked by inspecting the bare
// repository: each write is exactly one commit with the trailers and the exact bytes, or
// nothing at all — for refusals, unsafe paths, stale versions, GitHub failures mid-write and a
// protected branch — and a concurrent commit elsewhere is kept, never reverted.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles, SCRIPT } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

const people = { editor: "erin@acme.example", writer: "wendy@acme.example", reader: "rita@acme.example" };
const id = (email) => `google:${email}`;
const RULES = {
  editors: [{ id: id(people.editor), label: people.editor }],
  skills: { engineering: { write: [{ id: id(people.writer), label: people.writer }] } },
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

beforeEach(() => {
  github.faults = [];
  github.protectedBranch = false;
  github.beforeRefUpdate = null;
});

const call = (role, name, args) => clients[role].callTool({ name, arguments: args });
const versionOf = async (skill) => (await call("editor", "fetch_skill", { name: skill })).structuredContent.skill.version_id;
const show = (ref, file) => repo.git(["show", `${ref}:${file}`], { encoding: "buffer" });
const mode = async (ref, file) => (await repo.git(["ls-tree", ref, "--", file])).split(" ")[0];
const json = async (ref, file) => JSON.parse((await show(ref, file)).toString());

test("an editor's 3-file save is exactly one commit with the trailers, the exact bytes, and 755 kept", async () => {
  const before = await repo.head();
  const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x7f]);
  const skillMd = "---\nname: code-review\ndescription: Reviews code changes for bugs, style and tests.\n---\n\n# Code review\r\nNow with tests.\n";
  const script = `${SCRIPT}print('and tests')\n`;
  const base = await versionOf("code-review");
  github.reset();
  const result = await call("editor", "save_skill", {
    skill: "code-review",
    base_version: base,
    message: "Teach code-review about tests",
    files: [
      { path: "SKILL.md", content: skillMd },
      { path: "scripts/check.py", content: script },
      { path: "assets/diagram.bin", content: binary.toString("base64"), encoding: "base64" },
    ],
  });
  assert.equal(result.isError ?? false, false, result.content[0].text);
  const writeRequests = [...github.requests];
  const out = result.structuredContent;
  const log = await repo.log();
  assert.equal(log[0].sha, out.commit);
  assert.deepEqual(log[0].parents, [before], "exactly one new commit on top of the old head");
  assert.equal(log[0].message, `Teach code-review about tests\n\nRequested-by: Erin <${people.editor}>\nSkillport-User: ${id(people.editor)}`);
  const folder = "plugins/engineering/skills/code-review";
  assert.equal((await show(out.commit, `${folder}/SKILL.md`)).toString(), skillMd);
  assert.equal((await show(out.commit, `${folder}/scripts/check.py`)).toString(), script);
  assert.deepEqual(await show(out.commit, `${folder}/assets/diagram.bin`), binary);
  assert.equal(await mode(out.commit, `${folder}/scripts/check.py`), "100755", "the script stays executable");
  assert.equal((await repo.git(["rev-parse", `${out.commit}:${folder}`])).trim(), out.version_id, "version_id is the folder's tree");
  assert.equal(await versionOf("code-review"), out.version_id, "the next call sees the new commit at once");
  const described = writeRequests.map((r) => `${r.method} ${r.path.replace("/repos/acme/skills", "") || "/"}`).join(", ");
  assert.ok(writeRequests.length <= 6 + 1, `at most 6 GitHub requests plus one per binary file; made: ${described}`);
  console.log(`# save_skill (3 files, 1 binary): ${writeRequests.length} GitHub requests: ${described}`);
});

test("a reader's save, a writer's save in another group and every unsafe path are refused with the repository unchanged", async () => {
  const before = await repo.head();
  const refused = [
    ["reader", { skill: "code-review", base_version: await versionOf("code-review"), files: [{ path: "SKILL.md", content: "x" }] }, /may not edit group engineering/],
    ["writer", { skill: "crm-notes", base_version: await versionOf("crm-notes"), files: [{ path: "notes.md", content: "x" }] }, /may not edit group sales/],
    ["writer", { skill: "brand-new", group: "engineering", files: [{ path: "SKILL.md", content: "---\nname: brand-new\ndescription: New.\n---\n" }] }, /creating a skill needs an editor/],
  ];
  for (const path of ["/etc/passwd", "../escape.md", "a/../../x", "a//b", "./a", "a\\b", ".git/config", "x\u0007y", ""]) {
    refused.push(["editor", { skill: "code-review", base_version: await versionOf("code-review"), files: [{ path, content: "x" }] }, new RegExp(`path \`${path.replace(/[\\.^$|?*+()[\]{}]/g, "\\$&").replace("\u0007", ".")}\` is refused`)]);
  }
  refused.push(["editor", { skill: "code-review", base_version: await versionOf("code-review"), files: [{ path: "SKILL.md", content: "---\nname: other\ndescription: x\n---\n" }] }, /must be equal/]);
  refused.push(["editor", { skill: "code-review", base_version: await versionOf("code-review"), files: [{ path: "big.bin", content: Buffer.alloc(1_100_000).toString("base64"), encoding: "base64" }] }, /at most 1048576 bytes/]);
  for (const [role, args, message] of refused) {
    const result = await call(role, "save_skill", args);
    assert.equal(result.isError, true, `${role} ${JSON.stringify(args).slice(0, 80)}`);
    assert.match(result.content[0].text, message);
  }
  assert.equal(await repo.head(), before, "nothing was written");
});

test("a stale base_version is a conflict with nothing lost", async () => {
  const stale = await versionOf("crm-notes");
  await repo.commit({ "plugins/sales/skills/crm-notes/extra.md": "someone else's work\n" }, "Someone else edits crm-notes");
  const before = await repo.head();
  const result = await call("editor", "save_skill", { skill: "crm-notes", base_version: stale, files: [{ path: "notes.md", content: "mine" }] });
  assert.equal(result.isError, true);
  assert.match(result.content[0].text, /conflict: skill crm-notes changed since version/);
  assert.equal(await repo.head(), before);
  assert.equal((await show(before, "plugins/sales/skills/crm-notes/extra.md")).toString(), "someone else's work\n");
});

test("a commit elsewhere that lands mid-write is kept: the save is retried into a fast-forward", async () => {
  const base = await versionOf("resume-helper");
  let raced = false;
  github.beforeRefUpdate = async () => {
    if (raced) return;
    raced = true;
    await repo.commit({ "plugins/engineering/skills/code-review/NOTES.md": "concurrent\n" }, "A concurrent commit elsewhere");
  };
  const result = await call("editor", "save_skill", { skill: "resume-helper", base_version: base, files: [{ path: "tips.md", content: "Tips\n" }] });
  assert.equal(result.isError ?? false, false, result.content[0].text);
  const log = await repo.log();
  assert.equal(log[0].sha, result.structuredContent.commit);
  assert.equal(log[1].message, "A concurrent commit elsewhere", "our commit sits on top of the concurrent one");
  assert.equal((await show("HEAD", "plugins/engineering/skills/code-review/NOTES.md")).toString(), "concurrent\n");
  assert.equal((await show("HEAD", "plugins/sales/skills/resume-helper/tips.md")).toString(), "Tips\n");
});

test("a commit under the same skill mid-write is a conflict, and nothing is written", async () => {
  const base = await versionOf("resume-helper");
  let raced = false;
  github.beforeRefUpdate = async () => {
    if (raced) return;
    raced = true;
    await repo.commit({ "plugins/sales/skills/resume-helper/tips.md": "theirs\n" }, "A concurrent edit of the same skill");
  };
  const result = await call("editor", "save_skill", { skill: "resume-helper", base_version: base, files: [{ path: "tips.md", content: "mine\n" }] });
  assert.equal(result.isError, true);
  assert.match(result.content[0].text, /conflict: .*resume-helper changed on the branch.*changed: tips\.md/);
  assert.equal((await repo.log())[0].message, "A concurrent edit of the same skill");
  assert.equal((await show("HEAD", "plugins/sales/skills/resume-helper/tips.md")).toString(), "theirs\n");
});

test("bump_version changes plugin.json and the marketplace entry in one commit, keeping a concurrent publish", async () => {
  const before = await repo.head();
  let raced = false;
  github.beforeRefUpdate = async () => {
    if (raced) return;
    raced = true;
    const marketplace = await json("HEAD", ".claude-plugin/marketplace.json");
    marketplace.plugins.find((p) => p.name === "engineering").tags = ["concurrently-added"];
    await repo.commit({ ".claude-plugin/marketplace.json": JSON.stringify(marketplace, null, 2) }, "A concurrent publish");
  };
  const result = await call("writer", "bump_version", { skill: "code-review", type: "minor" });
  assert.equal(result.isError ?? false, false, result.content[0].text);
  assert.deepEqual({ ...result.structuredContent, commit: undefined }, { group: "engineering", from: "2.0.0", to: "2.1.0", marketplace_updated: true, commit: undefined });
  const log = await repo.log();
  assert.equal(log[1].message, "A concurrent publish");
  assert.equal(log[2].sha, before);
  const changed = (await repo.git(["diff", "--name-only", log[1].sha, log[0].sha])).trim().split("\n");
  assert.deepEqual(changed.sort(), [".claude-plugin/marketplace.json", "plugins/engineering/.claude-plugin/plugin.json"]);
  const marketplace = await json("HEAD", ".claude-plugin/marketplace.json");
  const entry = marketplace.plugins.find((p) => p.name === "engineering");
  assert.equal(entry.version, "2.1.0");
  assert.deepEqual(entry.tags, ["concurrently-added"], "the concurrent publish was not reverted");
  assert.equal((await json("HEAD", "plugins/engineering/.claude-plugin/plugin.json")).version, "2.1.0");
  const refused = await call("reader", "bump_version", { skill: "code-review", type: "patch" });
  assert.match(refused.content[0].text, /may not edit group engineering/);
});

test("publish_skill adds the group's entry and keeps the rest of marketplace.json intact", async () => {
  const before = await json("HEAD", ".claude-plugin/marketplace.json");
  const refused = await call("writer", "publish_skill", { skill: "secret-plan" });
  assert.match(refused.content[0].text, /only editors may publish/);
  const result = await call("editor", "publish_skill", { skill: "secret-plan", description: "Plans in progress", category: "planning", tags: ["drafts"] });
  assert.equal(result.isError ?? false, false, result.content[0].text);
  assert.deepEqual({ ...result.structuredContent, commit: undefined }, { group: "drafts", version: "0.1.0", added: true, commit: undefined });
  const after = await json("HEAD", ".claude-plugin/marketplace.json");
  assert.deepEqual(Object.keys(after), Object.keys(before));
  assert.deepEqual(after.owner, before.owner);
  assert.deepEqual(after.metadata, before.metadata);
  assert.deepEqual(after.plugins.slice(0, before.plugins.length), before.plugins, "every other entry unchanged and in order");
  assert.deepEqual(after.plugins.at(-1), { name: "drafts", source: "./plugins/drafts", description: "Plans in progress", version: "0.1.0", category: "planning", tags: ["drafts"] });
  const listed = (await call("reader", "list_skills", {})).structuredContent.skills.map((s) => s.name);
  assert.ok(listed.includes("secret-plan"), "published skills are visible to readers at once");
});

test("a new skill in a new group, then delete_skill removing it and the group in one commit", async () => {
  const created = await call("editor", "save_skill", {
    skill: "onboarding-guide",
    group: "people",
    group_description: "People team skills",
    files: [{ path: "SKILL.md", content: "---\nname: onboarding-guide\ndescription: Guides new hires through their first week.\n---\n" }],
  });
  assert.equal(created.isError ?? false, false, created.content[0].text);
  assert.equal(created.structuredContent.group_created, true);
  assert.deepEqual(await json(created.structuredContent.commit, "plugins/people/.claude-plugin/plugin.json"), { name: "people", version: "1.0.0", description: "People team skills" });
  await call("editor", "publish_skill", { skill: "onboarding-guide" });

  const refused = await call("editor", "delete_skill", { skill: "onboarding-guide", confirm: false });
  assert.match(refused.content[0].text, /confirm: true/);
  const before = await repo.head();
  const deleted = await call("editor", "delete_skill", { skill: "onboarding-guide", confirm: true });
  assert.equal(deleted.isError ?? false, false, deleted.content[0].text);
  assert.equal(deleted.structuredContent.group_deleted, true);
  const log = await repo.log();
  assert.deepEqual(log[0].parents, [before]);
  assert.equal((await repo.git(["ls-tree", "-r", "--name-only", "HEAD", "plugins/people"])).trim(), "", "the group folder is gone");
  assert.ok(!(await json("HEAD", ".claude-plugin/marketplace.json")).plugins.some((p) => p.name === "people"), "and its marketplace entry");

  const writerDeletes = await call("writer", "delete_skill", { skill: "code-review", confirm: true });
  assert.equal(writerDeletes.isError ?? false, false, writerDeletes.content[0].text);
  assert.equal(writerDeletes.structuredContent.group_deleted, false, "engineering keeps its other skill");
  assert.equal((await repo.git(["ls-tree", "-r", "--name-only", "HEAD", "plugins/engineering/skills/code-review"])).trim(), "");
});

test("a GitHub 502 mid-write and a refused ref update leave no partial commit", async () => {
  const before = await repo.head();
  const base = await versionOf("crm-notes");
  github.faults.push({ status: 502, match: /\/git\/commits$/ }, { status: 502, match: /\/git\/commits$/ }, { status: 502, match: /\/git\/commits$/ });
  const outage = await call("editor", "save_skill", { skill: "crm-notes", base_version: base, files: [{ path: "a.md", content: "a" }] });
  assert.equal(outage.isError, true);
  assert.match(outage.content[0].text, /not saved: GitHub is having trouble \(HTTP 502\)/);
  assert.equal(await repo.head(), before);

  github.faults = [];
  github.protectedBranch = true;
  const protectedResult = await call("editor", "save_skill", { skill: "crm-notes", base_version: base, files: [{ path: "a.md", content: "a" }] });
  assert.equal(protectedResult.isError, true);
  assert.match(protectedResult.content[0].text, /Protected branch update failed for refs\/heads\/main.*protected/);
  assert.equal(await repo.head(), before, "nothing was written");
});
