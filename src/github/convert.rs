//! Conversions from octocrab's models (GitHub's shapes) into the seam's types.

use octocrab::models;

use super::types::*;
use crate::ids::{CommitSha, IssueNumber, RepoSlug};

fn state_of(state: &models::IssueState) -> ItemState {
    match state {
        models::IssueState::Closed => ItemState::Closed,
        _ => ItemState::Open,
    }
}

pub fn milestone(m: models::Milestone) -> Milestone {
    Milestone {
        number: m.number as u64,
        title: m.title,
        state: if m.state.as_deref() == Some("closed") {
            ItemState::Closed
        } else {
            ItemState::Open
        },
        open_issues: m.open_issues.unwrap_or(0).max(0) as u64,
        closed_issues: m.closed_issues.unwrap_or(0).max(0) as u64,
    }
}

pub fn issue(i: models::issues::Issue) -> Issue {
    Issue {
        number: IssueNumber(i.number),
        title: i.title,
        body: i.body.unwrap_or_default(),
        state: state_of(&i.state),
        labels: i.labels.into_iter().map(|l| l.name).collect(),
        milestone: i.milestone.map(|m| m.title),
        html_url: i.html_url.to_string(),
        is_pull_request: i.pull_request.is_some(),
        closed_by: i.closed_by.map(|a| a.login),
    }
}

/// `https://api.github.com/repos/owner/name` → `owner/name`.
fn repo_of_url(url: &str) -> Option<RepoSlug> {
    let path = url.split("/repos/").nth(1)?;
    let mut parts = path.trim_end_matches('/').split('/');
    format!("{}/{}", parts.next()?, parts.next()?).parse().ok()
}

pub fn issue_ref(i: models::issues::Issue) -> Option<IssueRef> {
    Some(IssueRef {
        repo: repo_of_url(i.repository_url.as_str())?,
        number: IssueNumber(i.number),
        title: Some(i.title),
        state: Some(state_of(&i.state)),
    })
}

fn review_state(s: Option<models::pulls::ReviewState>) -> String {
    use models::pulls::ReviewState::*;
    match s {
        Some(Approved) => "APPROVED",
        Some(ChangesRequested) => "CHANGES_REQUESTED",
        Some(Commented) => "COMMENTED",
        Some(Dismissed) => "DISMISSED",
        Some(Pending) => "PENDING",
        _ => "OPEN",
    }
    .to_string()
}

/// A missing `author_association`, or one octocrab does not know, is `Unknown`:
/// never trusted.
fn association(a: Option<models::AuthorAssociation>) -> Association {
    use models::AuthorAssociation as A;
    match a {
        Some(A::Owner) => Association::Owner,
        Some(A::Member) => Association::Member,
        Some(A::Collaborator) => Association::Collaborator,
        Some(A::Contributor) => Association::Contributor,
        Some(A::FirstTimeContributor) => Association::FirstTimeContributor,
        Some(A::FirstTimer) => Association::FirstTimer,
        Some(A::Mannequin) => Association::Mannequin,
        Some(A::None) => Association::None,
        _ => Association::Unknown,
    }
}

pub fn review(r: models::pulls::Review) -> Review {
    Review {
        id: r.id.0,
        user: r.user.map(|u| u.login).unwrap_or_default(),
        association: association(r.author_association),
        state: review_state(r.state),
        body: r.body.unwrap_or_default(),
        commit_id: r.commit_id.map(CommitSha),
        submitted_at: r.submitted_at,
    }
}

pub fn review_comment(c: models::pulls::Comment) -> ReviewComment {
    ReviewComment {
        id: c.id.0,
        user: c.user.map(|u| u.login).unwrap_or_default(),
        association: association(c.author_association),
        body: c.body,
        path: c.path,
        line: c.line,
        commit_id: Some(CommitSha(c.commit_id)),
        in_reply_to_id: c.in_reply_to_id.map(|id| id.0),
        pull_request_review_id: c.pull_request_review_id.map(|id| id.0),
    }
}

pub fn issue_comment(c: models::issues::Comment) -> IssueComment {
    IssueComment {
        id: c.id.0,
        user: c.user.login,
        association: association(c.author_association),
        body: c.body.unwrap_or_default(),
        created_at: c.created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_association_is_read_and_a_missing_or_unknown_one_is_unknown() {
        let of = |association: Option<&str>| {
            let mut value = serde_json::json!({
                "id": 1,
                "node_id": "PRR_1",
                "html_url": "https://github.com/octo/cat/pull/1#pullrequestreview-1",
                "user": null
            });
            if let Some(a) = association {
                value["author_association"] = a.into();
            }
            review(serde_json::from_value(value).expect("a review decodes")).association
        };
        assert_eq!(of(Some("OWNER")), Association::Owner);
        assert_eq!(of(Some("MEMBER")), Association::Member);
        assert_eq!(of(Some("COLLABORATOR")), Association::Collaborator);
        assert_eq!(
            of(Some("FIRST_TIME_CONTRIBUTOR")),
            Association::FirstTimeContributor
        );
        assert_eq!(of(Some("NONE")), Association::None);
        assert_eq!(of(Some("SOMETHING_NEW")), Association::Unknown);
        assert_eq!(of(None), Association::Unknown);
    }

    #[test]
    fn repository_url_names_the_repo() {
        assert_eq!(
            repo_of_url("https://api.github.com/repos/octo/cat"),
            Some(RepoSlug::new("octo", "cat"))
        );
        assert_eq!(
            repo_of_url("https://ghe.example.com/api/v3/repos/octo/cat/"),
            Some(RepoSlug::new("octo", "cat"))
        );
        assert_eq!(repo_of_url("https://example.com/nothing"), None);
    }
}
