//! The admin console at `/admin`, for editors: the connector's checks, the catalog with every
//! skipped skill and why, the access matrix, usage and version drift, the people signed in (with
//! a revoke button) and the commits made through the connector.
//!
//! Server-rendered HTML in the one page shell (`maud` templates, charts as inline SVG): no
//! script, no framework, nothing loaded from elsewhere. Signing in is the connector's own
//! ([`session`]); each page then costs one ledger read (the session's grant), the catalog as a
//! tool call loads it, and at most one usage read.

pub mod chart;
pub mod pages;
pub mod session;

use crate::access::Access;
use crate::catalog_store::{self, Served};
use crate::oauth::Site;
use crate::ports::{HttpRequest, HttpResponse, Platform};
use crate::usage::directory::{Directory, ReadDirectory};
use crate::usage::{self, ReadUsage, Usage};
use http::{Method, StatusCode};
use session::{SessionError, Viewer};
use std::collections::HashMap;

/// Where the console lives.
pub const PATH: &str = "/admin";

/// The console's pages, by path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `/admin`: the checks and the numbers.
    Overview,
    /// `/admin/catalog`: every skill served, every one skipped and why.
    Catalog,
    /// `/admin/access`: what a person or a team may read and write, and which rule decided.
    Access,
    /// `/admin/usage`: usage per skill over time, and version drift.
    Usage,
    /// `/admin/people`: who signed in, with a revoke button; recent commits.
    People,
}

impl Page {
    /// Every page, in the navigation's order.
    pub const ALL: [Page; 5] = [Page::Overview, Page::Catalog, Page::Access, Page::Usage, Page::People];

    /// The page's path.
    pub fn path(self) -> &'static str {
        match self {
            Page::Overview => "/admin",
            Page::Catalog => "/admin/catalog",
            Page::Access => "/admin/access",
            Page::Usage => "/admin/usage",
            Page::People => "/admin/people",
        }
    }

    /// The page's name in the navigation and its title.
    pub fn title(self) -> &'static str {
        match self {
            Page::Overview => "Overview",
            Page::Catalog => "Catalog",
            Page::Access => "Access",
            Page::Usage => "Usage",
            Page::People => "People",
        }
    }

    fn at(path: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|page| page.path() == path)
    }
}

/// What every page of a signed-in editor is drawn from.
pub struct Console<'a, P> {
    /// The host and configuration.
    pub site: &'a Site<'a, P>,
    /// The editor looking.
    pub viewer: &'a Viewer,
    /// The catalog served.
    pub served: &'a Served,
    /// Its access rules.
    pub access: &'a Access,
    /// The query's parameters.
    pub query: HashMap<String, String>,
}

