//! The home page `/`: what this is, the URL to paste into Claude, and whether it works. HTML for
//! people, JSON with `Accept: application/json`.
//!
//! Anyone sees the health word and, while the configuration is incomplete, which settings to fix
//! (the same problems every endpoint answers with). The details — the repository, its commit,
//! the GitHub token's expiry, the identity provider, the skills served and skipped — describe a
//! private repository, so they are shown only to editors: on the admin console's overview
//! ([`crate::console`]), and as JSON to an editor's access token in `Authorization: Bearer`
//! (`node scripts/sign-in.mjs <url> <email>` prints one), for monitors.
//!
//! The checks are cached in the isolate for a minute, so a page that is reloaded, or probed by a
//! monitor, costs GitHub at most one request a minute. Nothing secret is shown to anyone.

use crate::access::Access;
use crate::catalog::External;
use crate::catalog_store;
use crate::config::{Config, ConfigError, GitHubAuth, SignInProvider};
use crate::identity::UserInfo;
use crate::oauth::{upstream, Site};
use crate::ports::{HttpResponse, Platform};
use crate::shell::{self, Kind};
use crate::web::json;
use http::StatusCode;
use maud::{html, Markup};
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
    /// Which identity the connector uses at GitHub (a token, or a GitHub App's installation and
    /// its permissions on the repository).
    pub github_identity: Option<String>,
    /// Whether push webhooks are configured, and how calls learn of new commits.
    pub freshness: Option<String>,
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
        github_identity: None,
        freshness: None,
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
        github_check(platform, config, &mut status).await;
        let site = Site { platform, config, base_url };
        status.identity_provider = Some(sign_in_check(&site).await);
    }
    CHECKED.with(|c| *c.borrow_mut() = Some((now, status.clone())));
    status
}

/// Asks GitHub for the branch head with the connector's own credentials (whatever webhooks
/// say), to show which identity is in use, what it may do and when its token expires.
async fn github_check<P: Platform>(platform: &P, config: &Config, status: &mut Status) {
    let github = catalog_store::github(platform, config);
    let head = github.head(config.branch.as_deref(), None).await;
    status.github_token_expires = github.token_expiration();
    status.github_identity = Some(match (&config.github, github.installation_token()) {
        (GitHubAuth::Tokens { write: None, .. }, _) => "a personal access token (GITHUB_SERVICE_TOKEN)".into(),
        (GitHubAuth::Tokens { .. }, _) => {
            "personal access tokens (GITHUB_SERVICE_TOKEN for reads, GITHUB_WRITE_TOKEN for writes)".into()
        }
        (GitHubAuth::App { app, writer }, token) => {
            let reads = match token {
                Some(token) => {
                    let permissions: Vec<String> = token.permissions.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!("installation {}; read token: {}", token.installation_id, permissions.join(", "))
                }
                None => "no installation token yet".into(),
            };
            let writes = match writer {
                Some(writer) => format!("writes go through GitHub App {} with contents: write", writer.app_id),
                None => "writes use a token of the same app with contents: write".into(),
            };
            format!("GitHub App {} ({reads}); {writes}", app.app_id)
        }
    });
    status.freshness = Some(match &config.webhooks {
        Some(webhooks) => format!(
            "push webhooks at /webhooks/github; a call asks GitHub only when none has confirmed the head for {} s",
            webhooks.silence_seconds
        ),
        None => "no push webhooks (GITHUB_WEBHOOK_SECRET unset): every call revalidates the branch with GitHub".into(),
    });
    if let (Err(error), Some(check)) = (head, status.github.as_mut()) {
        if check.ok {
            *check = Check { ok: false, detail: error.to_string() };
        }
    }
}

/// Whether each sign-in provider can be used: an OpenID provider's discovery document answers
/// (GitHub's OAuth app has nothing to ask before a sign-in).
async fn sign_in_check<P: Platform>(site: &Site<'_, P>) -> Check {
    let mut ok = true;
    let mut details = Vec::new();
    for provider in &site.config.sign_in.providers {
        match provider {
            SignInProvider::Oidc(settings) => match upstream::discover(site, settings).await {
                Ok(discovery) => details.push(format!("sign-in through {}", discovery.issuer)),
                Err(error) => {
                    ok = false;
                    details.push(error.to_string());
                }
            },
            SignInProvider::GitHub(settings) => {
                details.push(format!("sign-in with GitHub for members of {}", settings.orgs.join(", ")))
            }
        }
    }
    Check { ok, detail: details.join("; ") }
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
    // The details are the admin console's, behind its own sign-in; a browser sends no token.
    let checks = public_checks(&status);
    let body = html! {
        h1 { "Skillport Connector" }
        p { "Shares this organization's Claude Skills with Claude.ai and Claude Desktop." }
        p { "In Claude, open " b { "Settings → Connectors → Add custom connector" } " and paste:" }
        p { code { (status.connector_url) } }
        p.muted { "Only for clients that need the older SSE transport: " code { (status.sse_url) } }
        @if healthy(&status) {
            p.ok { b { "Working." } }
        } @else {
            p.bad { b { "Not working yet" } " — see below and docs/SETUP.md." }
        }
        ul { (checks) }
    };
    shell::page(Kind::Home, StatusCode::OK, "Skillport Connector", body)
}

