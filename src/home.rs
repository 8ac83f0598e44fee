//! The home page `/`: what this is, the URL to paste into Claude, and whether it works. HTML for
//! people, JSON with `Accept: application/json`.
//!
//! Anyone sees the health word and, while the configuration is incomplete, which settings to fix
//! (the same problems every endpoint answers with). The details — the repository, its commit,
//! the GitHub token's expiry, the identity provider, the skills served and skipped — describe a
//! private repository, so they are shown only to editors, identified by an access token in
//! `Authorization: Bearer` (`node scripts/sign-in.mjs <url> <email>` prints one).
//!
//! The checks are cached in the isolate for a minute, so a page that is reloaded, or probed by a
//! monitor, costs GitHub at most one request a minute. Nothing secret is shown to anyone.

use crate::access::Access;
use crate::catalog::External;
use crate::catalog_store;
use crate::config::{Config, ConfigError};
use crate::identity::UserInfo;
use crate::oauth::{upstream, Site};
use crate::ports::{HttpResponse, Platform};
use crate::web::json;
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use std::cell::RefCell;

const CHECK_CACHE_MS: u64 = 60_000;

/// One check's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Whether it passed.
    pub ok: bool,
    /// What was found, or what to fix.
    pub detail: String,
}

/// Everything the page reports.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The URL to paste into Claude.
    pub connector_url: String,
    /// The legacy transport's URL.
    pub sse_url: String,
    /// The skills repository.
    pub marketplace: Option<String>,
    /// Whether every setting is present and valid.
    pub configured: bool,
    /// The configuration problems, by setting.
    pub problems: Vec<String>,
    /// GitHub: reachable, token accepted, the branch head.
    pub github: Option<Check>,
    /// When GitHub says the token expires.
    pub github_token_expires: Option<String>,
    /// The identity provider's discovery.
    pub identity_provider: Option<Check>,
    /// Skills served.
    pub skills_served: Option<usize>,
    /// Skills (or files) skipped; `list_skills` shows editors why.
    pub skills_skipped: Option<usize>,
    /// Marketplace entries served from another repository or package: Claude Code installs them
    /// from there; the connector does not serve them.
    pub served_elsewhere: Vec<External>,
    /// The access rules of the commit checked, to tell who is an editor (never shown).
    #[serde(skip)]
    access: Option<String>,
}

thread_local! {
    static CHECKED: RefCell<Option<(u64, Status)>> = const { RefCell::new(None) };
}

/// The page's status, from cache when fresh.
pub async fn status<P: Platform>(platform: &P, config: &Result<Config, Vec<ConfigError>>, base_url: &str) -> Status {
    let now = platform.now_ms();
    let cached = CHECKED.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(at, s)| now < at + CHECK_CACHE_MS && s.connector_url.starts_with(base_url))
            .map(|(_, s)| s.clone())
    });
    if let Some(status) = cached {
        return status;
    }
    let mut status = Status {
        connector_url: format!("{base_url}/mcp"),
        sse_url: format!("{base_url}/sse"),
        marketplace: None,
        configured: config.is_ok(),
        problems: config.as_ref().err().map(|p| p.iter().map(ToString::to_string).collect()).unwrap_or_default(),
        github: None,
        github_token_expires: None,
        identity_provider: None,
        skills_served: None,
        skills_skipped: None,
        served_elsewhere: Vec::new(),
        access: None,
    };
    if let Ok(config) = config {
        status.marketplace = Some(config.repo.to_string());
        // One conditional request (free of rate limit when nothing changed) both checks the
        // token and gives the catalog's counts.
        status.github = Some(match catalog_store::current(platform, config).await {
            Ok(served) if served.stale.is_none() => {
                let commit = &served.catalog.commit;
                status.skills_served = Some(served.catalog.skills.len());
                status.skills_skipped = Some(served.catalog.skipped.len());
                status.served_elsewhere = served.catalog.external.clone();
                status.github_token_expires = served.token_expiration.clone();
                status.access = served.catalog.access.clone();
                Check {
                    ok: true,
                    detail: format!("the token reads {} at {}", config.repo, &commit[..commit.len().min(12)]),
                }
            }
            Ok(served) => {
                // The last known rules still say who may see why GitHub is failing.
                status.access = served.catalog.access.clone();
                Check { ok: false, detail: served.stale.clone().unwrap_or_default() }
            }
            Err(error) => Check { ok: false, detail: error.to_string() },
        });
        let site = Site { platform, config, base_url };
        status.identity_provider = Some(match upstream::discover(&site).await {
            Ok(discovery) => Check { ok: true, detail: format!("sign-in through {}", discovery.issuer) },
            Err(error) => Check { ok: false, detail: error.to_string() },
        });
    }
    CHECKED.with(|c| *c.borrow_mut() = Some((now, status.clone())));
    status
}

/// Who is looking at the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    /// Anyone: the health word and the configuration's problems.
    Public,
    /// A signed-in editor: every check's details.
    Editor,
}

/// What anyone may see of the status.
#[derive(Debug, Serialize)]
struct PublicStatus<'a> {
    name: &'static str,
    healthy: bool,
    github_ok: Option<bool>,
    identity_provider_ok: Option<bool>,
    connector_url: &'a str,
    sse_url: &'a str,
    configured: bool,
    problems: &'a [String],
}

