//! The catalog currently served: head revalidation, KV records per commit, reuse, parse workers, stale serving.

use skillport_connector::catalog::{slices, Catalog};
use skillport_connector::catalog_store::*;
use skillport_connector::ports::KvStore;
use skillport_connector::zipball::Zipball;
use skillport_test::{FakeGitHub, FakePlatform};

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
    assert_eq!(platform.github_requests(), 3, "head, zipball and its redirect");
    assert_eq!(platform.kv_writes(), 2, "the state record and the zipball");
    assert!(cold.zipball.is_some());

    current(&platform, &config).await.unwrap();
    assert_eq!(platform.github_requests(), 4, "one conditional head request");
    assert_eq!(platform.kv_writes(), 2, "nothing written when nothing changed");

    platform.github.commit(&[("plugins/g/skills/two/SKILL.md", skill("two"))]);
    let moved = current(&platform, &config).await.unwrap();
    assert_eq!(moved.catalog.skills.len(), 2);
    assert_eq!(platform.github_requests(), 7, "head, zipball and its redirect");
    assert_eq!(platform.kv_writes(), 4, "two writes per new commit");
}

#[tokio::test]
async fn an_outage_serves_the_last_catalog_marked_stale() {
    let platform = platform_with_repo();
    let config = platform.config();
    current(&platform, &config).await.unwrap();
    platform.github.fail_with(502);
    let before = platform.github_requests();
    let served = current(&platform, &config).await.unwrap();
    assert_eq!(served.catalog.skills.len(), 1);
    assert!(served.stale.unwrap().contains("HTTP 502"));
    assert_eq!(platform.github_requests() - before, 3, "the first try and two retries");
}

#[tokio::test]
async fn an_outage_with_nothing_cached_is_a_clear_error() {
    let platform = platform_with_repo();
    platform.github.fail_with(503);
    let error = current(&platform, &platform.config()).await.unwrap_err();
    assert!(error.to_string().contains("GitHub is having trouble (HTTP 503)"));
}

/// A marketplace of `skills` skills in groups of 10, each group with a plugin.json.
fn many_skills(skills: usize) -> Vec<(String, String)> {
    let mut files = vec![(
        ".claude-plugin/marketplace.json".to_string(),
        r#"{"name": "acme", "plugins": [{"name": "g0", "source": "./plugins/g0"}]}"#.to_string(),
    )];
    for group in 0..skills.div_ceil(10) {
        files.push((format!("plugins/g{group}/.claude-plugin/plugin.json"), r#"{"version": "1.0.0"}"#.into()));
    }
    for n in 0..skills {
        files.push((format!("plugins/g{}/skills/s{n}/SKILL.md", n / 10), skill(&format!("s{n}"))));
    }
    files
}

#[tokio::test]
async fn a_large_first_build_is_parsed_by_workers_in_slices_and_later_builds_in_place() {
    let github = FakeGitHub::new("main");
    let files = many_skills(450);
    github.commit(&files.iter().map(|(p, c)| (p.as_str(), c.clone())).collect::<Vec<_>>());
    let platform = FakePlatform::new(github);
    let config = platform.config();

    let served = current(&platform, &config).await.unwrap();
    assert_eq!(served.catalog.skills.len(), 450);
    assert!(served.catalog.skipped.is_empty(), "{:?}", served.catalog.skipped);
    // 450 SKILL.md files: three slices, none over the slice size (plugin.json files are
    // read while planning, since they decide which folders are skills).
    assert_eq!(*platform.parsed_slices.borrow(), [slices::FILES_PER_SLICE, slices::FILES_PER_SLICE, 50]);
    let mut snapshot = Zipball::from_shared(served.zipball.clone().unwrap()).unwrap();
    let in_place = Catalog::build(&served.catalog.commit, &mut snapshot, None).unwrap();
    assert_eq!(*served.catalog, in_place, "slices parse to exactly what an in-place build gives");

    // The next commit changes one skill and one plugin.json: parsed here, nothing sent.
    platform.github.commit(&[
        ("plugins/g3/skills/s30/SKILL.md", "---\nname: s30\ndescription: Changed\n---\n".into()),
        ("plugins/g4/.claude-plugin/plugin.json", r#"{"version": "2.0.0"}"#.into()),
    ]);
    let next = current(&platform, &config).await.unwrap();
    assert_eq!(platform.parsed_slices.borrow().len(), 3, "no new slices");
    assert_eq!(next.catalog.skill("s30").unwrap().description, "Changed");
    assert_eq!(next.catalog.skill("s40").unwrap().version.as_deref(), Some("2.0.0"));
    assert_eq!(next.catalog.skill("s41").unwrap().version.as_deref(), Some("2.0.0"));
    assert_eq!(next.catalog.skill("s50").unwrap().version.as_deref(), Some("1.0.0"));
}

#[tokio::test]
async fn parse_workers_down_is_a_clear_error_or_the_last_catalog_marked_stale() {
    let github = FakeGitHub::new("main");
    let files = many_skills(150);
    github.commit(&files.iter().map(|(p, c)| (p.as_str(), c.clone())).collect::<Vec<_>>());
    let platform = FakePlatform::new(github);
    let config = platform.config();
    platform.parse_workers_down.set(true);
    let error = current(&platform, &config).await.unwrap_err().to_string();
    assert!(
        error.contains(
            "could not be read (a parse worker (PARSE_WORKERS) failed: the parse worker is unavailable); try again"
        ),
        "{error}"
    );
    assert_eq!(platform.kv_writes(), 1, "the zipball is cached; no catalog is");

    platform.parse_workers_down.set(false);
    let first = current(&platform, &config).await.unwrap();
    let renamed: Vec<(String, String)> = files
        .iter()
        .filter(|(p, _)| p.ends_with("SKILL.md"))
        .map(|(p, c)| (p.clone(), c.replace("The ", "Now the ")))
        .collect();
    platform.github.commit(&renamed.iter().map(|(p, c)| (p.as_str(), c.clone())).collect::<Vec<_>>());
    platform.parse_workers_down.set(true);
    let stale = current(&platform, &config).await.unwrap();
    assert_eq!(stale.catalog.commit, first.catalog.commit);
    assert!(stale.stale.unwrap().contains("is not read yet"));
    platform.parse_workers_down.set(false);
    let fresh = current(&platform, &config).await.unwrap();
    assert_eq!(fresh.catalog.commit, platform.github.head());
    assert!(fresh.catalog.skill("s7").unwrap().description.starts_with("Now the"));
}

#[tokio::test]
async fn an_unreadable_cache_record_is_a_miss() {
    let platform = platform_with_repo();
    let config = platform.config();
    platform.kv_put(&state_key(&config), b"garbage", None).await.unwrap();
    assert_eq!(current(&platform, &config).await.unwrap().catalog.skills.len(), 1);
}
