//! Pull requests, reviews and inline review comments in GitHub's shapes.

use serde_json::{Value, json};

use crate::types::ItemState;

use super::super::model::{Item, PullInfo, Repo, Review, ReviewComment};
use super::issues::association;
use super::{Urls, label, merge, node_id, opt_ts, repository, ts, user};

/// What a pull request's JSON needs beyond the stored item, resolved by the caller.
pub struct PullView {
    /// The base branch's current head.
    pub base_sha: String,
    /// `Some` on a single-PR read (GitHub's `pull-request`), `None` in lists
    /// (`pull-request-simple`, which has no `merged`/`mergeable*` fields).
    pub mergeable_state: Option<String>,
}

pub fn pull(base: &str, repo: &Repo, item: &Item, view: &PullView) -> Value {
    let Some(pr) = &item.pull else {
        return Value::Null;
    };
    let urls = Urls::of(base, repo);
    let n = item.number;
    let labels: Vec<Value> = item.labels.iter().map(|l| label(urls, l)).collect();
    let milestone = item
        .milestone
        .and_then(|m| repo.milestone(m))
        .map(|m| super::issues::milestone(base, repo, m));
    let value = json!({
        "url": urls.api(&format!("/pulls/{n}")),
        "id": pr.id,
        "node_id": node_id("PR", pr.id),
        "html_url": urls.html(&format!("/pull/{n}")),
        "diff_url": urls.html(&format!("/pull/{n}.diff")),
        "patch_url": urls.html(&format!("/pull/{n}.patch")),
        "issue_url": urls.api(&format!("/issues/{n}")),
        "commits_url": urls.api(&format!("/pulls/{n}/commits")),
        "review_comments_url": urls.api(&format!("/pulls/{n}/comments")),
        "review_comment_url": urls.api("/pulls/comments{/number}"),
        "comments_url": urls.api(&format!("/issues/{n}/comments")),
        "statuses_url": urls.api(&format!("/statuses/{}", pr.head_sha)),
        "number": n,
        "state": item.state.to_string(),
        "locked": false,
        "title": item.title,
        "user": user(base, &item.author),
        "body": item.body,
        "labels": labels,
        "milestone": milestone,
        "active_lock_reason": null,
        "created_at": ts(item.created_at),
        "updated_at": ts(item.updated_at),
        "closed_at": opt_ts(item.closed_at),
        "merged_at": opt_ts(pr.merged_at),
        "merge_commit_sha": pr.merge_commit_sha,
        "assignee": null,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": branch_end(base, repo, &pr.head_ref, &pr.head_sha),
        "base": branch_end(base, repo, &pr.base_ref, &view.base_sha),
        "_links": links(urls, n, pr),
        "author_association": association(repo, &item.author),
        "auto_merge": null,
        "draft": pr.draft
    });
    match &view.mergeable_state {
        Some(state) => merge(value, detail(base, repo, item, pr, state)),
        None => value,
    }
}

/// The fields only a single-PR read carries.
fn detail(base: &str, repo: &Repo, item: &Item, pr: &PullInfo, state: &str) -> Value {
    let n = item.number;
    let open = item.state == ItemState::Open;
    let mergeable = match state {
        _ if !open => Value::Null,
        "dirty" => json!(false),
        "unknown" => Value::Null,
        _ => json!(true),
    };
    json!({
        "merged": pr.merged,
        "mergeable": mergeable,
        "rebaseable": mergeable,
        "mergeable_state": state,
        "merged_by": pr.merged_by.as_deref().map_or(Value::Null, |login| user(base, login)),
        "comments": repo.issue_comments.iter().filter(|c| c.issue == n).count(),
        "review_comments": repo.review_comments.iter().filter(|c| c.pr == n).count(),
        "maintainer_can_modify": false,
        "commits": 1,
        "additions": pr.diff.len(),
        "deletions": 0,
        "changed_files": 1
    })
}

fn branch_end(base: &str, repo: &Repo, branch: &str, sha: &str) -> Value {
    json!({
        "label": format!("{}:{branch}", repo.slug.owner),
        "ref": branch,
        "sha": sha,
        "user": user(base, &repo.slug.owner),
        "repo": repository(base, repo)
    })
}

fn links(urls: Urls, n: u64, pr: &PullInfo) -> Value {
    let href = |s: String| json!({ "href": s });
    json!({
        "self": href(urls.api(&format!("/pulls/{n}"))),
        "html": href(urls.html(&format!("/pull/{n}"))),
        "issue": href(urls.api(&format!("/issues/{n}"))),
        "comments": href(urls.api(&format!("/issues/{n}/comments"))),
        "review_comments": href(urls.api(&format!("/pulls/{n}/comments"))),
        "review_comment": href(urls.api("/pulls/comments{/number}")),
        "commits": href(urls.api(&format!("/pulls/{n}/commits"))),
        "statuses": href(urls.api(&format!("/statuses/{}", pr.head_sha)))
    })
}