/// Whether everything checked passed.
fn healthy(status: &Status) -> bool {
    status.configured
        && status.github.as_ref().is_some_and(|c| c.ok)
        && status.identity_provider.as_ref().is_some_and(|c| c.ok)
}

/// The page, as HTML or JSON.
pub async fn page<P: Platform>(
    platform: &P,
    config: &Result<Config, Vec<ConfigError>>,
    base_url: &str,
    as_json: bool,
    signed_in: Option<&UserInfo>,
) -> HttpResponse {
    let status = status(platform, config, base_url).await;
    // Decided by the access rules of the commit the checks read, so the page costs no second
    // catalog load.
    let editor = signed_in.is_some_and(|user| Access::load(status.access.as_deref()).is_editor(user));
    let viewer = if editor { Viewer::Editor } else { Viewer::Public };
    if as_json {
        if viewer == Viewer::Public {
            let public = PublicStatus {
                name: "Skillport Connector",
                healthy: healthy(&status),
                github_ok: status.github.as_ref().map(|c| c.ok),
                identity_provider_ok: status.identity_provider.as_ref().map(|c| c.ok),
                connector_url: &status.connector_url,
                sse_url: &status.sse_url,
                configured: status.configured,
                problems: &status.problems,
            };
            return json(StatusCode::OK, &public);
        }
        let mut body = serde_json::to_value(&status).unwrap_or_default();
        body["name"] = "Skillport Connector".into();
        body["healthy"] = healthy(&status).into();
        return json(StatusCode::OK, &body);
    }
    let checks = match viewer {
        Viewer::Public => public_checks(&status),
        Viewer::Editor => detailed_checks(&status),
    };
    let verdict = if healthy(&status) {
        "<p class=ok><b>Working.</b></p>"
    } else {
        "<p class=bad><b>Not working yet</b> — see below and docs/SETUP.md.</p>"
    };
    let page = format!(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>Skillport Connector</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1f2937}}\
         code{{background:#f3f4f6;padding:.1rem .3rem;word-break:break-all}}.ok{{color:#166534}}.bad{{color:#991b1b}}li{{margin:.3rem 0}}</style>\
         <h1>Skillport Connector</h1><p>Shares this organization's Claude Skills with Claude.ai and Claude Desktop.</p>\
         <p>In Claude, open <b>Settings → Connectors → Add custom connector</b> and paste:</p><p><code>{mcp}</code></p>\
         <p class=muted>Only for clients that need the older SSE transport: <code>{sse}</code></p>\
         {verdict}<ul>{checks}</ul></html>",
        mcp = escape(&status.connector_url),
        sse = escape(&status.sse_url),
    );
    let mut response = http::Response::new(page.into_bytes());
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    response
}

/// The checks anyone may see: the configuration's problems, and where editors see more.
fn public_checks(status: &Status) -> String {
    let mut checks = String::new();
    if !status.configured {
        checks.push_str(&incomplete(status));
    }
    // Which part fails, without the details: enough for an admin to know where to look.
    for (label, check) in [("GitHub", &status.github), ("Sign-in", &status.identity_provider)] {
        if let Some(check) = check {
            let (class, word) = if check.ok { ("ok", "working") } else { ("bad", "not working") };
            checks.push_str(&format!("<li class={class}>{label}: {word}</li>"));
        }
    }
    checks.push_str(
        "<li>Editors see every check's details here with an access token in <code>Authorization: \
         Bearer</code> (<code>node scripts/sign-in.mjs &lt;this URL&gt; &lt;your email&gt;</code> prints one).</li>",
    );
    checks
}

/// Every check with its details, for editors.
fn detailed_checks(status: &Status) -> String {
    let row = |label: &str, check: &Option<Check>| match check {
        Some(check) => format!(
            "<li class={}>{}: {}</li>",
            if check.ok { "ok" } else { "bad" },
            escape(label),
            escape(&check.detail)
        ),
        None => String::new(),
    };
    let mut checks = String::new();
    if status.configured {
        checks.push_str(&format!(
            "<li class=ok>Configuration: complete; serving <code>{}</code></li>",
            escape(status.marketplace.as_deref().unwrap_or_default())
        ));
    } else {
        checks.push_str(&incomplete(status));
    }
    checks.push_str(&row("GitHub", &status.github));
    if let Some(expires) = &status.github_token_expires {
        checks.push_str(&format!("<li>GitHub token expires: {}</li>", escape(expires)));
    }
    checks.push_str(&row("Sign-in", &status.identity_provider));
    if let (Some(served), Some(skipped)) = (status.skills_served, status.skills_skipped) {
        checks.push_str(&format!(
            "<li>Skills: {served} served, {skipped} skipped{}</li>",
            if skipped > 0 { " (editors see why in list_skills)" } else { "" }
        ));
    }
    for external in &status.served_elsewhere {
        checks.push_str(&format!(
            "<li>Plugin <code>{}</code> is served from another repository ({}), not by this connector</li>",
            escape(&external.name),
            escape(&external.source)
        ));
    }
    checks
}

/// The configuration's problems, as a list item.
fn incomplete(status: &Status) -> String {
    let items: String = status.problems.iter().map(|p| format!("<li><code>{}</code></li>", escape(p))).collect();
    format!("<li class=bad>Configuration: incomplete<ul>{items}</ul></li>")
}

fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}
