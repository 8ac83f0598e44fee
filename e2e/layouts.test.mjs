// Every marketplace layout Claude Code installs, served and edited in the real Workers runtime:
// a collection of `strict: false` entries sharing the repository root, and plugin folders (the
// root as a plugin, plugin.json `skills` paths, a single-skill plugin, groups named apart from
// their folders). For each: every page of list_skills, every package byte-exact and valid, and
// each write tool's commit checked in the bare repository (one commit, exactly the intended
// paths), a writer confined to the folders of their own group.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startStack } from "./lib/stack.mjs";
import { ROOT } from "./lib/worker.mjs";
import { SCRIPT } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";
import { repositoryFiles } from "./lib/repository-files.mjs";

const run = promisify(execFile);
const people = { editor: "erin@acme.example", writer: "wendy@acme.example" };
const id = (email) => `google:${email}`;
const skillMd = (name, description) => `---\nname: ${name}\ndescription: ${description}\n---\n\n# ${name}\n\nSteps for ${name}.\n`;
const manifest = (plugins) => JSON.stringify({ name: "acme", owner: { name: "IT" }, plugins }, null, 2);
const rules = (writes) => JSON.stringify({ editors: [{ id: id(people.editor) }], skills: { [writes]: { write: [{ id: id(people.writer) }] } } }, null, 2);

/** The most common layout of skill collections: `strict: false` entries sharing `./`. */
const COLLECTION = {
  ".claude-plugin/marketplace.json": manifest([
    { name: "document-skills", source: "./", strict: false, version: "1.0.0", skills: ["./skills/xlsx", "./skills/docx"] },
    { name: "example-skills", source: "./", strict: false, skills: ["./skills/art-maker"] },
    { name: "partner-tools", source: { source: "github", repo: "partner/tools" } },
  ]),
  ".skillport/access.json": rules("document-skills"),
  "skills/xlsx/SKILL.md": skillMd("xlsx", "Works with spreadsheets."),
  "skills/xlsx/scripts/recalc.py": { content: SCRIPT, executable: true },
  "skills/docx/SKILL.md": skillMd("docx", "Works with Word documents."),
  "skills/docx/ooxml/schema.xsd": "<xsd:schema/>\n",
  "skills/art-maker/SKILL.md": skillMd("algorithmic-art", "Makes art with <canvas> and p5.js."),
  "skills/art-maker/templates/viewer.html": "<html></html>\n",
  "skills/pdf": { symlink: "../vendor/pdf" },
  "vendor/pdf/SKILL.md": skillMd("pdf", "Works with PDFs."),
  "vendor/pdf/forms.md": "forms\n",
  "README.md": "# Skills\n",
};

/** Plugin folders: the root as a plugin, paths from plugin.json, a single-skill plugin, names apart. */
const PLUGINS = {
  ".claude-plugin/marketplace.json": manifest([
    { name: "toolkit", source: "./" },
    { name: "sales-team", source: "./plugins/sales", version: "1.0.0" },
    { name: "sales", source: "./plugins/field", version: "2.0.0" },
    { name: "lint", source: "./tools/lint" },
  ]),
  ".claude-plugin/plugin.json": JSON.stringify({ name: "toolkit", version: "3.0.0", skills: ["./extras"] }, null, 2),
  ".skillport/access.json": rules("sales"),
  "skills/format/SKILL.md": skillMd("format", "Formats code."),
  "extras/snippets/SKILL.md": skillMd("snippets", "Inserts snippets."),
  "plugins/sales/.claude-plugin/plugin.json": JSON.stringify({ name: "sales-team", version: "1.0.0" }),
  "plugins/sales/skills/a/SKILL.md": skillMd("a", "Account plans."),
  "plugins/sales/skills/a/notes.md": "notes\n",
  "plugins/sales/skills/b/SKILL.md": skillMd("b", "Briefings."),
  "plugins/field/.claude-plugin/plugin.json": JSON.stringify({ name: "sales", version: "2.0.0" }),
  "plugins/field/skills/visit/SKILL.md": skillMd("visit", "Plans field visits."),
  "plugins/wip/.claude-plugin/plugin.json": JSON.stringify({ name: "drafts", version: "0.1.0" }),
  "plugins/wip/skills/draft/SKILL.md": skillMd("draft", "Not published yet."),
  "tools/lint/SKILL.md": skillMd("lint", "A plugin that is one skill."),
  "tools/lint/rules.md": "rules\n",
};

