//! Milestones, issues (pull requests included, with their `pull_request`
//! link) and issue comments in GitHub's shapes.

use serde_json::{Value, json};

use crate::types::ItemState;

use super::super::model::{IssueComment, Item, Milestone, Repo};
use super::{Urls, label, node_id, opt_ts, ts, user};

pub fn milestone(base: &str, repo: &Repo, m: &Milestone) -> Value {
    let urls = Urls::of(base, repo);
    let (open, closed) = repo.milestone_counts(m.number);
    json!({
        "url": urls.api(&format!("/milestones/{}", m.number)),
        "html_url": urls.html(&format!("/milestone/{}", m.number)),
        "labels_url": urls.api(&format!("/milestones/{}/labels", m.number)),
        "id": m.id,
        "node_id": node_id("MI", m.id),
        "number": m.number,
        "state": m.state.to_string(),
        "title": m.title,
        "description": m.description,
        "creator": user(base, &repo.slug.owner),
        "open_issues": open,
        "closed_issues": closed,
        "created_at": ts(m.created_at),
        "updated_at": ts(m.created_at),
        "closed_at": if m.state == ItemState::Closed { json!(ts(m.created_at)) } else { Value::Null },
        "due_on": null
    })
}

/// An issue; a pull request renders as the issue GitHub also serves for it.
pub fn issue(base: &str, repo: &Repo, item: &Item) -> Value {
    let urls = Urls::of(base, repo);
    let n = item.number;
    let comments = repo.issue_comments.iter().filter(|c| c.issue == n).count();
    let labels: Vec<Value> = item.labels.iter().map(|l| label(urls, l)).collect();
    let milestone = item
        .milestone
        .and_then(|m| repo.milestone(m))
        .map(|m| milestone(base, repo, m));
    let closed = item.state == ItemState::Closed;
    let mut value = json!({
        "id": item.id,
        "node_id": node_id("I", item.id),
        "url": urls.api(&format!("/issues/{n}")),
        "repository_url": urls.api(""),
        "labels_url": urls.api(&format!("/issues/{n}/labels{{/name}}")),
        "comments_url": urls.api(&format!("/issues/{n}/comments")),
        "events_url": urls.api(&format!("/issues/{n}/events")),
        "html_url": urls.html(&format!("/{}/{n}", if item.pull.is_some() { "pull" } else { "issues" })),
        "number": n,
        "state": item.state.to_string(),
        "state_reason": if closed { json!("completed") } else { Value::Null },
        "title": item.title,
        "body": item.body,
        "user": user(base, &item.author),
        "labels": labels,
        "assignee": null,
        "assignees": [],
        "milestone": milestone,
        "locked": false,
        "active_lock_reason": null,
        "comments": comments,
        "closed_at": opt_ts(item.closed_at),
        "created_at": ts(item.created_at),
        "updated_at": ts(item.updated_at),
        "closed_by": item.closed_by.as_deref().map_or(Value::Null, |login| user(base, login)),
        "author_association": association(repo, &item.author),
        "timeline_url": urls.api(&format!("/issues/{n}/timeline")),
        "performed_via_github_app": null
    });
    if let Some(pull) = &item.pull {
        value["pull_request"] = json!({
            "url": urls.api(&format!("/pulls/{n}")),
            "html_url": urls.html(&format!("/pull/{n}")),
            "diff_url": urls.html(&format!("/pull/{n}.diff")),
            "patch_url": urls.html(&format!("/pull/{n}.patch")),
            "merged_at": opt_ts(pull.merged_at)
        });
        value["draft"] = json!(pull.draft);
    }
    value
}

