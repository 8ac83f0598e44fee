// Sign-in as MCP clients do it, in the Workers runtime against an OpenID provider standing in
// for Google: discovery, the official TypeScript and Python SDKs registering, walking the consent
// page and the provider's login form, calling whoami, and refreshing after the access token
// expires with no new login; a client identified by a Client ID Metadata Document; and nothing
// secret left in plaintext in the KV or Durable Object storage afterwards.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fetch as miniflareFetch, Response as MiniflareResponse } from "miniflare";
import { GitRepo } from "./lib/git-repo.mjs";
import { FakeGitHub } from "./lib/fake-github.mjs";
import { startWorker } from "./lib/worker.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { TestOAuthProvider, connectWithOAuth, SDK_REDIRECT_URI } from "./lib/oauth-client.mjs";
import { pythonOAuthClient } from "./lib/python-client.mjs";
import { Browser } from "./lib/browser.mjs";
import { authorize, register, signIn, tokenRequest } from "./lib/sign-in.mjs";

const ACCESS_SECONDS = 10;
const METADATA_URL = "https://client.example/oauth/metadata.json";
const PYTHON_METADATA_URL = "https://client.example/oauth/python.json";
let repo, github, worker, state;
/** Every secret value seen during the run, to look for in storage afterwards. */
const secrets = new Set();
let documentFetches = 0;

/** The runtime's outbound fetch: Client ID Metadata Documents are served here; the rest passes. */
async function outbound(request) {
  const url = new URL(request.url);
  if (url.host === "client.example") {
    documentFetches += 1;
    const documents = {
      [METADATA_URL]: { client_id: METADATA_URL, client_name: "Metadata Document Client", redirect_uris: [SDK_REDIRECT_URI], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"] },
      [PYTHON_METADATA_URL]: { client_id: PYTHON_METADATA_URL, client_name: "Python Metadata Client", redirect_uris: ["http://127.0.0.1:9/python-callback"], token_endpoint_auth_method: "none" },
    };
    const document = documents[request.url];
    return document
      ? new MiniflareResponse(JSON.stringify(document), { headers: { "content-type": "application/json", "cache-control": "max-age=300" } })
      : new MiniflareResponse("not found", { status: 404 });
  }
  return miniflareFetch(request);
}

before(async () => {
  repo = await GitRepo.create();
  await repo.commit(fixtureFiles(), "Fixture marketplace");
  github = new FakeGitHub(repo);
  await github.start();
  state = await mkdtemp(path.join(tmpdir(), "skillport-sign-in-"));
  worker = await startWorker({
    vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token, ACCESS_TOKEN_LIFETIME_SECONDS: String(ACCESS_SECONDS) },
    outboundService: outbound,
    persistTo: state,
  });
  secrets.add(worker.oidc.clientSecret);
});

after(async () => {
  await worker?.stop();
  await github?.stop();
  await repo?.destroy();
  if (state) await rm(state, { recursive: true, force: true });
});

