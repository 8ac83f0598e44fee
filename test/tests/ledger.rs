//! The sign-in ledger's commands, as a specification: codes once, grants, refresh generations.

use skillport_connector::identity::UserInfo;
use skillport_connector::oauth::ledger::*;
use skillport_test::MemoryRecords;

fn user() -> UserInfo {
    UserInfo { id: "google:1".into(), email: "ann@acme.example".into(), name: Some("Ann".into()), domain: None }
}

fn issue(records: &MemoryRecords, state: &str, code: &str, now: u64) -> Reply {
    let pending = PendingCode {
        user: user(),
        client_id: "client".into(),
        redirect_uri: "https://claude.ai/api/mcp/auth_callback".into(),
        code_challenge: "challenge".into(),
        resource: "https://c.example".into(),
        expires_at: now + CODE_LIFETIME_MS,
        redeemed_by: None,
    };
    apply(records, Command::IssueCode { state_hash: state.into(), code_hash: code.into(), code: pending, now }).unwrap()
}

fn redeem(records: &MemoryRecords, code: &str, challenge: &str, grant: &str, now: u64) -> Reply {
    apply(
        records,
        Command::RedeemCode {
            code_hash: code.into(),
            verifier_challenge: challenge.into(),
            client_id: "client".into(),
            redirect_uri: "https://claude.ai/api/mcp/auth_callback".into(),
            grant_id: grant.into(),
            grant_lifetime_ms: 7 * 86_400_000,
            now,
        },
    )
    .unwrap()
}

fn refresh(records: &MemoryRecords, generation: u64, now: u64) -> Reply {
    apply(records, Command::Refresh { grant_id: "g".into(), generation, client_id: "client".into(), now }).unwrap()
}

fn refusal(reply: Reply) -> Option<Refusal> {
    match reply {
        Reply::Refused { refusal } => Some(refusal),
        _ => None,
    }
}

fn generation(reply: Reply) -> u64 {
    match reply {
        Reply::Grant { grant } => grant.generation,
        other => panic!("expected a grant, got {other:?}"),
    }
}

#[test]
fn a_state_signs_in_once() {
    let records = MemoryRecords::default();
    assert_eq!(issue(&records, "s", "c1", 0), Reply::Done);
    assert_eq!(refusal(issue(&records, "s", "c2", 1)), Some(Refusal::StateReused));
}

#[test]
fn a_code_redeems_once_and_a_replay_revokes_its_grant() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0);
    assert_eq!(generation(redeem(&records, "c", "challenge", "g", 1)), 0);
    assert_eq!(refusal(redeem(&records, "c", "challenge", "g2", 2)), Some(Refusal::CodeReused));
    let check = apply(&records, Command::Check { grant_id: "g".into(), now: 3 }).unwrap();
    assert_eq!(refusal(check), Some(Refusal::GrantEnded));
}

#[test]
fn a_wrong_verifier_burns_the_code() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0);
    assert_eq!(refusal(redeem(&records, "c", "other", "g", 1)), Some(Refusal::PkceMismatch));
    assert_eq!(refusal(redeem(&records, "c", "challenge", "g", 2)), Some(Refusal::UnknownCode));
    assert!(records.dump().iter().all(|(k, _)| !k.starts_with("grant:")));
}

#[test]
fn codes_expire() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0);
    assert_eq!(refusal(redeem(&records, "c", "challenge", "g", CODE_LIFETIME_MS)), Some(Refusal::UnknownCode));
}

#[test]
fn refresh_rotates_tolerates_a_retry_and_kills_the_grant_on_late_reuse() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0);
    redeem(&records, "c", "challenge", "g", 0);
    assert_eq!(generation(refresh(&records, 0, 1_000)), 1);
    // A retry of generation 0 within the window is answered, without rotating again.
    assert!(
        matches!(refresh(&records, 0, 1_000 + REFRESH_GRACE_MS), Reply::Retried { grant } if grant.generation == 1)
    );
    assert_eq!(generation(refresh(&records, 1, 60_000)), 2);
    // Generation 1 again, after the window: the grant ends.
    assert_eq!(refusal(refresh(&records, 1, 60_000 + REFRESH_GRACE_MS + 1)), Some(Refusal::RefreshReused));
    assert_eq!(refusal(refresh(&records, 2, 60_000 + REFRESH_GRACE_MS + 2)), Some(Refusal::GrantEnded));
}

/// Finding 11: within the grace window, whoever presented the previous refresh token got the
/// current one; and a token two generations back must end the grant even within the window.
#[test]
fn security_11_the_grace_window_never_hands_out_the_current_refresh_token() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0);
    redeem(&records, "c", "challenge", "g", 0);
    assert_eq!(generation(refresh(&records, 0, 1_000)), 1);
    assert!(matches!(refresh(&records, 0, 2_000), Reply::Retried { .. }), "a retry, not a new rotation");
    assert_eq!(generation(refresh(&records, 1, 3_000)), 2);
    assert_eq!(refusal(refresh(&records, 0, 4_000)), Some(Refusal::RefreshReused), "two generations back");
    assert_eq!(refusal(refresh(&records, 2, 5_000)), Some(Refusal::GrantEnded));
}

#[test]
fn a_grant_ends_at_its_absolute_lifetime_whatever_the_refreshes() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0);
    redeem(&records, "c", "challenge", "g", 0);
    let end = 7 * 86_400_000;
    assert_eq!(generation(refresh(&records, 0, end - 1)), 1);
    assert!(matches!(refusal(refresh(&records, 1, end)), Some(Refusal::GrantEnded | Refusal::GrantExpired)));
}

#[test]
fn revoke_all_ends_every_grant_and_revoke_checks_the_owner() {
    let records = MemoryRecords::default();
    issue(&records, "s", "c", 0);
    redeem(&records, "c", "challenge", "g", 0);
    let other = apply(&records, Command::Revoke { grant_id: "g".into(), client_id: "other".into() }).unwrap();
    assert_eq!(refusal(other), Some(Refusal::WrongClient));
    assert_eq!(apply(&records, Command::RevokeAll).unwrap(), Reply::Revoked { count: 1 });
    assert_eq!(refusal(refresh(&records, 0, 1)), Some(Refusal::GrantEnded));
}
