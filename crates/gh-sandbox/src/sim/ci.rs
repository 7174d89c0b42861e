//! The simulated CI: on the first question about a commit that has no checks,
//! it starts a GitHub Actions workflow run there (see `actions`): the
//! script's check runs as its jobs (`queued`) and its statuses (`pending`);
//! then it moves them along in real time and concludes them by the script's
//! rules. A re-run of failed jobs is driven here the same way.

use crate::types::RepoSlug;

use super::super::git::{GitDir, GitError};
use super::super::model::Repo;
use super::super::state::SandboxState;
use super::CiScript;

/// One attempt of a workflow run: what it needs to finish.
pub struct Attempt {
    pub script: CiScript,
    pub run_id: u64,
    /// The check runs (jobs) to drive, with their names.
    pub jobs: Vec<(u64, String)>,
    pub git: Option<GitDir>,
    pub default_branch: String,
    /// The run's attempt: 1 for the first run on a commit.
    pub number: u32,
    /// Whether the attempt reports the script's statuses (only the first
    /// does: a re-run is GitHub Actions', statuses are another system's).
    pub statuses: bool,
}

/// Starts the repository's CI script on `sha` unless it ran there already or
/// the commit has checks of its own. Must be called inside a tokio runtime.
pub fn ensure_started(state: &SandboxState, slug: &RepoSlug, sha: &str) {
    let wanted = state.read(|w| w.repo(slug).is_some_and(|r| should_start(r, sha)));
    if wanted {
        start(state, slug, sha, false);
    }
}

/// Starts a fresh run of the CI script on a merge group's commit, even one
/// tested before (a PR enqueued again on the same base gets the same
/// commit): GitHub runs the workflows of every new merge group.
pub fn start_merge_group(state: &SandboxState, slug: &RepoSlug, sha: &str) {
    start(state, slug, sha, true);
}

fn start(state: &SandboxState, slug: &RepoSlug, sha: &str, again: bool) {
    let attempt = state.write(|w| {
        let actor = w.viewer.clone();
        let (repo, ids) = w.repo_mut(slug)?;
        if !again && !should_start(repo, sha) {
            return None;
        }
        let script = repo.ci.clone()?;
        repo.ci_started.insert(sha.to_string());
        let (run_id, jobs) = repo.insert_workflow_run(ids, sha, &actor, &script.check_runs);
        for context in &script.statuses {
            repo.insert_status(
                ids,
                sha,
                context,
                "pending",
                Some("Waiting for status to be reported"),
            );
        }
        Some(Attempt {
            script,
            run_id,
            jobs,
            git: repo.git_dir.clone().map(GitDir::new),
            default_branch: repo.default_branch.clone(),
            number: 1,
            statuses: true,
        })
    });
    if let Some(attempt) = attempt {
        drive_later(state, slug, sha, attempt);
    }
}

/// Moves an attempt's jobs along in the background. Must be called inside a tokio runtime.
pub fn drive_later(state: &SandboxState, slug: &RepoSlug, sha: &str, attempt: Attempt) {
    tokio::spawn(drive(state.clone(), slug.clone(), sha.to_string(), attempt));
}

fn should_start(repo: &Repo, sha: &str) -> bool {
    repo.ci.is_some()
        && !repo.ci_started.contains(sha)
        && !repo.check_runs.iter().any(|r| r.head_sha == sha)
        && !repo.statuses.iter().any(|s| s.sha == sha)
}

async fn drive(state: SandboxState, slug: RepoSlug, sha: String, attempt: Attempt) {
    let marks = marks(&state, &slug, &sha, &attempt).await;
    tokio::time::sleep(attempt.script.queued_for).await;
    state.write(|w| {
        let Some((repo, _)) = w.repo_mut(&slug) else {
            return;
        };
        for (id, _) in &attempt.jobs {
            repo.update_check_run(*id, "in_progress", None);
        }
    });
    tokio::time::sleep(attempt.script.running_for).await;
    state.write(|w| {
        let Some((repo, ids)) = w.repo_mut(&slug) else {
            return;
        };
        for (id, name) in &attempt.jobs {
            let conclusion = match marks.fails_job(name, &attempt) {
                true => "failure",
                false => "success",
            };
            repo.update_check_run(*id, "completed", Some(conclusion));
        }
        if !attempt.statuses {
            return;
        }
        let (state, description) = match marks.broken {
            true => ("failure", "Checks failed"),
            false => ("success", "All checks passed"),
        };
        for context in &attempt.script.statuses {
            repo.insert_status(ids, &sha, context, state, Some(description));
        }
    });
    tracing::debug!(%slug, %sha, run = attempt.run_id, attempt = attempt.number, "sandbox CI finished");
}

/// What the script's rules found in a commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Marks {
    /// Every job and status fails.
    broken: bool,
    /// The first job fails on the first attempts.
    flaky: bool,
}

