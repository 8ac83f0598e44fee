// OpenID providers standing in for the real ones (npm oidc-provider) on 127.0.0.1: discovery,
// JWKS, RS256 ID tokens, and oidc-provider's development login form, where any login is
// accepted. The shapes:
//
// - "google" (the default): the login typed is the email and also the subject (user ids read
//   `google:<email>` in tests); a login starting with "unverified" gets email_verified: false;
//   DIRECTORY_GROUPS are sent as `groups`.
// - "okta": a custom authorization server at /oauth2/default whose `groups` claim is released
//   only under the `groups` scope, as Okta's is.
// - "entra": Entra ID's paths and claims. Two tenants, each at /<tenant id>/v2.0, share one key
//   set; the multi-tenant /organizations/v2.0 issuer answers with the `{tenantid}` template,
//   asks for the account, and hands over to that account's tenant (home realm discovery).
//   Tokens carry tid, oid, upn, xms_edov, an `email` that is verified only when xms_edov says
//   so, object-id groups, or the group overage pointer (ENTRA_DIRECTORY). "entra-tenant" is
//   the same, configured with one tenant's issuer.
import "./quiet-oidc.mjs";
import Provider from "oidc-provider";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { text } from "node:stream/consumers";

// The stand-in directory of the "google" and "okta" shapes: the groups some people are in.
export const DIRECTORY_GROUPS = { "gail@acme.example": ["Sales Team", "eng"] };

export const ENTRA_TENANT = "6f2a3c1e-9d8b-4e7a-b5c4-1a2b3c4d5e6f";
export const PARTNER_TENANT = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
// Entra ID names groups by object id.
export const ENTRA_SALES_GROUP = "c5d7e9f1-2a3b-4c5d-8e9f-0a1b2c3d4e5f";
// People removed from the directory since they signed in: their refresh tokens stop working.
export const ENTRA_REMOVED = new Set();
export const ENTRA_DIRECTORY = {
  [ENTRA_TENANT]: {
    // A member whose email Entra ID vouches for (xms_edov), in the Sales group.
    "ann@acme.example": { oid: "0a0a0a0a-0000-4000-8000-00000000000a", email: "ann@acme.example", xms_edov: true, upn: "ann@acme.example", groups: [ENTRA_SALES_GROUP] },
    // A member whose groups the tests change between refreshes.
    "gus@acme.example": { oid: "0d0d0d0d-0000-4000-8000-00000000000d", upn: "gus@acme.example", groups: [ENTRA_SALES_GROUP] },
    // A member with no email claim: the UPN is the verified address.
    "rita@acme.example": { oid: "0b0b0b0b-0000-4000-8000-00000000000b", upn: "rita@acme.example" },
    // A guest who typed an address of the company's domain as their email: not vouched for.
    "eve@acme.example": { oid: "0e0e0e0e-0000-4000-8000-00000000000e", email: "eve@acme.example", upn: "eve_gmail.example#EXT#@acme.onmicrosoft.example" },
    // A member in too many groups: the overage pointer instead of the groups.
    "olga@acme.example": { oid: "0f0f0f0f-0000-4000-8000-00000000000f", upn: "olga@acme.example", overage: true },
  },
  [PARTNER_TENANT]: {
    "pat@acme.example": { oid: "0c0c0c0c-0000-4000-8000-00000000000c", email: "pat@acme.example", xms_edov: true, upn: "pat@acme.example" },
  },
};

/**
 * Starts a provider of `shape` with one confidential client whose redirect URI is
 * `${connectorUrl}/callback`. Resolves to {issuer, vars, clientId, clientSecret, stop}, where
 * `vars` are the connector's settings for it.
 */