/// `GET` and `POST` under `/admin`.
pub async fn handle<P: Platform>(site: &Site<'_, P>, request: &HttpRequest) -> HttpResponse {
    let path = request.uri().path().trim_end_matches('/');
    let path = if path.is_empty() { PATH } else { path };
    let method = request.method();
    if path == "/admin/sign-in" {
        return match *method {
            Method::GET => session::sign_in(site, request).await,
            _ => crate::web::method_not_allowed("GET"),
        };
    }
    let known = Page::at(path).is_some() || matches!(path, "/admin/people/revoke" | "/admin/sign-out");
    if !known {
        return pages::message(StatusCode::NOT_FOUND, "Not found", "There is no such page in the admin console.");
    }
    let viewer = match session::open(site, request).await {
        Ok(viewer) => viewer,
        Err(SessionError::Unavailable) => {
            return pages::message(StatusCode::SERVICE_UNAVAILABLE, "Try again", &SessionError::Unavailable.to_string())
        }
        Err(problem) if *method == Method::GET => return pages::sign_in(site, Some(&problem.to_string())),
        Err(problem) => return pages::message(StatusCode::FORBIDDEN, "Sign in first", &problem.to_string()),
    };
    let form = if *method == Method::POST {
        match crate::oauth::form(request) {
            Ok(form) if session::form_is_genuine(site, &viewer, request, form.get("csrf").map_or("", String::as_str)) => {
                Some(form)
            }
            _ => {
                return pages::message(
                    StatusCode::FORBIDDEN,
                    "This form cannot be used",
                    "It was not sent from this console in this session, so nothing was changed. Reload the page and try again.",
                )
            }
        }
    } else {
        None
    };
    if path == "/admin/sign-out" {
        return match form {
            Some(_) => session::sign_out(site, &viewer).await,
            None => crate::web::method_not_allowed("POST"),
        };
    }
    let served = match catalog_store::current(site.platform, site.config).await {
        Ok(served) => served,
        Err(e) => {
            return pages::message(StatusCode::BAD_GATEWAY, "The skills repository cannot be read", &e.to_string())
        }
    };
    let access = Access::load(served.catalog.access.as_deref());
    if !access.is_editor(&viewer.user) {
        return pages::not_an_editor(&viewer, access.error().map(ToString::to_string).as_deref());
    }
    let query = crate::oauth::pairs(request.uri().query().unwrap_or("").as_bytes()).unwrap_or_default();
    let console = Console { site, viewer: &viewer, served: &served, access: &access, query };
    match (method.clone(), path) {
        (Method::POST, "/admin/people/revoke") => {
            let user = form.as_ref().and_then(|f| f.get("user")).cloned().unwrap_or_default();
            revoke(&console, &user).await
        }
        (_, "/admin/people/revoke") => crate::web::method_not_allowed("POST"),
        (Method::GET, _) => match Page::at(path) {
            Some(Page::Overview) => {
                let status = crate::home::status(site.platform, &Ok(site.config.clone()), site.base_url).await;
                let usage = read(&console, ReadUsage { since: since(&console, 30) }).await;
                pages::overview(&console, &status, usage.as_ref())
            }
            Some(Page::Catalog) => pages::catalog(&console),
            Some(Page::Access) => {
                let directory = read(&console, ReadDirectory {}).await;
                pages::access(&console, directory)
            }
            Some(Page::Usage) => {
                let days = usage_days(&console);
                let usage = read(&console, ReadUsage { since: since(&console, days) }).await;
                let directory = read(&console, ReadDirectory {}).await;
                pages::usage(&console, days, usage, directory)
            }
            Some(Page::People) => {
                let directory = read(&console, ReadDirectory {}).await;
                pages::people(&console, directory)
            }
            None => pages::message(StatusCode::NOT_FOUND, "Not found", "There is no such page in the admin console."),
        },
        _ => crate::web::method_not_allowed("GET"),
    }
}

/// The periods the usage page offers, in days.
pub const PERIODS: [u32; 3] = [7, 30, 90];

/// The usage page's period: `?days=`, one of [`PERIODS`] within the retention (default 30).
fn usage_days<P>(console: &Console<'_, P>) -> u32 {
    let retention = console.site.config.usage_retention_days;
    console
        .query
        .get("days")
        .and_then(|d| d.parse::<u32>().ok())
        .filter(|d| PERIODS.contains(d))
        .unwrap_or(30)
        .min(retention)
}

/// The first day of a period of `days` ending today.
fn since<P: Platform>(console: &Console<'_, P>, days: u32) -> u32 {
    (crate::tools::skill_stats::today(console.site.platform) + 1).saturating_sub(days)
}

/// A read of the usage object; its failure is shown on the page rather than failing it.
async fn read<P: Platform, C: usage::Call>(console: &Console<'_, P>, command: C) -> Result<C::Answer, String> {
    usage::call(console.site.platform, &usage::object_name(console.site.config), command)
        .await
        .map_err(|e| format!("usage is unavailable: {e}"))
}

/// `POST /admin/people/revoke` (form checked): every grant of `user` ended, as `revoke_user`
/// does, then back to the people page saying so.
async fn revoke<P: Platform>(console: &Console<'_, P>, user: &str) -> HttpResponse {
    if !crate::tools::revoke_user::is_user_id(user) {
        return pages::message(StatusCode::BAD_REQUEST, "Nothing was revoked", "The form named no user id.");
    }
    let revoked = crate::tools::revoke_user::revoke_everywhere(console.site.platform, console.site.config, user).await;
    let ended = match revoked {
        Ok(ended) => ended,
        Err(e) => return pages::message(StatusCode::SERVICE_UNAVAILABLE, "Nothing was revoked", &e.to_string()),
    };
    let location = format!(
        "/admin/people?revoked={}&ended={ended}",
        url::form_urlencoded::byte_serialize(user.as_bytes()).collect::<String>()
    );
    session::see_other(&location)
}

/// The usage figures a page shows, or why they are missing.
pub type UsageRead = Result<Usage, String>;
/// The people and changes a page shows, or why they are missing.
pub type DirectoryRead = Result<Directory, String>;
