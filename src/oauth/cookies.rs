//! The three cookies sign-in sets, all HttpOnly and `SameSite=Lax`, and `__Host-`-prefixed
//! (Secure, whole-site, no Domain) when the connector is served over https.
//!
//! - `consent`: which clients this browser approved (signed), so the consent page shows once;
//! - `csrf`: a random value the consent form's token is bound to;
//! - `flow`: the random part of the upstream `state`, so a sign-in finishes only in the browser
//!   that started it.

use crate::ports::HttpRequest;
use http::{header, HeaderValue};

/// The consent cookie's base name.
pub const CONSENT: &str = "skillport_consent";
/// The CSRF cookie's base name.
pub const CSRF: &str = "skillport_csrf";
/// The sign-in flow cookie's base name.
pub const FLOW: &str = "skillport_flow";

/// The cookie's full name: `__Host-` prefixed when served over https.
pub fn name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// The value of cookie `base` in `request`, if sent.
pub fn get(request: &HttpRequest, base: &str, secure: bool) -> Option<String> {
    let wanted = name(base, secure);
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == wanted)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set(base: &str, value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure_flag = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure_flag}", name(base, secure));
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}
