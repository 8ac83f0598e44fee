//! Values the connector hands out and later takes back without storing them: a typed payload,
//! JSON in base64url, followed by its MAC (`<prefix>.<payload>.<mac>`).
//!
//! Used for client registrations, the upstream `state`, access and refresh tokens. The prefix
//! names the kind and format version, and the MAC's key is derived for one [`Purpose`], so one
//! kind can never be passed off as another.

use crate::keys::{Keys, Purpose};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a signed value was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignedError {
    /// Not of the form `<prefix>.<payload>.<mac>`, or the payload is not the expected shape.
    #[error("malformed")]
    Malformed,
    /// The MAC does not match: forged, altered, or signed with a key no longer accepted.
    #[error("bad signature")]
    BadSignature,
}

/// Encodes and signs `payload`.
pub fn seal<T: Serialize>(keys: &Keys, purpose: Purpose, prefix: &str, payload: &T) -> String {
    // Serializing plain structs of strings and numbers cannot fail.
    let json = serde_json::to_vec(payload).unwrap_or_default();
    let body = URL_SAFE_NO_PAD.encode(json);
    let mac = keys.sign(purpose, &[prefix.as_bytes(), body.as_bytes()]);
    format!("{prefix}.{body}.{}", URL_SAFE_NO_PAD.encode(mac))
}

/// Checks and decodes a value made by [`seal`] with the same purpose and prefix.
pub fn open<T: DeserializeOwned>(keys: &Keys, purpose: Purpose, prefix: &str, value: &str) -> Result<T, SignedError> {
    let rest = value.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')).ok_or(SignedError::Malformed)?;
    let (body, mac) = rest.split_once('.').ok_or(SignedError::Malformed)?;
    let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| SignedError::Malformed)?;
    if !keys.verify(purpose, &[prefix.as_bytes(), body.as_bytes()], &mac) {
        return Err(SignedError::BadSignature);
    }
    let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| SignedError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| SignedError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Claim {
        a: String,
    }

    #[test]
    fn sealed_values_open_only_unaltered_and_for_their_purpose() {
        let keys = Keys::new(SigningKey([3; 32]), None);
        let sealed = seal(&keys, Purpose::AccessToken, "spa1", &Claim { a: "x".into() });
        assert_eq!(open::<Claim>(&keys, Purpose::AccessToken, "spa1", &sealed), Ok(Claim { a: "x".into() }));
        assert_eq!(open::<Claim>(&keys, Purpose::RefreshToken, "spa1", &sealed), Err(SignedError::BadSignature));
        let relabelled = sealed.replacen("spa1", "spr1", 1);
        assert_eq!(open::<Claim>(&keys, Purpose::AccessToken, "spr1", &relabelled), Err(SignedError::BadSignature));
        let mut altered = sealed.clone();
        altered.insert(6, 'A');
        assert_eq!(open::<Claim>(&keys, Purpose::AccessToken, "spa1", &altered), Err(SignedError::BadSignature));
        assert_eq!(open::<Claim>(&keys, Purpose::AccessToken, "spa1", "garbage"), Err(SignedError::Malformed));
    }
}
