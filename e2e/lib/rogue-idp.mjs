// A deliberately misbehaving OpenID provider on 127.0.0.1, to show the connector refuses what a
// compromised or misconfigured provider sends. It signs every user straight in (no login page)
// and issues ID tokens spoiled as `mode` says: "bad-signature" (signed with a key it does not
// publish, under the published key's id), "wrong-audience", "expired", "wrong-nonce",
// "many-audiences" (the connector among several audiences, no azp), "other-azp" (issued to
// another client that lists the connector too), or "good".
import { createServer } from "node:http";
import { generateKeyPairSync, sign, randomBytes } from "node:crypto";

const b64 = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

export async function startRogueIdp({ clientId = "skillport-connector" } = {}) {
  const published = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const unpublished = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...published.publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
  const codes = new Map();
  const state = { mode: "good", email: "ann@acme.example" };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    const json = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(200, { issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` });
    }
    if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
    if (url.pathname === "/auth") {
      const code = randomBytes(16).toString("hex");
      codes.set(code, { nonce: url.searchParams.get("nonce") });
      const back = new URL(url.searchParams.get("redirect_uri"));
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state"));
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const code = new URLSearchParams(body).get("code");
      const issued = codes.get(code);
      codes.delete(code);
      if (!issued) return json(400, { error: "invalid_grant" });
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        iss: issuer,
        sub: state.email,
        aud: { "wrong-audience": "someone-else", "many-audiences": [clientId, "another-app"], "other-azp": [clientId, "another-app"] }[state.mode] ?? clientId,
        ...(state.mode === "other-azp" ? { azp: "another-app" } : {}),
        exp: state.mode === "expired" ? now - 3600 : now + 300,
        iat: now,
        nonce: state.mode === "wrong-nonce" ? "not-the-nonce" : issued.nonce,
        email: state.email,
        email_verified: true,
      };
      const header = { alg: "RS256", kid: "k1", typ: "JWT" };
      const input = `${b64(header)}.${b64(claims)}`;
      const key = state.mode === "bad-signature" ? unpublished.privateKey : published.privateKey;
      const idToken = `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
      return json(200, { access_token: "upstream-access", token_type: "Bearer", expires_in: 300, id_token: idToken });
    }
    json(404, { error: "not_found" });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    clientId,
    clientSecret: "rogue-secret",
    state,
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
