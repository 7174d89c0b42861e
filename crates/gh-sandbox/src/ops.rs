//! Changes to one repository that both the routes and the builders make:
//! creating issues, pull requests, comments, reviews, check runs and statuses,
//! and closing what a merged pull request links.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;

use crate::types::ItemState;

use super::model::{
    CheckRun, CommitStatus, Ids, IssueComment, Item, PullInfo, Repo, Review, ReviewComment, now,
};
use super::specs::{IssueSpec, PullSpec, ReviewCommentSpec, ReviewSpec};

impl Repo {
    pub fn insert_issue(&mut self, ids: &mut Ids, spec: IssueSpec, viewer: &str) -> u64 {
        let number = self.next_number();
        let at = now();
        let closed = spec.state == ItemState::Closed;
        let author = spec.author.unwrap_or_else(|| viewer.to_string());
        let item = Item {
            id: ids.next(),
            number,
            title: spec.title,
            body: spec.body,
            labels: spec.labels,
            state: spec.state,
            milestone: spec.milestone,
            closed_by: closed.then(|| author.clone()),
            author,
            created_at: at,
            updated_at: at,
            closed_at: closed.then_some(at),
            blocked_by: Vec::new(),
            pull: None,
        };
        self.items.insert(number, item);
        number
    }

    /// Adds an open pull request whose head is `head_sha`.
    pub fn insert_pull(
        &mut self,
        ids: &mut Ids,
        spec: PullSpec,
        head_sha: String,
        viewer: &str,
    ) -> u64 {
        let issue = IssueSpec {
            title: spec.title,
            body: spec.body,
            labels: Vec::new(),
            state: ItemState::Open,
            milestone: spec.milestone,
            author: spec.author,
        };
        let number = self.insert_issue(ids, issue, viewer);
        let pull = PullInfo {
            id: ids.next(),
            head_ref: spec.head,
            head_sha,
            base_ref: spec.base.unwrap_or_else(|| self.default_branch.clone()),
            draft: spec.draft,
            merged: false,
            merged_at: None,
            merged_by: None,
            merge_commit_sha: None,
            mergeable_state: None,
            diff: spec.diff,
        };
        if let Some(item) = self.items.get_mut(&number) {
            item.pull = Some(pull);
        }
        number
    }

    pub fn insert_issue_comment(
        &mut self,
        ids: &mut Ids,
        issue: u64,
        author: &str,
        body: &str,
    ) -> u64 {
        let id = ids.next();
        let comment = IssueComment {
            id,
            issue,
            author: author.to_string(),
            body: body.to_string(),
            created_at: now(),
        };
        self.issue_comments.push(comment);
        if let Some(item) = self.items.get_mut(&issue) {
            item.updated_at = now();
        }
        id
    }

    /// Adds a submitted review; `head` is the PR's head, used when the spec names no commit.
    pub fn insert_review(&mut self, ids: &mut Ids, pr: u64, spec: ReviewSpec, head: &str) -> u64 {
        let id = ids.next();
        self.reviews.push(Review {
            id,
            pr,
            author: spec.author,
            body: spec.body,
            state: spec.state,
            commit_id: spec.commit_id.unwrap_or_else(|| head.to_string()),
            submitted_at: now(),
        });
        id
    }

    pub fn insert_review_comment(
        &mut self,
        ids: &mut Ids,
        pr: u64,
        spec: ReviewCommentSpec,
        head: &str,
    ) -> u64 {
        let id = ids.next();
        let line = spec.line.unwrap_or(1);
        self.review_comments.push(ReviewComment {
            id,
            pr,
            review_id: spec.review_id,
            author: spec.author,
            body: spec.body,
            diff_hunk: format!("@@ -{line},0 +{line},1 @@"),
            path: spec.path,
            line: spec.line,
            commit_id: spec.commit_id.unwrap_or_else(|| head.to_string()),
            in_reply_to: spec.in_reply_to,
            created_at: now(),
        });
        id
    }

