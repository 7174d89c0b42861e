//! The per-PR review cycle: CI, CodeRabbit, triage of comments, and the review state machine.
//!
//! Everything here is pure: no IO, no clock reads. The issue machine
//! (`issue::machine`, stage `Review`) embeds this loop; its effects
//! (`issue::effects::review`) read GitHub, feed what they read into these
//! types, and perform the actions the machine returns:
//!
//! 1. `ReviewState::start(head)` (or `ReviewState::from_json` of the
//!    issue machine's saved review state and `resume_actions()`), then for each
//!    transition: save `state.to_json()`, then perform `actions` in order.
//! 2. Each action ends in one event for [`next`]: `ReadBase` → `BaseRead`,
//!    `UpdateBranch` → `BranchUpdated`, `WatchCi` → `CiDone` (a [`CiWatch`]
//!    loop; a new head seen while polling → `HeadMoved`), `WatchReview` →
//!    `ReviewDone` (a [`ReviewWait`] loop, then [`triage()`] of all reviews and
//!    inline comments; a new head → `HeadMoved`), the `Launch*` workers →
//!    `FixFinished { pushed }` (the new head if it changed), `AskHuman` →
//!    `Answered` (or `HeadMoved`), `Merge` → `MergeDone`.
//!    `RequestReview`, `VoidQuestion`, `NotifyCiFailed` and the terminal
//!    `FinishMerged` / `Fail` / `Skip` end in no event.
//! 3. An event the step does not expect comes back as [`Unexpected`]: log it
//!    and keep the state.

pub mod body;
pub mod ci;
pub mod coderabbit;
pub mod machine;
pub mod summary;
pub mod triage;
pub mod update;

#[cfg(test)]
mod samples;

pub use ci::{CiOutcome, CiTiming, CiVerdict, CiWatch, Endpoint};
pub use coderabbit::{Notice, REVIEW_TRIGGER, ReviewPoll, ReviewWait, Reviewers};
pub use machine::{
    Action, AfterCi, Answer, Event, FixCause, Limits, Outcome, ReviewState, Step, Tally,
    Transition, Unexpected, next,
};
pub use summary::{CiReport, PrContext, Question, ReviewReport, approval_text, ci_failed_text};
pub use triage::{Finding, Triage, TriageInput, triage};
pub use update::{BaseAction, base_action};
