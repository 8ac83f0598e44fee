//! The HTML pages a person sees while signing in: the consent page and the error page. Small,
//! self-contained templates (which escape everything they show) inside the shell of
//! [`crate::shell`], which sets the headers that keep them from being framed or cached.

use crate::ports::HttpResponse;
use crate::shell::{self, Kind};
use http::StatusCode;
use maud::{html, Markup};

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
    /// The identity providers to sign in with (at least one), in the order offered.
    pub providers: &'a [Choice<'a>],
    /// Whether the person approved this client before: then only the provider is asked.
    pub remembered: bool,
    /// The signed pending authorization.
    pub request: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
}

/// A provider the person may choose.
pub struct Choice<'a> {
    /// Its key, sent back as `decision=allow:<key>`.
    pub key: &'a str,
    /// What the button says it is.
    pub label: String,
    /// Where the person will sign in.
    pub location: String,
}

/// The consent page (and, with several providers, the provider chooser).
pub fn consent(page: &Consent<'_>) -> HttpResponse {
    if page.remembered {
        return chooser(page);
    }
    let body = html! {
        h1 { "Allow " (page.client_name) " to use Skillport Connector?" }
        p {
            b { (page.client_name) } " "
            @match page.published_by {
                Some(host) => { "(as published by " b { (host) } ")" }
                None => { "(a name the application gave itself, not verified)" }
            }
            " is asking to read your organization's Claude Skills through Skillport Connector, as you. \
             After you continue you will sign in "
            @match page.providers {
                [only] => { "at " code { (only.location) } }
                _ => { "with the account you choose" }
            }
            ", and then be sent back to " b { (page.redirect_host) } ":"
        }
        p { code { (page.redirect_uri) } }
        p.muted { "Only continue if you started connecting Claude (or another MCP client) just now." }
        (decision_form(page))
    };
    shell::page(Kind::SignIn, StatusCode::OK, "Allow access — Skillport Connector", body)
}

/// Which provider to sign in with, for a client approved before.
fn chooser(page: &Consent<'_>) -> HttpResponse {
    let body = html! {
        h1 { "Sign in to Skillport Connector" }
        p { "Choose the account to use with " b { (page.client_name) } "." }
        (decision_form(page))
        @for choice in page.providers {
            p.muted { (choice.label) ": " code { (choice.location) } }
        }
    };
    shell::page(Kind::SignIn, StatusCode::OK, "Sign in — Skillport Connector", body)
}

/// The form both pages post to `/authorize`: the signed request, its CSRF token, and one
/// "continue" button per provider (`allow:<key>`; plain `allow` when there is only one).
fn decision_form(page: &Consent<'_>) -> Markup {
    html! {
        form method="post" action="/authorize" {
            input type="hidden" name="request" value=(page.request);
            input type="hidden" name="csrf" value=(page.csrf);
            div.actions {
                @if let [_] = page.providers {
                    button.primary type="submit" name="decision" value="allow" { "Continue" }
                } @else {
                    @for choice in page.providers {
                        button.primary type="submit" name="decision" value={ "allow:" (choice.key) } {
                            "Continue with " (choice.label)
                        }
                    }
                }
                button type="submit" name="decision" value="deny" { "Cancel" }
            }
        }
    }
}

/// An error page for what cannot be sent back to the client (an unknown client, a bad link).
pub fn error(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let body = html! { h1 { (title) } p { (message) } };
    shell::page(Kind::SignIn, status, &format!("{title} — Skillport Connector"), body)
}

/// A page with a link back to the client (when the user's account may not sign in).
pub fn refused(message: &str, back: &str) -> HttpResponse {
    let body = html! {
        h1 { "You cannot sign in to Skillport Connector" }
        p { (message) }
        p { a href=(back) { "Return to the application" } }
    };
    shell::page(Kind::SignIn, StatusCode::FORBIDDEN, "Sign-in refused — Skillport Connector", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(response: &HttpResponse) -> String {
        String::from_utf8(response.body().clone()).unwrap()
    }

    #[test]
    fn everything_from_outside_is_shown_as_text() {
        let html = text(&consent(&Consent {
            client_name: "<img src=x>",
            published_by: Some("a<b>.example"),
            redirect_host: "c\"d",
            redirect_uri: "https://e.example/?f=\"><script>",
            providers: &[Choice { key: "oidc", label: "Okta".into(), location: "https://idp.example/&x".into() }],
            remembered: false,
            request: "r\"><x",
            csrf: "c'&",
        }));
        assert!(html.contains("<h1>Allow &lt;img src=x&gt; to use Skillport Connector?</h1>"), "{html}");
        assert!(html.contains("(as published by <b>a&lt;b&gt;.example</b>) is asking"), "{html}");
        assert!(html.contains("sent back to <b>c&quot;d</b>:"), "{html}");
        assert!(html.contains("<code>https://e.example/?f=&quot;&gt;&lt;script&gt;</code>"), "{html}");
        assert!(html.contains("<code>https://idp.example/&amp;x</code>"), "{html}");
        assert!(html.contains("name=\"request\" value=\"r&quot;&gt;&lt;x\""), "{html}");
        assert!(html.contains("name=\"csrf\" value=\"c'&amp;\""), "{html}");
        assert!(!html.contains("<img") && !html.contains("<script"), "{html}");

        let unverified = text(&consent(&Consent { published_by: None, ..sample() }));
        assert!(unverified.contains("<b>Claude</b> (a name the application gave itself, not verified) is asking"));

        let error = text(&error(StatusCode::BAD_REQUEST, "Bad <link>", "the <b>state</b> & more"));
        assert!(error.contains("<title>Bad &lt;link&gt; — Skillport Connector</title>"), "{error}");
        assert!(error.contains("<h1>Bad &lt;link&gt;</h1><p>the &lt;b&gt;state&lt;/b&gt; &amp; more</p>"), "{error}");

        let refused = refused("not <allowed>", "https://c.example/cb?error=access_denied&state=\"s\"");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let refused = text(&refused);
        assert!(refused.contains("<p>not &lt;allowed&gt;</p>"), "{refused}");
        assert!(
            refused.contains("<a href=\"https://c.example/cb?error=access_denied&amp;state=&quot;s&quot;\">"),
            "{refused}"
        );
    }

    fn sample() -> Consent<'static> {
        Consent {
            client_name: "Claude",
            published_by: Some("claude.ai"),
            redirect_host: "claude.ai",
            redirect_uri: "https://claude.ai/api/mcp/auth_callback",
            providers: &[],
            remembered: false,
            request: "r",
            csrf: "c",
        }
    }
}
