//! `fetch_skill`: everything needed to install one skill — its files, a ready `.skill` package
//! behind a short-lived download link, and instructions for handing it to the user.

use super::{Tool, ToolContext, ToolError};
use crate::downloads::{DownloadLink, LINK_LIFETIME_SECONDS};
use crate::git_tree::{self, FileMode};
use crate::package::{self, InstalledManifest, INSTALLED_MANIFEST};
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use crate::usage::{self, UseKind};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Above this many characters of result, file contents are left out (paths and sizes remain) and
/// the package link is the way to install.
pub const MAX_INLINE_RESULT_CHARS: usize = 100_000;
/// Packages smaller than this are also inlined as base64; models copy longer base64 badly.
pub const MAX_INLINE_PACKAGE_BYTES: usize = 30 * 1024;

/// The arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The skill's name, as list_skills shows it.
    pub name: String,
}

/// Which skill, at which version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkillInfo {
    /// The skill's name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// Its version (the group's).
    pub version: Option<String>,
    /// What it does.
    pub description: String,
    /// Identifies this exact content (the skill folder's git tree sha); editing tools take it
    /// back as `base_version`.
    pub version_id: String,
}

/// One file of the skill.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkillFile {
    /// Path inside the skill's folder.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// The content: UTF-8 text, or base64 when `encoding` is `base64`. Absent when the whole
    /// result would be too long; use the package then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// `base64` for binary files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Whether the file is executable (mode 755).
    pub executable: bool,
}

/// The ready-made `.skill` package.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PackageInfo {
    /// `<name>.skill`.
    pub filename: String,
    /// Hex SHA-256 of the package.
    pub sha256: String,
    /// Size in bytes.
    pub size: usize,
    /// Downloads the package; works for 15 minutes, needs no credentials.
    pub download_url: String,
    /// The package as base64, only for packages under 30 KB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// Which skill, at which version.
    pub skill: SkillInfo,
    /// Every file of the skill, including the generated `.claude-plugin/plugin.json` that records
    /// the installed version.
    pub files: Vec<SkillFile>,
    /// Whether `files` carry their contents (false for skills too large to inline).
    pub contents_included: bool,
    /// The package.
    pub package: PackageInfo,
    /// How to hand the skill to the user.
    pub instructions: String,
}

/// The tool, as the registry in `tools` lists it.
pub struct FetchSkill;

impl Tool for FetchSkill {
    const NAME: &'static str = "fetch_skill";
    const TITLE: &'static str = "Fetch a skill for installation";
    const DESCRIPTION: &'static str = "Get one skill ready to install: its files, a .skill package with a download link, and instructions for presenting it to the user.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::READ_ONLY;
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        let (served, access) = ctx.readable().await?;
        let skill = served
            .catalog
            .skill(&input.name)
            .filter(|s| ctx.can_read(&access, s))
            .ok_or_else(|| ToolError::SkillNotFound(input.name.clone()))?
            .clone();
        let mut zipball = ctx.zipball().await?;
        usage::record_use(ctx.site.platform, ctx.site.config, &ctx.caller.user.id, &skill.name, UseKind::Fetch).await;

        let manifest = InstalledManifest {
            name: skill.name.clone(),
            version: skill.version.clone(),
            description: skill.description.clone(),
            group: skill.group.clone(),
        };
        let package = package::build(&mut zipball, &skill.folder, &manifest)?;

        // Whether the files go inline is decided from the sizes the zip declares, before anything
        // is inflated: base64 grows bytes by a third, so a skill whose files could not fit is
        // never turned into text at all.
        let folder_files = zipball.files_under(&skill.folder);
        let declared: u64 = folder_files.iter().map(|file| file.size).sum();
        let may_inline = declared.saturating_mul(4) / 3 <= MAX_INLINE_RESULT_CHARS as u64;
        let mut tree = Vec::new();
        let mut files = Vec::new();
        for file in folder_files {
            let path = format!("{}/{}", skill.folder, file.path);
            let bytes = zipball.read(&path).map_err(package::PackageError::from)?;
            tree.push((file.path.clone(), file.mode, git_tree::blob_id(&bytes)));
            if package::is_excluded(&file.path) || file.path == INSTALLED_MANIFEST || !package::is_safe_name(&file.path)
            {
                continue;
            }
            // As in the package: a symlink shows the file it points to, or is left out.
            let (bytes, executable) = match file.mode {
                FileMode::Symlink => match zipball.regular_file(&path) {
                    Some(target) => (zipball.read_file(target).map_err(package::PackageError::from)?, false),
                    None => continue,
                },
                mode => (bytes, mode == FileMode::Executable),
            };
            files.push(file_entry(file.path, bytes, executable, may_inline));
        }
        files.push(file_entry(INSTALLED_MANIFEST.to_string(), manifest.to_bytes(), false, may_inline));

        let link = DownloadLink {
            skill: skill.name.clone(),
            group: skill.group.clone(),
            folder: skill.folder.clone(),
            commit: served.catalog.commit.clone(),
            version: skill.version.clone(),
            shard: crate::oauth::shard_of(&ctx.caller.user.id),
            grant: ctx.caller.grant_id.clone(),
            expires: ctx.site.platform.now_ms() / 1000 + LINK_LIFETIME_SECONDS,
        };
        let filename = format!("{}.skill", skill.name);
        let package_info = PackageInfo {
            download_url: link.url(ctx.site.base_url, &ctx.site.config.keys),
            content: (package.len() < MAX_INLINE_PACKAGE_BYTES).then(|| STANDARD.encode(&package)),
            sha256: hex::encode(ctx.site.platform.sha256(&package).await),
            size: package.len(),
            filename: filename.clone(),
        };
        let mut output = Output {
            skill: SkillInfo {
                name: skill.name,
                group: skill.group,
                version: skill.version,
                description: skill.description,
                version_id: git_tree::tree_id(&tree),
            },
            files,
            contents_included: may_inline,
            package: package_info,
            instructions: String::new(),
        };
        let length = serde_json::to_string(&output).map(|s| s.chars().count()).unwrap_or(usize::MAX);
        if output.contents_included && length > MAX_INLINE_RESULT_CHARS {
            output.contents_included = false;
            for file in &mut output.files {
                file.content = None;
                file.encoding = None;
            }
        }
        output.instructions = instructions(&filename, output.contents_included);
        Ok(output)
    }
}

/// One file as listed; its content only when `inline`.
fn file_entry(path: String, bytes: Vec<u8>, executable: bool, inline: bool) -> SkillFile {
    let size = bytes.len() as u64;
    if !inline {
        return SkillFile { path, size, content: None, encoding: None, executable };
    }
    let (content, encoding) = match String::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => (text, None),
        Ok(text) => (STANDARD.encode(text.as_bytes()), Some("base64".to_string())),
        Err(e) => (STANDARD.encode(e.into_bytes()), Some("base64".to_string())),
    };
    SkillFile { path, size, content: Some(content), encoding, executable }
}

fn instructions(filename: &str, contents_included: bool) -> String {
    let fallback = if contents_included {
        format!(" If the download is blocked, write `files` (decoding base64 ones) into a folder named after the skill, keep executables executable, and zip that folder as {filename}.")
    } else {
        String::from(" The skill is too large to include its files here, so the download is the way to install it.")
    };
    format!(
        "In your code sandbox, download package.download_url to {filename} (for example with curl -fsSL -o {filename} '<download_url>'); the link works for 15 minutes.{fallback} Then present {filename} to the user as a file so they can click \"Copy to your skills\", and suggest starting a new conversation to use it."
    )
}
