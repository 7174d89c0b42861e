//! What people do on GitHub while a run goes on, through the test handle:
//! merge a pull request (a squash, as the merge route does), close one,
//! reopen it or an issue, push a commit to its head branch, point it at
//! another base. Who did it is recorded where GitHub records it
//! (`merged_by`, `closed_by`). Like the other builder calls, these panic on
//! a setup mistake (an unknown or closed pull request, a git failure).

use super::handle::{RepoHandle, fake_sha};
use super::merging;
use super::model::{DiffLine, PullInfo, now};
use super::specs::CommitSpec;
use super::types::{IssueNumber, PrNumber};

impl RepoHandle {
    /// `login` squash-merges `pr` at its current head, as the merge button
    /// does: the base branch moves to the new commit, the PR closes as
    /// merged and the issues it closes close. Returns the merge commit.
    ///
    /// # Panics
    /// If `pr` is not an open pull request, or its head conflicts with its base.
    pub fn merge_pull_as(&self, pr: PrNumber, login: &str) -> String {
        let (title, pull) = self.open_pull(pr);
        let head = self.branch(&pull.head_ref).unwrap_or(pull.head_sha);
        let base_ref = pull.base_ref;
        let base = self
            .branch(&base_ref)
            .unwrap_or_else(|| fake_sha(&base_ref));
        let message = merging::message(&title, pr.0, &pull.head_ref, "squash", None, None);
        let git = self.git();
        let in_memory = git.is_none();
        let merged = match git {
            Some(git) => merging::write(&git, (&base, &base_ref), &head, false, &message)
                .expect("git writes the merge")
                .unwrap_or_else(|refusal| panic!("{pr} cannot be merged: {refusal:?}")),
            None => merging::made_up(pr.0, &base),
        };
        self.edit(|r, _, _| {
            if in_memory {
                r.branches.insert(base_ref, merged.clone());
            }
            if let Some(pull) = r.items.get_mut(&pr.0).and_then(|i| i.pull.as_mut()) {
                pull.head_sha = head;
            }
            r.record_merge(pr.0, &merged, login);
        });
        merged
    }

    /// `login` closes `pr` without merging it.
    ///
    /// # Panics
    /// If `pr` is not an open pull request.
    pub fn close_pull_as(&self, pr: PrNumber, login: &str) {
        self.open_pull(pr);
        self.edit(|r, _, _| r.close_item(pr.0, login));
    }

    /// `login` closes `issue`.
    ///
    /// # Panics
    /// If `issue` is not an open issue.
    pub fn close_issue_as(&self, issue: IssueNumber, login: &str) {
        let closed = self.edit(|r, _, _| {
            let is_issue = r.items.get(&issue.0).is_some_and(|i| i.pull.is_none());
            is_issue && r.close_item(issue.0, login)
        });
        assert!(closed, "issue {issue} is open");
    }

    /// Reopens a closed, unmerged pull request: open again, with
    /// `closed_at` and `closed_by` cleared.
    ///
    /// # Panics
    /// If `pr` is not a closed, unmerged pull request.
    pub fn reopen_pull(&self, pr: PrNumber) {
        let reopened = self.edit(|r, _, _| r.pull(pr.0).is_some() && r.reopen_item(pr.0));
        assert!(reopened, "pull request {pr} is closed and not merged");
    }

    /// Reopens a closed issue.
    ///
    /// # Panics
    /// If `issue` is not a closed issue.
    pub fn reopen_issue(&self, issue: IssueNumber) {
        let reopened = self.edit(|r, _, _| {
            let is_issue = r.items.get(&issue.0).is_some_and(|i| i.pull.is_none());
            is_issue && r.reopen_item(issue.0)
        });
        assert!(reopened, "issue {issue} is closed");
    }

    /// Someone pushes `commit` on top of `pr`'s head branch: the head
    /// moves. With git backing it is a real commit whose parent is the old
    /// head; without, a made-up SHA, and the files' lines join the PR's diff.
    /// Returns the new head.
    ///
    /// # Panics
    /// If `pr` is not an open pull request, or git fails.
    pub fn push_to_pull(&self, pr: PrNumber, commit: CommitSpec) -> String {
        let (_, pull) = self.open_pull(pr);
        let head = self.branch(&pull.head_ref).unwrap_or(pull.head_sha);
        let git = self.git();
        let in_memory = git.is_none();
        let new_head = match git {
            Some(git) => {
                let mut tree = git.tree_of(&head).expect("git reads the head's tree");
                for (path, content) in &commit.files {
                    let blob = git.write_blob(content).expect("git stores the file");
                    tree = git
                        .tree_with_file(&tree, path, &blob)
                        .expect("git writes the tree");
                }
                let new = git
                    .commit_tree(&tree, &[&head], &commit.message)
                    .expect("git writes the commit");
                git.move_branch(&pull.head_ref, &new, &head)
                    .expect("the head branch did not move meanwhile");
                new
            }
            None => fake_sha(&format!("{head}+{}", commit.message)),
        };
        self.edit(|r, _, _| {
            if in_memory {
                r.branches.insert(pull.head_ref.clone(), new_head.clone());
            }
            let item = r.items.get_mut(&pr.0).expect("pull exists");
            item.updated_at = now();
            let pull = item.pull.as_mut().expect("item is a pull request");
            pull.head_sha = new_head.clone();
            if in_memory {
                pull.diff.extend(added_lines(&commit));
            }
        });
        new_head
    }

    /// Points `pr` at another base branch, as editing the PR on GitHub does.
    ///
    /// # Panics
    /// If `pr` is not an open pull request or `base` does not exist.
    pub fn change_pull_base(&self, pr: PrNumber, base: &str) {
        self.open_pull(pr);
        assert!(self.branch(base).is_some(), "base branch {base} exists");
        self.edit(|r, _, _| {
            let item = r.items.get_mut(&pr.0).expect("pull exists");
            item.updated_at = now();
            if let Some(pull) = item.pull.as_mut() {
                pull.base_ref = base.to_string();
            }
        });
    }

    /// The title and pull request part of an open, unmerged PR.
    fn open_pull(&self, pr: PrNumber) -> (String, PullInfo) {
        let found = self.view(|r| {
            let item = r.pull(pr.0)?;
            let open = item.state == super::types::ItemState::Open;
            open.then(|| Some((item.title.clone(), item.pull.clone()?)))?
        });
        found.unwrap_or_else(|| panic!("pull request {pr} is open"))
    }
}

/// The lines a commit's files add, for a PR without git backing.
fn added_lines(commit: &CommitSpec) -> Vec<DiffLine> {
    let mut lines = Vec::new();
    for (path, content) in &commit.files {
        for (i, text) in content.lines().enumerate() {
            lines.push(DiffLine {
                path: path.clone(),
                line: i as u64 + 1,
                text: text.to_string(),
            });
        }
    }
    lines
}
