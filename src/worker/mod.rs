//! Worker subprocesses: argv templates, process groups, logs, the agent's
//! event stream, timeouts, the stall watchdog and stopping.

pub mod environment;
mod family;
pub(crate) mod group;
mod leftover;
mod process;
pub mod prompt;
mod registry;
mod running;
mod spawner;
mod stop;
pub mod stream;
mod tail;
pub mod template;
mod watchdog;

#[cfg(test)]
mod tests;

pub use environment::WorkerEnv;
pub use family::{MARK_VAR, new_mark};
pub use leftover::{Leftover, ProcessIdentity, stop_leftover};
pub use process::{
    SpawnError, TimeoutKind, WorkerExit, WorkerKind, WorkerOutcome, WorkerSpec, spawn, spawn_in,
};
pub use registry::Registry;
pub use running::{RunningWorker, WorkerUpdate};
pub use stop::{StopLevel, StopSignal};
pub use stream::{Activity, RunResult, ToolUse};
pub use template::{
    ArgvTemplate, Placeholder, TemplateError, Vars, default_changes_fix, default_ci_fix,
    default_resume, default_review_fix, default_worker,
};
