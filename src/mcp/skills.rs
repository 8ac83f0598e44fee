//! The Skills extension (SEP-2640, `io.modelcontextprotocol/skills`): the skills a caller may
//! read, as MCP resources. Each file of a skill is `skill://<group>/<skill>/<path>`; `skills/list`
//! and `skills/get` give a skill's frontmatter as written and the complete list of its files with
//! their SHA-256 digests and sizes, which the catalog computed once per commit; `resources/read`
//! serves a file's bytes from the same commit; `resources/directory/read` lists a folder.
//!
//! Access is that of the tools: a skill the caller may not read is absent from every list and
//! reads exactly as a missing one (SEP-2164: invalid params, with the URI), so probing URIs tells
//! nobody which skills exist.

use super::jsonrpc::encode;
use super::jsonrpc::{RpcError, INTERNAL_ERROR, INVALID_PARAMS};
use crate::catalog::Skill;
use crate::ports::Platform;
use crate::protocol::{
    Contents, GetResult, ListResult, ManifestFile, ReadResult, Resource, ResourcesResult, SkillEntry,
};
use crate::tools::{ToolContext, ToolError};
use crate::usage::{self, UseKind};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

/// The extension's identifier, the key of its capability.
pub const EXTENSION: &str = "io.modelcontextprotocol/skills";
/// The URI scheme of skill files.
const SCHEME: &str = "skill://";
/// Skills (or SKILL.md resources) per page of `skills/list` and `resources/list`.
pub const PAGE_SIZE: usize = 100;
/// The MIME type of a folder in `resources/directory/read`.
const DIRECTORY: &str = "inode/directory";

/// What a URI segment keeps unescaped: RFC 3986's unreserved characters, so a group is a valid
/// reg-name and a path segment never holds a `/` of its own.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The URI of `path` (a file or folder path inside the skill, empty for the skill's folder).
pub fn skill_uri(skill: &Skill, path: &str) -> String {
    let mut uri =
        format!("{SCHEME}{}/{}", utf8_percent_encode(&skill.group, SEGMENT), utf8_percent_encode(&skill.name, SEGMENT));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        uri.push('/');
        uri.extend(utf8_percent_encode(segment, SEGMENT));
    }
    uri
}

/// A `skill://` URI taken apart: the group, the skill and the path inside it (empty for the
/// skill's folder); `None` for anything else.
fn parse_uri(uri: &str) -> Option<(String, String, String)> {
    let mut segments =
        uri.strip_prefix(SCHEME)?.split('/').map(|s| percent_decode_str(s).decode_utf8().ok().map(|s| s.into_owned()));
    let group = segments.next()??;
    let name = segments.next()??;
    let path: Vec<String> = segments.collect::<Option<_>>()?;
    if group.is_empty() || name.is_empty() || path.iter().any(|s| s.is_empty() || s.contains('/')) {
        return None;
    }
    Some((group, name, path.join("/")))
}

/// A skill the extension serves to the caller: readable, and within the extension's rules.
fn offered<P: Platform>(ctx: &ToolContext<'_, P>, access: &crate::access::Access, skill: &Skill) -> bool {
    skill.frontmatter.is_ok() && skill.files.listed().is_some() && ctx.can_read(access, skill)
}

fn entry(skill: &Skill) -> Option<SkillEntry<'_>> {
    let frontmatter = serde_json::from_str(skill.frontmatter.as_ref().ok()?).ok()?;
    let resources = skill
        .files
        .listed()?
        .iter()
        .map(|file| ManifestFile {
            uri: skill_uri(skill, file.path),
            digest: file.sha256.to_string(),
            size: file.stamp.size,
        })
        .collect();
    Some(SkillEntry { uri: skill_uri(skill, crate::catalog::slices::SKILL_FILE), frontmatter, resources })
}

/// `skills/list`: the skills the caller may read, a page at a time.
pub async fn list<P: Platform>(ctx: &ToolContext<'_, P>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let offset = cursor(params)?;
    let (served, access) = ctx.readable().await.map_err(unavailable)?;
    let offered: Vec<&Skill> = served.catalog.skills.iter().filter(|s| offered(ctx, &access, s)).collect();
    let page: Vec<SkillEntry<'_>> = offered.iter().skip(offset).take(PAGE_SIZE).filter_map(|s| entry(s)).collect();
    let next = offset + PAGE_SIZE;
    let result = ListResult { skills: page, next_cursor: (next < offered.len()).then(|| crate::cursor::encode(next)) };
    encode(result)
}

