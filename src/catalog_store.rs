//! The catalog currently served: the branch head revalidated on every call, everything derived
//! from a commit cached under its sha.
//!
//! A warm call costs one conditional GitHub request (ETag → 304, free of rate limit) and one KV
//! read; a new commit costs the ref, the zipball (two hops) and two KV writes (the head record and
//! the catalog). When GitHub is unreachable the last known catalog is served, marked stale.

use crate::catalog::snapshot::Snapshot;
use crate::catalog::{Catalog, CatalogError};
use crate::config::Config;
use crate::github::{BranchHead, GitHub, GitHubError};
use crate::ports::Platform;
use serde::{Deserialize, Serialize};

/// Bumped whenever [`Catalog`]'s serialized shape changes, so old cache entries are ignored.
const CATALOG_FORMAT: u32 = 1;
/// Catalogs of old commits are dropped by KV after this long; the current one is rebuilt if needed.
const CATALOG_TTL_SECONDS: u64 = 30 * 24 * 3600;

/// Why no catalog can be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// GitHub could not be read and nothing is cached.
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    /// The repository at its current commit is not a readable marketplace.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// A catalog and how fresh it is.
#[derive(Debug)]
pub struct Served {
    /// The catalog.
    pub catalog: Catalog,
    /// Set when GitHub could not be asked for the branch head and the last known catalog is
    /// served instead: the reason.
    pub stale: Option<String>,
    /// GitHub requests made to produce it.
    pub github_requests: u32,
}

/// The KV record of where the served branch pointed when last asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HeadRecord {
    branch: String,
    sha: String,
    etag: Option<String>,
}

fn head_key(config: &Config) -> String {
    format!("head:v1:{}", config.repo)
}

fn catalog_key(sha: &str) -> String {
    format!("catalog:v{CATALOG_FORMAT}:{sha}")
}

/// The catalog of the served branch's current commit.
pub async fn current<P: Platform>(platform: &P, config: &Config) -> Result<Served, LoadError> {
    let github = GitHub::new(
        platform,
        &config.github_api_url,
        &config.github_service_token,
        &config.repo,
    );
    let known: Option<HeadRecord> = read_json(platform, &head_key(config)).await;
    let known = known.filter(|h| config.branch.as_ref().is_none_or(|b| *b == h.branch));

    let head = match resolve_head(&github, config, known.as_ref()).await {
        Ok(head) => head,
        Err(error) if error.is_transient() => {
            if let Some(known) = &known {
                if let Some(catalog) =
                    read_json::<Catalog>(platform, &catalog_key(&known.sha)).await
                {
                    return Ok(Served {
                        catalog,
                        stale: Some(error.to_string()),
                        github_requests: github.requests(),
                    });
                }
            }
            return Err(error.into());
        }
        Err(error) => return Err(error.into()),
    };

    let catalog = match read_json::<Catalog>(platform, &catalog_key(&head.sha)).await {
        Some(catalog) => catalog,
        None => {
            let mut snapshot =
                Snapshot::from_zip(github.zipball(&head.sha).await?).map_err(CatalogError::from)?;
            let catalog = Catalog::build(&head.sha, &mut snapshot)?;
            write_json(
                platform,
                &catalog_key(&head.sha),
                &catalog,
                Some(CATALOG_TTL_SECONDS),
            )
            .await;
            catalog
        }
    };
    if known
        .as_ref()
        .is_none_or(|k| k.sha != head.sha || k.etag != head.etag)
    {
        write_json(platform, &head_key(config), &head, None).await;
    }
    Ok(Served {
        catalog,
        stale: None,
        github_requests: github.requests(),
    })
}

