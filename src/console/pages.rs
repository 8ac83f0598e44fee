//! The console's pages, as `maud` templates in the one page shell: every value is escaped by
//! construction. Tables scroll sideways on a phone; decisions are words as well as colours;
//! every control is a link, a button or a labelled field, so the console works from a keyboard
//! and without JavaScript.

use super::chart;
use super::session::Viewer;
use super::{Console, DirectoryRead, Page, UsageRead, PERIODS};
use crate::access::{SkillRef, Who};
use crate::home::{self, Status};
use crate::identity::UserInfo;
use crate::oauth::Site;
use crate::ports::{HttpResponse, Platform};
use crate::shell::{self, Kind};
use crate::usage::stats::{self, SkillStats};
use http::StatusCode;
use maud::{html, Markup};
use std::collections::HashMap;

/// How many skills the usage page draws a chart for.
const CHARTS: usize = 12;
/// How many skills the table of uses lists.
const TABLE_ROWS: usize = 100;
/// How many of the people behind on a skill the drift table names.
const BEHIND_NAMED: usize = 20;

/// `ms` as `YYYY-MM-DD HH:MM UTC`.
fn when(ms: u64) -> String {
    crate::github::app::format_utc(ms).map(|t| format!("{} {} UTC", &t[..10], &t[11..16])).unwrap_or_default()
}

/// `count` and the noun that goes with it.
fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// A decision as a word, coloured.
fn verdict(allowed: bool) -> Markup {
    html! {
        @if allowed { span.ok { "yes" } } @else { span.bad { "no" } }
    }
}

/// A page of the console for a signed-in editor: the navigation, the page's body, sign-out.
fn frame<P>(console: &Console<'_, P>, page: Page, body: Markup) -> HttpResponse {
    let viewer = console.viewer;
    let title = format!("{} · Skillport admin console", page.title());
    let body = html! {
        header {
            p.muted { "Skillport admin console · signed in as " (viewer.user.email) }
            nav aria-label="Console" {
                ul.nav {
                    @for each in Page::ALL {
                        li {
                            @if each == page {
                                a href=(each.path()) aria-current="page" { b { (each.title()) } }
                            } @else {
                                a href=(each.path()) { (each.title()) }
                            }
                        }
                    }
                }
            }
        }
        main {
            h1 { (page.title()) }
            (body)
        }
        footer {
            form method="post" action="/admin/sign-out" {
                input type="hidden" name="csrf" value=(viewer.csrf);
                button type="submit" { "Sign out" }
            }
        }
    };
    shell::page(Kind::Console, StatusCode::OK, &title, body)
}

/// A short page with one message (an error, a refusal).
pub fn message(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    let body = html! {
        main {
            h1 { (title) }
            p { (text) }
            p { a href="/admin" { "Back to the admin console" } }
        }
    };
    shell::page(Kind::SignIn, status, title, body)
}

/// The sign-in page: one button per identity provider (401: no session).
pub fn sign_in<P: Platform>(site: &Site<'_, P>, problem: Option<&str>) -> HttpResponse {
    let body = html! {
        main {
            h1 { "Skillport admin console" }
            p { "For the editors of this organization's skills. Sign in with your company account." }
            @if let Some(problem) = problem {
                p.muted { (problem) }
            }
            ul.actions {
                @for provider in &site.config.sign_in.providers {
                    li {
                        a.button href={"/admin/sign-in?provider=" (provider.key())} { "Sign in with " (provider.label()) }
                    }
                }
            }
        }
    };
    shell::page(Kind::SignIn, StatusCode::UNAUTHORIZED, "Sign in · Skillport admin console", body)
}

/// 403 for someone signed in who is not an editor.
pub fn not_an_editor(viewer: &Viewer, access_error: Option<&str>) -> HttpResponse {
    let body = html! {
        main {
            h1 { "Only editors use the admin console" }
            p { "You are signed in as " (viewer.user.email) " (" code { (viewer.user.id) } "), who is not an editor in "
                code { ".skillport/access.json" } "." }
            @if let Some(error) = access_error {
                p.bad { (error) }
            }
            p { "An editor can add you to its " code { "editors" } " list; in Claude, " code { "whoami" } " shows your entry." }
            form method="post" action="/admin/sign-out" {
                input type="hidden" name="csrf" value=(viewer.csrf);
                button type="submit" { "Sign out" }
            }
        }
    };
    shell::page(Kind::SignIn, StatusCode::FORBIDDEN, "Not an editor · Skillport admin console", body)
}

/// A failed read, as a line on the page.
fn unavailable(problem: &str) -> Markup {
    html! { p.bad role="status" { (problem) } }
}

