//! Planning: dependency markers, the dependency graph, validation, waves, and the plan's text and JSON forms.

mod analyze;
mod build;
pub mod external;
mod graph;
mod markdown;
pub mod markers;
pub mod refs;
mod render;
mod report;
pub mod target;
mod validate;
mod waves;

pub use analyze::analyze;
pub use build::{PlanError, build_plan, fetch_input};
pub use external::{
    ExternalError, Proposal, Rejection, SuggestedDependency, parse_planner_output, run_planner,
    validate_external,
};
pub use graph::{OutsideIssue, PlanInput, blockers_to_look_up};
pub use markers::{BodyDeps, parse_body};
pub use refs::DepRef;
pub use report::{
    BlockedIssue, ExternalDep, GraphNode, MissingDep, MissingState, Plan, PlanningStatus,
    Validation, Wave, WaveIssue,
};
pub use target::{Target, TargetError};
