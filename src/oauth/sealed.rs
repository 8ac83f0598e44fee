//! Secrets a client carries for the connector and gives back: the identity provider's refresh
//! token travels encrypted inside the connector's own refresh token, so the connector can ask
//! the provider again at each refresh without storing anything it could leak.
//!
//! ChaCha20-Poly1305 under a key derived for one [`Purpose`] from `COOKIE_ENCRYPTION_KEY`, with
//! a random nonce: `base64url(nonce ‖ ciphertext ‖ tag)`. Opened with the current key or,
//! during a rotation, the previous one.

use crate::keys::{Keys, Purpose};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

/// Bytes of the random nonce.
pub const NONCE_BYTES: usize = 12;

/// Encrypts `secret` with `nonce` (random, never reused) under the current key.
pub fn seal(keys: &Keys, purpose: Purpose, nonce: [u8; NONCE_BYTES], secret: &[u8]) -> String {
    let Some(key) = keys.derived(purpose).next() else { return String::new() };
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
    // Encrypting into a Vec fails only for inputs of gigabytes.
    let sealed = cipher.encrypt(Nonce::from_slice(&nonce), secret).unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    URL_SAFE_NO_PAD.encode(out)
}

/// The secret sealed in `text`, if it was sealed for `purpose` by this connector and not altered.
pub fn open(keys: &Keys, purpose: Purpose, text: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    if bytes.len() < NONCE_BYTES {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
    keys.derived(purpose)
        .find_map(|key| ChaCha20Poly1305::new(Key::from_slice(&key)).decrypt(Nonce::from_slice(nonce), sealed).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    #[test]
    fn a_sealed_secret_opens_only_unaltered_with_its_purpose_and_a_known_key() {
        let keys = Keys::new(SigningKey([3; 32]), None);
        let sealed = seal(&keys, Purpose::UpstreamRefresh, [9; NONCE_BYTES], b"upstream-refresh-token");
        assert!(!sealed.contains("upstream"), "the secret does not show");
        assert_eq!(open(&keys, Purpose::UpstreamRefresh, &sealed).as_deref(), Some(&b"upstream-refresh-token"[..]));
        assert_eq!(open(&keys, Purpose::RefreshToken, &sealed), None, "another purpose's key");
        let mut altered = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(open(&keys, Purpose::UpstreamRefresh, &URL_SAFE_NO_PAD.encode(altered)), None);
        assert_eq!(open(&keys, Purpose::UpstreamRefresh, "short"), None);
        // A rotation: the new key opens what the old one sealed while the old one is "previous".
        let rotated = Keys::new(SigningKey([4; 32]), Some(SigningKey([3; 32])));
        assert!(open(&rotated, Purpose::UpstreamRefresh, &sealed).is_some());
        assert_eq!(open(&Keys::new(SigningKey([4; 32]), None), Purpose::UpstreamRefresh, &sealed), None);
    }
}
