//! The merge queue: admitting pull requests into a base branch's queue
//! (GitHub's `enqueuePullRequest` rules) and working through each queue one
//! entry at a time, as GitHub's queue does with groups of one. What happens
//! to an entry (its merge group built, tested, landed or kicked out) is
//! `merge_group`'s.

use std::time::Duration;

use crate::types::{ItemState, RepoSlug};

use super::super::backend;
use super::super::model::{QueueEntry, Repo, now};
use super::super::state::SandboxState;
use super::merge_group;

/// How long the queue waits for a group's checks, as the rule's
/// `check_response_timeout_minutes` says.
pub const CHECK_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Why a pull request cannot join the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnqueueRefusal {
    NoPull,
    Closed,
    Merged,
    /// Its base branch has no merge queue.
    NoQueue,
    /// `expectedHeadOid` is not the head.
    HeadMoved,
}

impl EnqueueRefusal {
    /// The GraphQL error message.
    pub fn message(&self) -> &'static str {
        match self {
            EnqueueRefusal::NoPull => "Could not resolve to a PullRequest.",
            EnqueueRefusal::Closed => "Pull request is closed",
            EnqueueRefusal::Merged => "Pull request is already merged",
            EnqueueRefusal::NoQueue => "Pull request's base branch does not require a merge queue",
            EnqueueRefusal::HeadMoved => {
                "Head branch was modified. Review and try the merge again."
            }
        }
    }
}

impl Repo {
    /// The 1-based place of `entry` in its base branch's queue.
    pub fn queue_position(&self, entry: &QueueEntry) -> usize {
        let same_base = self
            .merge_queue
            .entries
            .iter()
            .filter(|e| e.base_ref == entry.base_ref);
        same_base.take_while(|e| e.id != entry.id).count() + 1
    }

    /// The queue entry of PR `pr`, if it waits in one.
    pub fn queue_entry(&self, pr: u64) -> Option<&QueueEntry> {
        self.merge_queue.entries.iter().find(|e| e.pr == pr)
    }
}

/// Puts `pr` in its base branch's queue as `by` (after reading its head
/// from its branch) and makes sure the queue is being worked through.
/// Enqueuing a PR already waiting answers its entry. Returns the entry and
/// its position as they were on admission.
pub async fn enqueue(
    state: &SandboxState,
    slug: &RepoSlug,
    pr: u64,
    by: &str,
    expected_head: Option<&str>,
) -> Result<(QueueEntry, usize), EnqueueRefusal> {
    if let Ok(heads) = backend::heads(state, slug).await {
        backend::sync_pull_heads(state, slug, &heads);
    }
    let admitted = admit(state, slug, pr, by, expected_head)?;
    start_worker(state, slug, &admitted.0.base_ref);
    Ok(admitted)
}

/// Adds the entry, or finds the one already there; with its position.
pub fn admit(
    state: &SandboxState,
    slug: &RepoSlug,
    pr: u64,
    by: &str,
    expected_head: Option<&str>,
) -> Result<(QueueEntry, usize), EnqueueRefusal> {
    state.write(|w| {
        let (repo, ids) = w.repo_mut(slug).ok_or(EnqueueRefusal::NoPull)?;
        let item = repo.pull(pr).ok_or(EnqueueRefusal::NoPull)?;
        let pull = item.pull.clone().ok_or(EnqueueRefusal::NoPull)?;
        if pull.merged {
            return Err(EnqueueRefusal::Merged);
        }
        if item.state != ItemState::Open {
            return Err(EnqueueRefusal::Closed);
        }
        if !repo.ruleset.requires_queue(&pull.base_ref) {
            return Err(EnqueueRefusal::NoQueue);
        }
        if expected_head.is_some_and(|e| !e.eq_ignore_ascii_case(&pull.head_sha)) {
            return Err(EnqueueRefusal::HeadMoved);
        }
        if let Some(existing) = repo.queue_entry(pr) {
            return Ok((existing.clone(), repo.queue_position(existing)));
        }
        let entry = QueueEntry {
            id: ids.next(),
            pr,
            base_ref: pull.base_ref,
            enqueuer: by.to_string(),
            head_sha: pull.head_sha,
            state: "QUEUED".to_string(),
            enqueued_at: now(),
            group_sha: None,
            group_branch: None,
        };
        repo.merge_queue.entries.push(entry.clone());
        Ok((entry.clone(), repo.queue_position(&entry)))
    })
}

