//! Where update notifications go (`NOTIFY_WEBHOOKS`, a secret: each URL is its own credential).

use super::{ConfigError, Secret};
use serde::Deserialize;

/// The kinds of receiver a message is shaped for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DestinationKind {
    /// A Slack incoming webhook (`https://hooks.slack.com/services/…`): Block Kit.
    Slack,
    /// A Microsoft Teams workflow webhook ("When a Teams webhook request is received"): an
    /// Adaptive Card.
    Teams,
    /// Any other receiver: the change as JSON, signed with `X-Skillport-Signature-256` when the
    /// destination has a `secret`.
    Json,
}

/// One receiver of update notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Its name: what access.json's `notifications` refer to, and what logs say.
    pub name: String,
    /// How messages are shaped for it.
    pub kind: DestinationKind,
    /// Where messages are posted (never logged: the URL is the credential).
    pub url: Secret,
    /// For `json` receivers: the HMAC-SHA256 key of `X-Skillport-Signature-256`.
    pub secret: Option<Secret>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    name: String,
    kind: DestinationKind,
    url: String,
    #[serde(default)]
    secret: Option<String>,
}

/// The most destinations: each push sends one message to each, within one invocation.
pub const MAX_DESTINATIONS: usize = 10;

const SETTING: &str = "NOTIFY_WEBHOOKS";

/// Parses `NOTIFY_WEBHOOKS`: a JSON array of `{"name", "kind": "slack"|"teams"|"json", "url",
/// "secret"?}`.
pub(super) fn load(get: &impl Fn(&str) -> Option<String>, errors: &mut Vec<ConfigError>) -> Vec<Destination> {
    let Some(text) = get(SETTING) else { return Vec::new() };
    let fail = |problem: String| ConfigError { setting: SETTING, problem };
    let written: Vec<Written> = match serde_json::from_str(&text) {
        Ok(written) => written,
        Err(e) => {
            errors.push(fail(format!(
                "is not a JSON array of destinations ({e}); write it as [{{\"name\": \"skills-channel\", \"kind\": \"slack\", \"url\": \"https://hooks.slack.com/services/…\"}}] (kinds: slack, teams, json)"
            )));
            return Vec::new();
        }
    };
    if written.len() > MAX_DESTINATIONS {
        errors.push(fail(format!("names {} destinations; at most {MAX_DESTINATIONS} are sent to", written.len())));
    }
    let mut destinations: Vec<Destination> = Vec::new();
    for destination in written.into_iter().take(MAX_DESTINATIONS) {
        let name = destination.name.trim().to_string();
        if name.is_empty() || destinations.iter().any(|d| d.name == name) {
            errors.push(fail(format!("every destination needs a name of its own (`{name}`)")));
            continue;
        }
        // The URL is the credential: problems name the destination, never the URL.
        if let Err(problem) = check_url(&destination.url) {
            errors.push(fail(format!("destination `{name}`: its url {problem}")));
            continue;
        }
        destinations.push(Destination {
            name,
            kind: destination.kind,
            url: Secret::new(destination.url),
            secret: destination.secret.filter(|s| !s.is_empty()).map(Secret::new),
        });
    }
    destinations
}

/// A webhook URL: https (plain http only on loopback, for local runs), without credentials;
/// queries are allowed (Teams workflow URLs carry their signature in one).
fn check_url(value: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(value).map_err(|_| "is not a URL")?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err("must use https"),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password");
    }
    Ok(())
}
