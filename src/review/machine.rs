//! The review loop of one PR as a state machine over checkpointable data.
//! `next(state, event)` returns the new state and the actions the driver must
//! perform; the issue machine holds the state (saved as part of the issue's
//! `machine` column) before its actions run, and on resume performs
//! [`ReviewState::resume_actions`].
//!
//! The loop: bring the base up to date → wait for CI (fix it, at most
//! `max_ci_fixes` attempts) → wait for the automated review → fix real
//! findings (at most `max_review_rounds` rounds, each followed by CI and a
//! fresh review) → ask the human → merge / changes / skip.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ci::CiOutcome;
use super::coderabbit::Notice;
use super::summary::{Capped, CiReport, Question, ReviewReport};
use super::triage::{self, Triage};
use crate::github::{MergeOutcome, UpdateBranchOutcome};
use crate::ids::CommitSha;

/// The caps and switches of the loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// CI fix attempts (rebases for conflicts included) before the issue fails.
    pub max_ci_fixes: u32,
    /// Review-fix rounds before the human decides.
    pub max_review_rounds: u32,
    /// Reads of an `unknown` mergeable state before going on anyway.
    pub max_unknown_polls: u32,
    /// Pause before reading the base again.
    pub base_retry: Duration,
    /// `--skip-ci`: CI is reported as skipped and never awaited.
    pub skip_ci: bool,
    /// Longest `{comments}` text for the review-fix worker.
    pub comments_limit: usize,
    /// Failed GitHub Actions jobs are rerun once on the same commit before
    /// a fix worker is paid for.
    pub rerun_flaky: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_ci_fixes: 2,
            max_review_rounds: 2,
            max_unknown_polls: 5,
            base_retry: Duration::from_secs(5),
            skip_ci: false,
            comments_limit: triage::COMMENTS_LIMIT,
            rerun_flaky: true,
        }
    }
}

impl Limits {
    pub fn from_settings(s: &crate::config::Settings) -> Self {
        Limits {
            max_ci_fixes: s.ci.max_fix_attempts,
            max_review_rounds: s.review.max_rounds,
            skip_ci: s.ci.skip,
            rerun_flaky: s.ci.rerun_flaky,
            base_retry: s.ci.poll_min.get(),
            ..Limits::default()
        }
    }
}

/// Where the loop goes once CI is green.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterCi {
    /// Wait for the automated review of the head (the normal path).
    Review,
    /// Ask the human again (after `changes:`, or a head that moved under a question).
    Ask,
    /// The human approved, but the base must be merged in first (protection
    /// requires up-to-date branches): once CI passes on GitHub's update of
    /// the approved head, merge it without asking again. Anything else that
    /// moves the head, or a failing CI, goes back to asking.
    Merge,
}

impl AfterCi {
    /// What follows once the head changed for any reason but our own update
    /// of an approved head: a human must see it again.
    pub fn after_change(self) -> AfterCi {
        match self {
            AfterCi::Merge => AfterCi::Ask,
            other => other,
        }
    }
}

/// Why a CI fix worker runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "cause")]
pub enum FixCause {
    /// These checks failed (or were still pending at the timeout).
    Ci { failing: Vec<String> },
    /// The PR conflicts with its base: rebase onto it.
    Conflict,
}

/// One step of the loop. Each waits for the events listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    /// Reading the PR's `mergeable_state`. Waits for `BaseRead`.
    UpdateBase {
        head: CommitSha,
        unknown_polls: u32,
        refusals: u32,
        next: AfterCi,
    },
    /// GitHub's update-branch was asked for. Waits for `BranchUpdated`.
    UpdatingBranch {
        head: CommitSha,
        refusals: u32,
        next: AfterCi,
    },
    /// Waiting for CI on `head` since `since`. Waits for `CiDone`, `HeadMoved`.
    WaitCi {
        head: CommitSha,
        since: DateTime<Utc>,
        next: AfterCi,
    },
    /// GitHub Actions was asked to rerun the failed jobs of `runs` on
    /// `head`, which failed `failing`. Waits for `RerunDone`.
    RerunCi {
        head: CommitSha,
        runs: Vec<u64>,
        failing: Vec<String>,
        next: AfterCi,
    },
    /// A CI fix (or rebase) worker is running. Waits for `FixFinished`.
    CiFix {
        attempt: u32,
        fix: FixCause,
        next: AfterCi,
    },
    /// Waiting for the automated review of `head`; `trigger` when
    /// `@coderabbitai review` must be posted for it. Waits for `ReviewDone`, `HeadMoved`.
    WaitReview {
        head: CommitSha,
        since: DateTime<Utc>,
        trigger: bool,
    },
    /// A review-fix worker is running with `comments`. Waits for `FixFinished`.
    ReviewFix {
        round: u32,
        head: CommitSha,
        comments: String,
        count: usize,
    },
    /// The human was asked about `head`. Waits for `Answer`, `HeadMoved`.
    AskHuman { head: CommitSha, question: Question },
    /// A worker is applying the human's `changes:`. Waits for `FixFinished`.
    ChangesFix { head: CommitSha, feedback: String },
    /// Squash-merging at `head`. Waits for `MergeDone`.
    Merge { head: CommitSha },
    /// Finished.
    Done { outcome: Outcome },
}

