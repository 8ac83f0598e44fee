//! Authorization codes: `spc2.<shard>.<secret>.<mac>`. The shard says which user's Durable
//! Object holds the pending code; the MAC (over shard and secret, with a key derived for codes
//! only) lets the token endpoint refuse a forged code before it touches any Durable Object, so
//! a script posting made-up codes cannot create one object per request.

use crate::keys::{Keys, Purpose};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The prefix of this format of code.
pub const PREFIX: &str = "spc2";

/// The code for `secret` (random, base64url) in `shard`.
pub fn issue(keys: &Keys, shard: &str, secret: &str) -> String {
    let mac = URL_SAFE_NO_PAD.encode(keys.sign(Purpose::AuthorizationCode, &[shard.as_bytes(), secret.as_bytes()]));
    format!("{PREFIX}.{shard}.{secret}.{mac}")
}

/// The shard of a code this connector issued; `None` for anything malformed or forged.
pub fn shard<'c>(keys: &Keys, code: &'c str) -> Option<&'c str> {
    let mut parts = code.strip_prefix(PREFIX)?.strip_prefix('.')?.split('.');
    let (shard, secret, mac) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !(shard.starts_with("u-") && shard.len() == 34) {
        return None;
    }
    let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
    keys.verify(Purpose::AuthorizationCode, &[shard.as_bytes(), secret.as_bytes()], &mac).then_some(shard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    /// Finding 7: codes were not signed, so any `spc1.u-<hex>.x` reached a Durable Object.
    #[test]
    fn security_7_only_codes_this_connector_issued_name_a_shard() {
        let keys = Keys::new(SigningKey([7; 32]), None);
        let shard_id = format!("u-{}", "ab".repeat(16));
        let code = issue(&keys, &shard_id, "c2VjcmV0");
        assert_eq!(shard(&keys, &code), Some(shard_id.as_str()));
        let other = Keys::new(SigningKey([8; 32]), None);
        assert_eq!(shard(&other, &code), None, "another connector's key");
        let forged = [
            format!("spc1.{shard_id}.x"),
            format!("{PREFIX}.{shard_id}.x"),
            format!("{PREFIX}.{shard_id}.c2VjcmV1.{}", code.rsplit('.').next().unwrap()),
            format!("{code}.extra"),
            format!("{PREFIX}.u-{}.c2VjcmV0.{}", "cd".repeat(16), code.rsplit('.').next().unwrap()),
        ];
        for code in forged {
            assert_eq!(shard(&keys, &code), None, "{code}");
        }
    }
}
