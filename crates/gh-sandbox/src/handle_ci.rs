//! What a test or the demo sets and reads of GitHub Actions and the merge
//! queue through the repository handle: whether the token may re-run
//! workflows, the workflow runs on a commit, the repository ruleset (the
//! merge queue, required checks), which PRs fail in the queue, and someone
//! enqueuing a PR by hand.

use super::handle::RepoHandle;
use super::model::{QueueEntry, WorkflowRun};
use super::sim::queue::{self, EnqueueRefusal};
use super::types::{PrNumber, RequiredChecks};

impl RepoHandle {
    /// Whether the token may re-run workflow runs (default yes); without,
    /// `rerun-failed-jobs` answers 403 `Resource not accessible by
    /// integration`, as for a token lacking `actions: write`.
    pub fn set_rerun_allowed(&self, allowed: bool) {
        self.edit(|r, _, _| r.rerun_allowed = allowed);
    }

    /// The workflow runs on `sha`, oldest first.
    pub fn workflow_runs(&self, sha: &str) -> Vec<WorkflowRun> {
        self.view(|r| {
            let on_sha = r.workflow_runs.iter().filter(|run| run.head_sha == sha);
            on_sha.cloned().collect()
        })
    }

    pub fn workflow_run(&self, id: u64) -> Option<WorkflowRun> {
        self.view(|r| r.workflow_run(id).cloned())
    }

    /// Requires the merge queue for `branch`, as a repository ruleset with
    /// a `merge_queue` rule does: `GET .../rules/branches/{branch}` lists
    /// it, REST merges into the branch answer 405, and `enqueuePullRequest`
    /// admits PRs into it.
    pub fn enable_merge_queue(&self, branch: &str) {
        self.edit(|r, ids, _| {
            r.ruleset.id.get_or_insert_with(|| ids.next());
            r.ruleset.merge_queue.insert(branch.to_string())
        });
    }

    /// Lets `branch` be merged directly again; entries already queued are
    /// still worked through.
    pub fn disable_merge_queue(&self, branch: &str) {
        self.edit(|r, _, _| r.ruleset.merge_queue.remove(branch));
    }

    /// A `required_status_checks` rule on `branch` in the repository ruleset
    /// (`None` drops it): `GET .../rules/branches/{branch}` lists it with
    /// `strict_required_status_checks_policy`, and a strict one makes a REST
    /// merge of a `behind` PR answer 405, as classic strict protection does.
    pub fn set_ruleset_checks(&self, branch: &str, checks: Option<RequiredChecks>) {
        self.edit(|r, ids, _| {
            r.ruleset.id.get_or_insert_with(|| ids.next());
            match checks {
                Some(checks) => r.ruleset.required_checks.insert(branch.to_string(), checks),
                None => r.ruleset.required_checks.remove(branch),
            }
        });
    }

    /// Makes `pr`'s merge-group CI fail from now on, so the queue kicks it
    /// out (a repository without a CI script fails the group all the same).
    pub fn fail_in_queue(&self, pr: PrNumber) {
        self.edit(|r, _, _| r.merge_queue.failing.insert(pr.0));
    }

    /// Undoes [`RepoHandle::fail_in_queue`].
    pub fn pass_in_queue(&self, pr: PrNumber) {
        self.edit(|r, _, _| r.merge_queue.failing.remove(&pr.0));
    }

    /// The entries waiting in `branch`'s queue, the next to merge first.
    pub fn merge_queue(&self, branch: &str) -> Vec<QueueEntry> {
        self.view(|r| {
            let entries = r.merge_queue.entries.iter();
            entries.filter(|e| e.base_ref == branch).cloned().collect()
        })
    }

    /// `login` adds `pr` to its base branch's queue at its current head, as
    /// the "Merge when ready" button does; the queue starts working through
    /// it on the sandbox's runtime. Returns the entry (the existing one if
    /// the PR already waits).
    ///
    /// # Panics
    /// If `pr` cannot be enqueued (closed, merged, no queue on its base).
    pub fn enqueue_as(&self, pr: PrNumber, login: &str) -> QueueEntry {
        let head_ref = self.view(|r| {
            let pull = r.pull(pr.0).and_then(|i| i.pull.as_ref());
            pull.map(|p| p.head_ref.clone())
        });
        let head = head_ref.and_then(|b| self.branch(&b));
        self.edit(|r, _, _| {
            let pull = r.items.get_mut(&pr.0).and_then(|i| i.pull.as_mut());
            if let (Some(pull), Some(head)) = (pull, head) {
                pull.head_sha = head;
            }
        });
        let (entry, _) = queue::admit(self.state(), self.slug(), pr.0, login, None)
            .unwrap_or_else(|e: EnqueueRefusal| panic!("{pr} cannot be enqueued: {}", e.message()));
        queue::start_worker(self.state(), self.slug(), &entry.base_ref);
        entry
    }
}
