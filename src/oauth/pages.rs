//! The HTML pages a person sees while signing in: the consent page and the error page. Small,
//! self-contained, escaped, and never frameable (clickjacking a consent button is the classic
//! attack on a proxying authorization server).

use crate::ports::HttpResponse;
use http::{header, HeaderValue, StatusCode};

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2937}\
h1{font-size:1.4rem}code{background:#f3f4f6;padding:.1rem .3rem;word-break:break-all}\
.actions{display:flex;gap:.75rem;margin-top:1.5rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:.4rem;border:1px solid #9ca3af;background:#fff;cursor:pointer}\
button.primary{background:#1d4ed8;border-color:#1d4ed8;color:#fff}.muted{color:#6b7280;font-size:.9rem}";

fn escape(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

/// What the consent page shows and carries.
pub struct Consent<'a> {
    /// The client's name (or a placeholder).
    pub client_name: &'a str,
    /// Where the name comes from: the host that publishes the client's metadata document
    /// (fetched over https, so that host vouches for it), or `None` for a client that
    /// registered itself, whose name nobody checked.
    pub published_by: Option<&'a str>,
    /// The host the browser will be sent back to, with the code.
    pub redirect_host: &'a str,
    /// Where the client will be sent back to.
    pub redirect_uri: &'a str,
    /// The identity provider's issuer, to say where the user will sign in.
    pub provider: &'a str,
    /// The signed pending authorization.
    pub request: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
}

/// The consent page.
pub fn consent(page: &Consent<'_>) -> HttpResponse {
    let body = format!(
        "<h1>Allow {name} to use Skillport Connector?</h1>\
         <p><b>{name}</b> {source} is asking to read your organization's Claude Skills through Skillport \
         Connector, as you. After you continue you will sign in at <code>{provider}</code>, and then be sent \
         back to <b>{redirect_host}</b>:</p>\
         <p><code>{redirect}</code></p>\
         <p class=muted>Only continue if you started connecting Claude (or another MCP client) just now.</p>\
         <form method=post action=/authorize>\
         <input type=hidden name=request value=\"{request}\"><input type=hidden name=csrf value=\"{csrf}\">\
         <div class=actions><button class=primary type=submit name=decision value=allow>Continue</button>\
         <button type=submit name=decision value=deny>Cancel</button></div></form>",
        name = escape(page.client_name),
        source = match page.published_by {
            Some(host) => format!("(as published by <b>{}</b>)", escape(host)),
            None => "(a name the application gave itself, not verified)".to_string(),
        },
        redirect_host = escape(page.redirect_host),
        provider = escape(page.provider),
        redirect = escape(page.redirect_uri),
        request = escape(page.request),
        csrf = escape(page.csrf),
    );
    html(StatusCode::OK, "Allow access — Skillport Connector", &body)
}

/// An error page for what cannot be sent back to the client (an unknown client, a bad link).
pub fn error(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let body = format!("<h1>{}</h1><p>{}</p>", escape(title), escape(message));
    html(status, &format!("{title} — Skillport Connector"), &body)
}

/// A page with a link back to the client (when the user's account may not sign in).
pub fn refused(message: &str, back: &str) -> HttpResponse {
    let body = format!(
        "<h1>You cannot sign in to Skillport Connector</h1><p>{}</p><p><a href=\"{}\">Return to the application</a></p>",
        escape(message),
        escape(back)
    );
    html(StatusCode::FORBIDDEN, "Sign-in refused — Skillport Connector", &body)
}

fn html(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let page = format!(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>{}</title><style>{STYLE}</style>{body}</html>",
        escape(title)
    );
    let mut response = http::Response::new(page.into_bytes());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    super::no_store(&mut response);
    response
}
