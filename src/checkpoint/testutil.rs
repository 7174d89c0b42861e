//! Fixtures for the checkpoint's unit tests: a store in a temporary
//! directory and runs with a few planned issues.

use serde_json::json;
use tempfile::TempDir;

use super::model::{IssueState, NewIssue, NewRun, RunId};
use super::patch::IssuePatch;
use super::store::Store;
use crate::ids::{IssueNumber, PrNumber, RepoSlug};

pub(crate) fn temp_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("state").join("checkpoint.db")).unwrap();
    (dir, store)
}

/// A run on `acme/widgets` for `target` with the given issues, all in wave 1.
pub(crate) fn new_run(target: &str, issues: &[u64]) -> NewRun {
    NewRun {
        repo: RepoSlug::new("acme", "widgets"),
        target_key: target.to_string(),
        target_label: format!("milestone {target}"),
        options: json!({ "parallel": 2 }),
        plan: json!({ "waves": [issues] }),
        budget_usd: Some(25.0),
        issues: issues
            .iter()
            .map(|&n| NewIssue {
                number: IssueNumber(n),
                title: format!("Issue {n}"),
                wave: 1,
            })
            .collect(),
    }
}

pub(crate) fn store_with_run(issues: &[u64]) -> (TempDir, Store, RunId) {
    let (dir, mut store) = temp_store();
    let run = store.create_run(&new_run("milestone:M1", issues)).unwrap();
    (dir, store, run)
}

/// The patch a transition into `to` needs to satisfy the schema's rules.
pub(crate) fn patch_for(to: IssueState, issue: IssueNumber) -> IssuePatch {
    match to {
        IssueState::PrOpen | IssueState::Merged => IssuePatch::new().pr(PrNumber(issue.0 + 1000)),
        IssueState::Skipped => IssuePatch::new().skip_reason("blocker failed"),
        IssueState::Failed => IssuePatch::new().last_error("worker exited 1"),
        _ => IssuePatch::new(),
    }
}

/// Drives a pending issue along the forward lifecycle until it is in `to`.
pub(crate) fn drive_to(store: &mut Store, run: RunId, issue: IssueNumber, to: IssueState) {
    use IssueState::*;
    let path: &[IssueState] = match to {
        Pending => &[],
        Running => &[Running],
        PrOpen => &[PrOpen],
        Reviewing => &[PrOpen, Reviewing],
        AwaitingApproval => &[PrOpen, Reviewing, AwaitingApproval],
        Merged => &[PrOpen, Reviewing, AwaitingApproval, Merged],
        Skipped => &[Skipped],
        Failed => &[Failed],
    };
    for &step in path {
        store
            .transition(run, issue, step, patch_for(step, issue))
            .unwrap();
    }
}
