// Every tool and the Skills extension's reads through three official MCP clients, each in its
// own era, against the real Worker and a git-backed GitHub: the TypeScript SDK v2 and the
// Python SDK 2.3 pinned to 2026-07-28 (no `initialize`), and the TypeScript SDK 1.x at
// 2025-11-25. Each client, signed in as an editor, creates its own skill, finds it in the tools
// and in `skills/list` with the digest of the bytes it wrote, reads it back byte for byte, bumps
// and publishes its group, deletes it (after which it reads as missing), and signs a colleague
// out everywhere; the repository is checked after every write.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SkillsClient } from "@modelcontextprotocol/client/ext/skills";
import { ResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";
import { pythonV2Client } from "./lib/python-v2-client.mjs";

const EDITOR = "erin@acme.example";
const RULES = { editors: [{ id: `google:${EDITOR}`, label: EDITOR }] };
const TOOLS = ["list_skills", "fetch_skill", "check_updates", "whoami", "save_skill", "delete_skill", "publish_skill", "bump_version", "revoke_user", "skill_stats"];

let stack;

before(async () => {
  stack = await startStack({ files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(RULES) } });
});

after(async () => {
  await stack?.stop();
});

const sha256 = (text) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** The TypeScript SDK v2, pinned to 2026-07-28, with its Skills client for `skills/list`. */
async function typescriptV2(url, authorization) {
  const client = new Client({ name: "skillport-e2e-v2", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization } } }));
  return {
    protocolVersion: client.getNegotiatedProtocolVersion(),
    callTool: (call) => client.callTool(call),
    listTools: () => client.listTools(),
    skills: async () => (await new SkillsClient(client).list()).skills,
    // Past the SDK's cache: the server lets a client keep a read for a minute (ttlMs), and the
    // test reads again right after deleting the skill.
    read: async (uri) => (await client.readResource({ uri }, { cacheMode: "bypass" })).contents,
    close: () => client.close(),
  };
}

/** The Python SDK 2.3, pinned to 2026-07-28. */
async function pythonV2(url, authorization) {
  const client = await pythonV2Client(`${url}/mcp`, { headers: { authorization } });
  return {
    protocolVersion: client.protocolVersion,
    callTool: (call) => client.callTool(call),
    listTools: () => client.listTools(),
    skills: async () => (await client.request({ method: "skills/list", params: {} })).skills,
    read: async (uri) => (await client.request({ method: "resources/read", uri })).contents,
    close: () => client.close(),
  };
}

/** The TypeScript SDK 1.x, which negotiates 2025-11-25 with `initialize`. */
async function typescriptV1(url, authorization) {
  const client = await connectClient(url, { headers: { authorization } });
  return {
    protocolVersion: client.transport?.protocolVersion,
    callTool: (call) => client.callTool(call),
    listTools: () => client.listTools(),
    skills: async () => (await client.request({ method: "skills/list", params: {} }, ResultSchema)).skills,
    read: async (uri) => (await client.readResource({ uri })).contents,
    close: () => client.close(),
  };
}

const CLIENTS = [
  ["TypeScript SDK v2", "ts-v2", typescriptV2, "2026-07-28"],
  ["Python SDK 2.3", "py-v2", pythonV2, "2026-07-28"],
  ["TypeScript SDK 1.x", "ts-v1", typescriptV1, "2025-11-25"],
];

