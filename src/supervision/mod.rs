//! The restart policy, in OTP terms, as plain data and pure functions: which
//! exits restart a child, how often, and when the failure escalates instead.
//! The actor shells feed exits in and act on the [`Decision`] they get back.

mod policy;
mod tracker;

pub use policy::{Backoff, ExitReason, Intensity, RestartKind, RestartPolicy, Strategy};
pub use tracker::{Decision, RestartTracker};
