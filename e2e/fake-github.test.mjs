// The fake GitHub is only worth what its fidelity is: its answers are checked against GitHub's
// published OpenAPI description, and it enforces GitHub's authentication rules.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { GitRepo } from "./lib/git-repo.mjs";
import { FakeGitHub } from "./lib/fake-github.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";

const require = createRequire(import.meta.url);
const spec = toJsonSchema(require("@octokit/openapi/generated/api.github.com.json"));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, "github");
const schema = (name) => ajv.getSchema(`github#/components/schemas/${name}`);

/** OpenAPI 3.0's `nullable: true` as plain JSON Schema, which Ajv validates without extensions. */
function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const { nullable, ...rest } = node;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, toJsonSchema(value)]));
  if (nullable !== true) return converted;
  if (typeof converted.type === "string") {
    return { ...converted, type: [converted.type, "null"], ...(converted.enum ? { enum: [...converted.enum, null] } : {}) };
  }
  return { anyOf: [converted, { type: "null" }] };
}

let repo, github;
const headers = (token) => ({ "user-agent": "e2e", accept: "application/vnd.github+json", authorization: `Bearer ${token}` });

before(async () => {
  repo = await GitRepo.create();
  await repo.commit(fixtureFiles());
  github = new FakeGitHub(repo);
  await github.start();
});

after(async () => {
  await github?.stop();
  await repo?.destroy();
});

test("GET /repos/{owner}/{repo} matches full-repository", async () => {
  const response = await fetch(`${github.url}/repos/acme/skills`, { headers: headers(github.token) });
  assert.equal(response.status, 200);
  const validate = schema("full-repository");
  assert.ok(validate(await response.json()), JSON.stringify(validate.errors));
});

test("GET /repos/{owner}/{repo}/git/ref/heads/{branch} matches git-ref and revalidates with its ETag", async () => {
  const url = `${github.url}/repos/acme/skills/git/ref/heads/main`;
  const response = await fetch(url, { headers: headers(github.token) });
  assert.equal(response.status, 200);
  const body = await response.json();
  const validate = schema("git-ref");
  assert.ok(validate(body), JSON.stringify(validate.errors));
  assert.equal(body.object.sha, await repo.head());
  const etag = response.headers.get("etag");
  const again = await fetch(url, { headers: { ...headers(github.token), "if-none-match": etag } });
  assert.equal(again.status, 304);
  await repo.commit({ "README.md": "changed" });
  const moved = await fetch(url, { headers: { ...headers(github.token), "if-none-match": etag } });
  assert.equal(moved.status, 200, "a new commit changes the ETag");
});

test("GET /repos/{owner}/{repo}/commits?per_page=1 matches commit[] and revalidates with its ETag", async () => {
  const url = `${github.url}/repos/acme/skills/commits?per_page=1`;
  const response = await fetch(url, { headers: headers(github.token) });
  assert.equal(response.status, 200);
  const body = await response.json();
  const validate = schema("commit");
  assert.equal(body.length, 1);
  assert.ok(validate(body[0]), JSON.stringify(validate.errors));
  assert.equal(body[0].sha, await repo.head());
  assert.equal(body[0].commit.tree.sha, (await repo.git(["rev-parse", "HEAD^{tree}"])).trim());
  const etag = response.headers.get("etag");
  assert.equal((await fetch(url, { headers: { ...headers(github.token), "if-none-match": etag } })).status, 304);
  const branch = await fetch(`${url}&sha=main`, { headers: headers(github.token) });
  assert.equal((await branch.json())[0].sha, await repo.head());
  const missing = await fetch(`${url}&sha=nope`, { headers: headers(github.token) });
  assert.equal(missing.status, 404);
});

test("GET /repos/{owner}/{repo}/zipball/{ref} redirects once to a zip of the commit", async () => {
  const sha = await repo.head();
  const response = await fetch(`${github.url}/repos/acme/skills/zipball/${sha}`, { headers: headers(github.token), redirect: "manual" });
  assert.equal(response.status, 302);
  const location = response.headers.get("location");
  assert.match(location, /legacy\.zip\/[0-9a-f]{40}\?token=/);
  const archive = await fetch(location, { headers: { "user-agent": "e2e" } });
  assert.equal(archive.status, 200);
  const bytes = Buffer.from(await archive.arrayBuffer());
  assert.equal(bytes.subarray(0, 4).toString("hex"), "504b0304", "a zip file");
  const tampered = await fetch(location.replace(/token=[0-9a-f]+/, "token=0000"), { headers: { "user-agent": "e2e" } });
  assert.equal(tampered.status, 404);
});

test("GitHub's rules: no User-Agent is 403, a bad token 401, an unknown path 404", async () => {
  const noAgent = await fetch(`${github.url}/repos/acme/skills`, { headers: { authorization: `Bearer ${github.token}`, "user-agent": "" } });
  assert.equal(noAgent.status, 403);
  const badToken = await fetch(`${github.url}/repos/acme/skills`, { headers: headers("wrong") });
  assert.equal(badToken.status, 401);
  assert.ok(schema("basic-error")(await badToken.json()));
  const missing = await fetch(`${github.url}/repos/acme/other`, { headers: headers(github.token) });
  assert.equal(missing.status, 404);
  const noBranch = await fetch(`${github.url}/repos/acme/skills/git/ref/heads/nope`, { headers: headers(github.token) });
  assert.equal(noBranch.status, 404);
});

