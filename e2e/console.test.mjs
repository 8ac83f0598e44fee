// The admin console in headless Chromium, in the Workers runtime: an editor signs in through the
// connector's own sign-in (the identity provider's login form), every page renders with the
// figures of a scripted day of several people and passes axe-core with no serious violation;
// someone who is not an editor gets 403; a forged form changes nothing; revoking a person from
// the console ends their session. Screenshots go to e2e/.artifacts/screenshots/ and, with
// SKILLPORT_REFRESH_SCREENSHOTS=1 (scripts/screenshots.sh), to docs/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";
import { ROOT } from "./lib/worker.mjs";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { connectClient } from "./lib/mcp-client.mjs";

const SHOTS = path.join(ROOT, "e2e/.artifacts/screenshots");
const DOCS = path.join(ROOT, "docs/screenshots");
const AXE = path.join(ROOT, "node_modules/axe-core/axe.min.js");
const people = { editor: "erin@acme.example", bob: "bob@acme.example", cat: "cat@acme.example" };
const RULES = {
  version: "1.0",
  editors: [`google:${people.editor}`],
  teams: { "deal-desk": [`google:${people.cat}`] },
  skills: { "proposal-writer": { read: "team:deal-desk" } },
  defaults: { read: "*", write: "editors" },
};

let stack, worker, browser;
const clients = {};

before(async () => {
  stack = await startStack({ files: { ...fixtureFiles(), ".skillport/access.json": JSON.stringify(RULES, null, 2) } });
  ({ worker } = stack);
  for (const [role, email] of Object.entries(people)) {
    clients[role] = await connectClient(worker.url, { headers: { authorization: await worker.bearer(email) } });
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  await mkdir(SHOTS, { recursive: true });
  // A scripted day: fetches, a download, update checks, and a change through the connector.
  const call = (role, name, args = {}) => clients[role].callTool({ name, arguments: args });
  const fetched = await call("bob", "fetch_skill", { name: "code-review" });
  await call("bob", "fetch_skill", { name: "code-review" });
  await (await fetch(fetched.structuredContent.package.download_url)).arrayBuffer();
  await call("bob", "check_updates", { installed: [{ name: "code-review", version: "1.9.0" }] });
  await call("cat", "fetch_skill", { name: "proposal-writer" });
  await call("cat", "check_updates", { installed: [{ name: "code-review", version: "2.0.0" }, { name: "proposal-writer", version: "1.2.0" }] });
  const bumped = await call("editor", "bump_version", { skill: "crm-notes", type: "patch" });
  assert.equal(bumped.isError ?? false, false, JSON.stringify(bumped));
});

after(async () => {
  for (const client of Object.values(clients)) await client.close().catch(() => {});
  await browser?.close();
  await stack?.stop();
});

/** A new browser context signed in to the console as `email` (the provider's login form). */
async function signIn(email) {
  // CSP is bypassed only so that axe-core can be injected; the page's own headers are checked below.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const first = await page.goto(`${worker.url}/admin`);
  assert.equal(first.status(), 401);
  await page.click("a.button");
  await page.waitForSelector("input[name=login]");
  await page.fill("input[name=login]", email);
  await page.fill("input[name=password]", "any");
  await page.click("button[type=submit]");
  await page.waitForSelector("input[name=prompt][value=consent]", { state: "attached" });
  await page.click("button[type=submit]");
  await page.waitForURL(`${worker.url}/admin`);
  return { context, page };
}

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => await globalThis.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.filter((v) => ["serious", "critical"].includes(v.impact)).map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`);
}

async function shoot(page, name) {
  const file = path.join(SHOTS, `console-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.SKILLPORT_REFRESH_SCREENSHOTS) {
    await mkdir(DOCS, { recursive: true });
    await copyFile(file, path.join(DOCS, `console-${name}.png`));
  }
}

