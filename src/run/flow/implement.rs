//! The implementing stage: prepare the issue's working directory (the
//! checkout in sequential mode, a worktree from fresh `origin/<base>`
//! otherwise), run the worker, and find or open the PR it produced.

use std::path::PathBuf;

use crate::checkpoint::{IssuePatch, IssueRow, IssueState};
use crate::git::branch_for_issue;
use crate::github::{NewPull, PullRequest};
use crate::ids::BranchName;
use crate::run::outcome::IssueOutcome;
use crate::worker::{Vars, WorkerExit, WorkerKind, WorkerOutcome};

use super::env::{FlowError, IssueEnv};
use super::locate::{Found, existing_work};
use super::worker::{self, Launch, WorkerRun};

/// Where the implementing stage left the issue.
pub enum Implemented {
    /// The issue has an open PR (already recorded as `pr_open`).
    Pr(PullRequest),
    /// The issue is done with, one way or another.
    Done(IssueOutcome),
}

/// Runs the worker for an issue with no PR and no branch yet, then looks
/// for what it left.
pub async fn implement(env: &IssueEnv, row: &IssueRow) -> Result<Implemented, FlowError> {
    let branch = row
        .branch
        .clone()
        .unwrap_or_else(|| branch_for_issue("feat", env.issue, env.title()));
    let slot = match worker::admit(env).await? {
        worker::Admitted::Slot(slot) => slot,
        worker::Admitted::Stopped => return Ok(Implemented::Done(IssueOutcome::Interrupted)),
        worker::Admitted::Held(outcome) => return Ok(Implemented::Done(outcome)),
    };
    // A worker that continues an interrupted session goes on with the same
    // attempt; only a fresh start is another one.
    let continues = row
        .session
        .as_ref()
        .is_some_and(|s| s.kind == WorkerKind::Implement.as_str());
    let mut patch = IssuePatch::new().branch(branch.clone());
    if !continues {
        patch = patch.count_attempt();
    }
    env.transition(IssueState::Running, patch).await?;
    let Some(cwd) = prepare_workdir(env, &branch).await? else {
        let reason = "the checkout has uncommitted changes; commit or stash them, then run again with --resume";
        return Ok(Implemented::Done(env.fail(reason).await?));
    };
    let vars = Vars {
        issue: Some(env.issue),
        branch: Some(branch.clone()),
        prompt: Some(format!("/auto-issue {}", env.issue.0)),
        repo: Some(env.ctx.repo.clone()),
        ..Vars::default()
    };
    let launch = Launch {
        kind: WorkerKind::Implement,
        command: env.ctx.settings.worker.command.clone(),
        vars,
        cwd,
        log_name: format!("issue-{}.log", env.issue.0),
        env: worker::worker_env(env, &branch.0),
    };
    match worker::run_in_slot(env, launch, slot).await? {
        WorkerRun::Stopped => Ok(Implemented::Done(IssueOutcome::Interrupted)),
        WorkerRun::Finished(outcome) => after_worker(env, *outcome).await,
    }
}

/// The worker's working directory, or `None` when the checkout is dirty.
async fn prepare_workdir(
    env: &IssueEnv,
    branch: &BranchName,
) -> Result<Option<PathBuf>, FlowError> {
    let ctx = &env.ctx;
    let base = &ctx.base;
    if !ctx.uses_worktrees() {
        // The spec's sequential mode: the worker starts from an up-to-date base.
        if !ctx.git.uncommitted_changes().await?.is_empty() {
            return Ok(None);
        }
        ctx.git.checkout(base).await?;
        ctx.git.pull_ff_only("origin", base).await?;
        return Ok(Some(ctx.root.clone()));
    }
    let path = ctx.worktree_for(env.issue);
    let known = ctx.git.worktree_list().await?;
    if known.iter().any(|w| w.path == path) {
        env.note(format!("reusing worktree {}", path.display()));
        return Ok(Some(path));
    }
    // A dependent must start from a base that already has its blockers' merges.
    ctx.git.fetch("origin", &[base.0.as_str()]).await?;
    let path = env
        .create_worktree(branch, &format!("origin/{}", base.0))
        .await?;
    Ok(Some(path))
}

/// After the worker exits: its PR, or the PR we open for its pushed branch,
/// or a failure that says what the worker did.
async fn after_worker(env: &IssueEnv, outcome: WorkerOutcome) -> Result<Implemented, FlowError> {
    let row = env.row().await?;
    let found = existing_work(env, &row).await?;
    if !outcome.exit.succeeded() && matches!(found, Found::Open { .. } | Found::Branch(_)) {
        env.note(format!(
            "worker {} but left work behind; going on with it",
            outcome.exit
        ));
    }
    match found {
        Found::Open { pull, linked } => adopt(env, pull, linked).await.map(Implemented::Pr),
        Found::Branch(branch) => open_pr(env, &branch).await.map(Implemented::Pr),
        Found::Merged(pull) => Ok(Implemented::Done(env.merged(pull.number).await?)),
        Found::Closed(pull) => {
            let reason = format!("PR {} was closed without merging", pull.number);
            Ok(Implemented::Done(env.fail(reason).await?))
        }
        Found::IssueClosed => Ok(Implemented::Done(
            env.skip("the issue was closed on GitHub").await?,
        )),
        Found::Nothing => Ok(Implemented::Done(env.fail(nothing_reason(&outcome)).await?)),
    }
}

fn nothing_reason(outcome: &WorkerOutcome) -> String {
    let log = outcome.log_path.display();
    match outcome.exit {
        WorkerExit::Exited(0) => format!("worker exited 0 but pushed no branch (log: {log})"),
        ref exit => format!("worker {exit} and pushed no branch (log: {log})"),
    }
}

/// Records an existing PR as the issue's.
pub async fn adopt(
    env: &IssueEnv,
    pull: PullRequest,
    linked: bool,
) -> Result<PullRequest, FlowError> {
    if !linked {
        env.note(format!(
            "PR {} does not say \"Closes #{}\"; using it for its branch name",
            pull.number, env.issue.0
        ));
    }
    let patch = IssuePatch::new()
        .pr(pull.number)
        .branch(pull.head_ref.clone())
        .head_sha(pull.head_sha.clone());
    env.transition(IssueState::PrOpen, patch).await?;
    Ok(pull)
}

/// Opens the PR a worker did not open for the branch it pushed.
pub async fn open_pr(env: &IssueEnv, branch: &BranchName) -> Result<PullRequest, FlowError> {
    // Persist the intent first: after a crash here, the next search finds the PR by branch.
    env.event("opening_pr", format!("branch {branch}")).await?;
    let new = NewPull {
        title: env.title().to_string(),
        head: branch.clone(),
        base: env.ctx.base.clone(),
        body: format!(
            "Closes #{}\n\nOpened by auto-milestone: the worker pushed this branch without opening a pull request.",
            env.issue.0
        ),
    };
    let pull = env.ctx.gh.create_pull(&new).await?;
    env.note(format!("opened PR {} for branch {branch}", pull.number));
    adopt(env, pull, true).await
}
