//! Starting, resuming and finishing a run: the glue between the command line and the actor tree.

pub mod exit;
pub mod finish;
mod fresh;
pub mod gate;
pub mod launch;
pub mod merge_rules;
pub mod panic;
pub mod resume;
pub mod signals;
pub mod start;

pub use start::{RunRequest, start};
