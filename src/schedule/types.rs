//! The scheduler's vocabulary: what goes in (planned issues, the mode), the
//! status of each issue, progress counts, and the errors callers branch on.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::IssueNumber;

/// One issue of the plan, as the scheduler needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedIssue {
    pub number: IssueNumber,
    /// 1-based wave from the plan; every blocker sits in this wave or an earlier one.
    pub wave: u32,
    /// Blockers inside this run that were still open when the run was planned.
    pub blockers: Vec<IssueNumber>,
}

/// How strictly waves gate each other; also the `schedule` setting
/// (`config::Schedule`), written `blockers` or `waves`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleMode {
    /// An issue waits only for its own blockers to merge.
    #[default]
    Blockers,
    /// The spec's strict order: additionally, every issue of every earlier
    /// wave must be final (merged, skipped or failed) first.
    Waves,
}

/// Where one issue stands in this run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IssueStatus {
    /// Not started yet.
    Waiting,
    /// Started: worker, PR, review, approval, anything short of final.
    Active,
    /// Squash-merged; dependents may build on it.
    Merged,
    /// Will not be done in this run; `reason` names who or what decided.
    Skipped { reason: String },
    /// Tried and failed; `reason` says why.
    Failed { reason: String },
}

impl IssueStatus {
    /// Merged, skipped and failed are final: nothing in this run changes them.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            IssueStatus::Merged | IssueStatus::Skipped { .. } | IssueStatus::Failed { .. }
        )
    }

    /// The status without its reason, for messages and counts.
    pub fn label(&self) -> &'static str {
        match self {
            IssueStatus::Waiting => "waiting",
            IssueStatus::Active => "active",
            IssueStatus::Merged => "merged",
            IssueStatus::Skipped { .. } => "skipped",
            IssueStatus::Failed { .. } => "failed",
        }
    }
}

impl fmt::Display for IssueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssueStatus::Skipped { reason } | IssueStatus::Failed { reason } => {
                write!(f, "{}: {reason}", self.label())
            }
            _ => f.write_str(self.label()),
        }
    }
}

/// How many issues of the run are in each status, for progress lines.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub waiting: usize,
    pub active: usize,
    pub merged: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.waiting + self.active + self.merged + self.skipped + self.failed
    }
}

/// Why a set of planned issues cannot be scheduled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("issue {0} is planned twice")]
    DuplicateIssue(IssueNumber),
    #[error("issue {issue} is blocked by {blocker}, which is not part of this run")]
    UnknownBlocker {
        issue: IssueNumber,
        blocker: IssueNumber,
    },
    #[error("issue {0} is listed as its own blocker")]
    BlocksItself(IssueNumber),
    #[error(
        "issue {issue} in wave {wave} is blocked by {blocker} in later wave {blocker_wave}; re-plan the milestone"
    )]
    BlockerInLaterWave {
        issue: IssueNumber,
        wave: u32,
        blocker: IssueNumber,
        blocker_wave: u32,
    },
}

/// Why a status change was refused. Each is a bug in the caller or a stale
/// message: the scheduler never overwrites a status it should not.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("issue {0} is not part of this run")]
    UnknownIssue(IssueNumber),
    #[error("issue {issue} is already {status}")]
    AlreadyFinal {
        issue: IssueNumber,
        status: &'static str,
    },
    #[error("issue {0} is already active")]
    AlreadyActive(IssueNumber),
    #[error("issue {0} is not ready to start")]
    NotReady(IssueNumber),
    #[error("issue {issue} is {status}, not active")]
    NotActive {
        issue: IssueNumber,
        status: &'static str,
    },
    #[error("the state of issue {issue} is already known ({status})")]
    AlreadyKnown {
        issue: IssueNumber,
        status: &'static str,
    },
}

/// Why `--wave W` cannot run now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OnlyWaveError {
    #[error("wave {wave} is not in the plan, which has waves {}", list(.known))]
    UnknownWave { wave: u32, known: Vec<u32> },
    #[error(
        "wave {wave} needs issues that are not merged yet: {}; run their waves first, or run without --wave",
        list(.blockers)
    )]
    UnmergedBlockers {
        wave: u32,
        blockers: Vec<IssueNumber>,
    },
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
