//! Package download links: short-lived URLs a model can fetch from its sandbox without any
//! credentials, signed so they cannot be forged or altered, and bound to the skill, the commit
//! and the sign-in (grant) they were issued to.
//!
//! A link carries everything needed to rebuild the package (the commit is immutable), so serving
//! it needs no catalog: the commit's zipball and a raw copy of the skill's files. It names the
//! grant by its shard and id, both opaque, so the URL (which lands in a sandbox's logs) holds no
//! personal data; serving it checks the grant is still live, so revoking a user ends their links
//! at once, and reads who they are from the grant.

use crate::access::{Access, AccessError, SkillRef, ACCESS_PATH};
use crate::catalog::manifest_schema::{parse_json_file, Marketplace, PluginEntry, MARKETPLACE_PATH};
use crate::catalog::skill_md;
use crate::catalog_store;
use crate::config::Config;
use crate::identity::UserInfo;
use crate::keys::{Keys, Purpose};
use crate::oauth::ledger::{self, CheckGrant};
use crate::package::{self, InstalledManifest};
use crate::ports::{HttpResponse, Platform};
use crate::usage::{self, UseKind};
use crate::web::{ApiError, IntoResponse};
use crate::zipball::Zipball;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::{header, HeaderValue, StatusCode};
use url::form_urlencoded;

/// How long a link works.
pub const LINK_LIFETIME_SECONDS: u64 = 15 * 60;
/// The path prefix links are served under.
pub const PATH_PREFIX: &str = "/download/";

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Missing or malformed parameters.
    #[error("this download link is incomplete; ask Claude to fetch the skill again for a new link")]
    Malformed,
    /// The signature does not match (altered, or signed with another key).
    #[error("this download link is not valid (it was altered, or issued by another connector); ask Claude to fetch the skill again")]
    BadSignature,
    /// Past its lifetime.
    #[error("this download link has expired (links work for 15 minutes); ask Claude to fetch the skill again")]
    Expired,
    /// The sign-in it was issued under has ended (signed out, revoked, or past its lifetime).
    #[error(
        "the sign-in this download link was issued under has ended; sign in again and ask Claude to fetch the skill"
    )]
    SignedOut,
}

impl From<LinkError> for ApiError {
    fn from(error: LinkError) -> Self {
        let status = match error {
            LinkError::Malformed => StatusCode::BAD_REQUEST,
            LinkError::BadSignature | LinkError::SignedOut => StatusCode::FORBIDDEN,
            LinkError::Expired => StatusCode::GONE,
        };
        ApiError::new(status, "invalid_link", error.to_string())
    }
}

/// What a link grants: one skill's package at one commit, to one user, until a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadLink {
    /// The skill's name (also the package's file name).
    pub skill: String,
    /// The skill's folder in the repository.
    pub folder: String,
    /// The skill's group.
    pub group: String,
    /// The commit the package is built from.
    pub commit: String,
    /// The version written into the package's manifest.
    pub version: Option<String>,
    /// The shard of the grant the link was issued under (a hash of the user id).
    pub shard: String,
    /// The grant's id.
    pub grant: String,
    /// Unix seconds after which the link is refused.
    pub expires: u64,
}

impl DownloadLink {
    /// The absolute URL of this link on `base_url` (the connector's origin).
    pub fn url(&self, base_url: &str, keys: &Keys) -> String {
        let fields = self.fields();
        let fields: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        let signature = URL_SAFE_NO_PAD.encode(keys.sign(Purpose::DownloadLink, &fields));
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("g", &self.group).append_pair("f", &self.folder).append_pair("c", &self.commit);
        if let Some(version) = &self.version {
            query.append_pair("v", version);
        }
        query
            .append_pair("h", &self.shard)
            .append_pair("r", &self.grant)
            .append_pair("e", &self.expires.to_string())
            .append_pair("s", &signature);
        format!("{base_url}{PATH_PREFIX}{}.skill?{}", self.skill, query.finish())
    }

