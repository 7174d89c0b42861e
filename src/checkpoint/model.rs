//! The checkpoint's domain types: run and issue states with their allowed
//! transitions, the rows the store returns, and the inputs it takes.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{BranchName, CommitSha, IssueNumber, PrNumber, RepoSlug};

/// Every timestamp in the checkpoint; stored as RFC 3339 text in UTC.
pub type Timestamp = DateTime<Utc>;

/// A run's primary key in the checkpoint.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A stored text that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("read {what}: unknown value {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// Declares a fieldless enum whose variants are stored as fixed strings, with
/// `ALL`, `as_str`, `Display` and `FromStr`, so the SQL CHECK lists and the
/// Rust names are written once each and tests can compare them.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { what: $what, value: s.to_string() }),
                }
            }
        }
    };
}

string_enum!(
    /// Where a whole run stands.
    RunStatus, "run status" {
        /// The orchestrator is (or was, until a crash) driving the run.
        Running => "running",
        /// Stopped on purpose (SIGTERM, Ctrl-C) before the end; resumable.
        Interrupted => "interrupted",
        /// Every issue is final, none failed, at least one merged.
        Completed => "completed",
        /// Finished with something merged and something failed (an issue
        /// skipped by a human or for a failed blocker is final, not failed).
        Partial => "partial",
        /// Finished with nothing merged.
        Failed => "failed",
    }
);

impl RunStatus {
    /// Completed, partial and failed runs have a `finished_at`; the others can
    /// still be resumed.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Partial | RunStatus::Failed
        )
    }

    /// The status a run ends with, given its issues' states: `completed` when
    /// [`completion_problem`] has nothing to say, `partial` when something
    /// merged, `failed` otherwise.
    pub fn final_for(states: &[IssueState]) -> RunStatus {
        if completion_problem(states).is_none() {
            RunStatus::Completed
        } else if states.contains(&IssueState::Merged) {
            RunStatus::Partial
        } else {
            RunStatus::Failed
        }
    }
}

/// Why a run with these issue states may not be called `completed`, if it may
/// not. The rule: every issue is final, none failed, and at least one merged
/// (the original marked runs where everything failed as completed).
pub fn completion_problem(states: &[IssueState]) -> Option<String> {
    if let Some(open) = states.iter().find(|s| !s.is_final()) {
        return Some(format!("an issue is still {open}"));
    }
    if states.contains(&IssueState::Failed) {
        return Some("an issue failed".to_string());
    }
    if !states.contains(&IssueState::Merged) {
        return Some("nothing was merged".to_string());
    }
    None
}

string_enum!(
    /// Where one issue of a run stands (the `run_issues.state` column).
    IssueState, "issue state" {
        /// Waiting for its wave or its blockers.
        Pending => "pending",
        /// A worker is (or was) working on it.
        Running => "running",
        /// A PR exists; CI and review have not started.
        PrOpen => "pr_open",
        /// In the review loop: CI, CodeRabbit, fixes.
        Reviewing => "reviewing",
        /// A human has been asked whether to merge.
        AwaitingApproval => "awaiting_approval",
        /// Squash-merged (final).
        Merged => "merged",
        /// Deliberately not done: by a human, or because a blocker failed (final).
        Skipped => "skipped",
        /// Gave up (final, but a resume may reopen it).
        Failed => "failed",
    }
);

impl IssueState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            IssueState::Merged | IssueState::Skipped | IssueState::Failed
        )
    }

    /// Whether an ordinary transition from `self` to `next` is allowed.
    pub fn can_move_to(self, next: IssueState) -> bool {
        use IssueState::*;
        if self.is_final() {
            return false;
        }
        match (self, next) {
            (_, Failed | Skipped) => true,
            // A pre-existing PR, or one found already merged on resume.
            (Pending, Running | PrOpen | Merged) => true,
            // `Running -> Running` is a retry with a fresh worker.
            (Running, Running | PrOpen) => true,
            (PrOpen, Reviewing) => true,
            (Reviewing, AwaitingApproval) => true,
            // The human asked for changes: back into the review loop.
            (AwaitingApproval, Merged | Reviewing) => true,
            // Merged on GitHub by someone else while we waited, or with no
            // approval step (an approver that always says merge).
            (PrOpen | Reviewing, Merged) => true,
            _ => false,
        }
    }

    /// Whether a resume may reopen an issue from `self` to `to`: only a failed
    /// issue, one a crash left running, or a skipped one (the run layer
    /// reopens only issues skipped because a blocker failed, never a human's
    /// skip), and only to a state that resumes
    /// work (`pending`: run again, `pr_open`: its PR exists) or records that
    /// its PR was found merged.
    pub fn can_reopen_to(self, to: IssueState) -> bool {
        use IssueState::*;
        matches!(self, Failed | Running | Skipped) && matches!(to, Pending | PrOpen | Merged)
    }
}

string_enum!(
    /// What an approval question asks.
    QuestionKind, "question kind" {
        /// Merge this PR at this head?
        Merge => "merge",
        /// Go ahead with this plan?
        Plan => "plan",
        /// The budget is spent: continue?
        Budget => "budget",
    }
);

