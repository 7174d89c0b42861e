//! What a test or the demo asks the sandbox to create: issues, pull requests,
//! reviews and inline comments, each with builder methods for the optional parts.

use crate::types::ItemState;

use super::model::DiffLine;

/// An issue to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueSpec {
    pub title: String,
    pub body: Option<String>,
    pub labels: Vec<String>,
    pub state: ItemState,
    pub milestone: Option<u64>,
    /// Defaults to the sandbox's viewer.
    pub author: Option<String>,
}

impl IssueSpec {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            body: None,
            labels: Vec::new(),
            state: ItemState::Open,
            milestone: None,
            author: None,
        }
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.labels.push(label.into());
        self
    }

    pub fn milestone(mut self, number: u64) -> Self {
        self.milestone = Some(number);
        self
    }

    pub fn closed(mut self) -> Self {
        self.state = ItemState::Closed;
        self
    }

    pub fn author(mut self, login: impl Into<String>) -> Self {
        self.author = Some(login.into());
        self
    }
}

/// A pull request to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullSpec {
    pub title: String,
    pub head: String,
    /// Defaults to the repository's default branch.
    pub base: Option<String>,
    pub body: Option<String>,
    /// For a repo without git backing: the head commit (also set as the branch head).
    pub head_sha: Option<String>,
    pub draft: bool,
    pub milestone: Option<u64>,
    pub author: Option<String>,
    /// For a repo without git backing: the lines the PR adds.
    pub diff: Vec<DiffLine>,
}

impl PullSpec {
    pub fn new(title: impl Into<String>, head: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            head: head.into(),
            base: None,
            body: None,
            head_sha: None,
            draft: false,
            milestone: None,
            author: None,
            diff: Vec::new(),
        }
    }

    pub fn base(mut self, base: impl Into<String>) -> Self {
        self.base = Some(base.into());
        self
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn head_sha(mut self, sha: impl Into<String>) -> Self {
        self.head_sha = Some(sha.into());
        self
    }

    pub fn draft(mut self) -> Self {
        self.draft = true;
        self
    }

    pub fn milestone(mut self, number: u64) -> Self {
        self.milestone = Some(number);
        self
    }

    pub fn author(mut self, login: impl Into<String>) -> Self {
        self.author = Some(login.into());
        self
    }

    /// An added line, for a repo without git backing.
    pub fn added_line(mut self, path: &str, line: u64, text: &str) -> Self {
        self.diff.push(DiffLine {
            path: path.to_string(),
            line,
            text: text.to_string(),
        });
        self
    }
}

/// A review to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewSpec {
    pub author: String,
    /// APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING.
    pub state: String,
    pub body: String,
    /// Defaults to the PR's head.
    pub commit_id: Option<String>,
}

impl ReviewSpec {
    pub fn new(author: impl Into<String>, state: impl Into<String>) -> Self {
        Self {
            author: author.into(),
            state: state.into(),
            body: String::new(),
            commit_id: None,
        }
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    pub fn commit(mut self, sha: impl Into<String>) -> Self {
        self.commit_id = Some(sha.into());
        self
    }
}

/// An inline review comment to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewCommentSpec {
    pub author: String,
    pub body: String,
    pub path: String,
    pub line: Option<u64>,
    /// Defaults to the PR's head.
    pub commit_id: Option<String>,
    pub review_id: Option<u64>,
    pub in_reply_to: Option<u64>,
}

impl ReviewCommentSpec {
    pub fn new(
        author: impl Into<String>,
        path: impl Into<String>,
        line: u64,
        body: impl Into<String>,
    ) -> Self {
        Self {
            author: author.into(),
            body: body.into(),
            path: path.into(),
            line: Some(line),
            commit_id: None,
            review_id: None,
            in_reply_to: None,
        }
    }

    pub fn commit(mut self, sha: impl Into<String>) -> Self {
        self.commit_id = Some(sha.into());
        self
    }

    pub fn in_review(mut self, review_id: u64) -> Self {
        self.review_id = Some(review_id);
        self
    }

    pub fn reply_to(mut self, comment_id: u64) -> Self {
        self.in_reply_to = Some(comment_id);
        self
    }
}

/// A commit someone pushes to a pull request's head branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitSpec {
    pub message: String,
    /// Files the commit writes (path, whole content); none: an empty commit.
    pub files: Vec<(String, String)>,
}

impl CommitSpec {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            files: Vec::new(),
        }
    }

    /// Writes `content` to `path` (replacing what was there).
    pub fn file(mut self, path: impl Into<String>, content: impl Into<String>) -> Self {
        self.files.push((path.into(), content.into()));
        self
    }
}