test("discovery: protected resource metadata at all three paths, authorization server metadata, and a 401 that says where to sign in", async () => {
  for (const suffix of ["", "/mcp", "/sse"]) {
    const response = await fetch(`${worker.url}/.well-known/oauth-protected-resource${suffix}`);
    assert.equal(response.status, 200, suffix);
    const body = await response.json();
    assert.equal(body.resource, worker.url);
    assert.deepEqual(body.authorization_servers, [worker.url]);
    assert.deepEqual(body.bearer_methods_supported, ["header"]);
  }
  assert.equal((await fetch(`${worker.url}/.well-known/oauth-protected-resource/other`)).status, 404);
  const metadata = await (await fetch(`${worker.url}/.well-known/oauth-authorization-server`)).json();
  assert.equal(metadata.issuer, worker.url);
  assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
  assert.deepEqual(metadata.grant_types_supported, ["authorization_code", "refresh_token"]);
  assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ["none", "client_secret_post", "client_secret_basic"]);
  assert.equal(metadata.client_id_metadata_document_supported, true);
  assert.equal(metadata.authorization_response_iss_parameter_supported, true);
  for (const endpoint of ["authorization", "token", "registration", "revocation"]) assert.ok(metadata[`${endpoint}_endpoint`].startsWith(worker.url));

  const anonymous = await fetch(`${worker.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", origin: "https://claude.ai" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), `Bearer resource_metadata="${worker.url}/.well-known/oauth-protected-resource/mcp"`);
  assert.match(anonymous.headers.get("access-control-expose-headers"), /WWW-Authenticate/);
  const garbage = await fetch(`${worker.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer garbage" }, body: "{}" });
  assert.equal(garbage.status, 401);
  assert.match(garbage.headers.get("www-authenticate"), /error="invalid_token"/);
});

test("the TypeScript SDK, the Python SDK and a metadata-document client each sign in, call whoami, and refresh after the access token expires without a new login", { timeout: 120_000 }, async () => {
  const started = Date.now();
  const python = pythonOAuthClient(`${worker.url}/mcp`, "bob@acme.example", { wait: ACCESS_SECONDS + 2 });
  const pythonWithDocument = pythonOAuthClient(`${worker.url}/mcp`, "dana@acme.example", { wait: 0, clientMetadataUrl: PYTHON_METADATA_URL });

  const ann = new TestOAuthProvider("ann@acme.example");
  const annClient = await connectWithOAuth(worker.url, ann);
  const first = (await annClient.callTool({ name: "whoami", arguments: {} })).structuredContent;
  assert.deepEqual(
    { ...first, access_rules: undefined },
    { id: "google:ann@acme.example", email: "ann@acme.example", name: "Ann", provider: "google", editor: false, teams: [], groups: [], github_teams: [], access_rules: undefined, access_error: null, access_json_entry: { id: "google:ann@acme.example", label: "ann@acme.example" } },
  );
  assert.equal(ann.iss, worker.url, "the authorization response names the issuer (RFC 9207)");
  assert.match(ann.client.client_id, /^spd1\./, "registered dynamically");

  const carol = new TestOAuthProvider("carol@acme.example", { clientMetadataUrl: METADATA_URL });
  const carolClient = await connectWithOAuth(worker.url, carol);
  assert.equal((await carolClient.callTool({ name: "whoami", arguments: {} })).structuredContent.email, "carol@acme.example");
  assert.equal(carol.client.client_id, METADATA_URL, "the metadata document's URL is the client id");
  assert.ok(documentFetches >= 1);

  for (const provider of [ann, carol]) {
    const tokens = provider.tokens();
    secrets.add(tokens.access_token).add(tokens.refresh_token);
    assert.equal(tokens.token_type, "Bearer");
    assert.ok(tokens.expires_in <= ACCESS_SECONDS);
  }

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (ACCESS_SECONDS + 2) * 1000 - Date.now())));
  const expired = await fetch(`${worker.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${ann.tokens().access_token}` }, body: "{}" });
  assert.equal(expired.status, 401, "the old access token has expired");
  assert.match(expired.headers.get("www-authenticate"), /expired/);

  for (const [provider, client, email] of [[ann, annClient, "ann@acme.example"], [carol, carolClient, "carol@acme.example"]]) {
    const again = (await client.callTool({ name: "whoami", arguments: {} })).structuredContent;
    assert.equal(again.email, email);
    assert.equal(provider.logins, 1, `${email} did not log in again`);
    assert.equal(provider.tokenHistory.length, 2, `${email} refreshed once`);
    const [before, after] = provider.tokenHistory;
    assert.notEqual(after.refresh_token, before.refresh_token, "the refresh token rotated");
    secrets.add(after.access_token).add(after.refresh_token);
    await client.close();
  }

  const py = await python;
  assert.equal(py.first.email, "bob@acme.example");
  assert.equal(py.second.email, "bob@acme.example");
  assert.equal(py.logins, 1);
  assert.equal(py.refreshed, true);
  const pyDocument = await pythonWithDocument;
  assert.equal(pyDocument.first.email, "dana@acme.example");
  assert.equal(pyDocument.client_id, PYTHON_METADATA_URL);
});