async fn resolve_head<P: Platform>(
    github: &GitHub<'_, P>,
    config: &Config,
    known: Option<&HeadRecord>,
) -> Result<HeadRecord, GitHubError> {
    let branch = match (&config.branch, known) {
        (Some(branch), _) => branch.clone(),
        (None, Some(known)) => known.branch.clone(),
        (None, None) => github.default_branch().await?,
    };
    match github
        .branch_head(&branch, known.and_then(|k| k.etag.as_deref()))
        .await
    {
        Ok(BranchHead::Unchanged) => match known {
            Some(known) => Ok(known.clone()),
            None => Err(GitHubError::Unexpected {
                what: format!("branch `{branch}`"),
                problem: "304 Not Modified without a conditional request".into(),
            }),
        },
        Ok(BranchHead::At { sha, etag }) => Ok(HeadRecord { branch, sha, etag }),
        // The default branch may have been renamed since it was remembered: ask again once.
        Err(GitHubError::NotFound { .. }) if config.branch.is_none() && known.is_some() => {
            let branch = github.default_branch().await?;
            match github.branch_head(&branch, None).await? {
                BranchHead::At { sha, etag } => Ok(HeadRecord { branch, sha, etag }),
                BranchHead::Unchanged => Err(GitHubError::Unexpected {
                    what: format!("branch `{branch}`"),
                    problem: "304 Not Modified without a conditional request".into(),
                }),
            }
        }
        Err(error) => Err(error),
    }
}

/// Reads a JSON value from KV. A missing, unreadable or outdated entry is a cache miss.
async fn read_json<T: serde::de::DeserializeOwned>(
    platform: &impl Platform,
    key: &str,
) -> Option<T> {
    let bytes = platform.kv_get(key).await.ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// Writes a JSON value to KV. A failed cache write (KV's daily or per-key limits) only costs a
/// rebuild later, so it does not fail the request.
async fn write_json<T: Serialize>(
    platform: &impl Platform,
    key: &str,
    value: &T,
    ttl: Option<u64>,
) {
    if let Ok(bytes) = serde_json::to_vec(value) {
        let _ = platform.kv_put(key, bytes, ttl).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FakeGitHub, FakePlatform};

    fn skill(name: &str) -> String {
        format!("---\nname: {name}\ndescription: The {name} skill\n---\n")
    }

    fn platform_with_repo() -> FakePlatform {
        let github = FakeGitHub::new("main");
        github.commit(&[
            (
                ".claude-plugin/marketplace.json",
                r#"{"name": "acme", "plugins": [{"name": "g", "source": "./plugins/g"}]}"#.into(),
            ),
            ("plugins/g/skills/one/SKILL.md", skill("one")),
        ]);
        FakePlatform::new(github)
    }

    #[tokio::test]
    async fn cold_then_warm_then_new_commit() {
        let platform = platform_with_repo();
        let config = platform.config();

        let cold = current(&platform, &config).await.unwrap();
        assert_eq!(cold.catalog.skills.len(), 1);
        assert_eq!(
            cold.github_requests, 4,
            "repository, ref, zipball and its redirect"
        );
        assert_eq!(platform.kv_writes(), 2);

        let warm = current(&platform, &config).await.unwrap();
        assert_eq!(warm.github_requests, 1, "one conditional ref request");
        assert_eq!(
            platform.kv_writes(),
            2,
            "nothing written when nothing changed"
        );

        platform
            .github
            .commit(&[("plugins/g/skills/two/SKILL.md", skill("two"))]);
        let moved = current(&platform, &config).await.unwrap();
        assert_eq!(moved.catalog.skills.len(), 2);
        assert_eq!(moved.github_requests, 3, "ref, zipball and its redirect");
        assert_eq!(platform.kv_writes(), 4, "two writes per new commit");
    }

    #[tokio::test]
    async fn an_outage_serves_the_last_catalog_marked_stale() {
        let platform = platform_with_repo();
        let config = platform.config();
        current(&platform, &config).await.unwrap();
        platform.github.fail_with(502);
        let served = current(&platform, &config).await.unwrap();
        assert_eq!(served.catalog.skills.len(), 1);
        assert!(served.stale.unwrap().contains("HTTP 502"));
    }

    #[tokio::test]
    async fn an_outage_with_nothing_cached_is_a_clear_error() {
        let platform = platform_with_repo();
        platform.github.fail_with(503);
        let error = current(&platform, &platform.config()).await.unwrap_err();
        assert!(error
            .to_string()
            .contains("GitHub is having trouble (HTTP 503)"));
    }
}