test("an editor signs in and every page renders the day's figures, accessibly", async () => {
  const { context, page } = await signIn(people.editor);
  const headers = (await page.reload()).headers();
  assert.match(headers["content-security-policy"], /default-src 'none'/);
  assert.equal(headers["x-frame-options"], "DENY");
  const cookie = (await context.cookies()).find((c) => c.name.endsWith("skillport_console"));
  assert.ok(cookie?.httpOnly && cookie.sameSite === "Lax", JSON.stringify(cookie));

  const overview = await page.textContent("main");
  assert.match(overview, /GitHub: the token reads acme\/skills at [0-9a-f]{12}/, "the checks the home page used to show editors");
  assert.match(overview, /Sign-in: sign-in through http:\/\/127\.0\.0\.1/);
  assert.match(await page.textContent("main"), /People using skills, last 30 days\s*2/);
  assert.deepEqual(await axe(page), [], "overview");
  await shoot(page, "1-overview");

  await page.click("nav >> text=Catalog");
  assert.match(await page.textContent("#skipped + div, #skipped ~ div"), /broken/);
  assert.deepEqual(await axe(page), [], "catalog");
  await shoot(page, "2-catalog");

  await page.click("nav >> text=Access");
  await page.fill("#person", `google:${people.bob}`);
  await page.click("button:text('Show')");
  const bobReads = await page.textContent("main");
  assert.match(bobReads, /proposal-writer\s*sales\s*no\s*skills\.proposal-writer\.read lists only team:deal-desk/);
  assert.match(bobReads, /code-review\s*engineering\s*yes\s*defaults\.read lists \*/);
  assert.deepEqual(await axe(page), [], "access");
  await shoot(page, "3-access");

  await page.click("nav >> text=Usage");
  const usage = await page.textContent("main");
  assert.match(usage, /code-review — 3 uses by 1 person/);
  assert.match(usage, /proposal-writer — 1 use by 1 person/);
  assert.match(usage, /code-review\s*2\.0\.0\s*1\.9\.0 × 1, 2\.0\.0 × 1\s*1\s*bob@acme\.example/);
  assert.equal(await page.locator("svg.chart[role=img]").count(), 2);
  assert.deepEqual(await axe(page), [], "usage");
  await shoot(page, "4-usage");

  await page.click("nav >> text=People");
  const listed = await page.textContent("main");
  for (const email of Object.values(people)) assert.match(listed, new RegExp(email.replace(".", "\\.")));
  assert.match(listed, /bump_version/, "the change made through the connector");
  assert.deepEqual(await axe(page), [], "people");
  await shoot(page, "5-people");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.click("nav >> text=Usage");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `readable on a phone: the page is ${overflow}px wider than the screen`);
  await shoot(page, "6-usage-phone");
  await context.close();
});

test("someone who is not an editor gets 403 and no personal data", async () => {
  const { context, page } = await signIn(people.bob);
  const response = await page.reload();
  assert.equal(response.status(), 403);
  assert.match(await page.textContent("h1"), /Only editors use the admin console/);
  assert.doesNotMatch(await page.content(), /cat@acme|erin@acme/);
  const peoplePage = await page.goto(`${worker.url}/admin/people`);
  assert.equal(peoplePage.status(), 403);
  await context.close();
});

test("a forged form changes nothing; the revoke button ends that person's session", async () => {
  assert.equal((await clients.cat.callTool({ name: "whoami", arguments: {} })).isError ?? false, false);
  const { context, page } = await signIn(people.editor);
  await page.goto(`${worker.url}/admin/people`);
  const catId = `google:${people.cat}`;
  for (const form of [{ user: catId, csrf: "forged" }, { user: catId }]) {
    const forged = await context.request.post(`${worker.url}/admin/people/revoke`, { form, headers: { origin: worker.url }, maxRedirects: 0 });
    assert.equal(forged.status(), 403, JSON.stringify(form));
  }
  const csrf = await page.getAttribute("input[name=csrf]", "value");
  const elsewhere = await context.request.post(`${worker.url}/admin/people/revoke`, { form: { user: catId, csrf }, headers: { origin: "https://evil.example" }, maxRedirects: 0 });
  assert.equal(elsewhere.status(), 403, "a form posted from another site");
  assert.equal((await clients.cat.callTool({ name: "whoami", arguments: {} })).isError ?? false, false, "cat is still signed in");

  await page.click(`button[aria-label="Revoke every sign-in of ${people.cat}"]`);
  await page.waitForURL(/revoked=/);
  assert.match(await page.textContent("[role=status]"), /Ended every sign-in of google:cat@acme\.example/);
  await assert.rejects(clients.cat.callTool({ name: "whoami", arguments: {} }), /401|invalid_token|Unauthorized|revoked/i, "cat's next request is refused");
  await context.close();
});
