// Runs `wrangler dev` on 127.0.0.1:8787 (the build is done by scripts/dev.sh). Without a
// .dev.vars file, first starts a local GitHub stand-in seeded from examples/marketplace.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GitRepo, readTree } from "../e2e/lib/git-repo.mjs";
import { FakeGitHub } from "../e2e/lib/fake-github.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.PORT ?? "8787";
const base = `http://127.0.0.1:${port}`;
const demo = !existsSync(path.join(root, ".dev.vars"));
const cleanups = [];

const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", ".wrangler/state"];
if (demo) {
  const repo = await GitRepo.create();
  cleanups.push(() => repo.destroy());
  await repo.commit(await readTree(path.join(root, "examples/marketplace")), "Example marketplace");
  const github = new FakeGitHub(repo, { owner: "example", name: "skills", token: "demo-token" });
  await github.start();
  cleanups.push(() => github.stop());
  args.push("--var", "MARKETPLACE_REPO:example/skills", "--var", `GITHUB_API_URL:${github.url}`, "--var", "GITHUB_SERVICE_TOKEN:demo-token");
  console.log(`Demo: a local GitHub stand-in at ${github.url} serves examples/marketplace.`);
} else {
  console.log("Using .dev.vars: serving the repository it names, from GitHub.");
}

const wrangler = spawn("npx", args, { cwd: root, stdio: ["inherit", "pipe", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
let announced = false;
wrangler.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!announced && chunk.toString().includes("Ready on")) {
    announced = true;
    console.log(`\n  Connector: ${base}/mcp   (home page: ${base}/)`);
    console.log(`  Try it:    npx @modelcontextprotocol/inspector --cli ${base}/mcp --method tools/list\n`);
  }
});

async function shutdown(code) {
  wrangler.kill("SIGINT");
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  process.exit(code);
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));
wrangler.on("exit", (code) => shutdown(code ?? 0));
