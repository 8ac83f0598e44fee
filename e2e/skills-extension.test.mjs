// The Skills extension (SEP-2640) in the Workers runtime, for five kinds of signed-in users (an
// editor, a group writer, a team member, a plain reader and someone admitted by a domain
// principal): skills/list holds exactly the skills list_skills shows them, every digest and size
// is that of the bytes in the repository, every file reads back byte for byte, an unreadable
// skill answers exactly as a missing one, and a push is seen in the next answer. Asked both
// statelessly (2026-07-28) and in a 2025-11-25 session through the official SDK.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

const V2026 = "2026-07-28";
const people = {
  editor: "erin@acme.example",
  writer: "wendy@acme.example",
  teamMember: "tom@acme.example",
  reader: "rita@acme.example",
  partner: "pat@partner.example",
};
const id = (email) => `google:${email}`;
const RULES = {
  version: "1.0",
  editors: [id(people.editor)],
  teams: { "deal-desk": [id(people.teamMember), "domain:partner.example"] },
  skills: {
    "proposal-writer": { read: "team:deal-desk" },
    engineering: { write: [id(people.writer)], read: ["editors", id(people.writer), id(people.reader)] },
  },
  defaults: { read: "*", write: "editors" },
};

let stack, repo, worker;
const bearers = {};
const clients = {};

before(async () => {
  stack = await startStack({ files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(RULES) }, vars: { COOKIE_ENCRYPTION_KEY: randomBytes(32).toString("hex") } });
  ({ repo, worker } = stack);
  for (const [role, email] of Object.entries(people)) {
    bearers[role] = await worker.bearer(email);
    clients[role] = await connectClient(worker.url, { headers: { authorization: bearers[role] } });
  }
});

after(async () => {
  for (const client of Object.values(clients)) await client.close().catch(() => {});
  await stack?.stop();
});

/** A 2026-07-28 request, stateless: headers mirroring the body, `_meta` in the params. */
async function rpc(role, method, params = {}) {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: bearers[role], "mcp-protocol-version": V2026, "mcp-method": method };
  if (method === "resources/read") headers["mcp-name"] = params.uri;
  const body = { jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: { "io.modelcontextprotocol/protocolVersion": V2026, "io.modelcontextprotocol/clientCapabilities": {} } } };
  const response = await fetch(`${worker.url}/mcp`, { method: "POST", headers, body: JSON.stringify(body) });
  assert.notEqual(response.status, 500);
  return response.json();
}

async function allSkills(role) {
  const skills = [];
  let cursor;
  do {
    const reply = await rpc(role, "skills/list", cursor ? { cursor } : {});
    assert.ok(reply.result, JSON.stringify(reply));
    assert.equal(reply.result.cacheScope, "private", "the list depends on who asks");
    skills.push(...reply.result.skills);
    cursor = reply.result.nextCursor;
  } while (cursor);
  return skills;
}

/** Every file of the repository at HEAD, by path: its bytes. */
async function repositoryBytes() {
  const files = new Map();
  for (const line of (await repo.git(["ls-tree", "-r", "HEAD"])).trim().split("\n")) {
    const [meta, path] = line.split("\t");
    files.set(path, await repo.git(["cat-file", "blob", meta.split(" ")[2]], { encoding: "buffer" }));
  }
  return files;
}

const FOLDERS = { "proposal-writer": "plugins/sales/skills/proposal-writer", "crm-notes": "plugins/sales/skills/crm-notes", "resume-helper": "plugins/sales/skills/resume-helper", "code-review": "plugins/engineering/skills/code-review", "secret-plan": "plugins/drafts/skills/secret-plan" };
const sha256 = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

