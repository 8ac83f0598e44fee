// The OAuth flow a client runs against the connector, step by step over plain HTTP, for tests
// that need a signed-in user or want to check one step's answer: registration, PKCE, the
// authorization request walked by the scripted browser, and the token endpoint.
import { createHash, randomBytes } from "node:crypto";
import { Browser, walkSignIn } from "./browser.mjs";

export const REDIRECT_URI = "http://127.0.0.1:9/callback";

/** A PKCE pair (RFC 7636, S256). */
export function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Registers a client (RFC 7591); resolves to the registration answer. */
export async function register(baseUrl, metadata = {}) {
  const response = await fetch(`${baseUrl}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "E2E client", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none", ...metadata }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  return response.json();
}

/** The /authorize URL for `client` with `params` (set a param to undefined to leave it out). */
export function authorizeUrl(baseUrl, client, { challenge, state = randomBytes(8).toString("hex"), redirectUri = client.redirect_uris[0], ...params } = {}) {
  const url = new URL(`${baseUrl}/authorize`);
  const all = { response_type: "code", client_id: client.client_id, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: "S256", state, resource: `${baseUrl}/mcp`, ...params };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/** POSTs a form to the token endpoint; resolves to {status, body, headers}. */
export async function tokenRequest(baseUrl, params, { basic } = {}) {
  const headers = { "content-type": "application/x-www-form-urlencoded" };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`).toString("base64")}`;
  const response = await fetch(`${baseUrl}/token`, { method: "POST", headers, body: new URLSearchParams(params).toString() });
  return { status: response.status, body: await response.json().catch(() => null), headers: response.headers };
}

/**
 * Runs the authorization request for `email` (signing in with the provider `choose` names, when
 * the connector offers several) up to the redirect back to the client. Resolves to
 * {code, state, iss, redirect, verifier, client, browser} (code absent when refused).
 */
export async function authorize(baseUrl, email, { client, browser = new Browser(), params = {}, choose } = {}) {
  client ??= await register(baseUrl);
  const { verifier, challenge } = pkce();
  const url = authorizeUrl(baseUrl, client, { challenge, ...params });
  const end = await walkSignIn(browser, url, { email, redirectUri: client.redirect_uris[0], choose });
  if (typeof end !== "string") return { page: end.page, verifier, client, browser };
  const back = new URL(end);
  return {
    redirect: back,
    code: back.searchParams.get("code"),
    state: back.searchParams.get("state"),
    iss: back.searchParams.get("iss"),
    error: back.searchParams.get("error"),
    verifier,
    client,
    browser,
  };
}

/** Signs `email` in with a fresh public client; resolves to {tokens, client, browser}. */
export async function signIn(baseUrl, email, options = {}) {
  const result = await authorize(baseUrl, email, options);
  if (!result.code) throw new Error(`sign-in of ${email} ended without a code: ${result.error ?? result.page?.html?.replace(/<style>[\s\S]*<\/style>/, "").slice(0, 3000)}`);
  const { status, body } = await tokenRequest(baseUrl, {
    grant_type: "authorization_code",
    code: result.code,
    code_verifier: result.verifier,
    redirect_uri: result.client.redirect_uris[0],
    client_id: result.client.client_id,
    resource: `${baseUrl}/mcp`,
  });
  if (status !== 200) throw new Error(`token exchange failed: ${status} ${JSON.stringify(body)}`);
  return { tokens: body, client: result.client, browser: result.browser };
}
