//! One merge-queue entry's merge group: the squash commit of the PR on
//! the base's current head (the commit a REST squash merge would write), on
//! a `gh-readonly-queue/{base}/pr-{n}-{base_sha}` branch; the CI script run
//! there; and then either the base fast-forwarded to it with the merge
//! recorded as the enqueuer's, exactly what the REST merge records, or the
//! entry removed ("kicked out": a failing group, a conflict, a closed PR or
//! a pushed head) with the PR left open. The group branch is deleted either way.

use crate::types::{ItemState, RepoSlug};

use super::super::api::ApiError;
use super::super::backend::{self, blocking};
use super::super::git::{GitDir, GitError, MergeTree};
use super::super::merging;
use super::super::model::{QueueEntry, Repo};
use super::super::shapes::checks::latest_statuses;
use super::super::state::SandboxState;
use super::ci;
use super::queue::CHECK_RESPONSE_TIMEOUT;

/// What the queue needs of an entry's PR at the moment it builds its group.
struct Group {
    title: String,
    head_ref: String,
    head_sha: String,
    base_sha: String,
    git: Option<GitDir>,
}

/// Builds, tests and merges or kicks out one entry; leaves it queued only
/// when the base moved under it, to be built again.
pub async fn process(
    state: &SandboxState,
    slug: &RepoSlug,
    entry: &QueueEntry,
) -> Result<(), ApiError> {
    let Some(group) = group_of(state, slug, entry).await? else {
        kick_out(state, slug, entry).await;
        return Ok(());
    };
    let Some((sha, branch)) = build(state, slug, entry, &group).await? else {
        kick_out(state, slug, entry).await;
        return Ok(());
    };
    ci::start_merge_group(state, slug, &sha);
    let verdict = wait_for_checks(state, slug, entry, &sha).await;
    let entry = QueueEntry {
        group_sha: Some(sha),
        group_branch: Some(branch),
        ..entry.clone()
    };
    if verdict != Verdict::Pass {
        kick_out(state, slug, &entry).await;
        return Ok(());
    }
    land(state, slug, &entry, &group).await
}

/// The PR as the queue sees it, or `None` when it left the queue's terms
/// (closed, merged, or its head moved since it was enqueued).
async fn group_of(
    state: &SandboxState,
    slug: &RepoSlug,
    entry: &QueueEntry,
) -> Result<Option<Group>, ApiError> {
    let heads = backend::heads(state, slug).await?;
    backend::sync_pull_heads(state, slug, &heads);
    let base_sha = backend::base_sha(&heads, &entry.base_ref);
    Ok(state.read(|w| {
        let repo = w.repo(slug)?;
        let item = repo.pull(entry.pr)?;
        let pull = item.pull.as_ref()?;
        let current = item.state == ItemState::Open && pull.head_sha == entry.head_sha;
        current.then(|| Group {
            title: item.title.clone(),
            head_ref: pull.head_ref.clone(),
            head_sha: pull.head_sha.clone(),
            base_sha,
            git: repo.git_dir.clone().map(GitDir::new),
        })
    }))
}

/// Writes the merge group's commit (the squash a REST merge would write)
/// and its branch, and marks the entry as awaiting checks; `None` on a conflict.
async fn build(
    state: &SandboxState,
    slug: &RepoSlug,
    entry: &QueueEntry,
    group: &Group,
) -> Result<Option<(String, String)>, ApiError> {
    let branch = format!(
        "gh-readonly-queue/{}/pr-{}-{}",
        entry.base_ref, entry.pr, group.base_sha
    );
    let message = merging::message(
        &group.title,
        entry.pr,
        &group.head_ref,
        "squash",
        None,
        None,
    );
    let sha = match group.git.clone() {
        Some(git) => {
            let (base, head, b) = (
                group.base_sha.clone(),
                group.head_sha.clone(),
                branch.clone(),
            );
            let written = blocking(move || write_group(&git, &base, &head, &message, &b)).await?;
            let Some(sha) = written else {
                return Ok(None);
            };
            sha
        }
        None => merging::made_up(entry.pr, &group.base_sha),
    };
    state.write(|w| {
        let (repo, _) = w.repo_mut(slug)?;
        if group.git.is_none() {
            repo.branches.insert(branch.clone(), sha.clone());
        }
        let queued = repo
            .merge_queue
            .entries
            .iter_mut()
            .find(|e| e.id == entry.id)?;
        queued.state = "AWAITING_CHECKS".to_string();
        queued.group_sha = Some(sha.clone());
        queued.group_branch = Some(branch.clone());
        Some(())
    });
    Ok(Some((sha, branch)))
}

