//! Status changes: start, merge, fail, skip, and seeding known states on
//! resume. Failures and skips propagate to every dependent still waiting, so
//! no issue starts on top of work that will not land.

use std::collections::{BTreeSet, VecDeque};

use super::scheduler::Scheduler;
use super::types::{IssueStatus, TransitionError};
use crate::ids::IssueNumber;

impl Scheduler {
    /// Seeds states known from the checkpoint, before the run starts. Then,
    /// as if each seeded failure or skip had just happened, waiting
    /// dependents are skipped; they are returned so the caller persists them
    /// (a crash may have cut the last run short before it did).
    pub fn restore(
        &mut self,
        known: impl IntoIterator<Item = (IssueNumber, IssueStatus)>,
    ) -> Result<Vec<(IssueNumber, String)>, TransitionError> {
        let mut roots = BTreeSet::new();
        for (issue, status) in known {
            let node = self
                .nodes
                .get_mut(&issue)
                .ok_or(TransitionError::UnknownIssue(issue))?;
            if node.status != IssueStatus::Waiting {
                return Err(TransitionError::AlreadyKnown {
                    issue,
                    status: node.status.label(),
                });
            }
            if matches!(
                status,
                IssueStatus::Failed { .. } | IssueStatus::Skipped { .. }
            ) {
                roots.insert(issue);
            }
            node.status = status;
        }
        // Propagate only after every seed is in, so a seed for a dependent
        // is never refused because its blocker's propagation came first.
        Ok(roots
            .into_iter()
            .flat_map(|root| self.propagate(root))
            .collect())
    }

    /// Records that `issue` was started. It must be ready.
    pub fn mark_active(&mut self, issue: IssueNumber) -> Result<(), TransitionError> {
        match &self.node_status(issue)? {
            IssueStatus::Waiting => {}
            IssueStatus::Active => return Err(TransitionError::AlreadyActive(issue)),
            done => return Err(already_final(issue, done)),
        }
        if !self.ready().contains(&issue) {
            return Err(TransitionError::NotReady(issue));
        }
        self.set(issue, IssueStatus::Active);
        Ok(())
    }

    /// Records that `issue` was merged. Returns the issues this made ready
    /// (for "unblocked" lines); [`Scheduler::ready`] stays the full answer.
    pub fn mark_merged(&mut self, issue: IssueNumber) -> Result<Vec<IssueNumber>, TransitionError> {
        match &self.node_status(issue)? {
            IssueStatus::Active => {}
            IssueStatus::Waiting => {
                return Err(TransitionError::NotActive {
                    issue,
                    status: "waiting",
                });
            }
            done => return Err(already_final(issue, done)),
        }
        let before = self.ready();
        self.set(issue, IssueStatus::Merged);
        Ok(self
            .ready()
            .into_iter()
            .filter(|n| !before.contains(n))
            .collect())
    }

    /// Records that `issue` failed and skips every waiting dependent,
    /// transitively. Returns those skipped, with their reasons, to persist.
    pub fn mark_failed(
        &mut self,
        issue: IssueNumber,
        reason: impl Into<String>,
    ) -> Result<Vec<(IssueNumber, String)>, TransitionError> {
        self.finish_unmerged(
            issue,
            IssueStatus::Failed {
                reason: reason.into(),
            },
        )
    }

    /// Records that `issue` was skipped (a human said so, or work already
    /// existed) and skips every waiting dependent, like [`Scheduler::mark_failed`].
    pub fn mark_skipped(
        &mut self,
        issue: IssueNumber,
        reason: impl Into<String>,
    ) -> Result<Vec<(IssueNumber, String)>, TransitionError> {
        self.finish_unmerged(
            issue,
            IssueStatus::Skipped {
                reason: reason.into(),
            },
        )
    }

    fn finish_unmerged(
        &mut self,
        issue: IssueNumber,
        status: IssueStatus,
    ) -> Result<Vec<(IssueNumber, String)>, TransitionError> {
        let current = self.node_status(issue)?;
        if current.is_final() {
            return Err(already_final(issue, &current));
        }
        self.set(issue, status);
        Ok(self.propagate(issue))
    }

    /// Skips the waiting dependents of `root` (failed or skipped), breadth
    /// first in issue order, so in a diamond the lower-numbered path is named.
    /// Issues outside the run's wave, or already started or final, are left
    /// alone, and propagation does not pass through them.
    fn propagate(&mut self, root: IssueNumber) -> Vec<(IssueNumber, String)> {
        let cause = match &self.nodes[&root].status {
            IssueStatus::Failed { reason } => format!("failed: {reason}"),
            IssueStatus::Skipped { reason } => format!("was skipped: {reason}"),
            _ => return Vec::new(),
        };
        let mut skipped = Vec::new();
        let mut queue = VecDeque::from([root]);
        while let Some(via) = queue.pop_front() {
            for dependent in self.nodes[&via].dependents.clone() {
                let node = &self.nodes[&dependent];
                if node.status != IssueStatus::Waiting || !self.is_in_scope(node) {
                    continue;
                }
                // Name the direct blocker and, past the first step, the root
                // cause, so the reason stays one line however long the chain.
                let reason = if via == root {
                    format!("blocked by {root}, which {cause}")
                } else {
                    format!("blocked by {via}, which was skipped because {root} {cause}")
                };
                self.set(
                    dependent,
                    IssueStatus::Skipped {
                        reason: reason.clone(),
                    },
                );
                skipped.push((dependent, reason));
                queue.push_back(dependent);
            }
        }
        skipped
    }

    fn node_status(&self, issue: IssueNumber) -> Result<IssueStatus, TransitionError> {
        self.status(issue)
            .cloned()
            .ok_or(TransitionError::UnknownIssue(issue))
    }

    fn set(&mut self, issue: IssueNumber, status: IssueStatus) {
        self.nodes
            .get_mut(&issue)
            .expect("caller checked the issue exists")
            .status = status;
    }
}

fn already_final(issue: IssueNumber, status: &IssueStatus) -> TransitionError {
    TransitionError::AlreadyFinal {
        issue,
        status: status.label(),
    }
}
