//! Starting, resuming and finishing a run: the glue between the command line and the actor tree.

pub mod budget;
pub mod context;
pub mod finish;
pub mod flow;
mod fresh;
pub mod gate;
pub mod launch;
pub mod outcome;
pub mod panic;
pub mod paths;
pub mod resume;
pub mod signals;
pub mod start;

pub use start::{RunRequest, start};
