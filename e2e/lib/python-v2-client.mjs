// The official Python MCP SDK 2.x (e2e/python-v2/client.py, from its own virtualenv), at MCP
// 2026-07-28, as an object the tests call like the TypeScript clients.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { homedir } from "node:os";
import path from "node:path";
import { ROOT } from "./worker.mjs";

const VENV = process.env.SKILLPORT_VENV_V2 ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "skillport-connector/venv-v2");

/**
 * Starts the client connected to `url`; resolves once it is connected, to
 * {protocolVersion, callTool({name, arguments}), listTools(), request(message), close()}.
 */
export async function pythonV2Client(url, { headers = {} } = {}) {
  const args = [path.join(ROOT, "e2e/python-v2/client.py"), url];
  for (const [name, value] of Object.entries(headers)) args.push("--header", `${name}:${value}`);
  const child = spawn(path.join(VENV, "bin/python"), args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the Python client stopped: ${stderr}`);
    return JSON.parse(value);
  };
  const request = async (message) => {
    child.stdin.write(`${JSON.stringify(message)}\n`);
    const answer = await next();
    if (answer.error) throw new Error(answer.error);
    return answer;
  };
  const { ready } = await next();
  return {
    protocolVersion: ready,
    callTool: ({ name, arguments: args = {} }) => request({ tool: name, arguments: args }),
    listTools: () => request({ method: "tools/list" }).then(({ tools }) => ({ tools: tools.map((name) => ({ name })) })),
    request,
    async close() {
      child.stdin.end();
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
    },
  };
}