/// `/admin`: the checks the home page used to show in detail, and the numbers.
pub fn overview<P>(
    console: &Console<'_, P>,
    status: &Status,
    usage: Result<&crate::usage::Usage, &String>,
) -> HttpResponse {
    let catalog = &console.served.catalog;
    let body = html! {
        @if let Some(stale) = &console.served.stale {
            p.bad role="status" { "Serving the last good catalog: " (stale) }
        }
        h2 { "Checks" }
        ul { (home::detailed_checks(status)) }
        h2 { "Numbers" }
        dl.figures {
            dt { "Skills served" } dd { (catalog.skills.len()) }
            dt { "Skipped" } dd { a href="/admin/catalog#skipped" { (catalog.skipped.len()) } }
            dt { "Commit" } dd { code { (catalog.commit.get(..12).unwrap_or(&catalog.commit)) } }
            @if let Ok(usage) = usage {
                dt { "People using skills, last 30 days" } dd { (usage.people) }
                dt { "Uses, last 30 days" } dd { (usage.skills.iter().map(|s| s.fetches + s.downloads + s.reads).sum::<u64>()) }
            }
        }
        @if let Err(problem) = usage {
            (unavailable(problem))
        }
    };
    frame(console, Page::Overview, body)
}

/// `/admin/catalog`: every skill served and every one skipped, with why.
pub fn catalog<P>(console: &Console<'_, P>) -> HttpResponse {
    let catalog = &console.served.catalog;
    let body = html! {
        p { (catalog.skills.len()) " skills from " code { (console.site.config.repo.to_string()) } " at "
            code { (catalog.commit.get(..12).unwrap_or(&catalog.commit)) } "." }
        h2 id="skipped" { "Skipped (" (catalog.skipped.len()) ")" }
        @if catalog.skipped.is_empty() {
            p { "Nothing was skipped." }
        } @else {
            div.scroll {
                table {
                    thead { tr { th scope="col" { "Path" } th scope="col" { "Group" } th scope="col" { "Why" } } }
                    tbody {
                        @for skipped in &catalog.skipped {
                            tr { td { code { (skipped.path) } } td { (skipped.group.as_deref().unwrap_or("")) } td { (skipped.reason) } }
                        }
                    }
                }
            }
        }
        @if !catalog.external.is_empty() {
            h2 { "Served from elsewhere" }
            ul {
                @for external in &catalog.external {
                    li { code { (external.name) } ": " (external.source) " (Claude Code installs it from there)" }
                }
            }
        }
        h2 { "Skills" }
        div.scroll {
            table {
                thead { tr { th scope="col" { "Skill" } th scope="col" { "Group" } th scope="col" { "Version" } th scope="col" { "Published" } th scope="col" { "Warnings" } } }
                tbody {
                    @for skill in &catalog.skills {
                        tr {
                            td { (skill.name) }
                            td { (skill.group) }
                            td { (skill.version.as_deref().unwrap_or("")) }
                            td { (verdict(skill.published)) }
                            td { (skill.warnings.join("; ")) }
                        }
                    }
                }
            }
        }
    };
    frame(console, Page::Catalog, body)
}

