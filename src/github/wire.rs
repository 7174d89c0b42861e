//! A pull request as GitHub sends it, cut to the fields the seam keeps.
//! octocrab's full model parses every URL of the head and base
//! repositories on each read (about a hundred `Url`s per PR), which was the
//! largest share of the orchestrator's own CPU spent decoding answers in
//! the run benchmark; the fields left out are skipped unparsed.

use serde::Deserialize;

use super::types::{ItemState, PullRequest};
use crate::ids::{BranchName, CommitSha, PrNumber};

#[derive(Debug, Deserialize)]
pub struct WirePull {
    number: u64,
    node_id: Option<String>,
    title: Option<String>,
    user: Option<Login>,
    body: Option<String>,
    state: Option<String>,
    merged: Option<bool>,
    merged_at: Option<String>,
    draft: Option<bool>,
    head: Ref,
    base: Ref,
    html_url: Option<String>,
    mergeable_state: Option<String>,
    merged_by: Option<Login>,
    merge_commit_sha: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Ref {
    #[serde(rename = "ref")]
    name: String,
    sha: String,
}

#[derive(Debug, Deserialize)]
struct Login {
    login: String,
}

impl From<WirePull> for PullRequest {
    fn from(p: WirePull) -> Self {
        let merged = p.merged.unwrap_or(false) || p.merged_at.is_some();
        PullRequest {
            number: PrNumber(p.number),
            node_id: p.node_id.unwrap_or_default(),
            title: p.title.unwrap_or_default(),
            author: p.user.map(|u| u.login).unwrap_or_default(),
            body: p.body.unwrap_or_default(),
            state: match p.state.as_deref() {
                Some(s) if s.eq_ignore_ascii_case("closed") => ItemState::Closed,
                _ => ItemState::Open,
            },
            merged,
            draft: p.draft.unwrap_or(false),
            head_ref: BranchName(p.head.name),
            head_sha: CommitSha(p.head.sha),
            base_ref: BranchName(p.base.name),
            html_url: p.html_url.unwrap_or_default(),
            mergeable_state: p.mergeable_state.map(|s| s.to_ascii_lowercase()),
            merged_by: p.merged_by.map(|a| a.login),
            merge_commit_sha: p.merge_commit_sha.filter(|_| merged).map(CommitSha),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_merged_pull_keeps_what_the_seam_reads_and_ignores_the_rest() {
        let raw = json!({
            "number": 7, "node_id": "PR_7", "title": "Add x", "user": {"login": "bot"},
            "body": null, "state": "closed", "merged": true, "draft": false,
            "head": {"ref": "issue-3", "sha": "abc", "repo": {"html_url": "not a url"}},
            "base": {"ref": "main", "sha": "def"},
            "html_url": "https://github.com/o/r/pull/7", "mergeable_state": "Clean",
            "merged_by": {"login": "alice"}, "merge_commit_sha": "m1",
        });
        let pull = PullRequest::from(serde_json::from_value::<WirePull>(raw).unwrap());
        assert_eq!(pull.state, ItemState::Closed);
        assert!(pull.merged);
        assert_eq!(pull.head_ref.0, "issue-3");
        assert_eq!(pull.base_ref.0, "main");
        assert_eq!(pull.body, "");
        assert_eq!(pull.mergeable_state.as_deref(), Some("clean"));
        assert_eq!(pull.merged_by.as_deref(), Some("alice"));
        assert_eq!(pull.merge_commit_sha, Some(CommitSha("m1".into())));
    }

    #[test]
    fn an_open_pull_has_no_merge_commit_even_when_github_names_a_test_merge() {
        let raw = json!({
            "number": 8, "state": "open", "head": {"ref": "b", "sha": "1"},
            "base": {"ref": "main", "sha": "2"}, "merge_commit_sha": "test-merge",
        });
        let pull = PullRequest::from(serde_json::from_value::<WirePull>(raw).unwrap());
        assert_eq!(pull.state, ItemState::Open);
        assert!(!pull.merged);
        assert_eq!(pull.merge_commit_sha, None);
    }
}