string_enum!(
    /// Whether a question still waits for its answer.
    QuestionStatus, "question status" {
        Open => "open",
        Answered => "answered",
        /// No longer relevant (the head moved, the run ended); never answered.
        Void => "void",
    }
);

/// A worker process as recorded, so a restart can tell whether the pid still
/// names the same process (pids are reused; the start time is not): the
/// worker module's own identity, stored as it is.
pub type WorkerRef = crate::worker::ProcessIdentity;

#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub id: RunId,
    pub repo: RepoSlug,
    /// The canonical target string, e.g. `milestone:OB3 Phase 1` or `issues:153,154`.
    pub target_key: String,
    /// How the target is shown to people.
    pub target_label: String,
    pub options: serde_json::Value,
    pub plan: serde_json::Value,
    pub status: RunStatus,
    pub cost_usd_total: f64,
    pub budget_usd: Option<f64>,
    pub started_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IssueRow {
    pub run_id: RunId,
    pub issue: IssueNumber,
    pub title: String,
    pub wave: u32,
    pub state: IssueState,
    pub branch: Option<BranchName>,
    pub pr: Option<PrNumber>,
    pub head_sha: Option<CommitSha>,
    pub worktree: Option<PathBuf>,
    /// Worker launches so far.
    pub attempts: u32,
    pub ci_fix_attempts: u32,
    pub review_rounds: u32,
    /// The review loop's checkpointed step, as runs before the issue
    /// machine kept it; opaque to the store.
    pub review_step: Option<serde_json::Value>,
    /// The issue machine's state; opaque to the store (`None` in rows
    /// written before it existed).
    pub machine: Option<serde_json::Value>,
    pub last_error: Option<String>,
    pub skip_reason: Option<String>,
    pub cost_usd: f64,
    pub worker: Option<WorkerRef>,
    /// The environment entry every process of that worker carries
    /// (`AUTO_MILESTONE_WORKER=...`).
    pub worker_mark: Option<String>,
    /// The agent session of the issue's last interrupted worker, which the
    /// next worker of the same kind continues.
    pub session: Option<SessionRef>,
    /// What the running worker is doing, as the worker module reports it;
    /// opaque to the store, cleared when the worker ends.
    pub activity: Option<serde_json::Value>,
    /// When it first went `running` (or straight to a later state).
    pub started_at: Option<Timestamp>,
    /// When it reached a final state.
    pub finished_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// The columns a saved issue machine projects onto its row, written in
/// the same transaction as the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineColumns {
    pub state: IssueState,
    pub branch: Option<BranchName>,
    pub pr: Option<PrNumber>,
    pub head_sha: Option<CommitSha>,
    pub attempts: u32,
    pub ci_fix_attempts: u32,
    pub review_rounds: u32,
    pub last_error: Option<String>,
    pub skip_reason: Option<String>,
}

/// An agent session a worker started: its id and the kind of worker
/// (`implement`, `ci-fix`, ...) it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRef {
    pub id: String,
    pub kind: String,
}

/// One line of a run's append-only log. `from_state` and `to_state` hold issue
/// states on issue events and run statuses on run events (`issue` is `None`).
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub id: i64,
    pub run_id: RunId,
    pub issue: Option<IssueNumber>,
    pub at: Timestamp,
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// JSON for the events the store writes; whatever the caller gave otherwise.
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuestionRow {
    /// The token a reply must carry to answer this question.
    pub id: String,
    pub run_id: RunId,
    /// `None` for plan and budget questions.
    pub issue: Option<IssueNumber>,
    pub pr: Option<PrNumber>,
    /// The head the human is asked about; an answer applies to it only.
    pub head_sha: Option<CommitSha>,
    pub kind: QuestionKind,
    /// `telegram` or `terminal`.
    pub channel: String,
    /// The chat message carrying the question, once sent.
    pub chat_message_id: Option<i64>,
    pub text: String,
    pub status: QuestionStatus,
    pub answer: Option<String>,
    /// Who answered, as the channel names them (e.g. a Telegram user id).
    pub answered_by: Option<String>,
    pub asked_at: Timestamp,
    pub answered_at: Option<Timestamp>,
    pub reminded_at: Option<Timestamp>,
}

/// A worktree this run created; cleanup removes these and nothing else.
#[derive(Clone, Debug, PartialEq)]
pub struct WorktreeRow {
    pub id: i64,
    pub run_id: RunId,
    pub path: PathBuf,
    pub branch: BranchName,
    pub issue: IssueNumber,
    pub created_at: Timestamp,
    pub removed_at: Option<Timestamp>,
}

/// An issue to plan into a new run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewIssue {
    pub number: IssueNumber,
    pub title: String,
    pub wave: u32,
}

/// Everything a run starts with.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRun {
    pub repo: RepoSlug,
    pub target_key: String,
    pub target_label: String,
    pub options: serde_json::Value,
    pub plan: serde_json::Value,
    pub budget_usd: Option<f64>,
    pub issues: Vec<NewIssue>,
}

