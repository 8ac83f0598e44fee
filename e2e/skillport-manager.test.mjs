// The skillport-manager flow on the example marketplace, as its SKILL.md tells Claude to run it,
// with a real MCP client: list, fetch, download and unzip the package (files equal the
// repository's), read the installed versions with the skill's own script, and check for updates
// before and after an editor bumps the group. Then the home page in headless Chromium, for a
// complete and an incomplete configuration, with screenshots.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { GitRepo, readTree } from "./lib/git-repo.mjs";
import { FakeGitHub } from "./lib/fake-github.mjs";
import { startWorker, ROOT } from "./lib/worker.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

const run = promisify(execFile);
const EDITOR = "admin@example.com";
let repo, github, worker, client, editor, scratch;

before(async () => {
  repo = await GitRepo.create();
  const files = await readTree(path.join(ROOT, "examples/marketplace"));
  // The admin made themselves an editor, as docs/SETUP.md says.
  const access = JSON.parse(files[".skillport/access.json"].content.toString());
  access.editors = [{ id: `google:${EDITOR}`, label: EDITOR }];
  files[".skillport/access.json"] = JSON.stringify(access, null, 2);
  await repo.commit(files, "The example marketplace");
  github = new FakeGitHub(repo);
  await github.start();
  worker = await startWorker({ vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token } });
  client = await connectClient(worker.url, { headers: { authorization: await worker.bearer("dana@example.com") } });
  editor = await connectClient(worker.url, { headers: { authorization: await worker.bearer(EDITOR) } });
  scratch = await mkdtemp(path.join(tmpdir(), "skillport-manager-"));
});

after(async () => {
  await client?.close();
  await editor?.close();
  await worker?.stop();
  await github?.stop();
  await repo?.destroy();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test("list → fetch → download and unzip → the repository's files; installed versions → check_updates, before and after a bump", async () => {
  const listed = (await client.callTool({ name: "list_skills", arguments: {} })).structuredContent.skills;
  assert.deepEqual(listed.map((s) => s.name), ["brand-voice", "code-review", "meeting-notes", "proposal-writer", "release-notes", "skillport-manager"]);
  const entry = listed.find((s) => s.name === "code-review");
  assert.ok(entry.description.length > 20 && entry.version);

  const fetched = (await client.callTool({ name: "fetch_skill", arguments: { name: "code-review" } })).structuredContent;
  const response = await fetch(fetched.package.download_url);
  assert.equal(response.status, 200);
  const skills = path.join(scratch, "skills");
  await mkdir(skills, { recursive: true });
  const zip = path.join(scratch, "code-review.skill");
  await writeFile(zip, Buffer.from(await response.arrayBuffer()));
  await run("python3", ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])", zip, skills]);

  const folder = "plugins/engineering/skills/code-review";
  const listing = (await repo.git(["ls-tree", "-r", "HEAD", `${folder}/`])).trim().split("\n");
  for (const line of listing) {
    const [meta, file] = line.split("\t");
    const blob = meta.split(" ")[2];
    const expected = await repo.git(["cat-file", "blob", blob], { encoding: "buffer" });
    const unzipped = await readFile(path.join(skills, "code-review", file.slice(folder.length + 1)));
    assert.equal(createHash("sha256").update(unzipped).digest("hex"), createHash("sha256").update(expected).digest("hex"), file);
  }
  const script = path.join(ROOT, "examples/marketplace/plugins/skillport/skills/skillport-manager/scripts/installed_versions.py");
  const installed = JSON.parse((await run("python3", [script, skills])).stdout);
  assert.deepEqual(installed, [{ name: "code-review", version: entry.version }]);

  const current = (await client.callTool({ name: "check_updates", arguments: { installed } })).structuredContent;
  assert.deepEqual(current.up_to_date, [{ name: "code-review", version: entry.version }]);
  assert.deepEqual(current.updates, []);

  const bumped = (await editor.callTool({ name: "bump_version", arguments: { skill: "code-review", type: "minor" } })).structuredContent;
  assert.equal(bumped.from, entry.version);
  const after = (await client.callTool({ name: "check_updates", arguments: { installed } })).structuredContent;
  assert.deepEqual(after.updates, [{ name: "code-review", installed_version: entry.version, available_version: bumped.to }]);
});

test("the home page in Chromium: complete and incomplete configurations show their status", async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const broken = await startWorker({ oidc: false, vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token } });
  const shots = path.join(ROOT, "e2e/.artifacts/screenshots");
  await mkdir(shots, { recursive: true });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    await page.goto(`${worker.url}/`);
    const publicText = await page.textContent("body");
    assert.match(publicText, /Working\./);
    assert.match(publicText, new RegExp(`${worker.url.replace(/[.]/g, "\\.")}/mcp`));
    assert.doesNotMatch(publicText, /acme\/skills|[0-9a-f]{12}|Skills: \d/, "the repository's details are for editors");
    await page.screenshot({ path: path.join(shots, "home-public.png"), fullPage: true });

    // Every check in detail is on the admin console (e2e/console.test.mjs); the page points there.
    assert.equal(await page.getAttribute("a[href='/admin']", "href"), "/admin");
    assert.doesNotMatch(publicText, new RegExp(github.token));
    await page.screenshot({ path: path.join(shots, "home-configured.png"), fullPage: true });

    await page.setExtraHTTPHeaders({});
    await page.goto(`${broken.url}/`);
    const brokenText = await page.textContent("body");
    assert.match(brokenText, /Not working yet/);
    assert.match(brokenText, /OIDC_CLIENT_ID: is not set/);
    await page.screenshot({ path: path.join(shots, "home-incomplete.png"), fullPage: true });

    const status = await (await fetch(`${worker.url}/`, { headers: { accept: "application/json" } })).json();
    assert.equal(status.healthy, true);
    assert.equal(status.skills_served, undefined, "counts are for editors");
    const detailed = await (await fetch(`${worker.url}/`, { headers: { accept: "application/json", authorization: await worker.bearer(EDITOR) } })).json();
    assert.equal(detailed.skills_served, 6);
    const member = await (await fetch(`${worker.url}/`, { headers: { accept: "application/json", authorization: await worker.bearer("dana@example.com") } })).json();
    assert.equal(member.marketplace, undefined, "a member who is not an editor sees the public page");
  } finally {
    await browser.close();
    await broken.stop();
  }
});