    pub fn insert_check_run(
        &mut self,
        ids: &mut Ids,
        sha: &str,
        name: &str,
        status: &str,
        conclusion: Option<&str>,
    ) -> u64 {
        let id = ids.next();
        let completed = status == "completed";
        self.check_runs.push(CheckRun {
            id,
            head_sha: sha.to_string(),
            name: name.to_string(),
            status: status.to_string(),
            conclusion: conclusion.map(str::to_string),
            started_at: now(),
            completed_at: completed.then(now),
            details_url: None,
            run_id: None,
        });
        id
    }

    /// Moves a check run along (and the workflow run it is a job of); false
    /// when there is no such run.
    pub fn update_check_run(&mut self, id: u64, status: &str, conclusion: Option<&str>) -> bool {
        let Some(run) = self.check_runs.iter_mut().find(|r| r.id == id) else {
            return false;
        };
        run.status = status.to_string();
        run.conclusion = conclusion.map(str::to_string);
        run.completed_at = (status == "completed").then(now);
        if let Some(workflow_run) = run.run_id {
            self.refresh_run(workflow_run);
        }
        true
    }

    pub fn insert_status(
        &mut self,
        ids: &mut Ids,
        sha: &str,
        context: &str,
        state: &str,
        description: Option<&str>,
    ) -> u64 {
        let id = ids.next();
        self.statuses.push(CommitStatus {
            id,
            sha: sha.to_string(),
            context: context.to_string(),
            state: state.to_string(),
            description: description.map(str::to_string),
            target_url: None,
            created_at: now(),
        });
        id
    }

    /// Records a merge by `merged_by`: the PR closes as merged, and every
    /// issue its body links with `Closes/Fixes/Resolves #N` closes, closed by
    /// the same person (as GitHub records it).
    pub fn record_merge(&mut self, pr: u64, merge_sha: &str, merged_by: &str) {
        let at = now();
        let mut linked = Vec::new();
        if let Some(item) = self.items.get_mut(&pr) {
            close(item, merged_by, at);
            linked = closing_references(item.body.as_deref().unwrap_or_default());
            if let Some(pull) = item.pull.as_mut() {
                pull.merged = true;
                pull.merged_at = Some(at);
                pull.merged_by = Some(merged_by.to_string());
                pull.merge_commit_sha = Some(merge_sha.to_string());
            }
        }
        for number in linked {
            if let Some(issue) = self.items.get_mut(&number).filter(|i| i.pull.is_none()) {
                close(issue, merged_by, at);
            }
        }
    }

    /// Closes an open issue or an unmerged PR as `by`; false when it was
    /// not open.
    pub fn close_item(&mut self, number: u64, by: &str) -> bool {
        match self.items.get_mut(&number) {
            Some(item) if item.state == ItemState::Open => {
                close(item, by, now());
                true
            }
            _ => false,
        }
    }

    /// Reopens a closed issue or a closed, unmerged PR: open again, with
    /// `closed_at` and `closed_by` cleared. False when there was nothing to
    /// reopen (GitHub cannot reopen a merged PR either).
    pub fn reopen_item(&mut self, number: u64) -> bool {
        let Some(item) = self.items.get_mut(&number) else {
            return false;
        };
        let merged = item.pull.as_ref().is_some_and(|p| p.merged);
        if item.state == ItemState::Open || merged {
            return false;
        }
        item.state = ItemState::Open;
        item.closed_at = None;
        item.closed_by = None;
        item.updated_at = now();
        true
    }
}

fn close(item: &mut Item, by: &str, at: DateTime<Utc>) {
    item.state = ItemState::Closed;
    item.closed_at = Some(at);
    item.closed_by = Some(by.to_string());
    item.updated_at = at;
}

