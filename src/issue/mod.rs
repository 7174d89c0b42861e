//! One issue's life: the pure machine (`machine`, transitions in `steps`)
//! that decides every step from the checkpoint, and the effects the issue
//! actor performs for it.

pub mod effects;
pub mod link;
pub mod machine;
mod project;
mod steps;
pub mod stored;

#[cfg(test)]
mod machine_tests;

pub use machine::{
    Action, Cx, End, Event, Found, Hold, IssueMachine, IssueTally, ParkWhy, Rejected, ReviewCaps,
    SkipWhy, Stage, Transition, WorkerReport, next,
};
pub use project::{BLOCKER_SKIP_PREFIX, Unreadable};