/// How the loop ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    Merged { sha: CommitSha },
    Skipped,
    Failed { reason: String },
}

/// What the loop has counted so far; it feeds the approval question.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tally {
    /// Failed CI fix attempts since CI last passed.
    pub ci_fixes: u32,
    pub review_rounds: u32,
    pub ci: Option<CiReport>,
    pub review: ReviewReport,
    pub comments: usize,
    pub addressed: usize,
    pub nitpicks: usize,
    pub skipped_style: usize,
    /// Findings already handed to a fix worker (`Finding::key`), never sent twice.
    pub sent: Vec<String>,
    /// Comments from people without write access (`Finding::key`), never
    /// sent to a worker; each counted once for the human.
    pub from_others: Vec<String>,
    /// The head moved since the PR was opened: its review must be asked for.
    pub head_moved: bool,
    pub capped: Option<Capped>,
    pub refusal: Option<String>,
    pub note: Option<String>,
    /// The head whose failed Actions jobs were rerun (once per head).
    pub rerun_of: Option<CommitSha>,
}

/// The checkpointed state: the step and the tally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewState {
    pub step: Step,
    pub tally: Tally,
}

/// A human's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Merge,
    Changes(String),
    Skip,
}

/// What the driver reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The PR was read: its head and `mergeable_state`.
    BaseRead {
        head: CommitSha,
        mergeable_state: Option<String>,
    },
    /// The update-branch call answered.
    BranchUpdated(UpdateBranchOutcome),
    /// The CI wait on `head` ended.
    CiDone { head: CommitSha, outcome: CiOutcome },
    /// The review wait on `head` ended: `found` or not (with CodeRabbit's
    /// notice), and the triage of the comments on the head.
    ReviewDone {
        head: CommitSha,
        found: bool,
        notice: Option<Notice>,
        triage: Triage,
    },
    /// A fix worker finished: the PR's new head if it pushed, `None` if not.
    FixFinished { pushed: Option<CommitSha> },
    /// The human answered the question about `head`.
    Answered { head: CommitSha, answer: Answer },
    /// The PR's head is no longer the one the step is about.
    HeadMoved { head: CommitSha },
    /// The squash-merge answered.
    MergeDone(MergeOutcome),
    /// The merge queue removed the PR without merging it: its checks failed
    /// on top of the base and the PRs ahead of it.
    LeftQueue,
    /// The rerun of failed Actions jobs was `started`, or not, with why.
    RerunDone { started: bool, why: Option<String> },
    /// At merge time the PR is behind a base that must be up to date: it
    /// is updated first, and merged once CI passes on the update.
    MustUpdate,
}

/// What the driver must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// After `delay`, read the PR (`get_pull`); report `BaseRead`.
    ReadBase { head: CommitSha, delay: Duration },
    /// Call update-branch with `expected_head`; report `BranchUpdated`.
    UpdateBranch { expected_head: CommitSha },
    /// Run a `CiWatch` on `head` from `since`; report `CiDone`, or `HeadMoved`.
    WatchCi {
        head: CommitSha,
        since: DateTime<Utc>,
    },
    /// Rerun the failed jobs of these Actions workflow runs on `head`;
    /// report `RerunDone`.
    RerunFailedJobs { head: CommitSha, runs: Vec<u64> },
    /// Launch the CI fix worker; report `FixFinished`.
    LaunchCiFix { attempt: u32, failing: Vec<String> },
    /// Launch a fix worker told to rebase onto the base; report `FixFinished`.
    LaunchRebaseFix { attempt: u32 },
    /// Post `@coderabbitai review` unless `ReviewWait::needs_trigger` says it is done.
    RequestReview {
        head: CommitSha,
        since: DateTime<Utc>,
    },
    /// Run a `ReviewWait` on `head` from `since`, then triage; report `ReviewDone`, or `HeadMoved`.
    WatchReview {
        head: CommitSha,
        since: DateTime<Utc>,
    },
    /// Launch the review-fix worker with `comments` as `{comments}`; report `FixFinished`.
    LaunchReviewFix { round: u32, comments: String },
    /// Ask the human (render with `summary::approval_text`); report `Answered`, or `HeadMoved`.
    AskHuman { head: CommitSha, question: Question },
    /// The question about `head` no longer applies (edit it to say so).
    VoidQuestion { head: CommitSha },
    /// Launch the changes worker with the human's feedback; report `FixFinished`.
    LaunchChangesFix { feedback: String },
    /// Squash-merge at `head`; report `MergeDone`.
    Merge { head: CommitSha },
    /// Tell the human CI failed for good (render with `summary::ci_failed_text`).
    NotifyCiFailed { attempts: u32, failing: Vec<String> },
    /// The PR merged at `sha`: clean up, mark the issue merged.
    FinishMerged { sha: CommitSha },
    /// Mark the issue failed with `reason`.
    Fail { reason: String },
    /// Mark the issue skipped.
    Skip,
}