pub fn review(base: &str, repo: &Repo, r: &Review) -> Value {
    let urls = Urls::of(base, repo);
    let html = urls.html(&format!("/pull/{}#pullrequestreview-{}", r.pr, r.id));
    let pr_url = urls.api(&format!("/pulls/{}", r.pr));
    json!({
        "id": r.id,
        "node_id": node_id("PRR", r.id),
        "user": user(base, &r.author),
        "body": r.body,
        "state": r.state,
        "html_url": html,
        "pull_request_url": pr_url,
        "author_association": association(repo, &r.author),
        "_links": { "html": { "href": html }, "pull_request": { "href": pr_url } },
        "submitted_at": ts(r.submitted_at),
        "commit_id": r.commit_id
    })
}

pub fn review_comment(base: &str, repo: &Repo, c: &ReviewComment) -> Value {
    let urls = Urls::of(base, repo);
    let url = urls.api(&format!("/pulls/comments/{}", c.id));
    let html = urls.html(&format!("/pull/{}#discussion_r{}", c.pr, c.id));
    let pr_url = urls.api(&format!("/pulls/{}", c.pr));
    json!({
        "url": url,
        "pull_request_review_id": c.review_id,
        "id": c.id,
        "node_id": node_id("PRRC", c.id),
        "diff_hunk": c.diff_hunk,
        "path": c.path,
        "position": c.line.map(|_| 1),
        "original_position": c.line.map(|_| 1),
        "commit_id": c.commit_id,
        "original_commit_id": c.commit_id,
        "in_reply_to_id": c.in_reply_to,
        "user": user(base, &c.author),
        "body": c.body,
        "created_at": ts(c.created_at),
        "updated_at": ts(c.created_at),
        "html_url": html,
        "pull_request_url": pr_url,
        "author_association": association(repo, &c.author),
        "_links": {
            "self": { "href": url },
            "html": { "href": html },
            "pull_request": { "href": pr_url }
        },
        "start_line": null,
        "original_start_line": null,
        "start_side": null,
        "line": c.line,
        "original_line": c.line,
        "side": "RIGHT",
        "subject_type": "line"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::World;
    use crate::specs::{PullSpec, ReviewCommentSpec, ReviewSpec};
    use crate::types::RepoSlug;

    const BASE: &str = "http://127.0.0.1:9";

    fn world() -> (World, RepoSlug) {
        let mut world = World::default();
        let slug = RepoSlug::new("acme", "widgets");
        world.repos.push(Repo::new(slug.clone(), 1, "main"));
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        let head = "a".repeat(40);
        repo.insert_pull(
            ids,
            PullSpec::new("Add x", "feat/issue-1-x").body("Closes #1"),
            head.clone(),
            "bob",
        );
        let review = ReviewSpec::new("coderabbitai[bot]", "COMMENTED").body("b");
        let review_id = repo.insert_review(ids, 1, review, &head);
        let spec =
            ReviewCommentSpec::new("coderabbitai[bot]", "src/a.rs", 3, "fix").in_review(review_id);
        repo.insert_review_comment(ids, 1, spec, &head);
        (world, slug)
    }

    #[test]
    fn single_and_listed_pulls_decode_as_octocrab_pulls() {
        let (world, slug) = world();
        let repo = world.repo(&slug).unwrap();
        let view = PullView {
            base_sha: "b".repeat(40),
            mergeable_state: Some("behind".into()),
        };
        let one: octocrab::models::pulls::PullRequest =
            serde_json::from_value(pull(BASE, repo, &repo.items[&1], &view)).unwrap();
        assert_eq!(one.head.ref_field, "feat/issue-1-x");
        assert_eq!(one.head.sha, "a".repeat(40));
        assert_eq!(one.base.sha, "b".repeat(40));
        assert_eq!(
            one.mergeable_state,
            Some(octocrab::models::pulls::MergeableState::Behind)
        );
        assert_eq!(one.merged, Some(false));
        assert!(one.merged_by.is_none());
        let listed = PullView {
            base_sha: "b".repeat(40),
            mergeable_state: None,
        };
        let value = pull(BASE, repo, &repo.items[&1], &listed);
        assert!(value.get("mergeable_state").is_none() && value.get("merged").is_none());
        let decoded: octocrab::models::pulls::PullRequest = serde_json::from_value(value).unwrap();
        assert_eq!(decoded.number, 1);
    }

    #[test]
    fn reviews_and_review_comments_decode() {
        let (world, slug) = world();
        let repo = world.repo(&slug).unwrap();
        let r: octocrab::models::pulls::Review =
            serde_json::from_value(review(BASE, repo, &repo.reviews[0])).unwrap();
        assert_eq!(r.user.unwrap().login, "coderabbitai[bot]");
        assert_eq!(
            r.state,
            Some(octocrab::models::pulls::ReviewState::Commented)
        );
        assert_eq!(r.commit_id.as_deref(), Some("a".repeat(40).as_str()));
        let c: octocrab::models::pulls::Comment =
            serde_json::from_value(review_comment(BASE, repo, &repo.review_comments[0])).unwrap();
        assert_eq!((c.path.as_str(), c.line), ("src/a.rs", Some(3)));
        assert_eq!(
            c.pull_request_review_id.map(|id| id.0),
            Some(repo.reviews[0].id)
        );
    }
}