/// `/admin/access`: pick a person (seen, or by id) or a team; what they may read and write, and
/// the rule that decided — the same decisions the tools make.
pub fn access<P>(console: &Console<'_, P>, directory: DirectoryRead) -> HttpResponse {
    let people = directory.as_ref().map(|d| d.people.as_slice()).unwrap_or_default();
    let person_id = console.query.get("person").filter(|p| !p.is_empty());
    let team = console.query.get("team").filter(|t| !t.is_empty());
    let chosen_person: Option<UserInfo> = person_id.map(|id| {
        people
            .iter()
            .find(|p| p.user.id == *id)
            .map(|p| p.user.clone())
            .unwrap_or_else(|| UserInfo { id: id.clone(), ..UserInfo::default() })
    });
    let who = match (&chosen_person, team) {
        (Some(person), _) => Some(Who::Person(person)),
        (None, Some(team)) => Some(Who::Team(team)),
        (None, None) => None,
    };
    let access = console.access;
    let catalog = &console.served.catalog;
    let body = html! {
        @if let Some(error) = access.error() {
            p.bad role="status" { (error.to_string()) }
        }
        form method="get" action="/admin/access" {
            p {
                label for="person" { "A person " }
                input id="person" name="person" list="people" value=(person_id.map(String::as_str).unwrap_or("")) placeholder="google:1234…";
                datalist id="people" {
                    @for person in people {
                        option value=(person.user.id) { (person.user.email) }
                    }
                }
            }
            p {
                label for="team" { "or a team " }
                select id="team" name="team" {
                    option value="" { "—" }
                    @for name in access.team_names() {
                        option value=(name) selected[team.map(String::as_str) == Some(name)] { (name) }
                    }
                }
            }
            button type="submit" { "Show" }
        }
        @if let Err(problem) = &directory {
            (unavailable(problem))
        }
        @match who {
            None => p { "Pick a person or a team to see what they may read and write, and which rule of access.json decided." },
            Some(who) => {
                @match who {
                    Who::Person(person) => {
                        h2 { (if person.email.is_empty() { person.id.as_str() } else { person.email.as_str() }) }
                        p.muted {
                            code { (person.id) }
                            @if person.email.is_empty() { " (not seen signing in: decided by the id alone, without domain or groups)" }
                            @if let Some(domain) = &person.domain { " · domain " (domain) }
                            @if !person.groups.is_empty() { " · groups " (person.groups.join(", ")) }
                            @if !person.github_teams.is_empty() { " · GitHub teams " (person.github_teams.join(", ")) }
                            @let teams = access.teams_of(person);
                            @if !teams.is_empty() { " · teams " (teams.join(", ")) }
                            @if access.is_editor(person) { " · an editor" }
                        }
                    }
                    Who::Team(team) => {
                        h2 { "Team " (team) }
                        p.muted { "What the rules grant the team as such; each member may get more by their own entries." }
                    }
                }
                h3 { "Writes, per group" }
                div.scroll {
                    table {
                        thead { tr { th scope="col" { "Group" } th scope="col" { "May write" } th scope="col" { "Rule" } } }
                        tbody {
                            @for group in &catalog.groups {
                                @let decision = access.explain_write(who, &group.name);
                                tr { td { (group.name) } td { (verdict(decision.allowed)) } td { (decision.rule) } }
                            }
                        }
                    }
                }
                h3 { "Reads, per skill" }
                div.scroll {
                    table {
                        thead { tr { th scope="col" { "Skill" } th scope="col" { "Group" } th scope="col" { "May read" } th scope="col" { "Rule" } } }
                        tbody {
                            @for skill in &catalog.skills {
                                @let decision = access.explain_read(who, SkillRef { name: &skill.name, group: &skill.group, published: skill.published });
                                tr { td { (skill.name) } td { (skill.group) } td { (verdict(decision.allowed)) } td { (decision.rule) } }
                            }
                        }
                    }
                }
            }
        }
    };
    frame(console, Page::Access, body)
}

