//! The one HTML shell of every page the connector shows a person: the home page, the pages
//! of signing in and the admin console. It holds the doctype, the meta tags, the title, the one stylesheet and the
//! headers; each page gives only its body.
//!
//! Pages are written with `maud`, whose `html!` templates escape every interpolated value by
//! construction: a client's name, a redirect host, an error message or a repository name is
//! spliced in as text and can never become markup. The only markup not produced by a template
//! is `STYLE`, a constant of this file. Nothing outside a template should build HTML.

use crate::ports::HttpResponse;
use http::{header, HeaderValue, StatusCode};
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Which page the shell wraps, for the width of its column. Every page gets the same headers:
/// never cached (a sign-in page may carry the state of a sign-in, the home page shows live
/// checks, in detail to editors), never framed, no base URL, no referrer sent elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A page of signing in (the consent page, an error, a refusal): a narrow column.
    SignIn,
    /// The home page `/`: a wider column for the checks' details.
    Home,
    /// A page of the admin console: wide, for its tables.
    Console,
}

/// The stylesheet of every page (a constant, so the one piece of markup not from a template).
/// The body's width is the page's [`Kind`]'s.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;padding:0 1rem;color:#1f2937}\
h1{font-size:1.4rem}code{background:#f3f4f6;padding:.1rem .3rem;word-break:break-all}\
.actions{display:flex;gap:.75rem;margin-top:1.5rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:.4rem;border:1px solid #9ca3af;background:#fff;cursor:pointer}\
button.primary{background:#1d4ed8;border-color:#1d4ed8;color:#fff}.muted{color:#4b5563;font-size:.9rem}\
.ok{color:#166534}.bad{color:#991b1b}li{margin:.3rem 0}a{color:#1d4ed8}\
:focus-visible{outline:3px solid #b45309;outline-offset:2px}a.button{display:inline-block;padding:.5rem 1.2rem;border-radius:.4rem;background:#1d4ed8;color:#fff;text-decoration:none}\
ul.nav,ul.actions{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem 1.2rem}\
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.95rem}\
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e5e7eb;vertical-align:top}\
dl.figures{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dd{margin:0}\
figure{margin:1rem 0}svg.chart{width:100%;height:7rem;display:block}p.axis{display:flex;justify-content:space-between;margin:.2rem 0;font-size:.8rem;color:#4b5563}footer{margin:2rem 0}input,select{font:inherit;padding:.3rem}";

impl Kind {
    /// The body's width and margin.
    fn body_style(self) -> &'static str {
        match self {
            Kind::SignIn => "body{max-width:34rem;margin:3rem auto}",
            Kind::Home => "body{max-width:42rem;margin:2rem auto}",
            Kind::Console => "body{max-width:72rem;margin:1rem auto}",
        }
    }
}

/// Every page's Content-Security-Policy: nothing is loaded but the inline stylesheet, no base
/// URL, and no page is framed (clickjacking a consent button is the classic attack on a
/// proxying authorization server; the home page gets the same).
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/// The whole page, as a response with `status`: `body` inside the shell, under `title`.
pub fn page(kind: Kind, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width";
                title { (title) }
                style { (PreEscaped(STYLE)) (PreEscaped(kind.body_style())) }
            }
            body { (body) }
        }
    };
    let mut response = http::Response::new(page.into_string().into_bytes());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert("content-security-policy", HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    crate::web::no_store(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(response: &HttpResponse) -> String {
        String::from_utf8(response.body().clone()).unwrap()
    }

    #[test]
    fn the_shell_escapes_the_title_and_keeps_the_body_as_the_template_made_it() {
        let outside = "<script>alert(\"x\")</script> & more";
        let response = page(Kind::SignIn, StatusCode::OK, outside, html! { p title=(outside) { (outside) } });
        let html = text(&response);
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"), "{html}");
        let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more";
        assert!(html.contains(&format!("<title>{escaped}</title>")), "{html}");
        assert!(html.contains(&format!("<p title=\"{escaped}\">{escaped}</p>")), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains(STYLE));
    }

    #[test]
    fn no_page_is_ever_framed_cached_or_given_a_base_url() {
        for (kind, status) in [(Kind::SignIn, StatusCode::FORBIDDEN), (Kind::Home, StatusCode::OK)] {
            let response = page(kind, status, "t", html! {});
            assert_eq!(response.status(), status);
            let headers = response.headers();
            assert_eq!(headers["content-type"], "text/html; charset=utf-8");
            assert_eq!(
                headers["content-security-policy"],
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
            );
            assert_eq!(headers["x-frame-options"], "DENY");
            assert_eq!(headers["referrer-policy"], "same-origin");
            assert_eq!(headers["cache-control"], "no-store");
            assert_eq!(headers["pragma"], "no-cache");
            assert_eq!(headers.len(), 6, "{kind:?}: {headers:?}");
        }
        let home = page(Kind::Home, StatusCode::OK, "t", html! {});
        assert!(text(&home).contains("max-width:42rem"));
        assert!(text(&page(Kind::SignIn, StatusCode::OK, "t", html! {})).contains("max-width:34rem"));
    }
}
