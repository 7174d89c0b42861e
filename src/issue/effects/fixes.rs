//! Fix workers on a PR's branch: for failing CI, for a conflict with the
//! base (told to rebase), for real review comments, and for a human's
//! `changes:`. Each starts from exactly the PR's pushed head, in the issue's
//! worktree (or the checkout, in sequential mode), and reports whether it
//! pushed.

use super::log_names;
use crate::github::PullRequest;
use crate::ids::{CommitSha, PrNumber};
use crate::issue::machine::Event;
use crate::review;
use crate::worker::{Vars, WorkerKind};

use super::agent::{self, Launch, WorkerRun};
use super::work::slot_and_dir;
use super::{Crash, IssueCtx, Performed};

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

impl Fix {
    fn kind(&self) -> WorkerKind {
        match self {
            Fix::Ci | Fix::Rebase => WorkerKind::CiFix,
            Fix::Review { .. } => WorkerKind::ReviewFix,
            Fix::Changes { .. } => WorkerKind::ChangesFix,
        }
    }

    /// The spec's log names: `ci-fix-<PR>.log`, `review-fix-<PR>.log`.
    fn log_name(&self, pr: PrNumber) -> String {
        match self {
            Fix::Ci | Fix::Rebase => log_names::ci_fix(pr),
            Fix::Review { .. } => log_names::review_fix(pr),
            Fix::Changes { .. } => log_names::changes(pr),
        }
    }

    /// The command template (a setting) and the values for its placeholders.
    fn command(&self, cx: &IssueCtx, pull: &PullRequest) -> (Vec<String>, Vars) {
        let s = &cx.run.settings;
        let mut vars = Vars {
            issue: Some(cx.issue),
            branch: Some(pull.head_ref.clone()),
            pr: Some(pull.number),
            repo: Some(cx.run.repo.clone()),
            ..Vars::default()
        };
        let template = match self {
            Fix::Ci => &s.ci.fix_command,
            Fix::Rebase => {
                vars.feedback = Some(format!(
                    "The branch conflicts with {base}: rebase it onto origin/{base}, resolve the conflicts, run the checks, and push.",
                    base = cx.run.base
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
}

/// Runs one fix worker for PR `pr` and reports whether it pushed.
pub async fn run_fix(cx: &IssueCtx, pr: PrNumber, fix: Fix) -> Result<Performed, Crash> {
    let prepared = cx.run.gh.get_pull(pr).await?;
    let prepare = || {
        cx.workspace
            .pr_dir(cx.issue, &prepared.head_ref, &*cx.store)
    };
    let (slot, mut cwd) = match slot_and_dir(cx, prepare).await? {
        Ok(both) => both,
        Err(performed) => return Ok(performed),
    };
    // Read after the wait for a slot: a push meanwhile is not the fix's, and
    // the worker must start from it.
    let pull = cx.run.gh.get_pull(pr).await?;
    let before = pull.head_sha.clone();
    if before != prepared.head_sha {
        match cx
            .workspace
            .pr_dir(cx.issue, &pull.head_ref, &*cx.store)
            .await?
        {
            Ok(dir) => cwd = dir,
            Err(reason) => return Ok(Performed::Event(Event::Blocked { reason })),
        }
    }
    let mut env = agent::worker_env(cx, &pull.head_ref.0);
    env.push(("AUTO_MILESTONE_PR".into(), pr.0.to_string()));
    let (command, vars) = fix.command(cx, &pull);
    let launch = Launch {
        kind: fix.kind(),
        command,
        vars,
        cwd,
        log_name: fix.log_name(pr),
        env,
    };
    if let WorkerRun::Stopped = agent::run(cx, launch, slot).await? {
        return Ok(Performed::Stopped);
    }
    let after = cx.run.gh.get_pull(pr).await?.head_sha;
    let pushed: Option<CommitSha> = (after != before).then_some(after);
    Ok(Performed::Event(Event::Review(
        review::Event::FixFinished { pushed },
    )))
}
