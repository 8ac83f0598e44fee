// The MCP TypeScript SDK signing in by itself: an OAuthClientProvider whose "browser" is the
// scripted one (approves the consent page, logs in at the identity provider's form), so the
// SDK's own discovery, registration, PKCE, token exchange and refresh run unmodified.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Browser, walkSignIn } from "./browser.mjs";

export const SDK_REDIRECT_URI = "http://127.0.0.1:9/sdk-callback";

/** An OAuthClientProvider keeping everything in memory; `email` is who logs in. */
export class TestOAuthProvider {
  constructor(email, { clientMetadataUrl, browser = new Browser(), choose } = {}) {
    this.email = email;
    this.choose = choose;
    this.browser = browser;
    this.logins = 0;
    this.savedTokens = undefined;
    this.tokenHistory = [];
    this.client = undefined;
    this.verifier = undefined;
    this.expectedState = undefined;
    if (clientMetadataUrl) this.clientMetadataUrl = clientMetadataUrl;
  }
  get redirectUrl() {
    return SDK_REDIRECT_URI;
  }
  get clientMetadata() {
    return { client_name: "TypeScript e2e client", redirect_uris: [SDK_REDIRECT_URI], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  state() {
    this.expectedState = Math.random().toString(36).slice(2);
    return this.expectedState;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info) {
    this.client = info;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens) {
    this.savedTokens = tokens;
    this.tokenHistory.push(tokens);
  }
  saveCodeVerifier(verifier) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  async redirectToAuthorization(url) {
    this.logins += 1;
    const end = await walkSignIn(this.browser, url.toString(), { email: this.email, redirectUri: SDK_REDIRECT_URI, choose: this.choose });
    if (typeof end !== "string") throw new Error(`sign-in ended on a page: ${end.page.html.slice(0, 300)}`);
    const back = new URL(end);
    if (back.searchParams.get("state") !== this.expectedState) throw new Error("state mismatch");
    this.iss = back.searchParams.get("iss");
    this.code = back.searchParams.get("code");
    this.error = back.searchParams.get("error");
  }
}

/**
 * Connects to `${baseUrl}/mcp` (or `/sse` with `transport: "sse"`) with `provider`, signing in if
 * needed; resolves to a Client.
 */
export async function connectWithOAuth(baseUrl, provider, { transport = "streamable-http" } = {}) {
  const sse = transport === "sse";
  const url = new URL(`${baseUrl}/${sse ? "sse" : "mcp"}`);
  const Transport = sse ? SSEClientTransport : StreamableHTTPClientTransport;
  const first = new Transport(url, { authProvider: provider });
  const client = new Client({ name: "skillport-e2e-oauth", version: "1.0.0" });
  try {
    await client.connect(first);
    return client;
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  if (!provider.code) throw new Error(`no authorization code: ${provider.error}`);
  await first.finishAuth(provider.code);
  const signedIn = new Client({ name: "skillport-e2e-oauth", version: "1.0.0" });
  await signedIn.connect(new Transport(url, { authProvider: provider }));
  return signedIn;
}