const LAYOUTS = {
  collection: {
    files: COLLECTION,
    expected: [
      ["algorithmic-art", "example-skills", "skills/art-maker", null, true],
      ["docx", "document-skills", "skills/docx", "1.0.0", true],
      ["pdf", "document-skills", "vendor/pdf", "1.0.0", true],
      ["xlsx", "document-skills", "skills/xlsx", "1.0.0", true],
    ],
  },
  plugins: {
    files: PLUGINS,
    expected: [
      ["a", "sales-team", "plugins/sales/skills/a", "1.0.0", true],
      ["b", "sales-team", "plugins/sales/skills/b", "1.0.0", true],
      ["draft", "drafts", "plugins/wip/skills/draft", "0.1.0", false],
      ["format", "toolkit", "skills/format", "3.0.0", true],
      ["lint", "lint", "tools/lint", null, true],
      ["snippets", "toolkit", "extras/snippets", "3.0.0", true],
      ["visit", "sales", "plugins/field/skills/visit", "2.0.0", true],
    ],
  },
};

const stacks = {};
let scratch;

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "skillport-layouts-"));
  for (const [layout, { files }] of Object.entries(LAYOUTS)) {
    const stack = await startStack({ files });
    stack.clients = {};
    for (const [role, email] of Object.entries(people)) stack.clients[role] = await connectClient(stack.worker.url, { headers: { authorization: await stack.worker.bearer(email) } });
    stacks[layout] = stack;
  }
});

