//! The issue machine and the checkpoint's row: the columns a machine
//! projects (written with it), and the machine a row of an older run stands
//! for (rows written before the machine existed carry only the columns and
//! the review loop's step).

use crate::checkpoint::{IssueRow, IssueState, MachineColumns};
use crate::ids::{BranchName, CommitSha, IssueNumber};
use crate::review::{ReviewState, Step};

use super::machine::{End, IssueMachine, IssueTally, ReviewCaps, SkipWhy, Stage};

/// Why a row's machine cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "read issue {issue}'s saved state: {detail}; the checkpoint was written by a newer or broken version — resume with that version, or take the issue up again from its PR and branch on GitHub: `--resume --reset-attempts` while the run is unfinished, a new run once it has ended"
)]
pub struct Unreadable {
    pub issue: IssueNumber,
    pub detail: String,
}

impl IssueMachine {
    /// The row's columns this machine stands for.
    pub fn columns(&self) -> MachineColumns {
        let (branch, head) = match &self.stage {
            Stage::Implement { branch } | Stage::OpenPr { branch } => (Some(branch.clone()), None),
            Stage::Review { branch, review, .. } => (Some(branch.clone()), step_head(&review.step)),
            Stage::Tidy { branch, sha, .. } => (Some(branch.clone()), sha.clone()),
            _ => (None, None),
        };
        let end = self.end();
        MachineColumns {
            state: self.state(),
            branch,
            pr: self.pr(),
            head_sha: head,
            attempts: self.tally.attempts,
            ci_fix_attempts: self.tally.ci_fixes,
            review_rounds: self.tally.review_rounds,
            last_error: match end {
                Some(End::Failed { reason }) => Some(reason.clone()),
                _ => None,
            },
            skip_reason: match end {
                Some(End::Skipped { reason, .. }) => Some(reason.clone()),
                _ => None,
            },
        }
    }

    /// The same machine, failed for `reason` (a rejected event, an
    /// unreadable state): the issue ends, saying why.
    pub fn failed(&self, reason: impl Into<String>) -> IssueMachine {
        IssueMachine {
            stage: Stage::Done {
                end: End::Failed {
                    reason: reason.into(),
                },
            },
            tally: self.tally.clone(),
        }
    }

    /// The machine of `row`: its own, or for a row of an older run the one
    /// its columns stand for. A machine that does not parse is an error,
    /// never a silent fresh start.
    pub fn of_row(row: &IssueRow) -> Result<IssueMachine, Unreadable> {
        match &row.machine {
            Some(json) => IssueMachine::from_json(json.clone()).map_err(|e| Unreadable {
                issue: row.issue,
                detail: e.to_string(),
            }),
            None => Ok(legacy(row)),
        }
    }
}

fn step_head(step: &Step) -> Option<CommitSha> {
    match step {
        Step::UpdateBase { head, .. }
        | Step::UpdatingBranch { head, .. }
        | Step::WaitCi { head, .. }
        | Step::RerunCi { head, .. }
        | Step::WaitReview { head, .. }
        | Step::ReviewFix { head, .. }
        | Step::AskHuman { head, .. }
        | Step::ChangesFix { head, .. }
        | Step::Merge { head } => Some(head.clone()),
        Step::CiFix { .. } | Step::Done { .. } => None,
    }
}

/// The skip reason a blocker's failure or skip gives its dependents.
pub const BLOCKER_SKIP_PREFIX: &str = "blocked by ";