impl Marks {
    fn fails_job(&self, name: &str, attempt: &Attempt) -> bool {
        let first = attempt.script.check_runs.first().is_some_and(|f| f == name);
        let flaked = self.flaky && first && attempt.number <= attempt.script.flaky_attempts;
        self.broken || flaked
    }
}

/// What the commit under test holds, by the world's view of it.
struct Subject {
    /// It is a merge group's commit (the queue's), not a PR head.
    in_group: bool,
    /// Its merge group belongs to a PR a test made fail in the queue.
    kicked: bool,
    /// Without git: the added lines of the PRs at this commit or in its group.
    lines: Vec<String>,
}

fn subject(state: &SandboxState, slug: &RepoSlug, sha: &str) -> Subject {
    state.read(|w| {
        let Some(repo) = w.repo(slug) else {
            return Subject {
                in_group: false,
                kicked: false,
                lines: Vec::new(),
            };
        };
        let queue = &repo.merge_queue;
        let group = queue
            .entries
            .iter()
            .find(|e| e.group_sha.as_deref() == Some(sha));
        let grouped_pr = group.map(|e| e.pr);
        let pulls = repo
            .items
            .values()
            .filter_map(|i| Some((i.number, i.pull.as_ref()?)));
        let lines = pulls
            .filter(|(n, p)| p.head_sha == sha || grouped_pr == Some(*n))
            .flat_map(|(_, p)| p.diff.iter().map(|l| l.text.clone()))
            .collect();
        Subject {
            in_group: group.is_some(),
            kicked: grouped_pr.is_some_and(|pr| queue.failing.contains(&pr)),
            lines,
        }
    })
}

/// The script's rules: a commit is broken when its tree (or, without git
/// backing, the diff of a PR at that commit) contains the failure marker,
/// or when it is the merge group of a PR a test made fail in the queue; it
/// is flaky when it adds the flaky marker and is no merge group.
async fn marks(state: &SandboxState, slug: &RepoSlug, sha: &str, attempt: &Attempt) -> Marks {
    let subject = subject(state, slug, sha);
    let script = &attempt.script;
    let flaky_marker = script.flaky_marker.clone().filter(|_| !subject.in_group);
    let mut marks = match attempt.git.clone() {
        Some(git) => {
            let (sha, base) = (sha.to_string(), attempt.default_branch.clone());
            let failure = script.failure_marker.clone();
            let found = tokio::task::spawn_blocking(move || {
                git_marks(
                    &git,
                    &sha,
                    &base,
                    failure.as_deref(),
                    flaky_marker.as_deref(),
                )
            })
            .await;
            // A commit git cannot read fails, as a broken build would.
            found.ok().and_then(Result::ok).unwrap_or(Marks {
                broken: true,
                flaky: false,
            })
        }
        None => {
            let has = |marker: &Option<String>| {
                marker
                    .as_ref()
                    .is_some_and(|m| subject.lines.iter().any(|l| l.contains(m.as_str())))
            };
            Marks {
                broken: has(&script.failure_marker),
                flaky: has(&flaky_marker),
            }
        }
    };
    marks.broken |= subject.kicked;
    marks
}

fn git_marks(
    git: &GitDir,
    sha: &str,
    default_branch: &str,
    failure: Option<&str>,
    flaky: Option<&str>,
) -> Result<Marks, GitError> {
    let broken = match failure {
        Some(marker) => git.tree_contains(sha, marker)?,
        None => false,
    };
    let flaky = match (flaky, git.branch_head(default_branch)?) {
        (Some(marker), Some(base)) => {
            let added = git.added_lines(&base, sha)?;
            added.iter().any(|l| l.text.contains(marker))
        }
        _ => false,
    };
    Ok(Marks { broken, flaky })
}
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::specs::PullSpec;

    #[tokio::test]
    async fn a_marked_diff_fails_and_checks_set_by_hand_stop_the_script() {
        let state = SandboxState::new();
        let repo = state.add_repo("acme/widgets", "main");
        let script = CiScript {
            queued_for: Duration::ZERO,
            running_for: Duration::ZERO,
            ..CiScript::default()
        };
        repo.set_ci(Some(script));
        let bad = "b".repeat(40);
        repo.add_pull(PullSpec::new("t", "feat/bad").head_sha(&bad).added_line(
            "a.rs",
            1,
            "// CI_FAIL",
        ));
        ensure_started(&state, repo.slug(), &bad);
        ensure_started(&state, repo.slug(), &bad);
        assert_eq!(repo.check_runs(&bad).len(), 1, "started once");
        let done = state.wait_until(Duration::from_secs(5), |_| {
            repo.check_runs(&bad)[0].conclusion.is_some()
        });
        assert!(done.await);
        assert_eq!(
            repo.check_runs(&bad)[0].conclusion.as_deref(),
            Some("failure")
        );
        assert_eq!(repo.statuses(&bad).last().unwrap().state, "failure");

        let manual = "c".repeat(40);
        repo.add_status(&manual, "ci/other", "success", None);
        ensure_started(&state, repo.slug(), &manual);
        assert!(repo.check_runs(&manual).is_empty());
    }
}
