//! The sign-in ledger's commands, as a specification: codes once, grants, refresh generations.
//! Each command runs as the shard's object runs it; one test sends them through the JSON they
//! travel as.

use skillport_connector::identity::UserInfo;
use skillport_connector::oauth::ledger::*;
use skillport_test::{FakePlatform, MemoryRecords};

fn user() -> UserInfo {
    UserInfo {
        id: "google:1".into(),
        email: "ann@acme.example".into(),
        name: Some("Ann".into()),
        domain: None,
        ..Default::default()
    }
}

/// A code for [`user`] issued at `now` to "client", with PKCE challenge "challenge".
fn pending(now: u64) -> PendingCode {
    PendingCode {
        user: user(),
        client_id: "client".into(),
        redirect_uri: "https://claude.ai/api/mcp/auth_callback".into(),
        code_challenge: "challenge".into(),
        resource: "https://c.example".into(),
        expires_at: now + CODE_LIFETIME_MS,
        redeemed_by: None,
        upstream_refresh: None,
    }
}

fn issue(records: &MemoryRecords, state: &str, code: &str, now: u64) -> Result<(), Refusal> {
    IssueCode { state_hash: state.into(), code_hash: code.into(), code: pending(now), now }.run(records).unwrap()
}

fn redeem_command(code: &str, challenge: &str, grant: &str, now: u64) -> RedeemCode {
    RedeemCode {
        code_hash: code.into(),
        verifier_challenge: challenge.into(),
        client_id: "client".into(),
        redirect_uri: "https://claude.ai/api/mcp/auth_callback".into(),
        grant_id: grant.into(),
        grant_lifetime_ms: 7 * 86_400_000,
        now,
    }
}

fn redeem(records: &MemoryRecords, code: &str, challenge: &str, grant: &str, now: u64) -> Result<Grant, Refusal> {
    redeem_command(code, challenge, grant, now).run(records).unwrap()
}

fn refresh(records: &MemoryRecords, generation: u64, now: u64) -> Result<Refreshed, Refusal> {
    refresh_with(records, generation, now, UpstreamCheck::Unchanged)
}

fn refresh_with(
    records: &MemoryRecords,
    generation: u64,
    now: u64,
    upstream: UpstreamCheck,
) -> Result<Refreshed, Refusal> {
    Refresh { grant_id: "g".into(), generation, client_id: "client".into(), now, upstream }.run(records).unwrap()
}

/// The generation of a rotated refresh token (panics on a retry or a refusal).
fn rotated(answer: Result<Refreshed, Refusal>) -> u64 {
    match answer {
        Ok(Refreshed::Rotated(grant)) => grant.generation,
        other => panic!("expected a rotation, got {other:?}"),
    }
}

#[test]
fn a_state_signs_in_once() {
    let records = MemoryRecords::default();
    assert_eq!(issue(&records, "s", "c1", 0), Ok(()));
    assert_eq!(issue(&records, "s", "c2", 1), Err(Refusal::StateReused));
}

#[test]
fn a_code_redeems_once_and_a_replay_revokes_its_grant() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    assert_eq!(redeem(&records, "c", "challenge", "g", 1).map(|g| g.generation), Ok(0));
    assert_eq!(redeem(&records, "c", "challenge", "g2", 2).unwrap_err(), Refusal::CodeReused);
    let check = CheckGrant { grant_id: "g".into(), now: 3 }.run(&records).unwrap();
    assert_eq!(check.unwrap_err(), Refusal::GrantEnded);
}

#[test]
fn a_wrong_verifier_burns_the_code() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    assert_eq!(redeem(&records, "c", "other", "g", 1).unwrap_err(), Refusal::PkceMismatch);
    assert_eq!(redeem(&records, "c", "challenge", "g", 2).unwrap_err(), Refusal::UnknownCode);
    assert!(records.dump().iter().all(|(k, _)| !k.starts_with("grant:")));
}

#[test]
fn codes_expire() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    assert_eq!(redeem(&records, "c", "challenge", "g", CODE_LIFETIME_MS).unwrap_err(), Refusal::UnknownCode);
}

