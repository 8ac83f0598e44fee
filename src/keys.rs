//! The connector's signing keys: one secret (`COOKIE_ENCRYPTION_KEY`), a key derived from it for
//! each purpose, and the previous secret still accepted while a rotation settles.
//!
//! Deriving a key per purpose means a signature made for one thing (a download link) can never
//! be replayed as another (an access token) even though both come from the same secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// A 32-byte secret key. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(pub [u8; 32]);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// What a signature is for. Each purpose has its own derived key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `/download/…` package links.
    DownloadLink,
    /// Access tokens presented on `/mcp` and `/sse`.
    AccessToken,
    /// Refresh tokens.
    RefreshToken,
    /// Dynamically registered client ids (registrations are signed, not stored).
    ClientRegistration,
    /// Client secrets of confidential clients (derived from the client id, never stored).
    ClientSecret,
    /// The `state` sent to the identity provider, carrying the pending authorization.
    UpstreamState,
    /// The upstream PKCE verifier and nonce, derived from the state's random part.
    UpstreamSecrets,
    /// The consent form's CSRF token.
    ConsentForm,
    /// The cookie remembering which clients this browser approved.
    ConsentCookie,
    /// Authorization codes (their shard and secret).
    AuthorizationCode,
    /// The identity provider's refresh token, encrypted inside the connector's refresh token.
    UpstreamRefresh,
    /// A GitHub App's installation token, encrypted in the KV cache isolates share.
    InstallationToken,
    /// The admin console's session cookie.
    ConsoleSession,
    /// The admin console's CSRF tokens, bound to the session cookie.
    ConsoleForm,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            // Unchanged from the first release, so that links already handed out stay valid.
            Purpose::DownloadLink => b"skillport download link v1",
            Purpose::AccessToken => b"skillport access token v1",
            Purpose::RefreshToken => b"skillport refresh token v1",
            Purpose::ClientRegistration => b"skillport client registration v1",
            Purpose::ClientSecret => b"skillport client secret v1",
            Purpose::UpstreamState => b"skillport upstream state v1",
            Purpose::UpstreamSecrets => b"skillport upstream secrets v1",
            Purpose::ConsentForm => b"skillport consent form v1",
            Purpose::ConsentCookie => b"skillport consent cookie v1",
            Purpose::AuthorizationCode => b"skillport authorization code v1",
            Purpose::UpstreamRefresh => b"skillport upstream refresh v1",
            Purpose::InstallationToken => b"skillport installation token v1",
            Purpose::ConsoleSession => b"skillport console session v1",
            Purpose::ConsoleForm => b"skillport console form v1",
        }
    }
}

/// The current secret and, during a rotation, the previous one.
#[derive(Debug, Clone)]
pub struct Keys {
    current: SigningKey,
    previous: Option<SigningKey>,
}

impl Keys {
    /// Keys from the current secret and the optional previous one.
    pub fn new(current: SigningKey, previous: Option<SigningKey>) -> Self {
        Keys { current, previous }
    }

    /// The MAC of `fields` for `purpose` with the current secret. Fields are length-prefixed, so
    /// `("ab", "c")` and `("a", "bc")` never share a MAC.
    pub fn sign(&self, purpose: Purpose, fields: &[&[u8]]) -> [u8; 32] {
        mac(&self.current, purpose, fields)
    }

    /// Whether `signature` is the MAC of `fields` for `purpose` under the current or the previous
    /// secret (compared in constant time).
    pub fn verify(&self, purpose: Purpose, fields: &[&[u8]], signature: &[u8]) -> bool {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .any(|key| keyed(key, purpose, fields).verify_slice(signature).is_ok())
    }

    /// The key derived for `purpose` from the current secret, then (during a rotation) from the
    /// previous one: for encryption, whose output is opened with either.
    pub fn derived(&self, purpose: Purpose) -> impl Iterator<Item = [u8; 32]> + '_ {
        std::iter::once(&self.current).chain(self.previous.as_ref()).map(move |key| derive(key, purpose))
    }
}

fn derive(key: &SigningKey, purpose: Purpose) -> [u8; 32] {
    let mut derive = HmacSha256::new_from_slice(&key.0).expect("HMAC accepts any key length");
    derive.update(purpose.label());
    derive.finalize().into_bytes().into()
}

fn keyed(key: &SigningKey, purpose: Purpose, fields: &[&[u8]]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(&derive(key, purpose)).expect("HMAC accepts any key length");
    for field in fields {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field);
    }
    mac
}

fn mac(key: &SigningKey, purpose: Purpose, fields: &[&[u8]]) -> [u8; 32] {
    keyed(key, purpose, fields).finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_bound_to_purpose_and_field_boundaries() {
        let keys = Keys::new(SigningKey([7; 32]), None);
        let sig = keys.sign(Purpose::AccessToken, &[b"ab", b"c"]);
        assert!(keys.verify(Purpose::AccessToken, &[b"ab", b"c"], &sig));
        assert!(!keys.verify(Purpose::RefreshToken, &[b"ab", b"c"], &sig));
        assert!(!keys.verify(Purpose::AccessToken, &[b"a", b"bc"], &sig));
    }

    #[test]
    fn the_previous_secret_is_accepted_during_a_rotation_and_not_after() {
        let old = Keys::new(SigningKey([1; 32]), None);
        let sig = old.sign(Purpose::ConsentCookie, &[b"x"]);
        let rotating = Keys::new(SigningKey([2; 32]), Some(SigningKey([1; 32])));
        assert!(rotating.verify(Purpose::ConsentCookie, &[b"x"], &sig));
        let rotated = Keys::new(SigningKey([2; 32]), None);
        assert!(!rotated.verify(Purpose::ConsentCookie, &[b"x"], &sig));
    }
}
