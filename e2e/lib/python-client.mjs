// Runs the official Python MCP client (e2e/python/client.py) from the virtualenv setup made.
import { execFile } from "node:child_process";
import { homedir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./worker.mjs";

const run = promisify(execFile);
const VENV = process.env.SKILLPORT_VENV ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "skillport-connector/venv");

/** Connects to `url`, lists tools and runs `calls`; resolves to {tools, results}. */
export async function pythonClient(url, calls, { transport = "streamable-http", headers = {} } = {}) {
  const args = [path.join(ROOT, "e2e/python/client.py"), url, JSON.stringify(calls), "--transport", transport];
  for (const [name, value] of Object.entries(headers)) args.push("--header", `${name}:${value}`);
  const { stdout } = await run(path.join(VENV, "bin/python"), args, { timeout: 60_000 });
  return JSON.parse(stdout);
}

/** Runs e2e/python/oauth_client.py: the Python SDK signs in by itself, calls whoami, waits, calls again. */
export async function pythonOAuthClient(url, email, { wait = 0, clientMetadataUrl } = {}) {
  const args = [path.join(ROOT, "e2e/python/oauth_client.py"), url, email, "--wait", String(wait)];
  if (clientMetadataUrl) args.push("--client-metadata-url", clientMetadataUrl);
  const { stdout } = await run(path.join(VENV, "bin/python"), args, { timeout: 120_000 });
  return JSON.parse(stdout);
}
