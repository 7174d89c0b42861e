//! One issue's whole life as a pure state machine over checkpointable data:
//! `next(machine, event) -> (machine, actions)`.
//!
//! Stages, in order (each waits for the events listed):
//!
//! | stage | what happens | events it takes |
//! | --- | --- | --- |
//! | `Pending` | waits for its blockers (the supervisor starts it) | `Entered`, `BlockerEnded`, `Resumed` |
//! | `Locate` | looks at GitHub and origin for work already done | `Located` |
//! | `Implement` | a worker implements the issue | `WorkerExited`, `Held`, `Blocked` |
//! | `OpenPr` | opens the PR for a branch the worker pushed | `PrOpened`, `Blocked` |
//! | `Review` | CI, fixes, base updates, the automated review, the human, the merge (`review::machine`) | the review events, `Answered`, `PrMerged`, `PrClosed`, `PrRetargeted`, `Unanswerable`; a fix worker's `Held`, `Blocked` |
//! | `Tidy` | deletes the merged branch and the worktree | `Tidied` |
//! | `Done` | final: merged, skipped or failed | `Resumed` |
//!
//! Every stage also takes `Entered` (an actor starts: a fresh run, `--resume`
//! or a restart after a crash enter the same way, from the checkpoint) and
//! `Resumed` (applied to every issue when a run is resumed, before anything
//! is scheduled). A pair not handled is rejected with a reason: the actor
//! logs both names and fails the issue; it never resets or loops.
//!
//! The actor saves the new machine (and the row columns it projects) before
//! it performs the actions, one at a time; each action ends in at most one
//! event. Actions that change something on GitHub read first and confirm by
//! reading (see `issue::effects`), so performing an action again after a
//! crash never does its effect twice.

use serde::{Deserialize, Serialize};

use crate::checkpoint::IssueState;
use crate::ids::{BranchName, CommitSha, PrNumber};
use crate::review::{self, Answer, ReviewState};
use crate::worker::WorkerKind;

/// The checkpointed state of one issue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssueMachine {
    pub stage: Stage,
    pub tally: IssueTally,
}

/// Where the issue is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "stage")]
pub enum Stage {
    Pending,
    /// Looking for existing work; `after` says a worker just ended.
    Locate {
        after: Option<WorkerReport>,
    },
    Implement {
        branch: BranchName,
    },
    OpenPr {
        branch: BranchName,
    },
    Review {
        pr: PrNumber,
        branch: BranchName,
        review: Box<ReviewState>,
    },
    /// Merged at `sha`; `by` is the person who merged it on GitHub, `None` when we did.
    Tidy {
        pr: PrNumber,
        branch: BranchName,
        sha: Option<CommitSha>,
        by: Option<String>,
    },
    Done {
        end: End,
    },
}

/// How an issue ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "end")]
pub enum End {
    Merged { pr: PrNumber, by: Option<String> },
    Skipped { why: SkipWhy, reason: String },
    Failed { reason: String },
}

/// Who or what skipped an issue, which decides whether a resume looks again.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipWhy {
    /// A human answered `skip`: never reopened.
    Human,
    /// A blocker failed or was skipped: reopened when the run resumes.
    Blocker,
    /// Its PR was closed on GitHub by a person: looked at again on resume
    /// (they may have reopened it), never replaced by a new PR.
    PrClosed,
    /// The issue itself was closed on GitHub.
    IssueClosed,
}

/// What a worker's run came to, for the failure reason when it left nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerReport {
    /// `exited with code 0`, `stalled: ...` (the worker module's wording).
    pub exit: String,
    pub succeeded: bool,
    pub log: String,
}

/// Counters and facts that outlive stages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IssueTally {
    /// Implementing workers started from scratch (a continued session is
    /// the same attempt).
    pub attempts: u32,
    /// CI fix workers over the issue's life (the review's own count resets when CI passes).
    pub ci_fixes: u32,
    pub review_rounds: u32,
    /// What the last review loop used of its caps, carried into the next
    /// one (after a resume) unless the user resets them.
    pub carried: ReviewCaps,
    /// The last human to answer about the PR.
    pub answered_by: Option<String>,
}

