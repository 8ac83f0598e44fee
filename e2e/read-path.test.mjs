// The read path in the real Workers runtime: fetch_skill's package unzips to exactly the
// repository's bytes and modes, download links are signed and expire, check_updates compares
// versions, and the Python client sees the same answers as the TypeScript one.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { GitRepo } from "./lib/git-repo.mjs";
import { FakeGitHub } from "./lib/fake-github.mjs";
import { startWorker, ROOT } from "./lib/worker.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";
import { repositoryFiles } from "./lib/repository-files.mjs";
import { pythonClient } from "./lib/python-client.mjs";
import { signLink, grantOf } from "./lib/links.mjs";

const run = promisify(execFile);
const KEY = randomBytes(32).toString("hex");
let repo, github, worker, client, scratch;

before(async () => {
  repo = await GitRepo.create();
  await repo.commit(fixtureFiles(), "Fixture marketplace");
  github = new FakeGitHub(repo);
  await github.start();
  worker = await startWorker({ vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token, COOKIE_ENCRYPTION_KEY: KEY } });
  client = await connectClient(worker.url, { headers: { authorization: await worker.bearer() } });
  scratch = await mkdtemp(path.join(tmpdir(), "skillport-read-"));
});

after(async () => {
  await client?.close();
  await worker?.stop();
  await github?.stop();
  await repo?.destroy();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});


async function zipEntries(bytes) {
  const file = path.join(scratch, `${randomBytes(4).toString("hex")}.zip`);
  await writeFile(file, bytes);
  const { stdout } = await run("python3", [path.join(ROOT, "e2e/lib/zip-contents.py"), file]);
  return JSON.parse(stdout);
}

for (const [name, folder] of [["proposal-writer", "plugins/sales/skills/proposal-writer"], ["code-review", "plugins/engineering/skills/code-review"]]) {
  test(`the ${name} package unzips to exactly the repository's files, modes kept`, async () => {
    const result = await client.callTool({ name: "fetch_skill", arguments: { name } });
    assert.equal(result.isError, false, result.content?.[0]?.text);
    const out = result.structuredContent;
    assert.equal(out.skill.version_id, (await repo.git(["rev-parse", `HEAD:${folder}`])).trim(), "version_id is the folder's git tree sha");

    const response = await fetch(out.package.download_url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/zip");
    assert.equal(response.headers.get("content-disposition"), `attachment; filename="${name}.skill"`);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(createHash("sha256").update(bytes).digest("hex"), out.package.sha256);
    assert.equal(bytes.length, out.package.size);

    const entries = await zipEntries(bytes);
    const expected = await repositoryFiles(repo, folder);
    // Executables carry mode 755; other files carry no execute bit (git archive, like GitHub's
    // zipballs, records no mode for them, so they unpack with the default permissions).
    for (const entry of entries) assert.ok(entry.mode === 0o755 || (entry.mode & 0o111) === 0, `${entry.name} mode ${entry.mode.toString(8)}`);
    const packaged = Object.fromEntries(entries.filter((e) => e.name !== `${name}/.claude-plugin/plugin.json`).map((e) => [e.name.slice(name.length + 1), { sha256: e.sha256, executable: e.mode === 0o755 }]));
    assert.deepEqual(packaged, expected);
    assert.ok(entries.every((e) => e.name.startsWith(`${name}/`)), "one top-level folder named after the skill");
    const manifest = JSON.parse(out.files.find((f) => f.path === ".claude-plugin/plugin.json").content);
    assert.equal(manifest.version, out.skill.version);
  });
}

test("inline files are byte-exact: text as UTF-8, binary as base64", async () => {
  const out = (await client.callTool({ name: "fetch_skill", arguments: { name: "proposal-writer" } })).structuredContent;
  const expected = await repositoryFiles(repo, "plugins/sales/skills/proposal-writer");
  for (const file of out.files.filter((f) => f.path !== ".claude-plugin/plugin.json")) {
    const bytes = file.encoding === "base64" ? Buffer.from(file.content, "base64") : Buffer.from(file.content, "utf8");
    assert.equal(createHash("sha256").update(bytes).digest("hex"), expected[file.path].sha256, file.path);
  }
  assert.equal(out.files.find((f) => f.path === "assets/logo.png").encoding, "base64");
  assert.ok(out.package.content, "a small package is also inlined");
  assert.match(out.instructions, /proposal-writer\.skill/);
});

test("download links: tampered is 403, expired is 410, a correctly signed one works", async () => {
  const out = (await client.callTool({ name: "fetch_skill", arguments: { name: "code-review" } })).structuredContent;
  const url = new URL(out.package.download_url);
  const tampered = new URL(url);
  tampered.searchParams.set("r", "someone-elses-grant");
  assert.equal((await fetch(tampered)).status, 403);
  const fields = { skill: "code-review", group: "engineering", folder: "plugins/engineering/skills/code-review", commit: url.searchParams.get("c"), version: "2.0.0", ...grantOf(await worker.bearer()) };
  const expired = await fetch(signLink(worker.url, KEY, { ...fields, expires: Math.floor(Date.now() / 1000) - 1 }));
  assert.equal(expired.status, 410);
  assert.match((await expired.json()).error_description, /expired/);
  const fresh = await fetch(signLink(worker.url, KEY, { ...fields, expires: Math.floor(Date.now() / 1000) + 60 }));
  assert.equal(fresh.status, 200);
  const otherKey = await fetch(signLink(worker.url, randomBytes(32).toString("hex"), { ...fields, expires: Math.floor(Date.now() / 1000) + 60 }));
  assert.equal(otherKey.status, 403);
});

test("unknown and unpublished skills are not found; check_updates compares by semver", async () => {
  for (const name of ["secret-plan", "does-not-exist", "broken"]) {
    const result = await client.callTool({ name: "fetch_skill", arguments: { name } });
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /no skill named/);
  }
  const result = await client.callTool({
    name: "check_updates",
    arguments: { installed: [{ name: "proposal-writer", version: "1.1.0" }, { name: "code-review", version: "2.0.0" }, { name: "secret-plan", version: "0.1.0" }, { name: "crm-notes", version: "latest" }] },
  });
  const out = result.structuredContent;
  assert.deepEqual(out.updates, [{ name: "proposal-writer", installed_version: "1.1.0", available_version: "1.2.0" }]);
  assert.deepEqual(out.up_to_date, [{ name: "code-review", version: "2.0.0" }]);
  assert.deepEqual(out.unknown.map((u) => u.name), ["secret-plan", "crm-notes"]);
});

test("the Python mcp client calls every read tool with the same results", async () => {
  const calls = [
    { name: "list_skills", arguments: {} },
    { name: "fetch_skill", arguments: { name: "code-review" } },
    { name: "check_updates", arguments: { installed: [{ name: "proposal-writer", version: "1.1.0" }] } },
  ];
  const python = await pythonClient(`${worker.url}/mcp`, calls, { headers: { Authorization: await worker.bearer() } });
  assert.deepEqual(python.tools.sort(), ["bump_version", "check_updates", "delete_skill", "fetch_skill", "list_skills", "publish_skill", "revoke_user", "save_skill", "skill_stats", "whoami"]);
  const typescript = [];
  for (const call of calls) typescript.push((await client.callTool(call)).structuredContent);
  assert.deepEqual(python.results[0].structuredContent, typescript[0]);
  assert.equal(python.results[1].structuredContent.skill.version_id, typescript[1].skill.version_id);
  assert.equal(python.results[1].structuredContent.package.sha256, typescript[1].package.sha256);
  assert.deepEqual(python.results[2].structuredContent, typescript[2]);
});
