//! The per-PR review cycle: CI, CodeRabbit, triage of comments, and the review state machine.
//!
//! Everything here is pure: no IO, no clock reads. The driver
//! (`run::flow::review_stage`) reads GitHub, feeds what it read into these
//! types, and performs the actions the machine returns.

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
