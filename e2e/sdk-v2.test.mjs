// The official MCP TypeScript SDK v2 (`@modelcontextprotocol/client`, MCP 2026-07-28) against the
// real Worker, signed in: it discovers the server without `initialize`, runs every read tool, and
// its Skills-extension client lists every skill and reads every file, verifying each against the
// size, digest and frontmatter the server listed (the SDK refuses any mismatch).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SkillsClient } from "@modelcontextprotocol/client/ext/skills";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";

let stack, client;

before(async () => {
  stack = await startStack({ files: fixtureFiles(), vars: { COOKIE_ENCRYPTION_KEY: randomBytes(32).toString("hex") } });
  client = await connect({ pin: "2026-07-28" });
});

/** A v2 client connected with `mode` of version negotiation. */
async function connect(mode) {
  const connected = new Client({ name: "skillport-e2e-v2", version: "1.0.0" }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(`${stack.worker.url}/mcp`), { requestInit: { headers: { authorization: await stack.worker.bearer() } } });
  await connected.connect(transport);
  return connected;
}

after(async () => {
  await client?.close().catch(() => {});
  await stack?.stop();
});

test("the v2 client speaks 2026-07-28 and runs every read tool", async () => {
  assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
  const probing = await connect("auto");
  assert.equal(probing.getNegotiatedProtocolVersion(), "2026-07-28", "server/discover is found by a probing client");
  await probing.close();
  const { tools } = await client.listTools();
  assert.deepEqual(tools.slice(0, 4).map((t) => t.name), ["list_skills", "fetch_skill", "check_updates", "whoami"]);
  const listed = await client.callTool({ name: "list_skills", arguments: {} });
  assert.equal(listed.isError, false);
  assert.ok(listed.structuredContent.skills.some((s) => s.name === "proposal-writer"));
  const fetched = await client.callTool({ name: "fetch_skill", arguments: { name: "proposal-writer" } });
  assert.equal(fetched.isError, false, fetched.content?.[0]?.text);
  assert.ok(fetched.structuredContent.package.download_url);
  const checked = await client.callTool({ name: "check_updates", arguments: { installed: [{ name: "proposal-writer", version: "0.1.0" }] } });
  assert.equal(checked.structuredContent.updates[0].name, "proposal-writer");
  const me = await client.callTool({ name: "whoami", arguments: {} });
  assert.equal(me.structuredContent.email, "ann@acme.example");
});

test("the v2 Skills client verifies every file of every skill against its manifest", async () => {
  const skills = new SkillsClient(client);
  assert.equal(skills.supported, true);
  assert.equal(skills.directoryRead, true);
  const listing = await skills.list();
  assert.deepEqual(listing.invalid, []);
  const names = listing.skills.map((s) => s.frontmatter.name).sort();
  const listed = (await client.callTool({ name: "list_skills", arguments: {} })).structuredContent.skills.map((s) => s.name).sort();
  assert.deepEqual(names, listed, "the same skills as list_skills");
  let files = 0;
  for (const skill of listing.skills) {
    for (const resource of skill.resources) {
      const file = await skills.read(skill, resource.uri);
      assert.equal(file.verified, true, resource.uri);
      files++;
    }
    const root = skill.uri.replace(/\/SKILL\.md$/, "");
    const { resources } = await skills.readDirectory(root);
    assert.ok(resources.some((r) => r.uri === skill.uri), `${root} lists its SKILL.md`);
  }
  assert.ok(files > listing.skills.length, "skills with more than their SKILL.md were read");
});
