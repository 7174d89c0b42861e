//! Whether a pull request says it resolves an issue (`Closes #12`,
//! `Fixes owner/repo#12`, a full issue URL), and which of several PRs for an
//! issue's branches is the issue's PR.

use std::sync::LazyLock;

use regex::Regex;

use crate::github::{ItemState, PullRequest};
use crate::ids::{IssueNumber, RepoSlug};

static KEYWORD_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b\s*:?\s+(?:([\w.-]+/[\w.-]+)#|https?://[^\s/]+/([\w.-]+/[\w.-]+)/issues/|#)(\d+)\b",
    )
    .expect("static regex")
});

/// Whether `body` links `issue` of `repo` with one of GitHub's closing keywords.
pub fn links_issue(body: &str, repo: &RepoSlug, issue: IssueNumber) -> bool {
    KEYWORD_REF.captures_iter(body).any(|c| {
        let same_repo = match c.get(1).or(c.get(2)) {
            Some(slug) => slug
                .as_str()
                .parse::<RepoSlug>()
                .is_ok_and(|s| s.same_as(repo)),
            None => true,
        };
        same_repo && c[3].parse::<u64>().ok() == Some(issue.0)
    })
}

/// The issue's PR among the PRs of its branches: linked before unlinked,
/// open before merged, newest first. A PR closed without merging is someone's
/// decision, never picked up again (see [`closed_pull`]).
pub fn pick_pull<'a>(
    pulls: &'a [PullRequest],
    repo: &RepoSlug,
    issue: IssueNumber,
) -> Option<(&'a PullRequest, bool)> {
    let rank = |p: &PullRequest| {
        let linked = links_issue(&p.body, repo, issue);
        let open = p.state == ItemState::Open;
        (linked, open, p.number)
    };
    pulls
        .iter()
        .filter(|p| p.state == ItemState::Open || p.merged)
        .max_by_key(|p| rank(p))
        .map(|p| (p, links_issue(&p.body, repo, issue)))
}

/// The newest PR of the issue's branches that a person closed without
/// merging, when no open or merged one exists: the branch is not to be
/// revived with a new PR.
pub fn closed_pull(pulls: &[PullRequest]) -> Option<&PullRequest> {
    if pulls.iter().any(|p| p.state == ItemState::Open || p.merged) {
        return None;
    }
    pulls
        .iter()
        .filter(|p| p.state == ItemState::Closed && !p.merged)
        .max_by_key(|p| p.number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{BranchName, CommitSha, PrNumber};

    fn repo() -> RepoSlug {
        RepoSlug::new("acme", "app")
    }

    #[test]
    fn closing_keywords_link_the_issue() {
        for body in [
            "Closes #12",
            "closed #12",
            "Fixes: #12",
            "This resolves acme/app#12.",
            "fix https://github.com/acme/app/issues/12",
            "Some text\n\nResolved #12",
        ] {
            assert!(links_issue(body, &repo(), IssueNumber(12)), "{body:?}");
        }
    }

    #[test]
    fn other_issues_repos_and_words_do_not() {
        for body in [
            "Closes #123",
            "Closes #1",
            "Closes other/repo#12",
            "Related to #12",
            "See #12",
            "Fixes https://github.com/other/repo/issues/12",
        ] {
            assert!(!links_issue(body, &repo(), IssueNumber(12)), "{body:?}");
        }
    }

    fn pr(n: u64, body: &str, state: ItemState, merged: bool) -> PullRequest {
        PullRequest {
            node_id: String::new(),
            number: PrNumber(n),
            title: format!("PR {n}"),
            author: "worker".into(),
            body: body.into(),
            state,
            merged,
            draft: false,
            head_ref: BranchName(format!("feat/issue-12-{n}")),
            head_sha: CommitSha("a".repeat(40)),
            base_ref: BranchName("main".into()),
            html_url: String::new(),
            mergeable_state: None,
            merged_by: None,
            merge_commit_sha: None,
        }
    }

    #[test]
    fn linked_open_pr_wins_and_closed_ones_are_ignored() {
        let pulls = [
            pr(20, "no link", ItemState::Open, false),
            pr(21, "Closes #12", ItemState::Closed, false),
            pr(22, "Closes #12", ItemState::Open, false),
        ];
        let (picked, linked) = pick_pull(&pulls, &repo(), IssueNumber(12)).unwrap();
        assert_eq!((picked.number, linked), (PrNumber(22), true));
        let only_closed = [pr(21, "Closes #12", ItemState::Closed, false)];
        assert!(pick_pull(&only_closed, &repo(), IssueNumber(12)).is_none());
        assert_eq!(
            closed_pull(&only_closed).map(|p| p.number),
            Some(PrNumber(21))
        );
        assert!(
            closed_pull(&pulls).is_none(),
            "an open PR wins over a closed one"
        );
    }

    #[test]
    fn an_unlinked_pr_on_the_issue_branch_is_still_found() {
        let pulls = [pr(30, "forgot the link", ItemState::Open, false)];
        let (picked, linked) = pick_pull(&pulls, &repo(), IssueNumber(12)).unwrap();
        assert_eq!((picked.number, linked), (PrNumber(30), false));
    }
}