test("each person's skills/list is list_skills' skills, with manifests of the repository's bytes", async () => {
  const bytes = await repositoryBytes();
  for (const role of Object.keys(people)) {
    const listed = (await clients[role].callTool({ name: "list_skills", arguments: {} })).structuredContent.skills;
    const skills = await allSkills(role);
    assert.deepEqual(skills.map((s) => s.frontmatter.name).sort(), listed.map((s) => s.name).sort(), `${role}: the same skills`);
    for (const skill of skills) {
      const { name } = skill.frontmatter;
      const group = listed.find((s) => s.name === name).group;
      const root = `skill://${group}/${name}`;
      assert.equal(skill.uri, `${root}/SKILL.md`);
      const folder = FOLDERS[name];
      const expected = [...bytes].filter(([p]) => p.startsWith(`${folder}/`)).map(([p, b]) => ({ uri: `${root}/${p.slice(folder.length + 1)}`, digest: sha256(b), size: b.length }));
      const byUri = (a, b) => a.uri.localeCompare(b.uri);
      assert.deepEqual([...skill.resources].sort(byUri), expected.sort(byUri), `${role}: ${name}'s manifest`);
      for (const file of skill.resources) {
        const read = await rpc(role, "resources/read", { uri: file.uri });
        const [contents] = read.result.contents;
        const got = contents.text !== undefined ? Buffer.from(contents.text, "utf8") : Buffer.from(contents.blob, "base64");
        assert.equal(sha256(got), file.digest, `${role} reads ${file.uri} byte for byte`);
      }
    }
  }
});

test("an unreadable skill answers exactly as a missing one, in every method", async () => {
  const unreadable = { reader: ["skill://sales/proposal-writer", "skill://drafts/secret-plan"], teamMember: ["skill://engineering/code-review"], partner: ["skill://engineering/code-review", "skill://drafts/secret-plan"] };
  const missing = "skill://sales/no-such-skill";
  for (const [role, roots] of Object.entries(unreadable)) {
    for (const root of roots) {
      for (const [method, suffix] of [["skills/get", "/SKILL.md"], ["resources/read", "/SKILL.md"], ["resources/directory/read", ""]]) {
        const denied = await rpc(role, method, { uri: `${root}${suffix}` });
        const absent = await rpc(role, method, { uri: `${missing}${suffix}` });
        assert.equal(denied.error?.code, -32602, `${role} ${method} ${root}: ${JSON.stringify(denied)}`);
        assert.deepEqual(JSON.parse(JSON.stringify(denied).replaceAll(root, missing)), absent, `${role} ${method} ${root}`);
      }
    }
  }
  const editorView = await rpc("editor", "skills/get", { uri: "skill://drafts/secret-plan/SKILL.md" });
  assert.equal(editorView.result.skill.frontmatter.name, "secret-plan", "editors read unpublished skills");
});

test("a 2025-11-25 session reads the same resources through the SDK, and a push shows at once", async () => {
  const client = clients.editor;
  const capabilities = client.getServerCapabilities();
  assert.deepEqual(capabilities.extensions?.["io.modelcontextprotocol/skills"], { directoryRead: true });
  const { resources } = await client.listResources();
  assert.ok(resources.some((r) => r.uri === "skill://sales/crm-notes/SKILL.md" && r.name === "crm-notes" && r.mimeType === "text/markdown"), JSON.stringify(resources));
  const read = await client.readResource({ uri: "skill://sales/crm-notes/SKILL.md" });
  assert.equal(read.contents[0].text, fixtureFiles()["plugins/sales/skills/crm-notes/SKILL.md"], "CRLF line endings kept");

  const changed = "---\nname: crm-notes\ndescription: Summarises calls, now with owners.\n---\nNew body\n";
  await repo.commit({ "plugins/sales/skills/crm-notes/SKILL.md": changed }, "Edit crm-notes");
  const got = await rpc("editor", "skills/get", { uri: "skill://sales/crm-notes/SKILL.md" });
  assert.equal(got.result.skill.frontmatter.description, "Summarises calls, now with owners.");
  assert.equal(got.result.skill.resources.find((r) => r.uri.endsWith("/SKILL.md")).digest, sha256(Buffer.from(changed)));
  const again = await client.readResource({ uri: "skill://sales/crm-notes/SKILL.md" });
  assert.equal(again.contents[0].text, changed);
});
