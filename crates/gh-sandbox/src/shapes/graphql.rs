//! The GraphQL objects the sandbox answers: a pull request and its merge
//! queue entry. GraphQL answers exactly the fields a query selects; the
//! sandbox approximates that by keeping a field when its name appears in the
//! query outside argument lists, which fits the flat selections clients
//! send (a field asked for under another object is kept on both).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use crate::types::ItemState;

use super::super::model::{Item, PullInfo, QueueEntry, Repo};
use super::{node_id, ts};

/// The field names a query selects.
pub struct Selection {
    text: String,
}

impl Selection {
    pub fn of(query: &str) -> Self {
        static ARGUMENTS: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"\([^()]*\)").expect("argument pattern is valid"));
        let mut text = query.to_string();
        while ARGUMENTS.is_match(&text) {
            text = ARGUMENTS.replace_all(&text, " ").into_owned();
        }
        Self { text }
    }

    /// Whether `field` appears as a whole word.
    pub fn wants(&self, field: &str) -> bool {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        self.text.match_indices(field).any(|(at, _)| {
            let before = self.text[..at].chars().next_back();
            let after = self.text[at + field.len()..].chars().next();
            !before.is_some_and(word) && !after.is_some_and(word)
        })
    }

    /// An object of the wanted fields, in the order given.
    fn pick(&self, fields: Vec<(&str, Value)>) -> Value {
        let wanted = fields.into_iter().filter(|(name, _)| self.wants(name));
        let map: Map<String, Value> = wanted.map(|(n, v)| (n.to_string(), v)).collect();
        Value::Object(map)
    }
}

/// GitHub's `PullRequestState`: MERGED, CLOSED or OPEN.
fn state(item: &Item, pull: &PullInfo) -> &'static str {
    match (pull.merged, item.state) {
        (true, _) => "MERGED",
        (false, ItemState::Closed) => "CLOSED",
        (false, ItemState::Open) => "OPEN",
    }
}

/// A `PullRequest` object; its `id` is the REST `node_id`.
pub fn pull_request(sel: &Selection, repo: &Repo, item: &Item, pull: &PullInfo) -> Value {
    let entry = repo.queue_entry(item.number);
    let entry_value = entry.map_or(Value::Null, |e| queue_entry(sel, e, repo.queue_position(e)));
    let merge_commit = pull
        .merge_commit_sha
        .as_ref()
        .map(|oid| json!({ "oid": oid }));
    sel.pick(vec![
        ("id", json!(node_id("PR", pull.id))),
        ("number", json!(item.number)),
        ("title", json!(item.title)),
        ("state", json!(state(item, pull))),
        ("merged", json!(pull.merged)),
        ("isDraft", json!(pull.draft)),
        ("isInMergeQueue", json!(entry.is_some())),
        ("mergeQueueEntry", entry_value),
        ("headRefOid", json!(pull.head_sha)),
        ("headRefName", json!(pull.head_ref)),
        ("baseRefName", json!(pull.base_ref)),
        ("mergeCommit", json!(merge_commit)),
    ])
}

/// A `MergeQueueEntry`: `position` counts from 1 (the next to merge).
pub fn queue_entry(sel: &Selection, entry: &QueueEntry, position: usize) -> Value {
    sel.pick(vec![
        ("id", json!(node_id("MQE", entry.id))),
        ("state", json!(entry.state)),
        ("position", json!(position)),
        ("enqueuedAt", json!(ts(entry.enqueued_at))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_skip_arguments_and_match_whole_words() {
        let sel = Selection::of(
            "query($owner: String!, $number: Int!) { repository(owner: $owner, name: \"w\") \
             { pullRequest(number: $number) { merged mergeQueueEntry { position } } } }",
        );
        assert!(sel.wants("merged") && sel.wants("position") && sel.wants("pullRequest"));
        assert!(!sel.wants("owner"), "arguments are not selections");
        assert!(!sel.wants("merge") && !sel.wants("state"));
        let picked = sel.pick(vec![("merged", json!(true)), ("state", json!("OPEN"))]);
        assert_eq!(picked, json!({ "merged": true }));
    }
}