#[test]
fn refresh_rotates_tolerates_a_retry_and_kills_the_grant_on_late_reuse() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    redeem(&records, "c", "challenge", "g", 0).unwrap();
    assert_eq!(rotated(refresh(&records, 0, 1_000)), 1);
    // A retry of generation 0 within the window is answered, without rotating again.
    assert!(
        matches!(refresh(&records, 0, 1_000 + REFRESH_GRACE_MS), Ok(Refreshed::Retried(grant)) if grant.generation == 1)
    );
    assert_eq!(rotated(refresh(&records, 1, 60_000)), 2);
    // Generation 1 again, after the window: the grant ends.
    assert_eq!(refresh(&records, 1, 60_000 + REFRESH_GRACE_MS + 1).unwrap_err(), Refusal::RefreshReused);
    assert_eq!(refresh(&records, 2, 60_000 + REFRESH_GRACE_MS + 2).unwrap_err(), Refusal::GrantEnded);
}

/// Finding 11: within the grace window, whoever presented the previous refresh token got the
/// current one; and a token two generations back must end the grant even within the window.
#[test]
fn security_11_the_grace_window_never_hands_out_the_current_refresh_token() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    redeem(&records, "c", "challenge", "g", 0).unwrap();
    assert_eq!(rotated(refresh(&records, 0, 1_000)), 1);
    assert!(matches!(refresh(&records, 0, 2_000), Ok(Refreshed::Retried(_))), "a retry, not a new rotation");
    assert_eq!(rotated(refresh(&records, 1, 3_000)), 2);
    assert_eq!(refresh(&records, 0, 4_000).unwrap_err(), Refusal::RefreshReused, "two generations back");
    assert_eq!(refresh(&records, 2, 5_000).unwrap_err(), Refusal::GrantEnded);
}

#[test]
fn a_grant_ends_at_its_absolute_lifetime_whatever_the_refreshes() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    redeem(&records, "c", "challenge", "g", 0).unwrap();
    let end = 7 * 86_400_000;
    assert_eq!(rotated(refresh(&records, 0, end - 1)), 1);
    assert!(matches!(refresh(&records, 1, end), Err(Refusal::GrantEnded | Refusal::GrantExpired)));
}

#[test]
fn revoke_all_ends_every_grant_and_revoke_checks_the_owner() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    redeem(&records, "c", "challenge", "g", 0).unwrap();
    let other = RevokeGrant { grant_id: "g".into(), client_id: "other".into() }.run(&records).unwrap();
    assert_eq!(other, Err(Refusal::WrongClient));
    assert_eq!(RevokeAll {}.run(&records).unwrap(), 1);
    assert_eq!(refresh(&records, 0, 1).unwrap_err(), Refusal::GrantEnded);
    let again = RevokeGrant { grant_id: "g".into(), client_id: "client".into() }.run(&records).unwrap();
    assert_eq!(again, Ok(false), "nothing left to end");
}

#[test]
fn a_client_is_remembered_once_it_signs_someone_in() {
    let records = MemoryRecords::default();
    assert_eq!(ClientLastUsed { client_key: "k".into(), now: 0 }.run(&records).unwrap(), None);
    TouchClient { client_key: "k".into(), now: 5 }.run(&records).unwrap();
    assert_eq!(ClientLastUsed { client_key: "k".into(), now: 6 }.run(&records).unwrap(), Some(5));
    let forgotten = ClientLastUsed { client_key: "k".into(), now: 5 + CLIENT_MEMORY_MS }.run(&records).unwrap();
    assert_eq!(forgotten, None, "forgotten after {CLIENT_MEMORY_MS} ms");
}