/// `skills/get`: one skill by the URI of its SKILL.md.
pub async fn get<P: Platform>(ctx: &ToolContext<'_, P>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let uri = uri_param(params, "skills/get")?;
    let (served, access) = ctx.readable().await.map_err(unavailable)?;
    let (skill, entry) = find(&served.catalog, &access, ctx, uri)
        .filter(|(_, path)| path == crate::catalog::slices::SKILL_FILE)
        .and_then(|(skill, _)| Some((skill, entry(skill)?)))
        .ok_or_else(|| not_served(uri, "No skill is served at"))?;
    usage::record_use(ctx.site.platform, ctx.site.config, &ctx.caller.user.id, &skill.name, UseKind::Read).await;
    encode(GetResult { skill: entry })
}

/// `resources/list`: the SKILL.md of every skill the caller may read, a page at a time.
pub async fn resources<P: Platform>(ctx: &ToolContext<'_, P>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let offset = cursor(params)?;
    let (served, access) = ctx.readable().await.map_err(unavailable)?;
    let offered: Vec<&Skill> = served.catalog.skills.iter().filter(|s| offered(ctx, &access, s)).collect();
    let resources = offered
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|skill| Resource {
            uri: skill_uri(skill, crate::catalog::slices::SKILL_FILE),
            name: skill.name.clone(),
            description: Some(skill.description.clone()),
            mime_type: "text/markdown",
            size: skill.files.listed().and_then(|f| f.get(crate::catalog::slices::SKILL_FILE)).map(|f| f.stamp.size),
        })
        .collect();
    let next = offset + PAGE_SIZE;
    encode(ResourcesResult { resources, next_cursor: (next < offered.len()).then(|| crate::cursor::encode(next)) })
}

/// `resources/read`: one file of a skill, byte for byte as the served commit holds it.
pub async fn read<P: Platform>(ctx: &ToolContext<'_, P>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let uri = uri_param(params, "resources/read")?;
    let (served, access) = ctx.readable().await.map_err(unavailable)?;
    let missing = || not_served(uri, "Resource not found:");
    let (skill, path) = find(&served.catalog, &access, ctx, uri).ok_or_else(missing)?;
    skill.files.listed().and_then(|files| files.get(&path)).ok_or_else(missing)?;
    let mut zipball = ctx.zipball().await.map_err(unavailable)?;
    let bytes = zipball
        .regular_file(&format!("{}/{path}", skill.folder))
        .map(|id| zipball.read_file(id))
        .ok_or_else(missing)?
        .map_err(|e| unavailable(ToolError::Catalog(crate::catalog_store::LoadError::Catalog(e.into()))))?;
    let (text, blob) = match String::from_utf8(bytes) {
        Ok(text) => (Some(text), None),
        Err(binary) => (None, Some(STANDARD.encode(binary.as_bytes()))),
    };
    if path == crate::catalog::slices::SKILL_FILE {
        usage::record_use(ctx.site.platform, ctx.site.config, &ctx.caller.user.id, &skill.name, UseKind::Read).await;
    }
    let contents = Contents { uri: uri.to_string(), mime_type: mime_type(&path, text.is_some()), text, blob };
    encode(ReadResult { contents: vec![contents] })
}

