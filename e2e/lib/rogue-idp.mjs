// A deliberately misbehaving OpenID provider on 127.0.0.1, to show the connector refuses what a
// compromised or misconfigured provider sends. It signs every user straight in (no login page)
// and issues ID tokens spoiled as `mode` says: "bad-signature" (signed with a key it does not
// publish, under the published key's id), "wrong-audience", "expired", "wrong-nonce",
// "many-audiences" (the connector among several audiences, no azp), "other-azp" (issued to
// another client that lists the connector too), "hs256" (a shared-secret algorithm), or
// "good"; "ps256" and "es256" are good tokens signed with RSA-PSS and ECDSA P-256 keys it
// publishes, and "es256-bad-signature" one whose ECDSA signature is another key's.
import { createServer } from "node:http";
import { generateKeyPairSync, sign, randomBytes, createHmac, constants } from "node:crypto";

const b64 = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

export async function startRogueIdp({ clientId = "skillport-connector" } = {}) {
  const published = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const unpublished = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pss = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const otherEc = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...published.publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
  const pssJwk = { ...pss.publicKey.export({ format: "jwk" }), kid: "k-ps", alg: "PS256", use: "sig" };
  const ecJwk = { ...ec.publicKey.export({ format: "jwk" }), kid: "k-es", alg: "ES256", use: "sig" };
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
    if (url.pathname === "/jwks") return json(200, { keys: [jwk, pssJwk, ecJwk] });
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
      const signer = {
        ps256: ["PS256", "k-ps", (data) => sign("sha256", data, { key: pss.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })],
        es256: ["ES256", "k-es", (data) => sign("sha256", data, { key: ec.privateKey, dsaEncoding: "ieee-p1363" })],
        "es256-bad-signature": ["ES256", "k-es", (data) => sign("sha256", data, { key: otherEc.privateKey, dsaEncoding: "ieee-p1363" })],
        hs256: ["HS256", "k1", (data) => createHmac("sha256", "rogue-secret").update(data).digest()],
      }[state.mode] ?? ["RS256", "k1", (data) => sign("sha256", data, state.mode === "bad-signature" ? unpublished.privateKey : published.privateKey)];
      const [alg, kid, signWith] = signer;
      const input = `${b64({ alg, kid, typ: "JWT" })}.${b64(claims)}`;
      const idToken = `${input}.${signWith(Buffer.from(input)).toString("base64url")}`;
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
