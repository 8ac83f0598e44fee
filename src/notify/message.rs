//! One announcement, shaped for each kind of receiver: Slack's Block Kit, a Teams Adaptive
//! Card, or plain JSON.

use super::changes::{Changed, Changes};
use crate::config::DestinationKind;
use serde::Serialize;

/// What one push changed, and who and where to look.
#[derive(Debug, Clone, Copy)]
pub struct Announcement<'a> {
    /// `owner/repo`.
    pub repo: &'a str,
    /// The served branch.
    pub branch: &'a str,
    /// The new head.
    pub commit: &'a str,
    /// The commit on GitHub, when known.
    pub link: Option<&'a str>,
    /// Who made the change: the `Requested-by` trailer of a change made through the connector,
    /// else the commit's author.
    pub by: Option<&'a str>,
    /// What changed (already only what this receiver may see).
    pub changes: &'a Changes,
}

impl Announcement<'_> {
    /// The message's title.
    pub fn title(&self) -> String {
        format!("Skill updates in {}", self.repo)
    }

    /// One line per change, in plain words.
    pub fn lines(&self) -> Vec<String> {
        let version = |v: &Option<String>| v.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
        let mut lines = Vec::new();
        for c in &self.changes.added {
            lines.push(format!("Added: {}{} ({})", c.name, version(&c.to), c.group));
        }
        for c in &self.changes.updated {
            lines.push(match (&c.from, &c.to) {
                (from, to) if from == to => {
                    format!("Updated: {} ({}), files changed, version{}", c.name, c.group, version(to))
                }
                (Some(from), Some(to)) => format!("Updated: {} {from} → {to} ({})", c.name, c.group),
                (_, to) => format!("Updated: {}{} ({})", c.name, version(to), c.group),
            });
        }
        for c in &self.changes.removed {
            lines.push(format!("Removed: {}{} ({})", c.name, version(&c.from), c.group));
        }
        lines
    }

    fn short_commit(&self) -> &str {
        &self.commit[..self.commit.len().min(7)]
    }

    /// The body posted to a receiver of `kind`, as JSON text.
    pub fn body(&self, kind: DestinationKind) -> String {
        let encoded = match kind {
            DestinationKind::Slack => serde_json::to_string(&self.slack()),
            DestinationKind::Teams => serde_json::to_string(&self.teams()),
            DestinationKind::Json => serde_json::to_string(&self.json()),
        };
        // Plain strings and options only: serializing cannot fail.
        encoded.unwrap_or_default()
    }

    fn slack(&self) -> SlackMessage {
        // Slack's mrkdwn needs only these three escaped.
        let escape = |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let lines: Vec<String> = self.lines().iter().map(|line| format!("• {}", escape(line))).collect();
        let commit = match self.link {
            Some(link) => format!("<{}|{}>", escape(link), self.short_commit()),
            None => format!("`{}`", self.short_commit()),
        };
        let by = self.by.map(|by| format!("By {} · ", escape(by))).unwrap_or_default();
        let text = |kind, text| SlackText { kind, text };
        SlackMessage {
            text: format!("{}: {}", self.title(), self.lines().join("; ")),
            blocks: vec![
                SlackBlock::Header { text: text("plain_text", self.title()) },
                SlackBlock::Section { text: text("mrkdwn", lines.join("\n")) },
                SlackBlock::Context {
                    elements: vec![text("mrkdwn", format!("{by}commit {commit} on {}", escape(self.branch)))],
                },
            ],
        }
    }

    fn teams(&self) -> TeamsMessage {
        let block =
            |text: String, size, weight, subtle| CardText { kind: "TextBlock", text, wrap: true, size, weight, subtle };
        let mut body = vec![block(self.title(), Some("Medium"), Some("Bolder"), None)];
        body.extend(self.lines().into_iter().map(|line| block(line, None, None, None)));
        let by = self.by.map(|by| format!("By {by} · ")).unwrap_or_default();
        body.push(block(format!("{by}commit {} on {}", self.short_commit(), self.branch), None, None, Some(true)));
        let actions = self
            .link
            .map(|url| CardAction { kind: "Action.OpenUrl", title: "View the commit", url: url.to_string() })
            .into_iter()
            .collect();
        TeamsMessage {
            kind: "message",
            attachments: vec![TeamsAttachment {
                content_type: "application/vnd.microsoft.card.adaptive",
                content_url: None,
                content: AdaptiveCard {
                    schema: "http://adaptivecards.io/schemas/adaptive-card.json",
                    kind: "AdaptiveCard",
                    version: "1.4",
                    body,
                    actions,
                },
            }],
        }
    }

    fn json(&self) -> JsonMessage<'_> {
        JsonMessage {
            event: "skills.changed",
            repository: self.repo,
            branch: self.branch,
            commit: JsonCommit { sha: self.commit, url: self.link },
            by: self.by,
            added: self.changes.added.iter().map(|c| json_skill(c, &c.to)).collect(),
            updated: self.changes.updated.iter().collect(),
            removed: self.changes.removed.iter().map(|c| json_skill(c, &c.from)).collect(),
        }
    }
}

/// A skill added or removed, as the JSON receiver sees it.
fn json_skill<'a>(c: &'a Changed, version: &'a Option<String>) -> JsonSkill<'a> {
    JsonSkill { name: &c.name, group: &c.group, version: version.as_deref() }
}

/// A Slack incoming webhook's message (Block Kit).
#[derive(Serialize)]
struct SlackMessage {
    /// The notification's fallback text.
    text: String,
    blocks: Vec<SlackBlock>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum SlackBlock {
    Header { text: SlackText },
    Section { text: SlackText },
    Context { elements: Vec<SlackText> },
}

#[derive(Serialize)]
struct SlackText {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
}

/// A Teams workflow webhook's message: an Adaptive Card as an attachment.
#[derive(Serialize)]
struct TeamsMessage {
    #[serde(rename = "type")]
    kind: &'static str,
    attachments: Vec<TeamsAttachment>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TeamsAttachment {
    content_type: &'static str,
    content_url: Option<String>,
    content: AdaptiveCard,
}

#[derive(Serialize)]
struct AdaptiveCard {
    #[serde(rename = "$schema")]
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    body: Vec<CardText>,
    actions: Vec<CardAction>,
}

#[derive(Serialize)]
struct CardText {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
    wrap: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<&'static str>,
    #[serde(rename = "isSubtle", skip_serializing_if = "Option::is_none")]
    subtle: Option<bool>,
}

#[derive(Serialize)]
struct CardAction {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    url: String,
}

/// The generic JSON receiver's message.
#[derive(Serialize)]
struct JsonMessage<'a> {
    event: &'static str,
    repository: &'a str,
    branch: &'a str,
    commit: JsonCommit<'a>,
    by: Option<&'a str>,
    added: Vec<JsonSkill<'a>>,
    updated: Vec<&'a Changed>,
    removed: Vec<JsonSkill<'a>>,
}

#[derive(Serialize)]
struct JsonCommit<'a> {
    sha: &'a str,
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonSkill<'a> {
    name: &'a str,
    group: &'a str,
    version: Option<&'a str>,
}
