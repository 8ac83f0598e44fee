// An independent implementation of the download-link signature (see src/downloads.rs), so the
// tests can mint links the connector never issued: expired ones, and ones for other people's
// sign-ins. A link names a grant (its shard and id), never a user id or email.
import { createHmac } from "node:crypto";

function lengthPrefixed(value) {
  const bytes = Buffer.from(value, "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(bytes.length));
  return Buffer.concat([length, bytes]);
}

/** The grant an access token (`Bearer spa1.<claims>.<mac>`) stands for: {shard, grant}. */
export function grantOf(bearer) {
  const claims = JSON.parse(Buffer.from(bearer.replace(/^Bearer /, "").split(".")[1], "base64url").toString());
  return { shard: claims.s, grant: claims.g };
}

/** A signed link URL for `fields` ({skill, group, folder, commit, version?, shard, grant, expires}). */
export function signLink(baseUrl, keyHex, fields) {
  const linkKey = createHmac("sha256", Buffer.from(keyHex, "hex")).update("skillport download link v1").digest();
  const mac = createHmac("sha256", linkKey);
  for (const field of [fields.skill, fields.group, fields.folder, fields.commit, fields.version ?? "", fields.shard, fields.grant, String(fields.expires)]) {
    mac.update(lengthPrefixed(field));
  }
  const query = new URLSearchParams({ g: fields.group, f: fields.folder, c: fields.commit });
  if (fields.version) query.set("v", fields.version);
  query.set("h", fields.shard);
  query.set("r", fields.grant);
  query.set("e", String(fields.expires));
  query.set("s", mac.digest("base64url"));
  return `${baseUrl}/download/${fields.skill}.skill?${query}`;
}