pub fn issue_comment(base: &str, repo: &Repo, c: &IssueComment) -> Value {
    let urls = Urls::of(base, repo);
    let kind = if repo.pull(c.issue).is_some() {
        "pull"
    } else {
        "issues"
    };
    json!({
        "id": c.id,
        "node_id": node_id("IC", c.id),
        "url": urls.api(&format!("/issues/comments/{}", c.id)),
        "html_url": urls.html(&format!("/{kind}/{}#issuecomment-{}", c.issue, c.id)),
        "issue_url": urls.api(&format!("/issues/{}", c.issue)),
        "body": c.body,
        "user": user(base, &c.author),
        "created_at": ts(c.created_at),
        "updated_at": ts(c.created_at),
        "author_association": association(repo, &c.author),
        "performed_via_github_app": null
    })
}

/// GitHub's `author_association` of `login` in `repo`.
pub fn association(repo: &Repo, login: &str) -> &'static str {
    repo.association(login).as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{World, now};
    use crate::specs::{IssueSpec, PullSpec};
    use crate::types::RepoSlug;

    const BASE: &str = "http://127.0.0.1:9";

    fn repo_with_items() -> (World, RepoSlug) {
        let mut world = World::default();
        let slug = RepoSlug::new("acme", "widgets");
        world.repos.push(Repo::new(slug.clone(), 1, "main"));
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        repo.milestones.push(Milestone {
            id: ids.next(),
            number: 1,
            title: "M1".into(),
            description: None,
            state: ItemState::Open,
            created_at: now(),
        });
        let spec = IssueSpec::new("First")
            .body("Blocked by #2")
            .label("bug")
            .milestone(1);
        repo.insert_issue(ids, spec, "octocat");
        repo.insert_pull(
            ids,
            PullSpec::new("PR", "feat/x").milestone(1),
            "a".repeat(40),
            "acme",
        );
        (world, slug)
    }

    #[test]
    fn issues_and_pulls_decode_as_octocrab_issues() {
        let (world, slug) = repo_with_items();
        let repo = world.repo(&slug).unwrap();
        let plain: octocrab::models::issues::Issue =
            serde_json::from_value(issue(BASE, repo, &repo.items[&1])).unwrap();
        assert_eq!(plain.number, 1);
        assert!(plain.pull_request.is_none());
        assert_eq!(plain.labels[0].name, "bug");
        assert_eq!(plain.milestone.unwrap().open_issues, Some(2));
        let pr: octocrab::models::issues::Issue =
            serde_json::from_value(issue(BASE, repo, &repo.items[&2])).unwrap();
        assert!(pr.pull_request.is_some());
        assert_eq!(
            pr.author_association,
            Some(octocrab::models::AuthorAssociation::Owner)
        );
        assert!(pr.closed_by.is_none(), "open: nobody closed it");
    }

    #[test]
    fn a_closed_issue_names_who_closed_it() {
        let (mut world, slug) = repo_with_items();
        let (repo, _) = world.repo_mut(&slug).unwrap();
        repo.close_item(1, "alice");
        let repo = world.repo(&slug).unwrap();
        let value = issue(BASE, repo, &repo.items[&1]);
        let closed: octocrab::models::issues::Issue = serde_json::from_value(value).unwrap();
        assert_eq!(closed.closed_by.map(|u| u.login).as_deref(), Some("alice"));
        assert!(closed.closed_at.is_some());
    }

    #[test]
    fn milestones_and_comments_decode() {
        let (mut world, slug) = repo_with_items();
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        repo.insert_issue_comment(ids, 2, "coderabbitai[bot]", "hello");
        let repo = world.repo(&slug).unwrap();
        let m: octocrab::models::Milestone =
            serde_json::from_value(milestone(BASE, repo, &repo.milestones[0])).unwrap();
        assert_eq!((m.number, m.state.as_deref()), (1, Some("open")));
        let c: octocrab::models::issues::Comment =
            serde_json::from_value(issue_comment(BASE, repo, &repo.issue_comments[0])).unwrap();
        assert_eq!(c.body.as_deref(), Some("hello"));
        assert_eq!(c.user.r#type, "Bot");
        assert!(c.html_url.as_str().contains("/pull/2#issuecomment-"));
    }
}
