//! The local side of an issue's effects, as two seams: where workers run
//! (`Workspace`: origin's branches, the checkout and worktrees) and how they
//! run (`Launcher`: a subprocess). The real ones use git and the worker
//! module; a test plugs in its own and runs the actor tree with neither.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::{Crash, IssueStore};
use crate::ids::{BranchName, IssueNumber};
use crate::worker::{
    ProcessIdentity, SpawnError, StopSignal, WorkerOutcome, WorkerSpec, WorkerUpdate,
};

/// Where an issue's workers run, and origin's branches.
#[async_trait]
pub trait Workspace: Send + Sync {
    /// Origin's branches named for `issue` (`<kind>/issue-<N>[-...]`).
    async fn issue_branches(&self, issue: IssueNumber) -> Result<Vec<BranchName>, Crash>;

    /// The first of `branches` with commits the base does not have.
    async fn with_commits(&self, branches: Vec<BranchName>) -> Result<Option<BranchName>, Crash>;

    /// The implementing worker's directory for `issue` on `branch`, from an
    /// up-to-date base; `Ok(Err(reason))` when it cannot be had (uncommitted
    /// work in the shared checkout). A new worktree is recorded in `store`
    /// before it is made: cleanup removes the worktrees a run recorded.
    async fn issue_dir(
        &self,
        issue: IssueNumber,
        branch: &BranchName,
        store: &dyn IssueStore,
    ) -> Result<Result<PathBuf, String>, Crash>;

    /// A fix worker's directory on PR branch `branch` at its pushed head.
    async fn pr_dir(
        &self,
        issue: IssueNumber,
        branch: &BranchName,
        store: &dyn IssueStore,
    ) -> Result<Result<PathBuf, String>, Crash>;

    /// After `issue` merged: remove its worktree unless it holds work, or
    /// bring the shared checkout to the updated base. Answers what to tell
    /// the human, and the worktree removed, if one was.
    async fn tidy(&self, issue: IssueNumber) -> Result<Tidied, Crash>;

    /// Whether the shared checkout is used (sequential mode): moving it
    /// needs a slot.
    fn shares_checkout(&self) -> bool;
}

/// What tidying did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tidied {
    pub removed: Option<PathBuf>,
    pub notes: Vec<String>,
}

/// A future a worker's wait returns.
pub type Waiting = Pin<Box<dyn Future<Output = WorkerOutcome> + Send + 'static>>;

/// A worker that runs.
pub trait Running: Send {
    /// Pid and start time, to recognise it after a crash.
    fn identity(&self) -> ProcessIdentity;
    /// Waits for its end, reporting what it does to `updates`.
    fn wait(
        self: Box<Self>,
        stop: StopSignal,
        updates: Option<UnboundedSender<WorkerUpdate>>,
    ) -> Waiting;
}

/// Starts workers.
pub trait Launcher: Send + Sync {
    fn spawn(&self, spec: WorkerSpec) -> Result<Box<dyn Running>, SpawnError>;
}

/// The worker module's subprocesses.
pub struct Subprocesses;

impl Launcher for Subprocesses {
    fn spawn(&self, spec: WorkerSpec) -> Result<Box<dyn Running>, SpawnError> {
        Ok(Box::new(crate::worker::spawn(spec)?))
    }
}

impl Running for crate::worker::RunningWorker {
    fn identity(&self) -> ProcessIdentity {
        crate::worker::RunningWorker::identity(self)
    }

    fn wait(
        self: Box<Self>,
        stop: StopSignal,
        updates: Option<UnboundedSender<WorkerUpdate>>,
    ) -> Waiting {
        Box::pin((*self).wait(stop, updates))
    }
}
