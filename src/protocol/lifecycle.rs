//! Getting acquainted: `initialize` (the 2025 revisions), `server/discover` (2026-07-28) and
//! what both say about the server.

use serde::Serialize;
use std::collections::BTreeMap;

/// Who the server is (`serverInfo` in `initialize`, `io.modelcontextprotocol/serverInfo` in a
/// 2026-07-28 result's `_meta`).
#[derive(Debug, Clone, Serialize)]
pub struct Implementation {
    /// The program's name.
    pub name: &'static str,
    /// Its name for people.
    pub title: &'static str,
    /// Its version.
    pub version: &'static str,
}

/// A capability with a `listChanged` flag.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListChanged {
    /// Whether the server notifies clients when the list changes.
    pub list_changed: bool,
}

/// A capability with no options.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Enabled {}

/// The Skills extension's settings (SEP-2640).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillsExtension {
    /// Whether `resources/directory/read` lists a skill's folders.
    pub directory_read: bool,
}

/// What the server offers.
#[derive(Debug, Clone, Serialize)]
pub struct ServerCapabilities {
    /// Tools.
    pub tools: ListChanged,
    /// Prompts (an empty list, so that clients that probe it get an answer).
    pub prompts: ListChanged,
    /// Resources (the skills' files).
    pub resources: Enabled,
    /// Extensions, by identifier.
    pub extensions: BTreeMap<&'static str, SkillsExtension>,
}

/// The result of `initialize`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// The revision the session speaks.
    pub protocol_version: &'static str,
    /// What the server offers.
    pub capabilities: ServerCapabilities,
    /// Who the server is.
    pub server_info: Implementation,
    /// A hint for the model on how to use the server.
    pub instructions: &'static str,
}

/// The result of `server/discover` (specification 2026-07-28, server/discover).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult {
    /// Every revision the server speaks, newest first.
    pub supported_versions: Vec<&'static str>,
    /// What the server offers.
    pub capabilities: ServerCapabilities,
    /// A hint for the model on how to use the server.
    pub instructions: &'static str,
}

/// The empty result of `ping`.
#[derive(Debug, Serialize)]
pub struct EmptyResult {}