/// An event that does not apply to the current step (a stale CI result, an
/// answer to an older head, ...). The driver logs it and carries on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("review event {event} does not apply in step {step}")]
pub struct Unexpected {
    pub step: &'static str,
    pub event: String,
}

/// The new state and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub state: ReviewState,
    pub actions: Vec<Action>,
}

#[path = "machine_steps.rs"]
mod steps;

pub use steps::next;

impl ReviewState {
    /// The loop for a PR just opened at `head`. CodeRabbit reviews a PR's
    /// opening head by itself, so no review is requested for it; every later
    /// head gets `@coderabbitai review`. For a PR whose head already moved
    /// since it was opened (picked up from an earlier run), set
    /// `state.tally.head_moved` before saving the first state.
    pub fn start(head: CommitSha) -> Transition {
        let state = ReviewState {
            step: Step::UpdateBase {
                head,
                unknown_polls: 0,
                refusals: 0,
                next: AfterCi::Review,
            },
            tally: Tally::default(),
        };
        let actions = state.resume_actions();
        Transition { state, actions }
    }

    /// What to do to carry on from this state: on entering a step, and after
    /// a restart (the previous attempt may or may not have happened, so each
    /// action is safe to repeat: the driver checks the review trigger with
    /// `ReviewWait::needs_trigger`, the approval channel does not ask twice,
    /// a merge at a SHA answers 405 once merged).
    pub fn resume_actions(&self) -> Vec<Action> {
        match &self.step {
            Step::UpdateBase { head, .. } => vec![Action::ReadBase {
                head: head.clone(),
                delay: Duration::ZERO,
            }],
            Step::UpdatingBranch { head, .. } => vec![Action::UpdateBranch {
                expected_head: head.clone(),
            }],
            Step::WaitCi { head, since, .. } => vec![Action::WatchCi {
                head: head.clone(),
                since: *since,
            }],
            Step::RerunCi { head, runs, .. } => vec![Action::RerunFailedJobs {
                head: head.clone(),
                runs: runs.clone(),
            }],
            Step::CiFix { attempt, fix, .. } => vec![match fix {
                FixCause::Ci { failing } => Action::LaunchCiFix {
                    attempt: *attempt,
                    failing: failing.clone(),
                },
                FixCause::Conflict => Action::LaunchRebaseFix { attempt: *attempt },
            }],
            Step::WaitReview {
                head,
                since,
                trigger,
            } => {
                let watch = Action::WatchReview {
                    head: head.clone(),
                    since: *since,
                };
                let request = Action::RequestReview {
                    head: head.clone(),
                    since: *since,
                };
                if *trigger {
                    vec![request, watch]
                } else {
                    vec![watch]
                }
            }
            Step::ReviewFix {
                round, comments, ..
            } => vec![Action::LaunchReviewFix {
                round: *round,
                comments: comments.clone(),
            }],
            Step::AskHuman { head, question } => vec![Action::AskHuman {
                head: head.clone(),
                question: question.clone(),
            }],
            Step::ChangesFix { feedback, .. } => vec![Action::LaunchChangesFix {
                feedback: feedback.clone(),
            }],
            Step::Merge { head } => vec![Action::Merge { head: head.clone() }],
            Step::Done { outcome } => vec![match outcome {
                Outcome::Merged { sha } => Action::FinishMerged { sha: sha.clone() },
                Outcome::Skipped => Action::Skip,
                Outcome::Failed { reason } => Action::Fail {
                    reason: reason.clone(),
                },
            }],
        }
    }

    /// The state as JSON (kept inside the issue machine's saved state).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("review state serialises")
    }

    /// The state back from the checkpoint.
    pub fn from_json(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value)
    }

    /// Whether the loop has finished.
    pub fn is_done(&self) -> bool {
        matches!(self.step, Step::Done { .. })
    }
}

impl Step {
    /// The step's name, for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Step::UpdateBase { .. } => "update_base",
            Step::UpdatingBranch { .. } => "updating_branch",
            Step::WaitCi { .. } => "wait_ci",
            Step::RerunCi { .. } => "rerun_ci",
            Step::CiFix { .. } => "ci_fix",
            Step::WaitReview { .. } => "wait_review",
            Step::ReviewFix { .. } => "review_fix",
            Step::AskHuman { .. } => "ask_human",
            Step::ChangesFix { .. } => "changes_fix",
            Step::Merge { .. } => "merge",
            Step::Done { .. } => "done",
        }
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "machine_flow_tests.rs"]
mod flow_tests;