/// The review loop's capped counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewCaps {
    /// Failed CI fix attempts since CI last passed.
    pub ci_fixes: u32,
    pub review_rounds: u32,
}

/// What looking at GitHub and origin found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// An open PR for the issue (`linked`: it says `Closes #N`).
    Open {
        pr: PrNumber,
        branch: BranchName,
        head: CommitSha,
        linked: bool,
    },
    /// A pushed branch with commits and no PR.
    Branch {
        branch: BranchName,
    },
    Merged {
        pr: PrNumber,
        branch: BranchName,
        by: Option<String>,
    },
    /// Its PR was closed without merging, by `by`.
    Closed {
        pr: PrNumber,
        by: Option<String>,
    },
    IssueClosed,
    /// Nothing yet: a worker is to run on `branch`; `continues` when it
    /// continues an interrupted session (the same attempt).
    Nothing {
        branch: BranchName,
        continues: bool,
    },
}

/// Why a worker could not start, and the issue waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hold {
    /// The budget cap is spent and a human said stop.
    BudgetSpent,
    /// The budget cap is spent and nobody can be asked.
    BudgetUnanswered { why: String },
}

/// What happened, as the actor reports it.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// An actor took the issue up (fresh, after `--resume`, or restarted).
    Entered,
    /// The run is being resumed (`reset_counters`: `--reset-attempts`).
    Resumed {
        reset_counters: bool,
    },
    /// A blocker of a pending issue failed or was skipped.
    BlockerEnded {
        reason: String,
    },
    Located(Found),
    WorkerExited(WorkerReport),
    /// No worker may start now.
    Held(Hold),
    /// A step cannot be taken, for a reason the human must fix (a dirty
    /// checkout, a PR GitHub will not open).
    Blocked {
        reason: String,
    },
    PrOpened {
        pr: PrNumber,
        head: CommitSha,
    },
    /// A review-loop event (`review::Event`).
    Review(review::Event),
    /// The human answered the question about `head`.
    Answered {
        head: CommitSha,
        answer: Answer,
        by: String,
    },
    /// A question could not be asked (no Telegram, no terminal).
    Unanswerable {
        why: String,
    },
    /// The PR is merged on GitHub (by `by`, when a person did it).
    PrMerged {
        sha: Option<CommitSha>,
        by: Option<String>,
    },
    /// The PR was closed on GitHub without merging.
    PrClosed {
        by: Option<String>,
    },
    /// The PR now targets another branch than the run's base.
    PrRetargeted {
        base: BranchName,
    },
    Tidied,
}

/// What the actor must do, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Look at GitHub and origin; report `Located`.
    Locate,
    /// Run a worker of `kind` on `branch` (take a slot, pass the budget,
    /// prepare the working directory); report `WorkerExited`, `Held` or `Blocked`.
    RunWorker {
        kind: WorkerKind,
        branch: BranchName,
    },
    /// Open the PR for `branch` (reading first whether one exists); report `PrOpened` or `Blocked`.
    OpenPr { branch: BranchName },
    /// A review-loop action on `pr`.
    Review {
        pr: PrNumber,
        action: review::Action,
    },
    /// Withdraw the open merge question (the PR changed on GitHub).
    WithdrawQuestion { why: String },
    /// Delete the merged branch, remove the worktree; report `Tidied`.
    Tidy { pr: PrNumber, branch: BranchName },
    /// Tell the human watching (no event).
    Note { text: String },
    /// The issue waits here; the actor ends with this reason (no event).
    Park { why: ParkWhy },
}

/// Why an issue waits with its actor gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParkWhy {
    BudgetSpent,
    AwaitingHuman { question: String },
}

/// A (stage, event) pair the machine does not handle.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event {event} in stage {stage}: {reason}")]
pub struct Rejected {
    pub stage: &'static str,
    pub event: &'static str,
    pub reason: String,
}

/// The new machine and what to do.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub machine: IssueMachine,
    pub actions: Vec<Action>,
}