/// What a row written before the machine existed stands for. Counters carry
/// over; a review step that no longer parses leaves the issue to be looked
/// for again (its PR is found and reviewed anew) with the counters kept.
fn legacy(row: &IssueRow) -> IssueMachine {
    let tally = IssueTally {
        attempts: row.attempts,
        ci_fixes: row.ci_fix_attempts,
        review_rounds: row.review_rounds,
        carried: ReviewCaps {
            ci_fixes: row.ci_fix_attempts,
            review_rounds: row.review_rounds,
        },
        answered_by: None,
    };
    let review = row
        .review_step
        .clone()
        .and_then(|json| ReviewState::from_json(json).ok());
    let stage = match (row.state, row.pr, row.branch.clone(), review) {
        (IssueState::Pending, ..) => Stage::Pending,
        (IssueState::Merged, Some(pr), ..) => Stage::Done {
            end: End::Merged { pr, by: None },
        },
        (IssueState::Skipped, ..) => Stage::Done {
            end: End::Skipped {
                why: legacy_skip(row.skip_reason.as_deref()),
                reason: row.skip_reason.clone().unwrap_or_default(),
            },
        },
        (IssueState::Failed, ..) => Stage::Done {
            end: End::Failed {
                reason: row.last_error.clone().unwrap_or_default(),
            },
        },
        (
            IssueState::Reviewing | IssueState::AwaitingApproval,
            Some(pr),
            Some(branch),
            Some(review),
        ) => Stage::Review {
            pr,
            branch: BranchName(branch.0),
            review: Box::new(review),
        },
        _ => Stage::Locate { after: None },
    };
    IssueMachine { stage, tally }
}

fn legacy_skip(reason: Option<&str>) -> SkipWhy {
    match reason {
        Some(r) if r.starts_with(BLOCKER_SKIP_PREFIX) => SkipWhy::Blocker,
        Some(r) if r.starts_with("the issue was closed") => SkipWhy::IssueClosed,
        _ => SkipWhy::Human,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::RunId;
    use crate::ids::PrNumber;

    fn row(state: IssueState) -> IssueRow {
        IssueRow {
            run_id: RunId(1),
            issue: IssueNumber(5),
            title: "t".into(),
            wave: 1,
            state,
            branch: Some(BranchName("feat/issue-5".into())),
            pr: Some(PrNumber(12)),
            head_sha: None,
            worktree: None,
            attempts: 1,
            ci_fix_attempts: 2,
            review_rounds: 1,
            review_step: None,
            machine: None,
            last_error: (state == IssueState::Failed).then(|| "CI still failing".into()),
            skip_reason: (state == IssueState::Skipped).then(|| "blocked by #3: failed".into()),
            cost_usd: 0.0,
            worker: None,
            worker_mark: None,
            session: None,
            activity: None,
            started_at: None,
            finished_at: None,
            updated_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn rows_of_older_runs_stand_for_machines_with_their_counters() {
        let failed = IssueMachine::of_row(&row(IssueState::Failed)).unwrap();
        assert_eq!(failed.end().and_then(End::reason), Some("CI still failing"));
        assert_eq!(failed.tally.carried.ci_fixes, 2, "the caps carry over");
        let skipped = IssueMachine::of_row(&row(IssueState::Skipped)).unwrap();
        assert!(matches!(
            skipped.stage,
            Stage::Done {
                end: End::Skipped {
                    why: SkipWhy::Blocker,
                    ..
                }
            }
        ));
        // A review step that no longer parses: look for the PR again, counters kept.
        let mut reviewing = row(IssueState::AwaitingApproval);
        reviewing.review_step = Some(serde_json::json!({"step": "from_the_future"}));
        let machine = IssueMachine::of_row(&reviewing).unwrap();
        assert_eq!(machine.stage, Stage::Locate { after: None });
        assert_eq!(machine.tally.ci_fixes, 2);
    }

    #[test]
    fn a_machine_that_does_not_parse_is_an_error_not_a_fresh_start() {
        let mut broken = row(IssueState::Reviewing);
        broken.machine = Some(serde_json::json!({"stage": {"stage": "warp"}}));
        let err = IssueMachine::of_row(&broken).unwrap_err();
        assert!(err.to_string().contains("--reset-attempts"), "{err}");
    }

    #[test]
    fn the_columns_follow_the_machine() {
        let machine = IssueMachine {
            stage: Stage::Implement {
                branch: BranchName("feat/issue-5-x".into()),
            },
            tally: IssueTally {
                attempts: 2,
                ..IssueTally::default()
            },
        };
        let cols = machine.columns();
        assert_eq!(cols.state, IssueState::Running);
        assert_eq!(cols.branch, Some(BranchName("feat/issue-5-x".into())));
        assert_eq!((cols.attempts, cols.pr), (2, None));
        let failed = machine.failed("rejected");
        assert_eq!(failed.columns().last_error.as_deref(), Some("rejected"));
    }
}
