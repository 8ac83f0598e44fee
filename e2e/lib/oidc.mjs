// An OpenID provider standing in for Google (npm oidc-provider) on 127.0.0.1: discovery, JWKS,
// RS256 ID tokens with email/name claims, and its development login form, where any login is
// accepted. The login typed is the email address and also the subject (user ids read
// `google:<email>` in tests); one starting with "unverified" gets email_verified: false.
import "./quiet-oidc.mjs";
import Provider from "oidc-provider";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

/**
 * Starts the provider with one confidential client whose redirect URI is `${connectorUrl}/callback`.
 * Resolves to {issuer, clientId, clientSecret, stop}.
 */
// The stand-in directory: the groups some people are in, sent in their ID tokens.
export const DIRECTORY_GROUPS = { "gail@acme.example": ["Sales Team", "eng"] };

export async function startOidcProvider({ connectorUrl, port = 0 }) {
  const server = createServer();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const clientId = "skillport-connector";
  const clientSecret = randomBytes(24).toString("hex");
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [`${connectorUrl}/callback`], grant_types: ["authorization_code"], response_types: ["code"] }],
    // Claims in the ID token itself, as Google does.
    conformIdTokenClaims: false,
    // `groups` as Okta and Entra ID send it (directory groups, for `group:` principals).
    claims: { openid: ["sub", "groups"], email: ["email", "email_verified"], profile: ["name"] },
    scopes: ["openid", "email", "profile"],
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    async findAccount(ctx, id) {
      const email = id;
      return {
        accountId: id,
        async claims() {
          const local = email.split("@")[0];
          return {
            sub: email,
            email,
            email_verified: !local.startsWith("unverified"),
            name: local.replace(/[._-]/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()),
            ...(DIRECTORY_GROUPS[email] ? { groups: DIRECTORY_GROUPS[email] } : {}),
          };
        },
      };
    },
    // oidc-provider's own development login and consent pages.
    features: { devInteractions: { enabled: true } },
  });
  // oidc-provider warns about http issuers; these run on loopback for tests and the demo only.
  provider.on("server_error", (ctx, error) => console.error("oidc-provider:", error));
  server.on("request", provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    provider,
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
