//! Planning through the real binary when GitHub is big or unwell: every
//! page of a large milestone, retried 5xx answers, rate limits waited out,
//! and client errors that fail at once with GitHub's message.

mod support;

use std::time::{Duration, Instant};

use gh_sandbox::{Fault, Route};
use support::plan::{ISSUE_LIST, World, spec_example, waves};
// ------------------------------------------------- pagination and retries

#[test]
fn a_milestone_of_250_issues_is_read_page_by_page() {
    let w = World::new();
    let m = w.milestone("Big");
    for n in 1..=250u64 {
        let body = match n {
            150 => "Blocked by #120".to_string(),
            250 => "Blocked by #1".to_string(),
            _ => "Depends on: none".to_string(),
        };
        w.issue(m, &format!("Issue number {n}"), &body);
    }
    let out = w.plan(&["Big", "--dry-run", "--json"]);
    out.expect_code(0);
    let plan = out.json();
    let planned = waves(&plan);
    assert_eq!(planned.len(), 250);
    assert_eq!(planned[&150], 2);
    assert_eq!(planned[&250], 2);
    assert_eq!(planned.values().filter(|&&w| w == 1).count(), 248);

    let pages = w
        .sandbox
        .requests()
        .matching(&Route::matching("GET", ISSUE_LIST));
    let queries: Vec<String> = pages
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(pages.len(), 3, "{queries:?}");
    assert!(
        queries
            .iter()
            .all(|q| q.contains("milestone=1") && q.contains("per_page=100"))
    );
    assert!(
        queries[1].contains("page=2") && queries[2].contains("page=3"),
        "{queries:?}"
    );
    assert!(pages.iter().all(|r| r.authorized && r.status == 200));
}

#[test]
fn a_502_on_the_issue_list_is_retried() {
    let w = World::new();
    spec_example(&w);
    w.sandbox
        .faults()
        .inject(Route::matching("GET", ISSUE_LIST), Fault::Status(502), 1);
    let out = w.plan(&["OB3 Phase 1", "--dry-run", "--json"]);
    // The warning goes to stderr; stdout stays one JSON object.
    out.expect_code(0).stderr_has(&["retrying"]);
    assert_eq!(waves(&out.json()).len(), 3);
    assert_eq!(w.statuses("GET", ISSUE_LIST), vec![502, 200]);
}

#[test]
fn rate_limit_answers_are_waited_out() {
    let w = World::new();
    spec_example(&w);
    let faults = w.sandbox.faults();
    faults.inject(
        Route::matching("GET", ISSUE_LIST),
        Fault::SecondaryRateLimit {
            status: 429,
            retry_after: 1,
        },
        1,
    );
    faults.inject(
        Route::matching("GET", "/repos/*/*/milestones"),
        Fault::rate_limited_for(Duration::from_secs(1)),
        1,
    );
    let started = Instant::now();
    let out = w.plan(&["OB3 Phase 1", "--dry-run"]);
    out.expect_code(0).stdout_has(&["— 3 issues in 2 waves"]);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two one-second limits were not waited out: {:?}",
        started.elapsed()
    );
    assert_eq!(w.statuses("GET", "/repos/*/*/milestones"), vec![403, 200]);
    assert_eq!(w.statuses("GET", ISSUE_LIST), vec![429, 200]);
}

#[test]
fn a_client_error_fails_at_once_with_githubs_message() {
    let w = World::new();
    spec_example(&w);
    w.sandbox.faults().inject(
        Route::matching("GET", "/repos/*/*/milestones"),
        Fault::Error {
            status: 403,
            message: "Resource not accessible by integration".into(),
        },
        1,
    );
    let out = w.plan(&["OB3 Phase 1", "--dry-run"]);
    out.expect_code(1).stderr_has(&[
        "GitHub answered 403 for GET /repos/acme/widgets/milestones: Resource not accessible by integration",
    ]);
    assert_eq!(w.statuses("GET", "/repos/*/*/milestones"), vec![403]);
}
