//! Planning: dependency markers, the dependency graph, validation, waves, and the plan's text and JSON forms.

mod markdown;
pub mod markers;
pub mod refs;
pub mod target;

pub use markers::{BodyDeps, parse_body};
pub use refs::DepRef;
pub use target::{Target, TargetError};