/// Issue numbers a PR body closes, in GitHub's keyword forms.
pub fn closing_references(body: &str) -> Vec<u64> {
    static CLOSES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b")
            .expect("closing-keyword pattern is valid")
    });
    CLOSES
        .captures_iter(body)
        .filter_map(|c| c[1].parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::World;
    use crate::types::RepoSlug;

    #[test]
    fn closing_keywords_in_every_form_are_found() {
        let body = "Closes #12\nfixes #3, resolved #4. Fix: #9\nsee #5, closes#6";
        assert_eq!(closing_references(body), vec![12, 3, 4, 9]);
    }

    #[test]
    fn issues_and_pulls_share_one_counter() {
        let mut world = World::default();
        let slug = RepoSlug::new("o", "r");
        world.repos.push(Repo::new(slug.clone(), 1, "main"));
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        let issue = repo.insert_issue(ids, IssueSpec::new("a"), "me");
        let pr = repo.insert_pull(ids, PullSpec::new("b", "feat/x"), "ab".repeat(20), "me");
        let next = repo.insert_issue(ids, IssueSpec::new("c"), "me");
        assert_eq!((issue, pr, next), (1, 2, 3));
        assert_eq!(
            repo.pull(2).unwrap().pull.as_ref().unwrap().base_ref,
            "main"
        );
        assert!(repo.pull(1).is_none());
    }

    #[test]
    fn a_merge_closes_the_pr_and_the_issues_it_links() {
        let mut world = World::default();
        let slug = RepoSlug::new("o", "r");
        world.repos.push(Repo::new(slug.clone(), 1, "main"));
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        let linked = repo.insert_issue(ids, IssueSpec::new("a"), "me");
        let other = repo.insert_issue(ids, IssueSpec::new("b"), "me");
        let pr = repo.insert_pull(
            ids,
            PullSpec::new("c", "x").body("Closes #1"),
            "s".into(),
            "me",
        );
        repo.record_merge(pr, "m", "alice");
        let pull = repo.items[&pr].pull.clone().unwrap();
        assert!(pull.merged);
        assert_eq!(pull.merge_commit_sha.as_deref(), Some("m"));
        assert_eq!(pull.merged_by.as_deref(), Some("alice"));
        assert_eq!(repo.items[&pr].state, ItemState::Closed);
        assert_eq!(repo.items[&pr].closed_by.as_deref(), Some("alice"));
        assert_eq!(repo.items[&linked].state, ItemState::Closed);
        assert_eq!(repo.items[&linked].closed_by.as_deref(), Some("alice"));
        assert_eq!(repo.items[&other].state, ItemState::Open);
        assert_eq!(repo.items[&other].closed_by, None);
        assert!(!repo.reopen_item(pr), "a merged PR stays closed");
    }

    #[test]
    fn closing_records_who_and_reopening_clears_it() {
        let mut world = World::default();
        let slug = RepoSlug::new("o", "r");
        world.repos.push(Repo::new(slug.clone(), 1, "main"));
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        let pr = repo.insert_pull(ids, PullSpec::new("c", "x"), "s".into(), "me");
        let born_closed =
            repo.insert_issue(ids, IssueSpec::new("old").closed().author("bob"), "me");
        assert_eq!(repo.items[&born_closed].closed_by.as_deref(), Some("bob"));
        assert!(repo.close_item(pr, "carol"));
        assert!(!repo.close_item(pr, "dave"), "already closed");
        let item = &repo.items[&pr];
        assert_eq!(
            (item.state, item.closed_by.as_deref()),
            (ItemState::Closed, Some("carol"))
        );
        assert!(item.closed_at.is_some() && !item.pull.as_ref().unwrap().merged);
        assert!(repo.reopen_item(pr));
        assert!(!repo.reopen_item(pr), "already open");
        let item = &repo.items[&pr];
        assert_eq!(
            (item.state, item.closed_at, item.closed_by.clone()),
            (ItemState::Open, None, None)
        );
    }
}
