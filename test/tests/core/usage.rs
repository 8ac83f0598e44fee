//! The usage log's commands over SQLite, as its Durable Object runs them: counts per skill and
//! day, one row written per use, retention, and installed-version reports written only when they
//! change.

use serde_json::Value;
use skillport_connector::usage::{apply, Installed, Sql, Usage, UseKind};
use skillport_test::sql::MemorySql;
use std::collections::BTreeMap;

const RETENTION: u32 = 90;

fn record(sql: &MemorySql, day: u32, skill: &str, user: &str, kind: UseKind) {
    let command = serde_json::json!({"record_use": {"day": day, "skill": skill, "user": user, "kind": kind, "retention_days": RETENTION}});
    apply(sql, &command.to_string()).expect("recorded");
}

fn installed(sql: &MemorySql, day: u32, user: &str, versions: &[(&str, &str)]) -> bool {
    let versions: BTreeMap<&str, &str> = versions.iter().copied().collect();
    let command = serde_json::json!({"record_installed": {"day": day, "user": user, "versions": versions, "retention_days": RETENTION}});
    serde_json::from_str(&apply(sql, &command.to_string()).expect("recorded")).unwrap()
}

fn read(sql: &MemorySql, since: u32) -> Usage {
    let command = serde_json::json!({"read_usage": {"since": since}});
    serde_json::from_str(&apply(sql, &command.to_string()).expect("read")).unwrap()
}

fn rows(sql: &MemorySql, table: &str) -> i64 {
    sql.exec(&format!("SELECT COUNT(*) AS n FROM {table}"), &[]).unwrap()[0]["n"].as_i64().unwrap()
}

#[test]
fn uses_are_counted_per_skill_and_day_with_distinct_people_and_one_row_each() {
    let sql = MemorySql::default();
    record(&sql, 100, "pdf", "google:ann", UseKind::Fetch);
    record(&sql, 100, "pdf", "google:ann", UseKind::Fetch);
    record(&sql, 100, "pdf", "google:ann", UseKind::Download);
    record(&sql, 100, "pdf", "google:bo", UseKind::Read);
    record(&sql, 101, "pdf", "google:bo", UseKind::Fetch);
    record(&sql, 101, "deck", "google:cy", UseKind::Download);
    assert_eq!(rows(&sql, "uses"), 4, "one row per skill, day and person: repeated uses increment it");

    let usage = read(&sql, 100);
    let pdf = usage.skills.iter().find(|s| s.skill == "pdf").unwrap();
    assert_eq!((pdf.fetches, pdf.downloads, pdf.reads, pdf.users), (3, 1, 1, 2));
    let deck = usage.skills.iter().find(|s| s.skill == "deck").unwrap();
    assert_eq!((deck.fetches, deck.downloads, deck.users), (0, 1, 1));
    let daily: Vec<(u32, &str, u64, u64)> =
        usage.daily.iter().map(|d| (d.day, d.skill.as_str(), d.uses, d.users)).collect();
    assert_eq!(daily, [(100, "pdf", 4, 2), (101, "deck", 1, 1), (101, "pdf", 1, 1)]);

    let only_the_second_day = read(&sql, 101);
    let pdf = only_the_second_day.skills.iter().find(|s| s.skill == "pdf").unwrap();
    assert_eq!((pdf.fetches, pdf.users), (1, 1), "the period starts at `since`");
}

#[test]
fn rows_older_than_the_retention_are_deleted_by_the_first_write_of_a_day() {
    let sql = MemorySql::default();
    record(&sql, 100, "pdf", "google:ann", UseKind::Fetch);
    installed(&sql, 100, "google:ann", &[("pdf", "1.0.0")]);
    record(&sql, 189, "pdf", "google:bo", UseKind::Fetch);
    assert_eq!(rows(&sql, "uses"), 2, "day 100 is still within 90 days of day 189");
    record(&sql, 190, "pdf", "google:cy", UseKind::Fetch);
    assert_eq!(rows(&sql, "uses"), 2, "day 100 is gone on day 190");
    assert_eq!(rows(&sql, "installed"), 0, "so is a report last made on day 100");
    assert!(read(&sql, 0).skills.iter().all(|s| s.users == 2));
}

#[test]
fn an_installed_report_writes_only_when_it_changes_or_a_day_passes() {
    let sql = MemorySql::default();
    assert!(installed(&sql, 100, "google:ann", &[("pdf", "1.0.0"), ("deck", "2.0.0")]));
    assert!(
        !installed(&sql, 100, "google:ann", &[("deck", "2.0.0"), ("pdf", "1.0.0")]),
        "the same report, the same day"
    );
    assert!(installed(&sql, 100, "google:ann", &[("pdf", "1.1.0"), ("deck", "2.0.0")]), "an update was installed");
    assert!(installed(&sql, 101, "google:ann", &[("pdf", "1.1.0"), ("deck", "2.0.0")]), "a new day: when last seen");
    assert_eq!(rows(&sql, "installed"), 1);
    let usage = read(&sql, 0);
    let version =
        |skill: &str, version: &str| Installed { skill: skill.into(), version: version.into(), users: vec![0] };
    assert_eq!(usage.installed, [version("deck", "2.0.0"), version("pdf", "1.1.0")], "the last report only");
    assert_eq!(usage.reporters, ["google:ann"]);
}

#[test]
fn an_unknown_command_is_an_error_and_changes_nothing() {
    let sql = MemorySql::default();
    assert!(apply(&sql, r#"{"drop_everything": {}}"#).is_err());
    assert!(apply(&sql, "not json").is_err());
    assert_eq!(rows(&sql, "uses"), 0);
    let _: Value = serde_json::from_str(&apply(&sql, r#"{"read_usage": {"since": 0}}"#).unwrap()).unwrap();
}
