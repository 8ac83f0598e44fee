// Every way a sign-in or a token must be refused, each with the right error and nothing issued:
// PKCE and code misuse, redirect URI and resource mismatches, bad tokens, refresh token reuse
// after the grace window (the grant dies), accounts outside ALLOWED_DOMAINS or unverified,
// forged or replayed upstream state, spoiled ID tokens, and a grant past its absolute lifetime.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GitRepo } from "./lib/git-repo.mjs";
import { FakeGitHub } from "./lib/fake-github.mjs";
import { startWorker } from "./lib/worker.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { startRogueIdp } from "./lib/rogue-idp.mjs";
import { Browser } from "./lib/browser.mjs";
import { authorize, authorizeUrl, pkce, register, signIn, tokenRequest } from "./lib/sign-in.mjs";

let repo, github, worker, shortGrant, rogue, rogueWorker;

before(async () => {
  repo = await GitRepo.create();
  await repo.commit(fixtureFiles(), "Fixture marketplace");
  github = new FakeGitHub(repo);
  await github.start();
  const base = { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token, ALLOWED_DOMAINS: "acme.example" };
  worker = await startWorker({ vars: base });
  shortGrant = await startWorker({ vars: { ...base, GRANT_LIFETIME_SECONDS: "10" } });
  rogue = await startRogueIdp();
  rogueWorker = await startWorker({ oidc: false, vars: { ...base, OIDC_ISSUER: rogue.issuer, OIDC_CLIENT_ID: rogue.clientId, OIDC_CLIENT_SECRET: rogue.clientSecret } });
});

after(async () => {
  for (const w of [worker, shortGrant, rogueWorker]) await w?.stop();
  await rogue?.stop();
  await github?.stop();
  await repo?.destroy();
});

const mcp = (w, token) =>
  fetch(`${w.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) });

function redeem(w, flow, overrides = {}) {
  return tokenRequest(w.url, { grant_type: "authorization_code", code: flow.code, code_verifier: flow.verifier, redirect_uri: flow.client.redirect_uris[0], client_id: flow.client.client_id, ...overrides });
}

test("a wrong code_verifier is refused and burns the code", async () => {
  const flow = await authorize(worker.url, "ann@acme.example");
  const wrong = await redeem(worker, flow, { code_verifier: pkce().verifier });
  assert.deepEqual([wrong.status, wrong.body.error], [400, "invalid_grant"]);
  assert.match(wrong.body.error_description, /code_verifier/);
  const after = await redeem(worker, flow);
  assert.equal(after.body.error, "invalid_grant", "the code cannot be retried");
});

test("a reused code is refused and revokes what it issued", async () => {
  const flow = await authorize(worker.url, "ann@acme.example");
  const first = await redeem(worker, flow);
  assert.equal(first.status, 200);
  assert.equal((await mcp(worker, first.body.access_token)).status, 200);
  const again = await redeem(worker, flow);
  assert.deepEqual([again.status, again.body.error], [400, "invalid_grant"]);
  assert.match(again.body.error_description, /already used/);
  assert.equal((await mcp(worker, first.body.access_token)).status, 401, "the first token died with its grant");
});

test("redirect URI mismatches: an error page at /authorize (no redirect), invalid_grant at /token", async () => {
  const client = await register(worker.url);
  const { challenge } = pkce();
  const page = await fetch(authorizeUrl(worker.url, client, { challenge, redirectUri: "http://127.0.0.1:9/elsewhere" }), { redirect: "manual" });
  assert.equal(page.status, 400);
  assert.equal(page.headers.get("location"), null);
  assert.match(await page.text(), /not one the application registered/);
  const flow = await authorize(worker.url, "ann@acme.example", { client });
  const mismatch = await redeem(worker, flow, { redirect_uri: "http://127.0.0.1:9/other" });
  assert.deepEqual([mismatch.status, mismatch.body.error], [400, "invalid_grant"]);
});

test("missing or plain PKCE and a wrong resource are sent back as errors, with state and iss", async () => {
  const client = await register(worker.url);
  const { challenge } = pkce();
  const cases = [
    [{ code_challenge: undefined, code_challenge_method: undefined }, "invalid_request"],
    [{ challenge, code_challenge_method: "plain" }, "invalid_request"],
    [{ challenge, resource: "https://elsewhere.example/mcp" }, "invalid_target"],
  ];
  for (const [params, error] of cases) {
    const response = await fetch(authorizeUrl(worker.url, client, { state: "s-123", ...params }), { redirect: "manual" });
    assert.equal(response.status, 302);
    const back = new URL(response.headers.get("location"));
    assert.equal(back.searchParams.get("error"), error, JSON.stringify(params));
    assert.equal(back.searchParams.get("state"), "s-123");
    assert.equal(back.searchParams.get("iss"), worker.url);
    assert.equal(back.searchParams.get("code"), null);
  }
  const flow = await authorize(worker.url, "ann@acme.example", { client });
  const wrongResource = await redeem(worker, flow, { resource: "https://elsewhere.example/mcp" });
  assert.deepEqual([wrongResource.status, wrongResource.body.error], [400, "invalid_target"]);
});

test("garbage, forged and foreign-audience tokens get 401 invalid_token", async () => {
  const { tokens } = await signIn(worker.url, "ann@acme.example");
  const [prefix, payload, mac] = tokens.access_token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url"));
  const forged = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, e: claims.e + 86400 })).toString("base64url")}.${mac}`;
  for (const token of ["garbage", forged, tokens.refresh_token]) {
    const response = await mcp(worker, token);
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate"), /error="invalid_token"/);
  }
  const otherWorker = await mcp(shortGrant, tokens.access_token);
  assert.equal(otherWorker.status, 401, "a token from another deployment (another key) is refused");
});

