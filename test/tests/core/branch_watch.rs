//! The branch watch's commands, as a specification: deliveries once, heads that only move
//! forward, webhooks trusted only while healthy, and each head announced once.

use skillport_connector::branch_watch::*;
use skillport_connector::notify::changes::Snapshot;
use skillport_test::MemoryRecords;

const SILENCE_MS: u64 = 600_000;
const T0: u64 = 1_800_000_000_000;

fn head(sha: &str) -> Head {
    Head { sha: sha.repeat(40 / sha.len()), tree: None }
}

fn deliver(records: &MemoryRecords, id: &str, push: Option<Head>, now: u64) -> Delivered {
    Deliver { delivery: id.into(), push, forced: false, now }.run(records).unwrap()
}

fn watch(records: &MemoryRecords) -> Watch {
    Read {}.run(records).unwrap()
}

fn claim(records: &MemoryRecords, sha: &Head) -> Claimed {
    Claim { snapshot: Snapshot { commit: sha.sha.clone(), skills: Vec::new() } }.run(records).unwrap()
}

#[test]
fn a_delivery_is_recorded_once_and_a_push_moves_the_head() {
    let records = MemoryRecords::default();
    assert_eq!(deliver(&records, "d-1", Some(head("a")), T0), Delivered::Recorded { moved: true });
    assert_eq!(deliver(&records, "d-1", Some(head("b")), T0 + 1), Delivered::Duplicate, "a replay changes nothing");
    assert_eq!(watch(&records).head, Some(head("a")));
    assert_eq!(deliver(&records, "d-2", Some(head("a")), T0 + 2), Delivered::Recorded { moved: false });
    assert_eq!(deliver(&records, "d-3", Some(head("b")), T0 + 3), Delivered::Recorded { moved: true });
    // A late delivery of the older push does not take the head back, unless it was forced.
    assert_eq!(deliver(&records, "d-4", Some(head("a")), T0 + 4), Delivered::Recorded { moved: false });
    assert_eq!(watch(&records).head, Some(head("b")));
    let forced = Deliver { delivery: "d-5".into(), push: Some(head("a")), forced: true, now: T0 + 5 };
    assert_eq!(forced.run(&records).unwrap(), Delivered::Recorded { moved: true });
    assert_eq!(watch(&records).head, Some(head("a")));
}

#[test]
fn a_delivery_id_is_forgotten_after_three_days() {
    let records = MemoryRecords::default();
    deliver(&records, "d-1", None, T0);
    assert_eq!(deliver(&records, "d-1", None, T0 + DELIVERY_MEMORY_MS - 1), Delivered::Duplicate);
    assert_eq!(deliver(&records, "d-1", None, T0 + DELIVERY_MEMORY_MS + 1), Delivered::Recorded { moved: false });
}

#[test]
fn the_head_is_trusted_only_while_webhooks_are_healthy() {
    let records = MemoryRecords::default();
    // A poll alone (no delivery ever): calls keep asking GitHub.
    Poll { head: head("a"), now: T0 }.run(&records).unwrap();
    assert_eq!(watch(&records).trusted(T0, SILENCE_MS), None, "no webhook has ever arrived");
    // A ping: healthy, and the head is the polled one.
    deliver(&records, "ping", None, T0 + 1);
    assert_eq!(watch(&records).trusted(T0 + 1, SILENCE_MS), Some(&head("a")));
    // Silence longer than the interval: calls ask GitHub again; an agreeing poll confirms it.
    assert_eq!(watch(&records).trusted(T0 + 1 + SILENCE_MS + 1, SILENCE_MS), None);
    let polled = Poll { head: head("a"), now: T0 + SILENCE_MS }.run(&records).unwrap();
    assert_eq!(polled, Polled { moved: false, announced: false });
    assert_eq!(watch(&records).trusted(T0 + SILENCE_MS + 2, SILENCE_MS), Some(&head("a")));
}

#[test]
fn a_push_the_poll_found_first_marks_webhooks_unhealthy_unless_its_delivery_follows() {
    let records = MemoryRecords::default();
    deliver(&records, "ping", None, T0);
    let polled = Poll { head: head("b"), now: T0 + 10 }.run(&records).unwrap();
    assert!(polled.moved);
    // The new head is served at once; within the grace a late delivery is still expected.
    assert_eq!(watch(&records).trusted(T0 + 10 + UNREPORTED_GRACE_MS, SILENCE_MS), Some(&head("b")));
    // Past the grace, no delivery came: webhooks missed a push, so calls revalidate with GitHub.
    assert_eq!(watch(&records).trusted(T0 + 11 + UNREPORTED_GRACE_MS, SILENCE_MS), None);
    // Any push delivered afterwards shows webhooks work again.
    deliver(&records, "d-late", Some(head("b")), T0 + 20 + UNREPORTED_GRACE_MS);
    assert_eq!(watch(&records).trusted(T0 + 21 + UNREPORTED_GRACE_MS, SILENCE_MS), Some(&head("b")));
}

#[test]
fn each_head_is_claimed_for_announcement_once_and_only_while_it_is_the_head() {
    let records = MemoryRecords::default();
    assert_eq!(claim(&records, &head("a")), Claimed::NotHead, "no head recorded");
    deliver(&records, "d-1", Some(head("a")), T0);
    assert_eq!(claim(&records, &head("a")), Claimed::Yours { previous: None }, "the first snapshot");
    assert_eq!(claim(&records, &head("a")), Claimed::Announced);
    deliver(&records, "d-2", Some(head("b")), T0 + 1);
    assert_eq!(claim(&records, &head("a")), Claimed::NotHead, "the branch moved on");
    let Claimed::Yours { previous: Some(previous) } = claim(&records, &head("b")) else { panic!("b is the head") };
    assert_eq!(previous.commit, head("a").sha, "compared with the last announced head");
    assert_eq!(claim(&records, &head("b")), Claimed::Announced, "the cron after the webhook sends nothing");
    let polled = Poll { head: head("b"), now: T0 + 2 }.run(&records).unwrap();
    assert_eq!(polled, Polled { moved: false, announced: true });
}

#[test]
fn commands_travel_as_json_and_an_unreadable_one_is_an_error() {
    let records = MemoryRecords::default();
    let command = serde_json::json!({"deliver": {"delivery": "d-1", "push": {"sha": "a".repeat(40), "tree": null}, "forced": false, "now": T0}});
    let answer = apply(&records, &command.to_string()).unwrap();
    assert_eq!(serde_json::from_str::<Delivered>(&answer).unwrap(), Delivered::Recorded { moved: true });
    let read: Watch = serde_json::from_str(&apply(&records, r#"{"read":{}}"#).unwrap()).unwrap();
    assert_eq!(read.head, Some(head("a")));
    assert!(apply(&records, "{\"nonsense\": {}}").is_err());
}