    /// Checks a link's path (`/download/<skill>.skill`) and query against `key` at `now_seconds`.
    pub fn verify(path: &str, query: &str, keys: &Keys, now_seconds: u64) -> Result<DownloadLink, LinkError> {
        let skill =
            path.strip_prefix(PATH_PREFIX).and_then(|rest| rest.strip_suffix(".skill")).ok_or(LinkError::Malformed)?;
        let mut pairs = std::collections::HashMap::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if pairs.insert(name.into_owned(), value.into_owned()).is_some() {
                return Err(LinkError::Malformed);
            }
        }
        let take = |name: &str| pairs.get(name).cloned().ok_or(LinkError::Malformed);
        let link = DownloadLink {
            skill: skill.to_string(),
            group: take("g")?,
            folder: take("f")?,
            commit: take("c")?,
            version: pairs.get("v").cloned(),
            shard: take("h")?,
            grant: take("r")?,
            expires: take("e")?.parse().map_err(|_| LinkError::Malformed)?,
        };
        let signature = URL_SAFE_NO_PAD.decode(take("s")?).map_err(|_| LinkError::BadSignature)?;
        let fields = link.fields();
        let fields: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        if !keys.verify(Purpose::DownloadLink, &fields, &signature) {
            return Err(LinkError::BadSignature);
        }
        if now_seconds > link.expires {
            return Err(LinkError::Expired);
        }
        Ok(link)
    }

    /// The MAC over every field, with the key derived for links only (so a link signature can
    /// never be replayed as a cookie or token signature made with the same secret).
    fn fields(&self) -> [Vec<u8>; 8] {
        [
            self.skill.clone().into_bytes(),
            self.group.clone().into_bytes(),
            self.folder.clone().into_bytes(),
            self.commit.clone().into_bytes(),
            self.version.clone().unwrap_or_default().into_bytes(),
            self.shard.clone().into_bytes(),
            self.grant.clone().into_bytes(),
            self.expires.to_string().into_bytes(),
        ]
    }
}

/// Whether the link's user may read its skill under the access rules at the link's commit (the
/// group's published state read from that commit's marketplace.json).
fn readable_at(zipball: &mut Zipball, link: &DownloadLink, user: &UserInfo) -> Result<bool, AccessError> {
    let text = if zipball.contains(ACCESS_PATH) {
        Some(zipball.read(ACCESS_PATH).map(|b| String::from_utf8(b).unwrap_or_default()).unwrap_or_default())
    } else {
        None
    };
    let access = Access::load(text.as_deref());
    if let Some(error) = access.error() {
        return Err(error.clone());
    }
    let published = zipball
        .read(MARKETPLACE_PATH)
        .ok()
        .and_then(|bytes| parse_json_file::<Marketplace>(MARKETPLACE_PATH, &bytes).ok())
        .is_some_and(|marketplace| {
            marketplace.plugins.iter().enumerate().any(|(position, raw)| {
                PluginEntry::parse(raw, position)
                    .is_ok_and(|entry| entry.name == link.group && entry.local_folder().is_some())
            })
        });
    Ok(access.can_read(user, SkillRef { name: &link.skill, group: &link.group, published }))
}

/// Serves `GET /download/<skill>.skill?…`: verifies the link, then builds the package from the
/// commit's zipball (from KV, or GitHub when evicted).
pub async fn serve<P: Platform>(platform: &P, config: &Config, path: &str, query: &str) -> HttpResponse {
    package_response(platform, config, path, query).await.into_response()
}

