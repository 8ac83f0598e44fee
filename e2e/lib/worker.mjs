// Runs the real wasm build (build/worker/shim.mjs) in the Workers runtime through Miniflare, on
// 127.0.0.1, with wrangler.toml's compatibility settings and bindings and the test's own vars.
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SHIM = path.join(ROOT, "build/worker/shim.mjs");


/**
 * Starts the Worker. `vars` override wrangler.toml's [vars] (secrets are vars locally).
 * Resolves to {url, mf, logs, stop}.
 */
export async function startWorker({ vars = {}, outboundService } = {}) {
  // A fresh signing key per Worker, unless the test sets one (or sets it empty on purpose).
  vars = { COOKIE_ENCRYPTION_KEY: randomBytes(32).toString("hex"), ...vars };
  if (!existsSync(SHIM)) throw new Error("build/worker/shim.mjs is missing: run scripts/build.sh first");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));
  const logs = [];
  const collect = (stream) => {
    let pending = "";
    stream.on("data", (chunk) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop();
      logs.push(...lines.filter((line) => line.trim()));
    });
  };
  const mf = new Miniflare({
    rootPath: ROOT,
    scriptPath: SHIM,
    modules: true,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: workerOptions.compatibilityDate,
    compatibilityFlags: workerOptions.compatibilityFlags,
    bindings: { ...workerOptions.bindings, ...vars },
    kvNamespaces: Object.keys(workerOptions.kvNamespaces ?? {}),
    outboundService,
    host: "127.0.0.1",
    port: 0,
    // The Worker's console output: one JSON line per request, kept for tests to inspect.
    handleRuntimeStdio(stdout, stderr) {
      collect(stdout);
      collect(stderr);
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    mf,
    logs,
    async stop() {
      await mf.dispose();
    },
  };
}
