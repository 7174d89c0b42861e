//! Worker subprocesses: argv templates, process groups, logs, timeouts and stopping.

mod envelope;
pub(crate) mod group;
mod leftover;
mod process;
mod registry;
mod spawner;
mod stop;
pub mod template;

#[cfg(test)]
mod tests;

pub use envelope::{Envelope, find_envelope, read_envelope};
pub use leftover::{Leftover, ProcessIdentity, kill_group_if_same};
pub use process::{
    RunningWorker, SpawnError, TimeoutKind, WorkerExit, WorkerKind, WorkerOutcome, WorkerSpec,
    spawn, spawn_in,
};
pub use registry::Registry;
pub use stop::{StopLevel, StopSignal};
pub use template::{
    ArgvTemplate, DEFAULT_CHANGES_FIX, DEFAULT_CI_FIX, DEFAULT_REVIEW_FIX, DEFAULT_WORKER,
    Placeholder, TemplateError, Vars,
};