/// `/admin/usage`: a chart per most-used skill, the figures of every skill, and the drift.
pub fn usage<P: Platform>(
    console: &Console<'_, P>,
    days: u32,
    usage: UsageRead,
    directory: DirectoryRead,
) -> HttpResponse {
    let today = crate::tools::skill_stats::today(console.site.platform);
    let first = (today + 1).saturating_sub(days);
    let emails: HashMap<&str, &str> = directory
        .as_ref()
        .map(|d| d.people.iter().map(|p| (p.user.id.as_str(), p.user.email.as_str())).collect())
        .unwrap_or_default();
    let retention = console.site.config.usage_retention_days;
    let body = html! {
        form method="get" action="/admin/usage" {
            label for="days" { "Period " }
            select id="days" name="days" {
                @for period in PERIODS.into_iter().filter(|p| *p <= retention) {
                    option value=(period) selected[period == days] { "last " (period) " days" }
                }
            }
            " "
            button type="submit" { "Show" }
        }
        p.muted { "Kept " (retention) " days. Uses are fetch_skill calls, package downloads and Skills extension reads." }
        @match &usage {
            Err(problem) => (unavailable(problem)),
            Ok(usage) => {
                @let all = stats::per_skill(usage, console.served.catalog.skills.iter());
                @let labels: Vec<String> = (first..=today).map(stats::date).collect();
                h2 { "Most used" }
                @let used: Vec<&SkillStats> = all.iter().filter(|s| stats::total(s) > 0).collect();
                @if used.is_empty() {
                    p { "Nobody used a skill in this period." }
                }
                @for skill in used.iter().take(CHARTS) {
                    figure {
                        figcaption { b { (skill.name) } " — " (plural(stats::total(skill), "use", "uses")) " by " (plural(skill.users, "person", "people")) }
                        @let per_day = daily_values(skill, first, today);
                        (chart::daily_bars(&skill.name, &labels, &per_day))
                    }
                }
                h2 { "Uses per skill" }
                @if used.len() > TABLE_ROWS {
                    p.muted { "The " (TABLE_ROWS) " most used of " (used.len()) "; skill_stats pages through every one." }
                }
                div.scroll {
                    table {
                        thead { tr {
                            th scope="col" { "Skill" } th scope="col" { "Fetches" } th scope="col" { "Downloads" }
                            th scope="col" { "Reads" } th scope="col" { "People" }
                        } }
                        tbody {
                            @for skill in used.iter().take(TABLE_ROWS) {
                                tr { td { (skill.name) } td { (skill.fetches) } td { (skill.downloads) } td { (skill.reads) } td { (skill.users) } }
                            }
                        }
                    }
                }
                @let unused: Vec<&str> = all.iter().filter(|s| stats::total(s) == 0).map(|s| s.name.as_str()).collect();
                h2 { "Unused (" (unused.len()) ")" }
                @if unused.is_empty() {
                    p { "Every skill was used in this period." }
                } @else {
                    p { (unused.join(", ")) }
                }
                h2 id="drift" { "Version drift" }
                p.muted { "From the versions people report to check_updates; a person counts once per skill." }
                @let drifting: Vec<&SkillStats> = all.iter().filter(|s| !s.installed.is_empty()).collect();
                @if drifting.is_empty() {
                    p { "Nobody has reported installed versions yet." }
                } @else {
                    div.scroll {
                        table {
                            thead { tr {
                                th scope="col" { "Skill" } th scope="col" { "Current" } th scope="col" { "Installed" }
                                th scope="col" { "Behind" } th scope="col" { "Who is behind" }
                            } }
                            tbody {
                                @for skill in drifting {
                                    tr {
                                        td { (skill.name) }
                                        td { (skill.version.as_deref().unwrap_or("")) }
                                        td {
                                            @for (i, installed) in skill.installed.iter().enumerate() {
                                                @if i > 0 { ", " }
                                                (installed.version) " × " (installed.users)
                                            }
                                        }
                                        td { @if skill.behind > 0 { span.bad { (skill.behind) } } @else { span.ok { "0" } } }
                                        td {
                                            (skill.behind_users.iter().take(BEHIND_NAMED).map(|id| emails.get(id.as_str()).copied().unwrap_or(id.as_str())).collect::<Vec<_>>().join(", "))
                                            @if skill.behind_users.len() > BEHIND_NAMED {
                                                " and " (skill.behind_users.len() - BEHIND_NAMED) " more (skill_stats lists everyone)"
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    frame(console, Page::Usage, body)
}

/// Uses per day from `first` to `last`, zero where nothing happened.
fn daily_values(skill: &SkillStats, first: u32, last: u32) -> Vec<u64> {
    let by_day: HashMap<&str, u64> = skill.daily.iter().map(|d| (d.day.as_str(), d.uses)).collect();
    (first..=last).map(|day| by_day.get(stats::date(day).as_str()).copied().unwrap_or(0)).collect()
}

/// `/admin/people`: everyone seen, with revoke buttons, and the commits made through the connector.
pub fn people<P: Platform>(console: &Console<'_, P>, directory: DirectoryRead) -> HttpResponse {
    let revoked = console.query.get("revoked");
    let ended = console.query.get("ended");
    let repo = console.site.config.repo.to_string();
    let body = html! {
        @if let Some(revoked) = revoked {
            p.ok role="status" { "Ended every sign-in of " code { (revoked) } " (" (ended.map(String::as_str).unwrap_or("0")) " grants). Their next request is refused." }
        }
        @match &directory {
            Err(problem) => (unavailable(problem)),
            Ok(directory) => {
                h2 { "Signed in (" (directory.people.len()) ")" }
                p.muted { "Last seen is the last sign-in or token refresh (recorded at most every six hours)." }
                div.scroll {
                    table {
                        thead { tr {
                            th scope="col" { "Person" } th scope="col" { "User id" } th scope="col" { "Last seen" }
                            th scope="col" { "First seen" } th scope="col" { "Sign-ins" }
                        } }
                        tbody {
                            @for person in &directory.people {
                                tr {
                                    td { (person.user.email) @if let Some(name) = &person.user.name { br; span.muted { (name) } } }
                                    td { code { (person.user.id) } }
                                    td { (when(person.last_seen)) }
                                    td { (when(person.first_seen)) }
                                    td {
                                        @if let Some(at) = person.revoked {
                                            "revoked " (when(at))
                                        } @else {
                                            form method="post" action="/admin/people/revoke" {
                                                input type="hidden" name="csrf" value=(console.viewer.csrf);
                                                input type="hidden" name="user" value=(person.user.id);
                                                button type="submit" aria-label={"Revoke every sign-in of " (person.user.email)} { "Revoke" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Recent changes through the connector" }
                @if directory.changes.is_empty() {
                    p { "No commits were made through the connector yet." }
                } @else {
                    div.scroll {
                        table {
                            thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Tool" } th scope="col" { "Commit" } } }
                            tbody {
                                @for change in &directory.changes {
                                    @let who = directory.people.iter().find(|p| p.user.id == change.user).map_or(change.user.as_str(), |p| p.user.email.as_str());
                                    tr {
                                        td { (when(change.at)) }
                                        td { (who) }
                                        td { code { (change.tool) } }
                                        td {
                                            a href={"https://github.com/" (repo) "/commit/" (change.sha)} { code { (change.sha.get(..7).unwrap_or(&change.sha)) } }
                                            " " (change.message)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    frame(console, Page::People, body)
}