/// A question about to be asked; the store stamps `asked_at` and `open`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQuestion {
    pub id: String,
    pub run_id: RunId,
    pub issue: Option<IssueNumber>,
    pub pr: Option<PrNumber>,
    pub head_sha: Option<CommitSha>,
    pub kind: QuestionKind,
    pub channel: String,
    pub text: String,
}

/// Spend after recording a cost.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct CostTotals {
    pub issue_usd: f64,
    pub run_usd: f64,
}

/// The `kind` of the events the store itself writes.
pub mod event_kind {
    pub const RUN_CREATED: &str = "run_created";
    pub const RUN_STATUS: &str = "run_status";
    pub const BUDGET: &str = "budget";
    pub const PLAN_REPLACED: &str = "plan_replaced";
    /// The human approved the plan at the planning gate (a resume asks again without it).
    pub const PLAN_APPROVED: &str = "plan_approved";
    pub const TRANSITION: &str = "transition";
    pub const REOPENED: &str = "reopened";
    pub const UPDATED: &str = "updated";
    pub const WORKER_INTENT: &str = "worker_intent";
    pub const WORKER_STARTED: &str = "worker_started";
    pub const WORKER_CLEARED: &str = "worker_cleared";
    pub const COST: &str = "cost";
    pub const SESSION: &str = "session";
    pub const MACHINE: &str = "machine";
    pub const QUESTION_ASKED: &str = "question_asked";
    pub const QUESTION_SENT: &str = "question_sent";
    pub const QUESTION_ANSWERED: &str = "question_answered";
    pub const QUESTION_VOIDED: &str = "question_voided";
    pub const QUESTION_REMINDED: &str = "question_reminded";
    pub const WORKTREE_CREATED: &str = "worktree_created";
    pub const WORKTREE_REMOVED: &str = "worktree_removed";
}

#[cfg(test)]
mod tests {
    use super::IssueState::*;
    use super::*;

    const ALLOWED: &[(IssueState, IssueState)] = &[
        (Pending, Running),
        (Pending, PrOpen),
        (Pending, Merged),
        (Running, Running),
        (Running, PrOpen),
        (PrOpen, Reviewing),
        (PrOpen, Merged),
        (Reviewing, AwaitingApproval),
        (Reviewing, Merged),
        (AwaitingApproval, Reviewing),
        (AwaitingApproval, Merged),
    ];

    fn allowed(from: IssueState, to: IssueState) -> bool {
        ALLOWED.contains(&(from, to)) || (!from.is_final() && matches!(to, Failed | Skipped))
    }

    #[test]
    fn transitions_match_the_lifecycle_table_exactly() {
        for &from in IssueState::ALL {
            for &to in IssueState::ALL {
                assert_eq!(from.can_move_to(to), allowed(from, to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn final_states_are_merged_skipped_failed() {
        let finals: Vec<_> = IssueState::ALL
            .iter()
            .filter(|s| s.is_final())
            .copied()
            .collect();
        assert_eq!(finals, vec![Merged, Skipped, Failed]);
        for &s in &finals {
            assert!(
                IssueState::ALL.iter().all(|&to| !s.can_move_to(to)),
                "{s} moved"
            );
        }
    }

    #[test]
    fn only_failed_running_and_skipped_reopen() {
        for &from in IssueState::ALL {
            for &to in IssueState::ALL {
                let expected = matches!(from, Failed | Running | Skipped)
                    && matches!(to, Pending | PrOpen | Merged);
                assert_eq!(from.can_reopen_to(to), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn states_round_trip_through_text() {
        for &s in IssueState::ALL {
            assert_eq!(s.as_str().parse::<IssueState>(), Ok(s));
        }
        for &s in RunStatus::ALL {
            assert_eq!(s.to_string().parse::<RunStatus>(), Ok(s));
        }
        let err = "done".parse::<IssueState>().unwrap_err();
        assert_eq!(err.to_string(), "read issue state: unknown value \"done\"");
    }

    #[test]
    fn serde_names_match_stored_names() {
        for &s in IssueState::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn completed_needs_all_final_none_failed_something_merged() {
        assert_eq!(completion_problem(&[Merged, Skipped]), None);
        assert_eq!(
            completion_problem(&[Merged, Reviewing]).unwrap(),
            "an issue is still reviewing"
        );
        assert_eq!(
            completion_problem(&[Merged, Failed]).unwrap(),
            "an issue failed"
        );
        assert_eq!(
            completion_problem(&[Skipped, Skipped]).unwrap(),
            "nothing was merged"
        );
        assert_eq!(completion_problem(&[]).unwrap(), "nothing was merged");
    }

    #[test]
    fn final_status_follows_the_issues() {
        assert_eq!(
            RunStatus::final_for(&[Merged, Merged]),
            RunStatus::Completed
        );
        assert_eq!(RunStatus::final_for(&[Merged, Failed]), RunStatus::Partial);
        assert_eq!(RunStatus::final_for(&[Failed, Skipped]), RunStatus::Failed);
        assert_eq!(RunStatus::final_for(&[]), RunStatus::Failed);
    }
}
