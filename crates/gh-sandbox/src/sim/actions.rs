//! GitHub Actions as the CI script plays it: every CI start on a commit is a
//! workflow run (with its own check suite) whose jobs are the script's check
//! runs. "Re-run failed jobs" keeps the run, bumps its `run_attempt` and adds
//! new check runs with the failed jobs' names, as GitHub does; the old ones
//! stay, concluded, and `filter=latest` hides them.

use crate::types::{ItemState, RepoSlug};

use super::super::git::GitDir;
use super::super::model::{CheckRun, Ids, Repo, WorkflowRun, now};
use super::super::state::SandboxState;
use super::ci::{self, Attempt};

/// The workflow the CI script stands for.
pub const WORKFLOW: &str = "CI";
pub const WORKFLOW_PATH: &str = ".github/workflows/ci.yml";

/// Conclusions "re-run failed jobs" re-runs.
const FAILED: [&str; 3] = ["failure", "cancelled", "timed_out"];

/// Why a re-run was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RerunRefusal {
    /// No such run (404).
    NotFound,
    /// The token may not re-run workflows (403).
    NotAllowed,
    /// A job of the run has not finished (403).
    Running,
    /// No job failed (403).
    NothingFailed,
}

impl Repo {
    /// Starts a workflow run on `sha` whose jobs are `jobs` (queued check
    /// runs); returns its id and the jobs' check run ids with their names.
    pub fn insert_workflow_run(
        &mut self,
        ids: &mut Ids,
        sha: &str,
        actor: &str,
        jobs: &[String],
    ) -> (u64, Vec<(u64, String)>) {
        let (head_branch, event) = origin(self, sha);
        let (id, check_suite_id) = (ids.next(), ids.next());
        let at = now();
        self.workflow_runs.push(WorkflowRun {
            id,
            name: WORKFLOW.to_string(),
            head_sha: sha.to_string(),
            head_branch,
            event: event.to_string(),
            check_suite_id,
            run_number: self.workflow_runs.len() as u64 + 1,
            run_attempt: 1,
            status: "queued".to_string(),
            conclusion: None,
            actor: actor.to_string(),
            created_at: at,
            updated_at: at,
            run_started_at: at,
        });
        let jobs = jobs
            .iter()
            .map(|name| (self.insert_job(ids, id, sha, name), name.clone()));
        (id, jobs.collect())
    }

    /// A queued check run that is a job of workflow run `run_id`.
    fn insert_job(&mut self, ids: &mut Ids, run_id: u64, sha: &str, name: &str) -> u64 {
        let id = self.insert_check_run(ids, sha, name, "queued", None);
        if let Some(run) = self.check_runs.iter_mut().find(|r| r.id == id) {
            run.run_id = Some(run_id);
        }
        id
    }

    pub fn workflow_run(&self, id: u64) -> Option<&WorkflowRun> {
        self.workflow_runs.iter().find(|r| r.id == id)
    }

    /// The run's jobs of its latest attempt: the newest check run per name.
    pub fn latest_jobs(&self, run_id: u64) -> Vec<&CheckRun> {
        let jobs: Vec<&CheckRun> = self
            .check_runs
            .iter()
            .filter(|r| r.run_id == Some(run_id))
            .collect();
        let newest = |job: &&CheckRun| {
            let same_name = jobs.iter().filter(|o| o.name == job.name);
            same_name.map(|o| o.id).max() == Some(job.id)
        };
        jobs.iter().copied().filter(newest).collect()
    }

    /// The run's status and conclusion from its latest jobs: completed when
    /// all are (failure if any failed), in progress while one runs, else
    /// queued (as a re-run is until its jobs start).
    pub fn refresh_run(&mut self, run_id: u64) {
        let jobs = self.latest_jobs(run_id);
        let done = jobs.iter().all(|j| j.status == "completed");
        let started = jobs.iter().any(|j| j.status == "in_progress");
        let failed = jobs.iter().any(|j| is_failed(j));
        let (status, conclusion) = match (done, started) {
            (true, _) if failed => ("completed", Some("failure")),
            (true, _) => ("completed", Some("success")),
            (false, true) => ("in_progress", None),
            (false, false) => ("queued", None),
        };
        if let Some(run) = self.workflow_runs.iter_mut().find(|r| r.id == run_id) {
            run.status = status.to_string();
            run.conclusion = conclusion.map(str::to_string);
            run.updated_at = now();
        }
    }
}

fn is_failed(job: &CheckRun) -> bool {
    job.conclusion
        .as_deref()
        .is_some_and(|c| FAILED.contains(&c))
}

/// The branch a run on `sha` is reported on and the event that set it off:
/// a merge group's branch, an open PR's head, a branch at that commit, or
/// the default branch.
fn origin(repo: &Repo, sha: &str) -> (String, &'static str) {
    let queue = repo.merge_queue.entries.iter();
    let group = queue
        .filter(|e| e.group_sha.as_deref() == Some(sha))
        .find_map(|e| e.group_branch.clone());
    if let Some(branch) = group {
        return (branch, "merge_group");
    }
    let open = repo.items.values().filter(|i| i.state == ItemState::Open);
    let pull = open
        .filter_map(|i| i.pull.as_ref())
        .find(|p| p.head_sha == sha);
    if let Some(pull) = pull {
        return (pull.head_ref.clone(), "pull_request");
    }
    let branch = repo.branches.iter().find(|(_, head)| *head == sha);
    let branch = branch.map_or_else(|| repo.default_branch.clone(), |(b, _)| b.clone());
    (branch, "push")
}