test("accounts outside ALLOWED_DOMAINS and unverified emails are refused, and nothing is issued", async () => {
  for (const email of ["mallory@evil.example", "unverified-ann@acme.example"]) {
    const flow = await authorize(worker.url, email);
    assert.equal(flow.code, undefined, email);
    assert.equal(flow.page.response.status, 403);
    assert.match(flow.page.html, email.startsWith("unverified") ? /not verified/ : /not in a domain allowed/);
    assert.match(flow.page.html, /Return to the application/);
  }
});

test("a forged upstream state, one from another browser, and a replayed callback are refused", async () => {
  const forged = await fetch(`${worker.url}/callback?code=x&state=sps1.e30.AAAA`);
  assert.equal(forged.status, 400);
  assert.match(await forged.text(), /not issued by this connector/);

  // Capture the callback URL of a real sign-in, then replay it.
  const browser = new Browser();
  const client = await register(worker.url);
  const flow = await authorize(worker.url, "ann@acme.example", { client, browser });
  assert.ok(flow.code);
  const callback = browser.visited.find((v) => v.url.includes("/callback?")).url;
  const otherBrowser = await fetch(callback, { redirect: "manual" });
  assert.equal(otherBrowser.status, 400, "without the flow cookie");
  const replay = await browser.request(callback);
  assert.equal(replay.status, 400, "the same browser cannot use it twice");
  assert.equal(replay.headers.get("location"), null);
});

test("RS256, PS256 and ES256 ID tokens are checked by Web Crypto; a bad signature, HS256, the wrong audience, an old expiry, the wrong nonce or another authorized party are refused", async () => {
  const modes = [
    ["bad-signature", /signature does not verify/],
    ["es256-bad-signature", /signature does not verify/],
    ["hs256", /algorithm HS256 is not accepted/],
    ["wrong-audience", /another application/],
    ["expired", /expired/],
    ["wrong-nonce", /nonce/],
    // Security review finding 16: azp was not checked.
    ["many-audiences", /several audiences but no authorized party/],
    ["other-azp", /issued to another client/],
  ];
  for (const [mode, message] of modes) {
    rogue.state.mode = mode;
    const flow = await authorize(rogueWorker.url, "ann@acme.example");
    assert.equal(flow.code, undefined, mode);
    assert.equal(flow.page.response.status, 502, mode);
    assert.match(flow.page.html, message, mode);
  }
  for (const mode of ["good", "ps256", "es256"]) {
    rogue.state.mode = mode;
    const good = await authorize(rogueWorker.url, "ann@acme.example");
    assert.ok(good.code, `the same provider's good ${mode} token works: ${good.page?.html}`);
  }
});

test("refresh: a retry within the grace window gets an access token only; reuse after it kills the grant; a grant ends at its absolute lifetime", { timeout: 90_000 }, async () => {
  const { tokens, client } = await signIn(worker.url, "ann@acme.example");
  const short = await signIn(shortGrant.url, "ann@acme.example");
  const refresh = (w, token, c) => tokenRequest(w.url, { grant_type: "refresh_token", refresh_token: token, client_id: c.client_id });

  const both = await Promise.all([refresh(worker, tokens.refresh_token, client), refresh(worker, tokens.refresh_token, client)]);
  assert.deepEqual(both.map((r) => r.status), [200, 200], "two concurrent refreshes both succeed");
  // Security review finding 11: the retry used to get the current refresh token too.
  const rotated = both.filter((r) => r.body.refresh_token);
  assert.equal(rotated.length, 1, "one live refresh token, not two; the retry gets an access token only");
  const a = rotated[0];
  const retry = both.find((r) => !r.body.refresh_token);
  assert.equal((await mcp(worker, retry.body.access_token)).status, 200, "the retry's access token works");
  assert.notEqual(a.body.refresh_token, tokens.refresh_token);
  const next = await refresh(worker, a.body.refresh_token, client);
  assert.equal(next.status, 200);

  await new Promise((resolve) => setTimeout(resolve, 31_000));
  const reused = await refresh(worker, a.body.refresh_token, client);
  assert.deepEqual([reused.status, reused.body.error], [400, "invalid_grant"]);
  assert.match(reused.body.error_description, /already used/);
  assert.equal((await refresh(worker, next.body.refresh_token, client)).body.error, "invalid_grant", "the whole grant is dead");
  assert.equal((await mcp(worker, next.body.access_token)).status, 401);

  const expiredAccess = await mcp(shortGrant, short.tokens.access_token);
  assert.equal(expiredAccess.status, 401, "the access token ends with the grant");
  assert.match(expiredAccess.headers.get("www-authenticate"), /expired/);
  const pastLifetime = await refresh(shortGrant, short.tokens.refresh_token, short.client);
  assert.deepEqual([pastLifetime.status, pastLifetime.body.error], [400, "invalid_grant"]);
  assert.match(pastLifetime.body.error_description, /sign in again/);
});
