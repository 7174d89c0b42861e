//! What `--resume` would do with each issue of an unfinished run, per the
//! spec's resume table, read from the checkpoint alone (a resume checks each
//! PR and branch against GitHub before it acts; this preview cannot).

use std::fmt::Write as _;

use crate::checkpoint::{IssueRow, IssueState, RunRow, Store};
use crate::ids::{BranchName, PrNumber};
use crate::issue::BLOCKER_SKIP_PREFIX;

/// What a resume does with one issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResumeAction {
    /// Merged: nothing to do.
    Done(Option<PrNumber>),
    /// A PR exists: back into the review cycle.
    Review(PrNumber),
    /// A branch but no PR: open the PR, then review it.
    OpenPr(BranchName),
    /// Nothing pushed: run the worker (again); `attempt` is the launch it will be.
    Run { attempt: u32 },
    /// Skipped because a blocker failed: tried again once its blockers merge.
    AfterBlockers(String),
    /// Skipped by a human: a resume never reopens it.
    StaysSkipped(String),
}

/// The resume table, for one row.
pub fn action(row: &IssueRow) -> ResumeAction {
    match row.state {
        IssueState::Merged => ResumeAction::Done(row.pr),
        IssueState::Skipped => {
            let reason = row.skip_reason.clone().unwrap_or_default();
            if reason.starts_with(BLOCKER_SKIP_PREFIX) {
                ResumeAction::AfterBlockers(reason)
            } else {
                ResumeAction::StaysSkipped(reason)
            }
        }
        _ => match (row.pr, &row.branch) {
            (Some(pr), _) => ResumeAction::Review(pr),
            (None, Some(branch)) => ResumeAction::OpenPr(branch.clone()),
            (None, None) => ResumeAction::Run {
                attempt: row.attempts + 1,
            },
        },
    }
}

impl ResumeAction {
    /// One line for people: `review PR #162`.
    pub fn describe(&self) -> String {
        match self {
            ResumeAction::Done(Some(pr)) => format!("skip: merged as PR {pr}"),
            ResumeAction::Done(None) => "skip: merged".to_string(),
            ResumeAction::Review(pr) => format!("review PR {pr} (CI, review, approval, merge)"),
            ResumeAction::OpenPr(branch) => format!("open a PR from {branch}, then review it"),
            ResumeAction::Run { attempt: 1 } => "run the worker".to_string(),
            ResumeAction::Run { attempt } => format!("run the worker again (attempt {attempt})"),
            ResumeAction::AfterBlockers(why) => {
                format!("run again once its blockers merge (skipped: {why})")
            }
            ResumeAction::StaysSkipped(why) if why.is_empty() => "stays skipped".to_string(),
            ResumeAction::StaysSkipped(why) => format!("stays skipped ({why})"),
        }
    }
}

/// The preview for `run` with these rows.
pub fn render(run: &RunRow, rows: &[IssueRow]) -> String {
    let mut out = format!(
        "What --resume would do with run {} ({}, {}):\n",
        run.id, run.target_label, run.status
    );
    let width = rows
        .iter()
        .map(|r| r.issue.to_string().len())
        .max()
        .unwrap_or(0);
    for row in rows {
        let _ = writeln!(
            out,
            "  {:<width$} {}",
            row.issue.to_string(),
            action(row).describe()
        );
    }
    out.push_str("PRs and branches are as recorded; a resume checks each against GitHub first.\n");
    out
}

/// The preview for `run`, reading its issues from the checkpoint.
pub fn resume_preview(store: &Store, run: &RunRow) -> crate::checkpoint::Result<String> {
    Ok(render(run, &store.load_issues(run.id)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::RunStatus;
    use crate::status::fixture::{issue, issues, run};

    #[test]
    fn each_row_gets_the_resume_tables_action() {
        let rows = issues();
        let actions: Vec<ResumeAction> = rows.iter().map(action).collect();
        assert_eq!(
            actions,
            vec![
                ResumeAction::Done(Some(PrNumber(160))),
                ResumeAction::Run { attempt: 3 },
                ResumeAction::Review(PrNumber(162)),
                ResumeAction::AfterBlockers("blocked by #154 (failed)".into()),
                ResumeAction::Run { attempt: 2 },
                ResumeAction::Run { attempt: 1 },
            ]
        );
    }

    #[test]
    fn failed_or_running_with_a_pr_goes_to_review_and_with_a_branch_opens_one() {
        for state in [IssueState::Failed, IssueState::Running] {
            let mut row = issue(9, "x", 1);
            row.state = state;
            row.branch = Some(BranchName("feat/issue-9-x".into()));
            assert_eq!(
                action(&row),
                ResumeAction::OpenPr(BranchName("feat/issue-9-x".into())),
                "{state}"
            );
            row.pr = Some(PrNumber(12));
            assert_eq!(action(&row), ResumeAction::Review(PrNumber(12)), "{state}");
        }
    }

    #[test]
    fn a_humans_skip_stays_skipped() {
        let mut row = issue(9, "x", 1);
        row.state = IssueState::Skipped;
        row.skip_reason = Some("skipped by @alice on Telegram".into());
        assert_eq!(
            action(&row).describe(),
            "stays skipped (skipped by @alice on Telegram)"
        );
    }

    #[test]
    fn the_preview_lists_every_issue() {
        let text = render(&run(RunStatus::Interrupted), &issues());
        assert_eq!(
            text,
            "What --resume would do with run 7 (Milestone \"OB3 Phase 1\", interrupted):\n\
             \x20 #153  skip: merged as PR #160\n\
             \x20 #154  run the worker again (attempt 3)\n\
             \x20 #155  review PR #162 (CI, review, approval, merge)\n\
             \x20 #156  run again once its blockers merge (skipped: blocked by #154 (failed))\n\
             \x20 #1002 run the worker again (attempt 2)\n\
             \x20 #157  run the worker\n\
             PRs and branches are as recorded; a resume checks each against GitHub first.\n"
        );
    }
}
