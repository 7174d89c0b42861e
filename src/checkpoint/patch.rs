//! `IssuePatch`: the optional changes to an issue row that go with a
//! transition or stand alone, built fluently and turned into one UPDATE.

use std::path::PathBuf;

use rusqlite::types::Value;
use serde_json::{Map, json};

use super::codec::path_text;
use super::error::Result;
use crate::ids::{BranchName, CommitSha, PrNumber};

/// Changes to an issue row; every field is optional. Fields that can go away
/// (the worktree, the last error, the review step) have a `clear_` setter.
///
/// ```
/// # use auto_milestone::checkpoint::IssuePatch;
/// # use auto_milestone::ids::PrNumber;
/// let patch = IssuePatch::new().pr(PrNumber(41)).count_review_round();
/// assert!(!patch.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IssuePatch {
    branch: Option<BranchName>,
    pr: Option<PrNumber>,
    head_sha: Option<CommitSha>,
    worktree: Option<Option<PathBuf>>,
    last_error: Option<Option<String>>,
    skip_reason: Option<Option<String>>,
    review_step: Option<Option<serde_json::Value>>,
    count_attempt: bool,
    count_ci_fix: bool,
    count_review_round: bool,
}

/// One `SET` item of the UPDATE.
pub(crate) enum Assign {
    Set(&'static str, Value),
    Increment(&'static str),
}

fn text_or_null(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::Text(s.to_string()))
}

impl IssuePatch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn branch(mut self, branch: BranchName) -> Self {
        self.branch = Some(branch);
        self
    }

    pub fn pr(mut self, pr: PrNumber) -> Self {
        self.pr = Some(pr);
        self
    }

    pub fn head_sha(mut self, sha: CommitSha) -> Self {
        self.head_sha = Some(sha);
        self
    }

    pub fn worktree(mut self, path: impl Into<PathBuf>) -> Self {
        self.worktree = Some(Some(path.into()));
        self
    }

    pub fn clear_worktree(mut self) -> Self {
        self.worktree = Some(None);
        self
    }

    pub fn last_error(mut self, error: impl Into<String>) -> Self {
        self.last_error = Some(Some(error.into()));
        self
    }

    pub fn clear_last_error(mut self) -> Self {
        self.last_error = Some(None);
        self
    }

    pub fn skip_reason(mut self, reason: impl Into<String>) -> Self {
        self.skip_reason = Some(Some(reason.into()));
        self
    }

    pub fn clear_skip_reason(mut self) -> Self {
        self.skip_reason = Some(None);
        self
    }

    /// The review loop's step, stored as JSON and handed back unchanged.
    pub fn review_step(mut self, step: serde_json::Value) -> Self {
        self.review_step = Some(Some(step));
        self
    }

    pub fn clear_review_step(mut self) -> Self {
        self.review_step = Some(None);
        self
    }

    /// One more worker launch. Count it before launching (persist first):
    /// a crash right after the launch must not lose the attempt.
    pub fn count_attempt(mut self) -> Self {
        self.count_attempt = true;
        self
    }

    pub fn count_ci_fix(mut self) -> Self {
        self.count_ci_fix = true;
        self
    }

    pub fn count_review_round(mut self) -> Self {
        self.count_review_round = true;
        self
    }

    pub fn is_empty(&self) -> bool {
        *self == IssuePatch::default()
    }

    pub(crate) fn assignments(&self) -> Result<Vec<Assign>> {
        let mut out = Vec::new();
        if let Some(b) = &self.branch {
            out.push(Assign::Set("branch", Value::Text(b.0.clone())));
        }
        if let Some(pr) = self.pr {
            out.push(Assign::Set("pr", Value::Integer(pr_i64(pr)?)));
        }
        if let Some(sha) = &self.head_sha {
            out.push(Assign::Set("head_sha", Value::Text(sha.0.clone())));
        }
        if let Some(path) = &self.worktree {
            let text = path.as_deref().map(path_text).transpose()?;
            out.push(Assign::Set("worktree", text_or_null(text)));
        }
        if let Some(error) = &self.last_error {
            out.push(Assign::Set("last_error", text_or_null(error.as_deref())));
        }
        if let Some(reason) = &self.skip_reason {
            out.push(Assign::Set("skip_reason", text_or_null(reason.as_deref())));
        }
        if let Some(step) = &self.review_step {
            let text = step.as_ref().map(|v| v.to_string());
            out.push(Assign::Set("review_step", text_or_null(text.as_deref())));
        }
        let counters = [
            (self.count_attempt, "attempts"),
            (self.count_ci_fix, "ci_fix_attempts"),
            (self.count_review_round, "review_rounds"),
        ];
        out.extend(
            counters
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, col)| Assign::Increment(col)),
        );
        Ok(out)
    }

    /// What the patch changes, as the JSON detail of its event.
    pub(crate) fn summary(&self) -> Option<serde_json::Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: serde_json::Value| {
            m.insert(k.to_string(), v);
        };
        if let Some(b) = &self.branch {
            put("branch", json!(b));
        }
        if let Some(pr) = self.pr {
            put("pr", json!(pr));
        }
        if let Some(sha) = &self.head_sha {
            put("head_sha", json!(sha));
        }
        if let Some(path) = &self.worktree {
            put(
                "worktree",
                json!(path.as_ref().map(|p| p.display().to_string())),
            );
        }
        if let Some(error) = &self.last_error {
            put("last_error", json!(error));
        }
        if let Some(reason) = &self.skip_reason {
            put("skip_reason", json!(reason));
        }
        if let Some(step) = &self.review_step {
            put("review_step", json!(step));
        }
        for (on, name) in [
            (self.count_attempt, "attempts"),
            (self.count_ci_fix, "ci_fix_attempts"),
            (self.count_review_round, "review_rounds"),
        ] {
            if on {
                put(name, json!("+1"));
            }
        }
        (!m.is_empty()).then_some(serde_json::Value::Object(m))
    }
}

fn pr_i64(pr: PrNumber) -> Result<i64> {
    i64::try_from(pr.0).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_patch_changes_nothing() {
        let patch = IssuePatch::new();
        assert!(patch.is_empty());
        assert!(patch.assignments().unwrap().is_empty());
        assert_eq!(patch.summary(), None);
    }

    #[test]
    fn summary_names_every_change() {
        let patch = IssuePatch::new()
            .pr(PrNumber(7))
            .clear_last_error()
            .review_step(json!({"step": "wait_ci"}))
            .count_ci_fix();
        assert_eq!(
            patch.summary().unwrap(),
            json!({"pr": 7, "last_error": null, "review_step": {"step": "wait_ci"}, "ci_fix_attempts": "+1"})
        );
        assert_eq!(patch.assignments().unwrap().len(), 4);
    }
}