fn write_group(
    git: &GitDir,
    base: &str,
    head: &str,
    message: &str,
    branch: &str,
) -> Result<Option<String>, GitError> {
    let MergeTree::Clean { tree } = git.merge_tree(base, head)? else {
        return Ok(None);
    };
    let commit = git.commit_tree(&tree, &[base], message)?;
    git.set_branch(branch, &commit)?;
    Ok(Some(commit))
}

/// How a merge group's checks stand.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Pending,
    Pass,
    Fail,
}

/// The newest check run per name and status per context on `sha` decide;
/// a repository without CI passes a group unless a test made the PR fail.
fn verdict(repo: &Repo, sha: &str, pr: u64) -> Verdict {
    let failing = repo.merge_queue.failing.contains(&pr);
    let runs: Vec<_> = repo
        .check_runs
        .iter()
        .filter(|r| r.head_sha == sha)
        .collect();
    let latest = runs.iter().filter(|r| {
        let same_name = runs.iter().filter(|o| o.name == r.name);
        same_name.map(|o| o.id).max() == Some(r.id)
    });
    let statuses = latest_statuses(repo, sha);
    let checks: Vec<Verdict> = latest
        .map(|r| match (r.status.as_str(), r.conclusion.as_deref()) {
            ("completed", Some("success" | "neutral" | "skipped")) => Verdict::Pass,
            ("completed", _) => Verdict::Fail,
            _ => Verdict::Pending,
        })
        .chain(statuses.iter().map(|s| match s.state.as_str() {
            "success" => Verdict::Pass,
            "pending" => Verdict::Pending,
            _ => Verdict::Fail,
        }))
        .collect();
    if checks.is_empty() {
        return match (repo.ci.is_some(), failing) {
            (true, _) => Verdict::Pending,
            (false, true) => Verdict::Fail,
            (false, false) => Verdict::Pass,
        };
    }
    if checks.contains(&Verdict::Fail) {
        Verdict::Fail
    } else if checks.contains(&Verdict::Pending) {
        Verdict::Pending
    } else {
        Verdict::Pass
    }
}

/// Waits for the group's verdict; a PR closed meanwhile, or a timeout, fails it.
async fn wait_for_checks(
    state: &SandboxState,
    slug: &RepoSlug,
    entry: &QueueEntry,
    sha: &str,
) -> Verdict {
    let now = |s: &SandboxState| {
        s.read(|w| {
            let repo = w.repo(slug)?;
            let open = repo
                .pull(entry.pr)
                .is_some_and(|i| i.state == ItemState::Open);
            Some(if open {
                verdict(repo, sha, entry.pr)
            } else {
                Verdict::Fail
            })
        })
        .unwrap_or(Verdict::Fail)
    };
    let decided = |s: &SandboxState| now(s) != Verdict::Pending;
    if !state.wait_until(CHECK_RESPONSE_TIMEOUT, decided).await {
        return Verdict::Fail;
    }
    now(state)
}

