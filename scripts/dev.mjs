// Runs `wrangler dev` on 127.0.0.1:8787 (the build is done by scripts/dev.sh). Without a
// .dev.vars file, first starts a local GitHub stand-in seeded from examples/marketplace and a
// local OpenID provider where anyone signs in as any email address.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GitRepo, readTree } from "../e2e/lib/git-repo.mjs";
import { FakeGitHub } from "../e2e/lib/fake-github.mjs";
import { startOidcProvider } from "../e2e/lib/oidc.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.PORT ?? "8787";
const base = `http://127.0.0.1:${port}`;
// `--demo` forces the demo even when a .dev.vars exists (the end-to-end test of the demo uses it).
const demo = process.argv.includes("--demo") || !existsSync(path.join(root, ".dev.vars"));
const persistTo = process.env.PERSIST_TO ?? ".wrangler/state";
const cleanups = [];

const args = ["dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", persistTo];
if (demo) {
  const repo = await GitRepo.create();
  cleanups.push(() => repo.destroy());
  await repo.commit(await readTree(path.join(root, "examples/marketplace")), "Example marketplace");
  const github = new FakeGitHub(repo, { owner: "example", name: "skills", token: "demo-token" });
  await github.start();
  cleanups.push(() => github.stop());
  const oidc = await startOidcProvider({ connectorUrl: base });
  cleanups.push(() => oidc.stop());
  args.push(
    "--var", `OIDC_ISSUER:${oidc.issuer}`,
    "--var", `OIDC_CLIENT_ID:${oidc.clientId}`,
    "--var", `OIDC_CLIENT_SECRET:${oidc.clientSecret}`,
    "--var", "OIDC_PROVIDER_NAME:demo",
    "--var", "ALLOWED_DOMAINS:*",
    "--var", "MARKETPLACE_REPO:example/skills",
    "--var", `GITHUB_API_URL:${github.url}`,
    "--var", "GITHUB_SERVICE_TOKEN:demo-token",
    "--var", `COOKIE_ENCRYPTION_KEY:${randomBytes(32).toString("hex")}`,
  );
  console.log(`Demo: a local GitHub stand-in at ${github.url} serves examples/marketplace.`);
  console.log(`Demo: a local OpenID provider at ${oidc.issuer} signs anyone in as any email address.`);
} else {
  console.log("Using .dev.vars: serving the repository it names, from GitHub.");
}

// Its own process group, so that stopping the demo stops wrangler and the runtime it started.
const wrangler = spawn(path.join(root, "node_modules/.bin/wrangler"), args, {
  cwd: root,
  detached: true,
  stdio: ["inherit", "pipe", "inherit"],
  // No fetch of Cloudflare's `Request.cf` sample at each start (it fails, loudly, offline); the
  // connector reads nothing from `request.cf`.
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});
let announced = false;
wrangler.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!announced && chunk.toString().includes("Ready on")) {
    announced = true;
    console.log(`\n  Connector: ${base}/mcp   (home page: ${base}/)`);
    console.log(`  Try it:    npx @modelcontextprotocol/inspector   (Streamable HTTP, URL ${base}/mcp; it signs you in)`);
    console.log(`  Or:        TOKEN=$(node scripts/sign-in.mjs ${base} you@example.com)`);
    console.log(`             npx @modelcontextprotocol/inspector --cli ${base}/mcp --header "Authorization: Bearer $TOKEN" --method tools/list\n`);
  }
});

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-wrangler.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  process.exit(code);
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));
wrangler.on("exit", (code) => shutdown(code ?? 0));
