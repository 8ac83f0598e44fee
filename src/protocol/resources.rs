//! Resources: how they are listed (`resources/list`, `resources/directory/read`,
//! `resources/templates/list`) and read (`resources/read`).

use serde::Serialize;

/// A resource as `resources/list` and `resources/directory/read` describe it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// Its URI.
    pub uri: String,
    /// Its name (a SKILL.md's is the skill's name; a file's is its file name).
    pub name: String,
    /// What the skill does (SKILL.md resources only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its MIME type; `inode/directory` for a folder.
    pub mime_type: &'static str,
    /// Its size in bytes (files only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// The result of `resources/list` and `resources/directory/read`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesResult {
    /// This page of resources.
    pub resources: Vec<Resource>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One file's content as `resources/read` gives it: text when it is UTF-8, else base64.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contents {
    /// The file's URI.
    pub uri: String,
    /// Its MIME type.
    pub mime_type: &'static str,
    /// The content, when it is UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The content as base64, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

/// The result of `resources/read`.
#[derive(Debug, Serialize)]
pub struct ReadResult {
    /// The file, once.
    pub contents: Vec<Contents>,
}

/// A URI template; this server declares none (every skill file is listed by its own URI).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTemplate {
    /// The template.
    pub uri_template: String,
    /// Its name.
    pub name: String,
}

/// The result of `resources/templates/list`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResourceTemplatesResult {
    /// The templates: none.
    pub resource_templates: Vec<ResourceTemplate>,
}