/// Fast-forwards the base to the group's commit and records the merge as
/// the enqueuer's; if the base moved meanwhile the entry waits to be built again.
async fn land(
    state: &SandboxState,
    slug: &RepoSlug,
    entry: &QueueEntry,
    group: &Group,
) -> Result<(), ApiError> {
    let sha = entry.group_sha.clone().unwrap_or_default();
    let moved = match group.git.clone() {
        Some(git) => {
            let (base_ref, new, old) =
                (entry.base_ref.clone(), sha.clone(), group.base_sha.clone());
            blocking(move || Ok(git.move_branch(&base_ref, &new, &old).is_ok())).await?
        }
        // In memory, a base nobody set has no head to have moved.
        None => state.read(|w| {
            let head = w.repo(slug).and_then(|r| r.branches.get(&entry.base_ref));
            head.is_none_or(|head| *head == group.base_sha)
        }),
    };
    if !moved {
        drop_group(state, slug, entry).await;
        requeue(state, slug, entry);
        return Ok(());
    }
    state.write(|w| {
        let Some((repo, _)) = w.repo_mut(slug) else {
            return;
        };
        if group.git.is_none() {
            repo.branches.insert(entry.base_ref.clone(), sha.clone());
        }
        if let Some(pull) = repo.items.get_mut(&entry.pr).and_then(|i| i.pull.as_mut()) {
            pull.head_sha = group.head_sha.clone();
        }
        repo.record_merge(entry.pr, &sha, &entry.enqueuer);
        repo.merge_queue.entries.retain(|e| e.id != entry.id);
    });
    drop_group(state, slug, entry).await;
    tracing::debug!(%slug, pr = entry.pr, %sha, "merge queue merged");
    Ok(())
}

/// Puts an entry whose group went stale back to `QUEUED`, at its place.
fn requeue(state: &SandboxState, slug: &RepoSlug, entry: &QueueEntry) {
    state.write(|w| {
        let (repo, _) = w.repo_mut(slug)?;
        let queued = repo
            .merge_queue
            .entries
            .iter_mut()
            .find(|e| e.id == entry.id)?;
        queued.state = "QUEUED".to_string();
        queued.group_sha = None;
        queued.group_branch = None;
        Some(())
    });
}

/// Removes the entry without merging; the PR stays open.
pub async fn kick_out(state: &SandboxState, slug: &RepoSlug, entry: &QueueEntry) {
    state.write(|w| {
        if let Some((repo, _)) = w.repo_mut(slug) {
            repo.merge_queue.entries.retain(|e| e.id != entry.id);
        }
    });
    drop_group(state, slug, entry).await;
    tracing::debug!(%slug, pr = entry.pr, "merge queue kicked out");
}

/// Deletes the group's branch, as GitHub does once a group is done.
async fn drop_group(state: &SandboxState, slug: &RepoSlug, entry: &QueueEntry) {
    let Some(branch) = entry.group_branch.clone() else {
        return;
    };
    let git = state.read(|w| w.repo(slug).and_then(|r| r.git_dir.clone()));
    match git.map(GitDir::new) {
        Some(git) => {
            if let Err(err) = blocking(move || git.delete_branch(&branch)).await {
                tracing::warn!(%slug, error = %err.message, "merge queue could not delete its branch");
            }
        }
        None => state.write(|w| {
            if let Some((repo, _)) = w.repo_mut(slug) {
                repo.branches.remove(&branch);
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::specs::PullSpec;

    #[test]
    fn a_group_passes_on_green_latest_checks_and_fails_on_red() {
        let state = SandboxState::new();
        let repo = state.add_repo("acme/widgets", "main");
        let pr = repo.add_pull(PullSpec::new("Add x", "feat/x"));
        let sha = "c".repeat(40);
        let judge = || state.read(|w| verdict(&w.repos[0], &sha, pr.0));
        assert_eq!(judge(), Verdict::Pass, "no CI: nothing to wait for");
        repo.fail_in_queue(pr);
        assert_eq!(judge(), Verdict::Fail);
        let run = repo.add_check_run(&sha, "ci/test", "completed", Some("failure"));
        let again = repo.add_check_run(&sha, "ci/test", "in_progress", None);
        assert_eq!(judge(), Verdict::Pending, "the re-run counts, not {run}");
        repo.update_check_run(again, "completed", Some("success"));
        assert_eq!(judge(), Verdict::Pass);
        repo.add_status(&sha, "ci/lint", "error", None);
        assert_eq!(judge(), Verdict::Fail);
    }
}