async fn package_response<P: Platform>(
    platform: &P,
    config: &Config,
    path: &str,
    query: &str,
) -> Result<HttpResponse, ApiError> {
    let link = DownloadLink::verify(path, query, &config.keys, platform.now_ms() / 1000)?;
    let check = CheckGrant { grant_id: link.grant.clone(), now: platform.now_ms() };
    let user = match ledger::call(platform, &link.shard, check).await {
        Ok(Ok(grant)) => grant.user,
        Ok(Err(_)) => return Err(LinkError::SignedOut.into()),
        Err(_) => {
            let message = "sign-in storage is unavailable; try the link again in a moment";
            return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", message));
        }
    };
    let github = catalog_store::github(platform, config);
    let archive = match catalog_store::fetch_zipball(platform, &github, &link.commit).await {
        Ok(archive) => archive.bytes,
        Err(error) => {
            let status = if error.is_transient() { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::BAD_GATEWAY };
            return Err(ApiError::new(status, "github_unavailable", error.to_string()));
        }
    };
    let built = Zipball::from_shared(archive).map_err(package::PackageError::from).and_then(|mut zipball| {
        if zipball.files_under(&link.folder).is_empty() {
            return Ok(None);
        }
        // The link's user must still be allowed to read the skill under the rules of its commit.
        match readable_at(&mut zipball, &link, &user) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(error) => return Ok(Some(Err(error))),
        }
        let folder_name = link.folder.rsplit('/').next().unwrap_or_default();
        let description = zipball
            .read(&format!("{}/SKILL.md", link.folder))
            .ok()
            .and_then(|bytes| skill_md::parse(&bytes, folder_name).ok())
            .map(|parsed| parsed.frontmatter.description)
            .unwrap_or_default();
        let manifest = InstalledManifest {
            name: link.skill.clone(),
            version: link.version.clone(),
            description,
            group: link.group.clone(),
        };
        package::build(&mut zipball, &link.folder, &manifest).map(|package| Some(Ok(package)))
    });
    let package = match built {
        Ok(Some(Ok(package))) => package,
        Ok(Some(Err(error))) => {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "access_rules_invalid", error.to_string()))
        }
        Ok(None) => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "the skill no longer exists at that commit"))
        }
        Err(error) => return Err(ApiError::new(StatusCode::BAD_GATEWAY, "package_failed", error.to_string())),
    };
    usage::record_use(platform, config, &user.id, &link.skill, UseKind::Download).await;
    let mut response = http::Response::new(package);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}.skill\"", link.skill)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> DownloadLink {
        DownloadLink {
            skill: "pdf".into(),
            group: "docs".into(),
            folder: "plugins/docs/skills/pdf".into(),
            commit: "a".repeat(40),
            version: Some("1.0.0".into()),
            shard: "u-0123".into(),
            grant: "g-1".into(),
            expires: 1_000,
        }
    }

    fn split(url: &str) -> (String, String) {
        let url = url::Url::parse(url).unwrap();
        (url.path().to_string(), url.query().unwrap().to_string())
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let key = Keys::new(crate::keys::SigningKey([7; 32]), None);
        let (path, query) = split(&link().url("https://c.example", &key));
        assert_eq!(path, "/download/pdf.skill");
        assert_eq!(DownloadLink::verify(&path, &query, &key, 1_000), Ok(link()));
        assert_eq!(DownloadLink::verify(&path, &query, &key, 1_001), Err(LinkError::Expired));
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let key = Keys::new(crate::keys::SigningKey([7; 32]), None);
        let (path, query) = split(&link().url("https://c.example", &key));
        assert_eq!(
            DownloadLink::verify(&path, &query, &Keys::new(crate::keys::SigningKey([8; 32]), None), 0),
            Err(LinkError::BadSignature)
        );
        assert_eq!(DownloadLink::verify("/download/other.skill", &query, &key, 0), Err(LinkError::BadSignature));
        for (from, to) in [("e=1000", "e=9999"), ("h=u-0123", "h=u-0124"), ("r=g-1", "r=g-2"), ("v=1.0.0", "v=2.0.0")] {
            assert_eq!(
                DownloadLink::verify(&path, &query.replace(from, to), &key, 0),
                Err(LinkError::BadSignature),
                "{from}"
            );
        }
        assert_eq!(DownloadLink::verify(&path, "g=docs", &key, 0), Err(LinkError::Malformed));
        assert_eq!(DownloadLink::verify(&path, &format!("{query}&e=1"), &key, 0), Err(LinkError::Malformed));
    }
}