/// `resources/directory/read`: what a folder of a skill holds, files and folders.
pub async fn directory<P: Platform>(ctx: &ToolContext<'_, P>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let uri = uri_param(params, "resources/directory/read")?;
    if cursor(params)? != 0 {
        return Err(RpcError::new(INVALID_PARAMS, "a folder is listed in one page; call again without `cursor`"));
    }
    let (served, access) = ctx.readable().await.map_err(unavailable)?;
    let missing = || not_served(uri, "No folder is served at");
    let (skill, folder) = find(&served.catalog, &access, ctx, uri).ok_or_else(missing)?;
    let files = skill.files.listed().ok_or_else(missing)?;
    let prefix = if folder.is_empty() { String::new() } else { format!("{folder}/") };
    let mut resources: Vec<Resource> = Vec::new();
    for file in files.iter().filter(|f| f.path.starts_with(&prefix)) {
        let rest = &file.path[prefix.len()..];
        let resource = match rest.split_once('/') {
            Some((subfolder, _)) => {
                let path = format!("{prefix}{subfolder}");
                if resources.last().is_some_and(|r| r.mime_type == DIRECTORY && r.name == subfolder) {
                    continue;
                }
                Resource {
                    uri: skill_uri(skill, &path),
                    name: subfolder.to_string(),
                    description: None,
                    mime_type: DIRECTORY,
                    size: None,
                }
            }
            None => Resource {
                uri: skill_uri(skill, file.path),
                name: rest.to_string(),
                description: None,
                mime_type: mime_type(rest, true),
                size: Some(file.stamp.size),
            },
        };
        resources.push(resource);
    }
    // A file's own URI, or a path that leads to no folder, is not a folder.
    if resources.is_empty() {
        return Err(missing());
    }
    encode(ResourcesResult { resources, next_cursor: None })
}

/// The skill `uri` names and the path inside it, when the caller may read it and the extension
/// serves it.
fn find<'c, P: Platform>(
    catalog: &'c crate::catalog::Catalog,
    access: &crate::access::Access,
    ctx: &ToolContext<'_, P>,
    uri: &str,
) -> Option<(&'c Skill, String)> {
    let (group, name, path) = parse_uri(uri)?;
    let skill = catalog.skill(&name).filter(|s| s.group == group && offered(ctx, access, s))?;
    Some((skill, path))
}

fn uri_param<'p>(params: &'p Map<String, Value>, method: &str) -> Result<&'p str, RpcError> {
    params
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, format!("{method} needs `uri`, a skill:// URI as a string")))
}

/// The offset a `cursor` param stands for (0 without one).
fn cursor(params: &Map<String, Value>) -> Result<usize, RpcError> {
    let invalid = || RpcError::new(INVALID_PARAMS, "`cursor` is not one this server issued; start again without it");
    match params.get("cursor") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(cursor)) => crate::cursor::decode(cursor).ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}

/// Not served, or not to this caller: the same answer for both (SEP-2164).
fn not_served(uri: &str, what: &str) -> RpcError {
    RpcError::new(INVALID_PARAMS, format!("{what} {uri}")).with_data(serde_json::json!({"uri": uri}))
}

/// The catalog or the repository could not be read: an internal error whose message says why.
fn unavailable(error: ToolError) -> RpcError {
    RpcError::new(INTERNAL_ERROR, error.to_string())
}

/// The MIME type of a skill file, from its extension. Hand-written: a general table (such as
/// `mime_guess`'s) costs more of the wasm size budget than the few types skills hold.
fn mime_type(path: &str, is_text: bool) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "md" | "markdown" => "text/markdown",
        "txt" => "text/plain",
        "json" => "application/json",
        "yaml" | "yml" => "application/yaml",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "ts" => "text/x-typescript",
        "py" => "text/x-python",
        "sh" | "bash" => "text/x-shellscript",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ if is_text => "text/plain",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_is_not_unreserved_and_come_apart_again() {
        let skill = Skill {
            name: "proposal-writer".into(),
            group: "sales team".into(),
            folder: "plugins/sales/skills/proposal-writer".into(),
            description: "d".into(),
            version: None,
            published: true,
            category: None,
            tags: vec![],
            warnings: vec![],
            stamp: None,
            frontmatter: Ok("{}".into()),
            files: crate::catalog::SkillFiles::Listed(Default::default()),
        };
        let uri = skill_uri(&skill, "examples/a b#1.md");
        assert_eq!(uri, "skill://sales%20team/proposal-writer/examples/a%20b%231.md");
        assert_eq!(parse_uri(&uri), Some(("sales team".into(), "proposal-writer".into(), "examples/a b#1.md".into())));
        assert_eq!(
            parse_uri(&skill_uri(&skill, "")),
            Some(("sales team".into(), "proposal-writer".into(), String::new()))
        );
        for bad in
            ["skill://", "skill://g", "skill://g//SKILL.md", "skill://g/n//x", "skill://g/n/a%2Fb", "test://x/y/z"]
        {
            assert_eq!(parse_uri(bad), None, "{bad}");
        }
    }
}