impl IssueMachine {
    /// A new issue, waiting for its blockers.
    pub fn new() -> Self {
        IssueMachine {
            stage: Stage::Pending,
            tally: IssueTally::default(),
        }
    }

    /// The row's `state` column, as `status`, the summary and the scheduler read it.
    pub fn state(&self) -> IssueState {
        match &self.stage {
            Stage::Pending | Stage::Locate { after: None } => IssueState::Pending,
            Stage::Locate { after: Some(_) } | Stage::Implement { .. } | Stage::OpenPr { .. } => {
                IssueState::Running
            }
            Stage::Review { review, .. } => match review.step {
                review::Step::AskHuman { .. } => IssueState::AwaitingApproval,
                _ => IssueState::Reviewing,
            },
            Stage::Tidy { .. } => IssueState::Merged,
            Stage::Done { end } => match end {
                End::Merged { .. } => IssueState::Merged,
                End::Skipped { .. } => IssueState::Skipped,
                End::Failed { .. } => IssueState::Failed,
            },
        }
    }

    /// The PR, once there is one.
    pub fn pr(&self) -> Option<PrNumber> {
        match &self.stage {
            Stage::Review { pr, .. } | Stage::Tidy { pr, .. } => Some(*pr),
            Stage::Done {
                end: End::Merged { pr, .. },
            } => Some(*pr),
            _ => None,
        }
    }

    /// The end, once final.
    pub fn end(&self) -> Option<&End> {
        match &self.stage {
            Stage::Done { end } => Some(end),
            _ => None,
        }
    }

    /// What to do to carry on from here (entering a stage, or after a restart).
    pub fn resume_actions(&self) -> Vec<Action> {
        match &self.stage {
            Stage::Pending | Stage::Done { .. } => Vec::new(),
            Stage::Locate { .. } => vec![Action::Locate],
            Stage::Implement { branch } => vec![Action::RunWorker {
                kind: WorkerKind::Implement,
                branch: branch.clone(),
            }],
            Stage::OpenPr { branch } => vec![Action::OpenPr {
                branch: branch.clone(),
            }],
            Stage::Review { pr, review, .. } => review
                .resume_actions()
                .into_iter()
                .map(|action| Action::Review { pr: *pr, action })
                .collect(),
            Stage::Tidy { pr, branch, .. } => vec![Action::Tidy {
                pr: *pr,
                branch: branch.clone(),
            }],
        }
    }

    /// The machine as the checkpoint stores it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("the issue machine serialises")
    }

    pub fn from_json(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value)
    }
}

impl Default for IssueMachine {
    fn default() -> Self {
        Self::new()
    }
}

impl Stage {
    /// The stage's name, for logs and rejections.
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Pending => "pending",
            Stage::Locate { .. } => "locate",
            Stage::Implement { .. } => "implement",
            Stage::OpenPr { .. } => "open_pr",
            Stage::Review { .. } => "review",
            Stage::Tidy { .. } => "tidy",
            Stage::Done { .. } => "done",
        }
    }
}

impl Event {
    /// The event's name, for logs and rejections.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Entered => "entered",
            Event::Resumed { .. } => "resumed",
            Event::BlockerEnded { .. } => "blocker_ended",
            Event::Located(_) => "located",
            Event::WorkerExited(_) => "worker_exited",
            Event::Held(_) => "held",
            Event::Blocked { .. } => "blocked",
            Event::PrOpened { .. } => "pr_opened",
            Event::Review(e) => e.name(),
            Event::Answered { .. } => "answered",
            Event::Unanswerable { .. } => "unanswerable",
            Event::PrMerged { .. } => "pr_merged",
            Event::PrClosed { .. } => "pr_closed",
            Event::PrRetargeted { .. } => "pr_retargeted",
            Event::Tidied => "tidied",
        }
    }
}

impl End {
    /// The reason, for a skip or a failure.
    pub fn reason(&self) -> Option<&str> {
        match self {
            End::Merged { .. } => None,
            End::Skipped { reason, .. } | End::Failed { reason } => Some(reason),
        }
    }
}

pub use super::steps::{Cx, next};