/// Works through `base`'s queue in the background unless that runs already.
pub fn start_worker(state: &SandboxState, slug: &RepoSlug, base: &str) {
    let runtime = tokio::runtime::Handle::try_current()
        .ok()
        .or_else(|| state.runtime());
    let Some(runtime) = runtime else {
        tracing::warn!(%slug, base, "no runtime for the merge queue");
        return;
    };
    let fresh = state.write(|w| {
        let (repo, _) = w.repo_mut(slug)?;
        Some(repo.merge_queue.working.insert(base.to_string()))
    });
    if fresh == Some(true) {
        runtime.spawn(work(state.clone(), slug.clone(), base.to_string()));
    }
}

/// Takes the first entry of `base`'s queue until none is left.
async fn work(state: SandboxState, slug: RepoSlug, base: String) {
    loop {
        let next = state.write(|w| {
            let (repo, _) = w.repo_mut(&slug)?;
            let queue = &mut repo.merge_queue;
            let first = queue.entries.iter().find(|e| e.base_ref == base).cloned();
            if first.is_none() {
                queue.working.remove(&base);
            }
            first
        });
        let Some(entry) = next else {
            return;
        };
        if let Err(err) = merge_group::process(&state, &slug, &entry).await {
            tracing::warn!(%slug, pr = entry.pr, error = %err.message, "merge queue failed");
            merge_group::kick_out(&state, &slug, &entry).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::specs::PullSpec;
    use crate::types::PrNumber;

    fn repo() -> (SandboxState, crate::RepoHandle, PrNumber) {
        let state = SandboxState::new();
        let repo = state.add_repo("acme/widgets", "main");
        let pr = repo.add_pull(PullSpec::new("Add x", "feat/x").head_sha("a".repeat(40)));
        (state, repo, pr)
    }

    #[test]
    fn admission_checks_queue_state_and_head_and_is_idempotent() {
        let (state, repo, pr) = repo();
        let slug = repo.slug().clone();
        let admit = |head: Option<&str>| admit(&state, &slug, pr.0, "alice", head);
        assert_eq!(admit(None), Err(EnqueueRefusal::NoQueue));
        repo.enable_merge_queue("main");
        assert_eq!(admit(Some(&"b".repeat(40))), Err(EnqueueRefusal::HeadMoved));
        let (first, at) = admit(Some(&"A".repeat(40))).unwrap();
        assert_eq!(at, 1);
        assert_eq!(
            (first.state.as_str(), first.enqueuer.as_str()),
            ("QUEUED", "alice")
        );
        assert_eq!(admit(None).unwrap().0.id, first.id, "enqueued once");
        let second = repo.add_pull(PullSpec::new("Add y", "feat/y"));
        let other = admit_pr(&state, &slug, second.0);
        repo.view(|r| {
            assert_eq!(r.queue_position(&first), 1);
            assert_eq!(r.queue_position(&other), 2);
        });
        repo.close_pull_as(second, "bob");
        assert_eq!(
            admit_pr_err(&state, &slug, second.0),
            EnqueueRefusal::Closed
        );
        assert_eq!(admit_pr_err(&state, &slug, 99), EnqueueRefusal::NoPull);
    }

    fn admit_pr(state: &SandboxState, slug: &RepoSlug, pr: u64) -> QueueEntry {
        admit(state, slug, pr, "alice", None).unwrap().0
    }

    fn admit_pr_err(state: &SandboxState, slug: &RepoSlug, pr: u64) -> EnqueueRefusal {
        admit(state, slug, pr, "alice", None).unwrap_err()
    }
}
