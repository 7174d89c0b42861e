//! Planning: dependency markers, the dependency graph, validation, waves, and
//! the plan's text and JSON forms; the optional external planner; fetching
//! what planning needs from GitHub.
//!
//! Flow: `Target::parse` → `build_plan` (`fetch_input` then `analyze`) →
//! `Plan` (`render` for the terminal, `to_json` for `--json`); optionally
//! `run_planner` + `validate_external` to take an external planner's waves.

mod analyze;
mod build;
mod external;
mod graph;
mod markdown;
mod markers;
mod refs;
mod render;
mod report;
mod target;
mod validate;
mod waves;

pub use analyze::analyze;
pub use build::{PlanError, build_plan, fetch_input};
pub use external::{
    ExternalError, Proposal, Rejection, SuggestedDependency, expand as expand_planner_argv,
    parse_planner_output, run_planner, validate_external,
};
pub use graph::{OutsideIssue, PlanInput, blockers_to_look_up};
pub use markers::{BodyDeps, parse_body};
pub use refs::DepRef;
pub use report::{
    BlockedIssue, ExternalDep, GraphNode, MissingDep, MissingState, Plan, PlanningStatus,
    Validation, Wave, WaveIssue,
};
pub use target::{Target, TargetError};