export async function startOidcProvider({ connectorUrl, port = 0, shape = "google" }) {
  const server = createServer();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const clientId = "skillport-connector";
  const clientSecret = randomBytes(24).toString("hex");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwks = { keys: [{ ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" }] };
  const common = {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [`${connectorUrl}/callback`], grant_types: ["authorization_code"], response_types: ["code"] }],
    // Claims in the ID token itself, as Google, Okta and Entra ID put them.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    jwks,
    // oidc-provider's own development login and consent pages.
    features: { devInteractions: { enabled: true } },
  };
  const mounts = new Map(); // path prefix -> provider
  const start = (path, configuration) => {
    const provider = new Provider(`${origin}${path}`, { ...common, ...configuration });
    provider.on("server_error", (ctx, error) => console.error("oidc-provider:", error));
    mounts.set(path, provider);
    return provider;
  };
  let issuer, vars;
  let route = null;
  if (shape === "google") {
    start("", {
      claims: { openid: ["sub", "groups"], email: ["email", "email_verified"], profile: ["name"] },
      scopes: ["openid", "email", "profile"],
      findAccount: (ctx, id) => account(id, () => googleClaims(id)),
    });
    issuer = origin;
    vars = { OIDC_ISSUER: issuer, OIDC_PROVIDER_NAME: "google" };
  } else if (shape === "okta") {
    start("/oauth2/default", {
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
      scopes: ["openid", "email", "profile", "groups"],
      findAccount: (ctx, id) => account(id, () => googleClaims(id)),
    });
    issuer = `${origin}/oauth2/default`;
    vars = { OIDC_ISSUER: issuer, OIDC_PROVIDER: "okta" };
  } else if (shape === "entra" || shape === "entra-tenant") {
    const codes = new Map(); // authorization code -> tenant
    for (const [tenant, people] of Object.entries(ENTRA_DIRECTORY)) {
      const provider = start(`/${tenant}/v2.0`, {
        clients: [{ ...common.clients[0], grant_types: ["authorization_code", "refresh_token"] }],
        claims: { openid: ["sub", "oid", "tid", "upn", "xms_edov", "groups", "_claim_names", "_claim_sources"], email: ["email"], profile: ["name"] },
        scopes: ["openid", "email", "profile", "offline_access"],
        // Entra ID issues refresh tokens for offline_access without a consent prompt.
        issueRefreshToken: async (ctx, client) => client.grantTypeAllowed("refresh_token"),
        // Claims are read again at each refresh, from the directory as it is then.
        findAccount: (ctx, id) => (ENTRA_REMOVED.has(id) ? undefined : account(id, () => entraClaims(tenant, id, people[id]))),
      });
      provider.on("authorization_code.saved", (code) => codes.set(code.jti, tenant));
      provider.on("refresh_token.saved", (token) => codes.set(token.jti, tenant));
    }
    route = entraOrganizations(origin, codes);
    // "entra-tenant": a single tenant's issuer, which admits that tenant only (no allow-list).
    issuer = shape === "entra" ? `${origin}/organizations/v2.0` : `${origin}/${ENTRA_TENANT}/v2.0`;
    vars = { OIDC_ISSUER: issuer, OIDC_PROVIDER: "entra", ...(shape === "entra" ? { OIDC_TENANTS: ENTRA_TENANT } : {}) };
  } else {
    throw new Error(`unknown provider shape ${shape}`);
  }
  server.on("request", async (req, res) => {
    try {
      if (route && (await route(req, res))) return;
      const path = [...mounts.keys()].sort((a, b) => b.length - a.length).find((p) => req.url === p || req.url.startsWith(`${p}/`) || req.url.startsWith(`${p}?`) || p === "");
      if (path === undefined) {
        res.writeHead(404).end();
        return;
      }
      // Mounted below a path, as oidc-provider documents: it finds the prefix from originalUrl.
      req.originalUrl = req.url;
      req.url = req.url.slice(path.length) || "/";
      mounts.get(path).callback()(req, res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  return {
    issuer,
    vars: { ...vars, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret },
    clientId,
    clientSecret,
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function account(id, claims) {
  return { accountId: id, async claims() { return claims(); } };
}

function googleClaims(email) {
  const local = email.split("@")[0];
  return {
    sub: email,
    email,
    email_verified: !local.startsWith("unverified"),
    name: local.replace(/[._-]/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()),
    ...(DIRECTORY_GROUPS[email] ? { groups: DIRECTORY_GROUPS[email] } : {}),
  };
}

function entraClaims(tenant, login, person = { oid: randomUUID(), upn: login }) {
  const claims = { sub: `pairwise-${person.oid}`, tid: tenant, oid: person.oid, name: login.split("@")[0] };
  if (person.email) claims.email = person.email;
  if (person.upn) claims.upn = person.upn;
  if (person.xms_edov) claims.xms_edov = true;
  if (person.groups) claims.groups = person.groups;
  if (person.overage) {
    claims._claim_names = { groups: "src1" };
    claims._claim_sources = { src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${person.oid}/getMemberObjects` } };
  }
  return claims;
}

/**
 * The multi-tenant /organizations/v2.0 endpoints: discovery with the `{tenantid}` issuer
 * template, an account prompt that hands over to the account's tenant, and a token endpoint
 * that passes each code to the tenant that issued it. Resolves true when it answered.
 */
function entraOrganizations(origin, codes) {
  const base = "/organizations/v2.0";
  const tenantOf = (login) => Object.keys(ENTRA_DIRECTORY).find((t) => ENTRA_DIRECTORY[t][login]) ?? ENTRA_TENANT;
  return async (req, res) => {
    const url = new URL(req.url, origin);
    if (!url.pathname.startsWith(`${base}/`)) return false;
    const rest = url.pathname.slice(base.length);
    if (rest === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
        issuer: `${origin}/{tenantid}/v2.0`,
        authorization_endpoint: `${origin}${base}/authorize`,
        token_endpoint: `${origin}${base}/token`,
        jwks_uri: `${origin}/${ENTRA_TENANT}/v2.0/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
      }));
      return true;
    }
    if (rest === "/authorize" && req.method === "GET") {
      const action = `${base}/authorize?${url.searchParams}`.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>Sign in</title><form method="post" action="${action}"><input name="login"><input name="password" type="password"><button>Next</button></form>`);
      return true;
    }
    if (rest === "/authorize" && req.method === "POST") {
      const login = new URLSearchParams(await text(req)).get("login") ?? "";
      res.writeHead(302, { location: `${origin}/${tenantOf(login)}/v2.0/auth?${url.searchParams}` }).end();
      return true;
    }
    if (rest === "/token" && req.method === "POST") {
      const form = await text(req);
      const params = new URLSearchParams(form);
      const tenant = codes.get(params.get("code") ?? params.get("refresh_token")) ?? ENTRA_TENANT;
      const headers = Object.fromEntries(["content-type", "authorization", "accept"].filter((h) => req.headers[h]).map((h) => [h, req.headers[h]]));
      const answer = await fetch(`${origin}/${tenant}/v2.0/token`, { method: "POST", headers, body: form });
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(await answer.text());
      return true;
    }
    res.writeHead(404).end();
    return true;
  };
}
