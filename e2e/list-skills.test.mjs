// list_skills through the official MCP TypeScript SDK, against the real wasm build in the Workers
// runtime and the git-backed fake GitHub serving the fixture marketplace.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./lib/worker.mjs";
import { startStack } from "./lib/stack.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

let stack, repo, github, worker, client;

before(async () => {
  stack = await startStack();
  ({ repo, github, worker } = stack);
  client = await connectClient(worker.url, { headers: { authorization: await worker.bearer() } });
});

after(async () => {
  await client?.close();
  await stack?.stop();
});

test("the SDK client sees the tools with their schemas and annotations", async () => {
  const { tools } = await client.listTools();
  const listSkills = tools.find((t) => t.name === "list_skills");
  assert.ok(listSkills, "list_skills is offered");
  assert.equal(listSkills.inputSchema.type, "object");
  assert.equal(listSkills.outputSchema.type, "object");
  assert.equal(listSkills.annotations.readOnlyHint, true);
});

test("list_skills lists the published, valid skills of the fixture, sorted by name", async () => {
  const result = await client.callTool({ name: "list_skills", arguments: {} });
  assert.equal(result.isError, false);
  const { skills, count, total } = result.structuredContent;
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, "text and structure carry the same JSON");
  assert.deepEqual(
    skills.map((s) => `${s.group}/${s.name}@${s.version}`),
    ["engineering/code-review@2.0.0", "sales/crm-notes@1.2.0", "sales/proposal-writer@1.2.0", "sales/resume-helper@1.2.0"],
  );
  assert.equal(count, 4);
  assert.equal(total, 4);
  // The duplicate name under sales/ lost to engineering/ (first by path); the broken skill and
  // the unpublished group are absent.
  assert.equal(skills.find((s) => s.name === "code-review").description, "Reviews code changes for bugs and style.");
  assert.ok(!skills.some((s) => s.name === "broken" || s.name === "secret-plan"));
  // CRLF and a folded multi-line description; non-ASCII text intact.
  assert.equal(skills.find((s) => s.name === "crm-notes").description, "Summarises calls into CRM notes, with next steps.");
  assert.equal(skills.find((s) => s.name === "resume-helper").description, "Rédige des résumés — für Kundengespräche, 日本語も");
  const writer = skills.find((s) => s.name === "proposal-writer");
  assert.deepEqual([writer.category, writer.tags, writer.published], ["business", ["crm", "proposals"], true]);
});

test("query, group and paging", async () => {
  const call = async (args) => (await client.callTool({ name: "list_skills", arguments: args })).structuredContent;
  assert.deepEqual((await call({ query: "WRITER" })).skills.map((s) => s.name), ["proposal-writer"], "case-insensitive name match");
  assert.deepEqual((await call({ query: "proposals" })).skills.map((s) => s.group), ["sales", "sales", "sales"], "tags match");
  assert.deepEqual((await call({ query: "house style" })).skills.map((s) => s.name), ["proposal-writer"], "every word must match");
  assert.deepEqual((await call({ query: "résumés" })).skills.map((s) => s.name), ["resume-helper"]);
  assert.deepEqual((await call({ group: "engineering" })).skills.map((s) => s.name), ["code-review"]);
  const first = await call({ limit: 3 });
  assert.equal(first.skills.length, 3);
  const second = await call({ limit: 3, cursor: first.next_cursor });
  assert.deepEqual(second.skills.map((s) => s.name), ["resume-helper"]);
  assert.equal(second.next_cursor, undefined);
});

test("a cold listing costs 3 GitHub requests, a warm one 1, a new commit 3", async () => {
  // A fresh Worker has an empty KV.
  const fresh = await startWorker({ vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token } });
  const freshClient = await connectClient(fresh.url, { headers: { authorization: await fresh.bearer() } });
  try {
    github.reset();
    await freshClient.callTool({ name: "list_skills", arguments: {} });
    assert.deepEqual(
      github.requests.map((r) => `${r.path.replace(/[0-9a-f]{40}/, "SHA")} ${r.status}`),
      ["/repos/acme/skills/commits 200", "/repos/acme/skills/zipball/SHA 302", "/_codeload/acme/skills/legacy.zip/SHA 200"],
    );
    github.reset();
    await freshClient.callTool({ name: "list_skills", arguments: {} });
    assert.deepEqual(github.requests.map((r) => `${r.path} ${r.status}`), ["/repos/acme/skills/commits 304"]);

    await repo.commit({ "plugins/engineering/skills/new-one/SKILL.md": "---\nname: new-one\ndescription: Fresh.\n---\n" });
    github.reset();
    const { structuredContent } = await freshClient.callTool({ name: "list_skills", arguments: {} });
    assert.equal(github.count(), 3, "ref, zipball, archive");
    assert.ok(structuredContent.skills.some((s) => s.name === "new-one"), "the next call sees the new commit");
  } finally {
    await freshClient.close();
    await fresh.stop();
  }
});