test("the Git Data API writes match short-blob, git-tree, git-commit and git-ref, and a ref moves only forward", async () => {
  const post = (path, body, method = "POST") =>
    fetch(`${github.url}/repos/acme/skills${path}`, { method, headers: { ...headers(github.token), "content-type": "application/json" }, body: JSON.stringify(body) });
  const head = await repo.head();
  const baseTree = (await repo.git(["rev-parse", `${head}^{tree}`])).trim();
  const commitAnswer = await fetch(`${github.url}/repos/acme/skills/git/commits/${head}`, { headers: headers(github.token) });
  assert.ok(schema("git-commit")(await commitAnswer.json()), JSON.stringify(schema("git-commit").errors));

  const blob = await post("/git/blobs", { content: Buffer.from([0, 255]).toString("base64"), encoding: "base64" });
  assert.equal(blob.status, 201);
  const blobBody = await blob.json();
  assert.ok(schema("short-blob")(blobBody), JSON.stringify(schema("short-blob").errors));

  const tree = await post("/git/trees", { base_tree: baseTree, tree: [{ path: "new/bin", mode: "100644", type: "blob", sha: blobBody.sha }, { path: "new/text.md", mode: "100755", type: "blob", content: "hi\n" }, { path: "README.md", mode: "100644", type: "blob", sha: null }] });
  assert.equal(tree.status, 201);
  const treeBody = await tree.json();
  assert.ok(schema("git-tree")(treeBody), JSON.stringify(schema("git-tree").errors));
  const listing = await repo.git(["ls-tree", "-r", treeBody.sha]);
  assert.match(listing, /100755 blob [0-9a-f]{40}\tnew\/text\.md/);
  assert.doesNotMatch(listing, /\tREADME\.md/);
  assert.equal((await post("/git/trees", { base_tree: baseTree, tree: [{ path: "../x", mode: "100644", type: "blob", content: "x" }] })).status, 422);

  const commit = await post("/git/commits", { message: "m", tree: treeBody.sha, parents: [head] });
  assert.equal(commit.status, 201);
  const commitBody = await commit.json();
  assert.ok(schema("git-commit")(commitBody), JSON.stringify(schema("git-commit").errors));

  const sideways = await post("/git/commits", { message: "elsewhere", tree: baseTree, parents: [] });
  const notForward = await post("/git/refs/heads/main", { sha: (await sideways.json()).sha, force: false }, "PATCH");
  assert.equal(notForward.status, 422);
  assert.equal((await notForward.json()).message, "Update is not a fast forward");
  const moved = await post("/git/refs/heads/main", { sha: commitBody.sha, force: false }, "PATCH");
  assert.equal(moved.status, 200);
  assert.ok(schema("git-ref")(await moved.json()));
  assert.equal(await repo.head(), commitBody.sha);
});

test("GitHub sign-in: the OAuth web flow with PKCE, and the user API matching private-user, email[], org-membership and team-full[]", async () => {
  github.people["octocat"] = {
    id: 583231, name: "The Octocat",
    emails: [{ email: "octo@acme.example", primary: true, verified: true }],
    orgs: { acme: "active", invited: "pending" },
    teams: [{ org: "acme", slug: "platform" }],
  };
  const { clientId, clientSecret } = github.registerOAuthApp("http://127.0.0.1:9/callback");
  const verifier = "v".repeat(43);
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const authorize = `${github.url}/login/oauth/authorize?client_id=${clientId}&redirect_uri=${encodeURIComponent("http://127.0.0.1:9/callback")}&state=s1&code_challenge=${challenge}&code_challenge_method=S256&scope=read:user`;
  const page = await fetch(authorize);
  assert.match(await page.text(), /name="login"/);
  const login = await fetch(authorize, { method: "POST", redirect: "manual", body: new URLSearchParams({ login: "octocat", password: "x" }) });
  assert.equal(login.status, 302);
  const back = new URL(login.headers.get("location"));
  assert.equal(back.searchParams.get("state"), "s1");
  const exchange = (fields) => fetch(`${github.url}/login/oauth/access_token`, { method: "POST", headers: { accept: "application/json" }, body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, ...fields }) }).then((r) => r.json());
  const code = back.searchParams.get("code");
  assert.equal((await exchange({ code, code_verifier: "w".repeat(43) })).error, "invalid_grant", "a wrong verifier is refused");
  assert.equal((await exchange({ code, code_verifier: verifier })).error, "bad_verification_code", "and the code is spent");

  const again = await fetch(authorize, { method: "POST", redirect: "manual", body: new URLSearchParams({ login: "octocat", password: "x" }) });
  const token = await exchange({ code: new URL(again.headers.get("location")).searchParams.get("code"), code_verifier: verifier });
  assert.match(token.access_token, /^gho_/);
  const get = (path) => fetch(`${github.url}${path}`, { headers: headers(token.access_token) });
  const user = await get("/user");
  assert.ok(schema("private-user")(await user.json()), JSON.stringify(schema("private-user").errors));
  const emails = await (await get("/user/emails")).json();
  assert.ok(emails.every((e) => schema("email")(e)), JSON.stringify(schema("email").errors));
  const membership = await (await get("/user/memberships/orgs/acme")).json();
  assert.ok(schema("org-membership")(membership), JSON.stringify(schema("org-membership").errors));
  assert.equal(membership.state, "active");
  assert.equal((await (await get("/user/memberships/orgs/invited")).json()).state, "pending");
  assert.equal((await get("/user/memberships/orgs/elsewhere")).status, 404);
  const teams = await (await get("/user/teams?per_page=100")).json();
  assert.ok(teams.every((t) => schema("team-full")(t)), JSON.stringify(schema("team-full").errors));
  assert.equal((await get("/repos/acme/skills")).status, 401, "a person's token does not read the repository API here");
});