/// Re-runs the failed jobs of workflow run `run_id`: new queued check runs
/// with their names in a new attempt, driven like the first. Must be called
/// inside a tokio runtime.
pub fn rerun_failed_jobs(
    state: &SandboxState,
    slug: &RepoSlug,
    run_id: u64,
) -> Result<(), RerunRefusal> {
    let (sha, attempt) = state.write(|w| {
        let (repo, ids) = w.repo_mut(slug).ok_or(RerunRefusal::NotFound)?;
        let run = repo.workflow_run(run_id).ok_or(RerunRefusal::NotFound)?;
        let sha = run.head_sha.clone();
        if !repo.rerun_allowed {
            return Err(RerunRefusal::NotAllowed);
        }
        let jobs = repo.latest_jobs(run_id);
        if jobs.iter().any(|j| j.status != "completed") {
            return Err(RerunRefusal::Running);
        }
        let failed: Vec<String> = jobs
            .iter()
            .filter(|j| is_failed(j))
            .map(|j| j.name.clone())
            .collect();
        if failed.is_empty() {
            return Err(RerunRefusal::NothingFailed);
        }
        let number = next_attempt(repo, run_id);
        let jobs = failed
            .iter()
            .map(|name| (repo.insert_job(ids, run_id, &sha, name), name.clone()));
        let jobs = jobs.collect();
        repo.refresh_run(run_id);
        let attempt = Attempt {
            script: repo.ci.clone().unwrap_or_default(),
            run_id,
            jobs,
            git: repo.git_dir.clone().map(GitDir::new),
            default_branch: repo.default_branch.clone(),
            number,
            statuses: false,
        };
        Ok((sha, attempt))
    })?;
    ci::drive_later(state, slug, &sha, attempt);
    Ok(())
}

/// Opens the run's next attempt and returns its number.
fn next_attempt(repo: &mut Repo, run_id: u64) -> u32 {
    let Some(run) = repo.workflow_runs.iter_mut().find(|r| r.id == run_id) else {
        return 1;
    };
    run.run_attempt += 1;
    run.run_started_at = now();
    run.run_attempt
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::World;

    fn repo_with_run(conclusions: &[Option<&str>]) -> (World, RepoSlug, u64) {
        let mut world = World::default();
        let slug = RepoSlug::new("acme", "widgets");
        world.repos.push(Repo::new(slug.clone(), 1, "main"));
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        let names: Vec<String> = (0..conclusions.len()).map(|i| format!("job{i}")).collect();
        let (run, jobs) = repo.insert_workflow_run(ids, &"a".repeat(40), "octocat", &names);
        for ((id, _), conclusion) in jobs.iter().zip(conclusions) {
            let status = if conclusion.is_some() {
                "completed"
            } else {
                "in_progress"
            };
            repo.update_check_run(*id, status, *conclusion);
        }
        repo.refresh_run(run);
        (world, slug, run)
    }

    #[test]
    fn a_run_concludes_from_its_latest_jobs() {
        let (mut world, slug, run) = repo_with_run(&[Some("success"), Some("failure")]);
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        let r = repo.workflow_run(run).unwrap();
        assert_eq!(
            (r.status.as_str(), r.conclusion.as_deref()),
            ("completed", Some("failure"))
        );
        assert_eq!((r.event.as_str(), r.head_branch.as_str()), ("push", "main"));
        let again = repo.insert_job(ids, run, &"a".repeat(40), "job1");
        repo.refresh_run(run);
        assert_eq!(repo.workflow_run(run).unwrap().status, "queued");
        repo.update_check_run(again, "completed", Some("success"));
        repo.refresh_run(run);
        assert_eq!(repo.latest_jobs(run).len(), 2);
        let r = repo.workflow_run(run).unwrap();
        assert_eq!(
            (r.status.as_str(), r.conclusion.as_deref()),
            ("completed", Some("success"))
        );
    }

    #[tokio::test]
    async fn reruns_refuse_unknown_running_forbidden_and_green_runs() {
        let state = SandboxState::new();
        let handle = state.add_repo("acme/widgets", "main");
        let slug = handle.slug().clone();
        let (world, _, run) = repo_with_run(&[None]);
        let runs = world.repos[0].workflow_runs.clone();
        let checks = world.repos[0].check_runs.clone();
        state.write(|w| {
            let (repo, _) = w.repo_mut(&slug).unwrap();
            (repo.workflow_runs, repo.check_runs) = (runs, checks);
        });
        assert_eq!(
            rerun_failed_jobs(&state, &slug, 999),
            Err(RerunRefusal::NotFound)
        );
        assert_eq!(
            rerun_failed_jobs(&state, &slug, run),
            Err(RerunRefusal::Running)
        );
        let job = handle.check_runs(&"a".repeat(40))[0].id;
        handle.update_check_run(job, "completed", Some("success"));
        assert_eq!(
            rerun_failed_jobs(&state, &slug, run),
            Err(RerunRefusal::NothingFailed)
        );
        handle.set_rerun_allowed(false);
        assert_eq!(
            rerun_failed_jobs(&state, &slug, run),
            Err(RerunRefusal::NotAllowed)
        );
    }
}
