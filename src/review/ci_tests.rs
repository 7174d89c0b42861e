use chrono::TimeDelta;

use super::*;

fn run(name: &str, status: &str, conclusion: Option<&str>) -> CheckRun {
    CheckRun {
        id: 1,
        name: name.into(),
        status: status.into(),
        conclusion: conclusion.map(Into::into),
        details_url: None,
        app: None,
    }
}

/// A job of GitHub Actions workflow run `workflow`.
fn job(name: &str, conclusion: &str, workflow: u64) -> CheckRun {
    CheckRun {
        details_url: Some(format!(
            "https://github.com/acme/w/actions/runs/{workflow}/job/{}",
            workflow + 1
        )),
        app: Some(crate::github::CheckApp {
            slug: "github-actions".into(),
        }),
        ..run(name, "completed", Some(conclusion))
    }
}

fn status(context: &str, state: &str) -> CommitStatus {
    CommitStatus {
        context: context.into(),
        state: state.into(),
        description: None,
        target_url: None,
    }
}

fn sha(c: char) -> CommitSha {
    CommitSha(c.to_string().repeat(40))
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn secs(s: i64) -> TimeDelta {
    TimeDelta::seconds(s)
}

fn modified<T>(value: T, etag: &str) -> Conditional<T> {
    Conditional::Modified {
        value,
        etag: Some(etag.into()),
    }
}

fn watch() -> CiWatch {
    CiWatch::new(sha('a'), t0(), CiTiming::default())
}

#[test]
fn every_word_is_classified_as_the_brief_says() {
    let table = [
        ("queued", CheckState::Pending),
        ("in_progress", CheckState::Pending),
        ("waiting", CheckState::Pending),
        ("requested", CheckState::Pending),
        ("pending", CheckState::Pending),
        ("expected", CheckState::Pending),
        ("failure", CheckState::Failed),
        ("cancelled", CheckState::Failed),
        ("timed_out", CheckState::Failed),
        ("action_required", CheckState::Failed),
        ("startup_failure", CheckState::Failed),
        ("error", CheckState::Failed),
        ("success", CheckState::Passed),
        ("neutral", CheckState::Passed),
        ("skipped", CheckState::Passed),
        ("SUCCESS", CheckState::Passed),
        ("stale", CheckState::Pending),
        ("something_new", CheckState::Pending),
    ];
    for (word, want) in table {
        assert_eq!(classify_word(word), want, "{word}");
    }
}

#[test]
fn a_check_run_is_judged_by_its_conclusion_only_once_completed() {
    let table = [
        (run("a", "queued", None), CheckState::Pending),
        (run("a", "in_progress", None), CheckState::Pending),
        (run("a", "waiting", None), CheckState::Pending),
        (run("a", "requested", None), CheckState::Pending),
        (run("a", "pending", None), CheckState::Pending),
        // A conclusion before completion is not trusted.
        (
            run("a", "in_progress", Some("success")),
            CheckState::Pending,
        ),
        (run("a", "completed", None), CheckState::Pending),
        (run("a", "completed", Some("success")), CheckState::Passed),
        (run("a", "completed", Some("neutral")), CheckState::Passed),
        (run("a", "completed", Some("skipped")), CheckState::Passed),
        (run("a", "completed", Some("failure")), CheckState::Failed),
        (run("a", "completed", Some("cancelled")), CheckState::Failed),
        (run("a", "completed", Some("timed_out")), CheckState::Failed),
        (
            run("a", "completed", Some("action_required")),
            CheckState::Failed,
        ),
        (
            run("a", "completed", Some("startup_failure")),
            CheckState::Failed,
        ),
        (run("a", "completed", Some("stale")), CheckState::Pending),
    ];
    for (r, want) in table {
        assert_eq!(classify_check_run(&r), want, "{r:?}");
    }
}

#[test]
fn statuses_are_judged_by_state() {
    let table = [
        ("pending", CheckState::Pending),
        ("expected", CheckState::Pending),
        ("success", CheckState::Passed),
        ("failure", CheckState::Failed),
        ("error", CheckState::Failed),
    ];
    for (state, want) in table {
        assert_eq!(classify_status(&status("ci/x", state)), want, "{state}");
    }
}

#[test]
fn an_empty_list_is_never_passed() {
    assert_eq!(verdict(&[], &[]), CiVerdict::NoCi);
    let mut w = watch();
    w.record_check_runs(modified(vec![], "r1"));
    w.record_statuses(modified(vec![], "s1"));
    assert_eq!(
        w.outcome(t0() + secs(1)),
        None,
        "empty is pending during grace"
    );
    assert_eq!(w.outcome(t0() + secs(120)), Some(CiOutcome::NoCi));
    for later in [1, 119, 120, 3600] {
        assert_ne!(w.outcome(t0() + secs(later)), Some(CiOutcome::Passed));
    }
}

#[test]
fn an_endpoint_that_never_answered_is_unknown_not_empty() {
    let mut w = watch();
    w.record_check_runs(modified(vec![], "r1"));
    // Statuses errored: not recorded. Past the grace, still not "no CI".
    assert_eq!(w.verdict(), CiVerdict::Pending);
    assert_eq!(w.outcome(t0() + secs(300)), None);
    // A 304 with nothing cached tells nothing either.
    w.record_statuses(Conditional::NotModified);
    assert_eq!(w.verdict(), CiVerdict::Pending);
    assert_eq!(
        w.outcome(t0() + secs(1800)),
        Some(CiOutcome::TimedOut { pending: vec![] })
    );
}

#[test]
fn runs_and_statuses_are_judged_together() {
    let green = [run("build", "completed", Some("success"))];
    let red_status = [status("ci/legacy", "failure")];
    assert_eq!(
        verdict(&green, &red_status),
        CiVerdict::Failed {
            failing: vec!["ci/legacy".into()]
        }
    );
    let pending_status = [status("ci/legacy", "pending")];
    assert_eq!(verdict(&green, &pending_status), CiVerdict::Pending);
    assert_eq!(
        verdict(&green, &[status("ci/legacy", "success")]),
        CiVerdict::Passed
    );
    assert_eq!(
        verdict(&[], &[status("only", "success")]),
        CiVerdict::Passed
    );
}

#[test]
fn failure_waits_for_pending_checks_and_lists_every_failure() {
    let runs = [
        run("lint", "completed", Some("failure")),
        run("test", "in_progress", None),
    ];
    assert_eq!(verdict(&runs, &[]), CiVerdict::Pending);
    let runs = [
        run("test", "completed", Some("timed_out")),
        run("lint", "completed", Some("failure")),
        run("docs", "completed", Some("skipped")),
    ];
    assert_eq!(
        verdict(&runs, &[status("deploy", "error")]),
        CiVerdict::Failed {
            failing: vec!["deploy".into(), "lint".into(), "test".into()]
        }
    );
}

#[test]
fn the_watch_passes_fails_or_times_out() {
    let mut w = watch();
    w.record_check_runs(modified(vec![run("b", "queued", None)], "r1"));
    w.record_statuses(modified(vec![status("s", "pending")], "s1"));
    assert_eq!(w.outcome(t0() + secs(10)), None);
    assert_eq!(
        w.outcome(t0() + secs(1800)),
        Some(CiOutcome::TimedOut {
            pending: vec!["b".into(), "s".into()]
        })
    );
    w.record_check_runs(modified(vec![run("b", "completed", Some("success"))], "r2"));
    w.record_statuses(modified(vec![status("s", "success")], "s2"));
    assert_eq!(w.outcome(t0() + secs(20)), Some(CiOutcome::Passed));
    w.record_statuses(modified(vec![status("s", "failure")], "s3"));
    assert_eq!(
        w.outcome(t0() + secs(30)),
        Some(CiOutcome::Failed {
            failing: vec!["s".into()],
            rerun: Vec::new(),
        })
    );
}

#[test]
fn failing_actions_jobs_name_their_workflow_runs_unless_something_else_failed_too() {
    let mut w = watch();
    let jobs = vec![
        job("build", "failure", 40),
        job("test", "failure", 40),
        job("lint", "success", 50),
    ];
    w.record_check_runs(modified(jobs.clone(), "r1"));
    w.record_statuses(modified(vec![], "s1"));
    assert_eq!(
        w.outcome(t0() + secs(5)),
        Some(CiOutcome::Failed {
            failing: vec!["build".into(), "test".into()],
            rerun: vec![40],
        })
    );
    // A failing check of another app: a rerun of the Actions jobs would not help.
    let mut mixed = jobs;
    mixed.push(run("external", "completed", Some("failure")));
    w.record_check_runs(modified(mixed, "r2"));
    assert!(matches!(
        w.outcome(t0() + secs(6)),
        Some(CiOutcome::Failed { rerun, .. }) if rerun.is_empty()
    ));
}

#[test]
fn checks_that_appear_during_the_grace_period_are_waited_for() {
    let mut w = watch();
    w.record_check_runs(modified(vec![], "r1"));
    w.record_statuses(modified(vec![], "s1"));
    w.record_check_runs(modified(vec![run("b", "queued", None)], "r2"));
    assert_eq!(w.outcome(t0() + secs(600)), None);
}

#[test]
fn etags_are_kept_per_endpoint_and_304_reuses_the_last_answer() {
    let mut w = watch();
    assert_eq!(w.etag(Endpoint::CheckRuns), None);
    w.record_check_runs(modified(
        vec![run("b", "completed", Some("success"))],
        "\"r1\"",
    ));
    w.record_statuses(modified(vec![], "\"s1\""));
    assert_eq!(w.etag(Endpoint::CheckRuns), Some("\"r1\""));
    assert_eq!(w.etag(Endpoint::Statuses), Some("\"s1\""));
    w.record_check_runs(Conditional::NotModified);
    w.record_statuses(Conditional::NotModified);
    assert_eq!(w.etag(Endpoint::CheckRuns), Some("\"r1\""));
    assert_eq!(w.outcome(t0() + secs(5)), Some(CiOutcome::Passed));
}

#[test]
fn polls_back_off_and_reset_on_change() {
    let timing = CiTiming::default();
    let mut w = watch();
    let delays: Vec<u64> = (0..5).map(|_| w.next_poll().as_secs()).collect();
    assert_eq!(delays, [2, 4, 4, 4, 4]);
    w.record_check_runs(modified(vec![run("b", "queued", None)], "r1"));
    assert_eq!(w.next_poll(), timing.poll_min);
    assert_eq!(w.next_poll().as_secs(), 4);
    // The same answer again (200 with a new tag, or a 304) is not a change.
    let mut w = watch();
    w.record_check_runs(modified(vec![run("b", "queued", None)], "r1"));
    w.next_poll();
    w.record_check_runs(modified(vec![run("b", "queued", None)], "r2"));
    w.record_check_runs(Conditional::NotModified);
    assert_eq!(w.next_poll().as_secs(), 4);
    w.record_check_runs(modified(vec![run("b", "in_progress", None)], "r3"));
    assert_eq!(w.next_poll().as_secs(), 2);
}

#[test]
fn a_head_change_restarts_the_watch() {
    let mut w = watch();
    w.record_check_runs(modified(vec![run("b", "completed", Some("failure"))], "r1"));
    w.record_statuses(modified(vec![], "s1"));
    w.next_poll();
    w.next_poll();
    assert!(!w.set_head(&sha('a'), t0() + secs(50)));
    assert!(w.outcome(t0() + secs(50)).is_some());
    assert!(w.set_head(&sha('b'), t0() + secs(100)));
    assert_eq!(w.head(), &sha('b'));
    assert_eq!(w.since(), t0() + secs(100));
    assert_eq!(w.etag(Endpoint::CheckRuns), None);
    assert_eq!(w.verdict(), CiVerdict::Pending);
    assert_eq!(w.next_poll().as_secs(), 2);
    // The grace period counts from the new head.
    w.record_check_runs(modified(vec![], "r9"));
    w.record_statuses(modified(vec![], "s9"));
    assert_eq!(w.outcome(t0() + secs(200)), None);
    assert_eq!(w.outcome(t0() + secs(220)), Some(CiOutcome::NoCi));
}

#[test]
fn a_resumed_watch_keeps_its_original_deadline() {
    let w = CiWatch::new(sha('a'), t0() - secs(1799), CiTiming::default());
    assert_eq!(w.outcome(t0()), None);
    assert!(matches!(
        w.outcome(t0() + secs(1)),
        Some(CiOutcome::TimedOut { .. })
    ));
}
