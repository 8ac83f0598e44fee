// Company identity beyond Google, each provider through stand-ins shaped like it and the official
// MCP SDK's own sign-in: Microsoft Entra ID (the multi-tenant issuer, tenant ids, an email only
// when Entra vouches for it, object-id groups and the group overage), Okta (groups under the
// `groups` scope of a custom authorization server) and GitHub (an OAuth app: organization
// membership, teams, and a user token that is never kept), the last beside an OpenID provider
// with the sign-in page offering both.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { TestOAuthProvider, connectWithOAuth } from "./lib/oauth-client.mjs";
import { authorize, register, signIn, tokenRequest } from "./lib/sign-in.mjs";
import { connectClient } from "./lib/mcp-client.mjs";
import { Browser } from "./lib/browser.mjs";
import { ENTRA_DIRECTORY, ENTRA_REMOVED, ENTRA_SALES_GROUP, ENTRA_TENANT, PARTNER_TENANT } from "./lib/oidc.mjs";

const rules = (principal) => JSON.stringify({ version: "1.0", skills: { "proposal-writer": { read: principal } }, defaults: { read: "*", write: "editors" } });
const files = (principal) => ({ ...fixtureFiles(), ".skillport/access.json": rules(principal) });
const text = (page) => page.html.replace(/<style>[\s\S]*<\/style>/, "").replace(/<[^>]+>/g, " ").replace(/&#x27;|&#39;/g, "'").replace(/\s+/g, " ");

/** Signs `email` in with the SDK (choosing `choose` where offered); resolves to the connected client. */
async function sdkClient(url, email, options = {}) {
  return connectWithOAuth(url, new TestOAuthProvider(email, options));
}
const call = async (client, name, args = {}) => client.callTool({ name, arguments: args });
const names = async (client) => (await call(client, "list_skills")).structuredContent.skills.map((s) => s.name);

/** Expects the sign-in of `email` to end on the refusal page; resolves to its text. */
async function refusal(url, email, options = {}) {
  const result = await authorize(url, email, options);
  assert.equal(result.code, undefined, `${email} must not get a code`);
  assert.equal(result.page?.response.status, 403, `${email}: ${result.page && text(result.page).slice(0, 400)}`);
  return text(result.page);
}

describe("Microsoft Entra ID, multi-tenant issuer", () => {
  let stack;
  const clients = [];
  before(async () => {
    stack = await startStack({ files: files(`group:${ENTRA_SALES_GROUP}`), oidc: { shape: "entra" }, vars: { ALLOWED_DOMAINS: "acme.example" } });
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await stack?.stop();
  });

  test("a member signs in as entra:<tid>:<oid>, with their groups, and reads the skill restricted to their group", async () => {
    const ann = await sdkClient(stack.worker.url, "ann@acme.example");
    clients.push(ann);
    const me = (await call(ann, "whoami")).structuredContent;
    assert.equal(me.id, `entra:${ENTRA_TENANT}:${ENTRA_DIRECTORY[ENTRA_TENANT]["ann@acme.example"].oid}`);
    assert.equal(me.provider, "entra");
    assert.equal(me.email, "ann@acme.example");
    assert.deepEqual(me.groups, [ENTRA_SALES_GROUP]);
    assert.ok((await names(ann)).includes("proposal-writer"));
    const fetched = await call(ann, "fetch_skill", { name: "proposal-writer" });
    assert.notEqual(fetched.isError, true);
  });

  test("a member without an email claim signs in by UPN, and outside the group does not see the skill", async () => {
    const rita = await sdkClient(stack.worker.url, "rita@acme.example");
    clients.push(rita);
    const me = (await call(rita, "whoami")).structuredContent;
    assert.equal(me.email, "rita@acme.example");
    assert.deepEqual(me.groups, []);
    assert.ok(!(await names(rita)).includes("proposal-writer"));
    assert.equal((await call(rita, "fetch_skill", { name: "proposal-writer" })).isError, true);
  });

  test("an email of an allowed domain that Entra does not vouch for admits nobody", async () => {
    const page = await refusal(stack.worker.url, "eve@acme.example");
    assert.match(page, /did not confirm that eve@acme\.example belongs to your organization/);
    assert.match(page, /xms_edov/);
  });

  test("a tenant outside OIDC_TENANTS is refused, even with a vouched-for email of an allowed domain", async () => {
    const page = await refusal(stack.worker.url, "pat@acme.example");
    assert.match(page, new RegExp(`tenant ${PARTNER_TENANT}`));
  });

  test("each refresh reads the groups again, and a person removed from the directory is signed out at their next refresh", async () => {
    const gus = ENTRA_DIRECTORY[ENTRA_TENANT]["gus@acme.example"];
    const { tokens, client } = await signIn(stack.worker.url, "gus@acme.example");
    const as = async (accessToken) => {
      const mcp = await connectClient(stack.worker.url, { headers: { authorization: `Bearer ${accessToken}` } });
      clients.push(mcp);
      return { groups: (await call(mcp, "whoami")).structuredContent.groups, skills: await names(mcp) };
    };
    const before = await as(tokens.access_token);
    assert.deepEqual(before.groups, [ENTRA_SALES_GROUP]);
    assert.ok(before.skills.includes("proposal-writer"));

    const refresh = (refreshToken) => tokenRequest(stack.worker.url, { grant_type: "refresh_token", refresh_token: refreshToken, client_id: client.client_id });
    gus.groups = []; // the directory changes
    const renewed = await refresh(tokens.refresh_token);
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    const after = await as(renewed.body.access_token);
    assert.deepEqual(after.groups, [], "the refresh read the groups the directory has now");
    assert.ok(!after.skills.includes("proposal-writer"));

    gus.groups = [ENTRA_SALES_GROUP];
    const again = await refresh(renewed.body.refresh_token);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual((await as(again.body.access_token)).groups, [ENTRA_SALES_GROUP], "the renewed provider token works for the next refresh");

    ENTRA_REMOVED.add("gus@acme.example");
    const ended = await refresh(again.body.refresh_token);
    assert.equal(ended.status, 400);
    assert.equal(ended.body.error, "invalid_grant");
    assert.match(ended.body.error_description, /identity provider ended your sign-in/);
    const mcp = await fetch(`${stack.worker.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${again.body.access_token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(mcp.status, 401, "the access token of the ended sign-in stops working at once");
  });

  test("the group overage is reported by whoami, and grants no group", async () => {
    const olga = await sdkClient(stack.worker.url, "olga@acme.example");
    clients.push(olga);
    const me = (await call(olga, "whoami")).structuredContent;
    assert.deepEqual(me.groups, []);
    assert.match(me.groups_problem, /too many/);
    assert.ok(!(await names(olga)).includes("proposal-writer"));
  });
});

describe("Microsoft Entra ID, one tenant's issuer", () => {
  let stack, ann;
  before(async () => {
    stack = await startStack({ files: files(`group:${ENTRA_SALES_GROUP}`), oidc: { shape: "entra-tenant" }, vars: { ALLOWED_DOMAINS: "acme.example" } });
  });
  after(async () => {
    await ann?.close().catch(() => {});
    await stack?.stop();
  });

  test("a member of the tenant signs in without an allow-list, and an unvouched email is still refused", async () => {
    ann = await sdkClient(stack.worker.url, "ann@acme.example");
    const me = (await call(ann, "whoami")).structuredContent;
    assert.equal(me.id, `entra:${ENTRA_TENANT}:${ENTRA_DIRECTORY[ENTRA_TENANT]["ann@acme.example"].oid}`);
    assert.ok((await names(ann)).includes("proposal-writer"));
    assert.match(await refusal(stack.worker.url, "eve@acme.example"), /xms_edov/);
  });
});

describe("Okta, custom authorization server", () => {
  let stack;
  const clients = [];
  before(async () => {
    stack = await startStack({ files: files("group:Sales Team"), oidc: { shape: "okta" }, vars: { ALLOWED_DOMAINS: "acme.example" } });
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await stack?.stop();
  });

  test("the groups scope is asked for, the groups arrive, and a group: rule admits their members only", async () => {
    const browser = new Browser();
    const gail = await sdkClient(stack.worker.url, "gail@acme.example", { browser });
    clients.push(gail);
    const upstream = browser.visited.map((v) => new URL(v.url)).find((u) => u.pathname === "/oauth2/default/auth");
    assert.deepEqual(upstream.searchParams.get("scope").split(" ").sort(), ["email", "groups", "openid", "profile"]);
    const me = (await call(gail, "whoami")).structuredContent;
    assert.equal(me.id, "oidc:gail@acme.example");
    assert.deepEqual(me.groups, ["Sales Team", "eng"]);
    assert.ok((await names(gail)).includes("proposal-writer"));
    const rita = await sdkClient(stack.worker.url, "rita@acme.example");
    clients.push(rita);
    assert.ok(!(await names(rita)).includes("proposal-writer"));
  });

  test("outside the allowed domains is refused", async () => {
    assert.match(await refusal(stack.worker.url, "mallory@evil.example"), /not in a domain allowed/);
  });
});

describe("GitHub sign-in beside an OpenID provider", () => {
  let stack, persist;
  const clients = [];
  const people = {
    octocat: { id: 583231, name: "Mona Octocat", emails: [{ email: "mona@users.example", primary: false, verified: true }, { email: "mona@acme.example", primary: true, verified: true }], orgs: { acme: "active" }, teams: [{ org: "acme", slug: "sales" }, { org: "other", slug: "sales" }] },
    hubot: { id: 9919, emails: [{ email: "hubot@acme.example", primary: true, verified: true }], orgs: { acme: "active" }, teams: [{ org: "acme", slug: "platform" }] },
    outsider: { id: 1, emails: [{ email: "o@elsewhere.example", primary: true, verified: true }], orgs: { elsewhere: "active" } },
    invited: { id: 2, emails: [{ email: "i@acme.example", primary: true, verified: true }], orgs: { acme: "pending" } },
    unverified: { id: 3, emails: [{ email: "u@acme.example", primary: true, verified: false }], orgs: { acme: "active" } },
  };
  before(async () => {
    persist = await mkdtemp(path.join(tmpdir(), "skillport-github-sign-in-"));
    stack = await startStack({ files: files("github-team:acme/sales"), githubSignIn: { orgs: ["acme"], people }, persistTo: persist });
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await stack?.stop();
    await rm(persist, { recursive: true, force: true });
  });

  test("the consent page offers both providers", async () => {
    const result = await authorize(stack.worker.url, "ann@acme.example", { choose: "nowhere" });
    const html = result.page.html;
    assert.match(html, /value="allow:oidc"/);
    assert.match(html, /value="allow:github"/);
    assert.match(html, /Continue with GitHub/);
  });

  test("a member signs in with GitHub as github:<id>, with their teams in the allowed organizations, and reads the team's skill", async () => {
    const before = stack.github.requests.length;
    const mona = await sdkClient(stack.worker.url, "octocat", { choose: "github" });
    clients.push(mona);
    // The callback's cost at GitHub: the token exchange, then user, emails, one membership, teams.
    const signIn = stack.github.requests.slice(before).filter((r) => /^\/(login\/oauth\/access_token|user)/.test(r.path)).map((r) => r.path);
    assert.deepEqual(signIn, ["/login/oauth/access_token", "/user", "/user/emails", "/user/memberships/orgs/acme", "/user/teams"]);
    const me = (await call(mona, "whoami")).structuredContent;
    assert.equal(me.id, "github:583231");
    assert.equal(me.provider, "github");
    assert.equal(me.email, "mona@acme.example", "the verified primary email");
    assert.equal(me.name, "Mona Octocat");
    assert.deepEqual(me.github_teams, ["acme/sales"], "teams of other organizations are not recorded");
    assert.ok((await names(mona)).includes("proposal-writer"));
    assert.notEqual((await call(mona, "fetch_skill", { name: "proposal-writer" })).isError, true);

    const hubot = await sdkClient(stack.worker.url, "hubot", { choose: "github" });
    clients.push(hubot);
    assert.ok(!(await names(hubot)).includes("proposal-writer"), "another team's member does not see it");
    assert.equal((await call(hubot, "fetch_skill", { name: "proposal-writer" })).isError, true);
  });

  test("the OpenID provider still signs people in beside GitHub, under its own prefix", async () => {
    const ann = await sdkClient(stack.worker.url, "ann@acme.example", { choose: "oidc" });
    clients.push(ann);
    const me = (await call(ann, "whoami")).structuredContent;
    assert.equal(me.id, "google:ann@acme.example");
    assert.ok(!(await names(ann)).includes("proposal-writer"));
  });

  test("outside the organization, a pending invitation and an unverified primary email are refused", async () => {
    assert.match(await refusal(stack.worker.url, "outsider", { choose: "github" }), /outsider is not a member of acme on GitHub/);
    assert.match(await refusal(stack.worker.url, "invited", { choose: "github" }), /invited is not a member of acme/);
    assert.match(await refusal(stack.worker.url, "unverified", { choose: "github" }), /no verified primary email/);
  });

  test("a client approved before gets the provider chooser, not the consent page again", async () => {
    const browser = new Browser();
    const client = await register(stack.worker.url);
    const first = await authorize(stack.worker.url, "octocat", { client, browser, choose: "github" });
    assert.ok(first.code);
    const again = await authorize(stack.worker.url, "octocat", { client, browser, choose: "nowhere" });
    assert.match(again.page.html, /<h1>Sign in to Skillport Connector<\/h1>/);
    assert.doesNotMatch(again.page.html, /Allow /);
    const chosen = await authorize(stack.worker.url, "octocat", { client, browser, choose: "github" });
    assert.ok(chosen.code, "the chooser leads on to GitHub");
  });

  test("GitHub's user tokens are used during the callback only: never stored, never logged", async () => {
    const tokens = [...stack.github.userTokens.keys()];
    assert.ok(tokens.length >= 3, "the tests above signed people in with GitHub");
    const stored = [];
    const walk = async (dir) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else stored.push(await readFile(full));
      }
    };
    await walk(persist);
    assert.ok(stored.length > 0, "the Worker's storage was persisted");
    for (const token of tokens) {
      assert.ok(!stored.some((bytes) => bytes.includes(token)), "a user token is in the Worker's storage");
      assert.ok(!stack.worker.logs.some((line) => line.includes(token)), "a user token is in the Worker's logs");
    }
  });
});
