// The sign-in pages in a real browser (headless Chromium): the consent page names the client and
// where it will be sent, the identity provider's login form follows, the client gets its code;
// the consent page refuses to be framed. Screenshots go to e2e/.artifacts/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, stat } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";
import { ROOT } from "./lib/worker.mjs";
import { startStack } from "./lib/stack.mjs";
import { authorizeUrl, pkce, register } from "./lib/sign-in.mjs";

const SHOTS = path.join(ROOT, "e2e/.artifacts/screenshots");
let stack, worker, browser, clientServer, REDIRECT_URI;
/** The URLs the client's callback page received. */
const returns = [];

before(async () => {
  stack = await startStack();
  ({ worker } = stack);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  await mkdir(SHOTS, { recursive: true });
  // The client's own callback page, as a desktop client's loopback listener would serve it.
  clientServer = createServer((req, res) => {
    if (req.url.startsWith("/callback")) returns.push(new URL(req.url, REDIRECT_URI));
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<h1>Back in the client</h1>");
  });
  await new Promise((resolve) => clientServer.listen(0, "127.0.0.1", resolve));
  REDIRECT_URI = `http://127.0.0.1:${clientServer.address().port}/callback`;
});

after(async () => {
  await browser?.close();
  clientServer?.closeAllConnections?.();
  await new Promise((resolve) => (clientServer ? clientServer.close(resolve) : resolve()));
  await stack?.stop();
});

test("a person walks the consent page and the login form in Chromium and the client gets a code", async () => {
  const client = await register(worker.url, { client_name: "Claude", redirect_uris: [REDIRECT_URI] });
  const { challenge } = pkce();
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  await page.goto(authorizeUrl(worker.url, client, { challenge, state: "browser-state" }));
  assert.match(await page.title(), /Allow access/);
  assert.match(await page.textContent("h1"), /Allow Claude to use Skillport Connector\?/);
  assert.match(await page.textContent("body"), new RegExp(REDIRECT_URI.replace(/[.]/g, "\\.")));
  await page.screenshot({ path: path.join(SHOTS, "1-consent.png"), fullPage: true });

  await page.click("button[value=allow]");
  await page.waitForSelector("input[name=login]");
  await page.screenshot({ path: path.join(SHOTS, "2-provider-login.png"), fullPage: true });
  await page.fill("input[name=login]", "ann@acme.example");
  await page.fill("input[name=password]", "any");
  await page.click("button[type=submit]");
  await page.waitForSelector("input[name=prompt][value=consent]", { state: "attached" });
  await page.click("button[type=submit]");
  await page.waitForURL(`${REDIRECT_URI}**`);
  await page.screenshot({ path: path.join(SHOTS, "3-back-in-client.png"), fullPage: true });

  const returned = returns.at(-1);
  assert.match(returned.searchParams.get("code"), /^spc2\./);
  assert.equal(returned.searchParams.get("state"), "browser-state");
  assert.equal(returned.searchParams.get("iss"), worker.url);
  for (const shot of ["1-consent.png", "2-provider-login.png", "3-back-in-client.png"]) {
    assert.ok((await stat(path.join(SHOTS, shot))).size > 1000, shot);
  }

  // The same browser and client: no consent page the second time.
  await page.goto(authorizeUrl(worker.url, client, { challenge, state: "again" }));
  await page.waitForURL(`${REDIRECT_URI}**`);
  assert.equal(returns.at(-1).searchParams.get("state"), "again");
  await page.close();
});

test("the consent page cannot be framed by another site", async () => {
  const client = await register(worker.url);
  const { challenge } = pkce();
  const page = await browser.newPage();
  await page.route("http://framing.example/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: `<iframe src="${authorizeUrl(worker.url, client, { challenge })}"></iframe>` }),
  );
  await page.goto("http://framing.example/");
  await page.waitForTimeout(500);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  const framed = frame ? await frame.evaluate(() => document.body?.innerText ?? "").catch(() => "") : "";
  assert.doesNotMatch(framed, /Allow/, "the consent page did not render inside the frame");
  await page.screenshot({ path: path.join(SHOTS, "4-framing-blocked.png") });
  await page.close();
});