test("the consent page shows once per browser and client; a confidential client authenticates with its secret", async () => {
  const browser = new Browser();
  const client = await register(worker.url);
  const first = await authorize(worker.url, "erin@acme.example", { client, browser });
  assert.ok(first.code);
  const consentPosts = () => browser.visited.filter((v) => v.method === "POST" && v.url.endsWith("/authorize")).length;
  assert.equal(consentPosts(), 1);
  const second = await authorize(worker.url, "erin@acme.example", { client, browser });
  assert.ok(second.code);
  assert.equal(consentPosts(), 1, "no consent page the second time");
  const other = await authorize(worker.url, "erin@acme.example", { client: await register(worker.url), browser });
  assert.ok(other.code);
  assert.equal(consentPosts(), 2, "another client asks again");

  const confidential = await register(worker.url, { token_endpoint_auth_method: "client_secret_basic" });
  assert.ok(confidential.client_secret);
  secrets.add(confidential.client_secret);
  const flow = await authorize(worker.url, "erin@acme.example", { client: confidential, browser });
  const params = { grant_type: "authorization_code", code: flow.code, code_verifier: flow.verifier, redirect_uri: confidential.redirect_uris[0] };
  const wrong = await tokenRequest(worker.url, params, { basic: { id: confidential.client_id, secret: "wrong" } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, "invalid_client");
  const right = await tokenRequest(worker.url, params, { basic: { id: confidential.client_id, secret: confidential.client_secret } });
  assert.equal(right.status, 200);
  assert.equal(right.headers.get("cache-control"), "no-store");
  secrets.add(right.body.access_token).add(right.body.refresh_token).add(flow.code);

  const refused = await fetch(`${worker.url}/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ redirect_uris: ["http://evil.example/cb"] }) });
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).error, "invalid_redirect_uri");
});

test("revocation ends the grant, only by the owning client", async () => {
  const { tokens, client } = await signIn(worker.url, "frank@acme.example");
  secrets.add(tokens.access_token).add(tokens.refresh_token);
  const call = () => fetch(`${worker.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tokens.access_token}` }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) });
  assert.equal((await call()).status, 200);
  const stranger = await register(worker.url);
  const byStranger = await fetch(`${worker.url}/revoke`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: tokens.refresh_token, client_id: stranger.client_id }) });
  assert.equal(byStranger.status, 400);
  assert.equal((await call()).status, 200, "still live after a stranger's attempt");
  const byOwner = await fetch(`${worker.url}/revoke`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: tokens.refresh_token, client_id: client.client_id }) });
  assert.equal(byOwner.status, 200);
  const revoked = await call();
  assert.equal(revoked.status, 401);
  assert.match(revoked.headers.get("www-authenticate"), /revoked|ended/);
  const refresh = await tokenRequest(worker.url, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: client.client_id });
  assert.equal(refresh.body.error, "invalid_grant");
});

test("no token, code or secret is stored in plaintext in KV or the Durable Objects", async () => {
  await worker.stop();
  const files = [];
  const walk = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push(full);
    }
  };
  await walk(state);
  assert.ok(files.some((f) => f.includes(`${path.sep}do${path.sep}`)), "the Durable Object storage was persisted");
  const stored = Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
  assert.ok(stored.includes(Buffer.from("grant:")), "grants are in the store (so the scan looks at the right bytes)");
  assert.ok(secrets.size >= 8);
  for (const secret of secrets) {
    for (const part of [secret, ...secret.split(".").filter((p) => p.length >= 16)]) {
      assert.ok(!stored.includes(Buffer.from(part)), `found a secret in storage: ${part.slice(0, 12)}…`);
    }
  }
  worker = null;
});
