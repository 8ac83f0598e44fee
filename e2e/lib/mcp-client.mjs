// The official MCP TypeScript SDK client, connected over Streamable HTTP.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** Connects a client to `${baseUrl}/mcp`; remember to `close()` it. */
export async function connectClient(baseUrl, { headers = {} } = {}) {
  const client = new Client({ name: "skillport-e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}
