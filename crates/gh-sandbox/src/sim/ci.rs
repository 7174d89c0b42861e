//! The simulated CI: on the first question about a commit that has no checks,
//! it creates the script's check runs (`queued`) and statuses (`pending`),
//! then moves them along in real time and concludes them by the script's rule.

use crate::types::RepoSlug;

use super::super::git::GitDir;
use super::super::model::Repo;
use super::super::state::SandboxState;
use super::CiScript;

/// What one started CI run needs to finish.
struct Started {
    script: CiScript,
    runs: Vec<u64>,
    git: Option<GitDir>,
}

/// Starts the repository's CI script on `sha` unless it ran there already or
/// the commit has checks of its own. Must be called inside a tokio runtime.
pub fn ensure_started(state: &SandboxState, slug: &RepoSlug, sha: &str) {
    let wanted = state.read(|w| w.repo(slug).is_some_and(|r| should_start(r, sha)));
    if !wanted {
        return;
    }
    let started = state.write(|w| {
        let (repo, ids) = w.repo_mut(slug)?;
        if !should_start(repo, sha) {
            return None;
        }
        let script = repo.ci.clone()?;
        repo.ci_started.insert(sha.to_string());
        let runs = script
            .check_runs
            .iter()
            .map(|name| repo.insert_check_run(ids, sha, name, "queued", None));
        let runs = runs.collect();
        for context in &script.statuses {
            repo.insert_status(
                ids,
                sha,
                context,
                "pending",
                Some("Waiting for status to be reported"),
            );
        }
        let git = repo.git_dir.clone().map(GitDir::new);
        Some(Started { script, runs, git })
    });
    if let Some(started) = started {
        tokio::spawn(drive(state.clone(), slug.clone(), sha.to_string(), started));
    }
}

fn should_start(repo: &Repo, sha: &str) -> bool {
    repo.ci.is_some()
        && !repo.ci_started.contains(sha)
        && !repo.check_runs.iter().any(|r| r.head_sha == sha)
        && !repo.statuses.iter().any(|s| s.sha == sha)
}

async fn drive(state: SandboxState, slug: RepoSlug, sha: String, started: Started) {
    let passed = !fails(&state, &slug, &sha, &started).await;
    tokio::time::sleep(started.script.queued_for).await;
    state.write(|w| {
        let Some((repo, _)) = w.repo_mut(&slug) else {
            return;
        };
        for id in &started.runs {
            repo.update_check_run(*id, "in_progress", None);
        }
    });
    tokio::time::sleep(started.script.running_for).await;
    let (conclusion, status) = if passed {
        ("success", "success")
    } else {
        ("failure", "failure")
    };
    state.write(|w| {
        let Some((repo, ids)) = w.repo_mut(&slug) else {
            return;
        };
        for id in &started.runs {
            repo.update_check_run(*id, "completed", Some(conclusion));
        }
        let description = if passed {
            "All checks passed"
        } else {
            "Checks failed"
        };
        for context in &started.script.statuses {
            repo.insert_status(ids, &sha, context, status, Some(description));
        }
    });
    tracing::debug!(%slug, %sha, conclusion, "sandbox CI finished");
}

/// The script's rule: a commit fails when its tree (or, without git backing,
/// the diff of a PR at that commit) contains the failure marker.
async fn fails(state: &SandboxState, slug: &RepoSlug, sha: &str, started: &Started) -> bool {
    let Some(marker) = started.script.failure_marker.clone() else {
        return false;
    };
    match started.git.clone() {
        Some(git) => {
            let sha = sha.to_string();
            let found = tokio::task::spawn_blocking(move || git.tree_contains(&sha, &marker)).await;
            // A commit git cannot read fails, as a broken build would.
            !matches!(found, Ok(Ok(false)))
        }
        None => state.read(|w| {
            let Some(repo) = w.repo(slug) else {
                return false;
            };
            let pulls = repo.items.values().filter_map(|i| i.pull.as_ref());
            pulls
                .filter(|p| p.head_sha == sha)
                .any(|p| p.diff.iter().any(|l| l.text.contains(&marker)))
        }),
    }
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