after(async () => {
  for (const stack of Object.values(stacks)) {
    for (const client of Object.values(stack.clients)) await client.close().catch(() => {});
    await stack.stop();
  }
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const call = (layout, role, name, args) => stacks[layout].clients[role].callTool({ name, arguments: args });


async function zipEntries(bytes) {
  const file = path.join(scratch, `${randomBytes(4).toString("hex")}.zip`);
  await writeFile(file, bytes);
  const { stdout } = await run("python3", [path.join(ROOT, "e2e/lib/zip-contents.py"), file]);
  return JSON.parse(stdout);
}

/** Runs a write tool and returns its output and the paths its one commit changed. */
async function write(layout, role, name, args) {
  const { repo } = stacks[layout];
  const before = await repo.head();
  const result = await call(layout, role, name, args);
  assert.equal(result.isError ?? false, false, `${name}: ${result.content?.[0]?.text}`);
  const [latest] = await repo.log();
  assert.equal(latest.sha, result.structuredContent.commit);
  assert.deepEqual(latest.parents, [before], `${name} is exactly one commit on the old head`);
  const changed = (await repo.git(["diff", "--name-only", before, latest.sha])).trim().split("\n").sort();
  return { out: result.structuredContent, changed };
}

async function refused(layout, role, name, args, expected) {
  const { repo } = stacks[layout];
  const before = await repo.head();
  const result = await call(layout, role, name, args);
  assert.equal(result.isError, true, `${name} should be refused`);
  assert.match(result.content[0].text, expected);
  assert.equal(await repo.head(), before, "nothing was written");
}

const showJson = async (layout, file) => JSON.parse(await stacks[layout].repo.git(["show", `HEAD:${file}`]));
const versionOf = async (layout, skill) => (await call(layout, "editor", "fetch_skill", { name: skill })).structuredContent.skill.version_id;

for (const [layout, { expected }] of Object.entries(LAYOUTS)) {
  test(`${layout}: every page of list_skills, within the GitHub budget`, async () => {
    const { github } = stacks[layout];
    github.requests = [];
    const seen = [];
    let cursor;
    let pages = 0;
    do {
      const result = await call(layout, "editor", "list_skills", { limit: 2, ...(cursor ? { cursor } : {}) });
      assert.equal(result.isError ?? false, false, result.content?.[0]?.text);
      const out = result.structuredContent;
      if (pages === 0) {
        assert.ok(github.requests.length <= 3, `a cold list costs at most 3 GitHub requests, made ${github.requests.length}`);
        assert.deepEqual(out.skipped ?? [], layout === "collection" ? [{ path: ".claude-plugin/marketplace.json", reason: "plugin entry `partner-tools` is served from another repository (github: partner/tools); the connector serves only this repository's folders" }] : []);
      }
      seen.push(...out.skills.map((s) => [s.name, s.group, s.version ?? null, s.published]));
      cursor = out.next_cursor;
      pages += 1;
    } while (cursor);
    assert.equal(pages, Math.ceil(expected.length / 2));
    assert.deepEqual(seen, expected.map(([name, group, , version, published]) => [name, group, version, published]));
    github.requests = [];
    await call(layout, "editor", "list_skills", {});
    assert.equal(github.requests.length, 1, "a warm list costs one GitHub request");
  });

  test(`${layout}: every skill's package is its folder byte for byte, under its name`, async () => {
    const { repo } = stacks[layout];
    for (const [name, , folder, version] of expected) {
      const result = await call(layout, "editor", "fetch_skill", { name });
      assert.equal(result.isError ?? false, false, result.content?.[0]?.text);
      const out = result.structuredContent;
      assert.equal(out.skill.version_id, (await repo.git(["rev-parse", `HEAD:${folder}`])).trim());
      const response = await fetch(out.package.download_url);
      assert.equal(response.status, 200, name);
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.equal(createHash("sha256").update(bytes).digest("hex"), out.package.sha256);
      const entries = await zipEntries(bytes);
      assert.ok(entries.every((e) => e.name.startsWith(`${name}/`)), `${name}: one top folder named after the skill`);
      const generated = `${name}/.claude-plugin/plugin.json`;
      const packaged = Object.fromEntries(entries.filter((e) => e.name !== generated).map((e) => [e.name.slice(name.length + 1), { sha256: e.sha256, executable: e.mode === 0o755 }]));
      const files = await repositoryFiles(repo, folder);
      delete files[".claude-plugin/plugin.json"];
      assert.deepEqual(packaged, files, `${name}: the package holds exactly the folder's files`);
      const installed = JSON.parse(out.files.find((f) => f.path === ".claude-plugin/plugin.json").content);
      assert.equal(installed.name, name);
      assert.equal(installed.version ?? null, version);
    }
  });
}

test("collection: the status names the entry served from another repository, to editors only", async () => {
  const { worker } = stacks.collection;
  assert.doesNotMatch(await (await fetch(worker.url)).text(), /partner-tools/, "not on the public page");
  const json = { accept: "application/json" };
  assert.doesNotMatch(await (await fetch(worker.url, { headers: json })).text(), /partner-tools/, "nor in its JSON");
  const status = await (await fetch(worker.url, { headers: { ...json, authorization: await worker.bearer(people.editor) } })).json();
  assert.deepEqual(status.served_elsewhere, [{ name: "partner-tools", source: "github: partner/tools" }]);
});

test("collection: editors see the warnings Claude.ai's upload would raise", async () => {
  const art = (await call("collection", "editor", "list_skills", { query: "art" })).structuredContent.skills[0];
  assert.equal(art.name, "algorithmic-art");
  assert.ok(art.warnings.some((w) => w.includes("differs from its folder `art-maker`")), JSON.stringify(art.warnings));
  assert.ok(art.warnings.some((w) => w.includes("`<` or `>`")));
  const asWriter = (await call("collection", "writer", "list_skills", { query: "art" })).structuredContent.skills[0];
  assert.equal(asWriter.warnings, undefined, "not for those who cannot edit it");
});

test("collection: each write tool edits the shared root in place", async () => {
  let { out, changed } = await write("collection", "writer", "save_skill", {
    skill: "xlsx",
    base_version: await versionOf("collection", "xlsx"),
    files: [{ path: "SKILL.md", content: skillMd("xlsx", "Works with spreadsheets and CSV.") }],
  });
  assert.deepEqual(changed, ["skills/xlsx/SKILL.md"]);
  assert.equal(out.group, "document-skills");

  ({ out, changed } = await write("collection", "editor", "save_skill", { skill: "pptx", group: "document-skills", files: [{ path: "SKILL.md", content: skillMd("pptx", "Works with slides.") }] }));
  assert.deepEqual(changed, [".claude-plugin/marketplace.json", "skills/pptx/SKILL.md"]);
  let marketplace = await showJson("collection", ".claude-plugin/marketplace.json");
  assert.deepEqual(marketplace.plugins[0].skills, ["./skills/xlsx", "./skills/docx", "./skills/pptx"]);
  assert.deepEqual(marketplace.plugins[1].skills, ["./skills/art-maker"]);
  assert.equal(marketplace.plugins.length, 3, "the external entry is kept");

  ({ out, changed } = await write("collection", "writer", "bump_version", { skill: "xlsx", type: "minor" }));
  assert.deepEqual(changed, [".claude-plugin/marketplace.json"]);
  assert.deepEqual([out.from, out.to, out.marketplace_updated], ["1.0.0", "1.1.0", true]);

  ({ out, changed } = await write("collection", "writer", "delete_skill", { skill: "docx", confirm: true }));
  assert.deepEqual(changed, [".claude-plugin/marketplace.json", "skills/docx/SKILL.md", "skills/docx/ooxml/schema.xsd"]);
  marketplace = await showJson("collection", ".claude-plugin/marketplace.json");
  assert.deepEqual(marketplace.plugins[0].skills, ["./skills/xlsx", "./skills/pptx"]);

  ({ out, changed } = await write("collection", "editor", "publish_skill", { skill: "algorithmic-art", tags: ["art"] }));
  assert.deepEqual(changed, [".claude-plugin/marketplace.json"]);
  assert.equal(out.added, false);
  marketplace = await showJson("collection", ".claude-plugin/marketplace.json");
  assert.deepEqual(marketplace.plugins[1].tags, ["art"]);
  assert.equal(marketplace.plugins.length, 3);

  for (const [name, args] of [
    ["save_skill", { skill: "algorithmic-art", base_version: await versionOf("collection", "algorithmic-art"), files: [{ path: "x.md", content: "x" }] }],
    ["delete_skill", { skill: "algorithmic-art", confirm: true }],
    ["bump_version", { skill: "algorithmic-art", type: "patch" }],
  ]) {
    await refused("collection", "writer", name, args, /may not edit group example-skills/);
  }
  const listed = (await call("collection", "writer", "list_skills", {})).structuredContent.skills.map((s) => `${s.group}/${s.name}`);
  assert.deepEqual(listed, ["example-skills/algorithmic-art", "document-skills/pdf", "document-skills/pptx", "document-skills/xlsx"]);
});

test("plugins: each write tool edits the owning group's folders, never one named like a group", async () => {
  let { out, changed } = await write("plugins", "writer", "bump_version", { skill: "visit", type: "patch" });
  assert.deepEqual(changed, [".claude-plugin/marketplace.json", "plugins/field/.claude-plugin/plugin.json"]);
  assert.deepEqual([out.group, out.to], ["sales", "2.0.1"]);
  await refused("plugins", "writer", "bump_version", { skill: "a", type: "patch" }, /may not edit group sales-team/);
  await refused("plugins", "writer", "delete_skill", { skill: "b", confirm: true }, /may not edit group sales-team/);

  ({ out, changed } = await write("plugins", "editor", "delete_skill", { skill: "a", confirm: true }));
  assert.deepEqual(changed, ["plugins/sales/skills/a/SKILL.md", "plugins/sales/skills/a/notes.md"]);
  assert.equal(out.group_deleted, false);
  const marketplace = await showJson("plugins", ".claude-plugin/marketplace.json");
  assert.deepEqual(marketplace.plugins.map((p) => p.name), ["toolkit", "sales-team", "sales", "lint"], "every entry is kept");

  ({ out, changed } = await write("plugins", "editor", "bump_version", { skill: "format", type: "major" }));
  assert.deepEqual(changed, [".claude-plugin/plugin.json"], "the root plugin's version lives in its plugin.json only");
  assert.equal(out.to, "4.0.0");

  ({ out, changed } = await write("plugins", "editor", "save_skill", { skill: "review", group: "toolkit", files: [{ path: "SKILL.md", content: skillMd("review", "Reviews.") }] }));
  assert.deepEqual(changed, ["skills/review/SKILL.md"]);

  ({ out, changed } = await write("plugins", "editor", "save_skill", { skill: "b", base_version: await versionOf("plugins", "b"), files: [{ path: "extra.md", content: "more\n" }] }));
  assert.deepEqual(changed, ["plugins/sales/skills/b/extra.md"]);

  await refused("plugins", "editor", "save_skill", { skill: "lint-extra", group: "lint", files: [{ path: "SKILL.md", content: skillMd("lint-extra", "x") }] }, /single-skill plugin/);

  ({ out, changed } = await write("plugins", "editor", "publish_skill", { skill: "draft" }));
  assert.deepEqual(changed, [".claude-plugin/marketplace.json"]);
  const published = (await showJson("plugins", ".claude-plugin/marketplace.json")).plugins.at(-1);
  assert.deepEqual(published, { name: "drafts", source: "./plugins/wip", version: "0.1.0" });

  const listed = (await call("plugins", "editor", "list_skills", {})).structuredContent.skills.map((s) => `${s.group}/${s.name}@${s.version}`);
  assert.deepEqual(listed, ["sales-team/b@1.0.0", "drafts/draft@0.1.0", "toolkit/format@4.0.0", "lint/lint@null", "toolkit/review@4.0.0", "toolkit/snippets@4.0.0", "sales/visit@2.0.1"]);
});