for (const [label, prefix, connect, era] of CLIENTS) {
  test(`${label} at ${era}: every tool, skills/list and resources/read`, async () => {
    const { worker, repo } = stack;
    const client = await connect(worker.url, await worker.bearer(EDITOR));
    try {
      assert.equal(client.protocolVersion, era);
      const ok = async (name, args) => {
        const result = await client.callTool({ name, arguments: args });
        assert.notEqual(result.isError, true, `${name}: ${JSON.stringify(result.content ?? result.text)}`);
        return result.structuredContent;
      };
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name), TOOLS, "every tool, in the fixed order");
      assert.equal((await ok("whoami", {})).editor, true);

      const name = `${prefix}-notes`;
      const skillMd = `---\nname: ${name}\ndescription: Notes written through the ${label}.\n---\n\nÜber alles: notes.\r\n`;
      const saved = await ok("save_skill", { skill: name, group: "engineering", message: `Add ${name}`, files: [{ path: "SKILL.md", content: skillMd }] });
      assert.equal(await repo.head(), saved.commit, "the save is the branch head");
      const folder = `plugins/engineering/skills/${name}`;
      assert.equal((await repo.git(["show", `${saved.commit}:${folder}/SKILL.md`])).toString(), skillMd);

      const listed = await ok("list_skills", { query: name });
      assert.deepEqual(listed.skills.map((s) => s.name), [name]);
      const fetched = await ok("fetch_skill", { name });
      assert.equal(fetched.skill.version_id, (await repo.git(["rev-parse", `${saved.commit}:${folder}`])).trim());
      const checked = await ok("check_updates", { installed: [{ name, version: "0.0.1" }] });
      assert.equal(checked.updates.length, 1, JSON.stringify(checked));

      const bumped = await ok("bump_version", { skill: name, type: "patch" });
      assert.notEqual(bumped.to, bumped.from);
      assert.equal(JSON.parse(await repo.git(["show", `${bumped.commit}:plugins/engineering/.claude-plugin/plugin.json`])).version, bumped.to);
      const published = await ok("publish_skill", { skill: name });
      assert.equal(published.group, "engineering");

      const uri = `skill://engineering/${name}/SKILL.md`;
      const entry = (await client.skills()).find((s) => s.uri === uri);
      assert.ok(entry, `${uri} is in skills/list`);
      assert.equal(entry.frontmatter.name, name);
      assert.deepEqual(entry.resources.map((r) => [r.uri, r.digest, r.size]), [[uri, sha256(skillMd), Buffer.byteLength(skillMd)]]);
      const [contents] = await client.read(uri);
      assert.equal(contents.text, skillMd, "resources/read is byte-exact");

      const deleted = await ok("delete_skill", { skill: name, confirm: true });
      assert.equal(await repo.head(), deleted.commit);
      assert.deepEqual((await ok("list_skills", { query: name })).skills, []);
      await assert.rejects(client.read(uri), /not found/i, "a deleted skill reads as missing");

      const colleague = `leaver-${prefix}@acme.example`;
      const theirs = await worker.bearer(colleague);
      const revoked = await ok("revoke_user", { id: `google:${colleague}` });
      assert.ok(revoked.grants_ended >= 1, JSON.stringify(revoked));
      const refused = await fetch(`${worker.url}/mcp`, {
        method: "POST",
        headers: { authorization: theirs, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } }),
      });
      assert.equal(refused.status, 401, "the revoked colleague is signed out");
    } finally {
      await client.close();
    }
  });
}

test("the mixed case: initialize at 2025-11-25, then requests with 2026-07-28 headers, all served", async () => {
  const { worker } = stack;
  const authorization = await worker.bearer(EDITOR);
  const post = async (body, headers = {}) => {
    const response = await fetch(`${worker.url}/mcp`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const init = await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "mixed", version: "1" } } });
  assert.equal(init.body.result.protocolVersion, "2025-11-25");
  const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
  const headers = { "mcp-protocol-version": "2026-07-28" };
  const listed = await post({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: meta } }, { ...headers, "mcp-method": "tools/list" });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.deepEqual(listed.body.result.tools.map((t) => t.name), TOOLS);
  const called = await post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "whoami", arguments: {}, _meta: meta } }, { ...headers, "mcp-method": "tools/call", "mcp-name": "whoami" });
  assert.equal(called.status, 200, JSON.stringify(called.body));
  assert.equal(called.body.result.structuredContent.email, EDITOR);
  assert.equal(called.body.result.resultType, "complete");
});