/// A check's class on the page.
fn class(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "bad"
    }
}

/// The checks anyone may see: the configuration's problems, and where editors see more.
fn public_checks(status: &Status) -> Markup {
    html! {
        @if !status.configured {
            (incomplete(status))
        }
        // Which part fails, without the details: enough for an admin to know where to look.
        @for (label, check) in [("GitHub", &status.github), ("Sign-in", &status.identity_provider)] {
            @if let Some(check) = check {
                li class=(class(check.ok)) { (label) ": " (if check.ok { "working" } else { "not working" }) }
            }
        }
        li {
            "Editors see every check in detail in the " a href="/admin" { "admin console" } "; monitors can read them as JSON with an editor's access token ("
            code { "node scripts/sign-in.mjs <this URL> <your email>" } " prints one)."
        }
    }
}

/// Every check with its details, for editors.
pub fn detailed_checks(status: &Status) -> Markup {
    let row = |label: &str, check: &Option<Check>| {
        html! {
            @if let Some(check) = check {
                li class=(class(check.ok)) { (label) ": " (check.detail) }
            }
        }
    };
    html! {
        @if status.configured {
            li.ok { "Configuration: complete; serving " code { (status.marketplace.as_deref().unwrap_or_default()) } }
        } @else {
            (incomplete(status))
        }
        (row("GitHub", &status.github))
        @if let Some(identity) = &status.github_identity {
            li { "GitHub identity: " (identity) }
        }
        @if let Some(expires) = &status.github_token_expires {
            li { "GitHub token expires: " (expires) }
        }
        @if let Some(freshness) = &status.freshness {
            li { "New commits: " (freshness) }
        }
        (row("Sign-in", &status.identity_provider))
        @if let (Some(served), Some(skipped)) = (status.skills_served, status.skills_skipped) {
            li {
                "Skills: " (served) " served, " (skipped) " skipped"
                @if skipped > 0 { " (editors see why in list_skills)" }
            }
        }
        @for external in &status.served_elsewhere {
            li {
                "Plugin " code { (external.name) } " is served from another repository (" (external.source)
                "), not by this connector"
            }
        }
    }
}

/// The configuration's problems, as a list item.
fn incomplete(status: &Status) -> Markup {
    html! {
        li.bad {
            "Configuration: incomplete"
            ul {
                @for problem in &status.problems {
                    li { code { (problem) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> Status {
        let check = |ok: bool, detail: &str| Some(Check { ok, detail: detail.into() });
        Status {
            connector_url: "https://s.example/mcp?<x>".into(),
            sse_url: "https://s.example/sse".into(),
            marketplace: Some("acme/<skills>".into()),
            configured: true,
            problems: vec!["SETTING <is> missing".into()],
            github: check(true, "the token reads acme/<skills> at abc"),
            github_token_expires: Some("<soon>".into()),
            github_identity: Some("GitHub App <1>".into()),
            freshness: None,
            identity_provider: check(false, "error: <html> & \"quotes\""),
            skills_served: Some(3),
            skills_skipped: Some(1),
            served_elsewhere: vec![External { name: "<p>".into(), source: "github: a/<b>".into() }],
            access: None,
        }
    }

    fn text(markup: Markup) -> String {
        markup.into_string()
    }

    #[test]
    fn the_details_editors_see_are_text() {
        let html = text(detailed_checks(&status()));
        assert!(
            html.contains("<li class=\"ok\">Configuration: complete; serving <code>acme/&lt;skills&gt;</code></li>")
        );
        assert!(html.contains("<li class=\"ok\">GitHub: the token reads acme/&lt;skills&gt; at abc</li>"), "{html}");
        assert!(html.contains("<li>GitHub token expires: &lt;soon&gt;</li>"), "{html}");
        assert!(
            html.contains("<li class=\"bad\">Sign-in: error: &lt;html&gt; &amp; &quot;quotes&quot;</li>"),
            "{html}"
        );
        assert!(html.contains("<li>Skills: 3 served, 1 skipped (editors see why in list_skills)</li>"), "{html}");
        assert!(html.contains(
            "<li>Plugin <code>&lt;p&gt;</code> is served from another repository (github: a/&lt;b&gt;), not by this connector</li>"
        ));
        assert!(!html.contains("<p>") && !html.contains("<html>"), "{html}");
    }

    #[test]
    fn anyone_sees_which_part_fails_and_the_problems_as_text() {
        let status = Status { configured: false, ..status() };
        let html = text(public_checks(&status));
        assert!(html.starts_with(
            "<li class=\"bad\">Configuration: incomplete<ul><li><code>SETTING &lt;is&gt; missing</code></li></ul></li>"
        ));
        assert!(html.contains("<li class=\"ok\">GitHub: working</li><li class=\"bad\">Sign-in: not working</li>"));
        assert!(html.contains("<code>node scripts/sign-in.mjs &lt;this URL&gt; &lt;your email&gt;</code> prints one"));
        assert!(html.contains(r#"<a href="/admin">admin console</a>"#));
        assert!(!html.contains("acme") && !html.contains("quotes"), "no details: {html}");
    }
}
