// Runs the real wasm build (build/worker/shim.mjs) in the Workers runtime through Miniflare, on
// 127.0.0.1, with wrangler.toml's compatibility settings and bindings and the test's own vars.
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { startOidcProvider } from "./oidc.mjs";
import { signIn } from "./sign-in.mjs";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SHIM = path.join(ROOT, "build/worker/shim.mjs");


/** A free TCP port on 127.0.0.1 (the sign-in provider must know the Worker's URL in advance). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the Worker. `vars` override wrangler.toml's [vars] (secrets are vars locally). With
 * `persistTo`, KV and Durable Object storage are kept in that directory (to inspect what is
 * stored). `oidc` picks the identity provider stand-in (false for none). Resolves to
 * {url, mf, logs, oidc, bearer, stop}.
 */
export async function startWorker(options = {}) {
  // The identity provider must know the Worker's callback URL, so the Worker's port is chosen
  // before the runtime binds it; if something else takes it meanwhile, start again on another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (error?.code !== "ERR_ADDRESS_IN_USE" || options.port || attempt === 3) throw error;
    }
  }
}

async function startOnce({ vars = {}, outboundService, port, persistTo, oidc = true }) {
  port ??= oidc ? await freePort() : 0;
  // `oidc`: true for the Google-shaped provider, or {shape: "okta" | "entra"}.
  const shape = typeof oidc === "object" ? oidc.shape : "google";
  const provider = oidc ? await startOidcProvider({ connectorUrl: `http://127.0.0.1:${port}`, shape }) : null;
  // A fresh signing key per Worker, unless the test sets one (or sets it empty on purpose).
  vars = {
    COOKIE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    ...(provider ? provider.vars : {}),
    // The test identity provider signs in people of several domains; tests of the domain rule set their own.
    ALLOWED_DOMAINS: "*",
    ...vars,
  };
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
    // A fixed `request.cf` instead of fetching Cloudflare's sample at each start (offline here).
    cf: false,
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
    durableObjects: workerOptions.durableObjects,
    ...(persistTo ? { kvPersist: path.join(persistTo, "kv"), durableObjectsPersist: path.join(persistTo, "do") } : {}),
    outboundService,
    host: "127.0.0.1",
    port,
    // The Worker's console output: one JSON line per request, kept for tests to inspect.
    handleRuntimeStdio(stdout, stderr) {
      collect(stdout);
      collect(stderr);
    },
  });
  let url;
  try {
    url = (await mf.ready).toString().replace(/\/$/, "");
  } catch (error) {
    await mf.dispose().catch(() => {});
    await provider?.stop();
    throw error;
  }
  const bearers = new Map();
  return {
    url,
    mf,
    logs,
    oidc: provider,
    /** An `Authorization` header value for `email`, signing in once per email. */
    async bearer(email = "ann@acme.example") {
      if (!bearers.has(email)) bearers.set(email, `Bearer ${(await signIn(url, email)).tokens.access_token}`);
      return bearers.get(email);
    },
    async stop() {
      await mf.dispose();
      await provider?.stop();
    },
  };
}
