//! Which issue may start when: readiness from in-run blockers (and, in strict
//! mode, whole earlier waves), `--wave` gating, skips that propagate to
//! dependents, stuck detection, and which ready issue goes first. Pure: no IO, no clock; worker slots
//! (`--parallel`) belong to the actor layer.

pub mod priority;
mod scheduler;
mod transitions;
mod types;

#[cfg(test)]
mod random_tests;
#[cfg(test)]
mod tests;

pub use scheduler::Scheduler;
pub use types::{
    Counts, IssueStatus, OnlyWaveError, PlanError, PlannedIssue, ScheduleMode, TransitionError,
};
