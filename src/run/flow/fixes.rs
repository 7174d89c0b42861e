//! Fix workers on a PR's branch: for failing CI, for a conflict with the
//! base (told to rebase), for real review comments, and for a human's
//! `changes:`. Each starts from exactly the PR's pushed head, in the issue's
//! worktree (or the checkout, in sequential mode), and reports whether it
//! pushed.

use std::path::PathBuf;

use crate::checkpoint::IssuePatch;
use crate::github::PullRequest;
use crate::ids::CommitSha;
use crate::worker::{Vars, WorkerKind};

use super::env::{FlowError, IssueEnv};
use super::worker::{self, Launch, WorkerRun};

/// Why a fix worker runs, and what it is told.
#[derive(Debug, Clone)]
pub enum Fix {
    Ci,
    /// The branch conflicts with the base.
    Rebase,
    Review {
        comments: String,
    },
    Changes {
        feedback: String,
    },
}

/// How a fix run ended.
#[derive(Debug)]
pub enum FixRun {
    Stopped,
    /// `pushed` is the PR's new head, or `None` when the worker pushed nothing.
    Finished {
        pushed: Option<CommitSha>,
    },
    /// The fix could not start (a dirty checkout in sequential mode).
    Blocked(String),
    /// The budget cap held the worker back; the issue waits.
    Held(crate::run::outcome::IssueOutcome),
}

impl Fix {
    fn kind(&self) -> WorkerKind {
        match self {
            Fix::Ci | Fix::Rebase => WorkerKind::CiFix,
            Fix::Review { .. } => WorkerKind::ReviewFix,
            Fix::Changes { .. } => WorkerKind::ChangesFix,
        }
    }

    /// The spec's log names: `ci-fix-<PR>.log`, `review-fix-<PR>.log`.
    fn log_name(&self, pull: &PullRequest) -> String {
        let n = pull.number.0;
        match self {
            Fix::Ci | Fix::Rebase => format!("ci-fix-{n}.log"),
            Fix::Review { .. } => format!("review-fix-{n}.log"),
            Fix::Changes { .. } => format!("changes-{n}.log"),
        }
    }

    /// The command template (a setting) and the values for its placeholders.
    fn command(&self, env: &IssueEnv, pull: &PullRequest) -> (Vec<String>, Vars) {
        let s = &env.ctx.settings;
        let mut vars = Vars {
            issue: Some(env.issue),
            branch: Some(pull.head_ref.clone()),
            pr: Some(pull.number),
            repo: Some(env.ctx.repo.clone()),
            ..Vars::default()
        };
        let template = match self {
            Fix::Ci => &s.ci.fix_command,
            Fix::Rebase => {
                vars.feedback = Some(format!(
                    "The branch conflicts with {base}: rebase it onto origin/{base}, resolve the conflicts, run the checks, and push.",
                    base = env.ctx.base
                ));
                &s.review.changes_command
            }
            Fix::Review { comments } => {
                vars.comments = Some(comments.clone());
                &s.review.fix_command
            }
            Fix::Changes { feedback } => {
                vars.feedback = Some(feedback.clone());
                &s.review.changes_command
            }
        };
        (template.clone(), vars)
    }

    fn counted(&self) -> IssuePatch {
        match self {
            Fix::Ci | Fix::Rebase => IssuePatch::new().count_ci_fix(),
            Fix::Review { .. } => IssuePatch::new().count_review_round(),
            Fix::Changes { .. } => IssuePatch::new(),
        }
    }
}

/// Runs one fix worker for `pull` and reports whether it pushed.
pub async fn run_fix(env: &IssueEnv, pull: &PullRequest, fix: Fix) -> Result<FixRun, FlowError> {
    let slot = match worker::admit(env).await? {
        worker::Admitted::Slot(slot) => slot,
        worker::Admitted::Stopped => return Ok(FixRun::Stopped),
        worker::Admitted::Held(outcome) => return Ok(FixRun::Held(outcome)),
    };
    let before = env.ctx.gh.get_pull(pull.number).await?.head_sha;
    let cwd = match pr_workdir(env, pull).await? {
        Ok(cwd) => cwd,
        Err(reason) => return Ok(FixRun::Blocked(reason)),
    };
    env.update(fix.counted()).await?;
    let mut extra = worker::worker_env(env, &pull.head_ref.0);
    extra.push(("AUTO_MILESTONE_PR".into(), pull.number.0.to_string()));
    let (command, vars) = fix.command(env, pull);
    let launch = Launch {
        kind: fix.kind(),
        command,
        vars,
        cwd,
        log_name: fix.log_name(pull),
        env: extra,
    };
    if let WorkerRun::Stopped = worker::run_in_slot(env, launch, slot).await? {
        return Ok(FixRun::Stopped);
    }
    let after = env.ctx.gh.get_pull(pull.number).await?.head_sha;
    if after == before {
        return Ok(FixRun::Finished { pushed: None });
    }
    env.update(IssuePatch::new().head_sha(after.clone()))
        .await?;
    Ok(FixRun::Finished {
        pushed: Some(after),
    })
}

/// The directory a fix worker runs in, on the PR's branch at its pushed head;
/// `Err(reason)` when the shared checkout has uncommitted work.
async fn pr_workdir(
    env: &IssueEnv,
    pull: &PullRequest,
) -> Result<Result<PathBuf, String>, FlowError> {
    let ctx = &env.ctx;
    let branch = &pull.head_ref;
    ctx.git.fetch("origin", &[branch.0.as_str()]).await?;
    let start = format!("origin/{}", branch.0);
    if !ctx.uses_worktrees() {
        let dirty = ctx.git.uncommitted_changes().await?;
        if !dirty.is_empty() {
            return Ok(Err(format!(
                "the checkout has uncommitted changes ({}); commit or stash them, then --resume",
                dirty.join(", ")
            )));
        }
        ctx.git.switch_reset(branch, &start).await?;
        return Ok(Ok(ctx.root.clone()));
    }
    let path = ctx.worktree_for(env.issue);
    let known = ctx.git.worktree_list().await?;
    if known.iter().any(|w| w.path == path) {
        let here = crate::git::Git::new(&path);
        if !here.uncommitted_changes().await?.is_empty() {
            return Ok(Err(format!(
                "worktree {} has uncommitted changes",
                path.display()
            )));
        }
        here.switch_reset(branch, &start).await?;
        return Ok(Ok(path));
    }
    let path = env.create_worktree(branch, &start).await?;
    // An older local branch of that name is checked out as it was; bring it to the PR head.
    crate::git::Git::new(&path)
        .switch_reset(branch, &start)
        .await?;
    Ok(Ok(path))
}