/// Commands and answers cross to the shard's object as JSON; each answer comes back as the
/// type its command declares, and an unreadable command is a host error, not a panic.
#[tokio::test(flavor = "current_thread")]
async fn commands_travel_as_json_and_answer_in_their_own_types() {
    let platform = FakePlatform::with_one_skill();
    let issue = IssueCode { state_hash: "s".into(), code_hash: "c".into(), code: pending(0), now: 0 };
    assert_eq!(call(&platform, "shard", issue.clone()).await.unwrap(), Ok(()));
    assert_eq!(call(&platform, "shard", issue).await.unwrap(), Err(Refusal::StateReused));
    let grant = call(&platform, "shard", redeem_command("c", "challenge", "g", 1)).await.unwrap().unwrap();
    assert_eq!((grant.id.as_str(), grant.user.email.as_str()), ("g", "ann@acme.example"));
    let live = call(&platform, "shard", CheckGrant { grant_id: "g".into(), now: 2 }).await.unwrap();
    assert_eq!(live.map(|g| g.id), Ok("g".to_string()));
    assert_eq!(
        call(&platform, "other-shard", CheckGrant { grant_id: "g".into(), now: 2 }).await.unwrap().unwrap_err(),
        Refusal::GrantEnded,
        "shards are separate"
    );
    assert_eq!(call(&platform, "shard", RevokeAll {}).await.unwrap(), 1);
    let error = apply(&MemoryRecords::default(), r#"{"op": "drop_everything"}"#).unwrap_err().to_string();
    assert!(error.starts_with("the sign-in ledger (SIGN_IN_LEDGER) failed: unreadable command"), "{error}");
}

/// The provider's encrypted refresh token moves from the code to the answer, never into the
/// stored grant, and the redeemed code no longer holds it.
#[test]
fn the_upstream_refresh_token_leaves_the_code_for_the_answer_only() {
    let records = MemoryRecords::default();
    let mut code = pending(0);
    code.upstream_refresh = Some("sealed-upstream".into());
    IssueCode { state_hash: "s".into(), code_hash: "c".into(), code, now: 0 }.run(&records).unwrap().unwrap();
    let grant = redeem(&records, "c", "challenge", "g", 1).unwrap();
    assert_eq!(grant.upstream_refresh.as_deref(), Some("sealed-upstream"));
    let stored = records.dump();
    assert!(stored.iter().any(|(key, _)| key == "grant:g"), "the grant is stored: {stored:?}");
    assert!(!stored.iter().any(|(_, value)| value.contains("sealed-upstream")), "{stored:?}");
}

/// What the provider said at a refresh is applied when the refresh rotates: renewed groups
/// replace the recorded ones, another person or an ended sign-in end the grant, and a retry in
/// the grace window changes nothing.
#[test]
fn a_refresh_applies_what_the_provider_said_only_when_it_rotates() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    redeem(&records, "c", "challenge", "g", 1).unwrap();
    let renewed = UserInfo { groups: vec!["eng".into()], ..user() };
    match refresh_with(&records, 0, 10, UpstreamCheck::Renewed(renewed.clone())) {
        Ok(Refreshed::Rotated(grant)) => assert_eq!(grant.user, renewed),
        other => panic!("{other:?}"),
    }
    // A retry of that rotation with the provider now saying "ended" is still only a retry.
    assert!(matches!(refresh_with(&records, 0, 20, UpstreamCheck::Ended), Ok(Refreshed::Retried(_))));
    match refresh_with(&records, 1, 30, UpstreamCheck::Unchanged) {
        Ok(Refreshed::Rotated(grant)) => assert_eq!(grant.user.groups, ["eng"], "the renewed groups were stored"),
        other => panic!("{other:?}"),
    }
    let someone_else = UserInfo { id: "google:2".into(), ..user() };
    assert_eq!(refresh_with(&records, 2, 40, UpstreamCheck::Renewed(someone_else)), Err(Refusal::UpstreamEnded));
    assert_eq!(refresh(&records, 3, 50), Err(Refusal::GrantEnded), "the grant is gone");

    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0).unwrap();
    redeem(&records, "c", "challenge", "g", 1).unwrap();
    assert_eq!(refresh_with(&records, 0, 10, UpstreamCheck::Ended), Err(Refusal::UpstreamEnded));
    assert_eq!(refresh(&records, 1, 20), Err(Refusal::GrantEnded));
}
